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
import { openRegular } from './confine.js';
// The socket record it fills and the address codec are pure: src/core/tcp-record.ts.
import { HEX, hexAt, type TcpEntry } from '../core/tcp-record.js';

export interface ScanResult {
  /** Socket lines parsed. */
  lines: number;
  /** Non-header lines that could not be parsed. */
  malformed: number;
}

const SP = 32;
const COLON = 58;
const NL = 10;

/**
 * Where the fixed-width fields of a line in the kernel's exact layout start, given
 * `p` = first digit of the local address and `A` = address digits (8 or 32):
 * the state field's offset, or -1 when the separators are not where the kernel
 * puts them (then the tolerant path applies). Remote address at p + A + 6.
 */
export function exactStateAt(buf: Buffer, p: number, A: number, nl: number): number {
  const q = p + A + 6;
  const s = q + A + 6;
  return s + 42 <= nl &&
    buf[p + A] === COLON && buf[p + A + 5] === SP && buf[q + A] === COLON && buf[q + A + 5] === SP &&
    buf[s + 2] === SP && buf[s + 11] === COLON && buf[s + 20] === SP && buf[s + 23] === COLON &&
    buf[s + 32] === SP && buf[s + 41] === SP
    ? s
    : -1;
}

/**
 * First digit of the local address of the line at buf[pos, nl) (after `%4d: `);
 * 0 for a header or blank line, -1 for a line that is neither a header nor a socket.
 */
export function addressStart(buf: Buffer, pos: number, nl: number): number {
  let p = pos;
  while (p < nl && buf[p] === SP) p++;
  let c = buf[p]!;
  if (p === nl || c < 48 || c > 57) return 0; // blank or header ("  sl  local_address ...")
  do c = buf[++p]!;
  while (c >= 48 && c <= 57);
  if (c !== COLON) return -1;
  p++;
  while (buf[p] === SP) p++;
  return p;
}

/**
 * Parse the line at buf[pos, nl) (nl = index of its newline) into `e`
 * (e.family selects the address width). 1 = a socket, 0 = header or blank line,
 * -1 = malformed.
 */
export function parseLineAt(buf: Buffer, pos: number, nl: number, e: TcpEntry): number {
  const H = HEX;
  const A = e.family === 4 ? 8 : 32;
  const at = addressStart(buf, pos, nl);
  if (at <= 0) return at;
  e.buf = buf;
  let p = at;
  const s = exactStateAt(buf, p, A, nl);
  if (s < 0) return slowPath(buf, p, nl, e);
  const q = p + A + 6;
  const st = (H[buf[s]!]! << 4) | H[buf[s + 1]!]!;
  const lport = hexAt(buf, p + A + 1, 4);
  const rport = hexAt(buf, q + A + 1, 4);
  const word = hexAt(buf, q + A - 8, 8);
  const tx = hexAt(buf, s + 3, 8);
  const rx = hexAt(buf, s + 12, 8);
  const tr = (H[buf[s + 21]!]! << 4) | H[buf[s + 22]!]!;
  if ((st | lport | rport | tr) < 0 || word < 0 || tx < 0 || rx < 0) return -1;
  // uid, timeout, inode: decimals of varying width
  p = s + 42;
  while (p < nl && buf[p] === SP) p++;
  let u = 0;
  let digits = 0;
  let c: number;
  for (c = buf[p]!; c >= 48 && c <= 57 && p < nl; c = buf[++p]!) {
    u = u * 10 + (c - 48);
    digits++;
  }
  while (p < nl && buf[p] === SP) p++;
  if (buf[p] === 45) p++;
  let tdigits = 0;
  for (c = buf[p]!; c >= 48 && c <= 57 && p < nl; c = buf[++p]!) tdigits++;
  while (p < nl && buf[p] === SP) p++;
  let ino = 0;
  let idigits = 0;
  for (c = buf[p]!; c >= 48 && c <= 57 && p < nl; c = buf[++p]!) {
    ino = ino * 10 + (c - 48);
    idigits++;
  }
  if (digits === 0 || tdigits === 0 || idigits === 0) return -1;
  e.state = st;
  e.localPort = lport;
  e.remotePort = rport;
  e.remoteWord = word;
  e.txQueue = tx;
  e.rxQueue = rx;
  e.timerType = tr;
  e.uid = u;
  e.inode = ino;
  e.localAt = at;
  e.remoteAt = q;
  return 1;
}

/**
 * How lines are handed on. The consumer's per-line loop is ~15× faster once V8 has
 * optimised it (57 ns against ~1 µs a line, measured on 75,000 TIME_WAIT lines),
 * and that optimisation is compiled on a background thread (15-20 ms here) only
 * after the loop ran hot. So: the first FIRST_RUN bytes are handed on at once
 * (one call long enough for V8 to mark the loop hot), then an empty run (a call:
 * that is when the background compile starts, if it has not yet), then up
 * to READ_AHEAD bytes are read before anything else is parsed. On procfs that
 * reading is the kernel formatting the table (~1 µs a line), which is what the
 * compile overlaps; the gathered bytes then go out in PIECE-sized runs, each a new
 * call that picks up the optimised code as soon as it exists (one long call would
 * run the slow code to its end).
 */
const FIRST_RUN = 128 * 1024;
const READ_AHEAD = 4 * 1024 * 1024;
const PIECE = 128 * 1024;
const READ_SIZE = 256 * 1024;
const KICK_EVERY = 1024 * 1024;

/**
 * Turns read() results into runs of complete lines for `onChunk(state, buf, end,
 * family)` (a plain function: no closure): buf[0, end) ends with a newline, or is
 * empty (end = 0: the start-the-compile call above). `buf` is a reused view.
 * Exported for its tests; readLineChunks() is how it is used.
 */
export class LineRuns<T> {
  buf = Buffer.allocUnsafe(READ_SIZE);
  filled = 0;
  private gather = FIRST_RUN;
  /** Where the read-ahead makes its next empty run. */
  private nextKick = KICK_EVERY;

  constructor(
    private readonly state: T,
    private readonly family: 4 | 6,
    private readonly onChunk: (state: T, buf: Buffer, end: number, family: 4 | 6) => void,
  ) {}

  /** Room for the next read at buf[filled]. */
  readRoom(): number {
    if (this.filled === this.buf.length) this.grow(READ_SIZE); // a line longer than the buffer
    return this.buf.length - this.filled;
  }

  /** `n` bytes were read: hands on the complete lines once enough has gathered. */
  commit(n: number): void {
    this.filled += n;
    if (this.filled < this.gather) {
      // Reading ahead: an empty run at every MiB, so the background compile starts
      // as soon as V8 has marked the consumer hot (wherever in the first runs that was).
      // (Integer compares: this runs ~3,000 times before it is optimised, and a
      // division there allocated a heap number each time.)
      if (this.gather === READ_AHEAD && this.filled >= this.nextKick) {
        this.nextKick += KICK_EVERY;
        this.onChunk(this.state, this.buf, 0, this.family);
      }
      return;
    }
    const lastNl = this.buf.lastIndexOf(NL, this.filled - 1);
    if (lastNl < 0) return;
    this.handOn(lastNl + 1);
    const consumed = lastNl + 1;
    if (consumed < this.filled) this.buf.copy(this.buf, 0, consumed, this.filled);
    this.filled -= consumed;
    this.nextKick = KICK_EVERY;
    if (this.gather === FIRST_RUN) {
      // A big table: one buffer for the whole read-ahead window (growing it by
      // doubling copied ~4 MB and cost ~3 ms).
      this.gather = READ_AHEAD;
      this.grow(READ_AHEAD + READ_SIZE - this.filled);
      this.onChunk(this.state, this.buf, 0, this.family);
    }
  }

  /** End of input: whatever is left, a last line without a newline included. */
  finish(): void {
    if (this.filled === 0) return;
    if (this.buf[this.filled - 1] !== NL) {
      if (this.filled === this.buf.length) this.grow(1);
      this.buf[this.filled++] = NL;
    }
    this.handOn(this.filled);
    this.filled = 0;
  }

  private grow(min: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.filled + min));
    this.buf.copy(bigger, 0, 0, this.filled);
    this.buf = bigger;
  }

  /** buf[0, end) (complete lines) in runs of about PIECE bytes. */
  private handOn(end: number): void {
    let start = 0;
    while (end - start > PIECE) {
      const cut = this.buf.lastIndexOf(NL, start + PIECE - 1);
      if (cut < start) break; // one line longer than PIECE: the rest goes out whole
      this.onChunk(this.state, this.buf.subarray(start, cut + 1), cut + 1 - start, this.family);
      start = cut + 1;
    }
    if (start === 0) this.onChunk(this.state, this.buf, end, this.family);
    else this.onChunk(this.state, this.buf.subarray(start, end), end - start, this.family);
  }
}

/**
 * Read a proc/net/tcp{,6} file at an absolute path synchronously, handing runs of
 * complete lines (and empty runs) to `onChunk` (see LineRuns).
 * Throws the fs error when the file cannot be opened or read.
 */
export function readLineChunks<T>(
  absPath: string,
  state: T,
  family: 4 | 6,
  onChunk: (state: T, buf: Buffer, end: number, family: 4 | 6) => void,
): void {
  const fd = openRegular(absPath); // never blocks on a FIFO; refuses anything but a regular file
  try {
    const runs = new LineRuns(state, family, onChunk);
    for (;;) {
      const room = runs.readRoom(); // may replace runs.buf
      const n = fs.readSync(fd, runs.buf, runs.filled, room, null);
      if (n === 0) return runs.finish();
      runs.commit(n);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Calls `onEntry` for every socket line (one reused object: copy what you keep). */
export function scanProcNetTcp(absPath: string, family: 4 | 6, onEntry: (e: TcpEntry) => void): ScanResult {
  const e: TcpEntry = {
    family, state: 0, localPort: 0, remotePort: 0, remoteWord: 0, txQueue: 0, rxQueue: 0,
    timerType: 0, uid: 0, inode: 0, buf: Buffer.alloc(0), localAt: 0, remoteAt: 0,
  };
  const result: ScanResult = { lines: 0, malformed: 0 };
  readLineChunks(absPath, e, family, (e, buf, end) => {
    let pos = 0;
    while (pos < end) {
      const nl = buf.indexOf(NL, pos);
      const r = parseLineAt(buf, pos, nl, e);
      pos = nl + 1;
      if (r === 1) {
        result.lines++;
        onEntry(e);
      } else if (r < 0) result.malformed++;
    }
  });
  return result;
}

/** uid, timeout, inode: space-separated decimals of varying width (tolerant path). */
function tailFields(buf: Buffer, p: number, end: number, e: TcpEntry): number {
  const num = (): number => {
    while (p < end && buf[p] === SP) p++;
    if (buf[p] === 45) p++;
    let v = 0;
    let digits = 0;
    while (p < end && buf[p]! >= 48 && buf[p]! <= 57) {
      v = v * 10 + (buf[p]! - 48);
      p++;
      digits++;
    }
    return digits === 0 ? -1 : v;
  };
  const uid = num();
  const timeout = num();
  const inode = num();
  if (uid < 0 || timeout < 0 || inode < 0) return -1;
  e.uid = uid;
  e.inode = inode;
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
