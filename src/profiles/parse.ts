// Profile INI → typed Profile, validated against the key catalogue.
// `ini` gives the structure; it reports no line numbers and drops comments, so a
// light line scan supplies both: every error names file:line and key, and the
// comment above each key becomes its rationale.
//
// Target syntax in [sysctl] (tuned's `>`/`<`, extended):
//   key = 4096          exact
//   key = >4096         at least (per field: `>4096 131072 16777216`)
//   key = <30           at most
//   key = 1|2           one of
// [limits]: `domain:type:item = value`, e.g. `*:soft:nofile = 65536` (a minimum).

import ini from 'ini';
import { keyInfo, knownKeys, rejectReason } from '../core/catalog.js';
import { OTHER_ITEMS, RLIMIT_ITEMS } from '../core/limits-conf.js';
import { fold, plainValue } from '../core/values.js';
import { neverWriteReason } from '../core/write-checks.js';
import type { LimitTarget, Profile, SysctlTarget, TargetOp } from '../core/types.js';
import { inputError } from '../errors.js';

/** Items a profile may set: what pam_limits accepts (one list, in limits-conf.ts). */
export const LIMIT_ITEMS: readonly string[] = [...RLIMIT_ITEMS, ...OTHER_ITEMS];

export interface LineInfo {
  line: number;
  comment: string;
  /** Text after the first `=`, trimmed (the `ini` package's view may differ: it drops `;` comments). */
  raw: string;
}

/** section → key → where it is, its raw value and the comment block right above it. */
export function scanLines(text: string): Map<string, Map<string, LineInfo>> {
  const out = new Map<string, Map<string, LineInfo>>();
  let section = '';
  let comment: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') {
      comment = [];
      return;
    }
    if (line.startsWith(';') || line.startsWith('#')) {
      comment.push(line.replace(/^[;#]\s?/, ''));
      return;
    }
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!.trim();
      comment = [];
      return;
    }
    const eq = line.indexOf('=');
    const key = (eq === -1 ? line : line.slice(0, eq)).trim();
    if (!out.has(section)) out.set(section, new Map());
    out.get(section)!.set(key, { line: i + 1, comment: comment.join(' '), raw: eq === -1 ? '' : line.slice(eq + 1).trim() });
    comment = [];
  });
  return out;
}

export function parseTarget(raw: string): { op: TargetOp; values: string[] } {
  const v = fold(raw.replace(/^"(.*)"$/, '$1'));
  if (v.includes('|')) return { op: 'oneOf', values: v.split('|').map((x) => fold(x)) };
  const parts = v.split(' ');
  const prefix = (f: string) => (f.startsWith('>') || f.startsWith('<') ? f[0]! : '');
  const rest = parts.slice(1).map(prefix);
  // A prefix on the first field only, or the same prefix on every field, applies to all fields.
  const uniform = rest.every((p) => p === '') || rest.every((p) => p === prefix(parts[0]!));
  if (!uniform) return { op: 'perField', values: [v] };
  if (v.startsWith('>')) return { op: 'atLeast', values: [fold(v.replace(/>/g, ''))] };
  if (v.startsWith('<')) return { op: 'atMost', values: [fold(v.replace(/</g, ''))] };
  return { op: 'exact', values: [v] };
}

/** Closest known key by edit distance, for "did you mean". */
export function suggestKey(key: string, candidates: readonly string[] = knownKeys()): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(key, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(2, Math.floor(key.length / 8)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

const DOMAIN = /^(\*|@?[A-Za-z_][A-Za-z0-9_.-]*\$?|%[A-Za-z_][A-Za-z0-9_.-]*|@?\d*:\d*)$/;

/** Names the `ini` parser drops without a word (prototype pollution guard): refused instead, with their line. */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

export function rejectReservedNames(file: string, lines: Map<string, Map<string, LineInfo>>, text: string): void {
  text.split(/\r?\n/).forEach((raw, i) => {
    const sec = /^\s*\[(.+)\]\s*$/.exec(raw);
    if (sec && [...RESERVED].some((r) => sec[1]!.trim().split('.').includes(r))) {
      throw inputError(file, i + 1, `[${sec[1]!.trim()}]`, 'reserved name; expected [main], [sysctl] or [limits]');
    }
  });
  for (const [section, keys] of lines) {
    for (const [key, info] of keys) {
      if (RESERVED.has(key) || RESERVED.has(key.replace(/\[\]$/, ''))) {
        throw inputError(file, info.line, key, `reserved name in [${section}]; not a sysctl key, limit or setting`);
      }
    }
  }
}

export function parseProfile(name: string, file: string, text: string): Profile {
  const parsed = ini.parse(text) as Record<string, unknown>;
  const lines = scanLines(text);
  rejectReservedNames(file, lines, text);
  const where = (section: string, key: string) => lines.get(section)?.get(key)?.line ?? null;
  const section = (s: string): Record<string, string> => {
    const v = parsed[s];
    if (v === undefined) return {};
    if (typeof v !== 'object' || v === null) throw inputError(file, where('', s), s, `expected a [${s}] section`);
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
      if (typeof val === 'object') {
        throw inputError(file, where(s, k), k, 'nested sections are not supported (a dot in a section name?)');
      }
      out[k] = String(val);
    }
    return out;
  };

  for (const s of Object.keys(parsed)) {
    if (!['main', 'sysctl', 'limits'].includes(s)) {
      throw inputError(file, where('', `[${s}]`), `[${s}]`, 'unknown section; expected [main], [sysctl] or [limits]');
    }
  }
  const main = section('main');
  const summary = main.summary?.trim() ?? '';
  if (!summary) throw inputError(file, where('main', 'summary'), 'summary', 'every profile needs [main] summary = <one line>');
  const includes = (main.include ?? '').split(/[,;]/).map((s) => s.trim()).filter(Boolean);

  const sysctl: SysctlTarget[] = [];
  for (const [rawKey, rawValue] of Object.entries(section('sysctl'))) {
    const key = rawKey.trim();
    const line = where('sysctl', rawKey);
    if (!keyInfo(key)) {
      const guess = suggestKey(key);
      throw inputError(file, line, key, `unknown key${guess ? ` (did you mean ${guess}?)` : ''}; knobs only sets keys it knows (see \`knobs explain\`)`);
    }
    const { op, values } = parseTarget(rawValue);
    for (const v of op === 'perField' ? [plainValue(values)] : values) {
      const why = rejectReason(key, v, null);
      if (why) throw inputError(file, line, key, `bad value "${v}" on current kernels: ${why}`);
      const never = neverWriteReason(key, v.replace(/[<>]/g, ''));
      if (never) throw inputError(file, line, key, never);
    }
    sysctl.push({ key, op, values, rationale: lines.get('sysctl')?.get(rawKey)?.comment ?? '', profile: name, source: { file, line } });
  }

  const limits: LimitTarget[] = [];
  for (const [rawKey, rawValue] of Object.entries(section('limits'))) {
    const line = where('limits', rawKey);
    const parts = rawKey.trim().split(':');
    // uid ranges contain a colon themselves: domain is everything before the last two parts.
    const item = parts.pop() ?? '';
    const type = parts.pop() ?? '';
    const domain = parts.join(':');
    if (!DOMAIN.test(domain)) throw inputError(file, line, rawKey, `bad domain "${domain}"; expected user, @group, * or a uid range`);
    if (type !== 'soft' && type !== 'hard') throw inputError(file, line, rawKey, `bad type "${type}"; expected soft or hard (write two lines for both)`);
    if (!LIMIT_ITEMS.includes(item)) {
      throw inputError(file, line, rawKey, `unknown item "${item}"; expected one of ${LIMIT_ITEMS.join(', ')}`);
    }
    const value = fold(rawValue);
    if (!/^(\d+|unlimited|infinity|-1)$/.test(value)) {
      throw inputError(file, line, rawKey, `bad value "${value}"; expected a number or unlimited`);
    }
    limits.push({ domain, type, item, value, rationale: lines.get('limits')?.get(rawKey)?.comment ?? '', profile: name });
  }
  return { name, summary, includes, file, sysctl, limits };
}
