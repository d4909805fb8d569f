// Reading the journal for people: `knobs history` and the "interrupted transaction"
// warning every command prints. A pending journal is in progress only while the lock
// it was started under is still held by a live process; otherwise it was interrupted
// (crash, kill -9, power loss, or an undo that failed) and `knobs rollback` finishes it.

import { journalDir, listJournals } from './journal.js';
import { readLock } from './lock.js';
import type { HistoryEntry, HistoryState, Journal } from './types.js';

export function history(root: string): HistoryEntry[] {
  const holder = readLock(root);
  return listJournals(root)
    .reverse()
    .map((j) => {
      const e: HistoryEntry = {
        id: j.id,
        time: j.time,
        user: j.user,
        profiles: j.profiles,
        keys: j.sysctls.map((s) => s.key),
        files: j.files.map((f) => f.path),
        state: displayState(j, holder?.token ?? null),
      };
      if (j.error && (e.state === 'failed' || e.state === 'interrupted')) e.error = j.error;
      return e;
    });
}

export interface InterruptedTransaction {
  id: string;
  time: string;
  user: string;
  /** Absolute path of the journal directory. */
  journal: string;
  /** Why it stopped, when known (an undo that failed records its error). */
  error?: string;
  /** One line for the CLI to print before any command. */
  message: string;
}

/** The newest transaction left half-done, or null. */
export function findInterrupted(root: string): InterruptedTransaction | null {
  const holder = readLock(root);
  const j = listJournals(root)
    .reverse()
    .find((x) => displayState(x, holder?.token ?? null) === 'interrupted');
  if (!j) return null;
  const out: InterruptedTransaction = {
    id: j.id,
    time: j.time,
    user: j.user,
    journal: journalDir(root, j.id),
    message: `transaction ${j.id} (started ${j.time} by ${j.user}) was interrupted and may be half-applied; run \`knobs rollback\` to restore the previous state`,
  };
  if (j.error) out.error = j.error;
  return out;
}

export function displayState(j: Journal, liveLockToken: string | null): HistoryState {
  switch (j.state) {
    case 'pending':
      return liveLockToken !== null && liveLockToken === j.lockToken ? 'in-progress' : 'interrupted';
    default:
      return j.state;
  }
}
