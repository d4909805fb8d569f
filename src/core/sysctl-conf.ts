// sysctl.d / sysctl.conf text as each boot loader reads it. Pure: text in, lines out.
//
// The two loaders tokenise differently; each behaviour below names the version
// it was read in and the function that does it:
//   procps 4.0.2 src/sysctl.c (warmchang/procps @v4.0.2): Preload() reads with
//     getline() (lines end at "\n" only; a line of under 2 bytes is skipped; the
//     line is a C string, so it ends at a NUL), parse_setting_line() strips with
//     isspace() (space \t \n \v \f \r), takes `-` off the key but does not strip
//     again after it (`- key = v` keeps the blank: the key " key" is never found),
//     and setting_new() drops one more leading `-` for the path (`--key = v` writes
//     key). slashdot() swaps `.` and `/` when the first separator is `.`, and
//     nothing is simplified: `net.ipv4.conf..lo.rp_filter` is the path
//     net/ipv4/conf//lo/rp_filter, which the kernel resolves but which does not
//     equal the glob result net/ipv4/conf/lo/rp_filter (see boot-order.ts).
//   systemd 252 src/sysctl/sysctl.c parse_file() (systemd/systemd-stable
//     @v252.31): read_line() ends a line at \n, \r, \r\n, \n\r or NUL and fails
//     on a line over LONG_LINE_MAX (1 MiB), which ends the file; strstrip()
//     strips " \t\n\r" only (not \v or \f); `-` is taken off and the key
//     stripped again; sysctl_normalize() (src/basic/sysctl-util.c) swaps like
//     procps, then path_simplify() drops empty and `.` components and trailing
//     slashes (`..` stays, and sysctl_write() then refuses the path).
// Other versions differ (read in the same repositories): procps 4.0.5 also
// fences globs off with `-pattern` lines (fnmatch in settinglist_findpath);
// procps 3.3.x (RHEL 8 and 9) has no key globs or exclusions at all, writes each
// line at once and refuses an empty value as "invalid syntax"; systemd before 250
// writes `..` paths (no path_is_normalized check), never skips a redundant
// write, and makes one write(2) only.
//
// knobs keeps keys dotted, a `.` inside a path component written `/`
// (`net.ipv4.conf.eth0/200.forwarding` is net/ipv4/conf/eth0.200/forwarding).
// Text is handled as latin1 (one char per byte): NUL, \r, \v, \f and 0xA0 are
// what the loaders and the kernel react to, byte by byte.

import type { Loader, SysctlConfEntry } from './types.js';

export interface SysctlConfProblem {
  line: number;
  message: string;
}

/** One setting line as a loader keeps it. */
export interface LoaderLine {
  /** Line number counted by "\n", as editors (and procps) count. */
  line: number;
  /** The key as the loader keeps it, after its own stripping and `-` handling. */
  rawKey: string;
  /** The value as the loader writes it (before the "\n" it adds); null for a `-key` exclusion. */
  value: string | null;
  ignoreFailure: boolean;
  exclude: boolean;
  /** Path under /proc/sys the loader uses, spelled as it spells it (procps: not simplified). */
  path: string;
  /** The loader treats the line as a glob (`*?[` in the path). */
  glob: boolean;
  /** The key already in knobs' dotted form when it is a plain dotted key (saves converting the path back). */
  dotted?: string;
  /** Comment lines directly above. */
  comment?: string;
}

export interface ParsedLines {
  lines: LoaderLine[];
  problems: SysctlConfProblem[];
  /** procps: the longest line in bytes (systemd stops at LONG_LINE_MAX). */
  maxLine?: number;
}

const GLOB_CHARS = /[*?[]/;
/** systemd 252 LONG_LINE_MAX (src/basic/fileio.h). */
export const LONG_LINE_MAX = 1024 * 1024;

export function isGlob(key: string): boolean {
  return GLOB_CHARS.test(key);
}

const isCSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
/** systemd strstrip()'s WHITESPACE: " \t\n\r". */
const isSdSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/** procps rstrip(): never removes the first character. */
function rstripC(s: string): string {
  if (s === '') return s;
  let end = s.length - 1;
  while (end > 0 && isCSpace(s.charCodeAt(end))) end--;
  return s.slice(0, end + 1);
}

/** procps slashdot(p, '.', '/'): swap when the first separator is `.`. */
export function slashdot(key: string): string {
  const dot = key.indexOf('.');
  const slash = key.indexOf('/');
  if (dot < 0 || (slash >= 0 && slash < dot)) return key;
  if (slash < 0) return key.replaceAll('.', '/');
  return key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

/** A path without empty, `.` or `..` components and without a leading or trailing slash. */
const NOT_PLAIN = /(^|\/)\.\.?(\/|$)|\/\/|^\/|\/$|^$/;

/** systemd path_simplify() (v252) on a relative or absolute path: drop empty and `.` components, keep `..`. */
export function pathSimplify(p: string): string {
  if (!NOT_PLAIN.test(p)) return p;
  if (p === '') return p;
  const abs = p.startsWith('/');
  const parts = p.split('/').filter((c) => c !== '' && c !== '.');
  // A component over NAME_MAX stops simplification; sysctl_write() then refuses the path anyway.
  const s = parts.join('/');
  if (abs) return '/' + s;
  return s === '' ? '.' : s;
}

/** systemd sysctl_normalize(): swap like procps, path_simplify(), drop the leading slash. */
export function sysctlNormalize(key: string): string {
  let s = pathSimplify(slashdot(key));
  if (s.length > 1 && s.charCodeAt(0) === 47) s = s.slice(1);
  return s;
}

const NO_COMMENT: string[] = [];

/** Comment text above an entry, for rules that read intent. */
function commentText(lines: string[]): string | undefined {
  if (lines.length === 0) return undefined;
  const t = lines.join('\n').trim();
  return t === '' ? undefined : t;
}

function commentLine(s: string): string {
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 35 || s.charCodeAt(i) === 59)) i++;
  return s.slice(i).trim();
}

/** indexOf bounded to [from, to): a search never runs past the line. */
function indexIn(text: string, ch: string, from: number, to: number): number {
  const c = ch.charCodeAt(0);
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === c) return i;
  return -1;
}

/** `net.ipv4.tcp_rmem`: components without blanks, `/` or empty ones. */
const PLAIN_DOTTED = /^[^\s/.*?[\-][^\s/.*?[]*(?:\.[^\s/.*?[]+)*$/;

/**
 * One line. `pathOf` turns the key into the loader's path; a plain dotted key is the
 * same path for both loaders (`.` → `/`), so it skips that.
 */
function makeLine(line: number, rawKey: string, value: string | null, ignoreFailure: boolean, exclude: boolean, pathOf: (k: string) => string, comment: string[]): LoaderLine {
  const plain = rawKey.length > 0 && PLAIN_DOTTED.test(rawKey);
  const path = plain ? rawKey.replaceAll('.', '/') : pathOf(rawKey);
  const l: LoaderLine = { line, rawKey, value, ignoreFailure, exclude, path, glob: !plain && GLOB_CHARS.test(path), dotted: plain ? rawKey : undefined };
  if (comment.length > 0) {
    const c = commentText(comment);
    if (c !== undefined) l.comment = c;
  }
  return l;
}

/** The path procps 4.0.2 builds: setting_new() drops one more leading "-", then slashdot(). */
const procpsPath = (key: string) => slashdot(key.charCodeAt(0) === 45 ? key.slice(1) : key);

/**
 * Finds "=" in [from, to) without rescanning: `native` remembers where the next "="
 * of the text is, so lines without one cost nothing extra (linear over the file).
 */
class EqFinder {
  private next = -2;
  constructor(private readonly text: string) {}
  find(from: number, to: number): number {
    if (this.next < from && this.next !== -1) this.next = this.text.indexOf('=', from);
    return this.next >= from && this.next < to ? this.next : -1;
  }
}

/** procps 4.0.2 Preload() + parse_setting_line() + setting_new(). */
function parseProcps(text: string): ParsedLines {
  const lines: LoaderLine[] = [];
  const problems: SysctlConfProblem[] = [];
  let comment = NO_COMMENT;
  let n = 0;
  let start = 0;
  const len = text.length;
  const hasNul = text.includes('\0');
  const eqs = new EqFinder(text);
  let maxLine = 0;
  while (start < len) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? len : nl + 1; // getline keeps the "\n"
    const lineStart = start;
    start = end;
    n++;
    if (end - lineStart > maxLine) maxLine = end - lineStart;
    if (end - lineStart < 2) {
      comment = NO_COMMENT;
      continue;
    }
    // A C string: it ends at a NUL.
    let stop = end;
    if (hasNul) {
      const nul = indexIn(text, '\0', lineStart, end);
      if (nul >= 0) stop = nul;
    }
    // lstrip()
    let a = lineStart;
    while (a < stop && isCSpace(text.charCodeAt(a))) a++;
    if (stop - a < 2) {
      comment = NO_COMMENT;
      continue;
    }
    const first = text.charCodeAt(a);
    if (first === 35 || first === 59) {
      if (comment === NO_COMMENT) comment = [];
      comment.push(commentLine(text.slice(a, stop)));
      continue;
    }
    const eq = eqs.find(a, stop);
    let value: string | null = null;
    let ignoreFailure = false;
    let exclude = false;
    let keyStart = a;
    let keyEnd: number;
    if (eq < 0) {
      if (first !== 45 /* - */) {
        problems.push({ line: n, message: `invalid syntax (no "="), ignored: ${printable(rstripC(text.slice(a, stop)))}` });
        comment = NO_COMMENT;
        continue;
      }
      exclude = true;
      keyStart = a + 1;
      keyEnd = stop;
    } else {
      if (first === 45) {
        ignoreFailure = true;
        keyStart = a + 1;
      }
      keyEnd = eq;
      let va = eq + 1;
      while (va < stop && isCSpace(text.charCodeAt(va))) va++;
      let vb = stop;
      // rstrip() never removes the value's first character
      while (vb - 1 > va && isCSpace(text.charCodeAt(vb - 1))) vb--;
      value = text.slice(va, vb);
    }
    // rstrip(key): never the first character
    while (keyEnd - 1 > keyStart && isCSpace(text.charCodeAt(keyEnd - 1))) keyEnd--;
    const key = text.slice(keyStart, keyEnd);
    lines.push(makeLine(n, key, value, ignoreFailure, exclude, procpsPath, comment));
    comment = NO_COMMENT;
  }
  return { lines, problems, maxLine };
}

/** systemd 252 parse_file() + read_line(). */
function parseSystemd(text: string): ParsedLines {
  const lines: LoaderLine[] = [];
  const problems: SysctlConfProblem[] = [];
  let comment = NO_COMMENT;
  let pos = 0;
  let lineNo = 1; // by "\n", for people
  const len = text.length;
  // Only "\n" ends lines when there is no CR and no NUL: no byte-by-byte scan needed.
  const simple = !/[\r\0]/.test(text);
  const eqs = new EqFinder(text);
  while (pos < len) {
    let lineEnd: number;
    let next: number;
    if (simple) {
      const nl = text.indexOf('\n', pos);
      lineEnd = nl < 0 ? len : nl;
      // read_line() checks the limit before every byte, the end of line included.
      if (lineEnd - pos >= LONG_LINE_MAX) {
        problems.push({ line: lineNo, message: `line longer than ${LONG_LINE_MAX} bytes: systemd-sysctl stops reading the file here` });
        break;
      }
      next = nl < 0 ? len : nl + 1;
    } else {
      const EOL = (c: number) => (c === 10 ? 2 : c === 13 ? 4 : c === 0 ? 1 : 0);
      let i = pos;
      let prev = 0;
      let count = 0;
      lineEnd = -1;
      let tooLong = false;
      for (;;) {
        if (count >= LONG_LINE_MAX) {
          tooLong = true;
          break;
        }
        if (i >= len) break;
        const eol = EOL(text.charCodeAt(i));
        if (prev & 1 || (eol === 0 && prev !== 0) || (eol !== 0 && (prev & eol) !== 0)) break;
        i++;
        if (eol !== 0) {
          if (lineEnd < 0) lineEnd = i - 1;
          prev |= eol;
          continue;
        }
        count++;
      }
      if (tooLong) {
        problems.push({ line: lineNo, message: `line longer than ${LONG_LINE_MAX} bytes: systemd-sysctl stops reading the file here` });
        break;
      }
      if (lineEnd < 0) lineEnd = i;
      next = i;
    }
    const here = lineNo;
    if (simple) {
      if (next > lineEnd) lineNo++;
    } else for (let i = pos; i < next; i++) if (text.charCodeAt(i) === 10) lineNo++;
    // strstrip()
    let a = pos;
    let b = lineEnd;
    pos = next;
    while (a < b && isSdSpace(text.charCodeAt(a))) a++;
    while (b > a && isSdSpace(text.charCodeAt(b - 1))) b--;
    if (a === b) {
      comment = NO_COMMENT;
      continue;
    }
    const first = text.charCodeAt(a);
    if (first === 35 || first === 59 || first === 10) {
      if (comment === NO_COMMENT) comment = [];
      comment.push(commentLine(text.slice(a, b)));
      continue;
    }
    const eq = eqs.find(a, b);
    let value: string | null = null;
    let ignoreFailure = false;
    let exclude = false;
    let ka = a;
    let kb = b;
    if (eq >= 0) {
      if (first === 45) {
        ignoreFailure = true;
        ka = a + 1;
      }
      kb = eq;
      let va = eq + 1;
      let vb = b;
      while (va < vb && isSdSpace(text.charCodeAt(va))) va++;
      while (vb > va && isSdSpace(text.charCodeAt(vb - 1))) vb--;
      value = text.slice(va, vb);
    } else if (first === 45) {
      exclude = true;
      ka = a + 1;
    } else {
      problems.push({ line: here, message: `not an assignment, ignored: ${printable(text.slice(a, b))}` });
      comment = NO_COMMENT;
      continue;
    }
    while (ka < kb && isSdSpace(text.charCodeAt(ka))) ka++;
    while (kb > ka && isSdSpace(text.charCodeAt(kb - 1))) kb--;
    const rawKey = text.slice(ka, kb);
    lines.push(makeLine(here, rawKey, value, ignoreFailure, exclude, sysctlNormalize, comment));
    comment = NO_COMMENT;
  }
  return { lines, problems };
}

/** Every setting line of one file as `loader` reads it. */
export function parseSysctlLines(text: string, loader: Loader): ParsedLines {
  return loader === 'procps' ? parseProcps(text) : parseSystemd(text);
}

/**
 * systemd's lines (not its problems) from procps' parse of the same text, when
 * the two tokenisers can only differ in the key: no CR, NUL, vertical tab or form
 * feed, no line near LONG_LINE_MAX, and a last line that ends in "\n" or is
 * longer than one byte. A plain dotted key is the same line for both; any other
 * key is stripped and normalised again as systemd does (procps keeps the blank of
 * `- key`). Null when the text is not that simple: parse it as systemd.
 */
export function systemdLinesFromProcps(text: string, procps: ParsedLines): LoaderLine[] | null {
  if ((procps.maxLine ?? Infinity) >= LONG_LINE_MAX - 1) return null;
  if (/[\r\0\v\f]/.test(text)) return null;
  const tail = text.length - 1 - text.lastIndexOf('\n');
  if (tail === 1) return null;
  return procps.lines.map((l) => {
    if (l.dotted !== undefined) return l;
    let a = 0;
    let b = l.rawKey.length;
    while (a < b && isSdSpace(l.rawKey.charCodeAt(a))) a++;
    while (b > a && isSdSpace(l.rawKey.charCodeAt(b - 1))) b--;
    const out = makeLine(l.line, l.rawKey.slice(a, b), l.value, l.ignoreFailure, l.exclude, sysctlNormalize, NO_COMMENT);
    if (l.comment !== undefined) out.comment = l.comment;
    return out;
  });
}

/** Control bytes shown escaped in messages. */
export function printable(s: string): string {
  return s.replace(/[\0-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).replace(/\t/g, '\\t');
}

// ---- paths and keys -----------------------------------------------------------

/** `net/ipv4/conf/enp3s0.200/forwarding` → `net.ipv4.conf.enp3s0/200.forwarding`. */
export function procPathToKey(rel: string): string {
  if (!rel.includes('.') && !rel.includes('//') && !rel.startsWith('/') && !rel.endsWith('/')) return rel.replaceAll('/', '.');
  return rel
    .split('/')
    .filter((c) => c !== '')
    .map((c) => c.replace(/\./g, '/'))
    .join('.');
}

/** Relative /proc/sys path of a normalised key (`net/ipv4/conf/enp3s0.200/forwarding`). */
export function keyToProcPath(key: string): string {
  if (!key.includes('/')) return key.replaceAll('.', '/');
  return key
    .split('.')
    .map((c) => c.replace(/\//g, '.'))
    .join('/');
}

/**
 * A key as people type it (dotted or `/`-spelled) → knobs' dotted key, the
 * way systemd reads it. Used for keys on the command line and in profiles.
 */
export function normaliseSysctlKey(raw: string): string {
  const p = sysctlNormalize(raw.trim());
  return p === '.' || p === '/' ? '' : procPathToKey(p);
}

/**
 * Parse one file as the active loader reads it, in knobs' entry form (the
 * facts): keys dotted, values as the loader passes them to the kernel.
 */
export function parseSysctlConf(text: string, loader: Loader = 'systemd'): { entries: SysctlConfEntry[]; problems: SysctlConfProblem[] } {
  const { lines, problems } = parseSysctlLines(text, loader);
  return { entries: lines.map((l) => toEntry(l)), problems };
}

/** knobs' entry for a loader line; `key` is the file the path names when it resolves, else the path as spelled. */
export function toEntry(l: LoaderLine, resolved?: string | null): SysctlConfEntry {
  // Built field by field: this runs once per line of every file (no object spread in the hot path).
  const e: SysctlConfEntry = { line: l.line, key: resolved ?? pathToDisplayKey(l.path), value: l.value, ignoreFailure: l.ignoreFailure, exclude: l.exclude, glob: l.glob };
  if (l.comment !== undefined) e.comment = l.comment;
  return e;
}

/** A loader path shown as a dotted key; a path knobs cannot name cleanly keeps its spelling. */
function pathToDisplayKey(path: string): string {
  if (!path.includes('.') && !path.includes('//') && !path.startsWith('/') && !path.endsWith('/') && path !== '') return path.replaceAll('/', '.');
  const clean = path.split('/').every((c) => c !== '' && c !== '.' && c !== '..');
  return clean ? procPathToKey(path) : path;
}

/**
 * Resolve `..` and `.` of a path under /proc/sys the way the kernel walks it:
 * `..` needs the component before it to be a directory (`isDir`), else the walk
 * fails (ENOENT/ENOTDIR: null). `outside` when `..` climbs out of /proc/sys
 * (realpath() then fails procps' check: "Path is not under /proc/sys").
 */
export function resolveProcPath(path: string, isDir: (rel: string) => boolean): { rel: string; trailingSlash: boolean } | { outside: true } | null {
  if (!path.includes('.') && !path.includes('//') && !path.startsWith('/') && !path.endsWith('/')) return { rel: path, trailingSlash: false };
  // Walked from /proc/sys; `..` may leave it and come back (net/../../sys/net/x is net/x).
  const out = ['proc', 'sys'];
  const inside = () => out.length >= 2 && out[0] === 'proc' && out[1] === 'sys';
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (inside() && out.length > 2 && !isDir(out.slice(2).join('/'))) return null;
      if (out.length > 0) out.pop();
      continue;
    }
    out.push(c);
  }
  if (!inside()) return { outside: true };
  return { rel: out.slice(2).join('/'), trailingSlash: path.endsWith('/') };
}

// ---- glob(3) ----------------------------------------------------------------------

/** Is this one path component magic for glob(3)? `[` only with a closing `]`. */
export function componentIsMagic(c: string): boolean {
  for (let i = 0; i < c.length; i++) {
    const ch = c[i]!;
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '*' || ch === '?') return true;
    if (ch === '[' && bracketEnd(c, i) >= 0) return true;
  }
  return false;
}

/** Index of the `]` closing the bracket opened at `start`, or -1 (then `[` is literal). */
function bracketEnd(p: string, start: number): number {
  let j = start + 1;
  if (p[j] === '!' || p[j] === '^') j++;
  if (p[j] === ']') j++; // a leading `]` is a member
  for (; j < p.length; j++) {
    if (p[j] === '[' && p[j + 1] === ':') {
      const close = p.indexOf(':]', j + 2);
      if (close >= 0) {
        j = close + 1;
        continue;
      }
    }
    if (p[j] === ']') return j;
  }
  return -1;
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(c) ? `\\${c}` : c;
}

const CLASSES: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: '0-9A-Za-z', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v',
  xdigit: '0-9A-Fa-f', punct: '!-\\/:-@\\[-`{-~', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f', print: ' -~', graph: '!-~',
};

/** fnmatch(3) of one component, without FNM_NOESCAPE; a leading `.` only matches a literal `.`. */
export function componentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '[') {
      const end = bracketEnd(pattern, i);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body[0] === '!' || body[0] === '^';
      if (negate) body = body.slice(1);
      let cls = '';
      for (let j = 0; j < body.length; j++) {
        const b = body[j]!;
        if (b === '[' && body[j + 1] === ':') {
          const close = body.indexOf(':]', j + 2);
          if (close >= 0) {
            cls += CLASSES[body.slice(j + 2, close)] ?? '';
            j = close + 1;
            continue;
          }
        }
        if (b === '\\' && j + 1 < body.length) cls += escapeRe(body[++j]!);
        else if (b === '-' && j > 0 && j < body.length - 1) cls += '-';
        else cls += escapeRe(b);
      }
      re += negate ? `[^${cls}]` : `[${cls}]`;
      i = end;
    } else re += escapeRe(c);
  }
  // glob(3) without GLOB_PERIOD: a wildcard never matches a leading dot.
  const leadingDot = pattern.startsWith('.') || pattern.startsWith('\\.');
  return new RegExp(`^${leadingDot ? '' : '(?!\\.)'}${re}$`, 's');
}

/** A literal component with glob(3)'s backslash escapes removed. */
export function unescapeComponent(c: string): string {
  return c.replace(/\\(.)/g, '$1');
}

/**
 * glob(7) over a dotted key (`*` stays inside one component; a `/` inside a
 * component is a literal `.` of the file name, so `eth*` matches `eth0/200`).
 */
export function globToRegExp(pattern: string): RegExp {
  const parts = pattern.split('.').map((c) => componentRegExp(c.replace(/\//g, '.')).source.replace(/^\^|\$$/g, ''));
  return new RegExp(`^${parts.join('\\.')}$`);
}

export function globMatches(pattern: string, key: string): boolean {
  const kp = key.split('.');
  const pp = pattern.split('.');
  return kp.length === pp.length && pp.every((p, i) => componentRegExp(p.replace(/\//g, '.')).test(kp[i]!.replace(/\//g, '.')));
}
