// Reading limits-related files through HostFs: pam_limits' files, passwd/group,
// systemd manager and unit files, and /proc/<pid> for running processes.
// Everything here is I/O only; the rules live in src/core/{limits-conf,pam-resolve,
// systemd-unit,proc-limits}.ts.

import { byteOrder, type HostFs } from './host-fs.js';
import type { LimitLine, RLimit } from '../core/types.js';
import { parseLimitsConf, type LimitsExemption } from '../core/limits-conf.js';
import { parseProcLimits } from '../core/proc-limits.js';
import type { PamIdentity } from '../core/pam-resolve.js';
import { dropinNames, normalizeUnitName, parseUnitFile, type UnitLayer } from '../core/systemd-unit.js';

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

// ---- systemd ---------------------------------------------------------------

/** Unit search path, highest priority first (the contract's list). */
export const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];
/** system.conf.d search path, highest priority first. */
export const MANAGER_DROPIN_DIRS = [
  '/etc/systemd/system.conf.d',
  '/run/systemd/system.conf.d',
  '/usr/local/lib/systemd/system.conf.d',
  '/usr/lib/systemd/system.conf.d',
  '/lib/systemd/system.conf.d',
];

export interface ConfProblem {
  file: string;
  line: number | null;
  message: string;
}

function readUnitText(fs: HostFs, hostPath: string): { text: string } | { masked: true } | null {
  const link = fs.readlink(hostPath);
  if (link !== null) {
    if (link === '/dev/null') return { masked: true };
    const target = fs.resolveLink(hostPath, link);
    const t = fs.readText(target);
    return t === null ? null : { text: t };
  }
  if (!fs.stat(hostPath)?.isFile()) return null;
  const t = fs.readText(hostPath);
  return t === null ? null : t.length === 0 ? { masked: true } : { text: t };
}

/**
 * `*.conf` drop-ins from `dirs` (highest priority first): the same file name in a
 * lower-priority directory is hidden; the survivors apply in file-name (C) order.
 * A drop-in linked to /dev/null masks its name and is not applied.
 */
function collectDropins(fs: HostFs, dirs: string[], problems: ConfProblem[]): UnitLayer[] {
  const byName = new Map<string, string | null>();
  for (const dir of dirs) {
    for (const name of fs.readdir(dir) ?? []) {
      if (!name.endsWith('.conf') || byName.has(name)) continue;
      byName.set(name, `${dir}/${name}`);
    }
  }
  const layers: UnitLayer[] = [];
  for (const name of [...byName.keys()].sort(byteOrder)) {
    const file = byName.get(name)!;
    const r = readUnitText(fs, file);
    if (r === null || 'masked' in r) continue;
    const parsed = parseUnitFile(r.text);
    for (const p of parsed.problems) problems.push({ file, line: p.line, message: p.message });
    layers.push({ file, entries: parsed.entries });
  }
  return layers;
}

/** etc/systemd/system.conf then its drop-ins, in the order PID 1 applies them. */
export function readManagerLayers(fs: HostFs): { layers: UnitLayer[]; problems: ConfProblem[] } {
  const problems: ConfProblem[] = [];
  const layers: UnitLayer[] = [];
  const main = '/etc/systemd/system.conf';
  const t = fs.readText(main);
  if (t !== null) {
    const parsed = parseUnitFile(t);
    for (const p of parsed.problems) problems.push({ file: main, line: p.line, message: p.message });
    layers.push({ file: main, entries: parsed.entries });
  }
  layers.push(...collectDropins(fs, MANAGER_DROPIN_DIRS, problems));
  return { layers, problems };
}

export interface UnitFiles {
  unit: string;
  /** Host path of the unit file in effect; null when none is found. */
  unitFile: string | null;
  /** The unit file is linked to /dev/null (or empty): the unit is masked. */
  masked: boolean;
  /** Unit file first, then its drop-ins in the order systemd applies them. */
  layers: UnitLayer[];
  problems: ConfProblem[];
}

/** The unit file (first found in UNIT_DIRS; an instance falls back to its template) and its drop-ins. */
export function readUnitLayers(fs: HostFs, unitName: string): UnitFiles {
  const unit = normalizeUnitName(unitName);
  const problems: ConfProblem[] = [];
  const out: UnitFiles = { unit, unitFile: null, masked: false, layers: [], problems };
  const names = [unit];
  const tmpl = dropinNames(unit)[1];
  if (unit.includes('@') && tmpl?.includes('@')) names.push(tmpl);
  find: for (const name of names) {
    for (const dir of UNIT_DIRS) {
      const p = `${dir}/${name}`;
      const r = readUnitText(fs, p);
      if (r === null) continue;
      out.unitFile = p;
      if ('masked' in r) {
        out.masked = true;
        return out;
      }
      const parsed = parseUnitFile(r.text);
      for (const pr of parsed.problems) problems.push({ file: p, line: pr.line, message: pr.message });
      out.layers.push({ file: p, entries: parsed.entries });
      break find;
    }
  }
  const dirs: string[] = [];
  for (const dir of UNIT_DIRS) for (const n of dropinNames(unit)) dirs.push(`${dir}/${n}.d`);
  out.layers.push(...collectDropins(fs, dirs, problems));
  return out;
}

// ---- processes ------------------------------------------------------------------

export function listPids(fs: HostFs): number[] {
  return (fs.readdir('/proc') ?? []).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
}

export interface ProcInfo {
  pid: number;
  comm: string | null;
  limits: Record<string, RLimit> | null;
  /** Entries in proc/<pid>/fd; null when unreadable (permission, gone). */
  open: number | null;
  /** Socket inodes among the fds. */
  sockets: number[];
  /** systemd unit from proc/<pid>/cgroup (`.../nginx.service`), if any. */
  unit: string | null;
}

export function readProc(fs: HostFs, pid: number, wantSockets = false): ProcInfo {
  const comm = fs.readText(`/proc/${pid}/comm`)?.trim() ?? null;
  let fds: string[] | null = null;
  try {
    fds = fs.readdir(`/proc/${pid}/fd`);
  } catch {
    fds = null;
  }
  const sockets: number[] = [];
  if (wantSockets && fds) {
    for (const fd of fds) {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlink(`/proc/${pid}/fd/${fd}`) ?? '');
      if (m) sockets.push(Number(m[1]));
    }
  }
  return { pid, comm, limits: readProcLimits(fs, pid), open: fds ? fds.length : null, sockets, unit: readUnit(fs, pid) };
}

/** The systemd service a process runs under, from proc/<pid>/cgroup; null when none. */
export function readUnit(fs: HostFs, pid: number): string | null {
  const cg = fs.tryReadText(`/proc/${pid}/cgroup`);
  if (!('text' in cg)) return null;
  let unit: string | null = null;
  for (const row of cg.text.split('\n')) {
    const m = /\/([^/]+\.service)(?:\/|$)/.exec(row.split(':').slice(2).join(':'));
    if (m?.[1]) unit = m[1];
  }
  return unit;
}
