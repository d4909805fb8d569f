// The pure census (src/core/socket-tally.ts + socket-census.ts) on socket records built
// in memory: no file, no netlink, no process. What the readers add (parsing /proc
// lines and netlink records into these records) is tested in sockets-parse,
// sock-diag and sockets-census-model.

import { describe, expect, it } from 'vitest';
import { buildCensus, fmtN, ownerInodes, toSocketFacts, twReuseScope, FACTS_DESTINATION_LIMIT } from '../src/core/socket-census.js';
import { SocketTally, tallyEntries } from '../src/core/socket-tally.js';
import { addressBytes, censusOf, many, record, type Sock } from './helpers/census.js';

const lb = (i: number): Sock => ({ state: 'TIME_WAIT', local: `10.0.0.1:${40000 + i}`, remote: '10.0.0.5:5432' });

describe('the tally of socket records', () => {
  it('counts states per family and the orphans no process holds', () => {
    const c = censusOf([
      { state: 'LISTEN', local: '0.0.0.0:80', inode: 11 },
      { state: 'LISTEN', local: '[::]:443', inode: 12 },
      { state: 'ESTABLISHED', local: '10.0.0.1:80', remote: '10.0.0.9:50000', inode: 13 },
      { state: 'ESTABLISHED', local: '[2001:db8::1]:443', remote: '[2001:db8::9]:50001', inode: 14 },
      { state: 'SYN_RECV', local: '10.0.0.1:80', remote: '10.0.0.9:50002' },
      { state: 'FIN_WAIT2', local: '10.0.0.1:80', remote: '10.0.0.9:50003', inode: 0, timer: 3 },
      { state: 'FIN_WAIT1', local: '10.0.0.1:80', remote: '10.0.0.9:50004', inode: 0 },
      { state: 'LAST_ACK', local: '10.0.0.1:80', remote: '10.0.0.9:50005', inode: 0 },
      { state: 'CLOSING', local: '10.0.0.1:80', remote: '10.0.0.9:50006', inode: 15 },
    ]);
    expect(c.families).toEqual({ ipv4: 7, ipv6: 2 });
    expect(c.total).toBe(9);
    expect(c.states).toMatchObject({ LISTEN: 2, ESTABLISHED: 2, SYN_RECV: 1, FIN_WAIT2: 1, FIN_WAIT1: 1, LAST_ACK: 1, CLOSING: 1, TIME_WAIT: 0 });
    expect(c.orphans).toEqual({ finWait2Minisocks: 1, closedByApp: 2, halfOpen: 1 });
    expect(c.listenPorts).toEqual([80, 443]);
    expect(c.listeners.map((l) => [l.local, l.family])).toEqual([['0.0.0.0:80', 4], ['[::]:443', 6]]);
  });

  it('splits TIME_WAIT by who closed first: incoming when the local port listens, whatever order the records come in', () => {
    const socks: Sock[] = [
      { state: 'TIME_WAIT', local: '10.0.0.1:8080', remote: '10.0.0.9:1234' },
      { state: 'TIME_WAIT', local: '10.0.0.1:40000', remote: '10.0.0.9:1234' },
      { state: 'TIME_WAIT', local: '10.0.0.1:40001', remote: '10.0.0.6:443' },
      // the listener comes after a socket on its port (tcp6 is read after tcp)
      { state: 'LISTEN', local: '[::]:8080', inode: 1 },
    ];
    for (const order of [socks, [...socks].reverse()]) {
      const c = censusOf(order);
      expect(c.timeWait.closedFirst).toEqual({ asClient: 2, asServer: 1 });
      expect(c.timeWait.byPeer).toEqual([
        { peer: '10.0.0.9:1234', count: 2, direction: 'mixed' },
        { peer: '10.0.0.6:443', count: 1, direction: 'outgoing' },
      ]);
      expect(c.timeWait.incoming).toEqual({ count: 1, byLocalPort: [{ port: 8080, count: 1 }], byClient: [{ ip: '10.0.0.9', count: 1 }] });
      expect(c.timeWait.outgoing.byDestination).toEqual([{ peer: '10.0.0.6:443', count: 1 }, { peer: '10.0.0.9:1234', count: 1 }]);
    }
  });

  it('lists ties in address order compared as numbers, IPv4 before IPv6', () => {
    const c = censusOf([
      { state: 'TIME_WAIT', local: '[2001:db8::1]:40000', remote: '[2001:db8::2]:443' },
      { state: 'TIME_WAIT', local: '10.0.0.1:40001', remote: '10.0.0.10:443' },
      { state: 'TIME_WAIT', local: '10.0.0.1:40002', remote: '10.0.0.9:443' },
      { state: 'TIME_WAIT', local: '10.0.0.1:40003', remote: '10.0.0.9:80' },
    ]);
    expect(c.timeWait.byPeer.map((p) => p.peer)).toEqual(['10.0.0.9:80', '10.0.0.9:443', '10.0.0.10:443', '[2001:db8::2]:443']);
  });

  it('builds the same records as the address text says (IPv4, IPv6, v4-mapped)', () => {
    expect(addressBytes('::ffff:10.0.0.9')).toEqual([...Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 9]);
    const c = censusOf([
      { state: 'ESTABLISHED', local: '[::ffff:10.0.0.1]:40000', remote: '[::ffff:127.0.0.1]:5432' },
      { state: 'ESTABLISHED', local: '[fe80::1]:40001', remote: '[::1]:5432' },
    ]);
    expect(c.ports.destinations.map((d) => [d.peer, d.loopback])).toEqual([['[::1]:5432', true], ['[::ffff:127.0.0.1]:5432', true]]);
  });
});

describe('owners', () => {
  it('names the processes holding CLOSE_WAIT and LISTEN sockets; sockets without one are unowned', () => {
    const socks: Sock[] = [
      { state: 'LISTEN', local: '0.0.0.0:8080', inode: 7 },
      { state: 'CLOSE_WAIT', local: '10.0.0.1:8080', remote: '10.0.0.9:50000', inode: 21 },
      { state: 'CLOSE_WAIT', local: '10.0.0.1:8080', remote: '10.0.0.9:50001', inode: 22 },
      { state: 'CLOSE_WAIT', local: '10.0.0.1:8080', remote: '10.0.0.8:50002', inode: 23 },
      { state: 'CLOSE_WAIT', local: '10.0.0.1:41000', remote: '10.0.0.5:5432', inode: 24 },
      { state: 'CLOSE_WAIT', local: '10.0.0.1:41001', remote: '10.0.0.5:5432', inode: 25 },
    ];
    expect([...ownerInodes(tallyEntries(socks.map(record)))].sort()).toEqual([21, 22, 23, 24, 25, 7]);
    const c = censusOf(socks, { owners: { 7: [100, 101], 21: [100], 22: [100], 23: [100], 24: [200] }, processes: { 100: 'web', 101: 'web', 200: 'worker' } });
    expect(c.listeners[0]!.owners).toEqual([{ pid: 100, comm: 'web' }, { pid: 101, comm: 'web' }]);
    expect(c.closeWait.count).toBe(5);
    expect(c.closeWait.unowned).toBe(1);
    expect(c.closeWait.byProcess).toEqual([
      {
        pid: 100, comm: 'web', cmdline: 'web --flag', count: 3, localPorts: [8080],
        peers: [{ peer: '10.0.0.8:50002', count: 1 }, { peer: '10.0.0.9:50000', count: 1 }, { peer: '10.0.0.9:50001', count: 1 }],
        peerAddresses: [{ ip: '10.0.0.9', count: 2 }, { ip: '10.0.0.8', count: 1 }],
      },
      { pid: 200, comm: 'worker', cmdline: 'worker --flag', count: 1, localPorts: [41000], peers: [{ peer: '10.0.0.5:5432', count: 1 }], peerAddresses: [{ ip: '10.0.0.5', count: 1 }] },
    ]);
    expect(c.closeWait.byPeer[0]).toEqual({ peer: '10.0.0.5:5432', count: 2 });
    // --top cuts every table
    expect(censusOf(socks, { top: 1, owners: { 21: [100], 24: [200] } }).closeWait.byProcess.map((p) => p.pid)).toEqual([100]);
  });
});

describe('ephemeral ports', () => {
  it('counts distinct local ports per destination (open and TIME_WAIT) against the usable range', () => {
    const socks = [
      ...many(30, lb),
      // the same local port twice towards it (reused after TIME_WAIT): one port
      { state: 'ESTABLISHED', local: '10.0.0.1:40000', remote: '10.0.0.5:5432' },
      ...many(5, (i): Sock => ({ state: 'ESTABLISHED', local: `10.0.0.1:${41000 + i}`, remote: '127.0.0.1:6379' })),
    ] satisfies Sock[];
    const c = censusOf(socks, { sysctl: { 'net.ipv4.ip_local_port_range': '40000 40099', 'net.ipv4.ip_local_reserved_ports': '40090-40099,8080' } });
    expect(c.ports).toMatchObject({ range: [40000, 40099], rangeSource: 'live', size: 100, reserved: 10, usable: 90, capacityPerSecond: 1.5, twReuse: 2, timestamps: 1 });
    expect(c.ports.worst).toEqual({
      peer: '10.0.0.5:5432', localPorts: 30, timeWait: 30, open: 1, usedPercent: 33.3, turnoverPerSecond: 0.5, capacityPerSecond: 1.5,
      loopback: false, twReuseApplies: false,
    });
    expect(c.ports.destinations[1]).toMatchObject({ peer: '127.0.0.1:6379', localPorts: 5, loopback: true, twReuseApplies: true });
    // tcp_tw_reuse 1 reaches every destination, 0 none
    expect(censusOf(socks, { sysctl: { 'net.ipv4.tcp_tw_reuse': '1' } }).ports.destinations.map((d) => d.twReuseApplies)).toEqual([true, true]);
    expect(censusOf(socks, { sysctl: { 'net.ipv4.tcp_tw_reuse': '0' } }).ports.destinations.map((d) => d.twReuseApplies)).toEqual([false, false]);
  });

  it('counts distinct ports beyond the destinations tracked during the tally', () => {
    // 20 destinations (16 are tracked while counting), the busiest last
    const socks = Array.from({ length: 20 }, (_, d) => many(d + 1, (i): Sock => ({ state: 'TIME_WAIT', local: `10.0.0.1:${40000 + i}`, remote: `10.0.1.${d + 1}:80` }))).flat();
    const c = censusOf(socks, { top: 20 });
    expect(c.ports.destinations.map((d) => d.localPorts)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
    expect(c.ports.worst).toMatchObject({ peer: '10.0.1.20:80', localPorts: 20 });
  });

  it('falls back to the compiled default range when the live one is unreadable', () => {
    const c = censusOf([lb(0)], { sysctl: { 'net.ipv4.ip_local_port_range': null } });
    expect(c.ports).toMatchObject({ range: [32768, 60999], rangeSource: 'default', usable: 28232, capacityPerSecond: 470.5 });
  });
});

describe('limits and facts', () => {
  it('compares sockstat with the limits', () => {
    const c = censusOf([], { counters: { 'sockstat.tw': 900, 'sockstat.orphan': 10 }, sysctl: { 'net.ipv4.tcp_max_tw_buckets': '1000', 'net.ipv4.tcp_max_orphans': 'junk' } });
    expect(c.limits).toEqual({
      timeWait: { current: 900, max: 1000, percent: 90 },
      orphans: { current: 10, max: null, percent: null },
      somaxconn: 4096,
      finTimeout: 60,
    });
  });

  it('gives rules the counts, and the whole census only when asked', () => {
    const c = censusOf(many(300, (i) => ({ ...lb(i), remote: `10.0.${i >> 8}.${i & 255}:80` })), { counters: { 'sockstat.tw': 300, 'TcpExt.ListenDrops': 1, 'Other.x': 5 } });
    const f = toSocketFacts(c);
    expect(f.census).toBeUndefined();
    expect(f.timeWaitByDestination).toHaveLength(FACTS_DESTINATION_LIMIT);
    expect(f.counters).toEqual({ 'sockstat.tw': 300, 'TcpExt.ListenDrops': 1 });
    expect(toSocketFacts(c, true).census).toBe(c);
  });

  it('is pure: the same tally gives the same census twice', () => {
    const socks: Sock[] = [...many(3, lb), { state: 'TIME_WAIT', local: '10.0.0.1:9000', remote: '10.0.0.7:1' }, { state: 'LISTEN', local: '0.0.0.0:9000', inode: 3 }];
    const tally = tallyEntries(socks.map(record));
    const input = {
      tally, top: 5, source: 'proc' as const, sourceNote: null, files: [], families: { ipv4: 5, ipv6: 0 }, error: null,
      owners: new Map(), uninspectable: [], processes: new Map(), sysctl: {}, counters: {}, kernelVersion: null,
    };
    expect(buildCensus(input)).toEqual(buildCensus(input));
    expect(buildCensus({ ...input, tally: new SocketTally() }).total).toBe(0);
  });

  it('formats counts and reads tcp_tw_reuse', () => {
    expect([fmtN(0), fmtN(999), fmtN(1000), fmtN(-1234567)]).toEqual(['0', '999', '1,000', '-1,234,567']);
    expect([0, 1, 2, null].map((v) => twReuseScope(v, '6.1.0'))).toEqual(['off', 'all', 'loopback', null]);
    // before 4.18 there is no "loopback only": any non-zero value reuses towards every destination
    expect([0, 1, 2, 7].map((v) => twReuseScope(v, '4.15.0'))).toEqual(['off', 'all', 'all', 'all']);
  });
});
