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
//   net/ipv4/devinet.c      devinet_conf_proc, devinet_sysctl_forward (see kernel-side-effects.ts);
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

import { keyInfo } from './catalog.js';
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

/** Current fields of a vector, or null when unknown or malformed. */
function currentFields(ctx: WriteContext | undefined, n: number): bigint[] | null {
  const cur = ctx?.current;
  if (cur === null || cur === undefined) return null;
  const f = cur.trim().split(/\s+/).filter((x) => x !== '');
  if (f.length !== n || !f.every((x) => /^-?\d+$/.test(x))) return null;
  return f.map((x) => BigInt(x));
}

type Conv = (neg: boolean, val: bigint) => { ok: true; store: bigint } | { ok: false; why: string };

interface VecResult {
  err: string | null;
  stored: number; // fields stored
  values: (bigint | null)[];
  consumed: number;
}

/**
 * __do_proc_dointvec / __do_proc_doulongvec_minmax write path: fields one by one,
 * each stored as soon as it converts. `first` decides "nothing written" (EINVAL).
 */
function vectorWrite(buf: string, n: number, conv: Conv): VecResult {
  const c: Cursor = { buf, p: 0, left: Math.min(buf.length, PAGE_SIZE - 1) };
  const values: (bigint | null)[] = Array(n).fill(null);
  let first = true;
  let err: string | null = null;
  let i = 0;
  for (; c.left > 0 && i < n; i++, first = false) {
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
  const stored = values.filter((v) => v !== null).length;
  // Bytes past PAGE_SIZE - 1 are never looked at.
  return { err, stored, values, consumed: Math.min(buf.length, PAGE_SIZE - 1) - c.left };
}

function intConv(min?: bigint, max?: bigint, label = 'int'): Conv {
  return (neg, val) => {
    if (neg ? val > INT_MAX + 1n : val > INT_MAX) return { ok: false, why: `${neg ? '-' : ''}${val} does not fit an ${label}` };
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

/** proc_dointvec and friends, whose vectors store field by field. */
function writeVector(spec: HandlerSpec, text: string, ctx: WriteContext | undefined, conv: Conv): WriteResult {
  const n = spec.fields ?? 1;
  const buf = text + '\n';
  const r = vectorWrite(buf, n, conv);
  const cur = currentFields(ctx, n);
  const merged = (): string | undefined => {
    if (r.stored === n) return foldFields(r.values as bigint[]);
    if (!cur) return undefined;
    return foldFields(r.values.map((v, i) => v ?? cur[i]!));
  };
  if (r.err !== null) {
    const stored = r.stored > 0 ? merged() : undefined;
    return { ok: false, errno: 'EINVAL', reason: describeReject(text, r.err), ...(stored !== undefined ? { stored } : {}) };
  }
  const value = merged() ?? foldFields(r.values.filter((v): v is bigint => v !== null));
  return ok(value, buf, r.consumed);
}

function ok(value: string, buf: string, consumed: number): WriteResult {
  const rest = buf.slice(consumed).replace(/\n$/, '');
  return { ok: true, value, ...(rest.trim() !== '' ? { ignored: rest.trim() } : {}) };
}

function describeReject(text: string, why: string): string {
  if (text === '') return 'an empty value (the kernel needs a number)';
  return why;
}

/** do_proc_douintvec_w: exactly one unsigned value, negatives refused. */
function writeUint(text: string, min: bigint | undefined, max: bigint | undefined, range: 'ERANGE' | 'EINVAL', top: bigint): WriteResult {
  const buf = text + '\n';
  const c: Cursor = { buf, p: 0, left: Math.min(buf.length, PAGE_SIZE - 1) };
  skipSpaces(c);
  if (c.left === 0) return { ok: false, errno: 'EINVAL', reason: describeReject(text, 'no number') };
  const g = getLong(c, WSPACE_SEP);
  if (g.err) return { ok: false, errno: 'EINVAL', reason: g.why };
  if (g.neg) return { ok: false, errno: 'EINVAL', reason: `a minus sign for an unsigned value` };
  if (g.val > UINT_MAX) return { ok: false, errno: 'EINVAL', reason: `${g.val} does not fit 32 bits` };
  if ((min !== undefined && g.val < min) || (max !== undefined && g.val > max) || g.val > top) {
    const lo = min ?? 0n;
    const hi = max !== undefined && max < top ? max : top;
    return { ok: false, errno: range, reason: `${g.val} is outside ${lo}..${hi}` };
  }
  // The whole write counts as read: the rest is never looked at.
  const rest = buf.slice(c.p).trim();
  return { ok: true, value: String(g.val), ...(rest !== '' ? { ignored: rest } : {}) };
}

/** _proc_do_string at offset 0: bytes up to the first NUL or newline, at most maxlen - 1. */
function stringStored(text: string, maxlen: number): string {
  let end = text.length;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0 || ch === 10) {
      end = i;
      break;
    }
  }
  return text.slice(0, Math.min(end, maxlen - 1));
}

/** proc_do_large_bitmap, one write at `ppos`: the set of bits, or an error. */
function bitmapWrite(buf: string, bits: number): { err: string | null; set: [number, number][]; consumed: number } {
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
  const leftAll = c.left + skipped;
  return { err, set, consumed: buf.length - leftAll };
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

function writeBitmap(spec: HandlerSpec, text: string, ctx: WriteContext | undefined): WriteResult {
  const bits = spec.bits ?? 65536;
  let buf = text + '\n';
  const result = new Set<number>();
  let pos = 0;
  let ignored = '';
  for (;;) {
    const r = bitmapWrite(buf, bits);
    if (r.err !== null) {
      if (pos === 0) return { ok: false, errno: 'EINVAL', reason: describeReject(text, r.err) };
      // A later chunk failed (systemd): the first chunks are already in.
      return { ok: false, errno: 'EINVAL', reason: r.err, stored: formatBitmap(result) };
    }
    // At offset 0 the bitmap is replaced, later chunks are OR-ed in.
    for (const [a, b] of r.set) for (let i = a; i <= b; i++) result.add(i);
    pos += r.consumed;
    if (r.consumed >= buf.length || r.consumed === 0) break;
    if (ctx?.loader !== 'systemd') {
      ignored = buf.slice(r.consumed).replace(/\n$/, '');
      break;
    }
    buf = buf.slice(r.consumed);
  }
  return { ok: true, value: formatBitmap(result), ...(ignored.trim() !== '' ? { ignored: ignored.trim() } : {}) };
}

/** ipv4_local_port_range: both fields through proc_dointvec_minmax (1..65535) into a copy, then checked. */
function writePortRange(text: string, ctx: WriteContext | undefined): WriteResult {
  const cur = currentFields(ctx, 2);
  const r = vectorWrite(text + '\n', 2, intConv(1n, 65535n));
  if (r.err !== null) return { ok: false, errno: 'EINVAL', reason: describeReject(text, r.err) };
  const lo = r.values[0] ?? cur?.[0];
  const hi = r.values[1] ?? cur?.[1];
  if (lo === undefined || hi === undefined) {
    // One field given and the current range unknown: the kernel pairs it with the current high end.
    return { ok: true, value: foldFields(r.values.filter((v): v is bigint => v !== null)) };
  }
  if (hi < lo) return { ok: false, errno: 'EINVAL', reason: `the low end ${lo} is above the high end ${hi}` };
  const unpriv = ctx?.read?.('net.ipv4.ip_unprivileged_port_start');
  if (unpriv !== undefined && unpriv !== null && /^\d+$/.test(unpriv.trim()) && lo < BigInt(unpriv.trim())) {
    return { ok: false, errno: 'EINVAL', reason: `the low end ${lo} is below ip_unprivileged_port_start ${unpriv.trim()}` };
  }
  return ok(`${lo} ${hi}`, text + '\n', r.consumed);
}

/** ipv4_privileged_ports: 0..65535, and not above the local port range's low end. */
function writePrivilegedPorts(text: string, ctx: WriteContext | undefined): WriteResult {
  const r = vectorWrite(text + '\n', 1, intConv(0n, 65535n));
  if (r.err !== null) return { ok: false, errno: 'EINVAL', reason: describeReject(text, r.err) };
  const v = r.values[0]!;
  const range = ctx?.read?.('net.ipv4.ip_local_port_range');
  const low = range ? range.trim().split(/\s+/)[0] : undefined;
  if (low !== undefined && /^\d+$/.test(low) && BigInt(low) < v) {
    return { ok: false, errno: 'EINVAL', reason: `${v} is above the low end ${low} of ip_local_port_range` };
  }
  return ok(String(v), text + '\n', r.consumed);
}

/**
 * What the kernel makes of `text` written to a key handled by `spec`. `text`
 * is the value as the loader passes it, without the newline the loader adds.
 * Bytes are characters of a latin1 string (a file's bytes, one per char).
 */
export function acceptValue(spec: HandlerSpec, text: string, ctx?: WriteContext): WriteResult {
  const min = big(spec.min);
  const max = big(spec.max);
  switch (spec.handler) {
    case 'read_only':
      return { ok: false, errno: 'EACCES', reason: 'the key is read-only' };
    case 'proc_dointvec':
      return writeVector(spec, text, ctx, intConv());
    case 'proc_dointvec_minmax':
      return writeVector(spec, text, ctx, intConv(min, max));
    case 'proc_dointvec_jiffies':
      return writeVector(spec, text, ctx, jiffiesConv(spec.hz ?? DEFAULT_HZ));
    case 'proc_doulongvec_minmax':
      return writeVector(spec, text, ctx, ulongConv(min, max));
    case 'proc_douintvec':
      return writeUint(text, undefined, undefined, 'EINVAL', UINT_MAX);
    case 'proc_douintvec_minmax':
      return writeUint(text, min, max, 'ERANGE', UINT_MAX);
    case 'proc_dou8vec_minmax':
      return writeUint(text, min ?? 0n, max ?? 255n, 'ERANGE', 255n);
    case 'ipv4_local_port_range':
      return writePortRange(text, ctx);
    case 'ipv4_privileged_ports':
      return writePrivilegedPorts(text, ctx);
    case 'proc_do_large_bitmap':
      return writeBitmap(spec, text, ctx);
    case 'proc_dostring': {
      return { ok: true, value: stringStored(text, spec.maxlen ?? 4096) };
    }
    case 'proc_tcp_congestion_control': {
      const name = stringStored(text, spec.maxlen ?? 16);
      if (spec.names && !spec.names.includes(name)) return { ok: false, errno: 'ENOENT', reason: `no congestion control algorithm named "${name}"` };
      return { ok: true, value: name };
    }
  }
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
// TODO(knowledge1): consult kernelKeyFact(key, version) first, then drop this table.


type Spec = Omit<HandlerSpec, 'source' | 'hz'>;
type Dated = { since: string; spec: Spec }[];

const u8 = (min?: number, max?: number): Spec => ({ handler: 'proc_dou8vec_minmax', ...(min !== undefined ? { min: String(min) } : {}), ...(max !== undefined ? { max: String(max) } : {}) });
const int: Spec = { handler: 'proc_dointvec' };
const intMinMax = (min?: number, max?: number, fields?: number): Spec => ({
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

function fromCatalogue(key: string): Spec | null {
  const info = keyInfo(key);
  if (!info) return null;
  if (info.readOnly) return { handler: 'read_only' };
  switch (info.kind) {
    case 'int':
      return intMinMax(info.min, info.max);
    case 'ints':
      return intMinMax(info.min, info.max, info.fields);
    case 'portlist':
      return { handler: 'proc_do_large_bitmap', bits: 65536 };
    case 'string':
      return { handler: 'proc_dostring' };
  }
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
  const cat = fromCatalogue(key);
  return cat ? withHz(cat, 'catalogue') : null;
}
