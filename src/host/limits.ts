// Reading limits-related files through HostFs: pam_limits' files, passwd/group,
// systemd manager and unit files, and /proc/<pid> for running processes.
// Everything here is I/O only; the rules live in src/core/{limits-conf,pam-resolve,
// systemd-unit,proc-limits}.ts.

import { byteOrder, type HostFs } from './host-fs.js';
import nodeFs from 'node:fs';
import type { LimitLine, PamConfigFacts, PamLineProblem, RLimit, SystemdLimitsFacts } from '../core/types.js';
import { parseLimitsConf, type LimitsExemption } from '../core/limits-conf.js';
import { pamBehaviour, type PamBehaviour } from '../core/pam-module.js';
import { detectPamModule } from './pam-module.js';
import { parseProcLimits } from '../core/proc-limits.js';
import type { PamIdentity } from '../core/pam-resolve.js';
import { dropinNames, normalizeUnitName, parseUnitFile, resolveSetting, unitSections, type UnitLayer } from '../core/systemd-unit.js';

export const LIMITS_CONF = '/etc/security/limits.conf';
export const LIMITS_D = '/etc/security/limits.d';

export interface PamConfig {
  /** Files pam_limits reads, in order (host paths); only those it can read. */
  files: string[];
  /** Every file pam_limits tries to open, in order, with what opening it does. */
  opened: PamConfigFacts['files'];
  lines: LimitLine[];
  exempt: LimitsExemption[];
  /** Lines pam_limits skips or misreads, with host path and line number. */
  problems: PamLineProblem[];
  /** Debian `chroot` directories named by lines → exist under the root. */
  chrootDirs: Record<string, boolean>;
}

const MAX_LINKS = 40;

/**
 * Resolve a host path as the kernel would with --root as `/`: every component, absolute
 * link targets re-rooted, `..` clamped at the root, at most 40 links (ELOOP). Returns
 * the resolved host path, or why it cannot be opened (`target`: the last link's target).
 */
export function followLinks(fs: HostFs, hostPath: string): { path: string } | { state: 'missing' | 'loop'; target?: string } {
  const todo = hostPath.split('/').filter(Boolean);
  const done: string[] = [];
  let hops = 0;
  let lastTarget: string | undefined;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const p = `/${[...done, part].join('/')}`;
    const st = fs.lstat(p);
    if (!st) return { state: 'missing', ...(lastTarget !== undefined ? { target: lastTarget } : {}) };
    if (!st.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > MAX_LINKS) return { state: 'loop', ...(lastTarget !== undefined ? { target: lastTarget } : {}) };
    const t = fs.readlink(p) ?? '';
    lastTarget = t;
    if (t.startsWith('/')) done.length = 0;
    todo.unshift(...t.split('/').filter(Boolean));
  }
  return { path: `/${done.join('/')}` };
}

/** What fopen()+fgets() of a pam_limits file does, and the text when it can be read. */
export function openPamFile(fs: HostFs, hostPath: string): { entry: PamConfigFacts['files'][number]; text: string | null } {
  const slash = hostPath.lastIndexOf('/');
  const parent = followLinks(fs, hostPath.slice(0, slash) || '/');
  const link = 'path' in parent ? fs.readlink(`${parent.path === '/' ? '' : parent.path}${hostPath.slice(slash)}`) : null;
  const target = link ?? undefined;
  // A link to /dev/null reads as an empty file (whatever the --root tree holds there).
  if (link === '/dev/null') return { entry: { path: hostPath, state: 'read', target: link }, text: '' };
  const r = followLinks(fs, hostPath);
  if ('state' in r) return { entry: { path: hostPath, state: r.state, ...(target ? { target } : {}) }, text: null };
  const st = fs.stat(r.path);
  const base = { path: hostPath, ...(target ? { target } : {}) };
  if (st?.isDirectory()) return { entry: { ...base, state: 'directory' }, text: '' };
  if (st && !st.isFile()) return { entry: { ...base, state: 'special' }, text: null };
  const t = fs.tryReadText(r.path);
  if ('text' in t) return { entry: { ...base, state: 'read' }, text: t.text };
  return { entry: { ...base, state: 'unreadable', error: t.error }, text: null };
}

/**
 * limits.conf, then what glob("/etc/security/limits.d/*.conf") returns, in C-locale
 * order: names ending in `.conf` not starting with a dot — dangling links, directories
 * and FIFOs included (pam tries to open every one).
 */
export function pamConfigFiles(fs: HostFs): string[] {
  const files = [LIMITS_CONF];
  const d = followLinks(fs, LIMITS_D);
  if (!('path' in d) || !fs.stat(d.path)?.isDirectory()) return files;
  for (const name of fs.readdir(d.path) ?? []) {
    if (!name.endsWith('.conf') || name.startsWith('.')) continue;
    files.push(`${LIMITS_D}/${name}`);
  }
  return files;
}

/** Every line pam_limits would read, in its reading order, parsed as this host's build does. */
export function readPamConfig(fs: HostFs, behaviour: PamBehaviour = pamBehaviour(undefined)): PamConfig {
  const out: PamConfig = { files: [], opened: [], lines: [], exempt: [], problems: [], chrootDirs: {} };
  for (const file of pamConfigFiles(fs)) {
    const { entry, text } = openPamFile(fs, file);
    out.opened.push(entry);
    if (text === null) continue;
    if (entry.state === 'read') out.files.push(file);
    const parsed = parseLimitsConf(text, file, { split: behaviour.split, chroot: behaviour.chrootItem });
    out.lines.push(...parsed.lines);
    out.exempt.push(...parsed.exempt);
    for (const p of parsed.problems) out.problems.push({ file, ...p });
  }
  for (const l of out.lines) {
    if (l.item !== 'chroot') continue;
    const r = followLinks(fs, l.value);
    out.chrootDirs[l.value] = 'path' in r && fs.stat(r.path)?.isDirectory() === true;
  }
  return out;
}

/** limits.conf + limits.d/*.conf lines in pam_limits' reading order. */
export function readPamLimits(fs: HostFs): LimitLine[] {
  return readPamConfig(fs).lines;
}

/** /etc/pam.d files with a non-comment line loading pam_limits.so; null without /etc/pam.d. */
export function pamLimitsServices(fs: HostFs): string[] | null {
  const d = followLinks(fs, '/etc/pam.d');
  if (!('path' in d) || !fs.stat(d.path)?.isDirectory()) return null;
  const out: string[] = [];
  for (const name of fs.readdir(d.path) ?? []) {
    const f = openPamFile(fs, `/etc/pam.d/${name}`);
    if (f.text === null || f.entry.state !== 'read') continue;
    if (f.text.split('\n').some((l) => /^\s*-?session\s.*\bpam_limits\.so\b/.test(l))) out.push(`/etc/pam.d/${name}`);
  }
  return out;
}

/** The pam_limits facts of `knobs facts`: the build, its files, lines and problems. */
export function collectPamFacts(fs: HostFs): { lines: LimitLine[]; config: PamConfigFacts } {
  const module = detectPamModule(fs);
  const cfg = readPamConfig(fs, pamBehaviour(module));
  return {
    lines: cfg.lines,
    config: {
      module,
      services: pamLimitsServices(fs),
      files: cfg.opened,
      exempt: cfg.exempt,
      problems: cfg.problems,
      ...(Object.keys(cfg.chrootDirs).length ? { chrootDirs: cfg.chrootDirs } : {}),
    },
  };
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

// ---- systemd ---------------------------------------------------------------

/**
 * System unit search path of systemd v252 as Debian 12 builds it (`systemd-analyze
 * unit-paths`; src/basic/path-lookup.c lookup_paths_init), highest priority first.
 * /lib/systemd/system is SYSTEM_DATA_UNIT_DIR of split-/usr builds (Debian, Ubuntu);
 * where /lib links to usr/lib both are one directory.
 */
export const UNIT_DIRS = [
  '/etc/systemd/system.control',
  '/run/systemd/system.control',
  '/run/systemd/transient',
  '/run/systemd/generator.early',
  '/etc/systemd/system',
  '/etc/systemd/system.attached',
  '/run/systemd/system',
  '/run/systemd/system.attached',
  '/run/systemd/generator',
  '/usr/local/lib/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/run/systemd/generator.late',
];
/** system.conf.d search path (CONF_PATHS("systemd") + "system.conf.d"), highest priority first. */
export const MANAGER_DROPIN_DIRS = [
  '/etc/systemd/system.conf.d',
  '/run/systemd/system.conf.d',
  '/usr/local/lib/systemd/system.conf.d',
  '/usr/lib/systemd/system.conf.d',
  '/lib/systemd/system.conf.d',
];
export const MANAGER_CONF = '/etc/systemd/system.conf';

export interface ConfProblem {
  file: string;
  line: number | null;
  message: string;
}

/** hidden_or_backup_file() of src/basic/path-util.c: FOREACH_DIRENT skips these names. */
export function hiddenOrBackup(name: string): boolean {
  if (name.startsWith('.') || ['lost+found', 'aquota.user', 'aquota.group'].includes(name) || name.endsWith('~')) return true;
  const dot = name.lastIndexOf('.');
  if (dot < 0) return false;
  return [
    'rpmnew', 'rpmsave', 'rpmorig', 'dpkg-old', 'dpkg-new', 'dpkg-tmp', 'dpkg-dist', 'dpkg-bak', 'dpkg-backup',
    'dpkg-remove', 'ucf-new', 'ucf-old', 'ucf-dist', 'swp', 'bak', 'old', 'new',
  ].includes(name.slice(dot + 1));
}

/** What config_parse() gets when it opens a file: its bytes, a mask (/dev/null or empty), or nothing. */
function openConfig(fs: HostFs, hostPath: string): { bytes: Buffer } | { masked: true } | { missing: true } | { unreadable: string } {
  const r = followLinks(fs, hostPath);
  if (('target' in r && r.target === '/dev/null') || ('path' in r && r.path === '/dev/null')) return { masked: true };
  if ('state' in r) return r.state === 'loop' ? { unreadable: 'ELOOP' } : { missing: true };
  const st = fs.stat(r.path);
  if (!st) return { missing: true };
  if (st.isDirectory()) return { unreadable: 'EISDIR' };
  if (!st.isFile()) return { unreadable: 'not a regular file' };
  if (st.size === 0) return { masked: true };
  try {
    return { bytes: nodeFs.readFileSync(fs.resolve(r.path)) };
  } catch (err) {
    return { unreadable: (err as NodeJS.ErrnoException).code ?? 'EIO' };
  }
}

/** A directory under the root after following links (chase_symlinks), or null. */
function realDir(fs: HostFs, hostPath: string): string | null {
  const r = followLinks(fs, hostPath);
  return 'path' in r && fs.stat(r.path)?.isDirectory() ? r.path : null;
}

/**
 * conf_files_list_strv(".conf", dirs, flags 0) (src/basic/conf-files.c): `*.conf`
 * entries of every directory (hidden and backup names skipped), the first directory
 * holding a name wins — a link to /dev/null or an empty file too, which then reads as
 * nothing — and the survivors are applied in file-name (C) order. Directories that
 * resolve to one already listed are skipped (path_strv_resolve_uniq).
 */
export function listConfFiles(fs: HostFs, dirs: string[]): string[] {
  const byName = new Map<string, string>();
  const seen = new Set<string>();
  for (const dir of dirs) {
    const real = realDir(fs, dir);
    if (real === null || seen.has(real)) continue;
    seen.add(real);
    // systemd reports drop-ins under the directory it resolved (chase_symlinks_and_opendir).
    for (const name of fs.readdir(real) ?? []) {
      if (!name.endsWith('.conf') || hiddenOrBackup(name) || byName.has(name)) continue;
      byName.set(name, `${real === '/' ? '' : real}/${name}`);
    }
  }
  return [...byName.keys()].sort(byteOrder).map((n) => byName.get(n)!);
}

export interface ParsedLayers {
  layers: UnitLayer[];
  problems: ConfProblem[];
  /** Files read, in order (drop-ins that exist but are masked or empty included). */
  files: string[];
}

function parseLayer(fs: HostFs, file: string, sections: string[], out: ParsedLayers): 'ok' | 'fatal' | 'skipped' {
  const r = openConfig(fs, file);
  out.files.push(file);
  if ('masked' in r || 'missing' in r) return 'skipped';
  if ('unreadable' in r) {
    out.problems.push({ file, line: null, message: `cannot be read (${r.unreadable}): systemd stops reading this file` });
    return 'fatal';
  }
  const parsed = parseUnitFile(r.bytes, { sections });
  for (const p of parsed.problems) out.problems.push({ file, line: p.line, message: p.message });
  out.layers.push({ file, entries: parsed.entries });
  return parsed.fatalAt !== undefined ? 'fatal' : 'ok';
}

/**
 * The manager's configuration in the order PID 1 applies it (src/core/main.c
 * parse_config_file → config_parse_many): the first main file that exists, then the
 * `*.conf` drop-ins of `dropinDirs`; a fatal error in one file ends the whole read, so
 * no later drop-in applies. Defaults: /etc/systemd/system.conf + system.conf.d.
 */
export function readManagerLayers(fs: HostFs, mains: string[] = [MANAGER_CONF], dropinDirs: string[] = MANAGER_DROPIN_DIRS): ParsedLayers {
  const out: ParsedLayers = { layers: [], problems: [], files: [] };
  const main = mains.find((m) => {
    const r = followLinks(fs, m);
    return 'path' in r || ('target' in r && r.target === '/dev/null');
  });
  for (const f of [...(main ? [main] : []), ...listConfFiles(fs, dropinDirs)]) {
    if (parseLayer(fs, f, ['Manager'], out) === 'fatal') {
      out.problems.push({ file: f, line: null, message: 'systemd stops reading the manager configuration here: later drop-ins are not applied' });
      break;
    }
  }
  return out;
}

export interface UnitFiles {
  unit: string;
  /** Host path of the unit file in effect; null when none is found. */
  unitFile: string | null;
  /** The unit file is linked to /dev/null (or empty): the unit is masked. */
  masked: boolean;
  /** The unit file has a fatal syntax error: systemd does not load the unit. */
  loadError: string | null;
  /** Unit file first, then its drop-ins in the order systemd applies them. */
  layers: UnitLayer[];
  /** Drop-in paths systemd lists for the unit (masked and dangling ones included). */
  dropins: string[];
  /** The drop-ins systemd parses (also for a masked unit, whose settings never apply). */
  parsedDropins: UnitLayer[];
  problems: ConfProblem[];
}

/** The fragment: the first unit directory with a regular file or a link of that name. */
function findFragment(fs: HostFs, name: string): string | null {
  for (const dir of UNIT_DIRS) {
    const real = realDir(fs, dir);
    if (real === null) continue;
    const st = fs.lstat(`${real}/${name}`);
    if (st && (st.isFile() || st.isSymbolicLink())) return `${dir}/${name}`;
  }
  return null;
}

/** The unit file (an instance falls back to its template) and its drop-ins, as systemd v252 loads them. */
export function readUnitLayers(fs: HostFs, unitName: string): UnitFiles {
  const unit = normalizeUnitName(unitName);
  const problems: ConfProblem[] = [];
  const out: UnitFiles = { unit, unitFile: null, masked: false, loadError: null, layers: [], dropins: [], parsedDropins: [], problems };
  const sections = unitSections(unit);
  const at = unit.indexOf('@');
  const template = at > 0 && unit.indexOf('.', at) > at + 1 ? `${unit.slice(0, at + 1)}${unit.slice(unit.lastIndexOf('.'))}` : null;
  const fragment = findFragment(fs, unit) ?? (template ? findFragment(fs, template) : null);
  const acc: ParsedLayers = { layers: [], problems, files: [] };
  if (fragment) {
    out.unitFile = fragment;
    const r = openConfig(fs, fragment);
    if ('masked' in r) {
      // systemd still lists the drop-ins of a masked unit (it does not apply them).
      out.masked = true;
    } else if ('missing' in r || 'unreadable' in r) {
      out.loadError = `${fragment}: ${'missing' in r ? 'a link to nothing' : r.unreadable}`;
    } else if (parseLayer(fs, fragment, sections, acc) === 'fatal') {
      out.loadError = `${fragment}: a fatal syntax error (the unit is not loaded)`;
    }
  }
  const dirs: string[] = [];
  for (const dir of UNIT_DIRS) for (const n of dropinNames(unit)) dirs.push(`${dir}/${n}.d`);
  const type = unit.slice(unit.lastIndexOf('.') + 1);
  for (const dir of UNIT_DIRS) dirs.push(`${dir}/${type}.d`);
  const dropins = listConfFiles(fs, dirs);
  out.dropins = dropins;
  // src/core/load-fragment.c unit_load_fragment_and_dropin(): a missing fragment (for a
  // service) or one with a fatal error ends the load before the drop-ins; a masked unit's
  // drop-ins are still parsed (their warnings are logged) though nothing runs.
  if (out.unitFile === null || out.loadError) {
    out.layers = acc.layers;
    return out;
  }
  const before = acc.layers.length;
  for (const f of dropins) {
    // A fatal error in a drop-in only ends that drop-in (load-dropin.c ignores config_parse's result).
    parseLayer(fs, f, sections, acc);
  }
  out.parsedDropins = acc.layers.slice(before);
  out.layers = out.masked ? [] : acc.layers;
  return out;
}

/**
 * systemd facts for `knobs facts`: the manager's DefaultLimitNOFILE= and its config
 * problems, plus the parse problems of `units` (those of the processes knobs looks at).
 */
export function collectSystemdFacts(fs: HostFs, units: string[] = []): SystemdLimitsFacts {
  const mgr = readManagerLayers(fs);
  const r = resolveSetting(mgr.layers, 'Manager', 'DefaultLimitNOFILE');
  const problems: SystemdLimitsFacts['problems'] = mgr.problems.map((p) => ({ file: p.file, line: p.line, message: p.message }));
  for (const inv of r.invalid) problems.push({ file: inv.file, line: inv.line, message: inv.message });
  for (const unit of units) {
    const u = readUnitLayers(fs, unit);
    for (const p of u.problems) problems.push({ file: p.file, line: p.line, message: p.message, unit });
    for (const inv of resolveSetting([...u.layers, ...(u.masked ? u.parsedDropins : [])], 'Service', 'LimitNOFILE').invalid) {
      problems.push({ file: inv.file, line: inv.line, message: inv.message, unit });
    }
  }
  return {
    defaultNofile: r.winner ? { ...r.winner.setting, file: r.winner.file, line: r.winner.line, raw: r.winner.raw } : null,
    files: mgr.files,
    problems,
  };
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
