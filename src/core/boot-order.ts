// Which sysctl config files the boot-time loader reads, in what order, and which
// line ends up deciding each key. Pure: the host layer lists and reads the files.
//
// Both loaders (systemd-sysctl 252, procps `sysctl --system` 4.0.2) agree on:
//   - directories /etc, /run, /usr/local/lib, /usr/lib, /lib (`sysctl.d/*.conf`);
//     the first directory holding a name hides that name everywhere later —
//     whatever the entry is (a /dev/null link, an empty file, a dangling link);
//   - all surviving names are read in byte order of the NAME, across directories.
// They differ on:
//   - /etc/sysctl.conf: procps reads it after everything (so it overrides all);
//     systemd only sees it through a sysctl.d link (Debian's 99-sysctl.conf);
//   - dot-files (`.x.conf`): systemd skips them, procps reads them;
//   - a `-key` line after `key = v`: systemd keeps one entry per key, so the
//     exclusion replaces the assignment and the key is not set at all; procps keeps
//     every line, writes the assignment and uses `-key` only to fence off globs;
//   - neither excludes by pattern: `-net.ipv4.conf.l*` fences off nothing (procps
//     4.0.5 later added fnmatch for these; 4.0.2, Debian 12's, compares exactly).
// Verified against both binaries in test/oracle/sysctl-system.test.ts.

import type { BootDisagreement, BootSource, Loader, SysctlConfEntry } from './types.js';

/** Search path in priority order (an earlier directory hides the same name later). */
export const SYSCTL_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'] as const;
export const SYSCTL_CONF = '/etc/sysctl.conf';

/** A `*.conf` entry found in one of SYSCTL_DIRS. */
export interface ConfCandidate {
  /** Host path as the loader finds it (`/etc/sysctl.d/99-sysctl.conf`). */
  path: string;
  /** Index into SYSCTL_DIRS; -1 for /etc/sysctl.conf itself. */
  dirIndex: number;
  /** Symlink target as stored, when the entry is a link. */
  linkTarget?: string;
  /** Resolves to /dev/null. */
  masked?: boolean;
  /** Parsed content; empty when masked or unreadable. */
  entries: SysctlConfEntry[];
}

export type ExpandGlob = (pattern: string) => string[];

export interface KeyBoot {
  boot: BootSource;
  /** Every other line that names this key (directly or by glob), in load order. */
  shadowed: BootSource[];
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function isConfName(name: string): boolean {
  return name.endsWith('.conf');
}

export function readsName(loader: Loader, name: string): boolean {
  return isConfName(name) && !(loader === 'systemd' && name.startsWith('.'));
}

export interface FileSelection {
  /** Files in the order the loader opens them. */
  order: ConfCandidate[];
  /** Hidden files: path → path of the entry that hides it. */
  shadowedBy: Map<string, string>;
}

/**
 * The files `loader` opens, in order. `dropIns` are all candidates from every
 * directory; `sysctlConf` is /etc/sysctl.conf when it is a regular file (or a
 * link to one), else null.
 */
export function selectFiles(loader: Loader, dropIns: ConfCandidate[], sysctlConf: ConfCandidate | null): FileSelection {
  const byName = new Map<string, ConfCandidate>();
  const shadowedBy = new Map<string, string>();
  const sorted = [...dropIns].sort((a, b) => a.dirIndex - b.dirIndex || byteOrder(a.path, b.path));
  for (const c of sorted) {
    const name = baseName(c.path);
    if (!readsName(loader, name)) continue;
    const first = byName.get(name);
    if (first) shadowedBy.set(c.path, first.path);
    else byName.set(name, c);
  }
  const order = [...byName.values()].sort((a, b) => byteOrder(baseName(a.path), baseName(b.path)));
  // procps reads sysctl.conf again even when a sysctl.d link already made it read it once.
  if (loader === 'procps' && sysctlConf) order.push(sysctlConf);
  return { order, shadowedBy };
}

/** One line of one file in load order. */
interface Line {
  entry: SysctlConfEntry;
  file: string;
}

function source(l: Line, ignoreFailure = l.entry.ignoreFailure): BootSource {
  return {
    value: l.entry.value ?? '',
    file: l.file,
    line: l.entry.line,
    ...(l.entry.glob ? { glob: true } : {}),
    ...(ignoreFailure ? { ignoreFailure: true } : {}),
  };
}

/** The sequence of writes a loader performs: key and the line that supplies the value. */
type Write = { key: string; line: Line; ignoreFailure: boolean };

/**
 * procps keeps every line in a list and walks it once: explicit lines write,
 * globs write each match unless some line anywhere (assignment or `-key`) names
 * that exact key.
 */
function procpsWrites(lines: Line[], expand: ExpandGlob): Write[] {
  const named = new Set(lines.filter((l) => !l.entry.glob).map((l) => l.entry.key));
  const blocked = (key: string) => named.has(key);
  const writes: Write[] = [];
  for (const l of lines) {
    if (l.entry.exclude) continue;
    const ignoreFailure = l.entry.ignoreFailure;
    if (!l.entry.glob) writes.push({ key: l.entry.key, line: l, ignoreFailure });
    else for (const key of expand(l.entry.key)) if (!blocked(key)) writes.push({ key, line: l, ignoreFailure });
  }
  return writes;
}

/**
 * systemd keeps one entry per key in an ordered map: a line with the same value
 * as the entry only merges the ignore-failure flag (the entry keeps its place);
 * a different value — including "no value" from `-key` — removes the entry and
 * appends a new one. Then it walks the map: explicit entries write; globs write
 * each match that has no entry of its own.
 */
function systemdWrites(lines: Line[], expand: ExpandGlob): Write[] {
  // `latest` is the newest line with the entry's value: the one to show as the source.
  const map = new Map<string, { latest: Line; ignoreFailure: boolean }>();
  for (const l of lines) {
    const key = l.entry.key;
    const existing = map.get(key);
    if (existing && existing.latest.entry.value === l.entry.value) {
      existing.ignoreFailure ||= l.entry.ignoreFailure;
      existing.latest = l;
      continue;
    }
    map.delete(key);
    map.set(key, { latest: l, ignoreFailure: l.entry.ignoreFailure });
  }
  const writes: Write[] = [];
  for (const [key, { latest, ignoreFailure }] of map) {
    if (latest.entry.value === null) continue;
    if (!latest.entry.glob) writes.push({ key, line: latest, ignoreFailure });
    else for (const k of expand(key)) if (!map.has(k)) writes.push({ key: k, line: latest, ignoreFailure });
  }
  return writes;
}

export interface BootResult {
  /** Keys the loader sets, with the deciding line. Keys a `-key` line cancels are absent. */
  boot: Map<string, KeyBoot>;
  /** Every key any line names, explicitly or through a glob match (sorted). */
  keys: string[];
}

/** Per key: the value `loader` leaves behind after reading `order`, and the lines that lose. */
export function resolveBoot(loader: Loader, order: ConfCandidate[], expandGlob: ExpandGlob): BootResult {
  const cache = new Map<string, string[]>();
  const expand: ExpandGlob = (p) => {
    let keys = cache.get(p);
    if (!keys) cache.set(p, (keys = expandGlob(p)));
    return keys;
  };
  const lines: Line[] = order.flatMap((c) => c.entries.map((entry) => ({ entry, file: c.path })));
  const writes = loader === 'systemd' ? systemdWrites(lines, expand) : procpsWrites(lines, expand);

  const last = new Map<string, Write>();
  for (const w of writes) last.set(w.key, w);

  // Lines that name each key (for `shadowed`), in load order.
  const naming = new Map<string, Line[]>();
  const add = (key: string, l: Line) => {
    const list = naming.get(key);
    if (list) list.push(l);
    else naming.set(key, [l]);
  };
  for (const l of lines) {
    if (!l.entry.glob) add(l.entry.key, l);
    else for (const k of expand(l.entry.key)) add(k, l);
  }

  const boot = new Map<string, KeyBoot>();
  for (const [key, w] of last) {
    const shadowed = (naming.get(key) ?? []).filter((l) => l !== w.line && l.entry.value !== null).map((l) => source(l));
    boot.set(key, { boot: source(w.line, w.ignoreFailure), shadowed });
  }
  return { boot, keys: [...naming.keys()].sort(byteOrder) };
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
