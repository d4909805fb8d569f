// limits.conf / limits.d parsing, faithful to pam_limits.c (Linux-PAM 1.5.x, as
// shipped by Debian 12): a line is `<domain> <type> <item> <value>`, `#` starts a
// comment anywhere on the line, fields are separated by any whitespace (sscanf
// `%s`), type/item/value are case-insensitive. pam_limits skips a line it cannot
// use and carries on; so do we, and report the line with its number.
// Pure: no I/O here (src/host/limits.ts reads the files).

import type { LimitLine } from './types.js';

export interface LimitsConfProblem {
  line: number;
  message: string;
}

/** `<domain> -` (two fields): pam_limits imposes no limits at all on a matching user. */
export interface LimitsExemption {
  file: string;
  line: number;
  domain: string;
}

export interface ParsedLimitsConf {
  lines: LimitLine[];
  problems: LimitsConfProblem[];
  /** `<domain> -` lines (rare; pam_limits stops and sets nothing when one matches). */
  exempt: LimitsExemption[];
}

/** Items that are resource limits (setrlimit), with their unit after pam's scaling. */
export const RLIMIT_ITEMS = [
  'core', 'data', 'fsize', 'memlock', 'nofile', 'rss', 'stack', 'cpu', 'nproc', 'as',
  'locks', 'sigpending', 'msgqueue', 'nice', 'rtprio',
] as const;
export type RlimitItem = (typeof RLIMIT_ITEMS)[number];

/** Items pam_limits accepts that are not rlimits (login counts, priority, prctl, Debian's chroot). */
export const OTHER_ITEMS = ['maxlogins', 'maxsyslogins', 'priority', 'nonewprivs', 'chroot'] as const;

/** Size items are written in KiB in limits.conf (pam multiplies by 1024). */
export const KB_ITEMS: ReadonlySet<string> = new Set(['core', 'data', 'fsize', 'memlock', 'rss', 'stack', 'as']);

/** Values pam_limits reads as "no limit" (after lower-casing); not for nice/priority. */
const UNLIMITED_WORDS = new Set(['unlimited', 'infinity', '-1', '-']);

const KNOWN_ITEMS: ReadonlySet<string> = new Set<string>([...RLIMIT_ITEMS, ...OTHER_ITEMS]);

export function isRlimitItem(item: string): item is RlimitItem {
  return (RLIMIT_ITEMS as readonly string[]).includes(item);
}

/** pam_limits' uid/gid range forms, from parse_uid_range(). */
export type DomainRange =
  | { kind: 'none' }
  /** `:N` or `@:N`: exactly this uid (or membership of gid N for `@:N`). */
  | { kind: 'one'; id: number }
  /** `N:`: id >= N. */
  | { kind: 'min'; min: number }
  /** `N:M`: N <= id <= M. */
  | { kind: 'range'; min: number; max: number };

/**
 * The range part of a domain, as pam_limits parses it; `null` when the domain contains
 * `:` but is not a valid range (pam logs "invalid uid range" and skips the line).
 * Note (pam_limits.c, not the brief): `:N` means exactly N, not "up to N".
 */
export function parseDomainRange(domain: string): DomainRange | null {
  const colon = domain.indexOf(':');
  if (colon < 0) return { kind: 'none' };
  const body = domain[0] === '@' || domain[0] === '%' ? domain.slice(1) : domain;
  const m = /^(\d*):(\d*)$/.exec(body);
  if (!m) return null;
  const [, lo = '', hi = ''] = m;
  if (lo === '' && hi === '') return null;
  if (lo === '') return { kind: 'one', id: Number(hi) };
  if (hi === '') return { kind: 'min', min: Number(lo) };
  return { kind: 'range', min: Number(lo), max: Number(hi) };
}

/**
 * A limit value as pam_limits would read it for `item`: `{ unlimited: true }`, a
 * number in the file's unit (KiB for size items, minutes for cpu), or an error.
 * `trailing` is set when pam's strtoul would ignore characters after the digits.
 */
export function parseLimitValue(
  item: string,
  raw: string,
): { unlimited: true } | { unlimited: false; n: number; trailing?: string } | { error: string } {
  const v = raw.toLowerCase();
  const signed = item === 'nice' || item === 'priority';
  if (item === 'nonewprivs') {
    return v === '0' || v === '1' ? { unlimited: false, n: Number(v) } : { error: 'nonewprivs takes 0 or 1' };
  }
  if (item === 'chroot') return { unlimited: false, n: 0 };
  if (!signed && UNLIMITED_WORDS.has(v)) return { unlimited: true };
  const m = signed ? /^\s*([+-]?\d+)(.*)$/.exec(v) : /^\s*\+?(\d+)(.*)$/.exec(v);
  if (!m) {
    if (!signed && /^\s*-\d/.test(v)) return { error: `negative value '${raw}' (only -1 means unlimited)` };
    return { error: `value '${raw}' is not a number${signed ? '' : ' or unlimited/infinity/-1'}` };
  }
  const n = Number(m[1]);
  const rest = m[2] ?? '';
  return rest === '' ? { unlimited: false, n } : { unlimited: false, n, trailing: rest };
}

/**
 * A limit value as a number, to compare values of the same item (in the file's
 * unit): "no limit" is fs.nr_open for nofile (pam_limits substitutes it) and
 * Infinity otherwise; undefined when pam_limits would skip the value.
 */
export function comparableLimit(item: string, raw: string, nrOpen: number): number | undefined {
  const v = parseLimitValue(item, raw.trim());
  if ('error' in v) return undefined;
  if (v.unlimited) return item === 'nofile' ? nrOpen : Infinity;
  return v.n;
}

/**
 * Parse one limits.conf-format file. `file` is the host path recorded on every line
 * (`/etc/security/limits.d/90-x.conf`). Lines pam_limits would skip are not in
 * `lines`; each is in `problems` with the reason.
 */
export function parseLimitsConf(text: string, file: string): ParsedLimitsConf {
  const lines: LimitLine[] = [];
  const problems: LimitsConfProblem[] = [];
  const exempt: LimitsExemption[] = [];
  const rows = text.split('\n');
  // A trailing newline does not start another line.
  if (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  rows.forEach((row, idx) => {
    const lineNo = idx + 1;
    const hash = row.indexOf('#');
    const body = hash >= 0 ? row.slice(0, hash) : row;
    const fields = body.split(/\s+/).filter((f) => f !== '');
    if (fields.length === 0) return;
    const [domain = '', rawType = '', rawItem = '', value = ''] = fields;
    const range = parseDomainRange(domain);
    if (range === null) {
      problems.push({ line: lineNo, message: `invalid uid/gid range '${domain}' (pam_limits skips the line)` });
      return;
    }
    const type = rawType.toLowerCase();
    if (fields.length === 2 && type === '-') {
      exempt.push({ file, line: lineNo, domain });
      return;
    }
    if (fields.length < 4) {
      problems.push({
        line: lineNo,
        message: `expected '<domain> <type> <item> <value>', got ${fields.length} field${fields.length === 1 ? '' : 's'} (pam_limits skips the line)`,
      });
      return;
    }
    if (fields.length > 4) {
      problems.push({ line: lineNo, message: `extra fields after the value are ignored: '${fields.slice(4).join(' ')}'` });
    }
    const item = rawItem.toLowerCase();
    if (!KNOWN_ITEMS.has(item)) {
      problems.push({ line: lineNo, message: `unknown item '${rawItem}' (pam_limits skips the line)` });
      return;
    }
    const loginItem = item === 'maxlogins' || item === 'maxsyslogins' || item === 'nonewprivs';
    if (type !== 'soft' && type !== 'hard' && type !== '-' && !loginItem) {
      problems.push({ line: lineNo, message: `type '${rawType}' is not soft, hard or - (pam_limits skips the line)` });
      return;
    }
    const parsed = parseLimitValue(item, value);
    if ('error' in parsed) {
      problems.push({ line: lineNo, message: `${item}: ${parsed.error} (pam_limits skips the line)` });
      return;
    }
    if (!parsed.unlimited && parsed.trailing !== undefined) {
      problems.push({ line: lineNo, message: `${item}: '${value}' is read as ${parsed.n} (pam_limits ignores '${parsed.trailing}')` });
    }
    if (domain.startsWith('%') && !loginItem) {
      problems.push({ line: lineNo, message: `'%' domains apply to maxlogins only; pam_limits ignores ${item} here` });
    }
    const normType: LimitLine['type'] = type === 'soft' || type === 'hard' ? type : '-';
    lines.push({ file, line: lineNo, domain, type: normType, item, value });
  });
  return { lines, problems, exempt };
}
