// One writer per --root. The lock is a file created atomically with its content
// (written to a private temp name, then hard-linked into place: link(2) fails with
// EEXIST when someone holds it, and no reader ever sees an empty lock).
// A lock is stale when its process is gone. A pid alone is not proof of life after a
// reboot or pid reuse, so the lock also records the boot id and the process start time.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { FileTypeError, kindOf, readBounded } from '../host/confine.js';
import { fsyncDir, unlinkQuiet } from './atomic-write.js';
import { JournalUnreadableError, STATE_DIR, stateDir, stateError, trustedDir } from './journal.js';

export { STATE_DIR };

export interface LockHolder {
  pid: number;
  user: string;
  /** ISO time the lock was taken. */
  since: string;
  /** Random per acquisition: tells this lock apart from an earlier one of the same process. */
  token: string;
  bootId: string | null;
  /** Start time of the process in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  startTicks: number | null;
}

export class LockBusyError extends UserError {
  constructor(
    readonly holder: LockHolder,
    readonly lockPath: string,
  ) {
    super(
      `another knobs is changing this host: pid ${holder.pid} (user ${holder.user}) since ${holder.since}`,
      `wait for it to finish and retry; if that process is gone and the lock remains, remove ${lockPath}`,
    );
    this.name = 'LockBusyError';
  }
}

export interface Lock {
  holder: LockHolder;
  /** Remove the lock if it is still ours. Idempotent. */
  release(): void;
}

export interface LockOptions {
  user: string;
  /** Give up after this long; default 10 s. */
  timeoutMs?: number;
  pollMs?: number;
  now?: () => Date;
}

export function lockPath(root: string): string {
  return path.join(stateDir(root), 'lock');
}

/**
 * Take the lock of this root, creating the state directory if needed. Every failure
 * of the file system here (EACCES, ENOTDIR, ENOSPC, EROFS, EIO…) is one line naming
 * the path, and an untrusted state directory is refused (journal.ts).
 */
export async function acquireLock(root: string, opts: LockOptions): Promise<Lock> {
  const dir = trustedDir(root, STATE_DIR, true)!;
  const file = path.join(dir, 'lock');
  try {
    return await takeLock(file, opts);
  } catch (err) {
    throw err instanceof UserError ? err : stateError(file, err);
  }
}

async function takeLock(file: string, opts: LockOptions): Promise<Lock> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const pollMs = opts.pollMs ?? 50;
  for (;;) {
    const holder = tryCreate(file, opts);
    if (holder) return { holder, release: () => releaseLock(file, holder.token) };
    const current = readLockFile(file);
    if (current && !isHolderAlive(current)) {
      breakStale(file, current);
      continue;
    }
    if (Date.now() >= deadline) {
      if (!current) throw new UserError(`cannot take the lock ${file}: it exists but cannot be read`);
      throw new LockBusyError(current, file);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The current holder, or null when nobody holds the lock (or it is stale). */
export function readLock(root: string): LockHolder | null {
  const file = lockPath(root);
  let holder: LockHolder | null;
  try {
    holder = readLockFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code) throw new JournalUnreadableError(path.dirname(file), code);
    throw err;
  }
  return holder && isHolderAlive(holder) ? holder : null;
}

function tryCreate(file: string, opts: LockOptions): LockHolder | null {
  const holder: LockHolder = {
    pid: process.pid,
    user: opts.user,
    since: (opts.now?.() ?? new Date()).toISOString(),
    token: crypto.randomBytes(8).toString('hex'),
    bootId: bootId(),
    startTicks: startTicks(process.pid),
  };
  const tmp = `${file}.${process.pid}.${holder.token}`;
  // O_EXCL|O_NOFOLLOW: never through a link someone planted under our temp name.
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  try {
    fs.writeSync(fd, JSON.stringify(holder) + '\n');
  } catch (err) {
    fs.closeSync(fd);
    unlinkQuiet(tmp);
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  } finally {
    unlinkQuiet(tmp);
  }
  fsyncDir(path.dirname(file));
  return holder;
}

function releaseLock(file: string, token: string): void {
  let current: LockHolder | null = null;
  try {
    current = readLockFile(file);
  } catch {
    return; // not a lock we could have written: leave it
  }
  if (current?.token === token) unlinkQuiet(file);
}

/**
 * Remove a stale lock without removing a fresh one that another waiter created in
 * between: move it aside, then check that what we moved is the lock we judged stale.
 */
function breakStale(file: string, stale: LockHolder): void {
  const aside = `${file}.stale.${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = readLockFile(aside);
  if (moved && moved.token !== stale.token) {
    // We took a live lock by mistake: put it back (fails harmlessly if a third process got in).
    try {
      fs.linkSync(aside, file);
    } catch {
      // the lock is held by someone else again; fine
    }
  }
  unlinkQuiet(aside);
}

function readLockFile(file: string): LockHolder | null {
  let text: string;
  let fd: number;
  try {
    // Without blocking, and not through a link: a FIFO or a link planted as the lock must not hang or steer knobs.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new UserError(`the lock ${file} is a symlink; knobs only creates a regular file there`, `remove ${file} if no knobs is running`);
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new UserError(`the lock ${file} is ${kindOf(st)}, not a regular file`, `remove ${file} if no knobs is running`);
    text = readBounded(fd, 64 * 1024).toString('utf8');
  } catch (err) {
    if (err instanceof FileTypeError) throw new UserError(`the lock ${file} ${err.message}`, `remove ${file} if no knobs is running`);
    throw err;
  } finally {
    fs.closeSync(fd);
  }
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid !== 'number') throw new Error('no pid');
    return {
      pid: v.pid,
      user: String(v.user ?? '?'),
      since: String(v.since ?? '?'),
      token: String(v.token ?? ''),
      bootId: v.bootId ?? null,
      startTicks: v.startTicks ?? null,
    };
  } catch {
    // Unparseable (hand-made or from another tool): treat as held by an unknown, dead process.
    return { pid: -1, user: '?', since: '?', token: `garbage:${text}`, bootId: null, startTicks: null };
  }
}

export function isHolderAlive(h: LockHolder): boolean {
  if (h.pid <= 0 || !isAlive(h.pid)) return false;
  const boot = bootId();
  if (h.bootId && boot && h.bootId !== boot) return false;
  const ticks = startTicks(h.pid);
  if (h.startTicks !== null && ticks !== null && h.startTicks !== ticks) return false;
  return true;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// These read the real /proc, not --root: pids and boots belong to this machine.
function bootId(): string | null {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

function startTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parens; the fields after the last ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]); // field 22 overall; fields[0] is field 3
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * While knobs changes the host, SIGINT/SIGTERM/SIGHUP (Ctrl+C, systemctl stop, a
 * dropped SSH session) must not kill it between two writes: record the signal
 * instead, and let the transaction notice it at its next step and roll back.
 * Node only delivers signals to listeners between event-loop turns, so the
 * transaction yields between steps.
 */
export interface SignalGuard {
  readonly received: NodeJS.Signals | null;
  dispose(): void;
}

const GUARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function guardSignals(): SignalGuard {
  let received: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    received ??= sig;
  };
  for (const s of GUARDED) process.on(s, onSignal);
  return {
    get received() {
      return received;
    },
    dispose() {
      for (const s of GUARDED) process.off(s, onSignal);
    },
  };
}
