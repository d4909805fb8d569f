// Streaming parser for /proc/net/tcp and /proc/net/tcp6 (net/ipv4/tcp_ipv4.c
// tcp4_seq_show, net/ipv6/tcp_ipv6.c; shared/reference/kernel-facts.md §4.1).
//
// A busy host has hundreds of thousands of lines (TIME_WAIT), so the file is read
// in chunks with fs.readSync into one reusable Buffer and scanned byte by byte:
// no per-line strings, regexes or split(). The fixed-width hex fields are parsed in
// place; addresses stay raw bytes in the buffer and are decoded to text only when
// the caller asks (entries aggregated by peer), see decodeAddressAt().
//
// Line layout after `%4d: ` (A = 8 hex digits for IPv4, 32 for IPv6):
//   local:port remote:port st tx:rx tr:when retrnsmt uid timeout inode [...]
// TIME_WAIT and request-socket lines end after `inode refcnt ptr` (fewer columns);
// IPv4 lines are space-padded to 149 characters, IPv6 lines are not.

import fs from 'node:fs';
import os from 'node:os';

/** Kernel state codes (include/net/tcp_states.h). */
export const ST_ESTABLISHED = 1;
export const ST_SYN_SENT = 2;
export const ST_SYN_RECV = 3;
export const ST_FIN_WAIT1 = 4;
export const ST_FIN_WAIT2 = 5;
export const ST_TIME_WAIT = 6;
export const ST_CLOSE = 7;
export const ST_CLOSE_WAIT = 8;
export const ST_LAST_ACK = 9;
export const ST_LISTEN = 10;
export const ST_CLOSING = 11;

/** Timer type 3 = TIME_WAIT timer (also on orphaned FIN_WAIT2 minisocks, st 05). */
export const TIMER_TIME_WAIT = 3;

/**
 * One parsed line. The scanner reuses a single object for every line: copy what
 * you keep. Address fields point into `buf`, valid only during the callback.
 */
export interface TcpEntry {
  family: 4 | 6;
  /** Kernel state code 1..11 (0x0C/0x0D never appear in this file). */
  state: number;
  localPort: number;
  remotePort: number;
  /** The last 32-bit word of the remote address as printed (the whole IPv4 address). */
  remoteWord: number;
  txQueue: number;
  /** For LISTEN: current accept-queue length. */
  rxQueue: number;
  timerType: number;
  uid: number;
  /** 0 when no file holds the socket (TIME_WAIT, request socks, orphans). */
  inode: number;
  /** Buffer holding the current line and offsets of the address hex digits. */
  buf: Buffer;
  localAt: number;
  remoteAt: number;
}

export interface ScanResult {
  /** Socket lines parsed. */
  lines: number;
  /** Non-header lines that could not be parsed. */
  malformed: number;
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

const SP = 32;
const COLON = 58;
const NL = 10;

const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Parse `len` hex digits at `at`; -1 when any is not a hex digit. */
function hexAt(buf: Buffer, at: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len; i++) {
    const d = HEX[buf[at + i]!]!;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** 4 hex digits (a port); negative when invalid. */
function hex4(buf: Buffer, at: number): number {
  const a = HEX[buf[at]!]!;
  const b = HEX[buf[at + 1]!]!;
  const c = HEX[buf[at + 2]!]!;
  const d = HEX[buf[at + 3]!]!;
  if ((a | b | c | d) < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/** 8 hex digits as an unsigned 32-bit number; negative when invalid. */
function hex8(buf: Buffer, at: number): number {
  const hi = hex4(buf, at);
  const lo = hex4(buf, at + 4);
  if ((hi | lo) < 0) return -1;
  return hi * 65536 + lo;
}

const CHUNK = 1 << 20;
let sharedBuf: Buffer | null = null;

/**
 * Scan a proc/net/tcp{,6} file at an absolute path, calling `onEntry` for every
 * socket line. Throws the fs error when the file cannot be opened or read.
 */
export function scanProcNetTcp(absPath: string, family: 4 | 6, onEntry: (e: TcpEntry) => void): ScanResult {
  const fd = fs.openSync(absPath, 'r');
  try {
    return scanFd(fd, family, onEntry);
  } finally {
    fs.closeSync(fd);
  }
}

function scanFd(fd: number, family: 4 | 6, onEntry: (e: TcpEntry) => void): ScanResult {
  let buf = sharedBuf ?? (sharedBuf = Buffer.allocUnsafe(CHUNK));
  const entry: TcpEntry = {
    family, state: 0, localPort: 0, remotePort: 0, remoteWord: 0,
    txQueue: 0, rxQueue: 0, timerType: 0, uid: 0, inode: 0, buf, localAt: 0, remoteAt: 0,
  };
  const result: ScanResult = { lines: 0, malformed: 0 };
  let filled = 0;
  for (;;) {
    if (filled === buf.length) {
      // A single line longer than the buffer: grow (never happens with kernel output).
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, filled);
      buf = sharedBuf = bigger;
      entry.buf = buf;
    }
    const n = fs.readSync(fd, buf, filled, buf.length - filled, null);
    if (n === 0) {
      if (filled > 0) {
        // Last line without a trailing newline.
        if (filled === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length + 1);
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
          entry.buf = buf;
        }
        buf[filled] = NL;
        parseLines(buf, filled + 1, entry, onEntry, result);
      }
      break;
    }
    filled += n;
    // Lines up to the last newline are complete; the rest waits for the next read.
    const lastNl = buf.lastIndexOf(NL, filled - 1);
    if (lastNl < 0) continue;
    parseLines(buf, lastNl + 1, entry, onEntry, result);
    const consumed = lastNl + 1;
    if (consumed < filled) buf.copy(buf, 0, consumed, filled);
    filled -= consumed;
  }
  return result;
}

function readAsync(fd: number, buf: Buffer, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, offset, length, null, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

/**
 * scanProcNetTcp with the reads on the libuv thread pool, one chunk ahead: while
 * the kernel formats chunk k+1 (the expensive part of a big /proc/net/tcp), this
 * thread parses chunk k. Same callbacks, same result.
 */
export async function scanProcNetTcpAsync(absPath: string, family: 4 | 6, onEntry: (e: TcpEntry) => void): Promise<ScanResult> {
  const fd = fs.openSync(absPath, 'r');
  try {
    let cur = Buffer.allocUnsafe(CHUNK);
    let next = Buffer.allocUnsafe(CHUNK);
    const entry: TcpEntry = {
      family, state: 0, localPort: 0, remotePort: 0, remoteWord: 0,
      txQueue: 0, rxQueue: 0, timerType: 0, uid: 0, inode: 0, buf: cur, localAt: 0, remoteAt: 0,
    };
    const result: ScanResult = { lines: 0, malformed: 0 };
    let filled = await readAsync(fd, cur, 0, cur.length);
    while (filled > 0) {
      const lastNl = filled === 0 ? -1 : cur.lastIndexOf(NL, filled - 1);
      const complete = lastNl + 1;
      const carry = filled - complete;
      if (carry + 1 >= next.length) {
        // A line longer than the buffer (never with kernel output): grow.
        next = Buffer.allocUnsafe(next.length * 2);
      }
      cur.copy(next, 0, complete, filled);
      const pending = readAsync(fd, next, carry, next.length - carry);
      if (complete > 0) {
        entry.buf = cur;
        parseLines(cur, complete, entry, onEntry, result);
      }
      const n = await pending;
      [cur, next] = [next, cur];
      if (n === 0) {
        if (carry > 0) {
          if (carry >= cur.length) {
            const bigger = Buffer.allocUnsafe(carry + 1);
            cur.copy(bigger, 0, 0, carry);
            cur = bigger;
          }
          cur[carry] = NL;
          entry.buf = cur;
          parseLines(cur, carry + 1, entry, onEntry, result);
        }
        break;
      }
      filled = carry + n;
    }
    return result;
  } finally {
    fs.closeSync(fd);
  }
}

/** Parse the complete lines in buf[0, end) (end is just past a newline). */
function parseLines(buf: Buffer, end: number, e: TcpEntry, onEntry: (e: TcpEntry) => void, result: ScanResult): void {
  let pos = 0;
  const v4 = e.family === 4;
  while (pos < end) {
    // IPv4 lines are padded to 149 characters: the newline is usually right there.
    let nl = pos + 149;
    if (!(v4 && nl < end && buf[nl] === NL)) {
      nl = pos;
      while (buf[nl] !== NL) nl++;
    }
    const r = parseLine(buf, pos, nl, e);
    if (r === 1) {
      result.lines++;
      onEntry(e);
    } else if (r < 0) {
      result.malformed++;
    }
    pos = nl + 1;
  }
}

/** 1 = socket line parsed into e; 0 = blank/header line; -1 = malformed. */
function parseLine(buf: Buffer, start: number, end: number, e: TcpEntry): number {
  let p = start;
  while (p < end && buf[p] === SP) p++;
  if (p === end) return 0;
  let c = buf[p]!;
  if (c < 48 || c > 57) return 0; // header ("  sl  local_address ...")
  do c = buf[++p]!;
  while (c >= 48 && c <= 57 && p < end);
  if (c !== COLON) return -1;
  p++;
  while (p < end && buf[p] === SP) p++;
  const A = e.family === 4 ? 8 : 32;
  // Fast path: fixed positions up to retrnsmt, separators verified.
  const q = p + A + 6;
  const s = q + A + 6;
  if (
    s + 42 <= end &&
    buf[p + A] === COLON && buf[p + A + 5] === SP &&
    buf[q + A] === COLON && buf[q + A + 5] === SP &&
    buf[s + 2] === SP && buf[s + 11] === COLON && buf[s + 20] === SP &&
    buf[s + 23] === COLON && buf[s + 32] === SP && buf[s + 41] === SP
  ) {
    const st = (HEX[buf[s]!]! << 4) | HEX[buf[s + 1]!]!;
    const lport = hex4(buf, p + A + 1);
    const rport = hex4(buf, q + A + 1);
    const rword = hex8(buf, q + A - 8);
    if ((st | lport | rport) < 0 || rword < 0) return -1;
    e.localAt = p;
    e.remoteAt = q;
    e.localPort = lport;
    e.remotePort = rport;
    e.remoteWord = rword;
    e.state = st;
    if (st === 6) {
      // TIME_WAIT minisock: no queues, timer 3, uid 0, no inode (the common line: parse no further).
      e.txQueue = 0;
      e.rxQueue = 0;
      e.timerType = 3;
      e.uid = 0;
      e.inode = 0;
      return 1;
    }
    const tx = hex8(buf, s + 3);
    const rx = hex8(buf, s + 12);
    const tr = (HEX[buf[s + 21]!]! << 4) | HEX[buf[s + 22]!]!;
    if (tx < 0 || rx < 0 || tr < 0) return -1;
    e.txQueue = tx;
    e.rxQueue = rx;
    e.timerType = tr;
    return tailFields(buf, s + 42, end, e);
  }
  return slowPath(buf, p, end, e);
}

/** uid, timeout, inode: space-separated decimals of varying width. */
function tailFields(buf: Buffer, p: number, end: number, e: TcpEntry): number {
  // uid
  while (p < end && buf[p] === SP) p++;
  let v = 0;
  let digits = 0;
  while (p < end) {
    const c = buf[p]!;
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    p++;
    digits++;
  }
  if (digits === 0) return -1;
  e.uid = v;
  // timeout (may be negative in theory)
  while (p < end && buf[p] === SP) p++;
  if (buf[p] === 45) p++;
  digits = 0;
  while (p < end && buf[p]! >= 48 && buf[p]! <= 57) {
    p++;
    digits++;
  }
  if (digits === 0) return -1;
  // inode
  while (p < end && buf[p] === SP) p++;
  v = 0;
  digits = 0;
  while (p < end) {
    const c = buf[p]!;
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    p++;
    digits++;
  }
  if (digits === 0) return -1;
  e.inode = v;
  return 1;
}

/**
 * Tolerant path for lines that do not match the kernel's exact widths (hand-edited
 * fixtures, other kernels): fields are located by whitespace instead of position.
 */
function slowPath(buf: Buffer, p: number, end: number, e: TcpEntry): number {
  const A = e.family === 4 ? 8 : 32;
  const starts: number[] = [];
  const ends: number[] = [];
  let i = p;
  while (i < end && starts.length < 7) {
    while (i < end && buf[i] === SP) i++;
    if (i >= end) break;
    starts.push(i);
    while (i < end && buf[i] !== SP) i++;
    ends.push(i);
  }
  if (starts.length < 7) return -1;
  const [l, r, st, q, t] = [0, 1, 2, 3, 4].map((k) => [starts[k]!, ends[k]!] as const) as [
    readonly [number, number], readonly [number, number], readonly [number, number], readonly [number, number], readonly [number, number],
  ];
  const addr = (f: readonly [number, number]): [number, number, number] | null => {
    const len = f[1] - f[0];
    const colon = buf.indexOf(COLON, f[0]);
    if (colon !== f[0] + A || len !== A + 5) return null;
    const word = hexAt(buf, colon - 8, 8);
    const port = hexAt(buf, colon + 1, 4);
    if (word < 0 || port < 0 || hexAt(buf, f[0], A - 8) < 0 && A > 8) return null;
    return [f[0], word, port];
  };
  const la = addr(l);
  const ra = addr(r);
  if (!la || !ra) return -1;
  const state = hexAt(buf, st[0], st[1] - st[0]);
  const qc = buf.indexOf(COLON, q[0]);
  const tc = buf.indexOf(COLON, t[0]);
  if (state < 0 || qc < 0 || qc >= q[1] || tc < 0 || tc >= t[1]) return -1;
  const tx = hexAt(buf, q[0], qc - q[0]);
  const rx = hexAt(buf, qc + 1, q[1] - qc - 1);
  const tr = hexAt(buf, t[0], tc - t[0]);
  if (tx < 0 || rx < 0 || tr < 0) return -1;
  e.localAt = la[0];
  e.localPort = la[2];
  e.remoteAt = ra[0];
  e.remoteWord = ra[1];
  e.remotePort = ra[2];
  e.state = state;
  e.txQueue = tx;
  e.rxQueue = rx;
  e.timerType = tr;
  // fields 6 (retrnsmt) skipped; uid, timeout, inode follow it
  return tailFields(buf, ends[5]!, end, e);
}

// ---- address decoding -------------------------------------------------------

/**
 * The four bytes of one printed word in network order. The kernel prints the raw
 * __be32 as a host-order integer, so on little-endian hosts the bytes come out
 * reversed (127.0.0.1 → `0100007F`).
 */
function wordBytes(word: number, out: number[]): void {
  if (LITTLE_ENDIAN) out.push(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24);
  else out.push(word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
}

/** IPv4 text of one printed word (`0100007F` → `127.0.0.1` on little-endian). */
export function ipv4FromWord(word: number): string {
  const b: number[] = [];
  wordBytes(word, b);
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** Text form of the address whose hex digits start at buf[at] (8 or 32 digits). */
export function decodeAddressAt(buf: Buffer, at: number, family: 4 | 6): string {
  if (family === 4) return ipv4FromWord(hexAt(buf, at, 8));
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) wordBytes(hexAt(buf, at + w * 8, 8), bytes);
  return formatIpv6(bytes);
}

/** Decode a printed address (`0100007F`, `0000000000000000FFFF00000100007F`) to text. */
export function decodeHexAddress(hex: string): string {
  if (hex.length !== 8 && hex.length !== 32) throw new Error(`not a proc/net/tcp address: ${hex}`);
  return decodeAddressAt(Buffer.from(hex, 'latin1'), 0, hex.length === 8 ? 4 : 6);
}

/** RFC 5952 text: lower case, longest zero run (≥2 groups) as `::`, v4-mapped as `::ffff:a.b.c.d`. */
export function formatIpv6(bytes: number[]): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((bytes[i]! << 8) | bytes[i + 1]!);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** `ip:port`, IPv6 in brackets (the form `ss` prints). */
export function formatPeer(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Raw hex digits of an IPv6 address in the buffer, as a map key. */
export function rawAddressAt(buf: Buffer, at: number, family: 4 | 6): string {
  return buf.toString('latin1', at, at + (family === 4 ? 8 : 32));
}

/** Loopback per tcp_tw_reuse=2: 127/8, ::1, ::ffff:127/104. */
export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('::ffff:127.');
}
