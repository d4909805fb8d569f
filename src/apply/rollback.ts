// Undo: replay a journal backwards. The same code serves three callers — a failed
// apply undoing itself, `knobs rollback` of applied transactions, and `knobs rollback`
// finishing an interrupted one — so every step is idempotent: it restores the
// recorded previous state whatever the current state is, and re-running it is safe.

import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { UserError } from '../errors.js';
import { ConfineError, confinedPath, trustedUids, untrustedBecause, writablePath } from '../host/confine.js';
import {
  foldValue,
  readSysctl,
  removeDirIfEmpty,
  removeFile,
  sha256,
  symlinkAtomic,
  sysctlAbsPath,
  tmpPath,
  unlinkQuiet,
  writeFileAtomic,
  writeSysctl,
} from './atomic-write.js';
import { hasSideEffects } from '../core/kernel-side-effects.js';
import { cleanIncomplete, journalDir, listJournals, markUndoStarted, readBlob, recordError, setState } from './journal.js';
import { acquireLock, guardSignals } from './lock.js';
import { faultsFromEnv, Hooks } from './hooks.js';
import type { FaultPlan, HandEdit, Journal, JournalFile, LiveEdit, PrevKind, RollbackResult, SysctlChange, UndoFailure } from './types.js';

export interface UndoSelection {
  /** Indexes into journal.files / journal.sysctls to undo; all when omitted (crash recovery). */
  files?: ReadonlySet<number>;
  sysctls?: ReadonlySet<number>;
}

export interface UndoOutcome {
  failures: UndoFailure[];
  files: string[];
  sysctls: SysctlChange[];
}

/**
 * Restore what the journal recorded, newest change first. Never throws for host
 * errors (they become failures); `step` is called after each item (rollback's fault
 * hooks: `sysctl:<i>`, `file:<i>`, `dir:<i>`) and may throw.
 */
export function undoJournal(root: string, journal: Journal, only: UndoSelection = {}, step: (name: string) => void = () => {}): UndoOutcome {
  const out: UndoOutcome = { failures: [], files: [], sysctls: [] };
  for (let i = journal.sysctls.length - 1; i >= 0; i--) {
    if (only.sysctls && !only.sysctls.has(i)) continue;
    const s = journal.sysctls[i]!;
    const live = readSysctl(root, s.key);
    if (s.previous === null) {
      // Unreadable before; if it still is, we never changed it.
      if ('error' in live) continue;
      out.failures.push({
        target: s.key,
        error: `${s.key}: its previous value could not be read before the change, so it cannot be restored`,
        steps: [`# set ${s.key} back to its pre-${journal.id} value by hand (knobs set it to "${s.value}")`],
      });
      continue;
    }
    if ('value' in live && live.raw === (s.previousRaw ?? s.previous)) {
      step(`sysctl:${i}`);
      continue;
    }
    try {
      writeSysctl(root, s.key, s.previousRaw ?? s.previous);
      out.sysctls.push({ key: s.key, from: 'value' in live ? live.value : null, to: s.previous });
    } catch (err) {
      out.failures.push({ target: s.key, error: message(err), steps: [sysctlStep(root, s.key, s.previous)] });
      continue;
    }
    step(`sysctl:${i}`);
  }
  restoreSideEffects(root, journal, only, out);
  for (let i = journal.files.length - 1; i >= 0; i--) {
    if (only.files && !only.files.has(i)) continue;
    const f = journal.files[i]!;
    let abs = path.join(root, f.path);
    try {
      abs = writablePath(root, f.path); // inside --root, no link out of it, no directory others can write
      unlinkQuiet(tmpPath(abs, journal.pid)); // a crash between write and rename leaves it
      restoreFile(root, journal, f, abs);
      out.files.push(f.path);
    } catch (err) {
      out.failures.push({ target: f.path, error: `${f.path}: ${message(err)}`, steps: fileSteps(root, journal, f, abs) });
      continue;
    }
    step(`file:${i}`);
  }
  // Directories we created, deepest first, once the files in them are gone.
  const dirs = journal.files
    .filter((_, i) => !only.files || only.files.has(i))
    .flatMap((f) => f.createdDirs)
    .sort((a, b) => b.length - a.length);
  for (const [i, d] of [...new Set(dirs)].entries()) {
    let abs = path.join(root, d);
    try {
      abs = writablePath(root, d);
      removeDirIfEmpty(abs);
    } catch (err) {
      out.failures.push({ target: d, error: `${d}: ${message(err)}`, steps: [`rmdir ${q(abs)}`] });
      continue;
    }
    step(`dir:${i}`);
  }
  return out;
}

/**
 * Keys the kernel changed by itself when the transaction wrote others (ip_forward
 * resets conf.all.accept_redirects and every conf.*.forwarding). Restoring the cause
 * makes the kernel reset them again, so they are put back afterwards; keys whose
 * writes have side effects of their own go first. Only values that differ are
 * written: a conf.<if>.X write marks X as set on that interface (devinet_conf_proc),
 * so conf.default.X would no longer reach it.
 */
function restoreSideEffects(root: string, journal: Journal, only: UndoSelection, out: UndoOutcome): void {
  const causes = only.sysctls ? new Set(journal.sysctls.filter((_, i) => only.sysctls!.has(i)).map((s) => s.key)) : null;
  const entries = (journal.sideEffects ?? []).filter((s) => !causes || causes.has(s.sideEffectOf ?? ''));
  const ordered = [...entries.filter((s) => hasSideEffects(s.key)), ...entries.filter((s) => !hasSideEffects(s.key))];
  for (const s of ordered) {
    const live = readSysctl(root, s.key);
    if (s.previous === null) {
      if (!('value' in live)) continue;
      out.failures.push({
        target: s.key,
        error: `${s.key}: the kernel changed it when ${s.sideEffectOf} was written, and its previous value could not be read, so it cannot be restored`,
        steps: [`# set ${s.key} back to its pre-${journal.id} value by hand`],
      });
      continue;
    }
    if ('value' in live && live.value === s.previous) continue;
    try {
      writeSysctl(root, s.key, s.previousRaw ?? s.previous);
      out.sysctls.push({ key: s.key, from: 'value' in live ? live.value : null, to: s.previous });
    } catch (err) {
      out.failures.push({ target: s.key, error: message(err), steps: [sysctlStep(root, s.key, s.previous)] });
    }
  }
}

function restoreFile(root: string, journal: Journal, f: JournalFile, abs: string): void {
  const now = fingerprint(abs);
  switch (f.prevKind) {
    case 'absent':
      removeFile(abs);
      return;
    case 'symlink':
      if (now.kind === 'symlink' && now.link === f.prevLink) return;
      checkLinkTarget(root, f.path, f.prevLink!);
      symlinkAtomic(f.prevLink!, abs);
      return;
    case 'file': {
      if (now.kind === 'file' && now.sha === f.prevSha256 && now.mode === f.prevMode) return;
      const data = readBlob(root, journal, f.backup!, f.prevSha256);
      // Permission bits only (the journal schema refuses more), owner root or us (ditto).
      writeFileAtomic(abs, data, { mode: (f.prevMode ?? 0o644) & 0o777, uid: f.prevUid, gid: f.prevGid });
      return;
    }
  }
}

/**
 * A symlink knobs replaced is put back only if what it points to is as trustworthy as
 * the journal: /dev/null (a mask), or a regular file owned by root (or us) that nobody
 * else can write — a loader reads it as configuration at the next boot.
 */
function checkLinkTarget(root: string, hostPath: string, target: string): void {
  if (target === '/dev/null') return;
  const dest = target.startsWith('/') ? target : path.posix.join(path.posix.dirname(hostPath), target);
  let st: fs.Stats;
  try {
    st = fs.statSync(confinedPath(root, dest));
  } catch (err) {
    if (err instanceof ConfineError) throw err;
    return; // dangling: the loaders skip it, as they did before knobs replaced it
  }
  const why = st.isFile() ? untrustedBecause(st, dest, trustedUids()) : `${dest} is not a regular file`;
  if (why) throw new UserError(`refusing to restore the symlink ${hostPath} -> ${target}: ${why}`);
}

// ---- rollback -----------------------------------------------------------------

export interface RollbackOptions {
  root: string;
  /** Transaction id (or a unique prefix); default: the latest applied or interrupted one, or an unfinished rollback. */
  id?: string;
  /** Overwrite files edited by hand since knobs wrote them. */
  force?: boolean;
  user: string;
  lockTimeoutMs?: number;
  now?: () => Date;
  /** Fault injection; when absent, KNOBS_TEST_{CRASH,FAIL,SIGNAL,PAUSE}_AT are read from the environment. */
  faults?: FaultPlan;
  /** Observer called with each step name as it completes. */
  onStep?: (step: string) => void;
}

/**
 * Restore the host to its state before transaction `id`, undoing every later applied
 * (or interrupted) transaction first, newest to oldest.
 *
 * Rollback has apply's discipline. Before touching anything it marks every applied
 * transaction of the chain `undo-started.<lock token>` (durably): from then on they
 * show as `rolling-back` until each is marked rolled-back. A rollback that fails
 * (exit 3) or is killed leaves them so: every command warns, apply refuses, and the
 * next `knobs rollback` (no id needed) finishes them — undo is idempotent.
 * SIGINT/SIGTERM/SIGHUP do not stop it: finishing is the safer outcome.
 *
 * Steps (fault hooks): rollback:locked, rollback:marked, then per transaction k of the
 * chain (0 = newest) rollback:<k>:sysctl:<i>, rollback:<k>:file:<i>, rollback:<k>:dir:<i>,
 * rollback:<k>:done (marked rolled-back).
 */
export async function rollback(opts: RollbackOptions): Promise<RollbackResult> {
  const root = path.resolve(opts.root);
  const now = opts.now ?? (() => new Date());
  const hooks = new Hooks(opts.faults ?? faultsFromEnv(process.env), opts.onStep);
  const lock = await acquireLock(root, { user: opts.user, timeoutMs: opts.lockTimeoutMs, now });
  const signals = guardSignals(); // finishing a rollback is always the safer outcome
  try {
    try {
      hooks.step('rollback:locked');
    } catch (err) {
      throw new UserError(`rollback failed before changing anything: ${message(err)}`);
    }
    cleanIncomplete(root);
    const all = listJournals(root);
    // We hold the lock, so every pending journal is an interrupted one, and every
    // applied one with an undo marker is a rollback that did not finish.
    const open = all.filter((j) => j.state === 'applied' || j.state === 'pending');
    const unfinished = open.filter((j) => j.undoStarted !== undefined);
    let target: Journal | undefined;
    if (opts.id === undefined) target = unfinished[0] ?? open.at(-1);
    else {
      target = findById(all, opts.id);
      if (unfinished[0] && target.seq > unfinished[0].seq && open.includes(target)) {
        throw new UserError(
          `the rollback of transaction ${unfinished[0].id} did not finish; finish it first`,
          `run \`knobs rollback\` (or \`knobs rollback ${unfinished[0].id}\`)`,
        );
      }
    }
    if (!target) return { status: 'noop', exitCode: 0, message: 'nothing to roll back' };
    if (target.state === 'rolled-back') throw new UserError(`transaction ${target.id} was already rolled back`);
    if (target.state === 'failed') throw new UserError(`transaction ${target.id} failed and was already undone`);
    const chain = open.filter((j) => j.seq >= target.seq).reverse();

    if (!opts.force) {
      const edits = handEdits(root, chain);
      const live = liveEdits(root, chain);
      if (edits.length > 0 || live.length > 0) {
        const what = [
          ...(edits.length ? [`${edits.map((e) => e.path).join(', ')} changed since knobs wrote ${edits.length === 1 ? 'it' : 'them'}`] : []),
          ...(live.length ? [`${live.map((e) => `${e.key} is ${e.now}, not the ${e.set} knobs set`).join(', ')}`] : []),
        ];
        return {
          status: 'refused',
          exitCode: 1,
          edits,
          liveEdits: live,
          message: `${what.join('; ')}: rollback would discard ${edits.length + live.length === 1 ? 'that change' : 'those changes'} (rerun with --force to do it anyway)`,
        };
      }
    }

    // Durably, before the first change: these are now rolling back. A failure here has changed nothing.
    try {
      for (const j of chain) if (j.state === 'applied') markUndoStarted(root, j, lock.holder.token);
    } catch (err) {
      throw new UserError(`cannot start the rollback: ${journalDir(root, chain[0]!.id)}: ${message(err)}; nothing was changed`);
    }

    const done: string[] = [];
    const files = new Set<string>();
    const sysctls = new Map<string, SysctlChange>();
    for (const [k, j] of chain.entries()) {
      let r: UndoOutcome;
      try {
        if (k === 0) hooks.step('rollback:marked');
        r = undoJournal(root, j, {}, (s) => hooks.step(`rollback:${k}:${s}`));
        if (r.failures.length === 0) {
          setState(root, j, 'rolled-back');
          hooks.step(`rollback:${k}:done`);
        }
      } catch (err) {
        r = { failures: [{ target: j.id, error: message(err), steps: [`knobs rollback ${j.id}   # run again once the cause is fixed`] }], files: [], sysctls: [] };
      }
      r.files.forEach((f) => files.add(f));
      for (const s of r.sysctls) sysctls.set(s.key, { key: s.key, from: sysctls.get(s.key)?.from ?? s.from, to: s.to });
      if (r.failures.length > 0) {
        const error = r.failures.map((f) => f.error).join('; ');
        recordError(root, j, `rollback failed: ${error}`);
        return {
          status: 'inconsistent',
          exitCode: 3,
          transactions: done,
          transaction: j.id,
          journal: journalDir(root, j.id),
          error,
          undoFailures: r.failures,
          manualSteps: [...r.failures.flatMap((f) => f.steps), 'knobs rollback   # finishes the rollback once the cause is fixed'],
        };
      }
      done.push(j.id);
    }
    return { status: 'rolled-back', exitCode: 0, transactions: done, files: [...files], sysctls: [...sysctls.values()] };
  } finally {
    signals.dispose();
    lock.release();
  }
}

function findById(all: Journal[], id: string): Journal {
  const exact = all.find((j) => j.id === id);
  if (exact) return exact;
  const matches = all.filter((j) => j.id.startsWith(id));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new UserError(`transaction id ${id} is ambiguous: ${matches.map((j) => j.id).join(', ')}`);
  throw new UserError(`no transaction ${id}`, 'see `knobs history` for the ids');
}

// ---- hand edits -----------------------------------------------------------------

interface Fingerprint {
  kind: PrevKind | 'other';
  sha: string | null;
  link: string | null;
  mode: number | null;
  content: Buffer | null;
}

function fingerprint(abs: string): Fingerprint {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(abs);
  } catch {
    return { kind: 'absent', sha: null, link: null, mode: null, content: null };
  }
  if (st.isSymbolicLink()) return { kind: 'symlink', sha: null, link: fs.readlinkSync(abs), mode: null, content: null };
  if (!st.isFile()) return { kind: 'other', sha: null, link: null, mode: null, content: null };
  const content = fs.readFileSync(abs);
  return { kind: 'file', sha: sha256(content), link: null, mode: st.mode & 0o7777, content };
}

function isWritten(f: JournalFile, now: Fingerprint): boolean {
  return f.newSha256 === null ? now.kind === 'absent' : now.kind === 'file' && now.sha === f.newSha256;
}

function isPrevious(f: JournalFile, now: Fingerprint): boolean {
  switch (f.prevKind) {
    case 'absent':
      return now.kind === 'absent';
    case 'symlink':
      return now.kind === 'symlink' && now.link === f.prevLink;
    case 'file':
      return now.kind === 'file' && now.sha === f.prevSha256;
  }
}

/**
 * Files whose content is neither what knobs wrote nor (for a transaction whose apply
 * or undo was cut short) what was there before. Only the newest transaction of the
 * chain that touched a path decides what it should look like now. Mode changes are
 * not edits: rollback restores the mode anyway.
 */
export function handEdits(root: string, chain: Journal[]): HandEdit[] {
  const seen = new Set<string>();
  const edits: HandEdit[] = [];
  for (const j of chain) {
    const halfway = j.state === 'pending' || j.undoStarted !== undefined;
    for (const f of j.files) {
      if (seen.has(f.path)) continue;
      seen.add(f.path);
      const now = fingerprint(confinedPath(root, f.path, { followFinal: false }));
      if (isWritten(f, now) || (halfway && isPrevious(f, now))) continue;
      const written = f.written ? readBlob(root, j, f.written, f.newSha256).toString('utf8') : '';
      const current = now.kind === 'file' ? now.content!.toString('utf8') : now.kind === 'symlink' ? `(symlink to ${now.link})\n` : '';
      edits.push({
        path: f.path,
        transaction: j.id,
        diff: createTwoFilesPatch(`a${f.path}`, `b${f.path}`, written, current, `written by knobs ${j.id}`, 'now'),
      });
    }
  }
  return edits;
}

/**
 * Live values that are neither what knobs set nor what was there before (back at the
 * previous value, after a reboot or a cut-short apply, rollback changes nothing):
 * someone changed them since, and rollback would silently undo that as well. The
 * newest transaction of the chain that set a key decides; unreadable values are
 * left to undo itself.
 */
export function liveEdits(root: string, chain: Journal[]): LiveEdit[] {
  const seen = new Set<string>();
  const edits: LiveEdit[] = [];
  for (const j of chain) {
    for (const s of j.sysctls) {
      if (seen.has(s.key)) continue;
      seen.add(s.key);
      const live = readSysctl(root, s.key);
      if (!('value' in live)) continue;
      if (live.value === s.value || live.value === s.previous) continue;
      edits.push({ key: s.key, transaction: j.id, set: s.value, now: live.value });
    }
  }
  return edits;
}

// ---- manual steps ---------------------------------------------------------------

function fileSteps(root: string, journal: Journal, f: JournalFile, abs: string): string[] {
  const tmp = tmpPath(abs, journal.pid);
  const steps = [`rm -f ${q(tmp)}`];
  switch (f.prevKind) {
    case 'absent':
      steps.push(`rm -f ${q(abs)}`);
      break;
    case 'symlink':
      steps.push(`ln -sfn ${q(f.prevLink!)} ${q(abs)}`);
      break;
    case 'file':
      steps.push(`cp ${q(path.join(journalDir(root, journal.id), f.backup!))} ${q(abs)}`);
      steps.push(`chmod ${(f.prevMode ?? 0o644).toString(8)} ${q(abs)}`);
      if (f.prevUid !== null && f.prevGid !== null) steps.push(`chown ${f.prevUid}:${f.prevGid} ${q(abs)}`);
      break;
  }
  return steps;
}

function sysctlStep(root: string, key: string, value: string): string {
  return root === '/'
    ? `sysctl -w ${q(`${key}=${foldValue(value)}`)}`
    : `printf '%s\\n' ${q(foldValue(value))} > ${q(sysctlAbsPath(root, key))}`;
}

/** Shell-quote only when needed, so the common steps stay readable. */
function q(s: string): string {
  return /^[A-Za-z0-9_./=:@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function message(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code && !e.message.includes(e.code) ? `${e.message} (${e.code})` : e.message;
}
