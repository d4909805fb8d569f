// Reading the TCP socket table for the census behind `knobs sockets` (and the
// listening sockets behind `knobs limits`). This is the I/O half: the socket records
// come from netlink sock_diag on the live host (sock-diag.ts: ~3× less kernel time
// than /proc/net/tcp), from proc/net/tcp{,6} under --root or without the addon; the
// owners of CLOSE_WAIT and LISTEN sockets from /proc/<pid>/fd; a few sysctls and the
// sockstat / TcpExt counters. The records are counted as they are read by the pure
// tally (src/core/socket-tally.ts), and src/core/socket-census.ts turns that into
// the report; the advice is rules/sockets/*.
//
// Cost model: one streaming pass over the socket table that keeps only numbers;
// /proc/<pid>/fd is walked only when a CLOSE_WAIT or LISTEN socket needs an owner,
// and stops once all are found.

import fs from 'node:fs';
import {
  CENSUS_SYSCTLS, TCPEXT_COUNTERS, buildCensus, ownerInodes, toSocketFacts,
  type CensusFile, type SocketCensus, type SocketSource, type Uninspectable,
} from '../core/socket-census.js';
import { SocketTally, countConnection, countEntry, peerV4, peerV6, reserve, settleTally } from '../core/socket-tally.js';
import { HEX, ST_TIME_WAIT, writeProcHexWords } from '../core/tcp-record.js';
import { coerceKernelVersion } from '../core/kernel-version.js';
import type { HostFacts, SysctlFact } from '../core/types.js';
import { describeErrno, type HostFs } from './host-fs.js';
import { exactStateAt, parseLineAt, readLineChunks } from './proc-net-tcp.js';
import { parseNetstat, parseSockstat } from './proc-net-stat.js';
import {
  AF_INET, AF_INET6, ALL_STATES, AT, CONTINUE, LISTEN_ONLY, MALFORMED, RECORD_SIZE, SOCK_DIAG_BY_FAMILY, SockDiagError,
  TCPDIAG_GETSOCK, controlMessage, readSockDiag, type DiagTransport, type DumpKind,
} from './sock-diag.js';
import { readLive } from './sysctl-live.js';

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
// node:v8 (~4 ms) cancelled out.) The counting itself is src/core/socket-tally.ts:
// the same bundle, so V8 inlines it here as before.

/** No socket line is shorter: a chunk of n bytes holds fewer than n / MIN_LINE sockets. */
const MIN_LINE = 64;

/**
 * The lines of buf[0, end) (end is just past a newline). The four fields every
 * socket needs (state, local port, remote address word and port) are read at the
 * kernel's fixed offsets here; lines in other states, or not in the exact layout,
 * are parsed in full by countFullLine().
 */
function scanChunk(s: SocketTally, buf: Buffer, end: number, family: 4 | 6): void {
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


/** A line parsed in full: LISTEN, SYN_RECV, CLOSE_WAIT, the closing states, and unusual layouts. */
function countFullLine(s: SocketTally, buf: Buffer, pos: number, nl: number, family: 4 | 6): void {
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
function scanDiagRun(s: SocketTally, bytes: Uint8Array, words: Uint32Array, start: number, end: number): number {
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

/** proc/net/sockstat and sockstat6, read once after the IPv4 table: the IPv6 check and the counters. */
interface SockstatTexts {
  sockstat: string | null;
  sockstat6: string | null;
}

/** What a scan produced, whichever source it read. */
interface Scan {
  acc: SocketTally;
  source: SocketSource;
  /** Why netlink was not used although it could have been (auto), else null. */
  sourceNote: string | null;
  /** proc/net/tcp{,6} as read (empty for netlink). */
  files: CensusFile[];
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
  let s = new SocketTally();
  try {
    readSockDiag(0, s, scanDiagRun, transport, states);
  } catch (err) {
    if (!(err instanceof SockDiagError) || err.code === 'ENOADDON') throw err;
    s = new SocketTally();
    for (const kind of [4, 6] as DumpKind[]) readSockDiag(kind, s, scanDiagRun, transport, states);
  }
  settleTally(s);
  const sockstat = { sockstat: safeText(hfs, 'proc/net/sockstat'), sockstat6: safeText(hfs, 'proc/net/sockstat6') };
  return { acc: s, source: 'netlink', sourceNote: null, files: [], families: { ipv4: s.lines, ipv6: s.lines6 }, error: null, sockstat };
}

function scanProc(hfs: HostFs): Omit<Scan, 'sourceNote'> {
  const s = new SocketTally();
  const report: Partial<Record<4 | 6, CensusFile>> = {};
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
  settleTally(s);
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

/** Reads the socket tables and what the census needs around them, and takes the census. */
export function collectSocketCensus(hfs: HostFs, opts: CensusOptions = {}): SocketCensus {
  return collectSocketView(hfs, opts, []).census;
}

/** The census, and the facts the socket rules judge. */
export interface SocketView {
  census: SocketCensus;
  facts: HostFacts;
}

/**
 * The census and, for the rules under rules/sockets/, the facts around it: the
 * census in facts.sockets.census, this kernel, and the live values of `ruleKeys`
 * (each sysctl read once, for the census and the rules). Nothing else of the host
 * is read (no sysctl.d, no limits): the facts are for rules that judge sockets.
 */
export function collectSocketView(hfs: HostFs, opts: CensusOptions, ruleKeys: readonly string[]): SocketView {
  const t0 = nowMs();
  const scan = readSocketTables(hfs, opts.source ?? 'auto', opts.diagTransport);
  const ownerScan = opts.owners === false ? { owners: new Map<number, number[]>(), uninspectable: [] } : findSocketOwners(hfs, ownerInodes(scan.acc));
  const processes = new Map<number, { comm: string | null; cmdline: string | null }>();
  for (const pids of ownerScan.owners.values()) {
    for (const pid of pids) if (!processes.has(pid)) processes.set(pid, { comm: readComm(hfs, String(pid)), cmdline: readCmdline(hfs, String(pid)) });
  }
  const sysctl: Record<string, SysctlFact> = {};
  for (const key of new Set([...CENSUS_SYSCTLS, ...ruleKeys])) sysctl[key] = { ...readLive(hfs, key), boot: null };
  const release = (safeText(hfs, 'proc/sys/kernel/osrelease') ?? '').trim();
  const kernel = { release: release || 'unknown', version: release ? coerceKernelVersion(release) : null };
  const census = buildCensus({
    tally: scan.acc,
    top: opts.top ?? 10,
    source: scan.source,
    sourceNote: scan.sourceNote,
    files: scan.files,
    families: scan.families,
    error: scan.error,
    owners: ownerScan.owners,
    uninspectable: ownerScan.uninspectable,
    processes,
    sysctl: Object.fromEntries(CENSUS_SYSCTLS.map((key) => [key, sysctl[key]!.live])),
    counters: readCounters(hfs, scan.sockstat),
    kernelVersion: kernel.version,
  });
  census.elapsedMs = Math.round((nowMs() - t0) * 10) / 10;
  const ruleSysctl: Record<string, SysctlFact> = {};
  for (const key of ruleKeys) ruleSysctl[key] = sysctl[key]!;
  const facts: HostFacts = {
    kernel,
    sysctl: ruleSysctl,
    sysctlConfig: { loader: hfs.exists('run/systemd/system') ? 'systemd' : 'procps', files: [], disagreements: [] },
    limits: { self: {}, pam: [] },
    sockets: toSocketFacts(census, true),
  };
  return { census, facts };
}

/** sockstat, sockstat6 (read with the tables) and the TcpExt counters the census surfaces. */
function readCounters(hfs: HostFs, texts: SockstatTexts): Record<string, number> {
  const counters: Record<string, number> = {};
  if (texts.sockstat !== null) Object.assign(counters, parseSockstat(texts.sockstat, 'sockstat'));
  if (texts.sockstat6 !== null) Object.assign(counters, parseSockstat(texts.sockstat6, 'sockstat6'));
  const netstat = safeText(hfs, 'proc/net/netstat');
  if (netstat !== null) {
    const all = parseNetstat(netstat);
    for (const name of TCPEXT_COUNTERS) {
      const v = all[`TcpExt.${name}`];
      if (v !== undefined) counters[`TcpExt.${name}`] = v;
    }
  }
  return counters;
}

function safeText(hfs: HostFs, p: string): string | null {
  try {
    return hfs.readText(p);
  } catch {
    return null;
  }
}
