// Reading limits-related files through HostFs: pam_limits' files, passwd/group,
// systemd manager and unit files, and /proc/<pid> for running processes.
// Everything here is I/O only; the rules live in src/core/{limits-conf,pam-resolve,
// systemd-unit,proc-limits}.ts.

import type { HostFs } from './host-fs.js';
import type { LimitLine, RLimit } from '../core/types.js';
import { parseLimitsConf, type LimitsExemption } from '../core/limits-conf.js';
import { parseProcLimits } from '../core/proc-limits.js';
import type { PamIdentity } from '../core/pam-resolve.js';

export const LIMITS_CONF = '/etc/security/limits.conf';
export const LIMITS_D = '/etc/security/limits.d';

export interface PamConfig {
  /** Files pam_limits reads, in order (host paths); only those that exist. */
  files: string[];
  lines: LimitLine[];
  exempt: LimitsExemption[];
  /** Unusable lines, with host path and line number. */
  problems: { file: string; line: number; message: string }[];
}

/**
 * limits.conf, then limits.d/*.conf in C-locale order (pam_limits globs
 * `/etc/security/limits.d/*.conf` with LC_COLLATE=C). Names not ending in `.conf`
 * and hidden files (glob `*` does not match a leading dot) are not read.
 */
export function pamConfigFiles(fs: HostFs): string[] {
  const files: string[] = [];
  if (fs.stat(LIMITS_CONF)?.isFile()) files.push(LIMITS_CONF);
  for (const name of fs.readdir(LIMITS_D) ?? []) {
    if (!name.endsWith('.conf') || name.startsWith('.')) continue;
    const p = `${LIMITS_D}/${name}`;
    // glob matches directories too, but fopen+fgets on one fails: pam then stops
    // reading (PAM_SERVICE_ERR). We only read regular files (or links to them).
    if (fs.stat(p)?.isFile()) files.push(p);
  }
  return files;
}

/** Every usable line pam_limits would read, in its reading order. */
export function readPamConfig(fs: HostFs): PamConfig {
  const out: PamConfig = { files: [], lines: [], exempt: [], problems: [] };
  for (const file of pamConfigFiles(fs)) {
    const text = fs.readText(file);
    if (text === null) continue;
    out.files.push(file);
    const parsed = parseLimitsConf(text, file);
    out.lines.push(...parsed.lines);
    out.exempt.push(...parsed.exempt);
    for (const p of parsed.problems) out.problems.push({ file, ...p });
  }
  return out;
}

/** limits.conf + limits.d/*.conf lines in pam_limits' reading order. */
export function readPamLimits(fs: HostFs): LimitLine[] {
  return readPamConfig(fs).lines;
}

/** `proc/self/limits` of this process (empty when unreadable). */
export function readSelfLimits(fs: HostFs): Record<string, RLimit> {
  return readProcLimits(fs, 'self') ?? {};
}

/** `proc/<pid>/limits`, or null when the process is gone or the file unreadable. */
export function readProcLimits(fs: HostFs, pid: number | 'self'): Record<string, RLimit> | null {
  const r = fs.tryReadText(`/proc/${pid}/limits`);
  return 'text' in r ? parseProcLimits(r.text) : null;
}

// ---- users ---------------------------------------------------------------

/**
 * uid, primary gid and every group of `user`, from etc/passwd and etc/group under
 * the root (what getpwnam/getgrouplist return with `files` NSS). null when unknown.
 */
export function readIdentity(fs: HostFs, user: string): PamIdentity | null {
  const passwd = fs.readText('/etc/passwd') ?? '';
  let uid: number | null = null;
  let gid: number | null = null;
  for (const row of passwd.split('\n')) {
    const f = row.split(':');
    if (f[0] === user && f.length >= 4) {
      uid = Number(f[2]);
      gid = Number(f[3]);
      break;
    }
  }
  if (uid === null || gid === null || !Number.isInteger(uid) || !Number.isInteger(gid)) return null;
  const groups: string[] = [];
  const gids: number[] = [];
  for (const row of (fs.readText('/etc/group') ?? '').split('\n')) {
    const f = row.split(':');
    if (f.length < 3 || f[0] === undefined || f[0] === '' || row.startsWith('#')) continue;
    const g = Number(f[2]);
    const members = (f[3] ?? '').split(',').map((m) => m.trim());
    if (g === gid || members.includes(user)) {
      if (!groups.includes(f[0])) groups.push(f[0]);
      if (!gids.includes(g)) gids.push(g);
    }
  }
  if (!gids.includes(gid)) gids.push(gid);
  return { name: user, uid, gid, groups, gids };
}

/** fs.nr_open under the root; the kernel default 1048576 when unreadable. */
export function readNrOpen(fs: HostFs): number {
  const t = fs.tryReadText('/proc/sys/fs/nr_open');
  const n = 'text' in t ? Number(t.text.trim()) : NaN;
  return Number.isInteger(n) && n > 0 ? n : 1048576;
}

/** etc/os-release says Debian or a derivative (pam_limits carries Debian's patches there). */
export function isDebianLike(fs: HostFs): boolean {
  const t = fs.readText('/etc/os-release') ?? fs.readText('/usr/lib/os-release') ?? '';
  return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(t);
}
