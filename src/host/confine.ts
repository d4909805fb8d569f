// Keeping every path knobs touches inside --root, and every sysctl inside /proc/sys.
//
// knobs runs as root, and a --root tree (an image, a test tree, a chroot) may hold
// symlinks written by anyone. Paths are therefore resolved the way the kernel would
// resolve them inside `chroot DIR`: component by component, an absolute link target
// starts again at DIR, `..` stops at DIR. The result can only name something under
// DIR. On `/` that is what the kernel does anyway, so the walk is skipped there.
//
// Two extra rules on top of chroot semantics:
//  - a path that starts with /proc/sys must still be under /proc/sys once resolved
//    (`net/../../../etc/shadow`, or a link in proc/sys to a victim file): the real
//    loaders refuse such a key too ("Path is not under /proc/sys");
//  - for writes, a link whose target, read on this machine, lies outside DIR is
//    refused rather than re-rooted: the operator asked for files under DIR, and a
//    link out of it is either a mistake or an attempt to make root write elsewhere.
//
// Files are opened without blocking and their type checked before anything is read
// (a FIFO where a config file belongs would otherwise hang knobs forever), and reads
// are bounded (a key linked to /dev/zero would otherwise fill the memory).

import fs from 'node:fs';
import path from 'node:path';

/** Most symlinks followed in one resolution (the kernel's MAXSYMLINKS is 40). */
const MAX_HOPS = 40;

export const PROC_SYS = '/proc/sys';

/** Why a path was refused; `code` is errno-like so that callers can treat it as one. */
export class ConfineError extends Error {
  constructor(
    readonly hostPath: string,
    readonly code: 'ECONFINE' | 'ELOOP' | 'ELINKOUT' | 'EUNSAFE',
    message: string,
  ) {
    super(message);
    this.name = 'ConfineError';
  }
}

/** `a` is `b` or lies under it (both absolute, normalised). */
export function isUnder(a: string, b: string): boolean {
  return a === b || b === '/' || a.startsWith(b + '/');
}

/** Host paths that must stay under /proc/sys once resolved. */
export function isProcSysPath(hostPath: string): boolean {
  const p = hostPath.startsWith('/') ? hostPath : `/${hostPath}`;
  return p === PROC_SYS || p.startsWith(`${PROC_SYS}/`);
}

function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

export interface ResolveOptions {
  /** Follow a symlink in the last component (reads: yes; writes replace the link itself: no). */
  followFinal: boolean;
  /** Refuse a link whose target, read on this machine, leaves the root (writes). */
  refuseLinksOut?: boolean;
  /** Every existing directory the walk passes through (for the ownership checks of writes), absolute. */
  visited?: string[];
}

/**
 * The host path (absolute, normalised, under `/`) that `hostPath` names inside `root`
 * with chroot semantics. Components that do not exist are kept as written (`..`
 * among them still clamps). Throws ConfineError for a loop or, with refuseLinksOut,
 * a link out of the root.
 */
export function resolveInRoot(root: string, hostPath: string, opts: ResolveOptions): string {
  const rootAbs = path.resolve(root);
  const done: string[] = [];
  const todo = components(hostPath);
  let hops = 0;
  let missing = false;
  opts.visited?.push(rootAbs);
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '..') {
      done.pop();
      continue;
    }
    const last = todo.length === 0;
    const abs = path.join(rootAbs, ...done, c);
    if (missing || (last && !opts.followFinal)) {
      done.push(c);
      continue;
    }
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(abs, { throwIfNoEntry: false });
    } catch {
      st = undefined; // EACCES, ENOTDIR: the operation itself will report it
    }
    if (!st) {
      missing = true;
      done.push(c);
      continue;
    }
    if (!st.isSymbolicLink()) {
      if (st.isDirectory() && !last) opts.visited?.push(abs);
      done.push(c);
      continue;
    }
    if (++hops > MAX_HOPS) throw new ConfineError(hostPath, 'ELOOP', `${hostPath}: too many levels of symbolic links`);
    const target = fs.readlinkSync(abs);
    if (opts.refuseLinksOut && rootAbs !== '/') {
      const literal = path.resolve(path.dirname(abs), target);
      if (!isUnder(literal, rootAbs)) {
        const linkHost = '/' + [...done, c].join('/');
        throw new ConfineError(
          hostPath,
          'ELINKOUT',
          `${linkHost} is a symlink to ${target}, which is outside --root ${rootAbs}; knobs does not write through links out of the root`,
        );
      }
    }
    if (target.startsWith('/')) done.length = 0;
    todo.unshift(...components(target));
  }
  return '/' + done.join('/');
}

/**
 * Where a host path lives on this machine, confined: chroot semantics under a root
 * other than `/`, plain normalisation on `/`; /proc/sys paths stay in /proc/sys.
 */
export function confinedPath(root: string, hostPath: string, opts: ResolveOptions = { followFinal: true }): string {
  const rootAbs = path.resolve(root);
  const wanted = path.posix.normalize('/' + hostPath);
  const procSys = isProcSysPath(hostPath);
  if (procSys && !isUnder(wanted, PROC_SYS)) {
    throw new ConfineError(hostPath, 'ECONFINE', `${hostPath}: not under /proc/sys`);
  }
  const host = rootAbs === '/' && !opts.refuseLinksOut && !opts.visited ? wanted : resolveInRoot(rootAbs, hostPath, opts);
  if (procSys && !isUnder(host, PROC_SYS)) {
    throw new ConfineError(hostPath, 'ECONFINE', `${hostPath}: leads to ${host}, outside /proc/sys`);
  }
  return rootAbs === '/' ? host : path.join(rootAbs, host);
}

// ---- reading regular files without blocking ----------------------------------------

/** A file that is not what was expected (a FIFO, a device, a directory, too large). */
export class FileTypeError extends Error {
  constructor(
    readonly code: 'ENOTREG' | 'EISDIR' | 'EFBIG',
    message: string,
  ) {
    super(message);
    this.name = 'FileTypeError';
  }
}

export function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symlink';
  return 'not a regular file';
}

/** Largest file knobs reads whole: config files of 100,000 lines are a few MB. */
export const MAX_TEXT_BYTES = 64 * 1024 * 1024;
/** Largest /proc/sys value knobs reads (the biggest real ones are a few KB). */
export const MAX_SYSCTL_BYTES = 1024 * 1024;

/**
 * Open `abs` for reading without blocking (O_NONBLOCK: a FIFO opens at once instead of
 * waiting for a writer) and check that it is a regular file. With noFollow, a symlink
 * in the last component fails with ELOOP.
 */
export function openRegular(abs: string, opts: { noFollow?: boolean } = {}): number {
  const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (opts.noFollow ? fs.constants.O_NOFOLLOW : 0);
  const fd = fs.openSync(abs, flags);
  try {
    const st = fs.fstatSync(fd);
    // EISDIR as read(2) would say for a directory (callers treat it as the loaders do); ENOTREG for the rest.
    if (!st.isFile()) throw new FileTypeError(st.isDirectory() ? 'EISDIR' : 'ENOTREG', `is ${kindOf(st)}, not a regular file`);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

/** Read a whole regular file, at most `max` bytes (more is an EFBIG error). */
export function readRegular(abs: string, max = MAX_TEXT_BYTES, opts: { noFollow?: boolean } = {}): Buffer {
  const fd = openRegular(abs, opts);
  try {
    return readBounded(fd, max);
  } finally {
    fs.closeSync(fd);
  }
}

export function readBounded(fd: number, max: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  // procfs files report size 0: read until EOF, whatever fstat says.
  let buf = Buffer.allocUnsafe(Math.min(64 * 1024, max + 1));
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    total += n;
    if (total > max) throw new FileTypeError('EFBIG', `is larger than ${max} bytes`);
    chunks.push(Buffer.from(buf.subarray(0, n)));
    if (n === buf.length && buf.length < 1024 * 1024) buf = Buffer.allocUnsafe(Math.min(buf.length * 4, max + 1));
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

// ---- who may have written a path ------------------------------------------------------

/** Owners knobs trusts: root, and the user running it (a test tree, a non-root read). */
export function trustedUids(): Set<number> {
  const euid = process.geteuid?.() ?? 0;
  return new Set([0, euid]);
}

/**
 * Why `st` (at `shown`) could have been written by someone other than root or us, or
 * null when it could not: owned by another user, or writable by group or others.
 */
export function untrustedBecause(st: fs.Stats, shown: string, trusted = trustedUids()): string | null {
  if (!trusted.has(st.uid)) return `${shown} is owned by uid ${st.uid}, not by root${trusted.size > 1 ? ' or the user running knobs' : ''}`;
  if (st.mode & 0o022) {
    const who = st.mode & 0o002 ? 'others' : 'its group';
    return `${shown} is writable by ${who} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  }
  return null;
}

/**
 * Resolve a host path for writing: links out of the root refused, and every existing
 * directory on the way (the root included) owned by root or us and not writable by
 * group or others — so nobody else can swap a component between this check and the
 * write. The last component is not followed unless asked (a link there is replaced, not written through).
 */
export function writablePath(root: string, hostPath: string, opts: { followFinal?: boolean } = {}): string {
  const visited: string[] = [];
  const abs = confinedPath(root, hostPath, { followFinal: opts.followFinal ?? false, refuseLinksOut: true, visited });
  const rootAbs = path.resolve(root);
  const trusted = trustedUids();
  for (const dir of new Set(visited)) {
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch {
      continue;
    }
    const shown = rootAbs === '/' ? dir : dir === rootAbs ? `--root ${rootAbs}` : '/' + path.relative(rootAbs, dir);
    const why = untrustedBecause(st, shown, trusted);
    if (why) throw new ConfineError(hostPath, 'EUNSAFE', `refusing to write ${hostPath}: ${why}`);
  }
  return abs;
}
