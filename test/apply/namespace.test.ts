// Tests that need a private mount (and network) namespace: a full disk, and real
// kernel writes. Everything mounted here exists only inside `unshare`; the machine's
// own /etc, /var/lib and net.* values must be untouched — the test checks that too.
// Only net.* keys are written: they are private to the new network namespace, while
// fs.*, vm.* and kernel.* are global even inside one.

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiled, makeTree, rmTree, runChild, treeChecksum, typicalRequest, type Op } from './_helpers.js';
import type { ApplyRequest } from '../../src/apply/types.js';
import { tempDir } from '../helpers/temp.js';
import { requires } from '../helpers/requires.js';

const MOUNT = requires('unshare -m');
const NET = requires('unshare -m -n');
beforeAll(() => void compiled(), 120_000);

describe.skipIf(MOUNT.skip)(MOUNT.title('full disk (64k tmpfs)'), () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(rmTree));

  it('ENOSPC anywhere in the apply ends in the old state (or the new one when it fits), never in between', async () => {
    const content = '# knobs\n' + 'net.core.somaxconn = 8192\n'.repeat(500); // ~13 KB: 4 pages
    const req: ApplyRequest = {
      files: [{ path: '/etc/sysctl.d/90-knobs.conf', content }],
      sysctls: [{ key: 'net.core.somaxconn', value: '8192' }],
      profiles: ['web-node'],
      user: 'tester',
      scope: { persist: true, runtime: true },
    };
    const outcomes = new Set<string>();
    for (let fillKb = 0; fillKb <= 44; fillKb += 4) {
      const root = tempDir('knobs-full-');
      dirs.push(root);
      const setup: Record<string, string> = {
        [`${root}/proc/sys/net/core/somaxconn`]: '4096\n',
        [`${root}/etc/sysctl.d/10-base.conf`]: 'net.ipv4.tcp_syncookies = 1\n',
        [`${root}/etc/sysctl.d/90-knobs.conf`]: '# old\n',
        [`${root}/var/lib/filler`]: 'x'.repeat(fillKb * 1024),
      };
      const ops: Op[] = [
        { op: 'setup', files: setup },
        { op: 'listing', name: 'before', root },
        { op: 'apply', request: req, options: { root } },
        { op: 'listing', name: 'after', root },
        { op: 'interrupted', root },
      ];
      const mount = ['unshare', '-m', '--propagation', 'private', 'sh', '-ec', 'mount -t tmpfs -o size=64k,mode=755 tmpfs "$0"; exec "$@"', root];
      const child = await runChild(ops, {}, mount);
      const { out } = child;
      if (out.error?.message?.includes('ENOSPC') || out.error?.message?.includes('no space')) {
        // Not even the setup or the lock fitted: nothing to check for this size.
        outcomes.add('no-room-for-setup');
        continue;
      }
      expect(out.apply, `fill ${fillKb}k: ${child.stderr}${JSON.stringify(out.error)}`).toBeDefined();
      expect(out.interrupted, `fill ${fillKb}k: ${JSON.stringify(out.apply)}`).toBeNull();
      expect(out.after.join('\n'), `fill ${fillKb}k`).not.toContain('knobs-tmp');
      if (out.apply.status === 'applied') {
        outcomes.add('applied');
        continue;
      }
      expect(out.apply, `fill ${fillKb}k`).toMatchObject({ status: 'failed', exitCode: 1, error: expect.stringMatching(/no space left on device/) });
      expect(out.after, `fill ${fillKb}k`).toEqual(out.before);
      outcomes.add(out.apply.transaction === null ? 'failed-writing-journal' : 'failed-writing-file');
    }
    // The sizes cover both failure points and the case where everything fits.
    expect([...outcomes]).toEqual(expect.arrayContaining(['applied', 'failed-writing-journal', 'failed-writing-file']));
  }, 60_000);
});

describe.skipIf(NET.skip)(NET.title('real kernel, inside unshare -m -n'), () => {
  const KEYS = ['net.ipv4.tcp_fin_timeout', 'net.core.somaxconn', 'net.ipv4.ip_local_port_range'];
  const hostValue = (k: string) => fs.readFileSync(`/proc/sys/${k.replace(/\./g, '/')}`, 'utf8').trim().replace(/\s+/g, ' ');
  const hostValues = () => Object.fromEntries(KEYS.map((k) => [k, hostValue(k)]));

  it('changes the namespace /proc/sys and rollback restores it; the host is untouched', async () => {
    const hostFiles = ['/etc/sysctl.d', '/etc/security', '/var/lib'].map((d) => fs.existsSync(d) ? fs.readdirSync(d).sort().join(',') : null);
    const hostKnobsState = fs.existsSync('/var/lib/knobs');
    const before = hostValues();
    const req: ApplyRequest = {
      files: [
        { path: '/etc/sysctl.d/90-knobs.conf', content: '# knobs test\nnet.ipv4.tcp_fin_timeout = 17\n' },
        { path: '/etc/security/limits.d/90-knobs.conf', content: '* soft nofile 4096\n' },
      ],
      sysctls: [
        { key: 'net.ipv4.tcp_fin_timeout', value: '17' },
        { key: 'net.core.somaxconn', value: '1234' },
        { key: 'net.ipv4.ip_local_port_range', value: '20000 50000' },
      ],
      profiles: ['web-node'],
      user: 'tester',
      scope: { persist: true, runtime: true },
    };
    // tmpfs over everything the apply writes, inside the namespace only.
    const script = [
      'mount -t tmpfs -o mode=755 tmpfs /etc/sysctl.d',
      'mount -t tmpfs -o mode=755 tmpfs /etc/security',
      'mkdir /etc/security/limits.d',
      'mount -t tmpfs -o mode=755 tmpfs /var/lib',
      'exec "$@"',
    ].join('; ');
    const ops: Op[] = [
      { op: 'keys', name: 'nsBefore', root: '/', keys: KEYS },
      { op: 'apply', request: req, options: { root: '/' } },
      { op: 'keys', name: 'nsApplied', root: '/', keys: KEYS },
      { op: 'listing', name: 'etcApplied', root: '/etc/sysctl.d' },
      { op: 'rollback', options: { root: '/', user: 'tester' } },
      { op: 'keys', name: 'nsAfter', root: '/', keys: KEYS },
      { op: 'listing', name: 'etcAfter', root: '/etc/sysctl.d' },
      { op: 'history', root: '/' },
    ];
    const child = runChild(ops, { KNOBS_TEST_PAUSE_AT: 'commit@800' }, ['unshare', '-m', '-n', '--propagation', 'private', 'sh', '-ec', script, 'sh']);
    // While the namespace holds the new values, the host's must not move.
    const samples: Record<string, string>[] = [];
    let done = false;
    void child.then(() => (done = true));
    while (!done) {
      samples.push(hostValues());
      await new Promise((r) => setTimeout(r, 50));
    }
    const { out, stderr } = await child;
    expect(out.error, stderr).toBeUndefined();
    expect(out.apply).toMatchObject({ status: 'applied', exitCode: 0 });
    expect(out.nsApplied).toEqual({
      'net.ipv4.tcp_fin_timeout': '17',
      'net.core.somaxconn': '1234',
      'net.ipv4.ip_local_port_range': '20000 50000',
    });
    expect(out.etcApplied).toEqual([expect.stringMatching(/^f 644 90-knobs\.conf /)]);
    expect(out.rollback).toMatchObject({ status: 'rolled-back', exitCode: 0 });
    expect(out.nsAfter).toEqual(out.nsBefore);
    expect(out.etcAfter).toEqual([]);
    expect(out.history.map((h: { state: string }) => h.state)).toEqual(['rolled-back']);

    expect(samples.length).toBeGreaterThan(5);
    for (const s of samples) expect(s).toEqual(before);
    expect(hostValues()).toEqual(before);
    expect(['/etc/sysctl.d', '/etc/security', '/var/lib'].map((d) => fs.existsSync(d) ? fs.readdirSync(d).sort().join(',') : null)).toEqual(hostFiles);
    expect(fs.existsSync('/var/lib/knobs')).toBe(hostKnobsState);
  }, 30_000);
});

describe.skipIf(MOUNT.skip)(MOUNT.title('read-only mounts (a container)'), () => {
  it('read-only /proc/sys: preflight recommends --persist-only, apply refuses, --persist-only works', async () => {
    const root = makeTree();
    try {
      const before = treeChecksum(root);
      const ro = ['unshare', '-m', '--propagation', 'private', 'sh', '-ec',
        'mount --bind "$0/proc/sys" "$0/proc/sys"; mount -o remount,bind,ro "$0/proc/sys"; exec "$@"', root];
      const child = await runChild([
        { op: 'preflight', name: 'both', root, scope: { persist: true, runtime: true } },
        { op: 'preflight', name: 'persistOnly', root, scope: { persist: true, runtime: false } },
        { op: 'apply', name: 'refused', request: typicalRequest(), options: { root } },
      ], {}, ro);
      expect(child.out.both).toEqual([expect.objectContaining({ id: 'proc-sys-read-only', hint: expect.stringContaining('--persist-only') })]);
      expect(child.out.persistOnly).toEqual([]);
      expect(child.out.error).toMatchObject({ name: 'UserError', exitCode: 1, message: expect.stringContaining('read-only') });
      expect(treeChecksum(root)).toBe(before);
      const persist = await runChild([
        { op: 'apply', request: { ...typicalRequest(), scope: { persist: true, runtime: false } }, options: { root } },
      ], {}, ro);
      expect(persist.out.apply).toMatchObject({ status: 'applied', sysctls: [] });
    } finally {
      rmTree(root);
    }
  });

  it('read-only /etc: preflight recommends --runtime-only', async () => {
    const root = makeTree();
    try {
      const ro = ['unshare', '-m', '--propagation', 'private', 'sh', '-ec',
        'mount --bind "$0/etc" "$0/etc"; mount -o remount,bind,ro "$0/etc"; exec "$@"', root];
      const child = await runChild([{ op: 'preflight', root, scope: { persist: true, runtime: true } }], {}, ro);
      expect(child.out.preflight).toEqual([expect.objectContaining({ id: 'etc-read-only', hint: expect.stringContaining('--runtime-only') })]);
    } finally {
      rmTree(root);
    }
  });
});
