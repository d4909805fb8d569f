// What the kernel stores when a loader writes a text to a /proc/sys file. Pure.
//
// Both boot loaders open the file and write the value they parsed followed by
// "\n" (procps 4.0.2 `fprintf(fp, "%s\n", value)` through local/procio.c;
// systemd 252 `write_string_file(... WRITE_STRING_FILE_DISABLE_BUFFER)`, one
// write of value + "\n"). What happens next is the key's proc handler's
// business, read here from linux 6.18.32 (codesnas/linux-6.18.y @e3187436e):
//   kernel/sysctl.c         proc_dointvec*, proc_douintvec*, proc_dou8vec_minmax,
//                           proc_doulongvec_minmax, proc_dostring, proc_do_large_bitmap,
//                           the *_jiffies conversions, proc_get_long, strtoul_lenient;
//   net/ipv4/sysctl_net_ipv4.c  ipv4_local_port_range, ipv4_privileged_ports,
//                           proc_tcp_congestion_control;
//   net/ipv4/devinet.c      devinet_conf_proc, devinet_sysctl_forward (see boot-side-effects.ts);
//   fs/proc/proc_sysctl.c   proc_sys_call_handler (the write() return is the count the handler consumed).
// Facts that follow and that the tests pin (test/kernel-handlers.test.ts, and the
// same cases written to a real kernel in a network namespace):
//   - an integer is read with base 0: `010` is 8, `0x1f` is 31, `08` is rejected;
//   - after an integer only a blank (space, tab, newline) may follow: `43 # c`
//     sets 43, `605# x` is rejected, `7\r` is rejected, `+3` and `"42"` are rejected;
//   - the handler reads as many fields as the key has and ignores the rest of the
//     write (the remainder is offered again at a non-zero offset, where numeric
//     handlers ignore it: kernel.sysctl_writes_strict = 1, the default);
//   - fields of a vector are stored one by one: `4097 x` for tcp_rmem stores 4097
//     and fails; fields not given keep their value (`4096 100000` leaves the max);
//   - an empty value writes "\n" alone: rejected by the numeric handlers, an empty
//     list for ip_local_reserved_ports (accepted: clears it);
//   - more than PAGE_SIZE - 1 (4095) bytes are not read by the numeric handlers.

import { boundsArePartial, handlerBounds, keyInfo } from './catalog.js';
import { kernelKeyFact } from './kernel-data.js';
import { versionAtLeast } from './kernel-version.js';

export type HandlerName =
  | 'proc_dointvec'
  | 'proc_dointvec_minmax'
  | 'proc_douintvec'
  | 'proc_douintvec_minmax'
  | 'proc_dou8vec_minmax'
  | 'proc_doulongvec_minmax'
  | 'proc_dointvec_jiffies'
  | 'proc_dostring'
  | 'ipv4_local_port_range'
  | 'ipv4_privileged_ports'
  | 'proc_do_large_bitmap'
  | 'proc_tcp_congestion_control'
  | 'read_only';

export interface HandlerSpec {
  handler: HandlerName;
  /** Bounds as decimal strings (fs.file-max goes to 2^63−1: compared as BigInt). One pair for every field. */
  min?: string;
  max?: string;
  /** Fields of an int/ulong vector (table->maxlen / element size); 1 when absent. */
  fields?: number;
  /** proc_dostring: the buffer size (table->maxlen, the NUL included). */
  maxlen?: number;
  /** proc_do_large_bitmap: the number of bits. */
  bits?: number;
  /** proc_dointvec_jiffies: the kernel's HZ (the bound is INT_MAX / HZ); 250 when unknown. */
  hz?: number;
  /** proc_tcp_congestion_control: the names the kernel knows (tcp_available_congestion_control). */
  names?: string[];
  /** Where the spec comes from: kernel data extracted per version, the 6.18 reading below, or the catalogue. */
  source: 'kernel-data' | 'kernel-source' | 'catalogue';
}

export type WriteErrno = 'EINVAL' | 'ERANGE' | 'EACCES' | 'ENOENT';

export type WriteResult =
  | {
      ok: true;
      /** What the key reads back afterwards, fields separated by one space (as facts keep values). */
      value: string;
      /** Text of the write the handler did not read (`# comment` after `43 `). */
      ignored?: string;
    }
  | {
      ok: false;
      errno: WriteErrno;
      reason: string;
      /** A vector whose first fields were stored before the failure: what it reads back now. */
      stored?: string;
    };

export interface WriteContext {
  /** The key's value before the write (folded), when known: fields a write does not give keep it. */
  current?: string | null;
  /** Current value of another key: ip_local_port_range and ip_unprivileged_port_start check each other. */
  read?: (key: string) => string | null | undefined;
  /**
   * How the loader hands over text the handler did not consume. systemd writes
   * through unbuffered stdio, which writes the rest again at the new offset;
   * procps' procio cookie takes a short write as done. Differs only for
   * proc_do_large_bitmap values over 4095 bytes (later chunks are OR-ed in).
   */
  loader?: 'procps' | 'systemd';
}

const PAGE_SIZE = 4096;
const TMPBUFLEN = 22;
const INT_MAX = 2n ** 31n - 1n;
const UINT_MAX = 2n ** 32n - 1n;
const ULONG_MAX = 2n ** 64n - 1n;
const DEFAULT_HZ = 250;

/** The kernel's isspace (lib/ctype.c): \t \n \v \f \r, space, and Latin-1 NBSP (0xA0). */
function kIsSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const WSPACE_SEP = [32, 9, 10]; // proc_wspace_sep: ' ', '\t', '\n'

interface Cursor {
  buf: string; // one char per byte (latin1)
  p: number;
  left: number;
}

function skipSpaces(c: Cursor): void {
  while (c.left > 0 && kIsSpace(c.buf.charCodeAt(c.p))) {
    c.p++;
    c.left--;
  }
}

function skipChar(c: Cursor, ch: number): void {
  while (c.left > 0 && c.buf.charCodeAt(c.p) === ch) {
    c.p++;
    c.left--;
  }
}

/** kstrtox.c _parse_integer after _parse_integer_fixup_radix, over at most 21 bytes: [value, consumed, overflow]. */
function parseInteger(s: string): [bigint, number, boolean] {
  let base = 10n;
  let i = 0;
  if (s.charCodeAt(0) === 48 /* 0 */) {
    const x = s[1]?.toLowerCase();
    if (x === 'x' && /^[0-9a-fA-F]$/.test(s[2] ?? '')) {
      base = 16n;
      i = 2;
    } else base = 8n;
  }
  let res = 0n;
  let overflow = false;
  for (; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    let v: number;
    if (ch >= 48 && ch <= 57) v = ch - 48;
    else {
      const l = ch | 0x20;
      if (l >= 97 && l <= 102) v = l - 97 + 10;
      else break;
    }
    if (BigInt(v) >= base) break;
    res = res * base + BigInt(v);
    if (res > ULONG_MAX) overflow = true;
  }
  return [res, i, overflow];
}

type GetLong = { err: true; why: string } | { err: false; val: bigint; neg: boolean; tr: number | null };

/** proc_get_long (kernel/sysctl.c): one integer, then a trailer from `permTr`. */
function getLong(c: Cursor, permTr: number[]): GetLong {
  if (c.left <= 0) return { err: true, why: 'nothing to read' };
  const len0 = Math.min(c.left, TMPBUFLEN - 1);
  const tmp = c.buf.slice(c.p, c.p + len0);
  let q = 0;
  let neg = false;
  if (tmp.charCodeAt(0) === 45 /* - */ && c.left > 1) {
    neg = true;
    q = 1;
  }
  if (!isDigit(tmp.charCodeAt(q))) {
    const ch = tmp[q];
    return { err: true, why: ch === undefined ? 'no digits' : `${describeChar(ch)} where a digit must be` };
  }
  const [val, used, overflow] = parseInteger(tmp.slice(q));
  if (overflow) return { err: true, why: 'the number overflows 64 bits' };
  const len = q + used;
  // "We don't know if the next char is whitespace": a number filling the whole window is refused.
  if (len === TMPBUFLEN - 1) return { err: true, why: 'a number of 21 characters or more' };
  let tr: number | null = null;
  if (len < c.left) {
    tr = c.buf.charCodeAt(c.p + len);
    if (!permTr.includes(tr)) return { err: true, why: `${describeChar(c.buf[c.p + len]!)} right after the number ${tmp.slice(0, len)}` };
  }
  c.p += len;
  c.left -= len;
  return { err: false, val, neg, tr };
}

function describeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  const names: Record<number, string> = { 9: 'a tab', 10: 'a newline', 11: 'a vertical tab', 12: 'a form feed', 13: 'a carriage return', 32: 'a space', 0xa0: 'a no-break space' };
  if (names[code]) return names[code]!;
  if (code < 32 || code > 126) return `byte 0x${code.toString(16).padStart(2, '0')}`;
  return JSON.stringify(ch);
}

function big(s: string | undefined): bigint | undefined {
  return s === undefined ? undefined : BigInt(s);
}

function foldFields(xs: readonly (bigint | string)[]): string {
  return xs.map(String).join(' ');
}

/** Fields of a value, or null when unknown or malformed. */
function parseFields(cur: string | null | undefined, n: number): bigint[] | null {
  if (cur === null || cur === undefined) return null;
  const f = cur.trim().split(/\s+/).filter((x) => x !== '');
  if (f.length !== n || !f.every((x) => /^-?\d+$/.test(x))) return null;
  return f.map((x) => BigInt(x));
}

type Conv = (neg: boolean, val: bigint) => { ok: true; store: bigint } | { ok: false; why: string };

interface VecResult {
  err: string | null;
  values: (bigint | null)[];
  consumed: number;
}

/**
 * __do_proc_dointvec / __do_proc_doulongvec_minmax write path at offset 0:
 * fields one by one, each stored as soon as it converts. The count returned is
 * what was read (the remainder comes back at a non-zero offset).
 */
function vectorWrite(buf: string, n: number, conv: Conv): VecResult {
  const c: Cursor = { buf, p: 0, left: Math.min(buf.length, PAGE_SIZE - 1) };
  const values: (bigint | null)[] = Array(n).fill(null);
  let first = true;
  let err: string | null = null;
  for (let i = 0; c.left > 0 && i < n; i++, first = false) {
    skipSpaces(c);
    if (c.left === 0) break;
    const g = getLong(c, WSPACE_SEP);
    if (g.err) {
      err = g.why;
      break;
    }
    const r = conv(g.neg, g.val);
    if (!r.ok) {
      err = r.why;
      break;
    }
    values[i] = r.store;
  }
  if (err === null && c.left > 0) skipSpaces(c);
  if (first && err === null) err = 'no number';
  // *lenp -= left, where left never counted the bytes past PAGE_SIZE - 1.
  return { err, values, consumed: buf.length - c.left };
}

function intConv(min?: bigint, max?: bigint): Conv {
  return (neg, val) => {
    if (neg ? val > INT_MAX + 1n : val > INT_MAX) return { ok: false, why: `${neg ? '-' : ''}${val} does not fit an int` };
    const v = neg ? -val : val;
    if (min !== undefined && v < min) return { ok: false, why: `${v} is below the minimum ${min}` };
    if (max !== undefined && v > max) return { ok: false, why: `${v} is above the maximum ${max}` };
    return { ok: true, store: v };
  };
}

function jiffiesConv(hz: number): Conv {
  const limit = INT_MAX / BigInt(hz);
  return (neg, val) => {
    if (val > limit) return { ok: false, why: `${neg ? '-' : ''}${val} s is more than INT_MAX / HZ (${limit} with HZ ${hz})` };
    return { ok: true, store: neg ? -val : val };
  };
}

function ulongConv(min?: bigint, max?: bigint): Conv {
  return (neg, val) => {
    if (neg) return { ok: false, why: 'a negative number for an unsigned value' };
    if (min !== undefined && val < min) return { ok: false, why: `${val} is below the minimum ${min}` };
    if (max !== undefined && val > max) return { ok: false, why: `${val} is above the maximum ${max}` };
    return { ok: true, store: val };
  };
}

/** One write(2) as the handler sees it. `value` is what the key reads afterwards (null: unknown). */
type Chunk =
  | { ok: true; consumed: number; value: string | null; /** bytes looked at, when less than consumed */ read?: number }
  | { ok: false; errno: WriteErrno; reason: string; value: string | null };

function describeReject(buf: string, why: string): string {
  if (buf.replace(/\n$/, '') === '') return 'an empty value (the kernel needs a number)';
  return why;
}

function vectorChunk(spec: HandlerSpec, buf: string, current: string | null, conv: Conv): Chunk {
  const n = spec.fields ?? 1;
  const r = vectorWrite(buf, n, conv);
  const cur = parseFields(current, n);
  const given = r.values.filter((v): v is bigint => v !== null);
  const merged = r.values.every((v) => v !== null)
    ? foldFields(r.values as bigint[])
    : cur
      ? foldFields(r.values.map((v, i) => v ?? cur[i]!))
      : given.length === 0
        ? current
        : null; // fields not given keep a value knobs does not know
  if (r.err !== null) return { ok: false, errno: 'EINVAL', reason: describeReject(buf, r.err), value: merged };
  return { ok: true, consumed: r.consumed, value: merged ?? foldFields(given) };
}

/** do_proc_douintvec_w: exactly one unsigned value, negatives refused; the whole write counts as read. */
function uintChunk(buf: string, min: bigint | undefined, max: bigint | undefined, rangeErrno: WriteErrno, top: bigint, current: string | null): Chunk {
  const c: Cursor = { buf, p: 0, left: Math.min(buf.length, PAGE_SIZE - 1) };
  skipSpaces(c);
  if (c.left === 0) return { ok: false, errno: 'EINVAL', reason: describeReject(buf, 'no number'), value: current };
  const g = getLong(c, WSPACE_SEP);
  if (g.err) return { ok: false, errno: 'EINVAL', reason: g.why, value: current };
  if (g.neg) return { ok: false, errno: 'EINVAL', reason: 'a minus sign for an unsigned value', value: current };
  if (g.val > UINT_MAX) return { ok: false, errno: 'EINVAL', reason: `${g.val} does not fit 32 bits`, value: current };
  if ((min !== undefined && g.val < min) || (max !== undefined && g.val > max) || g.val > top) {
    const hi = max !== undefined && max < top ? max : top;
    return { ok: false, errno: rangeErrno, reason: `${g.val} is outside ${min ?? 0n}..${hi}`, value: current };
  }
  skipSpaces(c);
  return { ok: true, consumed: buf.length, value: String(g.val), read: c.p };
}

/** _proc_do_string at offset 0: bytes up to the first NUL or newline, at most maxlen - 1. */
function stringStored(buf: string, maxlen: number): string {
  let end = buf.length;
  for (let i = 0; i < buf.length; i++) {
    const ch = buf.charCodeAt(i);
    if (ch === 0 || ch === 10) {
      end = i;
      break;
    }
  }
  return buf.slice(0, Math.min(end, maxlen - 1));
}

/** proc_do_large_bitmap's parse of one write: the ranges, or an error. */
function bitmapParse(buf: string, bits: number): { err: string | null; set: [number, number][]; consumed: number } {
  let left = buf.length;
  let skipped = 0;
  if (left > PAGE_SIZE - 1) {
    left = PAGE_SIZE - 1;
    skipped = buf.length - left;
  }
  const c: Cursor = { buf, p: 0, left };
  const set: [number, number][] = [];
  const trA = [45, 44, 10]; // - , \n
  const trB = [44, 10, 0]; // , \n NUL
  let ch = 0;
  let err: string | null = null;
  skipChar(c, 10);
  while (err === null && c.left > 0) {
    const savedLeft = c.left;
    const savedP = c.p;
    const a = getLong(c, trA);
    if (c.left <= 1 && skipped) {
      c.left = savedLeft;
      c.p = savedP;
      break;
    }
    if (a.err) {
      err = a.why;
      break;
    }
    if (a.tr !== null) ch = a.tr;
    if (a.val >= BigInt(bits) || a.neg) {
      err = a.neg ? 'a negative port' : `${a.val} is not below ${bits}`;
      break;
    }
    let b = a.val;
    if (c.left > 0) {
      c.p++;
      c.left--;
    }
    if (ch === 45) {
      const g = getLong(c, trB);
      if (c.left === 0 && skipped) {
        c.left = savedLeft;
        c.p = savedP;
        break;
      }
      if (g.err) {
        err = g.why;
        break;
      }
      if (g.tr !== null) ch = g.tr;
      if (g.val >= BigInt(bits) || g.neg || a.val > g.val) {
        err = g.neg ? 'a negative port' : a.val > g.val ? `the range ${a.val}-${g.val} runs backwards` : `${g.val} is not below ${bits}`;
        break;
      }
      b = g.val;
      if (c.left > 0) {
        c.p++;
        c.left--;
      }
    }
    set.push([Number(a.val), Number(b)]);
    skipChar(c, 10);
  }
  return { err, set, consumed: buf.length - (c.left + skipped) };
}

/** The kernel's read-back of a bitmap: `1,3-5,8`. */
function formatBitmap(bits: Set<number>): string {
  const sorted = [...bits].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

function parseBitmap(value: string | null | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (value ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    for (let i = a; i <= b; i++) out.add(i);
  }
  return out;
}

/** At offset 0 the bitmap is replaced, later chunks are OR-ed in (no sysctl_writes_strict check). */
function bitmapChunk(spec: HandlerSpec, buf: string, ppos: number, current: string | null): Chunk {
  const r = bitmapParse(buf, spec.bits ?? 65536);
  if (r.err !== null) return { ok: false, errno: 'EINVAL', reason: r.err, value: current };
  const bits = ppos > 0 ? parseBitmap(current) : new Set<number>();
  for (const [a, b] of r.set) for (let i = a; i <= b; i++) bits.add(i);
  return { ok: true, consumed: r.consumed, value: formatBitmap(bits) };
}

/** ipv4_local_port_range: both fields through proc_dointvec_minmax (1..65535) into a copy, then checked. */
function portRangeChunk(buf: string, current: string | null, ctx: WriteContext | undefined): Chunk {
  const cur = parseFields(current, 2);
  const r = vectorWrite(buf, 2, intConv(1n, 65535n));
  if (r.err !== null) return { ok: false, errno: 'EINVAL', reason: describeReject(buf, r.err), value: current };
  const lo = r.values[0] ?? cur?.[0];
  const hi = r.values[1] ?? cur?.[1];
  if (lo === undefined || hi === undefined) return { ok: true, consumed: r.consumed, value: null };
  if (hi < lo) return { ok: false, errno: 'EINVAL', reason: `the low end ${lo} is above the high end ${hi}`, value: current };
  const unpriv = ctx?.read?.('net.ipv4.ip_unprivileged_port_start');
  if (unpriv !== undefined && unpriv !== null && /^\d+$/.test(unpriv.trim()) && lo < BigInt(unpriv.trim())) {
    return { ok: false, errno: 'EINVAL', reason: `the low end ${lo} is below ip_unprivileged_port_start ${unpriv.trim()}`, value: current };
  }
  return { ok: true, consumed: r.consumed, value: `${lo} ${hi}` };
}

/** ipv4_privileged_ports: 0..65535, and not above the local port range's low end. */
function privilegedPortsChunk(buf: string, current: string | null, ctx: WriteContext | undefined): Chunk {
  const r = vectorWrite(buf, 1, intConv(0n, 65535n));
  if (r.err !== null) return { ok: false, errno: 'EINVAL', reason: describeReject(buf, r.err), value: current };
  const v = r.values[0]!;
  const range = ctx?.read?.('net.ipv4.ip_local_port_range');
  const low = range ? range.trim().split(/\s+/)[0] : undefined;
  if (low !== undefined && /^\d+$/.test(low) && BigInt(low) < v) {
    return { ok: false, errno: 'EINVAL', reason: `${v} is above the low end ${low} of ip_local_port_range`, value: current };
  }
  return { ok: true, consumed: r.consumed, value: String(v) };
}

/** One write(2) of `buf` at offset `ppos` to a key handled by `spec`. */
function writeChunk(spec: HandlerSpec, buf: string, ppos: number, current: string | null, ctx: WriteContext | undefined): Chunk {
  if (spec.handler === 'read_only') return { ok: false, errno: 'EACCES', reason: 'the key is read-only', value: current };
  if (spec.handler === 'proc_do_large_bitmap') return bitmapChunk(spec, buf, ppos, current);
  // Numeric handlers ignore a write at a non-zero offset (sysctl_writes_strict = 1), counting it as read.
  if (ppos > 0) return { ok: true, consumed: buf.length, value: current };
  const min = big(spec.min);
  const max = big(spec.max);
  switch (spec.handler) {
    case 'proc_dointvec':
      return vectorChunk(spec, buf, current, intConv());
    case 'proc_dointvec_minmax':
      return vectorChunk(spec, buf, current, intConv(min, max));
    case 'proc_dointvec_jiffies':
      return vectorChunk(spec, buf, current, jiffiesConv(spec.hz ?? DEFAULT_HZ));
    case 'proc_doulongvec_minmax':
      return vectorChunk(spec, buf, current, ulongConv(min, max));
    case 'proc_douintvec':
      return uintChunk(buf, undefined, undefined, 'EINVAL', UINT_MAX, current);
    case 'proc_douintvec_minmax':
      return uintChunk(buf, min, max, 'ERANGE', UINT_MAX, current);
    case 'proc_dou8vec_minmax':
      return uintChunk(buf, min ?? 0n, max ?? 255n, 'ERANGE', 255n, current);
    case 'ipv4_local_port_range':
      return portRangeChunk(buf, current, ctx);
    case 'ipv4_privileged_ports':
      return privilegedPortsChunk(buf, current, ctx);
    case 'proc_dostring':
      return { ok: true, consumed: buf.length, value: stringStored(buf, spec.maxlen ?? 4096) };
    case 'proc_tcp_congestion_control': {
      const name = stringStored(buf, spec.maxlen ?? 16);
      if (spec.names && !spec.names.includes(name)) return { ok: false, errno: 'ENOENT', reason: `no congestion control algorithm named "${name}"`, value: current };
      return { ok: true, consumed: buf.length, value: name };
    }
  }
}

/** procps' procio cookie (local/procio.c, 4.0.2): its LINELEN and the retry delimiter of fprocopen(path, "w"). */
const LINELEN = 4096;
const PROCIO_DELIM = ',';

function result(first: Chunk, last: Chunk, current: string | null, buf: string, consumedAtZero: number): WriteResult {
  if (!last.ok) {
    const stored = last.value !== null && last.value !== current ? { stored: last.value } : {};
    return { ok: false, errno: last.errno, reason: last.reason, ...stored };
  }
  void first;
  const rest = buf.slice(consumedAtZero).replace(/\n$/, '').trim();
  return { ok: true, value: last.value ?? '', ...(rest !== '' ? { ignored: rest } : {}) };
}

/**
 * systemd 252 (and any plain stdio writer): one write of value + "\n"; a short
 * count makes glibc write the rest at the new offset, an error ends it.
 */
function systemdDriver(spec: HandlerSpec, buf: string, current: string | null, ctx: WriteContext | undefined): WriteResult {
  let pos = 0;
  let value = current;
  let consumedAtZero = buf.length;
  const first = writeChunk(spec, buf, 0, value, ctx);
  let last = first;
  while (last.ok) {
    value = last.value;
    if (pos === 0) consumedAtZero = last.read ?? last.consumed;
    pos += last.consumed;
    if (pos >= buf.length || last.consumed === 0) break;
    last = writeChunk(spec, buf.slice(pos), pos, value, ctx);
  }
  return result(first, last, current, buf, consumedAtZero);
}

/**
 * procps 4.0.2 procio proc_write(): one write of the whole buffer; a short
 * count is taken as done; on EINVAL the buffer is written again in pieces — up
 * to the last "," within LINELEN bytes while more than LINELEN remain, then up
 * to the final newline — with the offset moved one byte further each time.
 */
function procpsDriver(spec: HandlerSpec, buf0: string, current: string | null, ctx: WriteContext | undefined): WriteResult {
  const first = writeChunk(spec, buf0, 0, current, ctx);
  if (first.ok || first.errno !== 'EINVAL') return result(first, first, current, buf0, first.ok ? (first.read ?? first.consumed) : buf0.length);
  let buf = buf0;
  let value = first.value;
  let offset = 0;
  let remaining = buf.length;
  let ppos = 0;
  let last: Chunk = first;
  do {
    let token: number;
    if (remaining > LINELEN) token = buf.lastIndexOf(PROCIO_DELIM, offset + LINELEN - 1);
    else token = buf.lastIndexOf('\n', offset + remaining - 1);
    if (token < offset) {
      last = { ok: false, errno: 'EINVAL', reason: first.ok ? '' : first.reason, value };
      break;
    }
    buf = buf.slice(0, token) + '\n' + buf.slice(token + 1);
    if (offset > 0) ppos += 1; // lseek(fd, 1, SEEK_CUR)
    const piece = buf.slice(offset, token + 1);
    last = writeChunk(spec, piece, ppos, value, ctx);
    if (!last.ok) break;
    value = last.value;
    const len = last.consumed;
    ppos += len;
    if (len < 1 || len >= remaining) break;
    offset += len;
    remaining -= len;
  } while (remaining > 0);
  if (!last.ok) {
    // The reason of the failing piece, or the first write's when the retry had nothing to split.
    const reason = last.reason || (first.ok ? '' : first.reason);
    return { ok: false, errno: last.errno, reason: describeReject(buf0, reason), ...(last.value !== null && last.value !== current ? { stored: last.value } : {}) };
  }
  return { ok: true, value: value ?? '' };
}

/**
 * What the kernel makes of `text` written to a key handled by `spec`. `text`
 * is the value as the loader passes it, without the newline the loader adds.
 * Bytes are characters of a latin1 string (a file's bytes, one per char).
 */
export function acceptValue(spec: HandlerSpec, text: string, ctx?: WriteContext): WriteResult {
  const buf = text + '\n';
  const current = ctx?.current ?? null;
  return ctx?.loader === 'procps' ? procpsDriver(spec, buf, current, ctx) : systemdDriver(spec, buf, current, ctx);
}

/** Re-export for callers that present bitmap values. */
export const bitmapValue = { parse: parseBitmap, format: formatBitmap };

/**
 * The text the kernel prints when the key is read (what systemd 252 compares
 * with the value before writing, WRITE_STRING_FILE_SUPPRESS_REDUNDANT_VIRTUAL):
 * vector fields separated by tabs, then a newline.
 */
export function kernelReadText(spec: HandlerSpec, value: string): string {
  if (spec.handler === 'proc_do_large_bitmap' || spec.handler === 'proc_dostring' || spec.handler === 'proc_tcp_congestion_control') return value;
  return value.trim().split(/\s+/).join('\t');
}

// ---- which handler a key has ------------------------------------------------
//
// Until knowledge1's per-version kernel data (kernelKeyFact, interfaces.md #1)
// lands, the handlers below were read in linux 6.18.32 (net/ipv4/sysctl_net_ipv4.c,
// net/ipv4/devinet.c, net/core/sysctl_net_core.c, fs/file_table.c, fs/file.c) and
// dated for older kernels from the review in shared/reference/kernel-facts-review.md
// ("Appendix: handler bounds by version": u8 handlers from 5.15, ints before;
// tcp_tw_reuse 0..2 from 4.18; somaxconn capped at 65535 before 4.2). Keys not
// listed take kind/min/max from the catalogue; other keys get no spec (null), and
// knobs then reports the text of the line as the value, making no further claim.
// Hand-verified specs that the extracted kernel data cannot express (jiffies, string
// sizes, custom handlers); checked first. Other keys come from the extracted data
// (kernelKeyFact), then the catalogue.


type Spec = Omit<HandlerSpec, 'source' | 'hz'>;
type Dated = { since: string; spec: Spec }[];

const u8 = (min?: number, max?: number): Spec => ({ handler: 'proc_dou8vec_minmax', ...(min !== undefined ? { min: String(min) } : {}), ...(max !== undefined ? { max: String(max) } : {}) });
const int: Spec = { handler: 'proc_dointvec' };
const intMinMax = (min?: number | string, max?: number | string, fields?: number): Spec => ({
  handler: 'proc_dointvec_minmax',
  ...(min !== undefined ? { min: String(min) } : {}),
  ...(max !== undefined ? { max: String(max) } : {}),
  ...(fields !== undefined ? { fields } : {}),
});
const jiffies: Spec = { handler: 'proc_dointvec_jiffies' };
/** A u8 since 5.15, a plain int before (tcp_timestamps and friends). */
const u8Since515 = (min?: number, max?: number): Dated => [
  { since: '5.15.0', spec: u8(min, max) },
  { since: '0', spec: min !== undefined || max !== undefined ? intMinMax(min, max) : int },
];

const KERNEL_SOURCE: Record<string, Dated> = {
  'net.ipv4.tcp_tw_reuse': [
    { since: '5.15.0', spec: u8(0, 2) },
    { since: '4.18.0', spec: intMinMax(0, 2) },
    { since: '0', spec: int },
  ],
  'net.ipv4.tcp_tw_reuse_delay': [{ since: '0', spec: { handler: 'proc_douintvec_minmax', min: '1', max: '60000' } }],
  'net.ipv4.tcp_timestamps': u8Since515(),
  'net.ipv4.tcp_syncookies': u8Since515(),
  'net.ipv4.tcp_rfc1337': u8Since515(),
  'net.ipv4.tcp_slow_start_after_idle': u8Since515(),
  'net.ipv4.tcp_keepalive_probes': u8Since515(),
  'net.ipv4.tcp_synack_retries': u8Since515(),
  'net.ipv4.tcp_syn_retries': u8Since515(1, 127),
  'net.ipv4.tcp_fin_timeout': [{ since: '0', spec: jiffies }],
  'net.ipv4.tcp_keepalive_time': [{ since: '0', spec: jiffies }],
  'net.ipv4.tcp_keepalive_intvl': [{ since: '0', spec: jiffies }],
  'net.ipv4.tcp_max_tw_buckets': [{ since: '0', spec: int }],
  'net.ipv4.tcp_max_syn_backlog': [{ since: '0', spec: int }],
  'net.ipv4.tcp_max_orphans': [{ since: '0', spec: int }],
  // tcp_rmem: every field at least 1 in 6.18.32 (SYSCTL_ONE), but this machine's
  // 6.18.44 refuses anything below 4096 (test/kernel-handlers.test.ts writes it),
  // and so did Debian's 6.12.117 (kernel-facts.md); tcp_wmem stays at 1. The
  // stable release that added it is not known: 6.18.33-6.18.43 may be either.
  'net.ipv4.tcp_rmem': [
    { since: '6.18.44', spec: intMinMax(4096, undefined, 3) },
    { since: '6.13.0', spec: intMinMax(1, undefined, 3) },
    { since: '6.12.117', spec: intMinMax(4096, undefined, 3) },
    { since: '0', spec: intMinMax(1, undefined, 3) },
  ],
  'net.ipv4.tcp_wmem': [{ since: '0', spec: intMinMax(1, undefined, 3) }],
  'net.ipv4.ip_local_port_range': [{ since: '0', spec: { handler: 'ipv4_local_port_range' } }],
  'net.ipv4.ip_local_reserved_ports': [{ since: '0', spec: { handler: 'proc_do_large_bitmap', bits: 65536 } }],
  'net.ipv4.ip_unprivileged_port_start': [{ since: '0', spec: { handler: 'ipv4_privileged_ports' } }],
  'net.ipv4.ip_forward': [{ since: '0', spec: int }],
  'net.core.somaxconn': [
    { since: '4.2.0', spec: intMinMax(0) },
    { since: '0', spec: intMinMax(0, 65535) },
  ],
  'net.core.netdev_max_backlog': [{ since: '0', spec: int }],
  'fs.file-max': [{ since: '0', spec: { handler: 'proc_doulongvec_minmax', min: '0', max: String(2n ** 63n - 1n) } }],
  'fs.nr_open': [{ since: '0', spec: intMinMax(64, 2147483584) }],
  'fs.file-nr': [{ since: '0', spec: { handler: 'read_only' } }],
};

/**
 * Per-interface IPv4 settings (net.ipv4.conf.{all,default,<iface>}.<attr>), the
 * devinet_sysctl table of net/ipv4/devinet.c: every one an int through
 * proc_dointvec (devinet_conf_proc, devinet_sysctl_forward, ipv4_doint_and_flush),
 * mc_forwarding read-only. Which attributes exist on a kernel is read from proc/sys.
 */
export const DEVINET_ATTRS = [
  'forwarding', 'mc_forwarding', 'bc_forwarding', 'accept_redirects', 'secure_redirects', 'shared_media',
  'rp_filter', 'send_redirects', 'accept_source_route', 'accept_local', 'src_valid_mark', 'proxy_arp',
  'medium_id', 'bootp_relay', 'log_martians', 'tag', 'arp_filter', 'arp_announce', 'arp_ignore', 'arp_accept',
  'arp_notify', 'arp_evict_nocarrier', 'proxy_arp_pvlan', 'force_igmp_version',
  'igmpv2_unsolicited_report_interval', 'igmpv3_unsolicited_report_interval', 'ignore_routes_with_linkdown',
  'drop_gratuitous_arp', 'disable_xfrm', 'disable_policy', 'promote_secondaries', 'route_localnet',
  'drop_unicast_in_l2_multicast',
] as const;
const DEVINET = new Set<string>(DEVINET_ATTRS);

/** `net.ipv4.conf.<iface>.<attr>` → [iface, attr] (an interface name may hold `/`, its `.`). */
export function devinetKey(key: string): [string, string] | null {
  if (!key.startsWith('net.ipv4.conf.')) return null;
  const rest = key.slice('net.ipv4.conf.'.length);
  const dot = rest.indexOf('.');
  if (dot <= 0 || rest.indexOf('.', dot + 1) >= 0) return null;
  const attr = rest.slice(dot + 1);
  return DEVINET.has(attr) ? [rest.slice(0, dot), attr] : null;
}

function fromCatalogue(key: string, version: string | null): Spec | null {
  const info = keyInfo(key);
  if (!info) return null;
  const b = handlerBounds(key, version);
  if (info.readOnly) return { handler: 'read_only' };
  // Bounds that are only part of what the handler checks would pass values the kernel refuses.
  if (boundsArePartial(key, version)) return null;
  switch (info.kind) {
    case 'int':
      return intMinMax(b.min, b.max);
    case 'ints':
      return intMinMax(b.min, b.max, info.fields);
    case 'portlist':
      return { handler: 'proc_do_large_bitmap', bits: 65536 };
    case 'string':
      return { handler: 'proc_dostring' };
  }
}

/** Numeric handlers whose behaviour the extracted data fully states (handler and bounds). */
const FROM_DATA = new Set<HandlerName>(['proc_dointvec', 'proc_dointvec_minmax', 'proc_douintvec', 'proc_douintvec_minmax', 'proc_dou8vec_minmax', 'proc_doulongvec_minmax']);

/**
 * The spec from the kernel source data (src/core/kernel-data.ts) when its handler
 * is one of the plain numeric ones and its bounds are single values; otherwise
 * null (string sizes, vectors and custom handlers are not in the data).
 */
function fromKernelData(key: string, version: string): Spec | null {
  const fact = kernelKeyFact(key, version);
  if (!fact) return null;
  if (fact.readOnly) return { handler: 'read_only' };
  // A custom handler (addrconf_sysctl_forward…) may check more than the proc_do* it calls.
  const name = fact.handler as HandlerName | null;
  if (name === null || !FROM_DATA.has(name)) return null;
  // proc_dointvec and proc_douintvec never read extra1/extra2: a table that sets them
  // (vm.vfs_cache_pressure before 4.18) bounds nothing.
  if (name === 'proc_dointvec' || name === 'proc_douintvec') return { handler: name };
  if ((fact.min ?? '').includes(' ') || (fact.max ?? '').includes(' ')) return null;
  // The compact data drops a bound it could not resolve to a constant (kernel.pid_max's
  // extra1 = &pid_max_min): a *_minmax handler is trusted only with both bounds known.
  if (fact.min === undefined || fact.max === undefined) return null;
  return { handler: name, ...(fact.min !== undefined ? { min: fact.min } : {}), ...(fact.max !== undefined ? { max: fact.max } : {}) };
}

/**
 * The handler the kernel `version` has for `key`, or null when knobs cannot
 * know it. `hz` is the kernel's CONFIG_HZ when known (jiffies bounds).
 */
export function handlerSpecFor(key: string, version: string | null, opts: { hz?: number } = {}): HandlerSpec | null {
  const withHz = (s: Spec, source: HandlerSpec['source']): HandlerSpec => ({
    ...s,
    source,
    ...(s.handler === 'proc_dointvec_jiffies' && opts.hz !== undefined ? { hz: opts.hz } : {}),
  });
  const dated = KERNEL_SOURCE[key];
  if (dated) {
    const hit = dated.find((d) => d.since === '0' || version === null || versionAtLeast(version, d.since));
    if (hit) return withHz(hit.spec, 'kernel-source');
  }
  const dev = devinetKey(key);
  if (dev) return withHz(dev[1] === 'mc_forwarding' ? { handler: 'read_only' } : int, 'kernel-source');
  const extracted = version === null ? null : fromKernelData(key, version);
  if (extracted) return withHz(extracted, 'kernel-source');
  // A custom handler in the data (addrconf_sysctl_forward …) may check more than its proc_do*: no catalogue guess either.
  const fact = version === null ? null : kernelKeyFact(key, version);
  if (fact?.handler && !fact.readOnly && !/^proc_do/.test(fact.handler)) return null;
  const cat = fromCatalogue(key, version);
  return cat ? withHz(cat, 'catalogue') : null;
}
