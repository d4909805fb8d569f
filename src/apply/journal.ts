// The journal: one directory per transaction under var/lib/knobs/journal/<id>/,
// holding journal.json (metadata + state) and files/<n> (previous content) and
// files/<n>.new (what knobs wrote, for the hand-edit diff). It is written and fsync'd
// before anything on the host is touched, so every crash leaves enough to undo.
// journal.json is only ever replaced atomically; a directory without it is the
// debris of a crash before the journal was complete (nothing was touched yet).

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

export function readJournal(root: string, id: string): Journal | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(journalDir(root, id), JOURNAL_FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    const j = JSON.parse(text) as Journal;
    return j.version === 1 && j.id === id ? j : null;
  } catch {
    return null; // cannot happen with atomic replacement; a hand-damaged journal is ignored
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

export function writeJournal(root: string, journal: Journal): void {
  writeFileAtomic(path.join(journalDir(root, journal.id), JOURNAL_FILE), JSON.stringify(journal, null, 2) + '\n', { mode: 0o600 });
}

export function setState(root: string, journal: Journal, state: JournalState, extra: { error?: string; now?: Date } = {}): void {
  journal.state = state;
  journal.updated = (extra.now ?? new Date()).toISOString();
  if (extra.error !== undefined) journal.error = extra.error;
  else if (state === 'applied' || state === 'rolled-back') delete journal.error;
  writeJournal(root, journal);
}

export function readBlob(root: string, journal: Journal, rel: string): Buffer {
  return fs.readFileSync(path.join(journalDir(root, journal.id), rel));
}

/** Remove a journal directory that never got its journal.json (a failure before anything was touched). */
export function discardIncomplete(root: string, id: string): void {
  fs.rmSync(journalDir(root, id), { recursive: true, force: true });
}
