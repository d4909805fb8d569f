// The boundary between knobs and the machine. Every read of /proc, /etc, /run,
// /usr goes through a HostFs rooted at --root, so tests run against fake trees.
// Synchronous on purpose: the reads are tiny files in procfs/etc, and sync calls
// keep `knobs audit` start-up fast.

import fs from 'node:fs';
import path from 'node:path';

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

  constructor(root = '/') {
    this.root = path.resolve(root);
  }

  /** Absolute path on this machine for a host path (`/etc/x` or `etc/x`). */
  resolve(hostPath: string): string {
    return path.join(this.root, hostPath.replace(/^\/+/, ''));
  }

  /** File text, or null when it does not exist. Other errors are raised with the host path. */
  readText(hostPath: string, encoding: 'utf8' | 'latin1' = 'utf8'): string | null {
    try {
      return fs.readFileSync(this.resolve(hostPath), encoding);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new HostReadError(hostPath, code, `${hostPath}: ${describeErrno(code)}`);
    }
  }

  /** Like readText but reports why a file could not be read instead of throwing. */
  tryReadText(hostPath: string): { text: string } | { error: string } {
    try {
      return { text: fs.readFileSync(this.resolve(hostPath), 'utf8') };
    } catch (err) {
      return { error: (err as NodeJS.ErrnoException).code ?? 'EIO' };
    }
  }

  /** Directory entries (names), sorted in C-locale order; null when the directory does not exist. */
  readdir(hostPath: string): string[] | null {
    try {
      return fs.readdirSync(this.resolve(hostPath)).sort(byteOrder);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new HostReadError(hostPath, code ?? 'EIO', `${hostPath}: ${describeErrno(code ?? 'EIO')}`);
    }
  }

  lstat(hostPath: string): fs.Stats | null {
    try {
      return fs.lstatSync(this.resolve(hostPath));
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
      return fs.readlinkSync(this.resolve(hostPath));
    } catch {
      return null;
    }
  }

  /**
   * Resolve a symlink the way the loader would on the real host: an absolute
   * target is re-rooted under --root, a relative one is joined to the link's directory.
   */
  resolveLink(hostPath: string, target: string): string {
    return target.startsWith('/') ? path.posix.normalize(target) : path.posix.join(path.posix.dirname(hostPath), target);
  }
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
    default:
      return code;
  }
}
