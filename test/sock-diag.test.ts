// Reading sockets over netlink sock_diag (src/host/sock-diag.ts) and choosing the
// source (readSocketTables in src/host/sockets.ts): the fallbacks and the errors,
// with replies built by hand (test/helpers/sock-diag-fake.ts); and the real addon
// against this machine's kernel (read-only). The census itself is checked against a
// model, from both sources, in sockets-census-model.test.ts, and against `ss` and
// /proc in a network namespace in sockets-live.test.ts.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSockets } from '../src/cli/commands/sockets.js';
import { HostFs } from '../src/host/host-fs.js';
import { SockDiagError, kernelTransport, sockDiagAddon } from '../src/host/sock-diag.js';
import { collectSocketCensus, readListeningSockets } from '../src/host/sockets.js';
import { REPO, knobs } from './helpers/cli.js';
import { controlMessage, datagrams, diagMessage, fakeTransport, type DiagSocket } from './helpers/sock-diag-fake.js';
import { tempDir } from './helpers/temp.js';

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

/** A root with one IPv4 TIME_WAIT line in proc/net/tcp (what a /proc fallback finds). */
function procRoot(): string {
  const root = tempDir('knobs-sockdiag-');
  temps.push(root);
  fs.mkdirSync(path.join(root, 'proc/net'), { recursive: true });
  const head = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  const tw = '   0: 0100007F:9C40 0100007F:1F90 06 00000000:00000000 03:00001747 00000000     0        0 0 3 0000000000000000';
  fs.writeFileSync(path.join(root, 'proc/net/tcp'), `${head.padEnd(149)}\n${tw.padEnd(149)}\n`);
  return root;
}

const lo4 = [127, 0, 0, 1, ...Array(12).fill(0)];
const lo6 = [...Array(15).fill(0), 1];
const sock = (over: Partial<DiagSocket>): DiagSocket => ({
  family: 4, local: lo4, lport: 40000, remote: lo4, rport: 8080, state: 6, timer: 3, rqueue: 0, wqueue: 0, uid: 0, inode: 0, ...over,
});
const SOCKETS: DiagSocket[] = [
  sock({ state: 10, lport: 8080, rport: 0, remote: Array(16).fill(0), timer: 0, rqueue: 1, wqueue: 128, uid: 1000, inode: 111 }),
  sock({ family: 6, local: lo6, remote: Array(16).fill(0), state: 10, lport: 9090, rport: 0, timer: 0, uid: 1000, inode: 222 }),
  sock({}),
  sock({ lport: 40001 }),
  sock({ state: 1, timer: 0, uid: 1000, inode: 333, lport: 8080, rport: 50000 }),
  sock({ state: 8, timer: 0, uid: 1000, inode: 444, lport: 8080, rport: 50001 }),
  sock({ family: 6, local: lo6, remote: lo6, lport: 9090, rport: 40002 }), // incoming: the local port listens
];
const done = controlMessage(3);
const oneDump = (max?: number) => datagrams([...SOCKETS.map((s) => diagMessage(s, 18)), done], max);
const byFamily = (family: 4 | 6) => datagrams([...SOCKETS.filter((s) => s.family === family).map((s) => diagMessage(s, 20)), done]);

const census = (transport: Parameters<typeof fakeTransport>[0], source?: 'auto' | 'netlink') =>
  collectSocketCensus(new HostFs(procRoot()), { owners: false, diagTransport: fakeTransport(transport), ...(source ? { source } : {}) });

describe('netlink sock_diag as the source of the census', () => {
  it('one TCPDIAG_GETSOCK dump gives both families, whatever the datagram size', () => {
    for (const max of [96, 200, 32 * 1024]) {
      const t = fakeTransport({ 0: oneDump(max) });
      const c = collectSocketCensus(new HostFs(procRoot()), { owners: false, diagTransport: t });
      expect(t.opened).toEqual([0]);
      expect(c).toMatchObject({ source: 'netlink', sourceNote: null, files: [], total: 7, families: { ipv4: 5, ipv6: 2 } });
      expect(c.states).toMatchObject({ LISTEN: 2, TIME_WAIT: 3, ESTABLISHED: 1, CLOSE_WAIT: 1 });
      expect(c.listeners.map((l) => [l.local, l.acceptQueue])).toEqual([['127.0.0.1:8080', 1], ['[::1]:9090', 0]]);
      expect(c.timeWait.byPeer).toEqual([
        { peer: '127.0.0.1:8080', count: 2, direction: 'outgoing' },
        { peer: '[::1]:40002', count: 1, direction: 'incoming' },
      ]);
      expect(c.closeWait.byPeer).toEqual([{ peer: '127.0.0.1:50001', count: 1 }]);
    }
  });

  it('a kernel that refuses the old request type gets one SOCK_DIAG_BY_FAMILY dump per family', () => {
    const expected = census({ 0: oneDump() });
    for (const refusal of [-22, [controlMessage(2, -22)]]) {
      const t = fakeTransport({ 0: refusal, 4: byFamily(4), 6: byFamily(6) });
      const c = collectSocketCensus(new HostFs(procRoot()), { owners: false, diagTransport: t });
      expect(t.opened).toEqual([0, 4, 6]);
      expect({ ...c, elapsedMs: 0 }).toEqual({ ...expected, elapsedMs: 0 });
    }
  });

  const broken: [string, Uint8Array[], RegExp][] = [
    ['a message longer than its datagram', [oneDump()[0]!.slice(0, 100)], /a message does not fit its datagram/],
    ['a dump that stops before NLMSG_DONE', datagrams(SOCKETS.map((s) => diagMessage(s))), /ended without NLMSG_DONE/],
    ['NLMSG_DONE carrying an error', datagrams([diagMessage(SOCKETS[2]!), controlMessage(3, -105)]), /answered ENOBUFS/],
    ['a datagram that fills the read (it may have been cut)', [new Uint8Array(64 * 1024)], /filled the read; it may have been cut/],
  ];
  for (const [what, dgrams, message] of broken) {
    it(`${what}: auto reads /proc and says why; --source netlink is an error`, () => {
      const c = census({ 0: dgrams, 4: dgrams, 6: dgrams });
      expect(c.source).toBe('proc');
      expect(c.sourceNote).toMatch(message);
      expect(c.sourceNote).toMatch(/read \/proc\/net\/tcp instead$/);
      expect(c.states.TIME_WAIT).toBe(1); // the /proc table's one line
      expect(() => census({ 0: dgrams, 4: dgrams, 6: dgrams }, 'netlink')).toThrow(message);
    });
  }

  it('without the addon: /proc, with the reason, and no second try', () => {
    const t = fakeTransport({});
    t.open = () => {
      throw new SockDiagError('ENOADDON', 'sock_diag addon not built (build/Release/sock_diag.node: npm run build:native)');
    };
    const c = collectSocketCensus(new HostFs(procRoot()), { owners: false, diagTransport: t });
    expect(c.source).toBe('proc');
    expect(c.sourceNote).toBe('sock_diag addon not built (build/Release/sock_diag.node: npm run build:native): read /proc/net/tcp instead');
    // said under the header of the text report; a census from netlink says nothing there
    expect(formatSockets(c, 10, undefined, null, 100).split('\n').slice(0, 3)).toEqual([
      'TCP sockets: 1 (IPv4 1, IPv6: no proc/net/tcp6, IPv6 is off in this kernel or namespace)',
      '  sock_diag addon not built (build/Release/sock_diag.node: npm run build:native): read /proc/net/tcp',
      '  instead',
    ]);
    expect(formatSockets(census({ 0: oneDump() }), 10).split('\n')[1]).toMatch(/^  ESTABLISHED/);
  });

  it('under --root without a transport: /proc, and --source netlink is refused', () => {
    const hfs = new HostFs(procRoot());
    expect(collectSocketCensus(hfs, { owners: false })).toMatchObject({ source: 'proc', sourceNote: null });
    expect(() => collectSocketCensus(hfs, { owners: false, source: 'netlink' })).toThrow(/not a --root tree/);
  });

  it('the CLI: --source netlink under --root and an unknown --source exit 1 with one line', () => {
    const root = procRoot();
    const a = knobs(['sockets', '--root', root, '--source', 'netlink']);
    expect(a.code).toBe(1);
    expect(a.stderr).toBe('knobs: netlink reads the running kernel, not a --root tree: use --source proc (the default under --root)\n');
    const b = knobs(['sockets', '--root', root, '--source', 'ss']);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/^knobs: option '--source <from>' argument 'ss' is invalid\. Allowed choices are auto, netlink, proc\.\n  hint: run `knobs sockets --help` for usage\n$/);
    const c = knobs(['sockets', '--root', root, '--json']);
    expect(JSON.parse(c.stdout)).toMatchObject({ source: 'proc', sourceNote: null });
  });

  it('the listening sockets for knobs limits: a LISTEN-only dump (only the listening hash is walked)', () => {
    const listeners = SOCKETS.filter((s) => s.state === 10);
    const t = fakeTransport({ 0: datagrams([...listeners.map((s) => diagMessage(s)), done]) });
    expect(readListeningSockets(new HostFs(procRoot()), t)).toEqual(new Map([[111, 8080], [222, 9090]]));
    expect(t.states).toEqual([1 << 10]);
    // the census asks for every state /proc/net/tcp lists
    const all = fakeTransport({ 0: oneDump() });
    collectSocketCensus(new HostFs(procRoot()), { owners: false, diagTransport: all });
    expect(all.states).toEqual([0xffe]);
  });

  it('a big dump (past the first run and the read-ahead window) is counted whole', () => {
    const many: Uint8Array[] = [diagMessage(SOCKETS[0]!)];
    for (let i = 0; i < 60_000; i++) {
      many.push(diagMessage(sock({ lport: 10_000 + (i % 50_000), remote: [10, 0, (i >> 8) & 255, i & 255, ...Array(12).fill(0)] })));
    }
    many.push(done);
    const c = census({ 0: datagrams(many) });
    expect(c.source).toBe('netlink');
    expect(c.states.TIME_WAIT).toBe(60_000);
    expect(c.timeWait.closedFirst.asClient).toBe(60_000);
    expect(c.ports.destinations[0]).toMatchObject({ localPorts: 1, timeWait: 1 });
  });
});

describe('scripts/build-native.mjs', () => {
  const script = path.join(REPO, 'scripts/build-native.mjs');
  // A node-gyp that fails, as one without python3 or a compiler does.
  const failing = () => {
    const dir = tempDir('knobs-gyp-');
    temps.push(dir);
    fs.writeFileSync(path.join(dir, 'node-gyp.js'), "process.stderr.write('gyp ERR! stack Error: not found: make\\n'); process.exit(1);\n");
    return path.join(dir, 'node-gyp.js');
  };
  it('a failed build warns and lets the install go on; KNOBS_REQUIRE_NATIVE=1 makes it fail', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, npm_config_node_gyp: failing() };
    delete env.KNOBS_REQUIRE_NATIVE;
    const warn = spawnSync(process.execPath, [script], { env, encoding: 'utf8' });
    expect(warn.status).toBe(0);
    expect(warn.stderr).toBe(
      'knobs: warning: the sock_diag addon was not built (node-gyp rebuild exited 1: gyp ERR! stack Error: not found: make).\n' +
        '  knobs sockets reads /proc/net/tcp instead (slower on big tables); needs python3, make and a C compiler.\n',
    );
    const fail = spawnSync(process.execPath, [script], { env: { ...env, KNOBS_REQUIRE_NATIVE: '1' }, encoding: 'utf8' });
    expect(fail.status).toBe(1);
    expect(fail.stderr).toMatch(/^knobs: error: the sock_diag addon was not built/);
  });
});

describe('the addon on this machine', () => {
  it('is built (npm ci runs scripts/build-native.mjs) and dumps this namespace through the kernel', () => {
    // Needs python3, make and a C compiler at install time, as CI has (.ci/run).
    expect(sockDiagAddon()).not.toBeTypeOf('string');
    const c = collectSocketCensus(new HostFs('/'), { owners: false });
    expect(c.source).toBe('netlink');
    expect(c.sourceNote).toBeNull();
    expect(c.total).toBe(Object.values(c.states).reduce((a, b) => a + b, 0));
    // The LISTEN-only dump finds the same listeners as a whole one taken just before or
    // after it (this host's listeners may change meanwhile; the namespace test is exact).
    const listening = (x: typeof c) => new Map(x.listeners.filter((l) => l.inode !== 0).map((l) => [l.inode, l.port]));
    const only = readListeningSockets(new HostFs('/'));
    const after = collectSocketCensus(new HostFs('/'), { owners: false });
    expect([listening(c), listening(after)]).toContainEqual(only);
    // A bad kind never reaches the kernel: the addon checks.
    expect(() => (kernelTransport.open as (k: number, s: number) => number)(5, 0xffe)).toThrow(/kind is 0, 4 or 6/);
  });
});
