// Reading the sysctl config files and /proc/sys through HostFs and handing them
// to the pure boot model (core/boot-order.ts).

import { HostReadError, type HostFs } from './host-fs.js';
import { inputError } from '../errors.js';
import { componentRegExp, isGlob, keyToProcPath, procPathToKey } from '../core/sysctl-conf.js';
import {
  SYSCTL_CONF,
  SYSCTL_DIRS,
  disagreements,
  readsName,
  resolveBoot,
  selectFiles,
  type BootEnv,
  type BootResult,
  type ConfCandidate,
  type KeyBoot,
  type ProcTree,
} from '../core/boot-order.js';
import { defaultFor } from '../core/catalog.js';
import { devconfDefault } from '../core/boot-side-effects.js';
import { fold } from '../core/values.js';
import type { BootSource, Loader, RejectedLine, SysctlConfEntry, SysctlConfFile, SysctlConfigFacts } from '../core/types.js';

/** Marker for systemd as init (what sd_booted() checks). */
export const SYSTEMD_MARKER = '/run/systemd/system';

export function activeLoader(fs: HostFs): Loader {
  return fs.stat(SYSTEMD_MARKER)?.isDirectory() ? 'systemd' : 'procps';
}

/** Bytes as knobs' core handles them (latin1) → text for people and JSON (UTF-8 when it is UTF-8). */
export function display(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x80-\xff]/.test(s)) return s;
  const buf = Buffer.from(s, 'latin1');
  const utf8 = buf.toString('utf8');
  return Buffer.from(utf8, 'utf8').equals(buf) ? utf8 : s;
}

/** A key as facts spell it (UTF-8) → the bytes the core works on. */
export function toLatin1(s: string): string {
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/** Core paths are latin1; the file system wants the UTF-8 spelling of the same bytes. */
function fsPath(rel: string): string {
  return /[\x80-\xff]/.test(rel) ? Buffer.from(rel, 'latin1').toString('utf8') : rel;
}

/**
 * /proc/sys as the loaders see it, read lazily and cached: a key that does not
 * exist costs a lookup in its parent's listing, not a failed system call.
 */
export class HostProcTree implements ProcTree {
  private readonly lists = new Map<string, string[] | null>();
  private readonly members = new Map<string, Set<string>>();
  private readonly stats = new Map<string, { kind: 'file' | 'dir'; readOnly: boolean } | null>();
  constructor(private readonly fs: HostFs) {}

  list(rel: string): readonly string[] | null {
    let hit = this.lists.get(rel);
    if (hit !== undefined) return hit;
    // A directory its parent does not list is not read at all (a 100k-line file names many).
    if (rel !== '' && this.kind(rel) !== 'dir') {
      this.lists.set(rel, null);
      return null;
    }
    let names: string[] | null;
    try {
      names = this.fs.readdir(`/proc/sys/${fsPath(rel)}`);
    } catch {
      names = null; // glob(3) skips directories it cannot read
    }
    hit = names ? names.map((n) => Buffer.from(n, 'utf8').toString('latin1')).sort(byteOrderLatin1) : null;
    this.lists.set(rel, hit);
    return hit;
  }

  private stat(rel: string): { kind: 'file' | 'dir'; readOnly: boolean } | null {
    const hit = this.stats.get(rel);
    if (hit !== undefined) return hit;
    const slash = rel.lastIndexOf('/');
    const parent = slash < 0 ? '' : rel.slice(0, slash);
    let set = this.members.get(parent);
    if (!set) {
      // Not cached: a missing entry costs only its parent's lookup (a 100k-line file names many).
      if (parent !== '' && this.kind(parent) !== 'dir') return null;
      const names = this.list(parent);
      if (!names) return null;
      this.members.set(parent, (set = new Set(names)));
    }
    if (!set.has(rel.slice(slash + 1))) return null;
    const st = this.fs.stat(`/proc/sys/${fsPath(rel)}`);
    const found = st ? { kind: st.isDirectory() ? ('dir' as const) : ('file' as const), readOnly: !st.isDirectory() && (st.mode & 0o222) === 0 } : null;
    this.stats.set(rel, found);
    return found;
  }

  kind(rel: string): 'file' | 'dir' | null {
    if (rel === '') return 'dir';
    return this.stat(rel)?.kind ?? null;
  }

  readOnly(rel: string): boolean {
    return this.stat(rel)?.readOnly ?? false;
  }

  /** The key's live value (folded), or null when absent or unreadable. */
  live(key: string): string | null {
    const rel = keyToProcPath(key);
    if (this.kind(rel) !== 'file') return null;
    const r = this.fs.tryReadText(`/proc/sys/${fsPath(rel)}`);
    return 'text' in r ? fold(r.text) : null;
  }
}

/** Byte order of latin1 strings; for UTF-8 text, code point order, which UTF-8 byte order equals (BMP). */
function byteOrderLatin1(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
 * Read one config file as bytes. A missing link target, a directory, or a link
 * loop is what the loaders meet too: they skip the file (after it has hidden the
 * same name elsewhere), so it becomes a problem, not an error. Permission errors
 * mean knobs cannot see what boot will do: that is the user's to fix.
 */
function readConf(fs: HostFs, hostPath: string, dirIndex: number): ReadFile {
  const r = follow(fs, hostPath);
  const base = { path: hostPath, dirIndex, ...(r.linkTarget !== undefined ? { linkTarget: r.linkTarget } : {}) };
  if (r.path === '/dev/null') return { candidate: { ...base, masked: true, text: '' }, problems: [] };
  if (r.problem) return { candidate: { ...base, text: null }, problems: [{ line: 0, message: r.problem }] };
  let text: string | null;
  try {
    text = fs.readText(r.path, undefined, 'latin1');
  } catch (err) {
    if (err instanceof HostReadError && (err.code === 'EISDIR' || err.code === 'ELOOP')) {
      return { candidate: { ...base, text: null }, problems: [{ line: 0, message: `cannot be read: ${err.code}` }] };
    }
    if (err instanceof HostReadError) throw inputError(hostPath, null, null, `cannot read sysctl config: ${err.message}`);
    throw err;
  }
  if (text === null) {
    const why = r.linkTarget !== undefined ? `symlink target ${r.linkTarget} does not exist` : 'vanished while reading';
    return { candidate: { ...base, text: null }, problems: [{ line: 0, message: why }] };
  }
  return { candidate: { ...base, text }, problems: [] };
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
  /** Every key a line names or a write changes (for the facts' key list). */
  keys: string[];
  tree: HostProcTree;
}

export interface ReadOptions {
  /** The running kernel, for handler specs. */
  version?: string | null;
  hz?: number;
  /** Start values for the simulation; default: the kernel's compiled defaults, else the live value. */
  initial?: BootEnv['initial'];
  writtenBefore?: BootEnv['writtenBefore'];
  /** Run as if this loader were active (the oracle compares both). */
  loader?: Loader;
  tree?: ProcTree & { live?(key: string): string | null };
}

/**
 * Every sysctl config file either loader would consider, the boot value of each
 * key for the loader this host runs, and the keys on which the two loaders differ.
 */
export function readSysctlConfig(fs: HostFs, opts: ReadOptions = {}): SysctlConfigRead {
  const loader = opts.loader ?? activeLoader(fs);
  const read: ReadFile[] = [];
  const seenDirs = new Set<string>();
  SYSCTL_DIRS.forEach((dir, dirIndex) => {
    // On merged-/usr hosts /lib is /usr/lib: listing it again only repeats hidden names.
    const st = fs.stat(dir);
    if (!st?.isDirectory()) return;
    const id = `${st.dev}:${st.ino}`;
    if (seenDirs.has(id)) return;
    seenDirs.add(id);
    for (const name of listDir(fs, dir)) if (readsName('procps', name) || readsName('systemd', name)) read.push(readConf(fs, `${dir}/${name}`, dirIndex));
  });
  const dropIns = read.map((r) => r.candidate);

  // procps stat()s it: a regular file, or a link to one, is read.
  let main: ReadFile | null = null;
  const mainResolved = follow(fs, SYSCTL_CONF);
  if (mainResolved.path !== '/dev/null' && fs.stat(mainResolved.path)?.isFile()) main = readConf(fs, SYSCTL_CONF, -1);

  const hostTree = new HostProcTree(fs);
  const tree = opts.tree ?? hostTree;
  const version = opts.version ?? null;
  const live = (k: string) => (opts.tree?.live ? opts.tree.live(k) : hostTree.live(k));
  const env: BootEnv = {
    tree,
    version,
    ...(opts.hz !== undefined ? { hz: opts.hz } : {}),
    initial: opts.initial ?? ((k) => defaultFor(k, version) ?? devconfDefault(k) ?? live(k)),
    ...(opts.writtenBefore ? { writtenBefore: opts.writtenBefore } : {}),
    parsed: new Map(),
  };

  const sel = { systemd: selectFiles('systemd', dropIns, null), procps: selectFiles('procps', dropIns, main?.candidate ?? null) };
  const res: Record<Loader, BootResult> = {
    systemd: resolveBoot('systemd', sel.systemd.order, env, { details: loader === 'systemd' }),
    procps: resolveBoot('procps', sel.procps.order, env, { details: loader === 'procps' }),
  };

  const files: SysctlConfFile[] = [];
  const seen = new Set<ConfCandidate>();
  const problemsOf = new Map<ConfCandidate, ReadFile['problems']>(read.map((r) => [r.candidate, r.problems]));
  if (main) problemsOf.set(main.candidate, main.problems);
  const active = res[loader];
  const describe = (c: ConfCandidate): SysctlConfFile => {
    const readBy = (['systemd', 'procps'] as const).filter((l) => !c.masked && sel[l].order.includes(c));
    const shadowedBy = sel[loader].shadowedBy.get(c.path) ?? sel.procps.shadowedBy.get(c.path);
    // The lines as the active loader reads them; a file only the other loader reads, as that one does.
    const reader = readBy.includes(loader) ? loader : (readBy[0] ?? loader);
    const own = reader === loader ? res[loader] : null;
    const raw = own?.entries.get(c.path) ?? entriesOf(c, reader, tree);
    // A file of plain ASCII needs no conversion of its lines.
    const entries = c.text !== null && HIGH.test(c.text) ? raw.map(displayEntry) : raw;
    const problems = [
      ...(problemsOf.get(c) ?? []),
      ...(own ? (own.problems.get(c.path) ?? []) : problemsOf2(c, reader, tree)),
      ...sel[reader].notes.filter((n) => n.path === c.path).map((n) => ({ line: 0, message: n.message })),
    ].map((p) => ({ line: p.line, message: display(p.message) }));
    return {
      path: c.path,
      ...(c.linkTarget !== undefined ? { linkTarget: c.linkTarget } : {}),
      ...(c.masked ? { masked: true } : {}),
      ...(shadowedBy !== undefined && readBy.length === 0 ? { shadowedBy } : {}),
      readBy,
      entries,
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

  const keys = [...new Set([...res.systemd.keys, ...res.procps.keys])].sort(byteOrderLatin1);
  const boot = new Map<string, KeyBoot>();
  for (const [k, v] of active.boot) boot.set(HIGH.test(k) ? display(k) : k, { boot: displaySource(v.boot), shadowed: v.shadowed.length ? v.shadowed.map(displaySource) : v.shadowed });
  const dis = disagreements(res.systemd.boot, res.procps.boot, keys).map((d) => ({
    key: display(d.key),
    systemd: d.systemd ? displaySource(d.systemd) : null,
    procps: d.procps ? displaySource(d.procps) : null,
  }));
  const ascii = !dropIns.some((c) => c.text !== null && HIGH.test(c.text)) && !(main && main.candidate.text !== null && HIGH.test(main.candidate.text));
  return {
    config: { loader, files, disagreements: dis, rejected: ascii ? active.rejected : active.rejected.map(displayRejected) },
    boot,
    keys: keys.map((k) => (HIGH.test(k) ? display(k) : k)),
    tree: hostTree,
  };
}

/** A file only the other loader reads: its lines as that loader reads them (a few files: sysctl.conf, dot-files). */
function otherReading(c: ConfCandidate, loader: Loader, tree: ProcTree): BootResult | null {
  if (c.text === null || c.masked) return null;
  return resolveBoot(loader, [c], { tree, version: null, initial: () => undefined });
}

function entriesOf(c: ConfCandidate, loader: Loader, tree: ProcTree): SysctlConfEntry[] {
  return otherReading(c, loader, tree)?.entries.get(c.path) ?? [];
}

function problemsOf2(c: ConfCandidate, loader: Loader, tree: ProcTree): { line: number; message: string }[] {
  return otherReading(c, loader, tree)?.problems.get(c.path) ?? [];
}

// eslint-disable-next-line no-control-regex
const HIGH = /[\x80-\xff]/;

/** Copies only when a field holds non-ASCII bytes (most do not: no allocation). */
function displayEntry(e: SysctlConfEntry): SysctlConfEntry {
  if (!HIGH.test(e.key) && (e.value === null || !HIGH.test(e.value)) && (e.comment === undefined || !HIGH.test(e.comment))) return e;
  return { ...e, key: display(e.key), value: e.value === null ? null : display(e.value), ...(e.comment !== undefined ? { comment: display(e.comment) } : {}) };
}

function displaySource(b: BootSource): BootSource {
  if (!HIGH.test(b.value) && !HIGH.test(b.file) && (b.text === undefined || !HIGH.test(b.text)) && (b.via === undefined || !HIGH.test(b.via))) return b;
  return { ...b, value: display(b.value), ...(b.text !== undefined ? { text: display(b.text) } : {}), ...(b.via !== undefined ? { via: display(b.via) } : {}) };
}

function displayRejected(r: RejectedLine): RejectedLine {
  if (!HIGH.test(r.key) && !HIGH.test(r.path) && !HIGH.test(r.value) && !HIGH.test(r.reason)) return r;
  return { ...r, key: display(r.key), path: display(r.path), value: display(r.value), reason: display(r.reason) };
}

/**
 * Keys under proc/sys matching a glob key (`net.ipv4.conf.*.rp_filter`), sorted.
 * Only files count: a glob that lands on a directory names no key.
 */
export function expandSysctlGlob(fs: HostFs, pattern: string, tree: ProcTree = new HostProcTree(fs)): string[] {
  const parts = pattern.split('.').map((c) => c.replace(/\//g, '.'));
  let dirs = [''];
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const dir of dirs) {
      const names = isGlob(part) ? (tree.list(dir) ?? []).filter((n) => globPart(part).test(n)) : [part];
      for (const name of names) {
        const rel = dir === '' ? name : `${dir}/${name}`;
        const k = tree.kind(rel);
        if (k !== null && (last ? k === 'file' : k === 'dir')) next.push(rel);
      }
    }
    dirs = next;
  }
  return dirs.map(procPathToKey).sort(byteOrderLatin1);
}

const globPart = (p: string) => componentRegExp(p);

/**
 * Every key any config line names explicitly (assignments and `-key`
 * exclusions), in file order; with `expandGlob`, also every key a glob line matches.
 */
export function configuredKeys(config: SysctlConfigFacts, expandGlob?: (pattern: string) => string[]): string[] {
  const keys = new Set<string>();
  for (const f of config.files) {
    for (const e of f.entries) {
      // Keys as a loader spelled them that name no file plainly (` key`, `a..b`) are not sysctl keys.
      if (!e.glob) {
        if (e.key !== '' && e.key !== '__proto__' && e.key !== 'constructor' && e.key !== 'prototype' && !e.key.split('.').some((c) => c === '' || c === '..' || c.startsWith('../') || c === '/..')) keys.add(e.key);
      }
      else if (expandGlob && !e.exclude) for (const k of expandGlob(e.key)) keys.add(k);
    }
  }
  return [...keys];
}
