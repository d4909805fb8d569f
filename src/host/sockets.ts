// The TCP socket census behind `knobs sockets`: state counts (IPv4 + IPv6), who
// holds CLOSE_WAIT sockets, where TIME_WAIT comes from and which side closed
// first, local-port use per destination against ip_local_port_range, and the
// sockstat / TcpExt counters that show how close the host is to a limit.
// kernel-facts.md §2 (TIME_WAIT), §3 (CLOSE_WAIT), §4.1–4.2 (formats).
//
// Cost model: one streaming pass over the socket table that keeps only numbers
// (typed arrays, an open-addressing table of remote ip:port); text is produced
// only for the top entries that are printed. On the live host the table comes
// from netlink sock_diag (sock-diag.ts: ~3× less kernel time than /proc/net/tcp),
// each record turned into the entry its /proc line would give; under --root, or
// without the addon, from proc/net/tcp{,6}. /proc/<pid>/fd is walked only when
// a CLOSE_WAIT or LISTEN socket needs an owner, and stops once all are found.

import fs from 'node:fs';
import { topK } from '../core/top-k.js';
import { TCP_STATES, type PeerCount, type SocketFacts, type TcpState } from '../core/types.js';
import { describeErrno, type HostFs } from './host-fs.js';
import {
  ST_CLOSE_WAIT, ST_CLOSING, ST_FIN_WAIT1, ST_FIN_WAIT2, ST_LAST_ACK, ST_LISTEN, ST_SYN_RECV, ST_TIME_WAIT,
  HEX, TIMER_TIME_WAIT, decodeAddressAt, decodeHexAddress, exactStateAt, formatPeer, ipv4FromWord,
  ipv4Number, ipv6SortKey, isLoopback, parseLineAt, rawAddressAt, readLineChunks, writeProcHexWords, type TcpEntry,
} from './proc-net-tcp.js';
import { parseNetstat, parseSockstat } from './proc-net-stat.js';
import {
  AF_INET, AF_INET6, ALL_STATES, AT, CONTINUE, LISTEN_ONLY, MALFORMED, RECORD_SIZE, SOCK_DIAG_BY_FAMILY, SockDiagError,
  TCPDIAG_GETSOCK, controlMessage, readSockDiag, type DiagTransport, type DumpKind,
} from './sock-diag.js';

/** TCP_TIMEWAIT_LEN: fixed, not tunable (include/net/tcp.h). */
export const TIME_WAIT_SECONDS = 60;
/** Compiled default of net.ipv4.ip_local_port_range (since 4.2). */
export const DEFAULT_PORT_RANGE: [number, number] = [32768, 60999];
/** Upper bound of timeWaitByDestination in SocketFacts (keeps facts snapshots small). */
export const FACTS_DESTINATION_LIMIT = 256;

/** TcpExt / sockstat counters surfaced in the census and in SocketFacts.counters. */
export const TCPEXT_COUNTERS = [
  'ListenOverflows', 'ListenDrops', 'TCPTimeWaitOverflow', 'TW', 'TWKilled', 'TWRecycled',
  'TCPAbortOnMemory', 'TCPAbortOnTimeout', 'TCPReqQFullDrop', 'TCPReqQFullDoCookies', 'TCPBacklogDrop',
  'SyncookiesSent', 'TCPOrphanQueued',
] as const;

export interface SocketOwner {
  pid: number;
  comm: string | null;
}

export interface ListenerInfo {
  /** `ip:port` as bound (`0.0.0.0:80`, `[::]:443`). */
  local: string;
  port: number;
  family: 4 | 6;
  /** Current accept-queue length (rx_queue of a LISTEN line). */
  acceptQueue: number;
  inode: number;
  owners: SocketOwner[];
}

export interface CloseWaitProcess {
  pid: number;
  comm: string | null;
  /** proc/<pid>/cmdline with NULs as spaces; null when unreadable or empty (kernel thread). */
  cmdline: string | null;
  count: number;
  localPorts: number[];
  /** Remote ip:port of its CLOSE_WAIT sockets (top N). */
  peers: PeerCount[];
  /** The same grouped by remote address (clients of a server use a new port each time). */
  peerAddresses: { ip: string; count: number }[];
}

export interface Uninspectable {
  pid: number;
  comm: string | null;
  /** errno code of the failed readdir or readlink in proc/<pid>/fd (EACCES when not root). */
  error: string;
  /** The reason in words, and what to do about it (see uninspectableWhy). */
  why: string;
}

/**
 * Why a process's descriptors could not be read. Reading proc/<pid>/fd/* needs
 * ptrace read access to the process: another user's process is refused to a
 * non-root user, and even root is refused a process that is not dumpable or lives
 * in another user namespace when it lacks CAP_SYS_PTRACE over it (containers, some
 * init systems): "run as root" would then be wrong advice.
 */
export function uninspectableWhy(error: string, euid: number | null): string {
  if (error !== 'EACCES' && error !== 'EPERM') return `proc/<pid>/fd: ${describeErrno(error)}`;
  return euid === 0
    ? 'refused even to root: the process is not dumpable or in another user namespace, and this root lacks CAP_SYS_PTRACE over it'
    : "refused to this user (another user's process, or one that is not dumpable): run knobs as root to name its sockets";
}

export interface TimeWaitPeer extends PeerCount {
  /** outgoing: local port is ephemeral (we were the client); incoming: local port listens (we were the server). */
  direction: 'outgoing' | 'incoming' | 'mixed';
}

export interface DestinationUse {
  /** Remote `ip:port` we connect to. */
  peer: string;
  /** Distinct local ports used towards it (all outgoing states). */
  localPorts: number;
  timeWait: number;
  /** Outgoing sockets to it that are not in TIME_WAIT. */
  open: number;
  /** localPorts as a percentage of the usable ephemeral ports. */
  usedPercent: number;
  /** TIME_WAIT count ÷ 60 s: connections per second being closed (by us) to it. */
  turnoverPerSecond: number;
  /** Usable ports ÷ 60 s: the sustainable rate of new connections when we close first and nothing is reused. */
  capacityPerSecond: number;
  loopback: boolean;
  /** tcp_tw_reuse applies to this destination (1, or 2 and loopback). */
  twReuseApplies: boolean;
}

export interface Advice {
  id: string;
  severity: 'critical' | 'warning' | 'info';
  message: string;
}

export interface SocketCensus {
  available: boolean;
  /** Why the sockets could not be read (available false), else null. */
  error: string | null;
  source: SocketSource;
  /** Why /proc was read although netlink could have been (addon not built, kernel refused), else null. */
  sourceNote: string | null;
  /**
   * The /proc tables read (none from netlink). `skipped`: why proc/net/tcp6 was not
   * read although it exists (the counters show it holds nothing, see ipv6TableEmpty).
   */
  files: { path: string; lines: number; malformed: number; error: string | null; skipped?: string }[];
  total: number;
  families: { ipv4: number; ipv6: number };
  states: Record<TcpState, number>;
  /** Sockets no process holds (inode 0) broken down. */
  orphans: {
    /** Orphaned FIN_WAIT2 turned into a timewait minisock (st 05, tr 3, inode 0): counted in sockstat tw. */
    finWait2Minisocks: number;
    /** Full sockets the application closed that are still finishing (FIN_WAIT1/FIN_WAIT2/LAST_ACK/CLOSING, inode 0). */
    closedByApp: number;
    /** Request sockets (half-open SYN_RECV, inode 0). */
    halfOpen: number;
  };
  listenPorts: number[];
  listeners: ListenerInfo[];
  closeWait: {
    count: number;
    byProcess: CloseWaitProcess[];
    byPeer: PeerCount[];
    /** CLOSE_WAIT sockets whose owner was not found (process not inspectable). */
    unowned: number;
    uninspectable: Uninspectable[];
  };
  timeWait: {
    count: number;
    /** Who closed first: asClient = local port ephemeral (outgoing), asServer = local port is listening. */
    closedFirst: { asClient: number; asServer: number };
    byPeer: TimeWaitPeer[];
    outgoing: { count: number; byDestination: PeerCount[] };
    incoming: { count: number; byLocalPort: { port: number; count: number }[]; byClient: { ip: string; count: number }[] };
    seconds: number;
  };
  ports: {
    range: [number, number];
    rangeSource: 'live' | 'default';
    size: number;
    reserved: number;
    usable: number;
    timeWaitSeconds: number;
    /** usable ÷ 60: new connections per second per destination when we close first and nothing is reused. */
    capacityPerSecond: number;
    twReuse: number | null;
    timestamps: number | null;
    destinations: DestinationUse[];
    worst: DestinationUse | null;
  };
  limits: {
    timeWait: { current: number | null; max: number | null; percent: number | null };
    orphans: { current: number | null; max: number | null; percent: number | null };
    somaxconn: number | null;
    finTimeout: number | null;
  };
  counters: Record<string, number>;
  advice: Advice[];
  /** Wall-clock time the census took, ms. */
  elapsedMs: number;
}

export interface CensusOptions {
  /** How many entries each top-list keeps (default 10). */
  top?: number;
  /** Walk proc/<pid>/fd to find owners (default true; only done when needed). */
  owners?: boolean;
  /** Where the socket tables come from (default 'auto', see readSocketTables()). */
  source?: SocketSourceOption;
  /** Where a netlink dump comes from (tests: a fake; then netlink is read under --root too). */
  diagTransport?: DiagTransport;
}

/** Where the census read the sockets: netlink sock_diag, or proc/net/tcp{,6}. */
export type SocketSource = 'netlink' | 'proc';
export type SocketSourceOption = SocketSource | 'auto';
export const SOCKET_SOURCES: readonly SocketSourceOption[] = ['auto', 'netlink', 'proc'];

// ---- the scan: one pass, numbers only ----------------------------------------------
//
// Cost model (75,000 TIME_WAIT lines, measured): the process lives ~0.2 s, and the
// per-line loop costs ~1 µs a line until V8 has optimised it, ~57 ns after. So
// what counts is how soon optimised code runs and that it sticks: one small fused
// loop (parse the four fields TIME_WAIT and ESTABLISHED need → count) over the
// fixed fields of a class instance, no growth checks per line (reserve() per run),
// and runs handed on by readLineChunks so that V8 compiles the loop while the kernel
// is still formatting the table (see LineRuns in proc-net-tcp.ts). Lines in other
// states go to countFullLine(). (Tried and dropped: priming the type feedback with
// synthetic lines, which cost as much as it saved; switching off on-stack
// replacement and lowering V8's interrupt budget during the scan, which loading
// node:v8 (~4 ms) cancelled out.)

/**
 * Everything the census keeps from the scan. Remote endpoints are interned to
 * dense ids (IPv4 in an open-addressing table of numbers, IPv6 by raw hex in a
 * Map); per-id counters live in typed arrays.
 */
class TcpScan {
  stateCounts = new Float64Array(16);
  orphans = { finWait2Minisocks: 0, closedByApp: 0, halfOpen: 0 };
  /** Ports with a LISTEN socket. */
  listen: Uint8Array;
  /** Local ports of the sockets seen so far. */
  seenLocal = new Uint8Array(65536);
  listeners: { family: 4 | 6; local: string; port: number; acceptQueue: number; inode: number }[] = [];
  /**
   * Listening ports whose LISTEN line came after other sockets on them (each table
   * lists its own listeners first, but tcp6 is read after tcp): those sockets were
   * counted as outgoing, and reclassifyLateListeners() moves them.
   */
  lateListenPorts: number[] = [];

  cap: number;
  nPeers = 0;
  mask: number;
  slots: Int32Array;
  peerFam: Uint8Array;
  peerWord: Uint32Array;
  peerPort: Uint16Array;
  twAll: Uint32Array;
  twOut: Uint32Array;
  twIn: Uint32Array;
  outUse: Uint32Array;
  v6ids = new Map<string, number>();
  v6raw = new Map<number, string>();

  nOut = 0;
  outPeer: Uint32Array;
  outPort: Uint16Array;
  /** 1: the outgoing socket is in TIME_WAIT. */
  outTw: Uint8Array;
  /**
   * Distinct local ports of the first TRACKED outgoing destinations, counted during
   * the scan (one port bitmap each): usually the busiest ones are among them and
   * the post-pass over all outgoing sockets (distinctLocalPorts) is not needed.
   * trackOf: peer id → tracking slot + 1 (0: not tracked).
   */
  trackOf: Uint8Array;
  nTracked = 0;
  trackBits = new Uint8Array(TRACKED * 8192);
  trackDistinct = new Int32Array(TRACKED);

  twOutTotal = 0;
  twInTotal = 0;
  twInByPort = new Uint32Array(65536);
  /** Local ports with an incoming TIME_WAIT, in order of first appearance. */
  twInPorts: number[] = [];
  clientCounts = new Map<number | string, number>();
  cwInode: number[] = [];
  cwPort: number[] = [];
  cwPeer: number[] = [];

  /** Per file (from netlink: the IPv4 sockets, and lines6 the IPv6 ones). */
  lines = 0;
  lines6 = 0;
  malformed = 0;
  /** Reused for lines parsed in full. */
  entry: TcpEntry = {
    family: 4, state: 0, localPort: 0, remotePort: 0, remoteWord: 0, txQueue: 0, rxQueue: 0,
    timerType: 0, uid: 0, inode: 0, buf: Buffer.alloc(0), localAt: 0, remoteAt: 0,
  };

  constructor(cap = 1024) {
    this.listen = new Uint8Array(65536);
    this.cap = cap;
    this.mask = cap * 2 - 1;
    this.slots = new Int32Array(cap * 2);
    this.peerFam = new Uint8Array(cap);
    this.peerWord = new Uint32Array(cap);
    this.peerPort = new Uint16Array(cap);
    this.twAll = new Uint32Array(cap);
    this.twOut = new Uint32Array(cap);
    this.twIn = new Uint32Array(cap);
    this.outUse = new Uint32Array(cap);
    this.outPeer = new Uint32Array(cap * 8);
    this.outPort = new Uint16Array(cap * 8);
    this.outTw = new Uint8Array(cap * 8);
    this.trackOf = new Uint8Array(cap);
  }
}

/** Outgoing destinations whose distinct local ports are counted during the scan. */
const TRACKED = 16;

/** No socket line is shorter: a chunk of n bytes holds fewer than n / MIN_LINE sockets. */
const MIN_LINE = 64;

function hashV4(word: number, port: number, mask: number): number {
  let h = Math.imul(word ^ Math.imul(port, 0x9e3779b1), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return (h ^ (h >>> 13)) & mask;
}

/**
 * Room for `lines` more sockets: peers (the hash table stays at most half full)
 * and outgoing entries. Called once per chunk, so the per-line code never grows
 * anything.
 */
function reserve(s: TcpScan, lines: number): void {
  if (s.nOut + lines > s.outPeer.length) {
    const n = Math.max(s.outPeer.length * 2, s.nOut + lines);
    const x = new Uint32Array(n);
    x.set(s.outPeer);
    s.outPeer = x;
    const y = new Uint16Array(n);
    y.set(s.outPort);
    s.outPort = y;
    const z = new Uint8Array(n);
    z.set(s.outTw);
    s.outTw = z;
  }
  if (s.nPeers + lines <= s.cap) return;
  let n = s.cap * 2;
  while (n < s.nPeers + lines) n *= 2;
  const g8 = (a: Uint8Array) => { const b = new Uint8Array(n); b.set(a); return b; };
  const g16 = (a: Uint16Array) => { const b = new Uint16Array(n); b.set(a); return b; };
  const g32 = (a: Uint32Array) => { const b = new Uint32Array(n); b.set(a); return b; };
  s.peerFam = g8(s.peerFam);
  s.peerWord = g32(s.peerWord);
  s.peerPort = g16(s.peerPort);
  s.twAll = g32(s.twAll);
  s.twOut = g32(s.twOut);
  s.twIn = g32(s.twIn);
  s.outUse = g32(s.outUse);
  s.trackOf = g8(s.trackOf);
  s.cap = n;
  const slots = new Int32Array(n * 2);
  const mask = n * 2 - 1;
  for (let id = 0; id < s.nPeers; id++) {
    if (s.peerFam[id] !== 4) continue;
    let h = hashV4(s.peerWord[id]!, s.peerPort[id]!, mask);
    while (slots[h] !== 0) h = (h + 1) & mask;
    slots[h] = id + 1;
  }
  s.slots = slots;
  s.mask = mask;
}

/**
 * Dense id of an IPv4 remote endpoint. The probe step is the first statement of
 * the loop so that it runs on every call: V8 then has type feedback for it when
 * the first collision comes (a branch never run before discards the optimised
 * scan loop, "insufficient type feedback", and re-optimising takes ~50 chunks).
 */
function peerV4(s: TcpScan, word: number, port: number): number {
  const slots = s.slots;
  const mask = s.mask;
  let h = hashV4(word, port, mask) - 1;
  for (;;) {
    h = (h + 1) & mask;
    const sl = slots[h]!;
    if (sl === 0) return newPeerV4(s, word, port, h);
    if (s.peerWord[sl - 1] === word && s.peerPort[sl - 1] === port && s.peerFam[sl - 1] === 4) return sl - 1;
  }
}

/** A new IPv4 peer in the free slot h (found by peerV4). */
function newPeerV4(s: TcpScan, word: number, port: number, h: number): number {
  const id = s.nPeers++;
  s.peerFam[id] = 4;
  s.peerWord[id] = word;
  s.peerPort[id] = port;
  s.slots[h] = id + 1;
  return id;
}

/** Dense id of an IPv6 remote endpoint whose hex digits start at buf[at]. */
function peerV6(s: TcpScan, buf: Buffer, at: number, word: number, port: number): number {
  const raw = rawAddressAt(buf, at, 6);
  const key = raw + port;
  let id = s.v6ids.get(key);
  if (id === undefined) {
    id = s.nPeers++;
    s.peerFam[id] = 6;
    s.peerWord[id] = word;
    s.peerPort[id] = port;
    s.v6ids.set(key, id);
    s.v6raw.set(id, raw);
  }
  return id;
}

function pushOut(s: TcpScan, id: number, lp: number, tw: number): void {
  s.outPeer[s.nOut] = id;
  s.outPort[s.nOut] = lp;
  s.outTw[s.nOut] = tw;
  s.nOut++;
  // Written without a branch that only a new destination takes: such a branch has no
  // type feedback when it first runs and discards the optimised scan loop (see peerV4).
  const nt = s.nTracked;
  const room = nt < TRACKED ? 1 : 0;
  let t = s.trackOf[id]!;
  const fresh = t === 0 ? room : 0;
  t += fresh * (nt + 1);
  s.nTracked = nt + fresh;
  s.trackOf[id] = t;
  if (t !== 0) {
    const byte = ((t - 1) << 13) | (lp >> 3);
    const bit = 1 << (lp & 7);
    const b = s.trackBits[byte]!;
    if ((b & bit) === 0) {
      s.trackBits[byte] = b | bit;
      s.trackDistinct[t - 1]!++;
    }
  }
}

function incomingTimeWait(s: TcpScan, id: number, lp: number, v4: boolean, word: number): void {
  s.twIn[id]!++;
  s.twInTotal++;
  if (s.twInByPort[lp]!++ === 0) s.twInPorts.push(lp);
  const key = v4 ? word : s.v6raw.get(id)!;
  s.clientCounts.set(key, (s.clientCounts.get(key) ?? 0) + 1);
}

/**
 * The lines of buf[0, end) (end is just past a newline). The four fields every
 * socket needs (state, local port, remote address word and port) are read at the
 * kernel's fixed offsets here; lines in other states, or not in the exact layout,
 * are parsed in full by countFullLine().
 */
function scanChunk(s: TcpScan, buf: Buffer, end: number, family: 4 | 6): void {
  const H = HEX;
  const v4 = family === 4;
  const A = v4 ? 8 : 32;
  const stateCounts = s.stateCounts;
  reserve(s, Math.ceil(end / MIN_LINE));
  let pos = 0;
  while (pos < end) {
    // IPv4 lines are padded to 149 characters: the newline is usually right there.
    // (One loop for both cases, its increment run for every line: see peerV4.)
    let nl = pos - 1;
    if (v4 && pos + 149 < end && buf[pos + 149] === 10) nl = pos + 148;
    do nl++;
    while (buf[nl] !== 10);
    const lineStart = pos;
    pos = nl + 1;
    // `%4d: ` then the local address
    let p = lineStart;
    while (buf[p] === 32) p++;
    const digits = p;
    while (buf[p]! >= 48 && buf[p]! <= 57) p++;
    let st = -1;
    if (p !== digits && buf[p] === 58) {
      p++;
      while (buf[p] === 32) p++;
      const sp = exactStateAt(buf, p, A, nl);
      if (sp >= 0) st = (H[buf[sp]!]! << 4) | H[buf[sp + 1]!]!;
    }
    // ESTABLISHED, SYN_SENT, TIME_WAIT, CLOSE: nothing after the state field is needed.
    let lp = -1;
    let port = -1;
    let whi = -1;
    let wlo = -1;
    if (st === 6 || st === 1 || st === 2 || st === 7) {
      let at = p + A + 1;
      lp = (H[buf[at]!]! << 12) | (H[buf[at + 1]!]! << 8) | (H[buf[at + 2]!]! << 4) | H[buf[at + 3]!]!;
      at = p + 2 * A + 7;
      port = (H[buf[at]!]! << 12) | (H[buf[at + 1]!]! << 8) | (H[buf[at + 2]!]! << 4) | H[buf[at + 3]!]!;
      at = p + 2 * A - 2;
      whi = (H[buf[at]!]! << 12) | (H[buf[at + 1]!]! << 8) | (H[buf[at + 2]!]! << 4) | H[buf[at + 3]!]!;
      wlo = (H[buf[at + 4]!]! << 12) | (H[buf[at + 5]!]! << 8) | (H[buf[at + 6]!]! << 4) | H[buf[at + 7]!]!;
    }
    // Everything else (headers, other states, odd layouts, bad hex): one call site, so
    // that it has type feedback from the header and LISTEN lines at the start.
    if ((lp | port | whi | wlo) < 0) {
      countFullLine(s, buf, lineStart, nl, family);
      continue;
    }
    const word = whi * 65536 + wlo;
    s.lines++;
    stateCounts[st]!++;
    const id = v4 ? peerV4(s, word, port) : peerV6(s, buf, p + A + 6, word, port);
    countConnection(s, st, id, lp, v4, word);
  }
}

/** A socket with a peer (any state but LISTEN): which side, TIME_WAIT, local ports per destination. */
function countConnection(s: TcpScan, st: number, id: number, lp: number, v4: boolean, word: number): void {
  s.seenLocal[lp] = 1;
  const incoming = s.listen[lp] === 1;
  if (st === ST_TIME_WAIT) {
    s.twAll[id]!++;
    if (incoming) incomingTimeWait(s, id, lp, v4, word);
    else {
      s.twOut[id]!++;
      s.twOutTotal++;
    }
  }
  if (!incoming) {
    s.outUse[id]!++;
    pushOut(s, id, lp, st === ST_TIME_WAIT ? 1 : 0);
  }
}

/**
 * The sockets counted as outgoing on ports whose listener showed up later (see
 * lateListenPorts) are incoming: moved in one pass over the outgoing sockets, where
 * reading both tables again cost +80 ms at 75,000 TIME_WAIT. Destinations that lost
 * sockets get their distinct local ports recounted (distinctLocalPorts).
 */
function reclassifyLateListeners(s: TcpScan): void {
  const late = new Uint8Array(65536);
  for (const port of s.lateListenPorts) late[port] = 1;
  const { outPeer, outPort, outTw } = s;
  let kept = 0;
  for (let i = 0; i < s.nOut; i++) {
    const id = outPeer[i]!;
    const lp = outPort[i]!;
    if (late[lp] === 0) {
      outPeer[kept] = id;
      outPort[kept] = lp;
      outTw[kept] = outTw[i]!;
      kept++;
      continue;
    }
    s.outUse[id]!--;
    if (outTw[i] === 1) {
      s.twOut[id]!--;
      s.twOutTotal--;
      incomingTimeWait(s, id, lp, s.peerFam[id] === 4, s.peerWord[id]!);
    }
    s.trackOf[id] = 0;
  }
  s.nOut = kept;
  s.lateListenPorts = [];
}

/** A line parsed in full: LISTEN, SYN_RECV, CLOSE_WAIT, the closing states, and unusual layouts. */
function countFullLine(s: TcpScan, buf: Buffer, pos: number, nl: number, family: 4 | 6): void {
  const e = s.entry;
  e.family = family;
  const r = parseLineAt(buf, pos, nl, e);
  if (r <= 0) {
    if (r < 0) s.malformed++;
    return;
  }
  s.lines++;
  countEntry(s, e, family);
}

/** Any socket but the four states scanChunk counts itself, parsed into `e` (addresses as hex in e.buf). */
function countEntry(s: TcpScan, e: TcpEntry, family: 4 | 6): void {
  const buf = e.buf;
  const st = e.state;
  s.stateCounts[st & 15]!++;
  const lp = e.localPort;
  if (st === ST_LISTEN) {
    if (s.listen[lp] === 0 && s.seenLocal[lp] === 1) s.lateListenPorts.push(lp);
    s.listen[lp] = 1;
    s.listeners.push({
      family,
      local: formatPeer(decodeAddressAt(buf, e.localAt, family), lp),
      port: lp,
      acceptQueue: e.rxQueue,
      inode: e.inode,
    });
    return;
  }
  if (st === ST_SYN_RECV) {
    if (e.inode === 0) s.orphans.halfOpen++;
    return;
  }
  if (st !== ST_TIME_WAIT && e.inode === 0) {
    if (st === ST_FIN_WAIT2 && e.timerType === TIMER_TIME_WAIT) s.orphans.finWait2Minisocks++;
    else if (st === ST_FIN_WAIT1 || st === ST_FIN_WAIT2 || st === ST_LAST_ACK || st === ST_CLOSING) s.orphans.closedByApp++;
  }
  const word = e.remoteWord;
  const id = family === 4 ? peerV4(s, word, e.remotePort) : peerV6(s, buf, e.remoteAt, word, e.remotePort);
  countConnection(s, st, id, lp, family === 4, word);
  if (st === ST_CLOSE_WAIT) {
    s.cwInode.push(e.inode);
    s.cwPort.push(lp);
    s.cwPeer.push(id);
  }
}

// ---- the same census from netlink sock_diag (see sock-diag.ts) ----------------------

/**
 * The addresses of the record being counted, printed as proc/net/tcp prints them
 * (local at 0, remote at 40): a record becomes the very entry its /proc line
 * would, and everything after the parse is shared.
 */
const DIAG_HEX = Buffer.alloc(72);

/**
 * The socket records of bytes[start, end) (whole messages, 4-byte aligned; `words`
 * views the bytes as native-endian u32). The same fused loop as scanChunk, with the
 * fixed-offset binary fields instead of hex; returns CONTINUE, or the status of a
 * control message (NLMSG_DONE, an error) or MALFORMED.
 */
function scanDiagRun(s: TcpScan, bytes: Uint8Array, words: Uint32Array, start: number, end: number): number {
  const stateCounts = s.stateCounts;
  reserve(s, Math.ceil((end - start) / RECORD_SIZE));
  let pos = start;
  while (pos < end) {
    const len = words[pos >> 2]!;
    if (len < 16 || len > end - pos) return MALFORMED;
    const at = pos;
    pos += (len + 3) & ~3;
    const type = bytes[at + AT.type]! | (bytes[at + AT.type + 1]! << 8);
    const fam = bytes[at + AT.family]!;
    // Anything but a whole TCP record of either family: a control message (its status
    // ends the run), or skipped.
    if ((type !== TCPDIAG_GETSOCK && type !== SOCK_DIAG_BY_FAMILY) || len < RECORD_SIZE || (fam !== AF_INET && fam !== AF_INET6)) {
      const status = controlMessage(bytes, words, at, len);
      if (status !== CONTINUE) return status;
      continue;
    }
    const v4 = fam === AF_INET;
    const st = bytes[at + AT.state]!;
    const lp = (bytes[at + AT.sport]! << 8) | bytes[at + AT.sport + 1]!;
    const port = (bytes[at + AT.dport]! << 8) | bytes[at + AT.dport + 1]!;
    // The last word of the remote address: the whole of an IPv4 one.
    const word = words[(at + AT.dst + (v4 ? 0 : 12)) >> 2]!;
    if (v4) s.lines++;
    else s.lines6++;
    if (st === 6 || st === 1 || st === 2 || st === 7) {
      stateCounts[st]!++;
      let id: number;
      if (v4) id = peerV4(s, word, port);
      else {
        writeProcHexWords(DIAG_HEX, 40, words, (at + AT.dst) >> 2, 4);
        id = peerV6(s, DIAG_HEX, 40, word, port);
      }
      countConnection(s, st, id, lp, v4, word);
      continue;
    }
    const e = s.entry;
    const family = v4 ? 4 : 6;
    const n = v4 ? 1 : 4;
    writeProcHexWords(DIAG_HEX, 0, words, (at + AT.src) >> 2, n);
    writeProcHexWords(DIAG_HEX, 40, words, (at + AT.dst) >> 2, n);
    e.family = family;
    e.state = st;
    e.localPort = lp;
    e.remotePort = port;
    e.remoteWord = word;
    e.txQueue = words[(at + AT.wqueue) >> 2]!;
    e.rxQueue = words[(at + AT.rqueue) >> 2]!;
    e.timerType = bytes[at + AT.timer]!;
    e.uid = words[(at + AT.uid) >> 2]!;
    e.inode = words[(at + AT.inode) >> 2]!;
    e.buf = DIAG_HEX;
    e.localAt = 0;
    e.remoteAt = 40;
    countEntry(s, e, family);
  }
  return CONTINUE;
}

const TCP_FILE = { 4: 'proc/net/tcp', 6: 'proc/net/tcp6' } as const;

type FileReport = SocketCensus['files'][number];

/** proc/net/sockstat and sockstat6, read once after the IPv4 table: the IPv6 check and the counters. */
interface SockstatTexts {
  sockstat: string | null;
  sockstat6: string | null;
}

/** What a scan produced, whichever source it read. */
interface Scan {
  acc: TcpScan;
  source: SocketSource;
  /** Why netlink was not used although it could have been (auto), else null. */
  sourceNote: string | null;
  /** proc/net/tcp{,6} as read (empty for netlink). */
  files: FileReport[];
  /** Socket records per family (lines for /proc). */
  families: { ipv4: number; ipv6: number };
  /** null: the sockets could be read; else why not (the CLI's error). */
  error: string | null;
  sockstat: SockstatTexts;
}

/**
 * Reads the socket tables from `source`: 'auto' is netlink sock_diag on the live
 * host (root /) when the addon is built and the kernel answers, else /proc;
 * 'netlink' insists (an error otherwise); 'proc' always reads proc/net/tcp{,6}.
 * Under --root only /proc can be read: netlink would show this machine's kernel.
 */
function readSocketTables(hfs: HostFs, source: SocketSourceOption, transport?: DiagTransport, states = ALL_STATES): Scan {
  let sourceNote: string | null = null;
  const live = hfs.root === '/' || transport !== undefined;
  if (source === 'netlink' && !live) throw new SockDiagError('EINVAL', 'netlink reads the running kernel, not a --root tree: use --source proc (the default under --root)');
  if (source !== 'proc' && live) {
    try {
      return scanNetlink(hfs, transport, states);
    } catch (err) {
      if (source === 'netlink' || !(err instanceof SockDiagError)) throw err;
      sourceNote = `${err.message}: read /proc/net/tcp instead`;
    }
  }
  return { ...scanProc(hfs), sourceNote };
}

/** Both families in one dump; a kernel that refuses the old request type gets one per family. */
function scanNetlink(hfs: HostFs, transport: DiagTransport | undefined, states: number): Scan {
  let s = new TcpScan();
  try {
    readSockDiag(0, s, scanDiagRun, transport, states);
  } catch (err) {
    if (!(err instanceof SockDiagError) || err.code === 'ENOADDON') throw err;
    s = new TcpScan();
    for (const kind of [4, 6] as DumpKind[]) readSockDiag(kind, s, scanDiagRun, transport, states);
  }
  if (s.lateListenPorts.length > 0) reclassifyLateListeners(s);
  const sockstat = { sockstat: safeText(hfs, 'proc/net/sockstat'), sockstat6: safeText(hfs, 'proc/net/sockstat6') };
  return { acc: s, source: 'netlink', sourceNote: null, files: [], families: { ipv4: s.lines, ipv6: s.lines6 }, error: null, sockstat };
}

function scanProc(hfs: HostFs): Omit<Scan, 'sourceNote'> {
  const s = new TcpScan();
  const report: Partial<Record<4 | 6, FileReport>> = {};
  let sockstat: SockstatTexts = { sockstat: null, sockstat6: null };
  for (const family of [4, 6] as const) {
    const path = TCP_FILE[family];
    s.lines = 0;
    s.malformed = 0;
    if (family === 6) {
      // After the IPv4 table: the counters that may show tcp6 empty.
      sockstat = { sockstat: safeText(hfs, 'proc/net/sockstat'), sockstat6: safeText(hfs, 'proc/net/sockstat6') };
      const why = report[4]!.error === null ? ipv6TableEmpty(sockstat, s) : null;
      if (why !== null && hfs.exists(path)) {
        report[6] = { path: `/${path}`, lines: 0, malformed: 0, error: null, skipped: why };
        continue;
      }
    }
    try {
      readLineChunks(hfs.resolve(path), s, family, scanChunk);
      report[family] = { path: `/${path}`, lines: s.lines, malformed: s.malformed, error: null };
    } catch (err) {
      report[family] = { path: `/${path}`, lines: 0, malformed: 0, error: (err as NodeJS.ErrnoException).code ?? 'EIO' };
    }
  }
  if (s.lateListenPorts.length > 0) reclassifyLateListeners(s);
  const files = [report[4]!, report[6]!];
  const error = files[0]!.error === null ? null : `cannot read ${files[0]!.path}${hfs.root === '/' ? '' : ` under ${hfs.root}`}: ${files[0]!.error}`;
  return { acc: s, source: 'proc', files, families: { ipv4: files[0]!.lines, ipv6: files[1]!.lines }, error, sockstat };
}

/**
 * Why proc/net/tcp6 cannot hold a socket, from the counters read after the IPv4
 * table, or null. The kernel walks the whole established hash for tcp6 even when
 * every socket in it is IPv4 (~7 ms for 75,000 TIME_WAIT), so a host without IPv6
 * TCP skips it when both show that:
 * - sockstat6 `TCP6: inuse 0`: no IPv6 socket is hashed: no listener (so no
 *   half-open request socket either), no connection, no orphan still closing;
 * - sockstat `tw`, this namespace's timewait minisocks of both families, equals
 *   the IPv4 table's TIME_WAIT plus orphaned FIN_WAIT2 minisocks: none is IPv6.
 * (kernel-facts.md §4.2.) A count that moved while the table was read makes them
 * differ, and the table is read: the check can only fail towards reading it.
 */
export function ipv6TableEmpty(counters: SockstatTexts, v4: { stateCounts: ArrayLike<number>; orphans: { finWait2Minisocks: number } }): string | null {
  if (counters.sockstat === null || counters.sockstat6 === null) return null;
  const inuse6 = parseSockstat(counters.sockstat6, 'sockstat6')['sockstat6.inuse'];
  const tw = parseSockstat(counters.sockstat, 'sockstat')['sockstat.tw'];
  if (inuse6 !== 0 || tw === undefined) return null;
  const v4tw = v4.stateCounts[ST_TIME_WAIT]! + v4.orphans.finWait2Minisocks;
  if (tw !== v4tw) return null;
  return `no IPv6 TCP sockets: sockstat6 TCP6 inuse 0, sockstat tw ${tw} = the IPv4 timewait entries`;
}

/**
 * Peer id → text, decoded once, and the order of peers that tie in a table: by
 * address (IPv4 first), then port, compared as numbers (their text would put
 * 10.0.0.10 before 10.0.0.9). Only the rows shown are ever formatted.
 */
class PeerNames {
  private texts = new Map<number, string>();
  private ips = new Map<number, string>();
  private v6keys = new Map<number, string>();
  constructor(private acc: TcpScan) {}
  ip(id: number): string {
    let t = this.ips.get(id);
    if (t === undefined) {
      t = this.acc.peerFam[id] === 4 ? ipv4FromWord(this.acc.peerWord[id]!) : decodeHexAddress(this.acc.v6raw.get(id)!);
      this.ips.set(id, t);
    }
    return t;
  }
  text(id: number): string {
    let t = this.texts.get(id);
    if (t === undefined) {
      t = formatPeer(this.ip(id), this.acc.peerPort[id]!);
      this.texts.set(id, t);
    }
    return t;
  }
  /** An address that sorts like it: a number for IPv4, 32 hex digits for IPv6. */
  addressKey(id: number): number | string {
    if (this.acc.peerFam[id] === 4) return ipv4Number(this.acc.peerWord[id]!);
    let k = this.v6keys.get(id);
    if (k === undefined) {
      k = ipv6SortKey(this.acc.v6raw.get(id)!);
      this.v6keys.set(id, k);
    }
    return k;
  }
  /** < 0: peer a comes first. */
  compare(a: number, b: number, withPort = true): number {
    const c = compareAddressKeys(this.addressKey(a), this.addressKey(b));
    return c !== 0 || !withPort ? c : this.acc.peerPort[a]! - this.acc.peerPort[b]!;
  }
}

/** IPv4 keys (numbers) before IPv6 keys (hex strings), each in address order. */
function compareAddressKeys(x: number | string, y: number | string): number {
  if (typeof x === 'number') return typeof y === 'number' ? x - y : -1;
  if (typeof y === 'number') return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Most first, ties in `tie` order (< 0: a first). */
function byCount(counts: ArrayLike<number>, tie: (a: number, b: number) => number) {
  return (a: number, b: number): boolean => counts[a]! > counts[b]! || (counts[a] === counts[b] && tie(a, b) < 0);
}

/** Indices of the k largest counts (count > 0), largest first; ties keep the lower index first. */
export function topIndices(counts: ArrayLike<number>, n: number, k: number): number[] {
  return topK(n, k, byCount(counts, (a, b) => a - b), (i) => counts[i]! > 0);
}

/**
 * Distinct local ports towards each of `dests`: from the scan's bitmaps for tracked
 * destinations, else one pass over all outgoing sockets with a bitmap per destination.
 */
function distinctLocalPorts(acc: TcpScan, dests: number[]): number[] {
  const distinct = dests.map((d) => (acc.trackOf[d]! > 0 ? acc.trackDistinct[acc.trackOf[d]! - 1]! : 0));
  const slotOf = new Int32Array(acc.nPeers).fill(-1);
  let slots = 0;
  const slotDest: number[] = [];
  dests.forEach((d, i) => {
    if (acc.trackOf[d] === 0) {
      slotOf[d] = slots++;
      slotDest.push(i);
    }
  });
  if (slots === 0) return distinct;
  const bits = new Uint8Array(slots * 8192);
  const counts = new Array<number>(slots).fill(0);
  const { outPeer, outPort, nOut } = acc;
  for (let i = 0; i < nOut; i++) {
    const slot = slotOf[outPeer[i]!]!;
    if (slot < 0) continue;
    const lp = outPort[i]!;
    const byte = slot * 8192 + (lp >> 3);
    const bit = 1 << (lp & 7);
    if ((bits[byte]! & bit) === 0) {
      bits[byte]! |= bit;
      counts[slot]!++;
    }
  }
  slotDest.forEach((i, slot) => (distinct[i] = counts[slot]!));
  return distinct;
}

// ---- sysctl helpers -------------------------------------------------------------

function readSysctl(hfs: HostFs, key: string): string | null {
  try {
    const t = hfs.readText(`proc/sys/${key.replace(/\./g, '/')}`);
    return t === null ? null : t.trim().replace(/\s+/g, ' ');
  } catch {
    return null;
  }
}

function intSysctl(hfs: HostFs, key: string): number | null {
  const v = readSysctl(hfs, key);
  if (v === null || !/^-?\d+$/.test(v)) return null;
  return Number(v);
}

/** `ip_local_reserved_ports` (`8080,9000-9100`) → number of those ports inside [lo, hi]. */
export function countReservedInRange(list: string, lo: number, hi: number): number {
  const seen = new Uint8Array(65536);
  let n = 0;
  for (const part of list.split(',')) {
    const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(part);
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let p = Math.max(a, lo); p <= Math.min(b, hi, 65535); p++) {
      if (!seen[p]) {
        seen[p] = 1;
        n++;
      }
    }
  }
  return n;
}

// ---- owners ----------------------------------------------------------------------

interface OwnerScan {
  owners: Map<number, number[]>;
  uninspectable: Uninspectable[];
}

/** Map socket inodes to pids through proc/<pid>/fd/* → `socket:[inode]`. Stops when all are found. */
export function findSocketOwners(hfs: HostFs, wanted: Set<number>): OwnerScan {
  const owners = new Map<number, number[]>();
  const uninspectable: Uninspectable[] = [];
  if (wanted.size === 0) return { owners, uninspectable };
  let pids: string[];
  try {
    pids = fs.readdirSync(hfs.resolve('proc'));
  } catch {
    return { owners, uninspectable };
  }
  const euid = typeof process.geteuid === 'function' ? process.geteuid() : null;
  // Numeric order (procfs lists pids in order already; a test tree may not): a typed
  // sort, no comparator calls.
  const numeric = Int32Array.from(pids.filter((p) => /^\d+$/.test(p)), Number).sort();
  // This process holds no TCP sockets.
  const self = hfs.root === '/' ? process.pid : -1;
  // Sockets in proc/net/tcp belong to our network namespace: look at the processes
  // in it first (walked as their namespace is read, so a walk that finds every owner
  // early does not read the namespace of every process on the host), then at those
  // whose namespace cannot be read, and at the others only if an owner is still missing.
  const selfNs = hfs.readlink('proc/self/ns/net');
  const unknown: string[] = [];
  const later: string[] = [];
  let found = 0;
  for (const pid of numeric) {
    if (found === wanted.size) break;
    if (pid === self) continue;
    const p = String(pid);
    const ns = selfNs === null ? selfNs : hfs.readlink(`proc/${p}/ns/net`);
    if (ns === selfNs) walk(p);
    else (ns === null ? unknown : later).push(p);
  }
  for (const p of unknown.concat(later)) {
    if (found === wanted.size) break;
    walk(p);
  }
  uninspectable.sort((a, b) => a.pid - b.pid);
  return { owners, uninspectable };

  function walk(pidText: string): void {
    const pid = Number(pidText);
    let fds: string[];
    let fdDir: string;
    try {
      fdDir = hfs.resolve(`proc/${pidText}/fd`);
      fds = fs.readdirSync(fdDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ESRCH') {
        uninspectable.push({ pid, comm: readComm(hfs, pidText), error: code, why: uninspectableWhy(code, euid) });
      }
      return;
    }
    // Numeric order, not readdirSync's (libuv sorts names as strings: 10 before 9):
    // older descriptors first, and the walk stops once every wanted socket has been
    // seen (measured: 1.3 ms more for a server holding 900 descriptors, in string order).
    for (const fd of Int32Array.from(fds, Number).sort()) {
      let target: string;
      try {
        target = fs.readlinkSync(`${fdDir}/${fd}`);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        // Listing allowed but following the links is not (no ptrace access): the same for every descriptor.
        if (code === 'EACCES' || code === 'EPERM') {
          uninspectable.push({ pid, comm: readComm(hfs, pidText), error: code, why: uninspectableWhy(code, euid) });
          break;
        }
        continue;
      }
      // `socket:[12345]`
      if (target.length < 10 || target.charCodeAt(0) !== 115 || target.charCodeAt(6) !== 58 || !target.startsWith('socket:[')) {
        continue;
      }
      let inode = 0;
      for (let i = 8; i < target.length; i++) {
        const c = target.charCodeAt(i);
        if (c < 48 || c > 57) break;
        inode = inode * 10 + (c - 48);
      }
      if (!wanted.has(inode)) continue;
      let list = owners.get(inode);
      if (!list) {
        list = [];
        owners.set(inode, list);
        found++;
      }
      if (!list.includes(pid)) list.push(pid);
      // Every socket has an owner: the rest of this process's descriptors cannot add one
      // (other processes sharing a socket are not searched for either once all are found).
      if (found === wanted.size) break;
    }
  }
}

function readComm(hfs: HostFs, pid: string): string | null {
  try {
    const t = hfs.readText(`proc/${pid}/comm`);
    return t === null ? null : t.replace(/\n$/, '');
  } catch {
    return null;
  }
}

function readCmdline(hfs: HostFs, pid: string): string | null {
  try {
    const t = hfs.readText(`proc/${pid}/cmdline`);
    if (t === null) return null;
    const s = t.replace(/\0+$/, '').split('\0').join(' ');
    return s === '' ? null : s;
  } catch {
    return null;
  }
}

// ---- the census ------------------------------------------------------------------

function emptyStates(): Record<TcpState, number> {
  const s = {} as Record<TcpState, number>;
  for (const k of TCP_STATES) s[k] = 0;
  return s;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Milliseconds from a monotonic clock (`performance` would load perf_hooks: ~1.3 ms of start-up). */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * The listening sockets, inode → local port (`knobs limits` names the processes
 * that serve). On the live host a LISTEN-only netlink dump: the kernel walks only
 * its listening hash, however many TIME_WAIT there are; else the /proc tables.
 * Empty when neither can be read.
 */
export function readListeningSockets(hfs: HostFs, transport?: DiagTransport): Map<number, number> {
  const out = new Map<number, number>();
  let scan: Scan;
  try {
    scan = readSocketTables(hfs, 'auto', transport, LISTEN_ONLY);
  } catch {
    return out;
  }
  for (const l of scan.acc.listeners) if (l.inode !== 0) out.set(l.inode, l.port);
  return out;
}

export function collectSocketCensus(hfs: HostFs, opts: CensusOptions = {}): SocketCensus {
  const t0 = nowMs();
  return finishCensus(hfs, readSocketTables(hfs, opts.source ?? 'auto', opts.diagTransport), opts, t0);
}

function finishCensus(hfs: HostFs, scan: Scan, opts: CensusOptions, t0: number): SocketCensus {
  const { acc, files, families } = scan;
  const top = Math.max(0, opts.top ?? 10);
  const { stateCounts, orphans, cwInode, cwPort, cwPeer } = acc;
  const listenRaw = acc.listeners;
  const peers = new PeerNames(acc);
  const available = scan.error === null;

  const states = emptyStates();
  TCP_STATES.forEach((name, i) => (states[name] = stateCounts[i + 1]!));
  const total = TCP_STATES.reduce((a, k) => a + states[k], 0);

  // ---- owners (only when some socket needs one) ----
  const wanted = new Set<number>();
  for (const ino of cwInode) if (ino !== 0) wanted.add(ino);
  for (const l of listenRaw) if (l.inode !== 0) wanted.add(l.inode);
  const ownerScan = opts.owners === false ? { owners: new Map<number, number[]>(), uninspectable: [] } : findSocketOwners(hfs, wanted);
  const commCache = new Map<number, string | null>();
  const comm = (pid: number) => {
    if (!commCache.has(pid)) commCache.set(pid, readComm(hfs, String(pid)));
    return commCache.get(pid)!;
  };

  const listeners: ListenerInfo[] = listenRaw
    .map((l) => ({ ...l, owners: (ownerScan.owners.get(l.inode) ?? []).map((pid) => ({ pid, comm: comm(pid) })) }))
    .sort((a, b) => a.port - b.port || a.family - b.family || (a.local < b.local ? -1 : a.local > b.local ? 1 : 0));
  const listenPorts = [...new Set(listenRaw.map((l) => l.port))].sort((a, b) => a - b);

  // ---- CLOSE_WAIT ----
  const byPid = new Map<number, { count: number; ports: Set<number>; peers: Map<number, number> }>();
  const cwPeerCounts = new Map<number, number>();
  let unowned = 0;
  for (let i = 0; i < cwInode.length; i++) {
    const peerId = cwPeer[i]!;
    cwPeerCounts.set(peerId, (cwPeerCounts.get(peerId) ?? 0) + 1);
    const pids = ownerScan.owners.get(cwInode[i]!);
    if (!pids || pids.length === 0) {
      unowned++;
      continue;
    }
    for (const pid of pids) {
      let rec = byPid.get(pid);
      if (!rec) {
        rec = { count: 0, ports: new Set(), peers: new Map() };
        byPid.set(pid, rec);
      }
      rec.count++;
      rec.ports.add(cwPort[i]!);
      rec.peers.set(peerId, (rec.peers.get(peerId) ?? 0) + 1);
    }
  }
  /** The busiest peers of a peer id → count map. */
  const peerList = (m: Map<number, number>, limit: number): PeerCount[] => {
    const ids = [...m.keys()];
    const counts = [...m.values()];
    return topK(ids.length, limit, byCount(counts, (a, b) => peers.compare(ids[a]!, ids[b]!))).map((i) => ({
      peer: peers.text(ids[i]!),
      count: counts[i]!,
    }));
  };
  /** The same, summed per address (all ports). */
  const byAddress = (m: Map<number, number>, limit: number) => {
    const slot = new Map<number | string, number>();
    const ids: number[] = [];
    const counts: number[] = [];
    for (const [id, count] of m) {
      const key = peers.addressKey(id);
      const i = slot.get(key);
      if (i === undefined) {
        slot.set(key, ids.length);
        ids.push(id);
        counts.push(count);
      } else counts[i]! += count;
    }
    return topK(ids.length, limit, byCount(counts, (a, b) => peers.compare(ids[a]!, ids[b]!, false))).map((i) => ({
      ip: peers.ip(ids[i]!),
      count: counts[i]!,
    }));
  };
  const byProcess: CloseWaitProcess[] = [...byPid]
    .map(([pid, r]) => ({
      pid,
      comm: comm(pid),
      cmdline: readCmdline(hfs, String(pid)),
      count: r.count,
      localPorts: [...r.ports].sort((a, b) => a - b),
      peers: peerList(r.peers, top),
      peerAddresses: byAddress(r.peers, top),
    }))
    .sort((a, b) => b.count - a.count || a.pid - b.pid)
    .slice(0, top);

  // ---- TIME_WAIT and per-destination port use (counted during the scan) ----
  const { nPeers, twAll, twOut, twIn, outUse, twInByPort, clientCounts, twOutTotal, twInTotal } = acc;
  const topPeers = (counts: Uint32Array, k: number) => topK(nPeers, k, byCount(counts, (a, b) => peers.compare(a, b)), (i) => counts[i]! > 0);
  const twByPeer: TimeWaitPeer[] = topPeers(twAll, top).map((d) => ({
    peer: peers.text(d),
    count: twAll[d]!,
    direction: twIn[d] === 0 ? 'outgoing' : twOut[d] === 0 ? 'incoming' : 'mixed',
  }));
  const outByDestination: PeerCount[] = topPeers(twOut, Math.max(top, FACTS_DESTINATION_LIMIT)).map((d) => ({
    peer: peers.text(d),
    count: twOut[d]!,
  }));
  const inPorts = acc.twInPorts.sort((a, b) => a - b);
  const inPortCounts = inPorts.map((port) => twInByPort[port]!);
  const byLocalPort = topIndices(inPortCounts, inPorts.length, top).map((i) => ({ port: inPorts[i]!, count: inPortCounts[i]! }));
  const clients = [...clientCounts.keys()];
  const clientKeys = clients.map((c) => (typeof c === 'number' ? ipv4Number(c) : ipv6SortKey(c)));
  const clientTally = [...clientCounts.values()];
  const byClient = topK(clients.length, top, byCount(clientTally, (a, b) => compareAddressKeys(clientKeys[a]!, clientKeys[b]!))).map((i) => {
    const c = clients[i]!;
    return { ip: typeof c === 'number' ? ipv4FromWord(c) : decodeHexAddress(c), count: clientTally[i]! };
  });

  // ---- ports ----
  const rangeText = readSysctl(hfs, 'net.ipv4.ip_local_port_range');
  const rm = rangeText ? /^(\d+) (\d+)$/.exec(rangeText) : null;
  const range: [number, number] = rm ? [Number(rm[1]), Number(rm[2])] : [...DEFAULT_PORT_RANGE];
  const size = Math.max(0, range[1] - range[0] + 1);
  const reserved = countReservedInRange(readSysctl(hfs, 'net.ipv4.ip_local_reserved_ports') ?? '', range[0], range[1]);
  const usable = Math.max(0, size - reserved);
  const capacityPerSecond = round1(usable / TIME_WAIT_SECONDS);
  const twReuse = intSysctl(hfs, 'net.ipv4.tcp_tw_reuse');
  const timestamps = intSysctl(hfs, 'net.ipv4.tcp_timestamps');

  // Distinct local ports for the busiest outgoing destinations (one bitmap each).
  const topDest = topPeers(outUse, top);
  const distinct = distinctLocalPorts(acc, topDest);
  const destinations: DestinationUse[] = topDest.map((d, i) => {
    const ip = peers.ip(d);
    const loopback = isLoopback(ip);
    return {
      peer: peers.text(d),
      localPorts: distinct[i]!,
      timeWait: twOut[d]!,
      open: outUse[d]! - twOut[d]!,
      usedPercent: usable > 0 ? round1((100 * distinct[i]!) / usable) : 100,
      turnoverPerSecond: round1(twOut[d]! / TIME_WAIT_SECONDS),
      capacityPerSecond,
      loopback,
      twReuseApplies: twReuse === 1 || (twReuse === 2 && loopback),
    };
  });
  destinations.sort((a, b) => b.localPorts - a.localPorts || b.timeWait - a.timeWait);
  const worst = destinations[0] ?? null;

  // ---- counters and limits ----
  const counters: Record<string, number> = {};
  const { sockstat, sockstat6 } = scan.sockstat;
  if (sockstat !== null) Object.assign(counters, parseSockstat(sockstat, 'sockstat'));
  if (sockstat6 !== null) Object.assign(counters, parseSockstat(sockstat6, 'sockstat6'));
  const netstat = safeText(hfs, 'proc/net/netstat');
  if (netstat !== null) {
    const all = parseNetstat(netstat);
    for (const name of TCPEXT_COUNTERS) {
      const v = all[`TcpExt.${name}`];
      if (v !== undefined) counters[`TcpExt.${name}`] = v;
    }
  }
  const pct = (cur: number | null, max: number | null) =>
    cur === null || max === null || max <= 0 ? null : round1((100 * cur) / max);
  const twCur = counters['sockstat.tw'] ?? null;
  const twMax = intSysctl(hfs, 'net.ipv4.tcp_max_tw_buckets');
  const orphanCur = counters['sockstat.orphan'] ?? null;
  const orphanMax = intSysctl(hfs, 'net.ipv4.tcp_max_orphans');
  const limits: SocketCensus['limits'] = {
    timeWait: { current: twCur, max: twMax, percent: pct(twCur, twMax) },
    orphans: { current: orphanCur, max: orphanMax, percent: pct(orphanCur, orphanMax) },
    somaxconn: intSysctl(hfs, 'net.core.somaxconn'),
    finTimeout: intSysctl(hfs, 'net.ipv4.tcp_fin_timeout'),
  };

  const census: SocketCensus = {
    available,
    error: scan.error,
    source: scan.source,
    sourceNote: scan.sourceNote,
    files,
    total,
    families,
    states,
    orphans,
    listenPorts,
    listeners,
    closeWait: {
      count: states.CLOSE_WAIT,
      byProcess,
      byPeer: peerList(cwPeerCounts, top),
      unowned,
      uninspectable: ownerScan.uninspectable,
    },
    timeWait: {
      count: states.TIME_WAIT,
      closedFirst: { asClient: twOutTotal, asServer: twInTotal },
      byPeer: twByPeer,
      outgoing: { count: twOutTotal, byDestination: outByDestination },
      incoming: { count: twInTotal, byLocalPort, byClient },
      seconds: TIME_WAIT_SECONDS,
    },
    ports: {
      range,
      rangeSource: rm ? 'live' : 'default',
      size,
      reserved,
      usable,
      timeWaitSeconds: TIME_WAIT_SECONDS,
      capacityPerSecond,
      twReuse,
      timestamps,
      destinations,
      worst,
    },
    limits,
    counters,
    advice: [],
    elapsedMs: 0,
  };
  census.advice = adviseSockets(census, hfs.exists('proc/sys/net/ipv4/tcp_tw_recycle'));
  // The CLI prints only `top` TIME_WAIT destinations; the longer list is for SocketFacts.
  census.elapsedMs = round1(nowMs() - t0);
  return census;
}

function safeText(hfs: HostFs, p: string): string | null {
  try {
    return hfs.readText(p);
  } catch {
    return null;
  }
}

// ---- advice --------------------------------------------------------------------

/** 12345 → `12,345` (toLocaleString would load ICU: ~30 ms at start-up). */
export function fmtN(n: number): string {
  const s = String(Math.abs(n));
  let out = '';
  for (let i = s.length; i > 0; i -= 3) out = s.slice(Math.max(0, i - 3), i) + (out ? ',' + out : '');
  return (n < 0 ? '-' : '') + out;
}

export function adviseSockets(c: SocketCensus, twRecycleExists = false): Advice[] {
  const out: Advice[] = [];
  if (c.closeWait.count > 0) {
    const who = c.closeWait.byProcess
      .slice(0, 3)
      .map((p) => `${p.comm ?? '?'} (pid ${p.pid}, ${fmtN(p.count)})`)
      .join(', ');
    out.push({
      id: 'close-wait-leak',
      severity: c.closeWait.count >= 100 ? 'warning' : 'info',
      message:
        `${fmtN(c.closeWait.count)} socket(s) in CLOSE_WAIT${who ? ` held by ${who}` : ''}: the peer closed the connection and ` +
        `this process never called close(). No sysctl fixes this — fix the application (close the socket when read() returns 0, ` +
        `return connections to the pool, close on error paths). tcp_keepalive_* only helps if the application enabled SO_KEEPALIVE, ` +
        `and then only ends it once the peer stops answering (≈2 h with defaults). Restarting the process releases them.`,
    });
    if (c.closeWait.unowned > 0 && c.closeWait.uninspectable.length > 0) {
      out.push({
        id: 'close-wait-uninspectable',
        severity: 'info',
        message:
          `${fmtN(c.closeWait.unowned)} CLOSE_WAIT socket(s) have no known owner: ${c.closeWait.uninspectable.length} process(es) ` +
          `could not be inspected (${c.closeWait.uninspectable[0]!.why}).`,
      });
    }
  }
  const tw = c.timeWait;
  const worst = c.ports.worst;
  if (tw.outgoing.count > 0 && worst && worst.timeWait > 0) {
    const severity = worst.usedPercent >= 80 ? 'critical' : worst.usedPercent >= 50 ? 'warning' : 'info';
    const reuse = c.ports.twReuse;
    const setting = (v: number | null) => (v === null ? 'unknown' : String(v));
    const [lo, hi] = c.ports.range;
    const widen =
      lo <= 1024 && hi >= 65535
        ? `(3) the ephemeral range is already as wide as it goes (${lo}-${hi}); keep service ports out of it with net.ipv4.ip_local_reserved_ports; `
        : `(3) widen net.ipv4.ip_local_port_range (now ${lo}-${hi}; e.g. 1024 65535) and protect service ports with net.ipv4.ip_local_reserved_ports; `;
    out.push({
      id: 'time-wait-outgoing',
      severity,
      message:
        `${fmtN(tw.outgoing.count)} TIME_WAIT socket(s) where we were the client and closed first. Busiest destination ${worst.peer}: ` +
        `${fmtN(worst.localPorts)} of ${fmtN(c.ports.usable)} ephemeral ports in use (${worst.usedPercent}%), turnover ` +
        `${worst.turnoverPerSecond}/s against a capacity of ${worst.capacityPerSecond}/s (ports ÷ 60 s). What helps: ` +
        `(1) reuse connections (HTTP keep-alive, connection pooling) — the real fix; ` +
        `(2) net.ipv4.tcp_tw_reuse=1 lets connect() take over TIME_WAIT entries older than 1 s for outgoing connections, needs ` +
        `tcp_timestamps on both ends (here tcp_tw_reuse ${setting(reuse)}${reuse === 2 ? ' = loopback only' : ''}, ` +
        `tcp_timestamps ${setting(c.ports.timestamps)}); ` +
        widen +
        `(4) more destination addresses/ports, or more source addresses — each 4-tuple has its own port space. ` +
        `Never tcp_tw_recycle: it broke clients behind NAT and was removed in Linux 4.12` +
        (twRecycleExists ? ' (this kernel still has it: keep it 0)' : '') + `. tcp_fin_timeout does not shorten TIME_WAIT (fixed 60 s).`,
    });
  }
  if (tw.incoming.count > 0) {
    out.push({
      id: 'time-wait-incoming',
      severity: 'info',
      message:
        `${fmtN(tw.incoming.count)} TIME_WAIT socket(s) on listening ports (${tw.incoming.byLocalPort
          .slice(0, 3)
          .map((p) => p.port)
          .join(', ')}): we were the server and closed first. These cost ~256 bytes each and use no local ports (the client's port ` +
        `is part of each 4-tuple); tcp_tw_reuse has no effect on them. To avoid them let clients close first (keep-alive) ` +
        `— harmless unless sockstat tw nears tcp_max_tw_buckets.`,
    });
  }
  const lt = c.limits.timeWait;
  if (lt.percent !== null && lt.percent >= 80) {
    out.push({
      id: 'tw-buckets-near-limit',
      severity: lt.percent >= 95 ? 'critical' : 'warning',
      message:
        `sockstat tw ${fmtN(lt.current!)} is ${lt.percent}% of tcp_max_tw_buckets ${fmtN(lt.max!)}: beyond it sockets close ` +
        `without TIME_WAIT (TCPTimeWaitOverflow). Do not lower the limit; reduce the churn (connection reuse).`,
    });
  }
  const overflow = c.counters['TcpExt.TCPTimeWaitOverflow'] ?? 0;
  if (overflow > 0) {
    out.push({
      id: 'tw-overflow',
      severity: 'warning',
      message: `TcpExt TCPTimeWaitOverflow = ${fmtN(overflow)}: that many connections skipped TIME_WAIT because tcp_max_tw_buckets was full.`,
    });
  }
  const lo = c.limits.orphans;
  if (lo.percent !== null && lo.percent >= 50) {
    out.push({
      id: 'orphans-near-limit',
      severity: lo.percent >= 80 ? 'critical' : 'warning',
      message:
        `${fmtN(lo.current!)} orphaned sockets (closed by the application, still finishing) = ${lo.percent}% of tcp_max_orphans ` +
        `${fmtN(lo.max!)}; beyond it the kernel resets connections ("too many orphaned sockets").`,
    });
  }
  const lof = c.counters['TcpExt.ListenOverflows'] ?? 0;
  const ldr = c.counters['TcpExt.ListenDrops'] ?? 0;
  if (lof > 0 || ldr > 0) {
    const queued = c.listeners.filter((l) => l.acceptQueue > 0).map((l) => `${l.local} (${l.acceptQueue} waiting)`);
    out.push({
      id: 'listen-overflows',
      severity: 'warning',
      message:
        `Accept queues overflowed since boot: ListenOverflows ${fmtN(lof)}, ListenDrops ${fmtN(ldr)}. The application does not ` +
        `accept() fast enough or its backlog is small: the queue limit is min(listen() backlog, net.core.somaxconn` +
        `${c.limits.somaxconn === null ? '' : ` = ${c.limits.somaxconn}`}); raising somaxconn alone does nothing unless the ` +
        `application asks for a bigger backlog.` + (queued.length ? ` Listeners with a queue now: ${queued.slice(0, 5).join(', ')}.` : ''),
    });
  }
  return out;
}

// ---- facts for the rules -------------------------------------------------------------

/** What `audit` rules see about sockets: a pure function of the census. */
export function toSocketFacts(census: SocketCensus): SocketFacts {
  const counters: Record<string, number> = {};
  for (const [k, v] of Object.entries(census.counters)) {
    if (k.startsWith('sockstat.') || k.startsWith('sockstat6.') || k.startsWith('TcpExt.')) counters[k] = v;
  }
  return {
    available: census.available,
    states: { ...census.states },
    listenPorts: [...census.listenPorts],
    timeWaitByDestination: census.timeWait.outgoing.byDestination
      .slice(0, FACTS_DESTINATION_LIMIT)
      .map((p) => ({ peer: p.peer, count: p.count })),
    counters,
  };
}

/** SocketFacts for a host whose proc/net/tcp could not be read. */
export function unavailableSocketFacts(): SocketFacts {
  return { available: false, states: emptyStates(), listenPorts: [], timeWaitByDestination: [], counters: {} };
}
