// The census's first half: socket records in, counts out. The readers (src/host/
// sockets.ts: /proc/net/tcp lines parsed in place, netlink sock_diag records) hand
// each socket to the functions here; what they keep is numbers only: per-state
// counts, remote endpoints interned to dense ids with per-id counters in typed
// arrays, the outgoing sockets' local ports, the CLOSE_WAIT sockets and the
// listeners. src/core/socket-census.ts then turns a tally into the report.
//
// Pure (no I/O), but written for the readers' hot loop: ~57 ns a socket once V8 has
// optimised it, ~1 µs before. So: fixed fields of one class, no growth checks per
// socket (reserve() once per run of sockets), and no branch that only a rare socket
// takes without type feedback (see peerV4). The readers inline the fast path for the
// four states that need nothing after the state field (peerV4/peerV6 then
// countConnection); every other socket goes through countEntry(). tallyEntries()
// is the plain way in, for small inputs and the tests.

import {
  ST_CLOSE_WAIT, ST_CLOSING, ST_FIN_WAIT1, ST_FIN_WAIT2, ST_LAST_ACK, ST_LISTEN, ST_SYN_RECV, ST_TIME_WAIT,
  TIMER_TIME_WAIT, decodeAddressAt, formatPeer, rawAddressAt, type TcpEntry,
} from './tcp-record.js';

/**
 * Everything the census keeps of the sockets counted. Remote endpoints are
 * interned to dense peer ids (IPv4 in an open-addressing table of numbers, IPv6 by
 * raw hex in a Map); per-id counters live in typed arrays:
 * twAll/twOut/twIn = TIME_WAIT sockets towards the peer (all, as client, as
 * server); outUse = outgoing sockets towards it (any state). The outgoing sockets
 * themselves are kept as (peer id, local port, TIME_WAIT or not) for the distinct
 * local ports per destination; the CLOSE_WAIT ones as (inode, local port, peer id),
 * to be given owners. A socket is incoming when its local port has a listener.
 */
export class SocketTally {
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

  /** The readers' bookkeeping: sockets read per file (from netlink: the IPv4 ones, and lines6 the IPv6 ones), lines not understood. */
  lines = 0;
  lines6 = 0;
  malformed = 0;
  /** The readers' scratch record for sockets read in full. */
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
export function reserve(s: SocketTally, lines: number): void {
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
export function peerV4(s: SocketTally, word: number, port: number): number {
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
function newPeerV4(s: SocketTally, word: number, port: number, h: number): number {
  const id = s.nPeers++;
  s.peerFam[id] = 4;
  s.peerWord[id] = word;
  s.peerPort[id] = port;
  s.slots[h] = id + 1;
  return id;
}

/** Dense id of an IPv6 remote endpoint whose hex digits start at buf[at]. */
export function peerV6(s: SocketTally, buf: Buffer, at: number, word: number, port: number): number {
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

function pushOut(s: SocketTally, id: number, lp: number, tw: number): void {
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

function incomingTimeWait(s: SocketTally, id: number, lp: number, v4: boolean, word: number): void {
  s.twIn[id]!++;
  s.twInTotal++;
  if (s.twInByPort[lp]!++ === 0) s.twInPorts.push(lp);
  const key = v4 ? word : s.v6raw.get(id)!;
  s.clientCounts.set(key, (s.clientCounts.get(key) ?? 0) + 1);
}

/** A socket with a peer (any state but LISTEN): which side, TIME_WAIT, local ports per destination. */
export function countConnection(s: SocketTally, st: number, id: number, lp: number, v4: boolean, word: number): void {
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
function reclassifyLateListeners(s: SocketTally): void {
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


/**
 * Any socket, read in full into `e` (addresses as hex in e.buf). The readers'
 * fast path (peerV4/peerV6 + countConnection) counts ESTABLISHED, SYN_SENT,
 * TIME_WAIT and CLOSE the same way without building a record.
 */
export function countEntry(s: SocketTally, e: TcpEntry, family: 4 | 6): void {
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

/**
 * Once every table has been counted: sockets counted as outgoing before a later
 * listener on their port (an IPv6 one, read after the IPv4 table) become incoming.
 */
export function settleTally(s: SocketTally): void {
  if (s.lateListenPorts.length > 0) reclassifyLateListeners(s);
}

/** The tally of `entries`, each read in full (small inputs, tests): what a reader would count. */
export function tallyEntries(entries: Iterable<TcpEntry>): SocketTally {
  const s = new SocketTally();
  for (const e of entries) {
    reserve(s, 1);
    if (e.family === 4) s.lines++;
    else s.lines6++;
    countEntry(s, e, e.family);
  }
  settleTally(s);
  return s;
}
