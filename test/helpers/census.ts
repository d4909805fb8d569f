// Socket records and censuses built in memory, for the pure census and the socket
// rules: sockets described as text (`10.0.0.1:40000 → 10.0.0.5:5432 TIME_WAIT`) become
// the records a reader hands the tally (addresses printed as /proc/net/tcp prints
// them, from the address bytes as the kernel holds them), then a census, then facts.

import { CENSUS_SYSCTLS, buildCensus, toSocketFacts, type CensusInput, type SocketCensus, type Uninspectable } from '../../src/core/socket-census.js';
import { tallyEntries } from '../../src/core/socket-tally.js';
import { TIMER_TIME_WAIT, writeProcHexWords, type TcpEntry } from '../../src/core/tcp-record.js';
import { TCP_STATES, type HostFacts, type TcpState } from '../../src/core/types.js';
import { host, type KernelName } from './host.js';

export interface Sock {
  state: TcpState;
  /** `ip:port`, IPv6 in brackets: `[::1]:443`. */
  local: string;
  /** For LISTEN: `0.0.0.0:0` by default. */
  remote?: string;
  inode?: number;
  /** LISTEN: accept queue length. */
  rxQueue?: number;
  /** 3 = the TIME_WAIT timer (an orphaned FIN_WAIT2 minisock when state is FIN_WAIT2 and inode 0). */
  timer?: number;
}

/** 16 (IPv6) or 4 (IPv4) address bytes in network order. */
export function addressBytes(ip: string): number[] {
  if (!ip.includes(':')) return ip.split('.').map(Number);
  let text = ip;
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tail = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const a = groups(head);
  const b = rest === undefined ? [] : groups(rest);
  const all = [...a, ...Array(8 - a.length - b.length).fill(0), ...b];
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

function splitEndpoint(ep: string): [string, number] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(ep);
  if (!m) throw new Error(`not ip:port: ${ep}`);
  return [m[1]!, Number(m[2])];
}

/** A socket as a reader hands it to the tally (its own buffer: keep as many as you like). */
export function record(s: Sock): TcpEntry {
  const [lip, lport] = splitEndpoint(s.local);
  const [rip, rport] = splitEndpoint(s.remote ?? (lip.includes(':') ? '[::]:0' : '0.0.0.0:0'));
  const family = lip.includes(':') ? 6 : 4;
  const words = (ip: string) => new Uint32Array(Uint8Array.from(addressBytes(ip)).buffer);
  const buf = Buffer.alloc(80);
  const local = words(lip);
  const remote = words(rip);
  writeProcHexWords(buf, 0, local, 0, local.length);
  writeProcHexWords(buf, 40, remote, 0, remote.length);
  return {
    family, state: TCP_STATES.indexOf(s.state) + 1, localPort: lport, remotePort: rport, remoteWord: remote[remote.length - 1]!,
    txQueue: 0, rxQueue: s.rxQueue ?? 0, timerType: s.timer ?? (s.state === 'TIME_WAIT' ? TIMER_TIME_WAIT : 0), uid: 0,
    inode: s.inode ?? (s.state === 'TIME_WAIT' || s.state === 'SYN_RECV' ? 0 : 1000), buf, localAt: 0, remoteAt: 40,
  };
}

/** `n` sockets from `make(i)`. */
export function many(n: number, make: (i: number) => Sock): Sock[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

export interface CensusExtras extends Partial<Omit<CensusInput, 'tally' | 'owners' | 'processes' | 'sysctl'>> {
  /** inode → pids. */
  owners?: Record<number, number[]>;
  /** pid → comm (cmdline `comm --flag`). */
  processes?: Record<number, string>;
  /** Live values by key; the census keys default to a 6.x kernel's. */
  sysctl?: Partial<Record<(typeof CENSUS_SYSCTLS)[number], string | null>>;
  uninspectable?: Uninspectable[];
}

const SYSCTL_DEFAULTS: Record<(typeof CENSUS_SYSCTLS)[number], string | null> = {
  'net.ipv4.ip_local_port_range': '32768 60999',
  'net.ipv4.ip_local_reserved_ports': '',
  'net.ipv4.tcp_tw_reuse': '2',
  'net.ipv4.tcp_timestamps': '1',
  'net.ipv4.tcp_max_tw_buckets': '131072',
  'net.ipv4.tcp_max_orphans': '131072',
  'net.core.somaxconn': '4096',
  'net.ipv4.tcp_fin_timeout': '60',
};

/** The census of `sockets` with what a reader would have found around them. */
export function censusOf(sockets: Sock[], x: CensusExtras = {}): SocketCensus {
  const tally = tallyEntries(sockets.map(record));
  const processes = new Map(Object.entries(x.processes ?? {}).map(([pid, comm]) => [Number(pid), { comm, cmdline: `${comm} --flag` }]));
  return buildCensus({
    tally,
    top: x.top ?? 10,
    source: x.source ?? 'netlink',
    sourceNote: x.sourceNote ?? null,
    files: x.files ?? [],
    families: x.families ?? { ipv4: tally.lines, ipv6: tally.lines6 },
    error: x.error ?? null,
    owners: new Map(Object.entries(x.owners ?? {}).map(([ino, pids]) => [Number(ino), pids])),
    uninspectable: x.uninspectable ?? [],
    processes,
    sysctl: { ...SYSCTL_DEFAULTS, ...x.sysctl },
    counters: x.counters ?? {},
    kernelVersion: x.kernelVersion ?? '6.1.0',
  });
}

/** A fixture host whose socket facts are this census (as `knobs sockets` builds them). */
export function censusHost(kernel: KernelName | string, census: SocketCensus, sysctl: Record<string, string | null> = {}): HostFacts {
  const h = host(kernel, { sysctl });
  return { ...h, sockets: toSocketFacts(census, true) };
}
