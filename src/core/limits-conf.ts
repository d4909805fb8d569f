// limits.conf / limits.d parsing, as pam_limits.c does it (parse_config_file,
// parse_uid_range, process_limit). Read at linux-pam v1.1.8, v1.3.1, v1.4.0, v1.5.2
// (+ Debian 1.5.2-6+deb12u1 patches), v1.5.3, v1.6.0, v1.6.1 and v1.7.0; checked against
// the real pam_limits of Debian 12 through `su` (test/oracle/pam-limits.test.ts).
//
// How a file is read (≤ 1.5.x; the 1.6 changes are selected by `split`):
// - fgets() into a 1024-byte buffer: a longer line arrives in 1023-byte pieces, each
//   parsed as a line of its own (1.6.0 moved to getline()). A NUL ends the line's text.
// - Leading isspace() is skipped, everything from the first `#` is a comment, then the
//   newline is cut. Nothing left: skipped silently.
// - sscanf("%s%s%s%s"): up to four fields separated by any isspace() (blank, tab, CR,
//   VT, FF); a fifth field is ignored without a word. From 1.6.0 the first three are
//   split on blank/tab only and the value is the whole rest of the line (1.6.1 trims it).
// - The type is lower-cased always; item and value when the line has four fields.
// - The domain's uid/gid range is checked first: a bad one ("invalid uid range") skips
//   the line even when it has fewer fields.
// - Four fields: a limit line. Two fields with a type starting with `-`: "no limits"
//   for the matching user (pam stops reading and sets nothing). Anything else:
//   "invalid line ... - skipped" (LOG_WARNING).
// - Unknown items, unknown types and values it cannot read are dropped with a
//   LOG_DEBUG message only, which nobody sees without the `debug` option.
// Pure: no I/O here (src/host/limits.ts reads the files).

import { RLIM_INFINITY, isCSpace, strtol, strtoull } from './c-numbers.js';
import type { PamSplit } from './pam-module.js';
import type { LimitLine, PamLineProblem } from './types.js';

export type LimitsConfProblem = Omit<PamLineProblem, 'file'>;

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

export interface PamParseOptions {
  /** How fields are cut (≤ 1.5.x sscanf; default). */
  split?: PamSplit;
  /** The `chroot` item exists (Debian patch 008); null = unknown (kept, flagged). */
  chroot?: boolean | null;
}

/** Items that are resource limits (setrlimit), with their unit after pam's scaling. */
export const RLIMIT_ITEMS = [
  'core', 'data', 'fsize', 'memlock', 'nofile', 'rss', 'stack', 'cpu', 'nproc', 'as',
  'locks', 'sigpending', 'msgqueue', 'nice', 'rtprio',
] as const;
export type RlimitItem = (typeof RLIMIT_ITEMS)[number];

/** Items pam_limits accepts that are not rlimits (login counts, priority, prctl, Debian's chroot). */
export const OTHER_ITEMS = ['maxlogins', 'maxsyslogins', 'priority', 'nonewprivs', 'chroot'] as const;
/** Items whose type field pam_limits does not check. */
const TYPELESS_ITEMS: ReadonlySet<string> = new Set(['maxlogins', 'maxsyslogins', 'nonewprivs']);

/** Size items are written in KiB in limits.conf (pam multiplies by 1024). */
export const KB_ITEMS: ReadonlySet<string> = new Set(['core', 'data', 'fsize', 'memlock', 'rss', 'stack', 'as']);

/** Values pam_limits reads as "no limit" (after lower-casing); not for nice/priority/nonewprivs. */
const UNLIMITED_WORDS = new Set(['unlimited', 'infinity', '-1', '-']);

export function isRlimitItem(item: string): item is RlimitItem {
  return (RLIMIT_ITEMS as readonly string[]).includes(item);
}

/** C tolower() on ASCII only (what pam applies to type, item and value). */
export const cLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

// ---- domains --------------------------------------------------------------------

/** pam_limits' uid/gid range forms, from parse_uid_range(). */
export type DomainRange =
  | { kind: 'none' }
  /** `:N` or `@:N`: exactly this uid (or membership of gid N for `@:N`). */
  | { kind: 'one'; id: number }
  /** `N:`: id >= N. */
  | { kind: 'min'; min: number }
  /** `N:M`: N <= id <= M. */
  | { kind: 'range'; min: number; max: number };

/** uid_t/gid_t are 32 bits: strtoul's unsigned long is truncated on assignment. */
const toId = (v: bigint): number => Number(v & 0xffffffffn);

/**
 * The range part of a domain, as parse_uid_range() reads it; `null` when pam logs
 * "invalid uid range" and skips the line. The first `:` splits; each side is read by
 * strtoul (so `+5` and even `-5` — 2^64-5 truncated to 32 bits — are numbers), and must
 * be followed by exactly `:` / the end. `:N` means exactly N, not "up to N".
 */
export function parseDomainRange(domain: string): DomainRange | null {
  const colon = domain.indexOf(':');
  if (colon < 0) return { kind: 'none' };
  const pmax = domain.slice(colon + 1);
  const range = domain[0] === '@' || domain[0] === '%' ? domain.slice(1) : domain;
  let min = 0;
  const one = range[0] === ':';
  if (!one) {
    const r = strtoull(range, 10);
    if (r.erange || r.consumed === 0 || range[r.consumed] !== ':') return null;
    min = toId(r.value);
  }
  if (pmax === '') return one ? null : { kind: 'min', min };
  const r = strtoull(pmax, 10);
  if (r.erange || r.consumed === 0 || r.consumed !== pmax.length) return null;
  const max = toId(r.value);
  return one ? { kind: 'one', id: max } : { kind: 'range', min, max };
}

// ---- values ---------------------------------------------------------------------------

export type PamValue =
  /** `-1`, `-`, `unlimited`, `infinity`: RLIM_INFINITY (for nofile fs.nr_open from 1.5.2). */
  | { kind: 'unlimited' }
  /** What strtoull/strtol return, in the file's unit; `trailing` is text the parser stopped at. */
  | { kind: 'number'; n: bigint; trailing: string; erange: boolean }
  | { kind: 'invalid'; reason: string };

const SIGNED_ITEMS: ReadonlySet<string> = new Set(['nice', 'priority', 'maxlogins', 'maxsyslogins']);

/**
 * A limit value as process_limit() reads it (the value already lower-cased).
 * rlimit items: strtoull(value, 10): "-5" is 2^64-5, "0x10" is 0 (stops at x), "12abc" is 12,
 * only "no digit at all" is an error. maxlogins/maxsyslogins/priority/nice: strtol,
 * clamped to int. nonewprivs: "0" or "1", anything else is logged and read as 0.
 */
export function pamValue(item: string, raw: string): PamValue {
  const v = cLower(raw);
  if (item === 'nonewprivs') return { kind: 'number', n: v === '1' ? 1n : 0n, trailing: v === '0' || v === '1' ? '' : v, erange: false };
  if (item === 'chroot') return { kind: 'number', n: 0n, trailing: '', erange: false };
  if (item !== 'priority' && item !== 'nice' && UNLIMITED_WORDS.has(v)) return { kind: 'unlimited' };
  if (SIGNED_ITEMS.has(item)) {
    const r = strtol(v, 10);
    let n = r.value;
    if (n > 2147483647n) n = 2147483647n;
    if (n < -2147483648n) n = -2147483648n;
    if (n === 0n && r.consumed === 0) return { kind: 'invalid', reason: `'${raw}' is not a number` };
    return { kind: 'number', n, trailing: v.slice(r.consumed), erange: r.erange };
  }
  const r = strtoull(v, 10);
  if (r.value === 0n && r.consumed === 0) return { kind: 'invalid', reason: `'${raw}' is not a number or unlimited/infinity/-1` };
  return { kind: 'number', n: r.value, trailing: v.slice(r.consumed), erange: r.erange };
}

/**
 * The rlim_t pam_limits passes to setrlimit for an rlimit item (process_limit's switch):
 * cpu minutes ×60, sizes KiB ×1024 (saturating at RLIM_INFINITY), nice 20 - clamp(-20..19),
 * nofile RLIM_INFINITY → fs.nr_open when `unlimitedIsNrOpen` (≥ 1.5.2 / RHEL backports).
 * undefined when pam skips the value.
 */
export function pamKernelValue(item: string, raw: string, nrOpen: number, unlimitedIsNrOpen: boolean): bigint | undefined {
  const v = pamValue(item, raw);
  if (v.kind === 'invalid') return undefined;
  let n = v.kind === 'unlimited' ? RLIM_INFINITY : v.n;
  if (item === 'cpu' && n !== RLIM_INFINITY) n = n >= RLIM_INFINITY / 60n ? RLIM_INFINITY : n * 60n;
  else if (KB_ITEMS.has(item) && n !== RLIM_INFINITY) n = n >= RLIM_INFINITY / 1024n ? RLIM_INFINITY : n * 1024n;
  else if (item === 'nice') {
    const c = v.kind === 'number' ? (v.n > 19n ? 19n : v.n < -20n ? -20n : v.n) : -1n;
    n = 20n - c;
  } else if (item === 'nofile' && n === RLIM_INFINITY && unlimitedIsNrOpen) n = BigInt(nrOpen);
  return n;
}

/** A value pam_limits reads for `item`: unlimited, a number in the file's unit, or an error. */
export function parseLimitValue(
  item: string,
  raw: string,
): { unlimited: true } | { unlimited: false; n: number; trailing?: string } | { error: string } {
  const v = pamValue(item, raw);
  if (v.kind === 'invalid') return { error: v.reason };
  if (v.kind === 'unlimited') return { unlimited: true };
  return v.trailing === '' ? { unlimited: false, n: Number(v.n) } : { unlimited: false, n: Number(v.n), trailing: v.trailing };
}

/**
 * A limit value as a number, to compare values of the same item (in the file's unit):
 * "no limit" is fs.nr_open for nofile and Infinity otherwise; a strtoull wrap-around
 * ("-2" = 2^64-2) is a huge number, as pam sees it; undefined when pam skips the value.
 */
export function comparableLimit(item: string, raw: string, nrOpen: number): number | undefined {
  const v = pamValue(item, raw.trim());
  if (v.kind === 'invalid') return undefined;
  if (v.kind === 'unlimited' || (v.n === RLIM_INFINITY && !SIGNED_ITEMS.has(item))) return item === 'nofile' ? nrOpen : Infinity;
  return Number(v.n);
}

// ---- lines -------------------------------------------------------------------------------

const FGETS_MAX_BYTES = 1023;

/** The pieces fgets(buf, 1024) returns for one physical line (without its newline). */
function fgetsPieces(line: string): string[] {
  if (Buffer.byteLength(line) <= FGETS_MAX_BYTES) return [line];
  const pieces: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > FGETS_MAX_BYTES) {
      pieces.push(cur);
      cur = '';
      bytes = 0;
    }
    cur += ch;
    bytes += b;
  }
  pieces.push(cur);
  return pieces;
}

/** sscanf("%s%s%s%s"): up to `max` isspace()-separated words (four for pam). */
function sscanfFields(line: string, max = 4): string[] {
  const out: string[] = [];
  let i = 0;
  while (out.length < max) {
    while (isCSpace(line[i])) i++;
    if (i >= line.length) break;
    const start = i;
    while (i < line.length && !isCSpace(line[i])) i++;
    out.push(line.slice(start, i));
  }
  return out;
}

/** 1.6.x split(): strtok_r(" \t") three times, then the rest of the line as the value. */
function strtokFields(line: string, trim: boolean): string[] {
  const out: string[] = [];
  let i = 0;
  const blank = (c: string | undefined) => c === ' ' || c === '\t';
  for (let n = 0; n < 3; n++) {
    while (blank(line[i])) i++;
    if (i >= line.length) return out;
    const start = i;
    while (i < line.length && !blank(line[i])) i++;
    out.push(line.slice(start, i));
    if (i < line.length) i++; // strtok_r overwrites the delimiter it stopped at
  }
  let value = line.slice(i);
  if (trim) value = value.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
  if (value !== '') out.push(value);
  return out;
}

function checkLine(item: string, type: string, value: string, chroot: boolean | null | undefined): string | null {
  const known = isRlimitItem(item) || (OTHER_ITEMS as readonly string[]).includes(item);
  if (!known || (item === 'chroot' && chroot === false)) return `unknown item '${item}': pam_limits drops the line (logged at debug level only)`;
  if (!TYPELESS_ITEMS.has(item) && type !== 'soft' && type !== 'hard' && type !== '-') {
    return `type '${type}' is not soft, hard or -: pam_limits drops the line (logged at debug level only)`;
  }
  const v = pamValue(item, value);
  if (v.kind === 'invalid') return `${item}: ${v.reason}: pam_limits drops the line (logged at debug level only)`;
  return null;
}

/**
 * Parse one limits.conf-format file as pam_limits reads it. `file` is the host path
 * recorded on every line. `lines` holds the four-field lines pam passes to
 * process_limit(); lines it drops are in `problems` with the reason.
 */
export function parseLimitsConf(text: string, file: string, opts: PamParseOptions = {}): ParsedLimitsConf {
  const split = opts.split ?? 'sscanf';
  const lines: LimitLine[] = [];
  const problems: LimitsConfProblem[] = [];
  const exempt: LimitsExemption[] = [];
  const rows = text.split('\n');
  // A trailing newline does not start another line.
  if (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  rows.forEach((row, idx) => {
    const lineNo = idx + 1;
    const pieces = split === 'sscanf' ? fgetsPieces(row) : [row];
    if (pieces.length > 1) {
      problems.push({
        line: lineNo,
        message: `line is ${Buffer.byteLength(row)} bytes long: pam_limits reads it in ${pieces.length} pieces of at most ${FGETS_MAX_BYTES} bytes, each parsed as a line of its own`,
        logged: null,
        kind: 'split',
      });
    }
    for (const piece of pieces) parsePiece(piece, lineNo);
  });
  return { lines, problems, exempt };

  function parsePiece(raw: string, lineNo: number): void {
    let l = raw.split('\0')[0]!;
    let i = 0;
    while (isCSpace(l[i])) i++;
    l = l.slice(i);
    const hash = l.indexOf('#');
    if (hash >= 0) l = l.slice(0, hash);
    if (l === '') return;
    const fields = split === 'sscanf' ? sscanfFields(l) : strtokFields(l, split === 'rest-of-line-trimmed');
    const [domain = '', rawType = '', rawItem = '', rawValue = ''] = fields;
    const type = cLower(rawType);
    if (parseDomainRange(domain) === null) {
      problems.push({ line: lineNo, message: `invalid uid range '${domain}': pam_limits skips the line`, logged: 'warning', kind: 'dropped' });
      return;
    }
    if (fields.length === 4) {
      const extra = split === 'sscanf' ? sscanfFields(l, Infinity).slice(4) : [];
      if (extra.length > 0) problems.push({ line: lineNo, message: `text after the value is ignored: '${extra.join(' ')}'`, logged: null, kind: 'ignored-text' });
      const item = cLower(rawItem);
      const why = checkLine(item, type, rawValue, opts.chroot);
      if (why) {
        problems.push({ line: lineNo, message: why, logged: 'debug', kind: 'dropped' });
        return;
      }
      const v = pamValue(item, rawValue);
      if (v.kind === 'number' && v.trailing !== '' && item !== 'chroot') {
        const what = item === 'nonewprivs' ? `'${rawValue}' is not 0 or 1: pam_limits reads it as 0` : `'${rawValue}' is read as ${v.n}${v.erange ? ' (out of range)' : ''} (pam_limits stops at '${v.trailing}')`;
        problems.push({ line: lineNo, message: `${item}: ${what}`, logged: item === 'nonewprivs' ? 'debug' : null, kind: 'misread' });
      } else if (v.kind === 'number' && v.erange) {
        problems.push({ line: lineNo, message: `${item}: '${rawValue}' is out of range: pam_limits reads it as ${v.n}`, logged: null, kind: 'misread' });
      } else if (v.kind === 'number' && rawValue.trim().startsWith('-') && !SIGNED_ITEMS.has(item) && item !== 'chroot') {
        problems.push({ line: lineNo, message: `${item}: '${rawValue}' is negative: pam_limits reads it with strtoull as ${v.n} (only -1 means unlimited)`, logged: null, kind: 'misread' });
      }
      if (domain.startsWith('%') && item !== 'maxlogins') {
        problems.push({ line: lineNo, message: `'%' domains apply to maxlogins only: pam_limits ignores ${item} here (logged at debug level only)`, logged: 'debug', kind: 'dropped' });
      }
      if (item === 'chroot' && opts.chroot === null) {
        problems.push({ line: lineNo, message: "'chroot' exists only in Debian's pam_limits (patch 008); elsewhere the line is dropped", logged: null, kind: 'build' });
      }
      const normType: LimitLine['type'] = type === 'soft' || type === 'hard' ? type : '-';
      lines.push({ file, line: lineNo, domain, type: normType, item, value: rawValue });
      return;
    }
    if (fields.length === 2 && type.startsWith('-')) {
      exempt.push({ file, line: lineNo, domain });
      return;
    }
    problems.push({
      line: lineNo,
      message: `expected '<domain> <type> <item> <value>', got ${fields.length} field${fields.length === 1 ? '' : 's'}: pam_limits logs "invalid line" and skips it`,
      logged: 'warning',
      kind: 'dropped',
    });
  }
}
