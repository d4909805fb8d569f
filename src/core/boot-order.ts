// Which sysctl config files a boot-time loader reads, in what order, what it
// writes, and what the kernel ends up holding. Pure: the host layer lists and
// reads the files and describes /proc/sys (ProcTree).
//
// Files. Both loaders (systemd-sysctl 252, procps `sysctl --system` 4.0.2):
//   - directories /etc, /run, /usr/local/lib, /usr/lib (and /lib: procps always,
//     systemd only when built with split-usr) `sysctl.d`; the first directory
//     holding a name hides that name everywhere later, whatever the entry is (a
//     /dev/null link, an empty file, a dangling link, a directory);
//   - all surviving names are read in byte order of the NAME, across directories.
// They differ on:
//   - /etc/sysctl.conf: procps PreloadSystem() reads it last when stat() says
//     it is a regular file; systemd only through a sysctl.d link (Debian's
//     99-sysctl.conf);
//   - names: procps takes every name of 5+ bytes ending in ".conf" (so ".conf"
//     and dot-files); systemd 252 conf_files_list_strv() skips hidden names
//     (hidden_or_backup_file(), src/basic/path-util.c);
//   - procps Preload() passes each path through glob(GLOB_NOCHECK|GLOB_BRACE):
//     a file named `a*.conf` makes it read every a*.conf of its directory
//     instead, `{x,y}.conf` reads x.conf and y.conf (see preloadNames).
// Lines. sysctl-conf.ts tokenises per loader. Then:
//   - procps write_setting_list() keeps every line in a list and walks it once:
//     an explicit line writes its path; a glob writes each match unless some
//     line anywhere (assignment or `-key`) has exactly that path, compared as
//     strings (4.0.2 settinglist_findpath; 4.0.5 matches `-pattern` exclusions
//     with fnmatch);
//   - systemd parse_file() keeps one entry per normalised key in an ordered map:
//     the same value again only merges the ignore-failure flag (the entry keeps
//     its place), another value — "no value" from `-key` included — removes the
//     entry and appends a new one; apply_all() then walks the map: explicit
//     entries write, globs write each match that has no entry of its own.
// Writes. procps WriteSetting(): stat() (unknown keys are skipped silently under
// --system), realpath() must stay under /proc/sys, a file without S_IWUSR or a
// directory is not written, then one write of value + "\n". systemd
// sysctl_write(): a path with `..` is refused (path_is_normalized), the file
// opened O_RDWR, and the write skipped when the file already reads the value
// (WRITE_STRING_FILE_SUPPRESS_REDUNDANT_VIRTUAL): a skipped write sets no
// devinet "written" bit, which procps, always writing, does. The kernel side
// (what is stored, what else changes) is kernel-handlers.ts and
// boot-side-effects.ts.
// Verified against both binaries by test/oracle/sysctl-system.test.ts.

import { acceptValue, devinetKey, handlerSpecFor, kernelReadText, type WriteResult } from './kernel-handlers.js';
import { aliasesOf, forwardChangeMarks, sideEffectsOfWrite, writtenMarks, type DevconfView } from './boot-side-effects.js';
import { expandProcGlob, type ProcTree } from './proc-glob.js';
import {
  componentIsMagic,
  componentRegExp,
  parseSysctlLines,
  printable,
  systemdLinesFromProcps,
  procPathToKey,
  resolveProcPath,
  toEntry,
  unescapeComponent,
  type LoaderLine,
  type ParsedLines,
  type SysctlConfProblem,
} from './sysctl-conf.js';
import type { BootDisagreement, BootSource, Loader, RejectKind, RejectedLine, SysctlConfEntry } from './types.js';
import { fold } from './values.js';

export type { ProcTree } from './proc-glob.js';

/** Search path in priority order (an earlier directory hides the same name later). */
export const SYSCTL_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'] as const;
export const SYSCTL_CONF = '/etc/sysctl.conf';

/** A `*.conf` entry found in one of SYSCTL_DIRS, or /etc/sysctl.conf. */
export interface ConfCandidate {
  /** Host path as the loader finds it (`/etc/sysctl.d/99-sysctl.conf`). */
  path: string;
  /** Index into SYSCTL_DIRS; -1 for /etc/sysctl.conf itself. */
  dirIndex: number;
  /** Symlink target as stored, when the entry is a link. */
  linkTarget?: string;
  /** Resolves to /dev/null. */
  masked?: boolean;
  /** The file's bytes as a latin1 string; null when it cannot be opened (dangling link, loop, directory). */
  text: string | null;
}

export interface KeyBoot {
  boot: BootSource;
  /** Every other line that names this key (directly or by glob), in load order. */
  shadowed: BootSource[];
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Names the loader picks up from a sysctl.d directory. */
export function readsName(loader: Loader, name: string): boolean {
  if (loader === 'procps') return name.length >= 5 && name.endsWith('.conf');
  return name.endsWith('.conf') && !name.startsWith('.');
}

/** @deprecated name kept for callers: every name either loader might read. */
export function isConfName(name: string): boolean {
  return readsName('procps', name);
}

export interface FileSelection {
  /** Files in the order the loader opens them (procps: after its own glob of each path). */
  order: ConfCandidate[];
  /** Hidden files: path → path of the entry that hides it. */
  shadowedBy: Map<string, string>;
  /** Names procps' glob of a path turned into a read of another file, or a failed open. */
  notes: { path: string; message: string }[];
}

/**
 * procps Preload(): glob(path, GLOB_NOCHECK|GLOB_BRACE) on the file's own
 * path. `names` are the directory's entries. Returns the names opened, in
 * order (a name that does not exist stops that Preload: "cannot open").
 */
export function preloadNames(name: string, names: readonly string[]): string[] {
  const alts = expandBracesName(name);
  const braced = alts.length > 1 || alts[0] !== name;
  const out: string[] = [];
  for (const alt of alts) {
    if (componentIsMagic(alt)) {
      const re = componentRegExp(alt);
      out.push(...names.filter((n) => re.test(n)));
    } else if (braced) {
      // Alternatives are globbed without GLOB_NOCHECK: only names that exist.
      const lit = unescapeComponent(alt);
      if (names.includes(lit)) out.push(lit);
    } else out.push(unescapeComponent(alt));
  }
  if (out.length === 0) return [name]; // GLOB_NOCHECK: the pattern itself
  return out.sort(byteOrder);
}

function expandBracesName(name: string): string[] {
  const open = name.indexOf('{');
  if (open < 0) return [name];
  const close = name.indexOf('}', open);
  if (close < 0) return [name];
  const body = name.slice(open + 1, close);
  return body.split(',').flatMap((a) => expandBracesName(name.slice(0, open) + a + name.slice(close + 1)));
}

/**
 * The files `loader` opens, in order. `dropIns` are all candidates from every
 * directory; `sysctlConf` is /etc/sysctl.conf when it is a regular file (or a
 * link to one), else null.
 */
export function selectFiles(loader: Loader, dropIns: readonly ConfCandidate[], sysctlConf: ConfCandidate | null): FileSelection {
  const byName = new Map<string, ConfCandidate>();
  const shadowedBy = new Map<string, string>();
  const notes: FileSelection['notes'] = [];
  const sorted = [...dropIns].sort((a, b) => a.dirIndex - b.dirIndex || byteOrder(a.path, b.path));
  for (const c of sorted) {
    const name = baseName(c.path);
    if (!readsName(loader, name)) continue;
    const first = byName.get(name);
    if (first) shadowedBy.set(c.path, first.path);
    else byName.set(name, c);
  }
  let order = [...byName.values()].sort((a, b) => byteOrder(baseName(a.path), baseName(b.path)));
  if (loader === 'procps') {
    // Preload() globs each path: same directory, every entry the directory holds.
    const byDir = new Map<number, ConfCandidate[]>();
    for (const c of dropIns) {
      const list = byDir.get(c.dirIndex);
      if (list) list.push(c);
      else byDir.set(c.dirIndex, [c]);
    }
    order = order.flatMap((c) => {
      const name = baseName(c.path);
      if (!/[*?[{\\]/.test(name)) return [c];
      const siblings = byDir.get(c.dirIndex) ?? [];
      const names = siblings.map((s) => baseName(s.path));
      const opened: ConfCandidate[] = [];
      for (const n of preloadNames(name, names)) {
        const hit = siblings.find((s) => baseName(s.path) === n);
        if (!hit) {
          notes.push({ path: c.path, message: `procps globs the file name: it opens ${n}, which does not exist, and stops` });
          break;
        }
        if (hit !== c) notes.push({ path: c.path, message: `procps globs the file name: it reads ${hit.path} instead` });
        opened.push(hit);
      }
      return opened;
    });
    // procps reads sysctl.conf again even when a sysctl.d link already made it read it once.
    if (sysctlConf) order.push(sysctlConf);
  }
  return { order, shadowedBy, notes };
}

// ---- the simulation -------------------------------------------------------------

export interface BootEnv {
  tree: ProcTree;
  version: string | null;
  hz?: number;
  /**
   * A key's value before the loader runs (folded). The live host gives its live
   * values (knobs cannot see what the kernel held before boot); the oracle gives
   * a fresh namespace's.
   */
  initial(key: string): string | null | undefined;
  /** Per-interface settings already marked written before the loader runs (none at boot). */
  writtenBefore?(key: string): boolean;
  /** procps' parse of each file's text, shared between the two runs (the run without details derives systemd's lines from it). */
  parsed?: Map<string, ParsedLines>;
}

interface LineRef {
  file: string;
  l: LoaderLine;
  /** Where the line's own path lands (non-glob lines), computed once. */
  t?: Target;
}

type Event = { kind: 'write'; ref: LineRef; text: string; partial?: boolean; unverified?: boolean } | { kind: 'effect'; ref: LineRef; via: string };

export interface BootResult {
  /** Keys the loader leaves set, with the deciding line. Keys no accepted write reaches are absent. */
  boot: Map<string, KeyBoot>;
  /** Every key a line names (explicitly or through a glob) or a write changes as a side effect, sorted. */
  keys: string[];
  /** Writes that do not take, in the order the loader attempts them. */
  rejected: RejectedLine[];
  /** The final value of every key the loader touched. */
  values: Map<string, string>;
  /** Per file: its lines as this loader reads them, keys resolved where they name a file. */
  entries: Map<string, SysctlConfEntry[]>;
  /** Per file: lines this loader reports as not parseable. */
  problems: Map<string, SysctlConfProblem[]>;
}

class Kernel implements DevconfView {
  private readonly values = new Map<string, string | null>();
  private readonly marks = new Set<string>();
  readonly interfaces: readonly string[];
  constructor(private readonly env: BootEnv) {
    const names = env.tree.list('net/ipv4/conf') ?? [];
    this.interfaces = names.filter((n) => n !== 'all' && n !== 'default').map((n) => procPathToKey(n));
  }
  value(key: string): string | null | undefined {
    const hit = this.values.get(key);
    if (hit !== undefined || this.values.has(key)) return hit;
    const v = this.env.initial(key);
    const folded = v === undefined || v === null ? v : fold(v);
    if (folded !== undefined) this.values.set(key, folded);
    return folded;
  }
  set(key: string, v: string): void {
    this.values.set(key, v);
  }
  written(key: string): boolean {
    return this.marks.has(key) || (this.env.writtenBefore?.(key) ?? false);
  }
  mark(key: string): void {
    this.marks.add(key);
  }
}

/** Where a write lands, or why it does not. */
type Target = { ok: true; key: string; rel: string; path: string } | { ok: false; kind: RejectKind; key: string; path: string; reason: string; silent?: boolean };

const NAME_MAX = 255;

/** procps WriteSetting() up to the write: stat(), realpath(), S_IWUSR, S_ISDIR. */
const UNCLEAN = /(^|\/)\.\.?(\/|$)|\/\/|^\/|\/$|^$/;

function procpsTarget(path: string, tree: ProcTree, dotted?: string): Target {
  const isDir = (rel: string) => tree.kind(rel) === 'dir';
  if (path.length > NAME_MAX && path.split('/').some((c) => c.length > NAME_MAX)) return { path: path, ok: false, kind: 'unknown-key', key: path, reason: 'a path component longer than 255 bytes', silent: true };
  const r = resolveProcPath(path, isDir);
  if (r === null) return { path: path, ok: false, kind: 'unknown-key', key: path, reason: unknownReason(path), silent: true };
  if ('outside' in r) return { path: path, ok: false, kind: 'path', key: path, reason: `${printable(path)} is not under /proc/sys ("Path is not under /proc/sys/")` };
  const key = dotted ?? procPathToKey(r.rel);
  const kind = r.rel === '' ? 'dir' : tree.kind(r.rel);
  if (kind === null) return { path: path, ok: false, kind: 'unknown-key', key: dotted ?? displayKey(path, key), reason: unknownReason(path), silent: true };
  if (r.trailingSlash && kind === 'file') return { path: path, ok: false, kind: 'unknown-key', key, reason: 'a trailing separator: the key names a file, not a directory (ENOTDIR)', silent: true };
  if (r.rel === '') return { path: path, ok: false, kind: 'path', key: path, reason: 'no key: the path is /proc/sys itself ("Path is not under /proc/sys/")' };
  if (kind === 'dir') return { path: path, ok: false, kind: 'directory', key, reason: 'the key names a directory' };
  if (tree.readOnly?.(r.rel)) return { path: path, ok: false, kind: 'read-only', key, reason: 'the key is read-only' };
  return { path: path, ok: true, key, rel: r.rel };
}

/** systemd sysctl_write() up to the write: path_simplify, path_is_normalized, open(O_RDWR). */
function systemdTarget(key: string, tree: ProcTree, hint?: string): Target {
  const comps = UNCLEAN.test(key) ? key.split('/').filter((c) => c !== '' && c !== '.') : null;
  if (comps?.includes('..')) return { path: key, ok: false, kind: 'path', key, reason: `systemd-sysctl refuses a path with ".." (path_is_normalized)` };
  if (key.length > NAME_MAX && key.split('/').some((c) => c.length > NAME_MAX)) return { path: key, ok: false, kind: 'path', key, reason: 'a path component longer than 255 bytes (path_is_normalized)' };
  const rel = comps ? comps.join('/') : key;
  const kind = rel === '' ? 'dir' : tree.kind(rel);
  const dotted = hint ?? procPathToKey(rel);
  if (kind === null) return { path: key, ok: false, kind: 'unknown-key', key: hint ?? displayKey(key, dotted), reason: unknownReason(key) };
  if (kind === 'dir') return { path: key, ok: false, kind: 'directory', key: dotted || key, reason: 'the key names a directory (EISDIR)' };
  if (tree.readOnly?.(rel)) return { path: key, ok: false, kind: 'read-only', key: dotted, reason: 'the key is read-only (EACCES)' };
  return { path: key, ok: true, key: dotted, rel };
}

/** The key as knobs names it, or the path as spelled when that does not name one file plainly. */
function displayKey(path: string, dotted: string): string {
  return /(^|\/)\.\.?(\/|$)|\/\/|^\/|\s/.test(path) ? path : dotted;
}

function unknownReason(path: string): string {
  if (!/\s/.test(path)) return 'no such key on this kernel';
  if (/^\s/.test(path)) return `no such key: it starts with a blank (${JSON.stringify(printable(path))})`;
  if (/\s/.test(path)) return `no such key: it contains a blank (${JSON.stringify(printable(path))})`;
  return 'no such key on this kernel';
}

/** The text systemd reads back before writing equals the value (trailing newlines aside). */
function sameAsKernel(readBack: string, value: string): boolean {
  const strip = (s: string) => s.replace(/[\n\r]+$/, '');
  return strip(readBack) === strip(value);
}

/** The file as `loader` reads it; without details, systemd's lines may come from procps' parse (the same bytes). */
function parseFor(text: string, loader: Loader, details: boolean, cache: Map<string, ParsedLines> | undefined): ParsedLines {
  if (!cache) return parseSysctlLines(text, loader);
  if (loader === 'procps') {
    let hit = cache.get(text);
    if (!hit) cache.set(text, (hit = parseSysctlLines(text, 'procps')));
    return hit;
  }
  if (details) return parseSysctlLines(text, 'systemd');
  let base = cache.get(text);
  if (!base) cache.set(text, (base = parseSysctlLines(text, 'procps')));
  const lines = systemdLinesFromProcps(text, base);
  return lines ? { lines, problems: [] } : parseSysctlLines(text, 'systemd');
}

/** Per key: the value `loader` leaves behind after reading `order`, the lines that lose, and what fails. */
export function resolveBoot(loader: Loader, order: readonly ConfCandidate[], env: BootEnv, opts: { details?: boolean } = {}): BootResult {
  // Without details (the loader that does not run here: only its values are compared), no entries,
  // problems, rejected lines or shadowed lines are kept.
  const details = opts.details ?? true;
  const tree = env.tree;
  const kernel = new Kernel(env);
  const entries = new Map<string, SysctlConfEntry[]>();
  const problems = new Map<string, SysctlConfProblem[]>();
  const rejected: RejectedLine[] = [];
  const events = new Map<string, Event>();
  const naming = new Map<string, LineRef[]>();
  const globCache = new Map<string, string[]>();
  const flavor = loader;
  const expand = (pattern: string): string[] => {
    let hit = globCache.get(pattern);
    if (!hit) globCache.set(pattern, (hit = expandProcGlob(pattern, tree, flavor)));
    return hit;
  };
  // One resolution per path: lines and glob matches repeat them.
  const targets = new Map<string, Target>();
  const target = (p: string): Target => {
    let t = targets.get(p);
    if (!t) targets.set(p, (t = loader === 'procps' ? procpsTarget(p, tree) : systemdTarget(p, tree)));
    return t;
  };
  const specs = new Map<string, ReturnType<typeof handlerSpecFor>>();
  const specFor = (key: string) => {
    let sp = specs.get(key);
    if (sp === undefined) specs.set(key, (sp = handlerSpecFor(key, env.version, env.hz !== undefined ? { hz: env.hz } : {})));
    return sp;
  };
  // Most keys have no kernel side effect: decided once per key, not per write.
  const fxCache = new Map<string, { marks: string[]; may: boolean }>();
  const effectsOf = (key: string) => {
    let e = fxCache.get(key);
    if (!e) fxCache.set(key, (e = { marks: writtenMarks(key), may: aliasesOf(key).length > 0 || devinetKey(key) !== null }));
    return e;
  };
  const name = (key: string, ref: LineRef) => {
    if (!details) return;
    const list = naming.get(key);
    if (list) list.push(ref);
    else naming.set(key, [ref]);
  };

  // Lines in load order, parsed as this loader reads them.
  const refs: LineRef[] = [];
  let anyGlob = false;
  for (const c of order) {
    if (c.text === null || c.masked) continue;
    const parsed = parseFor(c.text, loader, details, env.parsed);
    if (details && parsed.problems.length) problems.set(c.path, [...(problems.get(c.path) ?? []), ...parsed.problems]);
    const fileEntries: SysctlConfEntry[] | null = details && !entries.has(c.path) ? [] : null;
    for (const l of parsed.lines) {
      const ref: LineRef = { file: c.path, l, t: undefined };
      refs.push(ref);
      if (l.glob) anyGlob = true;
      else if (!l.exclude) ref.t = loader === 'procps' ? procpsTarget(l.path, tree, l.dotted) : systemdTarget(l.path, tree, l.dotted);
      if (!details) continue;
      let resolved: string | null = null;
      if (!l.glob) {
        const t = ref.t ?? (loader === 'procps' ? procpsTarget(l.path, tree) : systemdTarget(l.path, tree));
        resolved = t.key;
        if (!l.exclude && l.value !== null && t.ok) name(t.key, ref);
      } else if (!l.exclude && l.value !== null) {
        for (const p of expand(l.path)) {
          const t = target(loader === 'procps' ? p : p.replace(/^\/+/, ''));
          if (t.ok) name(t.key, ref);
        }
      }
      fileEntries?.push(toEntry(l, resolved));
    }
    // A file read twice (procps: sysctl.conf through a link and again) keeps one entry list.
    if (fileEntries) entries.set(c.path, fileEntries);
  }

  const reject = (ref: LineRef, key: string, path: string, kind: RejectKind, reason: string, text: string, glob: boolean) => {
    if (!details) return;
    const r: RejectedLine = { file: ref.file, line: ref.l.line, key, path, value: text, kind, reason };
    if (ref.l.ignoreFailure) r.ignoreFailure = true;
    if (glob) r.glob = true;
    rejected.push(r);
  };

  /** One write attempt of `text` to the file `t` names. */
  const write = (ref: LineRef, t: Target, text: string, glob: boolean) => {
    if (!t.ok) {
      // procps under --system skips unknown keys without a word; knobs still lists them.
      reject(ref, t.key, t.path, t.kind, t.reason, text, glob);
      return;
    }
    const key = t.key;
    const spec = specFor(key);
    const before = kernel.value(key);
    if (loader === 'systemd' && spec && before !== undefined && before !== null && sameAsKernel(kernelReadText(spec, before), text)) {
      // No write at all: no handler call, no "written" bit, no side effect. The line still decides the value.
      events.set(key, { kind: 'write', ref, text });
      return;
    }
    const fx = effectsOf(key);
    for (const m of fx.marks) kernel.mark(m);
    let r: WriteResult;
    let unverified = false;
    if (spec) {
      r = acceptValue(spec, text, { current: before ?? null, read: (k) => kernel.value(k), loader });
    } else {
      r = { ok: true, value: fold(text) };
      unverified = true;
    }
    const after = r.ok ? r.value : (r.stored ?? before ?? null);
    if (r.ok) {
      kernel.set(key, r.value);
      events.set(key, { kind: 'write', ref, text, ...(unverified ? { unverified: true } : {}) });
    } else {
      reject(ref, key, t.path, r.errno === 'EACCES' ? 'read-only' : 'value', r.reason, text, glob);
      if (r.stored !== undefined) {
        kernel.set(key, r.stored);
        events.set(key, { kind: 'write', ref, text, partial: true });
      }
    }
    if (fx.may && (r.ok || r.stored !== undefined || spec?.handler !== 'read_only')) {
      const effects = sideEffectsOfWrite(key, { before: before ?? null, after: after ?? '' }, kernel);
      for (const e of effects) {
        kernel.set(e.key, e.value);
        events.set(e.key, { kind: 'effect', ref, via: key });
      }
      for (const m of forwardChangeMarks(effects)) kernel.mark(m);
    }
  };

  if (loader === 'procps') {
    // settinglist_findpath(): does any line (assignment or exclusion) have exactly this path? Only glob
    // matches ask, so only they are looked for among the lines (no set of every line's path).
    const paths = new Set<string>();
    if (anyGlob) {
      const results = new Set<string>();
      for (const r of refs) if (r.l.glob && !r.l.exclude) for (const p of expand(r.l.path)) results.add(p);
      if (results.size > 0) for (const r of refs) if (results.has(r.l.path)) paths.add(r.l.path);
    }
    for (const ref of refs) {
      const l = ref.l;
      if (l.exclude) continue;
      const text = l.value ?? '';
      if (!l.glob) {
        write(ref, ref.t!, text, false);
        continue;
      }
      for (const p of expand(l.path)) {
        if (paths.has(p)) continue; // override or exclude
        write(ref, target(p), text, true);
      }
    }
  } else {
    const map = new Map<string, { ref: LineRef; latest: LineRef }>();
    for (const ref of refs) {
      const key = ref.l.path;
      const existing = map.get(key);
      if (existing && existing.ref.l.value === ref.l.value) {
        // Same value: the entry keeps its place and merges the ignore-failure flag.
        existing.latest = ref;
        if (ref.l.ignoreFailure && !existing.ref.l.ignoreFailure) existing.ref = { file: existing.ref.file, l: { ...existing.ref.l, ignoreFailure: true } };
        continue;
      }
      map.delete(key);
      map.set(key, { ref, latest: ref });
    }
    for (const [key, { ref, latest }] of map) {
      const l = ref.l;
      if (l.value === null) continue;
      // Report the newest line that holds the value, with the merged flag (a copy only when the flag differs).
      const merged = l.ignoreFailure || latest.l.ignoreFailure;
      const shown: LineRef = merged === latest.l.ignoreFailure ? latest : { file: latest.file, l: { ...latest.l, ignoreFailure: merged }, t: latest.t };
      if (!l.glob) {
        write(shown, ref.t!, l.value, false);
        continue;
      }
      for (const p of expand(key)) {
        const k = p.replace(/^\/+/, '');
        if (map.has(k)) continue; // explicit setting exists
        write(shown, target(k), l.value, true);
      }
    }
  }

  // Results: per key, the event that decided it, and the other lines naming it.
  const boot = new Map<string, KeyBoot>();
  const values = new Map<string, string>();
  const source = (ref: LineRef, extra: Partial<BootSource> = {}): BootSource => ({
    value: ref.l.value ?? '',
    file: ref.file,
    line: ref.l.line,
    ...(ref.l.glob ? { glob: true } : {}),
    ...(ref.l.ignoreFailure ? { ignoreFailure: true } : {}),
    ...extra,
  });
  for (const [key, ev] of events) {
    const v = kernel.value(key);
    if (v === undefined || v === null) continue;
    values.set(key, v);
    const extra: Partial<BootSource> = { value: v };
    if (ev.kind === 'effect') extra.via = ev.via;
    else {
      if (fold(ev.text) !== v) extra.text = ev.text;
      if (ev.partial) extra.partial = true;
      if (ev.unverified) extra.unverified = true;
    }
    const winner = ev.ref;
    const named = naming.get(key);
    const shadowed = named ? named.filter((r) => !(r.file === winner.file && r.l.line === winner.l.line)).map((r) => source(r)) : [];
    boot.set(key, { boot: source(winner, extra), shadowed });
  }
  const keys = details ? [...new Set([...naming.keys(), ...events.keys()])].sort(byteOrder) : [...events.keys()];
  return { boot, keys, rejected, values, entries, problems };
}

/** Keys whose boot value differs between the two loaders (null = not set). */
export function disagreements(
  systemd: Map<string, KeyBoot>,
  procps: Map<string, KeyBoot>,
  keys: Iterable<string>,
): BootDisagreement[] {
  const out: BootDisagreement[] = [];
  for (const key of [...new Set(keys)].sort(byteOrder)) {
    const s = systemd.get(key)?.boot ?? null;
    const p = procps.get(key)?.boot ?? null;
    if ((s?.value ?? null) !== (p?.value ?? null)) out.push({ key, systemd: s, procps: p });
  }
  return out;
}
