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
      if (j.error && (e.state === 'failed' || e.state === 'interrupted' || e.state === 'rolling-back')) e.error = j.error;
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

/**
 * The newest transaction left half-done, or null: an apply that was interrupted, or
 * a rollback that failed or was killed (`rolling-back` with no live rollback running).
 * Either way the host may be a mix of two states, and `knobs rollback` finishes it.
 */
export function findInterrupted(root: string): InterruptedTransaction | null {
  const token = readLock(root)?.token ?? null;
  const j = listJournals(root)
    .reverse()
    .find((x) => {
      const state = displayState(x, token);
      return state === 'interrupted' || (state === 'rolling-back' && !(token !== null && x.undoTokens?.includes(token)));
    });
  if (!j) return null;
  const message =
    j.state === 'pending'
      ? `transaction ${j.id} (started ${j.time} by ${j.user}) was interrupted and may be half-applied; run \`knobs rollback\` to restore the previous state`
      : `the rollback of transaction ${j.id} (applied ${j.time} by ${j.user}) did not finish, so the host may be half rolled back; run \`knobs rollback\` to finish it`;
  const out: InterruptedTransaction = { id: j.id, time: j.time, user: j.user, journal: journalDir(root, j.id), message };
  if (j.error) out.error = j.error;
  return out;
}

export function displayState(j: Journal, liveLockToken: string | null): HistoryState {
  switch (j.state) {
    case 'pending':
      return liveLockToken !== null && liveLockToken === j.lockToken ? 'in-progress' : 'interrupted';
    case 'applied':
      return j.undoStarted !== undefined ? 'rolling-back' : 'applied';
    default:
      return j.state;
  }
}

/**
 * What the journal says happened on this root, in one string: another apply or a
 * rollback since it was taken changes it. apply takes it before planning and, under
 * the lock, plans again only when it changed.
 */
export function journalStamp(root: string): string {
  return JSON.stringify(listJournals(root).map((j) => [j.id, j.state, j.undoTokens?.length ?? 0]));
}
