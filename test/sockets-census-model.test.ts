// The census against a plain model of it. The census is tuned for speed (one fused
// loop at fixed offsets, an open-addressing peer table, port bitmaps for the busiest
// destinations, late listeners moved after the scan, runs of lines handed on in
// pieces); here random tables in the kernel's exact formats are counted again by
// the obvious code, and every count must agree. Kernel formats: tcp4_seq_show /
// tcp6_seq_show (get_tcp4_sock, get_timewait4_sock, get_openreq4 and their IPv6
// twins); see also test/fixtures/proc-net/generate.py. The same sockets also come
// as netlink sock_diag replies (test/helpers/sock-diag-fake.ts): that census must
// agree with the model and be the /proc one, field for field.

import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostFs } from '../src/host/host-fs.js';
import type { SocketCensus } from '../src/core/socket-census.js';
import { collectSocketCensus } from '../src/host/sockets.js';
import { controlMessage, datagrams, diagMessage, fakeTransport } from './helpers/sock-diag-fake.js';
import { tempDir } from './helpers/temp.js';

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

// Small pools, so that peers, ports and ties repeat.
interface Addr {
  text: string;
  /** Address bytes in network order. */
  bytes: number[];
}
const v4 = (text: string): Addr => ({ text, bytes: text.split('.').map(Number) });
const V4: Addr[] = ['127.0.0.1', '10.0.0.9', '10.0.0.10', '192.168.1.1'].map(v4);
const V6: Addr[] = [
  { text: '::1', bytes: [...Array(15).fill(0), 1] },
  { text: 'fe80::1', bytes: [0xfe, 0x80, ...Array(13).fill(0), 1] },
  { text: '::ffff:10.0.0.9', bytes: [...Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 9] },
  { text: '2001:db8::10', bytes: [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 0x10] },
];
const ANY4 = v4('0.0.0.0');
const ANY6: Addr = { text: '::', bytes: Array(16).fill(0) };
const PORTS = [80, 443, 8080, 32768, 40000, 40001, 60999];

/** The kernel prints each 32-bit word of the address as a host-order (little-endian) integer. */
function hexAddr(a: Addr): string {
  let out = '';
  for (let i = 0; i < a.bytes.length; i += 4) {
    const word = (a.bytes[i]! | (a.bytes[i + 1]! << 8) | (a.bytes[i + 2]! << 16) | (a.bytes[i + 3]! << 24)) >>> 0;
    out += word.toString(16).toUpperCase().padStart(8, '0');
  }
  return out;
}
const X = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');
const D = (n: number, w: number) => String(n).padStart(w);
const PTR = '0000000000000000';

type Kind = 'full' | 'timewait' | 'request';
interface Sock {
  family: 4 | 6;
  local: Addr;
  lport: number;
  remote: Addr;
  rport: number;
  state: number;
  kind: Kind;
  inode: number;
}

function line(sl: number, s: Sock): string {
  const head = `${D(sl, 4)}: ${hexAddr(s.local)}:${X(s.lport, 4)} ${hexAddr(s.remote)}:${X(s.rport, 4)} ${X(s.state, 2)}`;
  let text: string;
  if (s.kind === 'full') {
    text = `${head} ${X(0, 8)}:${X(s.state === 10 ? 2 : 0, 8)} 00:${X(0, 8)} ${X(0, 8)} ${D(1000, 5)} ${D(0, 8)} ${s.inode} 1 ${PTR} 20 4 0 10 -1`;
  } else if (s.kind === 'timewait') {
    text = `${head} ${X(0, 8)}:${X(0, 8)} 03:${X(0x1747, 8)} ${X(0, 8)} ${D(0, 5)} ${D(0, 8)} 0 3 ${PTR}`;
  } else {
    text = `${head} ${X(0, 8)}:${X(0, 8)} 01:${X(0x64, 8)} ${X(0, 8)} ${D(1000, 5)} ${D(0, 8)} 0 0 ${PTR}`;
  }
  return s.family === 4 ? text.padEnd(149) : text;
}

const H4 = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'.padEnd(149);
const H6 = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';

/** Each table as the kernel lists it: its listeners first, then the connection hash. */
function table(family: 4 | 6, socks: Sock[]): string {
  const mine = socks.filter((s) => s.family === family);
  const ordered = [...mine.filter((s) => s.state === 10), ...mine.filter((s) => s.state !== 10)];
  return [family === 4 ? H4 : H6, ...ordered.map((s, i) => line(i, s))].join('\n') + '\n';
}

const sockArb: fc.Arbitrary<Sock> = fc
  .record({
    family: fc.constantFrom<4 | 6>(4, 6),
    local: fc.nat(3),
    remote: fc.nat(3),
    lport: fc.constantFrom(...PORTS),
    rport: fc.constantFrom(...PORTS),
    // LISTEN and TIME_WAIT more often than the others
    state: fc.oneof(fc.constantFrom(10, 6, 6, 6, 1, 8), fc.integer({ min: 1, max: 11 })),
    minisock: fc.boolean(),
    inode: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })),
  })
  .map(({ family, local, remote, lport, rport, state, minisock, inode }): Sock => {
    const pool = family === 4 ? V4 : V6;
    const any = family === 4 ? ANY4 : ANY6;
    if (state === 10) return { family, local: pool[local]!, lport, remote: any, rport: 0, state, kind: 'full', inode: inode || 1 };
    const base = { family, local: pool[local]!, lport, remote: pool[remote]!, rport };
    if (state === 6) return { ...base, state, kind: 'timewait', inode: 0 };
    if (state === 3) return { ...base, state, kind: 'request', inode: 0 };
    // FIN_WAIT2 is a timewait minisock once the application has closed it (tcp_time_wait(sk, TCP_FIN_WAIT2, …)).
    if (state === 5 && minisock) return { ...base, state, kind: 'timewait', inode: 0 };
    return { ...base, state, kind: 'full', inode };
  });

const STATE_NAMES = ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING'];

/** The census as the obvious code would count it. */
function model(socks: Sock[]) {
  const listenPorts = new Set(socks.filter((s) => s.state === 10).map((s) => s.lport));
  const states: Record<string, number> = Object.fromEntries(STATE_NAMES.map((n) => [n, 0]));
  const families = { ipv4: 0, ipv6: 0 };
  const orphans = { finWait2Minisocks: 0, closedByApp: 0, halfOpen: 0 };
  const tw = new Map<string, { all: number; out: number; in: number }>();
  const dest = new Map<string, { ports: Set<number>; timeWait: number; open: number }>();
  const byLocalPort = new Map<number, number>();
  const byClient = new Map<string, number>();
  const closeWait = new Map<string, number>();
  const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const s of socks) {
    states[STATE_NAMES[s.state - 1]!]!++;
    families[s.family === 4 ? 'ipv4' : 'ipv6']++;
    if (s.state === 3) {
      orphans.halfOpen++;
      continue;
    }
    if (s.state === 10) continue;
    if (s.state === 5 && s.kind === 'timewait') orphans.finWait2Minisocks++;
    else if ([4, 5, 9, 11].includes(s.state) && s.inode === 0) orphans.closedByApp++;
    const peer = s.family === 4 ? `${s.remote.text}:${s.rport}` : `[${s.remote.text}]:${s.rport}`;
    const incoming = listenPorts.has(s.lport);
    if (s.state === 6) {
      const t = tw.get(peer) ?? { all: 0, out: 0, in: 0 };
      t.all++;
      if (incoming) {
        t.in++;
        bump(byLocalPort, s.lport);
        bump(byClient, s.remote.text);
      } else t.out++;
      tw.set(peer, t);
    }
    if (!incoming) {
      const d = dest.get(peer) ?? { ports: new Set<number>(), timeWait: 0, open: 0 };
      d.ports.add(s.lport);
      if (s.state === 6) d.timeWait++;
      else d.open++;
      dest.set(peer, d);
    }
    if (s.state === 8) bump(closeWait, peer);
  }
  return { listenPorts, states, families, orphans, tw, dest, byLocalPort, byClient, closeWait };
}

/** Address order of the report: IPv4 before IPv6, then the address and the port as numbers. */
function addressKey(text: string): [number, number[], number] {
  // `[v6]:port`, `a.b.c.d:port`, or a bare address (byClient)
  const m = /^\[(.*)\]:(\d+)$/.exec(text) ?? /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(text) ?? [text, text, '0'];
  const a = [...V4, ...V6].find((x) => x.text === m[1])!;
  return [a.bytes.length, a.bytes, Number(m[2])];
}
function compareAddress(a: string, b: string): number {
  const [fa, ba, pa] = addressKey(a);
  const [fb, bb, pb] = addressKey(b);
  if (fa !== fb) return fa - fb;
  for (let i = 0; i < ba.length; i++) if (ba[i] !== bb[i]) return ba[i]! - bb[i]!;
  return pa - pb;
}

/** Busiest first; equal counts in address order. */
function expectRanked<T>(list: T[], count: (x: T) => number, compare: (a: T, b: T) => number): void {
  for (let i = 1; i < list.length; i++) {
    const a = list[i - 1]!;
    const b = list[i]!;
    expect(count(a) > count(b) || (count(a) === count(b) && compare(a, b) < 0), `${JSON.stringify(a)} before ${JSON.stringify(b)}`).toBe(true);
  }
}

function writeRoot(socks: Sock[]): string {
  const root = tempDir('knobs-census-model-');
  temps.push(root);
  fs.mkdirSync(path.join(root, 'proc/net'), { recursive: true });
  fs.writeFileSync(path.join(root, 'proc/net/tcp'), table(4, socks), 'latin1');
  fs.writeFileSync(path.join(root, 'proc/net/tcp6'), table(6, socks), 'latin1');
  return root;
}

describe('the census agrees with a plain model of it', () => {
  it('on random tables in the kernel formats (every state, IPv4, IPv6, v4-mapped, listeners after connections)', () => {
    fc.assert(
      fc.property(
        fc.array(sockArb, { maxLength: 120 }),
        // Sometimes a tail of TIME_WAIT lines long enough to be handed on in several runs.
        fc.oneof(fc.constant(0), fc.integer({ min: 1000, max: 2500 })),
        // How much the kernel packs into one datagram (it sends ≤ 32 KiB).
        fc.oneof(fc.constant(32 * 1024), fc.integer({ min: 128, max: 8192 })),
        (base, filler, maxDatagram) => {
          const socks = [...base];
          for (let i = 0; i < filler; i++) {
            socks.push({ family: 4, local: V4[i % 2]!, lport: PORTS[i % PORTS.length]!, remote: V4[(i >> 3) % 4]!, rport: PORTS[(i >> 1) % PORTS.length]!, state: 6, kind: 'timewait', inode: 0 });
          }
          const root = writeRoot(socks);
          const c = collectSocketCensus(new HostFs(root), { top: 100_000, owners: false });
          expect(c.source).toBe('proc');
          expect(c.files.map((f) => f.malformed)).toEqual([0, 0]);
          expectModel(c, socks);

          const transport = fakeTransport({ 0: diagReplies(socks, maxDatagram) });
          const n = collectSocketCensus(new HostFs(root), { top: 100_000, owners: false, diagTransport: transport });
          expect(transport.opened).toEqual([0]);
          expect(n.source).toBe('netlink');
          expectModel(n, socks);
          const same = (x: SocketCensus) => ({ ...x, source: null, files: null, elapsedMs: null });
          expect(same(n)).toEqual(same(c));
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** The sockets as one TCPDIAG_GETSOCK dump: listeners of both families first, then the rest; NLMSG_DONE last. */
function diagReplies(socks: Sock[], maxDatagram: number): Uint8Array[] {
  const ordered = [...socks.filter((s) => s.state === 10), ...socks.filter((s) => s.state !== 10)];
  const pad = (a: Addr) => [...a.bytes, ...Array(16 - a.bytes.length).fill(0)];
  const messages = ordered.map((s) =>
    diagMessage({
      family: s.family,
      local: pad(s.local),
      lport: s.lport,
      remote: pad(s.remote),
      rport: s.rport,
      state: s.state,
      timer: s.kind === 'timewait' ? 3 : s.kind === 'request' ? 1 : 0,
      rqueue: s.state === 10 ? 2 : 0,
      wqueue: s.state === 10 ? 128 : 0,
      uid: s.kind === 'full' ? 1000 : 0,
      inode: s.inode,
    }),
  );
  return datagrams([...messages, controlMessage(3)], maxDatagram);
}

function expectModel(c: SocketCensus, socks: Sock[]): void {
  const m = model(socks);
  expect(c.states).toEqual(m.states);
  expect(c.families).toEqual(m.families);
  expect(c.total).toBe(socks.length);
  expect(c.orphans).toEqual(m.orphans);
  expect(c.listenPorts).toEqual([...m.listenPorts].sort((a, b) => a - b));

  const tw = c.timeWait;
  expect(tw.count).toBe(m.states.TIME_WAIT);
  const twOut = [...m.tw.values()].reduce((a, t) => a + t.out, 0);
  expect(tw.closedFirst).toEqual({ asClient: twOut, asServer: m.states.TIME_WAIT! - twOut });
  expect(new Map(tw.byPeer.map((p) => [p.peer, { count: p.count, direction: p.direction }]))).toEqual(
    new Map(
      [...m.tw].map(([peer, t]) => [peer, { count: t.all, direction: t.in === 0 ? 'outgoing' : t.out === 0 ? 'incoming' : 'mixed' }]),
    ),
  );
  expectRanked(tw.byPeer, (p) => p.count, (a, b) => compareAddress(a.peer, b.peer));
  expect(new Map(tw.outgoing.byDestination.map((p) => [p.peer, p.count]))).toEqual(
    new Map([...m.tw].filter(([, t]) => t.out > 0).map(([peer, t]) => [peer, t.out])),
  );
  expectRanked(tw.outgoing.byDestination, (p) => p.count, (a, b) => compareAddress(a.peer, b.peer));
  expect(new Map(tw.incoming.byLocalPort.map((p) => [p.port, p.count]))).toEqual(m.byLocalPort);
  expectRanked(tw.incoming.byLocalPort, (p) => p.count, (a, b) => a.port - b.port);
  expect(new Map(tw.incoming.byClient.map((p) => [p.ip, p.count]))).toEqual(m.byClient);
  expectRanked(tw.incoming.byClient, (p) => p.count, (a, b) => compareAddress(a.ip, b.ip));

  expect(new Map(c.ports.destinations.map((d) => [d.peer, { localPorts: d.localPorts, timeWait: d.timeWait, open: d.open }]))).toEqual(
    new Map([...m.dest].map(([peer, d]) => [peer, { localPorts: d.ports.size, timeWait: d.timeWait, open: d.open }])),
  );

  expect(c.closeWait.count).toBe(m.states.CLOSE_WAIT);
  expect(new Map(c.closeWait.byPeer.map((p) => [p.peer, p.count]))).toEqual(m.closeWait);
  expectRanked(c.closeWait.byPeer, (p) => p.count, (a, b) => compareAddress(a.peer, b.peer));
}
