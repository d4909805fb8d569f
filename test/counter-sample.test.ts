// Counters judged on their increase since knobs' last audit of this boot
// (src/core/counter-window.ts, src/host/net-stat.ts readCounterSample,
// src/apply/counter-sample.ts), not on their total since boot.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COUNTER_SAMPLE_PATH, counterValues, counterWindow } from '../src/core/counter-window.js';
import { HostFs } from '../src/host/host-fs.js';
import { readCounterSample } from '../src/host/net-stat.js';
import { knobs } from './helpers/cli.js';
import { fakeRoot, treeChecksum } from './helpers/fake-root.js';
import { host } from './helpers/host.js';

const BOOT = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const NETSTAT = (overflows: number) => `TcpExt: ListenOverflows ListenDrops\nTcpExt: ${overflows} ${overflows}\n`;

describe('counterWindow', () => {
  it('is the increase since the sample of this boot, or the total since boot without one', () => {
    const h = host('6.12', { netStat: { uptimeSeconds: 86400, previous: { ageSeconds: 600, counters: { 'TcpExt.ListenOverflows': 5 } } } });
    expect(counterWindow(h, 'TcpExt.ListenOverflows', 8)).toEqual({ count: 3, window: "in the 10 min since knobs' last sample", sampled: true });
    // a counter the sample does not hold, or one that went down: since boot
    expect(counterWindow(h, 'TcpExt.ListenDrops', 8)).toMatchObject({ count: 8, sampled: false });
    expect(counterWindow(h, 'TcpExt.ListenOverflows', 2)).toMatchObject({ count: 2, sampled: false, window: expect.stringMatching(/^since boot \(1 d 0 h ago;/) });
  });

  it('a sample keeps the counters the rules judge', () => {
    const h = host('6.12', { sockets: { counters: { 'TcpExt.ListenOverflows': 4, 'sockstat.tw': 9 } }, netStat: { conntrack: { drop: 1, early_drop: 2, insert_failed: 3, entries: 7 }, softnet: { cpus: 2, processed: 9, dropped: 4, timeSqueeze: 5 } } });
    expect(counterValues(h)).toEqual({ 'TcpExt.ListenOverflows': 4, 'conntrack.drop': 1, 'conntrack.early_drop': 2, 'conntrack.insert_failed': 3, 'softnet.dropped': 4, 'softnet.timeSqueeze': 5 });
  });
});

describe('readCounterSample', () => {
  const root = (sample: unknown) => fakeRoot({ files: { [COUNTER_SAMPLE_PATH]: typeof sample === 'string' ? sample : JSON.stringify(sample) } });
  const now = Date.UTC(2026, 11, 4, 12);
  it('takes a sample of this boot and says how old it is', () => {
    const r = root({ bootId: BOOT, timeMs: now - 90_000, counters: { 'TcpExt.ListenOverflows': 3, __proto__: 1, bad: -1, text: 'x' } });
    expect(readCounterSample(new HostFs(r), BOOT, now)).toEqual({ ageSeconds: 90, counters: { 'TcpExt.ListenOverflows': 3 } });
  });
  it('ignores another boot, a sample from the future, no boot id, and what is not a sample', () => {
    const fsOf = (s: unknown) => new HostFs(root(s));
    expect(readCounterSample(fsOf({ bootId: 'other', timeMs: now - 1, counters: {} }), BOOT, now)).toBeNull();
    expect(readCounterSample(fsOf({ bootId: BOOT, timeMs: now + 1, counters: {} }), BOOT, now)).toBeNull();
    expect(readCounterSample(fsOf({ bootId: BOOT, timeMs: now - 1, counters: {} }), null, now)).toBeNull();
    expect(readCounterSample(fsOf('{"bootId":'), BOOT, now)).toBeNull();
    expect(readCounterSample(fsOf([1, 2]), BOOT, now)).toBeNull();
  });
  it('ignores a sample others could have written (group- or world-writable)', () => {
    const r = root({ bootId: BOOT, timeMs: now - 1000, counters: { 'TcpExt.ListenOverflows': 3 } });
    fs.chmodSync(path.join(r, COUNTER_SAMPLE_PATH), 0o666);
    expect(readCounterSample(new HostFs(r), BOOT, now)).toBeNull();
    fs.chmodSync(path.join(r, COUNTER_SAMPLE_PATH), 0o600);
    expect(readCounterSample(new HostFs(r), BOOT, now)).not.toBeNull();
  });
});

describe('knobs audit keeps a sample and judges the next run against it', () => {
  const liveRoot = (overflows: number) =>
    fakeRoot({ kernel: '6.12', files: { '/proc/sys/kernel/random/boot_id': `${BOOT}\n`, '/proc/net/netstat': NETSTAT(overflows) } });
  const overflowFinding = (root: string) =>
    knobs(['audit', '--root', root, '--json']).json().findings.find((f: { id: string }) => f.id === 'net/somaxconn');

  it('creates nothing where the state directory does not exist', () => {
    const root = liveRoot(7);
    fs.rmSync(path.join(root, 'var/lib/knobs'), { recursive: true, force: true });
    const before = treeChecksum(root);
    expect(overflowFinding(root).message).toMatch(/^7 accept-queue overflows .* since boot \(/);
    expect(treeChecksum(root)).toBe(before);
  });

  it('with the state directory: the first audit counts since boot, the next one only what came after', () => {
    const root = liveRoot(7);
    fs.mkdirSync(path.join(root, 'var/lib/knobs'), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.join(root, 'var/lib/knobs'), 0o700);
    expect(overflowFinding(root).message).toMatch(/^7 accept-queue overflows .* since boot \(/);
    const sample = JSON.parse(fs.readFileSync(path.join(root, COUNTER_SAMPLE_PATH), 'utf8'));
    expect(sample).toMatchObject({ bootId: BOOT, counters: { 'TcpExt.ListenOverflows': 7 } });
    expect(fs.statSync(path.join(root, COUNTER_SAMPLE_PATH)).mode & 0o777).toBe(0o600);
    // nothing new: no finding, although the total since boot is still 7
    expect(overflowFinding(root)).toBeUndefined();
    // two more since the last audit
    fs.writeFileSync(path.join(root, 'proc/net/netstat'), NETSTAT(9));
    expect(overflowFinding(root).message).toMatch(/^2 accept-queue overflows .* in the 0 min since knobs' last sample/);
  });

  it('--facts never writes a sample', () => {
    const root = liveRoot(7);
    fs.mkdirSync(path.join(root, 'var/lib/knobs'), { recursive: true, mode: 0o700 });
    const snap = path.join(root, 'snap.json');
    fs.writeFileSync(snap, knobs(['facts', '--root', root, '--json']).stdout);
    knobs(['audit', '--root', root, '--facts', snap]);
    expect(fs.existsSync(path.join(root, COUNTER_SAMPLE_PATH))).toBe(false);
  });
});
