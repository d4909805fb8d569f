// The census's second half: a tally of the socket table (socket-tally.ts) plus what
// the host reader found around it (socket owners, their names, a few sysctls, the
// sockstat and TcpExt counters) → the report `knobs sockets` prints: state counts,
// who holds CLOSE_WAIT sockets, where TIME_WAIT comes from and which side closed
// first, local-port use per destination against ip_local_port_range, and how close
// the counters are to their limits. Pure: the reading is src/host/sockets.ts, the
// advice is rules/sockets/*, the rendering src/cli/commands/sockets.ts.
// kernel-facts.md §2 (TIME_WAIT), §3 (CLOSE_WAIT).
//
// Text is produced only for the rows a table keeps (top N, chosen without sorting
// everything: top-k.ts); a busy host has hundreds of thousands of peers.

import { tcpTwReuseMode, type TwReuseMode } from './catalog.js';
import { topK } from './top-k.js';
import { TCP_STATES, type PeerCount, type SocketFacts, type TcpState } from './types.js';
import { decodeHexAddress, formatPeer, ipv4FromWord, ipv4Number, ipv6SortKey, isLoopback } from './tcp-record.js';
import type { SocketTally } from './socket-tally.js';

/** TCP_TIMEWAIT_LEN: fixed, not tunable (include/net/tcp.h). */
export const TIME_WAIT_SECONDS = 60;
/** Compiled default of net.ipv4.ip_local_port_range (since 4.2). */
export const DEFAULT_PORT_RANGE: [number, number] = [32768, 60999];
/** Upper bound of timeWaitByDestination in SocketFacts (keeps facts snapshots small). */
export const FACTS_DESTINATION_LIMIT = 256;

/** TcpExt counters surfaced in the census and in SocketFacts.counters (with every sockstat one). */
export const TCPEXT_COUNTERS = [
  'ListenOverflows', 'ListenDrops', 'TCPTimeWaitOverflow', 'TW', 'TWKilled', 'TWRecycled',
  'TCPAbortOnMemory', 'TCPAbortOnTimeout', 'TCPReqQFullDrop', 'TCPReqQFullDoCookies', 'TCPBacklogDrop',
  'SyncookiesSent', 'TCPOrphanQueued',
] as const;

/** The sysctls the census reads (live values): port math, tw_reuse, limits. */
export const CENSUS_SYSCTLS = [
  'net.ipv4.ip_local_port_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_tw_reuse', 'net.ipv4.tcp_timestamps',
  'net.ipv4.tcp_max_tw_buckets', 'net.ipv4.tcp_max_orphans', 'net.core.somaxconn', 'net.ipv4.tcp_fin_timeout',
] as const;

/** Where the census read the sockets: netlink sock_diag, or proc/net/tcp{,6}. */
export type SocketSource = 'netlink' | 'proc';

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

/** A process whose descriptors could not be read, so its sockets have no known owner. */
export interface Uninspectable {
  pid: number;
  comm: string | null;
  /** errno code of the failed readdir or readlink in proc/<pid>/fd (EACCES when not root). */
  error: string;
  /** The reason in words, and what to do about it. */
  why: string;
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
  /** tcp_tw_reuse applies to this destination (see twReuseScope). */
  twReuseApplies: boolean;
}

/** A /proc table read (none from netlink). `skipped`: why proc/net/tcp6 was not read although it exists. */
export interface CensusFile {
  path: string;
  lines: number;
  malformed: number;
  error: string | null;
  skipped?: string;
}

export interface SocketCensus {
  available: boolean;
  /** Why the sockets could not be read (available false), else null. */
  error: string | null;
  source: SocketSource;
  /** Why /proc was read although netlink could have been (addon not built, kernel refused), else null. */
  sourceNote: string | null;
  files: CensusFile[];
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
  /** Wall-clock time the census took, ms (set by the reader: the census has no clock). */
  elapsedMs: number;
}

/** What the host reader hands the census besides the tally. */
export interface CensusInput {
  tally: SocketTally;
  /** How many rows each table keeps. */
  top: number;
  source: SocketSource;
  sourceNote: string | null;
  files: CensusFile[];
  /** Sockets read per family. */
  families: { ipv4: number; ipv6: number };
  /** Why the sockets could not be read, else null. */
  error: string | null;
  /** Socket inode → pids holding it (see ownerInodes), empty when owners were not looked for. */
  owners: ReadonlyMap<number, readonly number[]>;
  uninspectable: Uninspectable[];
  /** comm and cmdline of every pid in `owners`. */
  processes: ReadonlyMap<number, { comm: string | null; cmdline: string | null }>;
  /** Live values of CENSUS_SYSCTLS (whitespace folded), null when absent or unreadable. */
  sysctl: Readonly<Record<string, string | null>>;
  /** sockstat and sockstat6 counters (`sockstat.tw`), TcpExt ones (`TcpExt.ListenOverflows`). */
  counters: Record<string, number>;
  /** The running kernel (what tcp_tw_reuse means depends on it). */
  kernelVersion: string | null;
}

/**
 * Where tcp_tw_reuse lets connect() take over a TIME_WAIT 4-tuple on this kernel:
 * every destination, loopback ones only, or none; null when the value is unknown
 * or one the kernel rejects. The catalogue's reading (before 4.18 any non-zero
 * value, 2 included, means every destination).
 */
export function twReuseScope(value: number | null, kernelVersion: string | null): TwReuseMode | null {
  return tcpTwReuseMode(value, kernelVersion);
}

/** The socket inodes whose owners the report names: CLOSE_WAIT and LISTEN sockets (0: held by no file). */
export function ownerInodes(t: SocketTally): Set<number> {
  const wanted = new Set<number>();
  for (const ino of t.cwInode) if (ino !== 0) wanted.add(ino);
  for (const l of t.listeners) if (l.inode !== 0) wanted.add(l.inode);
  return wanted;
}

export function emptyStates(): Record<TcpState, number> {
  const s = {} as Record<TcpState, number>;
  for (const k of TCP_STATES) s[k] = 0;
  return s;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** 12345 → `12,345` (toLocaleString would load ICU: ~30 ms at start-up). */
export function fmtN(n: number): string {
  const s = String(Math.abs(n));
  let out = '';
  for (let i = s.length; i > 0; i -= 3) out = s.slice(Math.max(0, i - 3), i) + (out ? ',' + out : '');
  return (n < 0 ? '-' : '') + out;
}

function intValue(v: string | null | undefined): number | null {
  return v === null || v === undefined || !/^-?\d+$/.test(v) ? null : Number(v);
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

/**
 * Peer id → text, decoded once, and the order of peers that tie in a table: by
 * address (IPv4 first), then port, compared as numbers (their text would put
 * 10.0.0.10 before 10.0.0.9). Only the rows shown are ever formatted.
 */
class PeerNames {
  private texts = new Map<number, string>();
  private ips = new Map<number, string>();
  private v6keys = new Map<number, string>();
  constructor(private acc: SocketTally) {}
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
 * Distinct local ports towards each of `dests`: from the tally's bitmaps for tracked
 * destinations, else one pass over all outgoing sockets with a bitmap per destination.
 */
function distinctLocalPorts(acc: SocketTally, dests: number[]): number[] {
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

/** The census of a tally and what the reader found around it. */
export function buildCensus(input: CensusInput): SocketCensus {
  const { tally: acc, files, families } = input;
  const top = Math.max(0, input.top);
  const { stateCounts, orphans, cwInode, cwPort, cwPeer } = acc;
  const listenRaw = acc.listeners;
  const peers = new PeerNames(acc);
  const owners = input.owners;
  const comm = (pid: number) => input.processes.get(pid)?.comm ?? null;

  const states = emptyStates();
  TCP_STATES.forEach((name, i) => (states[name] = stateCounts[i + 1]!));
  const total = TCP_STATES.reduce((a, k) => a + states[k], 0);

  const listeners: ListenerInfo[] = listenRaw
    .map((l) => ({ ...l, owners: (owners.get(l.inode) ?? []).map((pid) => ({ pid, comm: comm(pid) })) }))
    .sort((a, b) => a.port - b.port || a.family - b.family || (a.local < b.local ? -1 : a.local > b.local ? 1 : 0));
  const listenPorts = [...new Set(listenRaw.map((l) => l.port))].sort((a, b) => a - b);

  // ---- CLOSE_WAIT ----
  const byPid = new Map<number, { count: number; ports: Set<number>; peers: Map<number, number> }>();
  const cwPeerCounts = new Map<number, number>();
  let unowned = 0;
  for (let i = 0; i < cwInode.length; i++) {
    const peerId = cwPeer[i]!;
    cwPeerCounts.set(peerId, (cwPeerCounts.get(peerId) ?? 0) + 1);
    const pids = owners.get(cwInode[i]!);
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
      cmdline: input.processes.get(pid)?.cmdline ?? null,
      count: r.count,
      localPorts: [...r.ports].sort((a, b) => a - b),
      peers: peerList(r.peers, top),
      peerAddresses: byAddress(r.peers, top),
    }))
    .sort((a, b) => b.count - a.count || a.pid - b.pid)
    .slice(0, top);

  // ---- TIME_WAIT and per-destination port use (counted in the tally) ----
  const { nPeers, twAll, twOut, twIn, outUse, twInByPort, clientCounts, twOutTotal, twInTotal } = acc;
  const topPeers = (counts: Uint32Array, k: number) => topK(nPeers, k, byCount(counts, (a, b) => peers.compare(a, b)), (i) => counts[i]! > 0);
  const twByPeer: TimeWaitPeer[] = topPeers(twAll, top).map((d) => ({
    peer: peers.text(d),
    count: twAll[d]!,
    direction: twIn[d] === 0 ? 'outgoing' : twOut[d] === 0 ? 'incoming' : 'mixed',
  }));
  // Longer than `top`: SocketFacts keeps up to FACTS_DESTINATION_LIMIT of them (the CLI prints `top`).
  const outByDestination: PeerCount[] = topPeers(twOut, Math.max(top, FACTS_DESTINATION_LIMIT)).map((d) => ({
    peer: peers.text(d),
    count: twOut[d]!,
  }));
  const inPorts = [...acc.twInPorts].sort((a, b) => a - b);
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
  const sysctl = (key: (typeof CENSUS_SYSCTLS)[number]) => input.sysctl[key] ?? null;
  const rangeText = sysctl('net.ipv4.ip_local_port_range');
  const rm = rangeText ? /^(\d+) (\d+)$/.exec(rangeText) : null;
  const range: [number, number] = rm ? [Number(rm[1]), Number(rm[2])] : [...DEFAULT_PORT_RANGE];
  const size = Math.max(0, range[1] - range[0] + 1);
  const reserved = countReservedInRange(sysctl('net.ipv4.ip_local_reserved_ports') ?? '', range[0], range[1]);
  const usable = Math.max(0, size - reserved);
  const capacityPerSecond = round1(usable / TIME_WAIT_SECONDS);
  const twReuse = intValue(sysctl('net.ipv4.tcp_tw_reuse'));
  const reuseScope = twReuseScope(twReuse, input.kernelVersion);
  const timestamps = intValue(sysctl('net.ipv4.tcp_timestamps'));

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
      twReuseApplies: reuseScope === 'all' || (reuseScope === 'loopback' && loopback),
    };
  });
  destinations.sort((a, b) => b.localPorts - a.localPorts || b.timeWait - a.timeWait);
  const worst = destinations[0] ?? null;

  // ---- counters and limits ----
  const counters = input.counters;
  const pct = (cur: number | null, max: number | null) =>
    cur === null || max === null || max <= 0 ? null : round1((100 * cur) / max);
  const twCur = counters['sockstat.tw'] ?? null;
  const twMax = intValue(sysctl('net.ipv4.tcp_max_tw_buckets'));
  const orphanCur = counters['sockstat.orphan'] ?? null;
  const orphanMax = intValue(sysctl('net.ipv4.tcp_max_orphans'));

  return {
    available: input.error === null,
    error: input.error,
    source: input.source,
    sourceNote: input.sourceNote,
    files,
    total,
    families,
    states,
    orphans: { ...orphans },
    listenPorts,
    listeners,
    closeWait: {
      count: states.CLOSE_WAIT,
      byProcess,
      byPeer: peerList(cwPeerCounts, top),
      unowned,
      uninspectable: input.uninspectable,
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
    limits: {
      timeWait: { current: twCur, max: twMax, percent: pct(twCur, twMax) },
      orphans: { current: orphanCur, max: orphanMax, percent: pct(orphanCur, orphanMax) },
      somaxconn: intValue(sysctl('net.core.somaxconn')),
      finTimeout: intValue(sysctl('net.ipv4.tcp_fin_timeout')),
    },
    counters,
    elapsedMs: 0,
  };
}

// ---- facts for the rules ---------------------------------------------------------

/**
 * What rules see about sockets. `census`: the whole census, for the rules that judge
 * it (rules/sockets/*); only `knobs sockets` passes it (`audit` and `facts` keep the
 * counts, see collect.ts).
 */
export function toSocketFacts(census: SocketCensus, withCensus = false): SocketFacts {
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
    ...(withCensus ? { census } : {}),
  };
}

/** SocketFacts for a host whose socket table could not be read. */
export function unavailableSocketFacts(): SocketFacts {
  return { available: false, states: emptyStates(), listenPorts: [], timeWaitByDestination: [], counters: {} };
}
