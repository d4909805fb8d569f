// sysctl.d / sysctl.conf syntax, as systemd-sysctl (v252) and procps `sysctl
// --system` (4.0.2) read it. Pure: text in, entries out.
//
// Key spelling: both loaders turn a key into a /proc/sys path the same way —
// if the first separator is `/` the key already is a path; if it is `.`, every
// `.` and `/` swap (`net.ipv4.conf.eth0/200.forwarding` is the path
// `net/ipv4/conf/eth0.200/forwarding`). knobs keeps keys in the dotted form,
// where a `.` inside a path component is written `/`, so two spellings of one
// key compare equal.

import { fold } from './values.js';
import type { SysctlConfEntry } from './types.js';

export interface SysctlConfProblem {
  line: number;
  message: string;
}

export interface ParsedSysctlConf {
  entries: SysctlConfEntry[];
  problems: SysctlConfProblem[];
}

const GLOB_CHARS = /[*?[]/;

export function isGlob(key: string): boolean {
  return GLOB_CHARS.test(key);
}

/** Path components of a key as written in a file (either spelling). */
function pathComponents(raw: string): string[] {
  const first = raw.search(/[./]/);
  // A dotted key is turned into a path by swapping `.` and `/`.
  const asPath = first >= 0 && raw[first] === '.' ? raw.replace(/[./]/g, (c) => (c === '.' ? '/' : '.')) : raw;
  // Like systemd's path_simplify: `a//b`, `/a/`, `a/./b` name the same file.
  return asPath.split('/').filter((c) => c !== '' && c !== '.');
}

/** `net/ipv4/conf/enp3s0.200/forwarding` → `net.ipv4.conf.enp3s0/200.forwarding`; dotted keys stay as they are. */
export function normaliseSysctlKey(raw: string): string {
  return pathComponents(raw.trim())
    .map((c) => c.replace(/\./g, '/'))
    .join('.');
}

/** Relative /proc/sys path of a normalised key (`net/ipv4/conf/enp3s0.200/forwarding`). */
export function keyToProcPath(key: string): string {
  return key
    .split('.')
    .map((c) => c.replace(/\//g, '.'))
    .join('/');
}

/** Normalised key of a path relative to /proc/sys. */
export function procPathToKey(rel: string): string {
  return rel
    .split('/')
    .filter((c) => c !== '')
    .map((c) => c.replace(/\./g, '/'))
    .join('.');
}

/**
 * glob(7) over a dotted key: `*`, `?`, `[abc]`, `[!a-z]`/`[^a-z]`, `\x`.
 * Components are separated by `.`; a `/` inside a component is a literal `.` of
 * the real file name, so `eth*` matches `eth0/200` (the interface `eth0.200`).
 */
export function globToRegExp(pattern: string): RegExp {
  const any = '[^.]';
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += `${any}*`;
    else if (c === '?') re += any;
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
      const cls = body.replace(/[\\\]^]/g, (m) => `\\${m}`);
      // A bracket never matches the separator in glob(3) (FNM_PATHNAME).
      re += negate ? `[^${cls}.]` : `(?!\\.)[${cls}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

/** Index of the `]` closing the bracket opened at `start`, or -1 (then `[` is literal). */
function bracketEnd(p: string, start: number): number {
  let j = start + 1;
  if (p[j] === '!' || p[j] === '^') j++;
  if (p[j] === ']') j++; // a leading `]` is a member, not the end
  const end = p.indexOf(']', j);
  return end;
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

export function globMatches(pattern: string, key: string): boolean {
  return globToRegExp(pattern).test(key);
}

/**
 * Parse one sysctl config file. Lines the loaders would skip with a warning are
 * returned as problems, never thrown: a bad line does not stop the boot either.
 */
export function parseSysctlConf(text: string): ParsedSysctlConf {
  const entries: SysctlConfEntry[] = [];
  const problems: SysctlConfProblem[] = [];
  let comment: string[] = [];
  const lines = text.split('\n');
  // A final newline does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  lines.forEach((rawLine, idx) => {
    const line = idx + 1;
    const text = rawLine.trim(); // also drops the \r of CRLF files
    if (text === '') {
      comment = [];
      return;
    }
    if (text[0] === '#' || text[0] === ';') {
      comment.push(text.replace(/^[#;]+/, '').trim());
      return;
    }
    const above = comment.join('\n').trim() || undefined;
    comment = [];

    const eq = text.indexOf('=');
    let keyPart: string;
    let value: string | null = null;
    let ignoreFailure = false;
    let exclude = false;
    if (eq >= 0) {
      keyPart = text.slice(0, eq);
      value = fold(text.slice(eq + 1));
      if (keyPart.startsWith('-')) {
        ignoreFailure = true;
        keyPart = keyPart.slice(1);
      }
    } else if (text.startsWith('-')) {
      exclude = true;
      keyPart = text.slice(1);
    } else {
      problems.push({ line, message: `not an assignment (no "="), ignored: ${text}` });
      return;
    }

    const key = normaliseSysctlKey(keyPart);
    if (key === '') {
      problems.push({ line, message: `no key before "=", ignored: ${text}` });
      return;
    }
    if (/\s/.test(key)) {
      // Both loaders would try to open a /proc/sys path with a space in it and fail.
      problems.push({ line, message: `key contains whitespace: "${key}"` });
    }
    entries.push({
      line,
      key,
      value,
      ignoreFailure,
      exclude,
      glob: isGlob(key),
      ...(above !== undefined ? { comment: above } : {}),
    });
  });
  return { entries, problems };
}
