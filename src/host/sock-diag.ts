// The live host's TCP sockets over netlink sock_diag, the interface `ss` uses,
// instead of /proc/net/tcp{,6}. The kernel fills binary records instead of
// printf-formatting a line per socket: ~19 ms instead of ~60 ms of kernel time for
// 75,000 TIME_WAIT sockets on the benchmark machine, in one walk of the socket
// tables for both families (proc/net/tcp6 walks them again).
//
// Node.js cannot open an AF_NETLINK socket, so a tiny addon (native/sock_diag.c,
// built at install) opens it and sends the dump request; everything else happens
// here: the replies are read with fs.readSync from the addon's descriptor and
// handed on datagram by datagram, and src/host/sockets.ts turns each record into
// the same entry a /proc/net/tcp line gives (one census, whatever the source).
// Without the addon, or when the kernel refuses, knobs reads /proc as before.
//
// Message layout (include/uapi/linux/netlink.h, inet_diag.h), all 4-byte aligned:
//   struct nlmsghdr      len u32, type u16, flags u16, seq u32, pid u32
//   struct inet_diag_msg family u8, state u8, timer u8, retrans u8,
//                        sport be16, dport be16, src be32[4], dst be32[4], if u32,
//                        cookie u32[2], expires u32, rqueue u32, wqueue u32, uid u32, inode u32
//   then attributes (skipped: nlmsg_len covers them).

import fs from 'node:fs';
import { createRequire } from 'node:module';
import { ADDON_FILE, loadAddon } from '../shipped.js';
import { ST_CLOSING, ST_ESTABLISHED, ST_LISTEN } from '../core/tcp-record.js';

export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
/** The original inet_diag request: both families in one dump. */
export const TCPDIAG_GETSOCK = 18;
export const SOCK_DIAG_BY_FAMILY = 20;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** Byte offsets in a reply message (nlmsghdr + inet_diag_msg). */
export const AT = {
  len: 0,
  type: 4,
  family: 16,
  state: 17,
  timer: 18,
  sport: 20,
  dport: 22,
  src: 24,
  dst: 40,
  rqueue: 72,
  wqueue: 76,
  uid: 80,
  inode: 84,
} as const;
/** nlmsghdr + inet_diag_msg: no socket record is shorter. */
export const RECORD_SIZE = 88;

/**
 * What the addon's open() asks for: 0 = TCPDIAG_GETSOCK (both families, one walk),
 * 4 / 6 = SOCK_DIAG_BY_FAMILY for one family (for a kernel that refuses the first).
 */
export type DumpKind = 0 | 4 | 6;

interface Addon {
  /** A netlink socket with the dump request for `states` (1 << TCP_* state) sent: its descriptor, or -errno. */
  open(kind: DumpKind, states: number): number;
}

/** Every state /proc/net/tcp lists, 1..11 (TCP_ESTABLISHED..TCP_CLOSING): 0xffe. */
export const ALL_STATES = ((1 << (ST_CLOSING + 1)) - 1) & ~((1 << ST_ESTABLISHED) - 1);
/** Listening sockets only: the kernel then walks only its listening hash. */
export const LISTEN_ONLY = 1 << ST_LISTEN;

export const ADDON_PATH = ADDON_FILE;

let addon: Addon | string | undefined;

/** The addon, or why it is not there (a sentence). Loaded once (src/shipped.ts finds it). */
export function sockDiagAddon(): Addon | string {
  if (addon !== undefined) return addon;
  const mod = loadAddon();
  if (typeof mod === 'string') return (addon = mod);
  const exports = mod.exports as Partial<Addon>;
  return (addon = typeof exports.open === 'function' ? (exports as Addon) : 'has no open()');
}

/**
 * Where the dump comes from: the kernel (the addon's socket, read with
 * fs.readSync), or in tests a fake that serves datagrams built by hand.
 */
export interface DiagTransport {
  /** A descriptor with the dump request sent, -errno when refused; throws SockDiagError when unavailable. */
  open(kind: DumpKind, states: number): number;
  /** Like fs.readSync (one datagram per call); throws an error with code EAGAIN once nothing is left. */
  read(fd: number, bytes: Uint8Array, offset: number, length: number): number;
  close(fd: number): void;
}

export const kernelTransport: DiagTransport = {
  open(kind, states) {
    const a = sockDiagAddon();
    if (typeof a === 'string') throw new SockDiagError('ENOADDON', `sock_diag addon ${a}`);
    return a.open(kind, states);
  },
  read: (fd, bytes, offset, length) => fs.readSync(fd, bytes, offset, length, null),
  close: (fd) => fs.closeSync(fd),
};

export class SockDiagError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SockDiagError';
  }
}

/** errno number → name (`EPERM`), for messages only. */
export function errnoName(errno: number): string {
  const { constants } = createRequire(import.meta.url)('node:os') as typeof import('node:os');
  for (const [name, n] of Object.entries(constants.errno)) if (n === errno) return name;
  return `errno ${errno}`;
}

/**
 * What the consumer of a run of messages says: CONTINUE (more to come), DONE
 * (NLMSG_DONE seen), or a negative errno (an NLMSG_ERROR, or an NLMSG_DONE
 * carrying one). MALFORMED: a message whose length does not fit the run.
 */
export const CONTINUE = 0;
export const DONE = 1;
export const MALFORMED = -100000;

/**
 * The status of a control message at `pos` (anything but a socket record):
 * DONE, -errno, or CONTINUE for a message to skip. Called by the scan loop.
 */
export function controlMessage(bytes: Uint8Array, words: Uint32Array, pos: number, len: number): number {
  const type = bytes[pos + AT.type]! | (bytes[pos + AT.type + 1]! << 8);
  // Both carry an int after the header: 0, or a negative errno (an NLMSG_ERROR with 0 is an acknowledgement).
  const code = len >= 20 ? words[(pos + 16) >> 2]! | 0 : 0;
  if (type === NLMSG_ERROR || type === NLMSG_DONE) return code < 0 ? code : type === NLMSG_DONE ? DONE : CONTINUE;
  return CONTINUE;
}

/**
 * How datagrams are handed on: the scheme of LineRuns in proc-net-tcp.ts, for the
 * same reason. The consumer's loop runs ~10× faster once V8 has optimised it
 * (~60 ns against ~0.6 µs a record), which takes 15-20 ms of background
 * compiling after it ran hot, about as long as the kernel takes for the whole
 * dump of 75,000 sockets. So: the first FIRST_RUN bytes (~6,000 records; after
 * a first run of 128 KiB, V8 marked the loop hot only once the read-ahead was
 * over) are handed on at once, then an empty run (a
 * call: the compile starts), then up to READ_AHEAD bytes are read before anything
 * else is handed on, in PIECE-sized runs, each a new call that picks up the
 * optimised code as soon as it exists. Measured, census of 75,000 sockets,
 * medians of 21 interleaved runs on a noisy machine: 58 ms handing on each
 * datagram as it comes, 62 with a 128 KiB first run, 53 with 512 KiB, 56 with 1 MiB.
 */
const FIRST_RUN = 512 * 1024;
const READ_AHEAD = 4 * 1024 * 1024;
const PIECE = 128 * 1024;
/**
 * One read's room. A dump datagram is at most 32 KiB (netlink_recvmsg caps it),
 * and a read shorter than the datagram would silently cut it: a read that fills
 * the room is taken for one that did, and refused.
 */
const ROOM = 64 * 1024;

/**
 * Dumps the TCP sockets (in `states`) of this process's network namespace,
 * handing runs of whole messages to `onRun(state, bytes, words, start, end)`, which returns a
 * status (CONTINUE, DONE, -errno, MALFORMED); start = end is an empty run (see
 * FIRST_RUN). `words` views the same bytes as native-endian 32-bit words (runs
 * start 4-byte aligned, as the messages are). The socket is non-blocking: the
 * kernel queues the next datagram while the last one is read, so a read that
 * finds nothing means the dump is over, and the consumer must have seen
 * NLMSG_DONE by then. Throws SockDiagError when the addon is missing, the kernel
 * refuses, or a reply is malformed.
 */
export function readSockDiag<T>(
  kind: DumpKind,
  state: T,
  onRun: (state: T, bytes: Uint8Array, words: Uint32Array, start: number, end: number) => number,
  transport: DiagTransport = kernelTransport,
  states = ALL_STATES,
): void {
  const fd = transport.open(kind, states);
  if (fd < 0) throw new SockDiagError(errnoName(-fd), `netlink sock_diag: ${errnoName(-fd)}`);
  let bytes = new Uint8Array(FIRST_RUN + ROOM);
  let words = new Uint32Array(bytes.buffer);
  let filled = 0;
  let gather = FIRST_RUN;
  let done = false;
  /** Datagram ends in bytes[0, filled): where a run may be cut. */
  const ends: number[] = [];
  const hand = (start: number, end: number): void => {
    const status = onRun(state, bytes, words, start, end);
    if (status === DONE) done = true;
    else if (status === MALFORMED) throw new SockDiagError('EPROTO', 'netlink sock_diag: a message does not fit its datagram');
    else if (status < 0) throw new SockDiagError(errnoName(-status), `netlink sock_diag: the kernel answered ${errnoName(-status)}`);
  };
  const handOn = (): void => {
    let start = 0;
    for (let i = 0; i < ends.length && !done; i++) {
      if (ends[i]! - start >= PIECE || i === ends.length - 1) {
        hand(start, ends[i]!);
        start = ends[i]!;
      }
    }
    ends.length = 0;
    filled = 0;
  };
  try {
    while (!done) {
      let n: number;
      try {
        n = transport.read(fd, bytes, filled, ROOM);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') break;
        throw new SockDiagError(code, `netlink sock_diag: reading the dump: ${code}`);
      }
      if (n === 0) break;
      if (n >= ROOM) throw new SockDiagError('EMSGSIZE', `netlink sock_diag: a datagram of ${n} bytes or more filled the read; it may have been cut`);
      filled += n;
      ends.push(filled);
      if (filled < gather) continue;
      handOn();
      if (gather === FIRST_RUN && !done) {
        // A big table: one buffer for the read-ahead window, and the compile started.
        gather = READ_AHEAD;
        bytes = new Uint8Array(READ_AHEAD + ROOM);
        words = new Uint32Array(bytes.buffer);
        hand(0, 0);
      }
    }
    if (!done && ends.length > 0) handOn();
    if (!done) throw new SockDiagError('EIO', 'netlink sock_diag: the dump ended without NLMSG_DONE');
  } finally {
    transport.close(fd);
  }
}
