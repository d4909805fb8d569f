// The write layer: crash-safe file primitives and /proc/sys writes.
// Crash-safe files: A reader (the boot loader, a person, a crash) must see
// either the old file or the new one, never a torn write: write a temp file in the
// same directory, fsync it, rename it over the target, then fsync the directory so
// the rename itself survives power loss.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfineError, FileTypeError, MAX_SYSCTL_BYTES, confinedPath, readRegular, writablePath } from '../host/confine.js';
import { describeErrno } from '../host/host-fs.js';

export function sha256(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** The temp name used next to `absPath`; deterministic per pid so undo can clean up after a crash. */
export function tmpPath(absPath: string, pid = process.pid): string {
  return path.join(path.dirname(absPath), `.${path.basename(absPath)}.knobs-tmp-${pid}`);
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export interface WriteOptions {
  mode: number;
  uid?: number | null;
  gid?: number | null;
  /** Called after the temp file is durable and before the rename (fault injection). */
  beforeRename?: () => void;
}

export function writeFileAtomic(absPath: string, data: Buffer | string, opts: WriteOptions): void {
  const tmp = tmpPath(absPath);
  unlinkQuiet(tmp); // left over from a crashed run that had our pid
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data);
    // Explicit chmod: the open mode is filtered by the umask.
    fs.fchmodSync(fd, opts.mode);
    if (opts.uid != null && opts.gid != null) chownQuiet(fd, opts.uid, opts.gid);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    opts.beforeRename?.();
    fs.renameSync(tmp, absPath);
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    unlinkQuiet(tmp);
    throw err;
  }
  fsyncDir(path.dirname(absPath));
}

/** Replace whatever is at absPath with a symlink, atomically. */
export function symlinkAtomic(target: string, absPath: string): void {
  const tmp = tmpPath(absPath);
  unlinkQuiet(tmp);
  fs.symlinkSync(target, tmp);
  try {
    fs.renameSync(tmp, absPath);
  } catch (err) {
    unlinkQuiet(tmp);
    throw err;
  }
  fsyncDir(path.dirname(absPath));
}

/** Remove a file durably; a missing file (or parent) is already the wanted state. */
export function removeFile(absPath: string): void {
  try {
    fs.unlinkSync(absPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw err;
  }
  fsyncDir(path.dirname(absPath));
}

/** Remove an empty directory we created; one that now holds someone else's files stays. */
export function removeDirIfEmpty(absPath: string): void {
  try {
    fs.rmdirSync(absPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTEMPTY' || code === 'EEXIST') return;
    throw err;
  }
  fsyncDir(path.dirname(absPath));
}

export function mkdirDurable(absPath: string): void {
  fs.mkdirSync(absPath, { mode: 0o755 });
  fs.chmodSync(absPath, 0o755); // the umask must not decide who can read /etc/sysctl.d
  fsyncDir(path.dirname(absPath));
}

export function unlinkQuiet(absPath: string): void {
  try {
    fs.unlinkSync(absPath);
  } catch {
    // absent: nothing to clean
  }
}

/** Write a small durable file that is not replacing anything visible (journal backups). */
export function writeFileDurable(absPath: string, data: Buffer | string, mode = 0o600): void {
  const fd = fs.openSync(absPath, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC, mode);
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function chownQuiet(fd: number, uid: number, gid: number): void {
  try {
    fs.fchownSync(fd, uid, gid);
  } catch {
    // Not root (a test tree): the owner is whoever runs knobs, which is what they would get anyway.
  }
}

// ---- /proc/sys ------------------------------------------------------------------
// Runtime values are written straight to procfs (no shell, no sysctl(8) process):
// under --root they are plain files, on `/` the kernel parses the write.

export class SysctlWriteError extends Error {
  constructor(
    readonly key: string,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'SysctlWriteError';
  }
}

/** Whitespace runs folded to one space, as the contract prints values. */
export function foldValue(v: string): string {
  return v.trim().replace(/\s+/g, ' ');
}

/** `net.ipv4.conf.eth0/100.rp_filter` → `net/ipv4/conf/eth0.100/rp_filter` (sysctl(8) swaps `.` and `/`). */
export function sysctlRelPath(key: string): string {
  const rel = key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new Error(`invalid sysctl key: ${key}`);
  return path.join('proc/sys', ...parts);
}

export function sysctlAbsPath(root: string, key: string): string {
  return path.join(root, sysctlRelPath(key));
}

/**
 * Live value (folded, and as read without its final newline), or the errno-like code
 * when it cannot be read. Confined to /proc/sys (links resolved inside --root), opened
 * without blocking, regular files only, at most MAX_SYSCTL_BYTES.
 */
export function readSysctl(root: string, key: string): { value: string; raw: string } | { error: string } {
  try {
    const abs = confinedPath(root, sysctlRelPath(key));
    const raw = readRegular(abs, MAX_SYSCTL_BYTES, { noFollow: path.resolve(root) !== '/' }).toString('utf8').replace(/\n$/, '');
    return { value: foldValue(raw), raw };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? 'EIO' };
  }
}

/**
 * Set a value and prove the kernel took it: a write can succeed while the kernel
 * clamps the value (somaxconn, port ranges), so read it back and compare.
 * O_TRUNC without O_CREAT: a missing key must fail like it would on a kernel.
 */
export function writeSysctl(root: string, key: string, value: string): void {
  const want = foldValue(value);
  try {
    // Inside /proc/sys, no link out of --root, no directory anyone else can write.
    const abs = writablePath(root, sysctlRelPath(key), { followFinal: true });
    const noFollow = path.resolve(root) !== '/' ? fs.constants.O_NOFOLLOW : 0;
    const fd = fs.openSync(abs, fs.constants.O_WRONLY | fs.constants.O_TRUNC | fs.constants.O_NONBLOCK | noFollow);
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new FileTypeError('ENOTREG', 'is not a regular file');
      // One write(2): procfs parses each write on its own. The kernel accepts any
      // whitespace between fields, so the value goes as given (undo writes back the raw text).
      fs.writeSync(fd, Buffer.from(value.replace(/\n$/, '') + '\n'));
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if (err instanceof ConfineError) throw new SysctlWriteError(key, err.code, `${key}: cannot set "${want}": ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    const why = code === 'ENOENT' ? 'no such key on this kernel' : err instanceof FileTypeError ? err.message : describeErrno(code);
    const hint = code === 'EROFS' ? ' (/proc/sys is read-only here: use --persist-only)' : '';
    throw new SysctlWriteError(key, code, `${key}: cannot set "${want}": ${why}${hint}`);
  }
  const got = readSysctl(root, key);
  if ('error' in got) throw new SysctlWriteError(key, got.error, `${key}: set, but cannot read it back: ${describeErrno(got.error)}`);
  if (got.value !== want) {
    throw new SysctlWriteError(key, null, `${key}: wrote "${want}" but the kernel kept "${got.value}" (clamped or rejected)`);
  }
}
