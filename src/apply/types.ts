// The applier's vocabulary: what the planner hands over (a request), what the
// journal stores on disk, and what each operation returns to the CLI.
// Outcomes of a transaction are *results* (with the exit code the CLI must use),
// because a failed-and-undone apply is an expected outcome that still has data to
// print. Refusals before anything is touched (lock busy, bad request, interrupted
// transaction pending) are thrown as UserError (exit 1).

// ---- request ------------------------------------------------------------------

export interface PlannedFile {
  /** Host path, absolute, without the --root prefix: `/etc/sysctl.d/90-knobs.conf`. */
  path: string;
  /** Full desired content; null = the file must not exist. */
  content: string | null;
  /** Permission bits; default 0o644. */
  mode?: number;
  /**
   * Write this file after the live values are set: a limits file whose values are
   * only valid once the same transaction has raised fs.nr_open.
   */
  afterSysctls?: boolean;
}

export interface PlannedSysctl {
  /** Dotted sysctl key (`net.ipv4.tcp_fin_timeout`); `/` stands for a literal dot, as in sysctl(8). */
  key: string;
  value: string;
}

/** What a transaction may touch: the files (`--persist-only`), the live values (`--runtime-only`), or both. */
export interface ApplyScope {
  persist: boolean;
  runtime: boolean;
}

export interface ApplyRequest {
  files: PlannedFile[];
  sysctls: PlannedSysctl[];
  /** Profile names, recorded in the journal for `history`. */
  profiles: string[];
  /** Who asked (login name), recorded in the journal and the lock. */
  user: string;
  scope: ApplyScope;
}

/** Test hooks. Step names are reported by `onStep`; see transaction.ts for the list. */
export interface FaultPlan {
  /** SIGKILL this process right after the named step (simulates kill -9 / power loss). */
  crashAt?: string;
  /** Throw right after the named step (simulates an I/O error there). */
  failAt?: string;
  /** Send SIGTERM to this process right after the named step (simulates Ctrl+C / systemctl stop). */
  signalAt?: string;
  /** Sleep this long after the named step: `{ step, ms }` (lets tests race two processes). */
  pauseAt?: { step: string; ms: number };
}

export interface ApplyOptions {
  /** Directory standing for `/` (the --root option). */
  root: string;
  /** How long to wait for another knobs holding the lock; default 10 s. */
  lockTimeoutMs?: number;
  /** Fault injection; when absent, KNOBS_TEST_{CRASH,FAIL,SIGNAL,PAUSE}_AT are read from the environment. */
  faults?: FaultPlan;
  /** Observer called with each step name as it completes (tests use it to enumerate crash points). */
  onStep?: (step: string) => void;
  /** Catch SIGINT/SIGTERM during the transaction and roll back before returning; default true. */
  handleSignals?: boolean;
  /** Clock, for tests. */
  now?: () => Date;
  /**
   * Called once the lock is held: the request to execute, made again from the host as
   * it is now (a plan computed before the lock may be stale: another knobs may have
   * applied meanwhile). May throw a UserError to refuse.
   */
  replan?: () => ApplyRequest;
}

// ---- journal (on disk, var/lib/knobs/journal/<id>/journal.json) ----------------

/**
 * `pending`: started and not finished — if no live process owns it, it was interrupted
 * (or its own undo failed) and `rollback` must finish the undo.
 * `applied`: committed. `rolled-back`: undone by `rollback`. `failed`: the apply failed and was undone.
 */
export type JournalState = 'pending' | 'applied' | 'rolled-back' | 'failed';

export type PrevKind = 'file' | 'symlink' | 'absent';

export interface JournalFile {
  /** Host path. */
  path: string;
  /** What was there before. */
  prevKind: PrevKind;
  /** Backup of the previous content, relative to the journal dir (`files/0`); null when absent or a symlink. */
  backup: string | null;
  /** Previous symlink target, as stored. */
  prevLink: string | null;
  prevMode: number | null;
  prevUid: number | null;
  prevGid: number | null;
  prevSha256: string | null;
  /** What knobs wrote: null = removed the file. */
  newSha256: string | null;
  /** Copy of what knobs wrote, relative to the journal dir (for the hand-edit diff); null when removed. */
  written: string | null;
  newMode: number;
  /** Parent directories knobs had to create (host paths, outermost first); removed again on undo. */
  createdDirs: string[];
}

export interface JournalSysctl {
  key: string;
  /** Live value before (folded); null when it could not be read (then undo cannot restore it). */
  previous: string | null;
  /** The previous text as read, minus the final newline: written back on undo, so a --root tree is restored byte for byte. */
  previousRaw: string | null;
  /** Value knobs set (folded); for a side effect, the value the kernel gives it. */
  value: string;
  /**
   * Set on the entries of `Journal.sideEffects`: the key whose write makes the kernel
   * change this one too (net.ipv4.ip_forward → conf.*.forwarding, conf.all.accept_redirects…).
   */
  sideEffectOf?: string;
}

export interface Journal {
  version: 1;
  id: string;
  /** Monotonic order of transactions on this root; ids alone only sort to the second. */
  seq: number;
  /** ISO time the transaction started. */
  time: string;
  user: string;
  pid: number;
  /** Token of the lock held while it ran: a pending journal whose lock is gone was interrupted. */
  lockToken: string;
  profiles: string[];
  scope: ApplyScope;
  /** Read from the marker files next to journal.json (journal.ts); journal.json itself says `pending` forever. */
  state: JournalState;
  files: JournalFile[];
  sysctls: JournalSysctl[];
  /**
   * Before-values of keys the kernel changes as a side effect of writing `sysctls`
   * (src/core/kernel-side-effects.ts); undo restores them after the keys themselves.
   * Absent in journals written before knobs recorded side effects.
   */
  sideEffects?: JournalSysctl[];
  /** ISO time of the last state change (the marker's mtime). */
  updated: string;
  /** Why it failed, or why its undo failed (the `error` file, best effort). */
  error?: string;
  /** Set (durably) before `rollback` starts undoing an applied transaction, so an interrupted rollback can resume. */
  undoStarted?: string;
  /** Lock tokens of the rollbacks that started undoing it (from the undo-started.<token> markers; not in journal.json). */
  undoTokens?: string[];
}

// ---- results ------------------------------------------------------------------

export interface FileChange {
  path: string;
  action: 'create' | 'replace' | 'remove';
}

export interface SysctlChange {
  key: string;
  from: string | null;
  to: string;
}

/** A problem that undo could not fix, with the shell commands that would fix it by hand. */
export interface UndoFailure {
  /** Host path or sysctl key. */
  target: string;
  error: string;
  steps: string[];
}

export type ApplyResult =
  | { status: 'noop'; exitCode: 0 }
  | {
      status: 'applied';
      exitCode: 0;
      transaction: string;
      journal: string;
      files: FileChange[];
      sysctls: SysctlChange[];
      /** Keys the kernel changed by itself because of those writes (restored by rollback too). */
      sideEffects: SysctlChange[];
    }
  | {
      /** The apply failed (or was interrupted by a signal) and everything was put back. */
      status: 'failed';
      exitCode: 1;
      transaction: string | null;
      /** The step that failed and why, one line. */
      error: string;
      /** Set when SIGINT/SIGTERM stopped it. */
      signal?: NodeJS.Signals;
      /** Non-fatal: the state was restored but the journal could not be marked (it will show as interrupted). */
      warning?: string;
    }
  | {
      /** The apply failed and undo failed too: manual action needed. */
      status: 'inconsistent';
      exitCode: 3;
      transaction: string;
      journal: string;
      error: string;
      signal?: NodeJS.Signals;
      undoFailures: UndoFailure[];
      /** Every command of undoFailures[].steps, in order. */
      manualSteps: string[];
    };

export interface HandEdit {
  path: string;
  /** Transaction that wrote the file last. */
  transaction: string;
  /** Unified diff from what knobs wrote to what is there now. */
  diff: string;
}

export interface LiveEdit {
  key: string;
  /** Transaction that set the value last. */
  transaction: string;
  /** The value knobs set (folded). */
  set: string;
  /** The live value now (folded). */
  now: string;
}

export type RollbackResult =
  | { status: 'noop'; exitCode: 0; message: string }
  | {
      status: 'rolled-back';
      exitCode: 0;
      /** Transactions undone, newest first. */
      transactions: string[];
      files: string[];
      sysctls: SysctlChange[];
    }
  | {
      /** Files changed by hand since knobs wrote them, or live values since it set them; nothing was touched. Rerun with force. */
      status: 'refused';
      exitCode: 1;
      edits: HandEdit[];
      liveEdits: LiveEdit[];
      message: string;
    }
  | {
      status: 'inconsistent';
      exitCode: 3;
      /** Transactions fully undone before the failure. */
      transactions: string[];
      transaction: string;
      journal: string;
      error: string;
      undoFailures: UndoFailure[];
      manualSteps: string[];
    };

/**
 * `rolling-back`: a rollback started undoing it and has not finished (running now, or
 * it failed or was killed: then `knobs rollback` finishes it).
 */
export type HistoryState = 'applied' | 'rolled-back' | 'interrupted' | 'failed' | 'in-progress' | 'rolling-back';

export interface HistoryEntry {
  id: string;
  time: string;
  user: string;
  profiles: string[];
  keys: string[];
  files: string[];
  /** Contract states plus `failed` (apply failed and was undone), `in-progress` (another knobs is running it) and `rolling-back`. */
  state: HistoryState;
  error?: string;
}

export interface Problem {
  id: 'not-root' | 'proc-sys-missing' | 'proc-sys-read-only' | 'etc-read-only' | 'state-read-only';
  message: string;
  hint: string;
}
