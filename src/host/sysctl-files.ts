// Reading the sysctl config files through HostFs and handing them to the pure
// boot-order model. Also expands glob keys against proc/sys.

import { HostReadError, type HostFs, byteOrder } from './host-fs.js';
import { inputError } from '../errors.js';
import { parseSysctlConf, globToRegExp, isGlob, keyToProcPath, procPathToKey } from '../core/sysctl-conf.js';
import {
  SYSCTL_CONF,
  SYSCTL_DIRS,
  disagreements,
  isConfName,
  resolveBoot,
  selectFiles,
  type ConfCandidate,
  type ExpandGlob,
  type KeyBoot,
} from '../core/boot-order.js';
import type { Loader, SysctlConfFile, SysctlConfigFacts } from '../core/types.js';

/** Marker for systemd as init (what sd_booted() checks). */
export const SYSTEMD_MARKER = '/run/systemd/system';

export function activeLoader(fs: HostFs): Loader {
  return fs.stat(SYSTEMD_MARKER)?.isDirectory() ? 'systemd' : 'procps';
}

interface Resolved {
  /** Final host path after following links (absolute targets stay inside --root). */
  path: string;
  linkTarget?: string;
  problem?: string;
}

/** Follow a chain of symlinks the way the loader would on the real host. */
function follow(fs: HostFs, hostPath: string): Resolved {
  let path = hostPath;
  let linkTarget: string | undefined;
  for (let hops = 0; hops < 32; hops++) {
    if (path === '/dev/null') return { path, ...(linkTarget !== undefined ? { linkTarget } : {}) };
    const st = fs.lstat(path);
    if (!st?.isSymbolicLink()) return { path, ...(linkTarget !== undefined ? { linkTarget } : {}) };
    const target = fs.readlink(path);
    if (target === null) break;
    linkTarget ??= target;
    path = fs.resolveLink(path, target);
  }
  return { path, ...(linkTarget !== undefined ? { linkTarget } : {}), problem: 'too many levels of symbolic links' };
}

interface ReadFile {
  candidate: ConfCandidate;
  problems: { line: number; message: string }[];
}

/**
 * Read and parse one config file. A missing link target, a directory, or a link
 * loop is what the loaders meet too: they skip the file (after it has hidden the
 * same name elsewhere), so it becomes a problem, not an error. Permission errors
 * mean knobs cannot see what boot will do: that is the user's to fix.
 */
function readConf(fs: HostFs, hostPath: string, dirIndex: number): ReadFile {
  const r = follow(fs, hostPath);
  const base = { path: hostPath, dirIndex, ...(r.linkTarget !== undefined ? { linkTarget: r.linkTarget } : {}) };
  if (r.path === '/dev/null') return { candidate: { ...base, masked: true, entries: [] }, problems: [] };
  if (r.problem) return { candidate: { ...base, entries: [] }, problems: [{ line: 0, message: r.problem }] };
  let text: string | null;
  try {
    text = fs.readText(r.path);
  } catch (err) {
    if (err instanceof HostReadError && (err.code === 'EISDIR' || err.code === 'ELOOP')) {
      return { candidate: { ...base, entries: [] }, problems: [{ line: 0, message: `cannot be read: ${err.code}` }] };
    }
    if (err instanceof HostReadError) throw inputError(hostPath, null, null, `cannot read sysctl config: ${err.message}`);
    throw err;
  }
  if (text === null) {
    const why = r.linkTarget !== undefined ? `symlink target ${r.linkTarget} does not exist` : 'vanished while reading';
    return { candidate: { ...base, entries: [] }, problems: [{ line: 0, message: why }] };
  }
  const parsed = parseSysctlConf(text);
  return { candidate: { ...base, entries: parsed.entries }, problems: parsed.problems };
}

function listDir(fs: HostFs, dir: string): string[] {
  try {
    return fs.readdir(dir) ?? [];
  } catch (err) {
    if (err instanceof HostReadError) throw inputError(dir, null, null, `cannot list sysctl config directory: ${err.message}`);
    throw err;
  }
}

export interface SysctlConfigRead {
  config: SysctlConfigFacts;
  /** Boot value per key for the active loader; keys nobody sets are absent. */
  boot: Map<string, KeyBoot>;
}

/**
 * Every sysctl config file either loader would consider, the boot value of each
 * key for the loader this host runs, and the keys on which the two loaders differ.
 */
export function readSysctlConfig(fs: HostFs, expandGlob: ExpandGlob = (p) => expandSysctlGlob(fs, p)): SysctlConfigRead {
  const loader = activeLoader(fs);
  const read: ReadFile[] = [];
  const seenDirs = new Set<string>();
  SYSCTL_DIRS.forEach((dir, dirIndex) => {
    // On merged-/usr hosts /lib is /usr/lib: listing it again only repeats hidden names.
    const st = fs.stat(dir);
    if (!st?.isDirectory()) return;
    const id = `${st.dev}:${st.ino}`;
    if (seenDirs.has(id)) return;
    seenDirs.add(id);
    for (const name of listDir(fs, dir)) if (isConfName(name)) read.push(readConf(fs, `${dir}/${name}`, dirIndex));
  });
  const dropIns = read.map((r) => r.candidate);

  // procps stat()s it: a regular file, or a link to one, is read.
  let main: ReadFile | null = null;
  const mainResolved = follow(fs, SYSCTL_CONF);
  if (mainResolved.path !== '/dev/null' && fs.stat(mainResolved.path)?.isFile()) main = readConf(fs, SYSCTL_CONF, -1);

  const sel = { systemd: selectFiles('systemd', dropIns, null), procps: selectFiles('procps', dropIns, main?.candidate ?? null) };
  const res = {
    systemd: resolveBoot('systemd', sel.systemd.order, expandGlob),
    procps: resolveBoot('procps', sel.procps.order, expandGlob),
  };

  const files: SysctlConfFile[] = [];
  const seen = new Set<ConfCandidate>();
  const problemsOf = new Map<ConfCandidate, ReadFile['problems']>(read.map((r) => [r.candidate, r.problems]));
  if (main) problemsOf.set(main.candidate, main.problems);
  const describe = (c: ConfCandidate): SysctlConfFile => {
    const readBy = (['systemd', 'procps'] as const).filter((l) => !c.masked && sel[l].order.includes(c));
    const shadowedBy = sel[loader].shadowedBy.get(c.path) ?? sel.procps.shadowedBy.get(c.path);
    const problems = problemsOf.get(c) ?? [];
    return {
      path: c.path,
      ...(c.linkTarget !== undefined ? { linkTarget: c.linkTarget } : {}),
      ...(c.masked ? { masked: true } : {}),
      ...(shadowedBy !== undefined && readBy.length === 0 ? { shadowedBy } : {}),
      readBy,
      entries: c.entries,
      ...(problems.length > 0 ? { problems } : {}),
    };
  };
  // The active loader's order first; then what only the other loader reads; then what nobody reads.
  const other: Loader = loader === 'systemd' ? 'procps' : 'systemd';
  for (const c of [...sel[loader].order, ...sel[other].order, ...dropIns, ...(main ? [main.candidate] : [])]) {
    if (seen.has(c)) continue;
    seen.add(c);
    files.push(describe(c));
  }

  const keys = [...res.systemd.keys, ...res.procps.keys];
  return {
    config: { loader, files, disagreements: disagreements(res.systemd.boot, res.procps.boot, keys) },
    boot: res[loader].boot,
  };
}

/**
 * Keys under proc/sys matching a glob key (`net.ipv4.conf.*.rp_filter`), sorted.
 * Lists only the directories whose component is a glob; literal components are
 * checked with one stat. Only files count: a glob that lands on a directory
 * names no key.
 */
export function expandSysctlGlob(fs: HostFs, pattern: string): string[] {
  const parts = pattern.split('.');
  let dirs = ['']; // relative to proc/sys
  for (const [i, part] of parts.entries()) {
    const lastPart = i === parts.length - 1;
    const next: string[] = [];
    for (const dir of dirs) {
      const names = isGlob(part) ? globNames(fs, dir, part) : [keyToProcPath(part)];
      for (const name of names) {
        const rel = dir === '' ? name : `${dir}/${name}`;
        const st = fs.stat(`/proc/sys/${rel}`);
        if (!st) continue;
        if (lastPart ? !st.isDirectory() : st.isDirectory()) next.push(rel);
      }
    }
    dirs = next;
  }
  return dirs.map(procPathToKey).sort(byteOrder);
}

function globNames(fs: HostFs, dir: string, part: string): string[] {
  let names: string[] | null;
  try {
    names = fs.readdir(`/proc/sys/${dir}`);
  } catch {
    return []; // glob(3) skips directories it cannot read
  }
  const re = globToRegExp(part);
  // glob(3): a leading `.` in a name is matched only by a literal `.`.
  return (names ?? []).filter((n) => re.test(procPathToKey(n)) && (!n.startsWith('.') || part.startsWith('/')));
}

/**
 * Every key any config line names explicitly (assignments and `-key`
 * exclusions), sorted; with `expandGlob`, also every key a glob line matches.
 */
export function configuredKeys(config: SysctlConfigFacts, expandGlob?: ExpandGlob): string[] {
  const keys = new Set<string>();
  for (const f of config.files) {
    for (const e of f.entries) {
      if (!e.glob) keys.add(e.key);
      else if (expandGlob && !e.exclude) for (const k of expandGlob(e.key)) keys.add(k);
    }
  }
  return [...keys].sort(byteOrder);
}
