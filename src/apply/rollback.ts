// Undo: replay a journal backwards. The same code serves three callers — a failed
// apply undoing itself, `knobs rollback` of applied transactions, and `knobs rollback`
// finishing an interrupted one — so every step is idempotent: it restores the
// recorded previous state whatever the current state is, and re-running it is safe.

import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { UserError } from '../errors.js';
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
import { journalDir, listJournals, markUndoStarted, readBlob, recordError, setState } from './journal.js';
import { acquireLock, guardSignals } from './lock.js';
import type { HandEdit, Journal, JournalFile, LiveEdit, PrevKind, RollbackResult, SysctlChange, UndoFailure } from './types.js';

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

/** Restore what the journal recorded, newest change first. Never throws for host errors. */
export function undoJournal(root: string, journal: Journal, only: UndoSelection = {}): UndoOutcome {
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
    if ('value' in live && live.raw === (s.previousRaw ?? s.previous)) continue;
    try {
      writeSysctl(root, s.key, s.previousRaw ?? s.previous);
      out.sysctls.push({ key: s.key, from: 'value' in live ? live.value : null, to: s.previous });
    } catch (err) {
      out.failures.push({ target: s.key, error: message(err), steps: [sysctlStep(root, s.key, s.previous)] });
    }
  }
  restoreSideEffects(root, journal, only, out);
  for (let i = journal.files.length - 1; i >= 0; i--) {
    if (only.files && !only.files.has(i)) continue;
    const f = journal.files[i]!;
    const abs = path.join(root, f.path);
    try {
      unlinkQuiet(tmpPath(abs, journal.pid)); // a crash between write and rename leaves it
      restoreFile(root, journal, f, abs);
      out.files.push(f.path);
    } catch (err) {
      out.failures.push({ target: f.path, error: `${f.path}: ${message(err)}`, steps: fileSteps(root, journal, f, abs) });
    }
  }
  // Directories we created, deepest first, once the files in them are gone.
  const dirs = journal.files
    .filter((_, i) => !only.files || only.files.has(i))
    .flatMap((f) => f.createdDirs)
    .sort((a, b) => b.length - a.length);
  for (const d of new Set(dirs)) {
    const abs = path.join(root, d);
    try {
      removeDirIfEmpty(abs);
    } catch (err) {
      out.failures.push({ target: d, error: `${d}: ${message(err)}`, steps: [`rmdir ${q(abs)}`] });
    }
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
      symlinkAtomic(f.prevLink!, abs);
      return;
    case 'file': {
      if (now.kind === 'file' && now.sha === f.prevSha256 && now.mode === f.prevMode) return;
      const data = readBlob(root, journal, f.backup!);
      writeFileAtomic(abs, data, { mode: f.prevMode ?? 0o644, uid: f.prevUid, gid: f.prevGid });
      return;
    }
  }
}

// ---- rollback -----------------------------------------------------------------

export interface RollbackOptions {
  root: string;
  /** Transaction id (or a unique prefix); default: the latest applied or interrupted one. */
  id?: string;
  /** Overwrite files edited by hand since knobs wrote them. */
  force?: boolean;
  user: string;
  lockTimeoutMs?: number;
  now?: () => Date;
}

/**
 * Restore the host to its state before transaction `id`, undoing every later applied
 * (or interrupted) transaction first, newest to oldest.
 */
export async function rollback(opts: RollbackOptions): Promise<RollbackResult> {
  const root = path.resolve(opts.root);
  const now = opts.now ?? (() => new Date());
  const lock = await acquireLock(root, { user: opts.user, timeoutMs: opts.lockTimeoutMs, now });
  const signals = guardSignals(); // finishing a rollback is always the safer outcome
  try {
    const all = listJournals(root);
    // We hold the lock, so every pending journal is an interrupted one.
    const open = all.filter((j) => j.state === 'applied' || j.state === 'pending');
    const target = opts.id === undefined ? open.at(-1) : findById(all, opts.id);
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

    const done: string[] = [];
    const files = new Set<string>();
    const sysctls = new Map<string, SysctlChange>();
    for (const j of chain) {
      if (j.state === 'applied' && !j.undoStarted) markUndoStarted(root, j);
      const r = undoJournal(root, j);
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
          manualSteps: r.failures.flatMap((f) => f.steps),
        };
      }
      setState(root, j, 'rolled-back');
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
      const abs = path.join(root, f.path);
      const now = fingerprint(abs);
      if (isWritten(f, now) || (halfway && isPrevious(f, now))) continue;
      const written = f.written ? readBlob(root, j, f.written).toString('utf8') : '';
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
