// The journal: one directory per transaction under var/lib/knobs/journal/<id>/,
// holding journal.json (metadata + state) and files/<n> (previous content) and
// files/<n>.new (what knobs wrote, for the hand-edit diff). It is written and fsync'd
// before anything on the host is touched, so every crash leaves enough to undo.
// journal.json is written once, atomically; a directory without it is the debris of
// a crash before the journal was complete (nothing was touched yet).
// State changes are empty marker files (state.applied, state.failed, state.rolled-back,
// undo-started): creating one needs no data blocks, so a transaction that failed
// because the disk is full can still be marked, and a marker is atomic by nature.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, mkdirDurable, writeFileAtomic, writeFileDurable } from './atomic-write.js';
import { STATE_DIR } from './lock.js';
import type { Journal, JournalState } from './types.js';

const JOURNAL_FILE = 'journal.json';

export function journalsDir(root: string): string {
  return path.join(root, STATE_DIR, 'journal');
}

export function journalDir(root: string, id: string): string {
  return path.join(journalsDir(root), id);
}

/** `20261122T010203Z-ab12`: sortable to the second; `seq` orders transactions within a second. */
export function newJournalId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${crypto.randomBytes(2).toString('hex')}`;
}

/** Every complete journal, oldest first. */
export function listJournals(root: string): Journal[] {
  let names: string[];
  try {
    names = fs.readdirSync(journalsDir(root));
  } catch {
    return [];
  }
  const out: Journal[] = [];
  for (const name of names) {
    const j = readJournal(root, name);
    if (j) out.push(j);
  }
  return out.sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Later states win: an applied transaction that was rolled back has both markers. */
const STATE_MARKERS: JournalState[] = ['rolled-back', 'failed', 'applied'];
const UNDO_STARTED = 'undo-started';
const ERROR_FILE = 'error';

export function readJournal(root: string, id: string): Journal | null {
  const dir = journalDir(root, id);
  let j: Journal;
  try {
    j = JSON.parse(fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8')) as Journal;
  } catch {
    return null; // absent (incomplete), or damaged by hand: ignored
  }
  if (j.version !== 1 || j.id !== id) return null;
  for (const state of STATE_MARKERS) {
    const m = mtime(path.join(dir, `state.${state}`));
    if (m) {
      j.state = state;
      j.updated = m;
      break;
    }
  }
  const undo = mtime(path.join(dir, UNDO_STARTED));
  if (undo) j.undoStarted = undo;
  try {
    j.error = fs.readFileSync(path.join(dir, ERROR_FILE), 'utf8');
  } catch {
    // no error recorded
  }
  return j;
}

function mtime(p: string): string | null {
  try {
    return fs.statSync(p).mtime.toISOString();
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
  const base = journalsDir(root);
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  const dir = journalDir(root, journal.id);
  mkdirDurable(dir);
  fs.chmodSync(dir, 0o700); // backups may hold anything an admin put in /etc
  const filesDir = path.join(dir, 'files');
  mkdirDurable(filesDir);
  blobs.forEach((b, i) => {
    writeFileDurable(path.join(dir, b.rel), b.data);
    afterBlob?.(i);
  });
  fsyncDir(filesDir);
  writeJournal(root, journal);
  return dir;
}

function writeJournal(root: string, journal: Journal): void {
  writeFileAtomic(path.join(journalDir(root, journal.id), JOURNAL_FILE), JSON.stringify(journal, null, 2) + '\n', { mode: 0o600 });
}

/** Durably move a transaction to a final state. Throws only if even an empty file cannot be created. */
export function setState(root: string, journal: Journal, state: Exclude<JournalState, 'pending'>, extra: { error?: string } = {}): void {
  createMarker(path.join(journalDir(root, journal.id), `state.${state}`));
  journal.state = state;
  journal.updated = new Date().toISOString();
  if (extra.error !== undefined) recordError(root, journal, extra.error);
}

/** Mark that `rollback` started undoing an applied transaction, so a killed rollback can resume. */
export function markUndoStarted(root: string, journal: Journal): void {
  createMarker(path.join(journalDir(root, journal.id), UNDO_STARTED));
  journal.undoStarted = new Date().toISOString();
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
  fs.closeSync(fs.openSync(p, 'a', 0o600));
  fsyncDir(path.dirname(p));
}

export function readBlob(root: string, journal: Journal, rel: string): Buffer {
  return fs.readFileSync(path.join(journalDir(root, journal.id), rel));
}

/** Remove a journal directory that never got its journal.json (a failure before anything was touched). */
export function discardIncomplete(root: string, id: string): void {
  fs.rmSync(journalDir(root, id), { recursive: true, force: true });
}
