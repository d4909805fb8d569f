// `knobs apply`: execute a plan as one transaction.
//   lock → inspect (noop?) → journal (backups, fsync'd) → files (atomic) → sysctls (verified) → commit
// Any failure before commit undoes what was done, from the journal. A crash leaves a
// pending journal that `rollback` finishes; a crash after commit leaves the new state.
//
// Step names, in order (tests crash or fail at each; `onStep` reports them):
//   locked, backup:<n> (each journal blob), journal (pending journal durable),
//   dirs:<i> (parents of file i created), tmp:<i> (temp file durable, before rename),
//   file:<i> (file i in place or removed), sysctl:<i> (key i set and verified), commit
// where i indexes the changed files / keys as the journal lists them.

import fs from 'node:fs';
import path from 'node:path';
import { isManagedPath, mayKnobsSet } from '../core/managed-paths.js';
import { UserError } from '../errors.js';
import { ConfineError, confinedPath, kindOf, trustedUids, writablePath } from '../host/confine.js';
import { describeErrno } from '../host/host-fs.js';
import {
  foldValue,
  mkdirDurable,
  readSysctl,
  removeFile,
  sha256,
  SysctlWriteError,
  sysctlRelPath,
  writeFileAtomic,
  writeSysctl,
} from './atomic-write.js';
import { findInterrupted } from './history.js';
import { cleanIncomplete, createJournal, discardIncomplete, journalDir, newJournalId, nextSeq, recordError, setState, type JournalBlob } from './journal.js';
import { acquireLock, guardSignals, type SignalGuard } from './lock.js';
import { faultsFromEnv, Hooks } from './hooks.js';
import { preflight } from './preflight.js';
import { undoJournal } from './rollback.js';
import { inspectSideEffects } from './side-effects.js';
import type {
  ApplyOptions,
  ApplyRequest,
  ApplyResult,
  FileChange,
  Journal,
  JournalFile,
  JournalSysctl,
  PlannedFile,
  PrevKind,
  SysctlChange,
} from './types.js';

const DEFAULT_MODE = 0o644;

export async function executeApply(request: ApplyRequest, opts: ApplyOptions): Promise<ApplyResult> {
  let req = request;
  validate(req);
  const root = path.resolve(opts.root);
  const now = opts.now ?? (() => new Date());
  const problems = preflight(root, req.scope, {
    keys: req.sysctls.map((s) => s.key),
    files: req.files.map((f) => f.path),
  });
  if (problems.length > 0) throw new UserError(problems[0]!.message, problems[0]!.hint);

  const hooks = new Hooks(opts.faults ?? faultsFromEnv(process.env), opts.onStep);
  const lock = await acquireLock(root, { user: req.user, timeoutMs: opts.lockTimeoutMs, now });
  try {
    hooks.step('locked');
    cleanIncomplete(root); // debris of an apply killed while writing its journal: nothing was touched
    const stuck = findInterrupted(root);
    if (stuck) throw new UserError(stuck.message, 'then run the apply again');
    // The plan was made before the lock was ours: make it again from the host as it is now.
    if (opts.replan) {
      req = opts.replan();
      validate(req);
    }

    const files = req.scope.persist ? inspectFiles(root, req.files).filter((f) => f.change !== null) : [];
    const sysctls = req.scope.runtime ? inspectSysctls(root, req.sysctls).filter((s) => s.previous !== foldValue(s.value)) : [];
    if (files.length === 0 && sysctls.length === 0) return { status: 'noop', exitCode: 0 };
    const sideEffects = inspectSideEffects(root, sysctls);

    const signals = opts.handleSignals === false ? null : guardSignals();
    try {
      return await new Transaction(root, req, files, sysctls, sideEffects, hooks, signals, lock.holder.token, now).run();
    } finally {
      signals?.dispose();
    }
  } finally {
    lock.release();
  }
}

export { faultsFromEnv } from './hooks.js';

// ---- inspection -----------------------------------------------------------------

interface FileWork {
  planned: PlannedFile;
  abs: string;
  mode: number;
  prevKind: PrevKind;
  prevContent: Buffer | null;
  prevLink: string | null;
  prevMode: number | null;
  prevUid: number | null;
  prevGid: number | null;
  createdDirs: string[];
  change: FileChange['action'] | null;
}

interface SysctlWork {
  key: string;
  value: string;
  previous: string | null;
  previousRaw: string | null;
}

/** Where a planned file goes, confined to --root (links out of it and directories others can write are refused). */
function target(root: string, hostPath: string): string {
  try {
    return writablePath(root, hostPath);
  } catch (err) {
    if (err instanceof ConfineError) throw new UserError(err.message, 'knobs writes only inside --root, through directories only root can change');
    throw err;
  }
}

function inspectFiles(root: string, planned: PlannedFile[]): FileWork[] {
  const uids = trustedUids();
  return planned.map((p) => {
    const abs = target(root, p.path);
    const mode = p.mode ?? DEFAULT_MODE;
    const w: FileWork = {
      planned: p, abs, mode, prevKind: 'absent', prevContent: null, prevLink: null,
      prevMode: null, prevUid: null, prevGid: null, createdDirs: missingDirs(root, p.path), change: null,
    };
    const st = lstat(abs);
    if (st?.isSymbolicLink()) {
      w.prevKind = 'symlink';
      w.prevLink = fs.readlinkSync(abs);
    } else if (st?.isFile()) {
      if (!uids.has(st.uid)) {
        throw new UserError(`${p.path} is owned by uid ${st.uid}, not by root; knobs will not take it over`, `check who wrote it; \`chown root:root\` it if it is knobs' file`);
      }
      w.prevKind = 'file';
      w.prevContent = fs.readFileSync(abs);
      // Permission bits only: a setuid/setgid bit on a config file is never restored.
      w.prevMode = st.mode & 0o777;
      w.prevUid = st.uid;
      w.prevGid = st.gid;
    } else if (st) {
      throw new UserError(`${p.path} exists and is ${kindOf(st)}, not a regular file; knobs will not replace it`);
    }
    if (p.content === null) {
      w.change = w.prevKind === 'absent' ? null : 'remove';
    } else if (w.prevKind === 'absent') {
      w.change = 'create';
    } else {
      // A symlink is replaced by a regular file with the planned content (the plan names this path, not the target).
      const same = w.prevKind === 'file' && w.prevContent!.equals(Buffer.from(p.content)) && w.prevMode === mode;
      w.change = same ? null : 'replace';
    }
    return w;
  });
}

/** Ancestors of hostPath's directory that do not exist yet, outermost first. */
function missingDirs(root: string, hostPath: string): string[] {
  const out: string[] = [];
  for (let d = path.posix.dirname(hostPath); d !== '/'; d = path.posix.dirname(d)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(confinedPath(root, d), { throwIfNoEntry: false });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
      continue; // an ancestor is not a directory: the loop reaches it and says so
    }
    if (st?.isDirectory()) break;
    if (st) throw new UserError(`${d} exists and is not a directory; cannot write ${hostPath}`);
    out.unshift(d);
  }
  return out;
}

function inspectSysctls(root: string, planned: { key: string; value: string }[]): SysctlWork[] {
  return planned.map((p) => {
    const live = readSysctl(root, p.key);
    // Unreadable is not fatal here: the write decides (and fails, and is undone, if it must).
    return 'value' in live
      ? { key: p.key, value: foldValue(p.value), previous: live.value, previousRaw: live.raw }
      : { key: p.key, value: foldValue(p.value), previous: null, previousRaw: null };
  });
}

// ---- the transaction ------------------------------------------------------------

class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

class Transaction {
  private readonly touchedFiles = new Set<number>();
  private readonly touchedSysctls = new Set<number>();
  private journal: Journal | null = null;

  constructor(
    private readonly root: string,
    private readonly req: ApplyRequest,
    private readonly files: FileWork[],
    private readonly sysctls: SysctlWork[],
    private readonly sideEffects: JournalSysctl[],
    private readonly hooks: Hooks,
    private readonly signals: SignalGuard | null,
    private readonly lockToken: string,
    private readonly now: () => Date,
  ) {}

  async run(): Promise<ApplyResult> {
    try {
      this.writeJournal();
      await this.checkpoint('journal');
      for (const [i, f] of this.files.entries()) if (!f.planned.afterSysctls) await this.applyFile(i, f);
      for (const [i, s] of this.sysctls.entries()) await this.applySysctl(i, s);
      for (const [i, f] of this.files.entries()) if (f.planned.afterSysctls) await this.applyFile(i, f);
      setState(this.root, this.journal!, 'applied');
    } catch (err) {
      return this.fail(err);
    }
    // Committed: from here a crash leaves the new state, and nothing is undone.
    this.hooks.step('commit');
    const j = this.journal!;
    return {
      status: 'applied',
      exitCode: 0,
      transaction: j.id,
      journal: journalDir(this.root, j.id),
      files: this.files.map((f) => ({ path: f.planned.path, action: f.change! })),
      sysctls: this.sysctls.map((s): SysctlChange => ({ key: s.key, from: s.previous, to: s.value })),
      sideEffects: this.changedSideEffects(),
    };
  }

  /** Keys the kernel changed by itself, as they are now (for the report; the journal has their old values). */
  private changedSideEffects(): SysctlChange[] {
    const out: SysctlChange[] = [];
    for (const s of this.sideEffects) {
      const now = readSysctl(this.root, s.key);
      if ('value' in now && now.value !== s.previous) out.push({ key: s.key, from: s.previous, to: now.value });
    }
    return out;
  }

  /** Let queued signals reach the guard, then stop if one came. */
  private async checkpoint(step: string): Promise<void> {
    this.hooks.step(step);
    if (!this.signals) return;
    await new Promise((r) => setImmediate(r));
    if (this.signals.received) throw new Interrupted(this.signals.received);
  }

  private writeJournal(): void {
    const now = this.now();
    const id = newJournalId(now);
    const blobs: JournalBlob[] = [];
    const files = this.files.map((f, i): JournalFile => {
      let backup: string | null = null;
      let written: string | null = null;
      if (f.prevContent) blobs.push({ rel: (backup = `files/${i}`), data: f.prevContent });
      if (f.planned.content !== null) blobs.push({ rel: (written = `files/${i}.new`), data: f.planned.content });
      return {
        path: f.planned.path,
        prevKind: f.prevKind,
        backup,
        prevLink: f.prevLink,
        prevMode: f.prevMode,
        prevUid: f.prevUid,
        prevGid: f.prevGid,
        prevSha256: f.prevContent ? sha256(f.prevContent) : null,
        newSha256: f.planned.content === null ? null : sha256(f.planned.content),
        written,
        newMode: f.mode,
        createdDirs: f.createdDirs,
      };
    });
    const sysctls = this.sysctls.map((s): JournalSysctl => ({ key: s.key, previous: s.previous, previousRaw: s.previousRaw, value: s.value }));
    const journal: Journal = {
      version: 1,
      id,
      seq: nextSeq(this.root),
      time: now.toISOString(),
      user: this.req.user,
      pid: process.pid,
      lockToken: this.lockToken,
      profiles: this.req.profiles,
      scope: this.req.scope,
      state: 'pending',
      files,
      sysctls,
      ...(this.sideEffects.length ? { sideEffects: this.sideEffects } : {}),
      updated: now.toISOString(),
    };
    try {
      createJournal(this.root, journal, blobs, (n) => this.hooks.step(`backup:${n}`));
    } catch (err) {
      // Nothing on the host was touched: drop the partial journal and report.
      discardIncomplete(this.root, id);
      throw new Failure(`cannot write the journal ${journalDir(this.root, id)}: ${errText(err)}`, err);
    }
    this.journal = journal;
  }

  private async applyFile(i: number, f: FileWork): Promise<void> {
    this.touchedFiles.add(i);
    if (f.createdDirs.length > 0) {
      try {
        for (const d of f.createdDirs) mkdirDurable(writablePath(this.root, d));
      } catch (err) {
        throw new Failure(`${f.planned.path}: cannot create its directory: ${errText(err)}`, err);
      }
      await this.checkpoint(`dirs:${i}`);
    }
    try {
      if (f.planned.content === null) {
        removeFile(f.abs);
      } else {
        writeFileAtomic(f.abs, f.planned.content, { mode: f.mode, beforeRename: () => this.hooks.step(`tmp:${i}`) });
      }
    } catch (err) {
      throw new Failure(`${f.planned.path}: ${errText(err)}`, err);
    }
    await this.checkpoint(`file:${i}`);
  }

  private async applySysctl(i: number, s: SysctlWork): Promise<void> {
    this.touchedSysctls.add(i);
    writeSysctl(this.root, s.key, s.value); // its errors already name the key
    await this.checkpoint(`sysctl:${i}`);
  }

  private fail(err: unknown): ApplyResult {
    const signal = err instanceof Interrupted ? err.signal : undefined;
    const error = err instanceof Interrupted ? `${err.message}; the changes made so far were undone` : errText(err);
    const j = this.journal;
    if (!j) return { status: 'failed', exitCode: 1, transaction: null, error, ...(signal && { signal }) };

    const undo = undoJournal(this.root, j, { files: this.touchedFiles, sysctls: this.touchedSysctls });
    if (undo.failures.length > 0) {
      // Leave the journal pending: it shows as interrupted and `knobs rollback` retries the undo.
      recordError(this.root, j, `apply failed (${error}) and undo failed: ${undo.failures.map((f) => f.error).join('; ')}`);
      return {
        status: 'inconsistent',
        exitCode: 3,
        transaction: j.id,
        journal: journalDir(this.root, j.id),
        error,
        ...(signal && { signal }),
        undoFailures: undo.failures,
        manualSteps: undo.failures.flatMap((f) => f.steps),
      };
    }
    try {
      setState(this.root, j, 'failed', { error });
    } catch (e) {
      return {
        status: 'failed', exitCode: 1, transaction: j.id, error, ...(signal && { signal }),
        warning: `the previous state was restored, but the journal could not be marked failed (${errText(e)}); it will show as interrupted until \`knobs rollback\` runs`,
      };
    }
    return { status: 'failed', exitCode: 1, transaction: j.id, error, ...(signal && { signal }) };
  }
}

/** An error whose message is already one line for the user. */
class Failure extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

function errText(err: unknown): string {
  if (err instanceof Failure || err instanceof SysctlWriteError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return describeErrno(e.code);
  return e instanceof Error ? e.message : String(err);
}

function lstat(abs: string): fs.Stats | null {
  try {
    return fs.lstatSync(abs);
  } catch {
    return null;
  }
}

// ---- request validation ----------------------------------------------------------

function validate(req: ApplyRequest): void {
  if (!req.scope.persist && !req.scope.runtime) throw new UserError('nothing to do: neither files nor live values are in scope');
  const paths = new Set<string>();
  for (const f of req.files) {
    const p = f.path;
    if (!p.startsWith('/') || path.posix.normalize(p) !== p || p.endsWith('/') || p.split('/').includes('..')) {
      throw new UserError(`invalid file path in plan: ${p} (absolute, normalised host paths only)`);
    }
    if (!isManagedPath(p)) {
      throw new UserError(`refusing to write ${p}: knobs only writes its own files (NN-knobs.conf in sysctl.d, limits.d and unit drop-in directories)`);
    }
    if (f.mode !== undefined && !(Number.isInteger(f.mode) && f.mode >= 0 && f.mode <= 0o777)) {
      throw new UserError(`invalid mode for ${p}: ${f.mode}`);
    }
    if (paths.has(p)) throw new UserError(`the plan names ${p} twice`);
    paths.add(p);
  }
  const keys = new Set<string>();
  for (const s of req.sysctls) {
    try {
      sysctlRelPath(s.key);
    } catch {
      throw new UserError(`invalid sysctl key in plan: ${s.key}`);
    }
    if (!mayKnobsSet(s.key)) throw new UserError(`refusing to set ${s.key}: not a key knobs manages (see \`knobs explain\`)`);
    if (keys.has(s.key)) throw new UserError(`the plan sets ${s.key} twice`);
    keys.add(s.key);
    if (/[\n\0]/.test(s.value)) throw new UserError(`invalid value for ${s.key}: contains a newline`);
  }
}
