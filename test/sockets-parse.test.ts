// knobs sockets on fixture trees in the exact kernel format (test/fixtures/proc-net,
// written by generate.py there): parser, census, owners, JSON/text output, --watch.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostFs } from '../src/host/host-fs.js';
import { LineRuns, readLineChunks, scanProcNetTcp } from '../src/host/proc-net-tcp.js';
import { decodeHexAddress, formatIpv6, type TcpEntry } from '../src/core/tcp-record.js';
import { parseNetstat, parseSockstat } from '../src/host/proc-net-stat.js';
import { countReservedInRange, toSocketFacts, topIndices } from '../src/core/socket-census.js';
import { collectSocketCensus, findSocketOwners, uninspectableWhy } from '../src/host/sockets.js';
import { formatSockets, runSockets, uninspectableLines } from '../src/cli/commands/sockets.js';
import { TCP_STATES } from '../src/core/types.js';
import type { Io } from '../src/cli/io.js';
import { UserError } from '../src/errors.js';
import { tempDir } from './helpers/temp.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'proc-net', 'root');
const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

function tempRoot(withProcs = true): string {
  const dir = tempDir('knobs-sockets-');
  temps.push(dir);
  fs.cpSync(FIXTURE, dir, { recursive: true });
  if (withProcs) {
    addProc(dir, 100, 'server', 'node\0server.js\0--port\x008080\0', { 3: 'socket:[7241]', 4: 'socket:[6809]', 5: 'socket:[6810]', 6: '/dev/null', 7: 'socket:[6811]', 8: 'pipe:[99]' });
    addProc(dir, 101, 'server', 'node\0server.js\0--port\x008080\0', { 3: 'socket:[7241]', 9: 'socket:[6811]' });
    addProc(dir, 200, 'dual', 'dual-stack\0', { 3: 'socket:[7242]', 4: 'socket:[6900]', 5: 'socket:[6813]' });
    // proc/300/fd cannot be listed: a symlink loop gives ELOOP even for root.
    fs.mkdirSync(path.join(dir, 'proc/300'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'proc/300/comm'), 'secret\n');
    fs.symlinkSync('fd', path.join(dir, 'proc/300/fd'));
    fs.symlinkSync('100', path.join(dir, 'proc/self'));
  }
  return dir;
}

function addProc(root: string, pid: number, comm: string, cmdline: string, fds: Record<number, string>): void {
  const base = path.join(root, 'proc', String(pid));
  fs.mkdirSync(path.join(base, 'fd'), { recursive: true });
  fs.writeFileSync(path.join(base, 'comm'), comm + '\n');
  fs.writeFileSync(path.join(base, 'cmdline'), cmdline);
  for (const [fd, target] of Object.entries(fds)) fs.symlinkSync(target, path.join(base, 'fd', fd));
}

function captureIo(isTTY = false): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    isTTY,
    stdinTTY: false,
    color: false,
    width: 200,
    env: {},
  };
  return io;
}

/** Calls `then(n)` after the nth thing `io` prints (--watch tests stop or change the tree there). */
function afterOutput(io: Io, then: (n: number) => void): void {
  const out = io.out;
  let n = 0;
  io.out = (t: string) => {
    out(t);
    then(++n);
  };
}

function scanAll(file: string, family: 4 | 6): TcpEntry[] {
  const out: TcpEntry[] = [];
  scanProcNetTcp(file, family, (e) => out.push({ ...e }));
  return out;
}

describe('address decoding', () => {
  it('decodes little-endian IPv4 words', () => {
    expect(decodeHexAddress('0100007F')).toBe('127.0.0.1');
    expect(decodeHexAddress('0500000A')).toBe('10.0.0.5');
    expect(decodeHexAddress('00000000')).toBe('0.0.0.0');
  });
  it('decodes IPv6 as four byte-swapped words, v4-mapped as ::ffff:a.b.c.d', () => {
    expect(decodeHexAddress('00000000000000000000000001000000')).toBe('::1');
    expect(decodeHexAddress('00000000000000000000000000000000')).toBe('::');
    expect(decodeHexAddress('0000000000000000FFFF00000100007F')).toBe('::ffff:127.0.0.1');
    expect(decodeHexAddress('B80D0120000000000000000002000000')).toBe('2001:db8::2');
    expect(decodeHexAddress('000080FE000000000000000001000000')).toBe('fe80::1');
  });
  it('compresses the longest zero run (RFC 5952)', () => {
    expect(formatIpv6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])).toBe('2001:db8:0:1::1');
    expect(formatIpv6([0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1])).toBe('2001:db8:1:1:1:1:1:1');
  });
});

describe('proc/net/tcp streaming parser', () => {
  it('parses every line of the v4 fixture, skipping the header, including short TIME_WAIT and request lines', () => {
    const entries = scanAll(path.join(FIXTURE, 'proc/net/tcp'), 4);
    expect(entries).toHaveLength(28);
    const first = entries[0]!;
    expect(first).toMatchObject({ state: 0x0a, localPort: 8080, remotePort: 0, rxQueue: 3, inode: 7241, uid: 1000, timerType: 0 });
    const tw = entries.filter((e) => e.state === 6);
    expect(tw).toHaveLength(11);
    expect(tw.every((e) => e.inode === 0 && e.timerType === 3)).toBe(true);
    const minisock = entries.find((e) => e.state === 5 && e.timerType === 3)!;
    expect(minisock).toMatchObject({ inode: 0, localPort: 40012, remotePort: 8080 });
    const req = entries.filter((e) => e.state === 3);
    expect(req.map((e) => e.remotePort)).toEqual([50001, 50002]);
    expect(req.every((e) => e.inode === 0 && e.timerType === 1)).toBe(true);
  });

  it('parses tcp6 including v4-mapped addresses', () => {
    const entries = scanAll(path.join(FIXTURE, 'proc/net/tcp6'), 6);
    expect(entries).toHaveLength(9);
    expect(entries.map((e) => e.state)).toEqual([0x0a, 1, 1, 1, 8, 6, 6, 6, 3]);
    expect(entries[4]).toMatchObject({ localPort: 8443, remotePort: 41000, inode: 6900 });
  });

  it('handles lines split across read chunks, a 5-digit sl and a missing final newline', () => {
    const dir = tempDir('knobs-tcp-');
    temps.push(dir);
    const lines = fs.readFileSync(path.join(FIXTURE, 'proc/net/tcp'), 'latin1').split('\n');
    const tw = lines.find((l) => / 06 /.test(l))!;
    const est = lines.find((l) => / 01 /.test(l))!;
    const body: string[] = [lines[0]!];
    const N = 30_000; // ≈ 4.5 MB: several 1 MiB chunks
    for (let i = 0; i < N; i++) {
      const src = i % 3 === 0 ? est : tw;
      body.push(String(i).padStart(4) + src.slice(src.indexOf(':')));
    }
    const file = path.join(dir, 'tcp');
    fs.writeFileSync(file, body.join('\n')); // no trailing newline
    let n = 0;
    let est1 = 0;
    const r = scanProcNetTcp(file, 4, (e) => {
      n++;
      if (e.state === 1) est1++;
    });
    expect(r).toEqual({ lines: N, malformed: 0 });
    expect(n).toBe(N);
    expect(est1).toBe(N / 3);
  });

  it('hands on every byte once, in runs of whole lines, across read-ahead windows, a 600 KiB line and no final newline', () => {
    const dir = tempDir('knobs-tcp-');
    temps.push(dir);
    const lines = fs.readFileSync(path.join(FIXTURE, 'proc/net/tcp'), 'latin1').split('\n');
    const tw = lines.find((l) => / 06 /.test(l))!;
    const body = [lines[0]!];
    for (let i = 0; i < 70_000; i++) body.push(String(i).padStart(4) + tw.slice(tw.indexOf(':'))); // ≈ 10 MB
    body.splice(50_000, 0, 'x'.repeat(600 * 1024)); // longer than the read buffer and a piece
    const text = body.join('\n'); // no trailing newline
    const file = path.join(dir, 'tcp');
    fs.writeFileSync(file, text, 'latin1');
    const runs: Buffer[] = [];
    let empty = 0;
    readLineChunks(file, null, 4, (_s, buf, end) => {
      if (end === 0) return void empty++;
      expect(buf[end - 1]).toBe(10);
      runs.push(Buffer.from(buf.subarray(0, end)));
    });
    expect(Buffer.concat(runs).toString('latin1')).toBe(text + '\n');
    expect(runs.length).toBeGreaterThan(70); // handed on in pieces, not as one run
    expect(empty).toBeGreaterThan(0); // the calls that let V8 start compiling the consumer
  });

  it('reading procfs 4 KiB at a time, makes an empty run after the first run and at every MiB of each read-ahead window', () => {
    const line = Buffer.from(' 123: 0100007F:1F90 0200007F:D431 06 00000000:00000000 03:00001747 00000000     0        0 0 3 0000000000000000'.padEnd(149) + '\n');
    const perRead = line.length * 27; // 4050 bytes, what seq_file returns per read()
    let empty = 0;
    let bytes = 0;
    const runs = new LineRuns(null, 4, (_s, _buf, end) => {
      if (end === 0) empty++;
      bytes += end;
    });
    const total = 10 * 1024 * 1024;
    for (let fed = 0; fed < total; fed += perRead) {
      runs.readRoom();
      for (let i = 0; i < 27; i++) line.copy(runs.buf, runs.filled + i * line.length);
      runs.commit(perRead);
    }
    runs.finish();
    expect(bytes).toBe(Math.ceil(total / perRead) * perRead);
    // 10 MiB: the first ~128 KiB run, two full 4 MiB windows (kicks at 1, 2 and 3 MiB) and the last ~1.9 MB (at 1 MiB)
    expect(empty).toBe(1 + 3 + 3 + 1);
  });

  it('counts a table bigger than the read-ahead window exactly in the census', () => {
    const dir = tempRoot(false);
    const p6 = path.join(dir, 'proc/net/tcp6');
    fs.writeFileSync(p6, fs.readFileSync(p6, 'latin1').split('\n')[0] + '\n'); // IPv4 only
    const one = collectSocketCensus(new HostFs(dir), { owners: false });
    const p = path.join(dir, 'proc/net/tcp');
    const [header, ...sockets] = fs.readFileSync(p, 'latin1').split('\n').filter(Boolean);
    const copies = 2000; // ≈ 8 MB, two read-ahead windows
    const body = [header!];
    for (let c = 0; c < copies; c++) for (const l of sockets) body.push(String(body.length - 1).padStart(4) + l.slice(l.indexOf(':')));
    fs.writeFileSync(p, body.join('\n') + '\n');
    const many = collectSocketCensus(new HostFs(dir), { owners: false });
    for (const st of TCP_STATES) expect([st, many.states[st]]).toEqual([st, one.states[st] * copies]);
    expect(many.files[0]).toMatchObject({ lines: one.files[0]!.lines * copies, malformed: 0 });
  });

  it('falls back to whitespace splitting for lines with unusual spacing and counts malformed ones', () => {
    const dir = tempDir('knobs-tcp-');
    temps.push(dir);
    const file = path.join(dir, 'tcp');
    fs.writeFileSync(
      file,
      [
        '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
        '0:   0100007F:1F90   0100007F:808E  08 00000000:00000001  00:00000000 00000000 0 0 6809 1 0',
        '   1: garbage line',
        '',
      ].join('\n'),
    );
    const got = scanAll(file, 4);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ state: 8, localPort: 8080, remotePort: 32910, rxQueue: 1, inode: 6809 });
    expect(scanProcNetTcp(file, 4, () => {}).malformed).toBe(1);
  });
});

describe('sockstat / netstat', () => {
  it('parses sockstat TCP fields and other protocols', () => {
    const s = parseSockstat('sockets: used 9\nTCP: inuse 5 orphan 0 tw 3 alloc 10 mem 219\nUDP: inuse 0 mem 0\n');
    expect(s).toMatchObject({ 'sockstat.used': 9, 'sockstat.inuse': 5, 'sockstat.orphan': 0, 'sockstat.tw': 3, 'sockstat.mem': 219, 'sockstat.UDP.inuse': 0 });
  });
  it('pairs netstat header and value lines per prefix', () => {
    const n = parseNetstat(fs.readFileSync(path.join(FIXTURE, 'proc/net/netstat'), 'utf8'));
    expect(n['TcpExt.ListenOverflows']).toBe(7);
    expect(n['TcpExt.ListenDrops']).toBe(9);
    expect(n['TcpExt.TCPTimeWaitOverflow']).toBe(2);
    expect(n['IpExt.InNoRoutes']).toBe(0);
    expect(n['MPTcpExt.MPCapableSYNRX']).toBe(0);
  });
  it('counts reserved ports inside the range', () => {
    expect(countReservedInRange('8080,40050-40059', 40000, 40099)).toBe(10);
    expect(countReservedInRange('', 1, 2)).toBe(0);
    expect(countReservedInRange('5-10,8-12', 1, 100)).toBe(8);
  });
  it('topIndices keeps the k largest, ties in index order', () => {
    expect(topIndices([0, 5, 3, 5, 9, 1], 6, 3)).toEqual([4, 1, 3]);
    expect(topIndices([2, 2, 2, 2], 4, 2)).toEqual([0, 1]);
    expect(topIndices([0, 0], 2, 5)).toEqual([]);
  });
});

describe('socket census on the fixture tree', () => {
  it('counts every state over tcp + tcp6, with orphans and half-open entries', () => {
    const c = collectSocketCensus(new HostFs(tempRoot()), { top: 10 });
    expect(c.available).toBe(true);
    expect(c.states).toEqual({
      ESTABLISHED: 5, SYN_SENT: 1, SYN_RECV: 3, FIN_WAIT1: 1, FIN_WAIT2: 2, TIME_WAIT: 14,
      CLOSE: 1, CLOSE_WAIT: 5, LAST_ACK: 1, LISTEN: 3, CLOSING: 1,
    });
    expect(Object.keys(c.states)).toEqual([...TCP_STATES]);
    expect(c.total).toBe(37);
    expect(c.families).toEqual({ ipv4: 28, ipv6: 9 });
    expect(c.orphans).toEqual({ finWait2Minisocks: 1, closedByApp: 3, halfOpen: 3 });
    expect(c.listenPorts).toEqual([22, 8080, 8443]);
  });

  it('names the CLOSE_WAIT owners through proc/<pid>/fd and lists what could not be inspected', () => {
    const c = collectSocketCensus(new HostFs(tempRoot()), { top: 10 });
    expect(c.closeWait.count).toBe(5);
    expect(c.closeWait.byProcess).toEqual([
      {
        pid: 100, comm: 'server', cmdline: 'node server.js --port 8080', count: 3, localPorts: [8080],
        peers: [{ peer: '127.0.0.1:32910', count: 1 }, { peer: '127.0.0.1:32912', count: 1 }, { peer: '127.0.0.2:32914', count: 1 }],
        peerAddresses: [{ ip: '127.0.0.1', count: 2 }, { ip: '127.0.0.2', count: 1 }],
      },
      {
        pid: 101, comm: 'server', cmdline: 'node server.js --port 8080', count: 1, localPorts: [8080],
        peers: [{ peer: '127.0.0.2:32914', count: 1 }], peerAddresses: [{ ip: '127.0.0.2', count: 1 }],
      },
      {
        pid: 200, comm: 'dual', cmdline: 'dual-stack', count: 1, localPorts: [8443],
        peers: [{ peer: '[::ffff:10.1.2.3]:41000', count: 1 }], peerAddresses: [{ ip: '::ffff:10.1.2.3', count: 1 }],
      },
    ]);
    expect(c.closeWait.unowned).toBe(1);
    expect(c.closeWait.uninspectable).toEqual([{ pid: 300, comm: 'secret', error: 'ELOOP', why: 'proc/<pid>/fd: ELOOP' }]);
    expect(c.closeWait.byPeer[0]).toEqual({ peer: '10.0.0.7:6379', count: 1 });
    expect(c.closeWait.byPeer).toHaveLength(5);
    const l8080 = c.listeners.find((l) => l.port === 8080)!;
    expect(l8080).toMatchObject({ local: '127.0.0.1:8080', acceptQueue: 3, owners: [{ pid: 100, comm: 'server' }, { pid: 101, comm: 'server' }] });
    expect(c.listeners.map((l) => l.local)).toEqual(['0.0.0.0:22', '127.0.0.1:8080', '[::]:8443']);
  });

  it('says why a process could not be inspected, and "run as root" only when that would help', () => {
    expect(uninspectableWhy('EACCES', 1000)).toMatch(/refused to this user \(another user's process, or one that is not dumpable\): run knobs as root/);
    expect(uninspectableWhy('EPERM', 1000)).toMatch(/run knobs as root/);
    const asRoot = uninspectableWhy('EACCES', 0);
    expect(asRoot).toMatch(/refused even to root.*not dumpable or in another user namespace.*CAP_SYS_PTRACE/);
    expect(asRoot).not.toMatch(/run knobs as root/);
    expect(uninspectableWhy('ELOOP', 0)).toBe('proc/<pid>/fd: ELOOP');
    // One line per reason, each naming its processes.
    expect(
      uninspectableLines([
        { pid: 1, comm: 'init', error: 'EACCES', why: asRoot },
        { pid: 7, comm: null, error: 'EACCES', why: asRoot },
        { pid: 9, comm: 'odd', error: 'ELOOP', why: 'proc/<pid>/fd: ELOOP' },
      ]),
    ).toEqual([`Could not inspect 2 process(es): init[1], ?[7]: ${asRoot}`, 'Could not inspect 1 process(es): odd[9]: proc/<pid>/fd: ELOOP']);
  });

  it('walks proc/<pid>/fd only when a socket needs an owner', () => {
    const root = tempRoot();
    // Keep only TIME_WAIT lines: nothing needs an owner, the unreadable pid 300 is never touched.
    for (const f of ['proc/net/tcp', 'proc/net/tcp6']) {
      const p = path.join(root, f);
      const lines = fs.readFileSync(p, 'latin1').split('\n');
      fs.writeFileSync(p, lines.filter((l, i) => i === 0 || / 06 /.test(l)).join('\n') + '\n');
    }
    const c = collectSocketCensus(new HostFs(root), { top: 10 });
    expect(c.states.TIME_WAIT).toBe(14);
    expect(c.closeWait.uninspectable).toEqual([]);
    expect(findSocketOwners(new HostFs(root), new Set()).uninspectable).toEqual([]);
  });

  it('splits TIME_WAIT by who closed first and computes port use per destination', () => {
    const c = collectSocketCensus(new HostFs(tempRoot()), { top: 10 });
    const tw = c.timeWait;
    expect(tw.count).toBe(14);
    expect(tw.closedFirst).toEqual({ asClient: 11, asServer: 3 });
    expect(tw.byPeer.slice(0, 3)).toEqual([
      { peer: '10.0.0.5:5432', count: 6, direction: 'outgoing' },
      { peer: '10.0.0.6:443', count: 3, direction: 'outgoing' },
      { peer: '[2001:db8::2]:443', count: 2, direction: 'outgoing' },
    ]);
    expect(tw.byPeer.filter((p) => p.direction === 'incoming')).toHaveLength(3);
    expect(tw.outgoing.byDestination).toEqual([
      { peer: '10.0.0.5:5432', count: 6 },
      { peer: '10.0.0.6:443', count: 3 },
      { peer: '[2001:db8::2]:443', count: 2 },
    ]);
    expect(tw.incoming.byLocalPort).toEqual([{ port: 8080, count: 2 }, { port: 8443, count: 1 }]);
    expect(tw.incoming.byClient).toEqual([{ ip: '127.0.0.9', count: 2 }, { ip: '::ffff:10.1.2.3', count: 1 }]);

    const p = c.ports;
    expect(p).toMatchObject({ range: [40000, 40099], rangeSource: 'live', size: 100, reserved: 10, usable: 90, capacityPerSecond: 1.5, twReuse: 2, timestamps: 1 });
    expect(p.destinations[0]).toEqual({
      peer: '10.0.0.5:5432', localPorts: 6, timeWait: 6, open: 1, usedPercent: 6.7, turnoverPerSecond: 0.1,
      capacityPerSecond: 1.5, loopback: false, twReuseApplies: false,
    });
    expect(p.destinations[1]).toMatchObject({ peer: '10.0.0.8:80', localPorts: 4, timeWait: 0, open: 4 });
    expect(p.destinations.find((d) => d.peer === '127.0.0.1:8443')).toMatchObject({ loopback: true, twReuseApplies: true });
    expect(p.worst?.peer).toBe('10.0.0.5:5432');
  });

  it('lists ties in address order, compared as numbers, IPv4 before IPv6, cut at --top', () => {
    const root = tempRoot(false);
    const lines = fs.readFileSync(path.join(root, 'proc/net/tcp'), 'latin1').split('\n');
    const closeWait = lines.find((l) => / 08 /.test(l) && l.includes(' 6809 '))!;
    // `%4d: local:port remote:port` with the remote word at a fixed offset
    const word = (ip: string) => ip.split('.').map(Number).reverse().map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
    const remote = (sl: number, ip: string, port: number) =>
      String(sl).padStart(4) + closeWait.slice(4, 20) + `${word(ip)}:${port.toString(16).toUpperCase().padStart(4, '0')}` + closeWait.slice(33);
    const peers: [string, number][] = [['10.0.0.10', 80], ['10.0.0.9', 10000], ['10.0.0.9', 80], ['10.0.0.9', 9000], ['9.255.255.255', 65535]];
    fs.writeFileSync(path.join(root, 'proc/net/tcp'), [lines[0], ...peers.map(([ip, port], i) => remote(i, ip, port))].join('\n') + '\n');
    const all = collectSocketCensus(new HostFs(root), { top: 10, owners: false }).closeWait.byPeer.map((p) => p.peer);
    // text order would put 10.0.0.10:80 before 10.0.0.9:10000 and that before 10.0.0.9:80
    expect(all).toEqual(['9.255.255.255:65535', '10.0.0.9:80', '10.0.0.9:9000', '10.0.0.9:10000', '10.0.0.10:80', '[::ffff:10.1.2.3]:41000']);
    expect(collectSocketCensus(new HostFs(root), { top: 2, owners: false }).closeWait.byPeer).toEqual([
      { peer: '9.255.255.255:65535', count: 1 },
      { peer: '10.0.0.9:80', count: 1 },
    ]);
  });

  it('skips proc/net/tcp6 when sockstat6 shows no IPv6 socket and sockstat tw only the IPv4 timewait entries', () => {
    const root = tempRoot(false);
    const census = () => collectSocketCensus(new HostFs(root), { top: 10, owners: false });
    // the fixture: IPv6 sockets in use, so the table is read
    expect(census().files[1]).toEqual({ path: '/proc/net/tcp6', lines: 9, malformed: 0, error: null });
    // TCP6 inuse 0 and tw = the IPv4 TIME_WAIT (st 06) + orphaned FIN_WAIT2 minisocks: skipped, even
    // though this test tree's tcp6 still has lines (a live table could not)
    const v4 = collectSocketCensus(new HostFs(root), { top: 10, owners: false });
    let v4tw = 0;
    scanProcNetTcp(path.join(root, 'proc/net/tcp'), 4, (e) => {
      if (e.state === 6 || (e.state === 5 && e.timerType === 3 && e.inode === 0)) v4tw++;
    });
    expect(v4tw).toBeGreaterThan(0);
    fs.writeFileSync(path.join(root, 'proc/net/sockstat6'), 'TCP6: inuse 0\nUDP6: inuse 0\n');
    fs.writeFileSync(path.join(root, 'proc/net/sockstat'), `sockets: used 9\nTCP: inuse 14 orphan 3 tw ${v4tw} alloc 20 mem 5\n`);
    const skipped = census();
    expect(skipped.files[1]).toEqual({
      path: '/proc/net/tcp6', lines: 0, malformed: 0, error: null,
      skipped: `no IPv6 TCP sockets: sockstat6 TCP6 inuse 0, sockstat tw ${v4tw} = the IPv4 timewait entries`,
    });
    expect(skipped.families).toEqual({ ipv4: v4.families.ipv4, ipv6: 0 });
    expect(formatSockets(skipped, 10)).toMatch(/^TCP sockets: \d+ \(IPv4 \d+, IPv6 0: none in use, proc\/net\/tcp6 not read\)\n/);
    // one more timewait entry than IPv4 has: it may be IPv6, so the table is read
    fs.writeFileSync(path.join(root, 'proc/net/sockstat'), `TCP: inuse 14 orphan 3 tw ${v4tw + 1} alloc 20 mem 5\n`);
    expect(census().files[1]).toMatchObject({ lines: 9, error: null });
    expect(census().files[1]?.skipped).toBeUndefined();
  });

  it('moves sockets counted as outgoing to incoming when their listener comes later (tcp6 after tcp), reading each table once', () => {
    const root = tempRoot(false);
    // IPv4 sockets whose local port is the IPv6 listener's (:::8443, 0x20FB), before it:
    // an open connection to 10.0.0.5:5432 and a TIME_WAIT from 10.0.0.9
    const tcp = path.join(root, 'proc/net/tcp');
    const lines = fs.readFileSync(tcp, 'latin1').split('\n');
    const est = lines.find((l) => l.includes(' 0500000A:1538 01 '))!; // 10.0.0.1:40005 → 10.0.0.5:5432
    const tw = lines.find((l) => / 06 /.test(l))!;
    const withLines = (localPort: string) =>
      fs.writeFileSync(tcp, [
        lines[0],
        `  98: 0100000A:${localPort}` + est.slice(est.indexOf(':') + 15),
        `  99: 0100000A:${localPort} 0900000A:04D2` + tw.slice(tw.indexOf(':') + 29),
        ...lines.slice(1),
      ].join('\n'));
    const census = () => {
      const hfs = new HostFs(root);
      const seen: string[] = [];
      const resolve = hfs.resolve.bind(hfs);
      hfs.resolve = (p: string) => (p.startsWith('proc/net/tcp') && seen.push(p), resolve(p));
      return { c: collectSocketCensus(hfs, { top: 20, owners: false }), seen };
    };
    withLines('20FC'); // no listener on that port: both outgoing
    const out = census().c;
    withLines('20FB'); // the IPv6 listener's port: both incoming
    const { c: inc, seen } = census();
    expect(seen).toEqual(['proc/net/tcp', 'proc/net/tcp6']);
    const dest = (c: typeof out) => c.ports.destinations.find((d) => d.peer === '10.0.0.5:5432');
    expect(dest(out)).toMatchObject({ open: 2 });
    expect(dest(inc)).toMatchObject({ open: 1 });
    expect(inc.timeWait.closedFirst).toEqual({ asClient: out.timeWait.closedFirst.asClient - 1, asServer: out.timeWait.closedFirst.asServer + 1 });
    const on8443 = (c: typeof out) => c.timeWait.incoming.byLocalPort.find((p) => p.port === 8443)?.count ?? 0;
    expect(on8443(inc)).toBe(on8443(out) + 1);
    expect(inc.timeWait.incoming.byClient).toContainEqual({ ip: '10.0.0.9', count: 1 });
    expect(inc.timeWait.byPeer).toContainEqual({ peer: '10.0.0.9:1234', count: 1, direction: 'incoming' });
    expect(out.timeWait.byPeer).toContainEqual({ peer: '10.0.0.9:1234', count: 1, direction: 'outgoing' });
    // the same census as when the listener comes first: listen on 8443 in IPv4 too, at the top
    const v4listener = lines.find((l) => / 0A /.test(l))!.replace(/^(\s*\d+: [0-9A-F]{8}:)[0-9A-F]{4}/, '$1' + '20FB');
    fs.writeFileSync(tcp, fs.readFileSync(tcp, 'latin1').replace(lines[0] + '\n', lines[0] + '\n' + v4listener + '\n'));
    const first = census().c;
    const strip = (c: typeof out) => ({ ...c.timeWait, byPeer: c.timeWait.byPeer, destinations: c.ports.destinations });
    expect(strip(inc)).toEqual(strip(first));
  });

  it('reads limits and counters', () => {
    const c = collectSocketCensus(new HostFs(tempRoot()), { top: 10 });
    expect(c.limits.timeWait).toEqual({ current: 13, max: 16, percent: 81.3 });
    expect(c.limits.orphans).toEqual({ current: 3, max: 65536, percent: 0 });
    expect(c.counters).toMatchObject({
      'sockstat.tw': 13, 'sockstat.orphan': 3, 'sockstat6.inuse': 5,
      'TcpExt.ListenOverflows': 7, 'TcpExt.ListenDrops': 9, 'TcpExt.TCPTimeWaitOverflow': 2,
    });
  });

  it('gives the socket rules\' findings as advice, with this host\'s settings', async () => {
    const advice = async (root: string) => {
      const io = captureIo();
      expect(await runSockets({ root, top: 10, json: true }, io)).toBe(0);
      return JSON.parse(io.stdout).advice as { id: string; severity: string; message: string }[];
    };
    const all = await advice(tempRoot());
    // engine order: severity, then id
    expect(all.map((a) => [a.severity, a.id])).toEqual([
      ['warning', 'sockets/listen-overflows'],
      ['warning', 'sockets/tw-buckets-near-limit'],
      ['warning', 'sockets/tw-overflow'],
      ['info', 'sockets/close-wait'],
      ['info', 'sockets/close-wait-uninspectable'],
      ['info', 'sockets/time-wait-incoming'],
      ['info', 'sockets/time-wait-outgoing'],
    ]);
    const text = all.map((a) => a.message).join('\n');
    expect(text).toMatch(/never called close\(\)|has not called close\(\)/);
    expect(text).toMatch(/no sysctl fixes that/);
    expect(text).toMatch(/5 socket\(s\) in CLOSE_WAIT held by server \(pid 100, 3\), server \(pid 101, 1\), dual \(pid 200, 1\)/);
    expect(text).toMatch(/tcp_tw_reuse=1/);
    expect(text).toMatch(/removed in Linux 4\.12/);
    expect(text).not.toMatch(/tcp_tw_recycle=1/);
    expect(all.find((a) => a.id === 'sockets/close-wait-uninspectable')!.message).toMatch(/1 process\(es\) could not be inspected \(proc\/<pid>\/fd: ELOOP\)/);
    // The settings it names are this host's, and it does not ask to widen a range that is already full.
    const outgoing = async (root: string) => (await advice(root)).find((a) => a.id === 'sockets/time-wait-outgoing')!.message;
    const narrow = await outgoing(tempRoot());
    expect(narrow).toMatch(/here tcp_tw_reuse 2 = loopback only, tcp_timestamps 1\)/);
    expect(narrow).toMatch(/\(3\) widen net\.ipv4\.ip_local_port_range \(now 40000-40099; e\.g\. 1024 65535\)/);
    const root = tempRoot();
    fs.writeFileSync(path.join(root, 'proc/sys/net/ipv4/ip_local_port_range'), '1024\t65535\n');
    fs.writeFileSync(path.join(root, 'proc/sys/net/ipv4/tcp_timestamps'), '0\n');
    const wide = await outgoing(root);
    expect(wide).toMatch(/\(3\) the ephemeral range is already as wide as it goes \(1024-65535\)/);
    expect(wide).not.toMatch(/widen/);
    expect(wide).toMatch(/tcp_timestamps 0\)/);
  });

  it('turns the census into SocketFacts for the rules', () => {
    const facts = toSocketFacts(collectSocketCensus(new HostFs(tempRoot()), { top: 1 }));
    expect(facts.available).toBe(true);
    expect(facts.states.TIME_WAIT).toBe(14);
    expect(facts.listenPorts).toEqual([22, 8080, 8443]);
    // outgoing only, not limited by --top
    expect(facts.timeWaitByDestination).toEqual([
      { peer: '10.0.0.5:5432', count: 6 },
      { peer: '10.0.0.6:443', count: 3 },
      { peer: '[2001:db8::2]:443', count: 2 },
    ]);
    expect(facts.counters['sockstat.tw']).toBe(13);
    expect(facts.counters['sockstat.orphan']).toBe(3);
    expect(facts.counters['TcpExt.ListenOverflows']).toBe(7);
    expect(facts.counters['TcpExt.ListenDrops']).toBe(9);
    expect(facts.counters['TcpExt.TCPTimeWaitOverflow']).toBe(2);
    expect(JSON.parse(JSON.stringify(facts))).toEqual(facts);
  });

  it('is unavailable when proc/net/tcp is missing; defaults the port range', () => {
    const dir = tempDir('knobs-empty-');
    temps.push(dir);
    const c = collectSocketCensus(new HostFs(dir));
    expect(c.available).toBe(false);
    expect(c.total).toBe(0);
    expect(c.ports).toMatchObject({ range: [32768, 60999], rangeSource: 'default', usable: 28232 });
    expect(toSocketFacts(c).available).toBe(false);
  });
});

describe('knobs sockets command', () => {
  it('--json prints the contract document', async () => {
    const io = captureIo();
    const code = await runSockets({ root: tempRoot(), top: 2, json: true }, io);
    expect(code).toBe(0);
    expect(io.stderr).toBe('');
    const doc = JSON.parse(io.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(Object.keys(doc.states)).toEqual([...TCP_STATES]);
    expect(doc.states.CLOSE_WAIT).toBe(5);
    expect(doc.closeWait.byProcess).toHaveLength(2);
    expect(doc.closeWait.byProcess[0]).toMatchObject({ pid: 100, comm: 'server', count: 3, cmdline: 'node server.js --port 8080', localPorts: [8080] });
    expect(doc.closeWait.uninspectable).toEqual([{ pid: 300, comm: 'secret', error: 'ELOOP', why: 'proc/<pid>/fd: ELOOP' }]);
    expect(doc.timeWait.byPeer).toHaveLength(2);
    expect(doc.timeWait.outgoing.byDestination).toHaveLength(2);
    expect(doc.ports.range).toEqual([40000, 40099]);
    expect(doc.ports.capacityPerSecond).toBe(1.5);
  });

  it('prints a readable report', async () => {
    const io = captureIo();
    expect(await runSockets({ root: tempRoot(), top: 10, json: false }, io)).toBe(0);
    const out = io.stdout;
    expect(out).toMatch(/TCP sockets: 37 \(IPv4 28, IPv6 9\)/);
    expect(out).toMatch(/CLOSE_WAIT: 5/);
    expect(out).toMatch(/pid 100 server: 3 socket\(s\), local port 8080; peers 127\.0\.0\.1 \(2\), 127\.0\.0\.2 \(1\)/);
    expect(out).toMatch(/node server\.js --port 8080/);
    expect(out).toMatch(/No sysctl fixes this/);
    // Once, under the first section with a socket nobody was found to own (0.0.0.0:22).
    expect(out.match(/Could not inspect/g)).toHaveLength(1);
    expect(out).toMatch(/Listening \(3\):\n[^]*owner unknown[^]*\n {2}Could not inspect 1 process\(es\): secret\[300\]: proc\/<pid>\/fd: ELOOP\n\nCLOSE_WAIT: 5/);
    expect(out).toMatch(/we closed first as client: 11, as server: 3/);
    expect(out).toMatch(/10\.0\.0\.5:5432 +6 ports \(6\.7%\)/);
    expect(out).toMatch(/ListenOverflows 7, ListenDrops 9, TCPTimeWaitOverflow 2/);
    expect(out).not.toMatch(/\x1b\[/);
  });

  it('says when proc/net/tcp6 is missing (IPv6 off) or unreadable instead of counting 0 IPv6 sockets', () => {
    const root = tempRoot(false);
    fs.rmSync(path.join(root, 'proc/net/tcp6'));
    fs.rmSync(path.join(root, 'proc/net/sockstat6'), { force: true });
    const off = collectSocketCensus(new HostFs(root), { top: 10, owners: false });
    expect(off.files[1]).toMatchObject({ path: '/proc/net/tcp6', error: 'ENOENT' });
    expect(off.available).toBe(true);
    expect(formatSockets(off, 10, undefined, null, 200)).toMatch(/^TCP sockets: \d+ \(IPv4 \d+, IPv6: no proc\/net\/tcp6, IPv6 is off in this kernel or namespace\)\n/);
    fs.mkdirSync(path.join(root, 'proc/net/tcp6')); // read() fails with EISDIR
    const bad = collectSocketCensus(new HostFs(root), { top: 10, owners: false });
    expect(formatSockets(bad, 10, undefined, null, 200)).toMatch(/IPv6: proc\/net\/tcp6 unreadable \(EISDIR\), not counted\)/);
  });

  it('fails with one message (exit 1) when proc/net/tcp cannot be read, and on a bad --top, --watch or --fail-on', async () => {
    const dir = tempDir('knobs-empty-');
    temps.push(dir);
    const io = captureIo();
    await expect(runSockets({ root: dir, top: 10, json: true }, io)).rejects.toThrow(UserError);
    await expect(runSockets({ root: dir, top: 10, json: true }, io)).rejects.toThrow(/cannot read \/proc\/net\/tcp/);
    expect(io.stdout).toBe('');
    const root = tempRoot(false);
    await expect(runSockets({ root, top: -1, json: false }, io)).rejects.toThrow(/--top must be a non-negative integer/);
    for (const watch of [0, 0.05, 86401, Number.NaN, Infinity]) {
      await expect(runSockets({ root, top: 1, json: false, watch }, io)).rejects.toThrow(/--watch takes a number of seconds between 0\.1 and 86400/);
    }
    await expect(runSockets({ root, top: 1, json: false, failOn: 'loud' as never }, io)).rejects.toThrow(/--fail-on is one of critical, warning, info/);
    expect(io.stdout).toBe('');
  });

  it('--watch without a TTY prints one block per interval with deltas, until stopped', async () => {
    const root = tempRoot();
    const io = captureIo(false);
    const ac = new AbortController();
    const tcp = path.join(root, 'proc/net/tcp');
    const original = fs.readFileSync(tcp, 'latin1');
    let blocks = 0;
    afterOutput(io, (n) => {
      blocks = n;
      if (n === 1) {
        // Two more TIME_WAIT entries for the next sample.
        const tw = original.split('\n').find((l) => / 06 /.test(l))!;
        fs.writeFileSync(tcp, original + tw + '\n' + tw + '\n');
      }
      if (n === 3) ac.abort();
    });
    const code = await runSockets({ root, top: 3, json: false, watch: 0.1, signal: ac.signal }, io);
    expect(code).toBe(0);
    expect(blocks).toBe(3);
    expect(io.stdout).not.toMatch(/\x1b\[2J/);
    const parts = io.stdout.split(/knobs sockets — every/).slice(1);
    expect(parts).toHaveLength(3);
    expect(parts[1]).toMatch(/TIME_WAIT +16 \+2 \(\+\d+(\.\d)?\/s\)/);
    expect(parts[2]).toMatch(/TIME_WAIT +16 0 \(0\/s\)/);
  });

  it('--watch on a TTY redraws in place; --watch --json emits JSON Lines', async () => {
    const root = tempRoot();
    const tty = captureIo(true);
    const ac = new AbortController();
    afterOutput(tty, (n) => n === 2 && ac.abort());
    expect(await runSockets({ root, top: 3, json: false, watch: 0.1, signal: ac.signal }, tty)).toBe(0);
    expect(tty.stdout.startsWith('\x1b[H\x1b[2J')).toBe(true);
    expect(tty.stdout.split('\x1b[H\x1b[2J')).toHaveLength(3);

    const js = captureIo(false);
    const ac2 = new AbortController();
    afterOutput(js, (n) => n === 2 && ac2.abort());
    expect(await runSockets({ root, top: 3, json: true, watch: 0.1, signal: ac2.signal }, js)).toBe(0);
    const docs = js.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(docs).toHaveLength(2);
    expect(docs[0].watch).toBeNull();
    expect(docs[1].watch.delta.TIME_WAIT).toBe(0);
    expect(docs[1].schemaVersion).toBe(1);
  });

  it('--watch with --fail-on exits with the code of the last refresh shown', async () => {
    const run = async (calm: 'first' | 'second') => {
      const root = tempRoot();
      const quiet = () => {
        fs.writeFileSync(path.join(root, 'proc/net/netstat'), '');
        fs.writeFileSync(path.join(root, 'proc/sys/net/ipv4/tcp_max_tw_buckets'), '262144\n');
      };
      const loud = () => fs.cpSync(path.join(FIXTURE, 'proc'), path.join(root, 'proc'), { recursive: true });
      if (calm === 'first') quiet();
      const io = captureIo(false);
      const ac = new AbortController();
      afterOutput(io, (n) => {
        if (n === 1) (calm === 'first' ? loud : quiet)();
        if (n === 2) ac.abort();
      });
      const code = await runSockets({ root, top: 3, json: true, watch: 0.1, failOn: 'warning', signal: ac.signal }, io);
      const docs = io.stdout.trim().split('\n').map((l) => JSON.parse(l));
      return { code, warnings: docs.map((d) => d.advice.filter((a: { severity: string }) => a.severity === 'warning').length) };
    };
    expect(await run('first')).toEqual({ code: 2, warnings: [0, 3] });
    expect(await run('second')).toEqual({ code: 0, warnings: [3, 0] });
  });

  it('--watch stops on SIGINT with exit 0', async () => {
    const root = tempRoot();
    const io = captureIo(false);
    const listenersBefore = process.listenerCount('SIGINT');
    let outputs = 0;
    afterOutput(io, (n) => {
      outputs = n;
      if (n === 2) process.emit('SIGINT');
    });
    expect(await runSockets({ root, top: 3, json: false, watch: 0.1 }, io)).toBe(0);
    expect(outputs).toBe(2);
    expect(process.listenerCount('SIGINT')).toBe(listenersBefore);
  });
});
