// The readers of kernel packet counters and container signs (src/host/net-stat.ts),
// on fake roots: parsing the per-CPU hex tables, and what counts as a sign.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFacts } from '../src/core/facts-schema.js';
import { collectFacts } from '../src/host/collect.js';
import { HostFs } from '../src/host/host-fs.js';
import { parseConntrackStat, parseSoftnetStat, readNetStatFacts } from '../src/host/net-stat.js';
import { fakeRoot } from './helpers/fake-root.js';

const FIX = path.join(import.meta.dirname, 'fixtures/net-stat');
const fixture = (name: string) => fs.readFileSync(path.join(FIX, name), 'utf8');

describe('/proc/net/stat/nf_conntrack', () => {
  it('sums the per-CPU hex columns, keeps entries as the table count', () => {
    const s = parseConntrackStat(fixture('nf_conntrack-6.12'))!;
    expect(s).toMatchObject({ entries: 1000, drop: 12, early_drop: 1, insert_failed: 3, invalid: 14, search_restart: 3, clashres: 1 });
  });
  it('reads the 3.10 header (searched, delete_list) the same way', () => {
    const s = parseConntrackStat('entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n00000010  00000100 0 0 0 0 0 0 0 0 00000002 0 0  0 0 0 0\n')!;
    expect(s).toMatchObject({ entries: 16, searched: 256, drop: 2 });
  });
  it('gives null for a header alone or nothing', () => {
    expect(parseConntrackStat('entries drop\n')).toBeNull();
    expect(parseConntrackStat('')).toBeNull();
  });
});

describe('/proc/net/softnet_stat', () => {
  it('sums processed, dropped and time_squeeze over CPUs', () => {
    expect(parseSoftnetStat(fixture('softnet_stat'))).toEqual({ cpus: 2, processed: 123456 + 100000, dropped: 100, timeSqueeze: 21 });
  });
  it('refuses a malformed table rather than guessing', () => {
    expect(parseSoftnetStat('zz 1\n')).toBeNull();
    expect(parseSoftnetStat('')).toBeNull();
  });
});

describe('readNetStatFacts on a fake root', () => {
  it('finds a Kubernetes node: veth and CNI interfaces, runtime state, kubelet running', () => {
    const root = fakeRoot({
      kernel: '6.1',
      files: {
        '/proc/net/stat/nf_conntrack': fixture('nf_conntrack-6.12'),
        '/proc/net/softnet_stat': fixture('softnet_stat'),
        '/proc/uptime': '3600.5 7000.1\n',
        '/sys/class/net/eth0/mtu': '1500\n',
        '/sys/class/net/cni0/mtu': '1450\n',
        '/sys/class/net/veth1a2b3c4d/mtu': '1450\n',
        '/sys/class/net/lo/mtu': '65536\n',
        '/run/containerd/containerd.sock': '',
        '/var/lib/kubelet/config.yaml': 'kind: KubeletConfiguration\n',
        '/proc/812/comm': 'kubelet\n',
        '/proc/640/comm': 'containerd\n',
        '/proc/1/comm': 'systemd\n',
        '/proc/955/comm': 'keepalived\n',
        '/proc/956/comm': 'keepalived\n',
      },
    });
    const n = readNetStatFacts(new HostFs(root));
    expect(n.containers).toEqual({
      interfaces: ['cni0', 'veth1a2b3c4d'],
      paths: ['/run/containerd', '/var/lib/kubelet'],
      processes: ['containerd', 'kubelet'],
      insideContainer: null,
      vipProcesses: ['keepalived'],
      bridgeNfCallIptables: null,
    });
    expect(n.uptimeSeconds).toBe(3600.5);
    expect(n.interfaces).toEqual(['cni0', 'eth0', 'lo', 'veth1a2b3c4d']);
    expect(n.conntrack?.drop).toBe(12);
    expect(n.softnet?.dropped).toBe(100);
  });

  it('a plain host: no signs, counters null where the files are missing; knobs in a container says so', () => {
    const plain = readNetStatFacts(new HostFs(fakeRoot({ kernel: '5.4', files: { '/sys/class/net/eth0/mtu': '1500\n' } })));
    expect(plain).toMatchObject({ conntrack: null, softnet: null, containers: { interfaces: [], paths: [], processes: [], insideContainer: null } });
    const inside = readNetStatFacts(new HostFs(fakeRoot({ kernel: '5.4', files: { '/.dockerenv': '' } })));
    expect(inside.containers.insideContainer).toBe('/.dockerenv');
    const nspawn = readNetStatFacts(new HostFs(fakeRoot({ kernel: '5.4', files: { '/run/systemd/container': 'systemd-nspawn\n' } })));
    expect(nspawn.containers.insideContainer).toBe('/run/systemd/container: systemd-nspawn');
    const bridged = readNetStatFacts(new HostFs(fakeRoot({ kernel: '5.4', files: { '/proc/sys/net/bridge/bridge-nf-call-iptables': '1\n' } })));
    expect(bridged.containers.bridgeNfCallIptables).toBe('1');
  });

  it('is part of the snapshot and passes the facts schema', () => {
    const root = fakeRoot({ kernel: '6.1', files: { '/proc/net/softnet_stat': fixture('softnet_stat') } });
    const facts = collectFacts(new HostFs(root), { sockets: false });
    expect(facts.netStat?.softnet?.cpus).toBe(2);
    const back = checkFacts(JSON.parse(JSON.stringify(facts)));
    expect('facts' in back).toBe(true);
    expect(checkFacts({ ...JSON.parse(JSON.stringify(facts)), netStat: { ...facts.netStat, softnet: { cpus: -1 } } })).toMatchObject({ problem: expect.stringContaining('netStat') });
  });
});
