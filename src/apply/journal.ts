// The journal: one directory per transaction under var/lib/knobs/journal/<id>/,
// holding journal.json (metadata + state) and files/<n> (previous content) and
// files/<n>.new (what knobs wrote, for the hand-edit diff). It is written and fsync'd
// before anything on the host is touched, so every crash leaves enough to undo.
// journal.json is written once, atomically; a directory without it is the debris of
// a crash before the journal was complete (nothing was touched yet): the next apply
// or rollback removes it.
// State changes are empty marker files (state.applied, state.failed, state.rolled-back,
// undo-started.<lock token>): creating one needs no data blocks, so a transaction that
// failed because the disk is full can still be marked, and a marker is atomic by nature.
//
// Rollback restores files and kernel values from here as root, so nothing in it is
// taken on trust: the state directory, the journal directory, each transaction's
// directory and files must be owned by root (or the user running knobs) and not
// writable by group or others, and journal.json must pass journal-schema.ts. A journal
// that fails is an error naming the path and why, never skipped.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { ConfineError, FileTypeError, kindOf, readBounded, trustedUids, untrustedBecause, writablePath } from '../host/confine.js';
import { describeErrno } from '../host/host-fs.js';
import { fsyncDir, mkdirDurable, sha256, writeFileAtomic, writeFileDurable } from './atomic-write.js';
import { checkJournal, JOURNAL_ID } from './journal-schema.js';
import type { Journal, JournalState } from './types.js';

export const STATE_DIR = 'var/lib/knobs';
const JOURNAL_FILE = 'journal.json';
const MAX_JOURNAL_BYTES = 16 * 1024 * 1024;
const MAX_BLOB_BYTES = 64 * 1024 * 1024;

const TRUST_HINT =
  'knobs restores files and kernel values from its journal as root, so only root may be able to change it: ' +
  'check what is in it, then `chown root:root` and `chmod go-w` the path';

/** Refusing the state directory or a journal: one line, exit 1. */
export class JournalTrustError extends UserError {
  constructor(message: string, hint = TRUST_HINT) {
    super(message, hint);
    this.name = 'JournalTrustError';
  }
}

/** The journal cannot be read at all (not root): say so instead of "nothing recorded". */
export class JournalUnreadableError extends UserError {
  constructor(
    readonly where: string,
    readonly code: string,
  ) {
    super(
      `cannot read the journal ${where}: ${describeErrno(code)}`,
      code === 'EACCES' || code === 'EPERM' ? 'the journal is readable by root only: run knobs as root (sudo knobs …)' : undefined,
    );
    this.name = 'JournalUnreadableError';
  }
}

/** Path of var/lib/knobs on this machine (confined to --root), for messages and the lock. */
export function stateDir(root: string): string {
  return trustedDir(root, STATE_DIR, false) ?? path.join(path.resolve(root), STATE_DIR);
}

export function journalsDir(root: string): string {
  return path.join(stateDir(root), 'journal');
}

export function journalDir(root: string, id: string): string {
  return path.join(journalsDir(root), id);
}

/**
 * var/lib/knobs resolved inside the root (links out of it refused) and checked: it
 * and every directory above it must be root's (or ours) and not writable by group or
 * others. Created (0700) when `create`; null when absent otherwise.
 */
export function trustedDir(root: string, hostPath: string, create: boolean): string | null {
  let abs: string;
  try {
    abs = writablePath(root, hostPath, { followFinal: true });
  } catch (err) {
    if (err instanceof ConfineError) throw new JournalTrustError(`refusing to use the state directory ${hostPath.replace(/^\/?/, '/')}: ${err.message.replace(/^refusing to write \S+: /, '')}`);
    throw err;
  }
  let st = lstatOrNull(abs);
  if (!st && create) {
    try {
      mkdirParents(abs);
      fs.mkdirSync(abs, { mode: 0o700 });
      fs.chmodSync(abs, 0o700);
      fsyncDir(path.dirname(abs));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw stateError(abs, err);
    }
    st = lstatOrNull(abs);
  }
  if (!st) return null;
  checkEntry(st, abs, 'dir');
  return abs;
}

function mkdirParents(abs: string): void {
  const parent = path.dirname(abs);
  if (lstatOrNull(parent)) return;
  mkdirParents(parent);
  mkdirDurable(parent);
}

/** One line for an errno met while creating or using the state directory. */
export function stateError(abs: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (!code) return err instanceof UserError ? err : new UserError(`${abs}: ${(err as Error)?.message ?? String(err)}`);
  const hint =
    code === 'EACCES' || code === 'EPERM'
      ? 'knobs keeps its journal and lock there: run it as root'
      : code === 'EROFS'
        ? 'make /var/lib writable; knobs does not change anything it could not undo'
        : code === 'ENOSPC'
          ? 'free some space on that file system'
          : code === 'ENOTDIR' || code === 'EEXIST'
            ? 'a file is in the way of the state directory: move it'
            : undefined;
  const why: Record<string, string> = { ENOTDIR: 'a component of the path is not a directory', EEXIST: 'already exists', EIO: 'input/output error', ELOOP: 'too many levels of symbolic links' };
  return new UserError(`cannot use the state directory: ${abs}: ${why[code] ?? describeErrno(code)}`, hint);
}

function lstatOrNull(abs: string): fs.Stats | null {
  try {
    return fs.lstatSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') throw new JournalTrustError(`refusing to use the state directory: a component of ${abs} is not a directory`, 'a file is in the way of the state directory: move it');
    throw new JournalUnreadableError(abs, code ?? 'EIO');
  }
}

/** `st` (lstat of abs) is the expected type, root's or ours, not writable by group or others. */
function checkEntry(st: fs.Stats, abs: string, want: 'dir' | 'file'): void {
  const ok = want === 'dir' ? st.isDirectory() : st.isFile();
  if (!ok) throw new JournalTrustError(`refusing to use ${abs}: it is ${kindOf(st)}, not a ${want === 'dir' ? 'directory' : 'regular file'}`);
  const why = untrustedBecause(st, abs);
  if (why) throw new JournalTrustError(`refusing to use the journal: ${why}`);
}

/** The journal directory, checked; null when knobs never recorded anything here. */
function journalsDirChecked(root: string): string | null {
  const state = trustedDir(root, STATE_DIR, false);
  if (!state) return null;
  const dir = path.join(state, 'journal');
  const st = lstatOrNull(dir);
  if (!st) return null;
  checkEntry(st, dir, 'dir');
  return dir;
}

/** `20261122T010203Z-ab12`: sortable to the second; `seq` orders transactions within a second. */
export function newJournalId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${crypto.randomBytes(2).toString('hex')}`;
}

/** Every complete journal, oldest first. Throws JournalTrustError / JournalUnreadableError rather than skip one. */
export function listJournals(root: string): Journal[] {
  const dir = journalsDirChecked(root);
  if (!dir) return [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    throw new JournalUnreadableError(dir, (err as NodeJS.ErrnoException).code ?? 'EIO');
  }
  const out: Journal[] = [];
  for (const name of names.sort()) {
    if (!JOURNAL_ID.test(name)) {
      throw new JournalTrustError(`refusing to use the journal: unexpected entry ${path.join(dir, name)} (knobs keeps only transaction directories there)`, 'move it away, then retry');
    }
    const j = readJournalIn(dir, name);
    if (j) out.push(j);
  }
  return out.sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Later states win: an applied transaction that was rolled back has both markers. */
const STATE_MARKERS: JournalState[] = ['rolled-back', 'failed', 'applied'];
const UNDO_MARKER = /^undo-started(?:\.([0-9a-f]{1,64}))?$/;
const ERROR_FILE = 'error';

export function readJournal(root: string, id: string): Journal | null {
  const dir = journalsDirChecked(root);
  return dir && JOURNAL_ID.test(id) ? readJournalIn(dir, id) : null;
}

/** null: a directory without journal.json (a crash before the journal was complete). */
function readJournalIn(journals: string, id: string): Journal | null {
  const dir = path.join(journals, id);
  const st = lstatOrNull(dir);
  if (!st) return null;
  checkEntry(st, dir, 'dir');
  const file = path.join(dir, JOURNAL_FILE);
  const text = readTrusted(file, MAX_JOURNAL_BYTES, true);
  if (text === null) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(text.toString('utf8'));
  } catch (err) {
    throw new JournalTrustError(
      `${file}: not valid JSON (${(err as Error).message}); transaction ${id} cannot be rolled back automatically`,
      `its backups are in ${path.join(dir, 'files')}; restore by hand, or move the directory away once the host is as it should be`,
    );
  }
  const checked = checkJournal(doc, id, trustedUids());
  if ('problem' in checked) {
    throw new JournalTrustError(`${file}: ${checked.problem}; refusing to use this journal`, `knobs never writes such a journal: check who wrote ${dir}, then move it away`);
  }
  const j = checked.journal;
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    throw new JournalUnreadableError(dir, (err as NodeJS.ErrnoException).code ?? 'EIO');
  }
  for (const state of STATE_MARKERS) {
    if (!entries.includes(`state.${state}`)) continue;
    j.state = state;
    j.updated = mtime(path.join(dir, `state.${state}`)) ?? j.updated;
    break;
  }
  const undo = entries.map((e) => UNDO_MARKER.exec(e)).filter((m): m is RegExpExecArray => m !== null);
  if (undo.length > 0) {
    j.undoStarted = undo.map((m) => mtime(path.join(dir, m[0])) ?? '').sort()[0]!;
    j.undoTokens = undo.map((m) => m[1]).filter((t): t is string => t !== undefined);
  }
  if (entries.includes(ERROR_FILE)) {
    const e = readTrusted(path.join(dir, ERROR_FILE), 64 * 1024, false);
    // Shown to people: no control characters from a file.
    if (e !== null) j.error = e.toString('utf8').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?');
  }
  return j;
}

/**
 * A file of the journal: not a symlink (O_NOFOLLOW), a regular file (opened without
 * blocking), root's or ours, not writable by group or others, at most `max` bytes.
 * null when it does not exist.
 */
function readTrusted(file: string, max: number, required: boolean): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new JournalTrustError(`refusing to use ${file}: it is a symlink`);
    if (!required && code !== 'EACCES') return null;
    throw new JournalUnreadableError(file, code);
  }
  try {
    const st = fs.fstatSync(fd);
    checkEntry(st, file, 'file');
    return readBounded(fd, max);
  } catch (err) {
    if (err instanceof FileTypeError) throw new JournalTrustError(`refusing to use ${file}: it ${err.message}`);
    throw err;
  } finally {
    fs.closeSync(fd);
  }
}

function mtime(p: string): string | null {
  try {
    return fs.lstatSync(p).mtime.toISOString();
  } catch {
    return null;
  }
}

export function nextSeq(root: string): number {
  return listJournals(root).reduce((m, j) => Math.max(m, j.seq), 0) + 1;
}

export interface JournalBlob {
  /** Relative to the journal dir, `files/0`. */
  rel: string;
  data: Buffer | string;
}

/**
 * Create the journal directory, the backups, then journal.json (state pending).
 * `afterBlob` runs after each blob is durable (fault injection between them).
 */
export function createJournal(root: string, journal: Journal, blobs: JournalBlob[], afterBlob?: (i: number) => void): string {
  const state = trustedDir(root, STATE_DIR, true)!;
  const base = path.join(state, 'journal');
  if (!lstatOrNull(base)) {
    fs.mkdirSync(base, { mode: 0o700 });
    fs.chmodSync(base, 0o700);
    fsyncDir(state);
  }
  checkEntry(fs.lstatSync(base), base, 'dir');
  const dir = path.join(base, journal.id);
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.chmodSync(dir, 0o700); // backups may hold anything an admin put in /etc
  fsyncDir(base);
  const filesDir = path.join(dir, 'files');
  fs.mkdirSync(filesDir, { mode: 0o700 });
  fsyncDir(dir);
  blobs.forEach((b, i) => {
    writeFileDurable(path.join(dir, b.rel), b.data);
    afterBlob?.(i);
  });
  fsyncDir(filesDir);
  const { undoTokens: _t, ...onDisk } = journal;
  writeFileAtomic(path.join(dir, JOURNAL_FILE), JSON.stringify(onDisk, null, 2) + '\n', { mode: 0o600 });
  return dir;
}

/** Durably move a transaction to a final state. Throws only if even an empty file cannot be created. */
export function setState(root: string, journal: Journal, state: Exclude<JournalState, 'pending'>, extra: { error?: string } = {}): void {
  createMarker(path.join(journalDir(root, journal.id), `state.${state}`));
  journal.state = state;
  journal.updated = new Date().toISOString();
  if (extra.error !== undefined) recordError(root, journal, extra.error);
}

/**
 * Mark that `rollback` (holding the lock `token`) started undoing an applied
 * transaction: from now on it is `rolling-back` until state.rolled-back exists, and a
 * rollback that dies is finished by the next `knobs rollback`.
 */
export function markUndoStarted(root: string, journal: Journal, token: string): void {
  createMarker(path.join(journalDir(root, journal.id), `undo-started.${token}`));
  journal.undoStarted ??= new Date().toISOString();
  journal.undoTokens = [...(journal.undoTokens ?? []), token];
}

/** Remember why a transaction failed. Best effort: on a full disk the text may not fit, the state marker does. */
export function recordError(root: string, journal: Journal, error: string): void {
  journal.error = error;
  try {
    writeFileAtomic(path.join(journalDir(root, journal.id), ERROR_FILE), error, { mode: 0o600 });
  } catch {
    // the journal and its state are what matter; the message is also in the command's output
  }
}

function createMarker(p: string): void {
  fs.closeSync(fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK, 0o600));
  fsyncDir(path.dirname(p));
}

/** A backup of the journal, checked like the journal itself and against the sha256 it recorded. */
export function readBlob(root: string, journal: Journal, rel: string, sha?: string | null): Buffer {
  const file = path.join(journalDir(root, journal.id), rel);
  const data = readTrusted(file, MAX_BLOB_BYTES, true);
  if (data === null) throw new JournalTrustError(`${file}: missing: the journal of ${journal.id} is incomplete`, `restore by hand from what is left in ${path.dirname(file)}`);
  if (sha && sha256(data) !== sha) throw new JournalTrustError(`${file}: does not match the sha256 its journal recorded; refusing to restore it`);
  return data;
}

/** Remove a journal directory that never got its journal.json (a failure before anything was touched). */
export function discardIncomplete(root: string, id: string): void {
  fs.rmSync(journalDir(root, id), { recursive: true, force: true });
}

/**
 * Under the lock: remove the debris of applies that died while writing their journal
 * (a directory with backups but no journal.json; nothing on the host was touched
 * yet). Returns their ids. A directory holding anything knobs would not have written
 * there is refused instead.
 */
export function cleanIncomplete(root: string): string[] {
  const dir = journalsDirChecked(root);
  if (!dir) return [];
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (!JOURNAL_ID.test(name)) continue; // listJournals refuses it
    const jdir = path.join(dir, name);
    const entries = fs.readdirSync(jdir);
    if (entries.includes(JOURNAL_FILE)) continue;
    const debris = entries.every((e) => e === 'files' || /^\.journal\.json\.knobs-tmp-\d+$/.test(e));
    const files = entries.includes('files') ? fs.readdirSync(path.join(jdir, 'files')) : [];
    if (!debris || !files.every((f) => /^\d+(\.new)?$/.test(f))) {
      throw new JournalTrustError(`refusing to use the journal: ${jdir} has no journal.json and holds files knobs did not write`, 'move it away, then retry');
    }
    fs.rmSync(jdir, { recursive: true, force: true });
    removed.push(name);
  }
  if (removed.length) fsyncDir(dir);
  return removed;
}
