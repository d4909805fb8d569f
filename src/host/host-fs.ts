// The boundary between knobs and the machine. Every read of /proc, /etc, /run,
// /usr goes through a HostFs rooted at --root, so tests run against fake trees.
// Synchronous on purpose: the reads are tiny files in procfs/etc, and sync calls
// keep `knobs audit` start-up fast.

import fs from 'node:fs';
import path from 'node:path';
import {
  ConfineError, FileTypeError, MAX_SYSCTL_BYTES, MAX_TEXT_BYTES, PROC_SYS,
  confinedPath, isProcSysPath, isUnder, openRegular, readRegular, resolveInRoot, untrustedBecause,
} from './confine.js';

export class HostReadError extends Error {
  constructor(
    readonly hostPath: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostReadError';
  }
}

export class HostFs {
  readonly root: string;
  /** Resolved directories (host path → host path), for roots other than `/`. */
  private readonly dirs = new Map<string, string>();

  constructor(root = '/') {
    this.root = path.resolve(root);
  }

  /**
   * Absolute path on this machine for a host path (`/etc/x` or `etc/x`), confined
   * (see confine.ts): symlinks resolved as inside `chroot --root`, /proc/sys paths
   * kept in /proc/sys. Throws ConfineError.
   */
  resolve(hostPath: string, followFinal = true): string {
    if (this.root === '/') return confinedPath('/', hostPath);
    const norm = path.posix.normalize('/' + hostPath);
    if (hostPath.split('/').includes('..') || norm === '/') return confinedPath(this.root, hostPath, { followFinal });
    const dir = path.posix.dirname(norm);
    let rdir = this.dirs.get(dir);
    if (rdir === undefined) {
      rdir = resolveInRoot(this.root, dir, { followFinal: true });
      this.dirs.set(dir, rdir);
    }
    const joined = path.posix.join(rdir, path.posix.basename(norm));
    // The last component: a link there is resolved from its directory, like any other.
    const host = followFinal && this.isLink(joined) ? resolveInRoot(this.root, joined, { followFinal: true }) : joined;
    if (isProcSysPath(norm) && !isUnder(host, PROC_SYS)) {
      throw new ConfineError(hostPath, 'ECONFINE', `${hostPath}: leads to ${host}, outside /proc/sys`);
    }
    return path.join(this.root, host);
  }

  private isLink(host: string): boolean {
    try {
      return fs.lstatSync(path.join(this.root, host)).isSymbolicLink();
    } catch {
      return false;
    }
  }

  /**
   * File text, or null when it does not exist. Other errors (a FIFO, a device, too large) are raised with the host path.
   * `latin1` keeps every byte as one char (the sysctl parsers react to NUL, CR, 0xA0 byte by byte).
   */
  readText(hostPath: string, max = isProcSysPath(hostPath) ? MAX_SYSCTL_BYTES : MAX_TEXT_BYTES, encoding: 'utf8' | 'latin1' = 'utf8'): string | null {
    try {
      return readRegular(this.resolve(hostPath), max).toString(encoding);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new HostReadError(hostPath, code, `${hostPath}: ${errText(err)}`);
    }
  }

  /** Like readText but reports why a file could not be read instead of throwing. */
  tryReadText(hostPath: string, max = isProcSysPath(hostPath) ? MAX_SYSCTL_BYTES : MAX_TEXT_BYTES): { text: string } | { error: string } {
    try {
      return { text: readRegular(this.resolve(hostPath), max).toString('utf8') };
    } catch (err) {
      return { error: errCode(err) };
    }
  }

  /** An open descriptor on a regular file (opened without blocking), for callers that stream it. Throws HostReadError. */
  openRegular(hostPath: string): number {
    try {
      return openRegular(this.resolve(hostPath));
    } catch (err) {
      throw new HostReadError(hostPath, errCode(err), `${hostPath}: ${errText(err)}`);
    }
  }

  /** Directory entries (names), sorted in C-locale order; null when the directory does not exist. */
  readdir(hostPath: string): string[] | null {
    try {
      return fs.readdirSync(this.resolve(hostPath)).sort(byteOrder);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new HostReadError(hostPath, code, `${hostPath}: ${errText(err)}`);
    }
  }

  lstat(hostPath: string): fs.Stats | null {
    try {
      return fs.lstatSync(this.resolve(hostPath, false));
    } catch {
      return null;
    }
  }

  stat(hostPath: string): fs.Stats | null {
    try {
      return fs.statSync(this.resolve(hostPath));
    } catch {
      return null;
    }
  }

  exists(hostPath: string): boolean {
    return this.lstat(hostPath) !== null;
  }

  /** Symlink target as stored, or null when not a symlink. */
  readlink(hostPath: string): string | null {
    try {
      return fs.readlinkSync(this.resolve(hostPath, false));
    } catch {
      return null;
    }
  }

  /**
   * Refuse configuration that someone other than root (or the user running knobs)
   * could have written: knobs acts on it as root (a user profile replaces a shipped
   * one by name; the accept list silences findings). Absent is fine.
   */
  assertTrusted(hostPath: string): void {
    const st = this.stat(hostPath);
    if (!st) return;
    const why = untrustedBecause(st, hostPath);
    if (why) throw new HostReadError(hostPath, 'EUNSAFE', `${hostPath}: refusing to read it: ${why} (knobs trusts only configuration root can change)`);
  }

  /**
   * Resolve a symlink the way the loader would on the real host: an absolute
   * target is re-rooted under --root, a relative one is joined to the link's directory.
   */
  resolveLink(hostPath: string, target: string): string {
    return target.startsWith('/') ? path.posix.normalize(target) : path.posix.join(path.posix.dirname(hostPath), target);
  }
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? 'EIO';
}

/** What went wrong, to follow `<host path>: `. */
function errText(err: unknown): string {
  if (err instanceof FileTypeError) return err.message;
  if (err instanceof ConfineError) return err.message.startsWith(`${err.hostPath}: `) ? err.message.slice(err.hostPath.length + 2) : err.message;
  return describeErrno(errCode(err));
}

/** C-locale (byte) order, which is what systemd, procps and pam_limits sort by. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function describeErrno(code: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EINVAL':
      return 'invalid argument (the kernel rejected the value)';
    case 'ENOTREG':
      return 'not a regular file';
    case 'EFBIG':
      return 'too large';
    case 'ECONFINE':
      return 'not under /proc/sys';
    default:
      return code;
  }
}
