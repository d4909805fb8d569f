// The journal records what the kernel changes by itself when a key is written
// (src/core/kernel-side-effects.ts), and undo puts it back after the key itself.
// On a --root tree nothing changes by itself, so the "kernel" is played here by
// writing the files the way inet_forward_change() would; the real kernel is in
// test/cli/side-effects-netns.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { journalDir, listJournals } from '../../src/apply/journal.js';
import { rollback } from '../../src/apply/rollback.js';
import { executeApply } from '../../src/apply/transaction.js';
import { keyToProcPath } from '../../src/core/sysctl-conf.js';
import { makeTree, put, readKey, request, rmTree, treeChecksum } from './_helpers.js';

/** A key's file (`eth0/100` in a key is the interface eth0.100). */
const writeSysctlFile = (root: string, key: string, value: string) => put(root, `proc/sys/${keyToProcPath(key)}`, `${value}\n`);

const roots: string[] = [];
afterEach(() => {
  while (roots.length) rmTree(roots.pop()!);
});

/** A tree with IPv4 conf entries for all, default, lo and eth0.100 (a dotted interface name). */
function tree(): string {
  const root = makeTree();
  roots.push(root);
  writeSysctlFile(root, 'net.ipv4.ip_forward', '0');
  for (const i of ['all', 'default', 'lo', 'eth0/100']) writeSysctlFile(root, `net.ipv4.conf.${i}.forwarding`, '0');
  writeSysctlFile(root, 'net.ipv4.conf.all.accept_redirects', '0');
  writeSysctlFile(root, 'net.ipv4.conf.default.accept_redirects', '1');
  return root;
}
const ifaceKey = (i: string) => `net.ipv4.conf.${i}.forwarding`;
/** What the kernel does when ip_forward goes to `on` (inet_forward_change, net/ipv4/devinet.c). */
function kernelForwardChange(root: string, on: 0 | 1): void {
  for (const i of ['all', 'default', 'lo', 'eth0/100']) writeSysctlFile(root, ifaceKey(i), String(on));
  writeSysctlFile(root, 'net.ipv4.conf.all.accept_redirects', on ? '0' : '1');
}
const opts = (root: string) => ({ root, faults: {}, handleSignals: false });

describe('journaled side effects', () => {
  it('records the before-values of every key writing ip_forward can change, once each', async () => {
    const root = tree();
    const r = await executeApply(request([], [{ key: 'net.ipv4.ip_forward', value: '1' }]), opts(root));
    expect(r.status).toBe('applied');
    const j = listJournals(root)[0]!;
    expect(j.sideEffects!.map((s) => [s.key, s.previous, s.value, s.sideEffectOf])).toEqual([
      ['net.ipv4.conf.all.forwarding', '0', '1', 'net.ipv4.ip_forward'],
      ['net.ipv4.conf.all.accept_redirects', '0', '0', 'net.ipv4.ip_forward'],
      ['net.ipv4.conf.default.forwarding', '0', '1', 'net.ipv4.ip_forward'],
      ['net.ipv4.conf.eth0/100.forwarding', '0', '1', 'net.ipv4.ip_forward'],
      ['net.ipv4.conf.lo.forwarding', '0', '1', 'net.ipv4.ip_forward'],
    ]);
  });

  it('rollback restores them after the key itself, and writes only what differs', async () => {
    const root = tree();
    const before = treeChecksum(root);
    const r = await executeApply(request([], [{ key: 'net.ipv4.ip_forward', value: '1' }]), opts(root));
    expect(r.status).toBe('applied');
    kernelForwardChange(root, 1);
    // The undo writes ip_forward = 0 first; the kernel would then reset the others like this:
    const rb = await rollback({ root, user: 'tester' });
    expect(rb.status).toBe('rolled-back');
    if (rb.status !== 'rolled-back') return;
    expect(rb.sysctls.map((s) => s.key)).toEqual([
      'net.ipv4.ip_forward',
      'net.ipv4.conf.all.forwarding',
      'net.ipv4.conf.default.forwarding',
      'net.ipv4.conf.eth0/100.forwarding',
      'net.ipv4.conf.lo.forwarding',
    ]);
    expect(readKey(root, 'net.ipv4.conf.all.accept_redirects')).toBe('0');
    expect(treeChecksum(root)).toBe(before);
  });

  it('a failed apply undoes the side effects of the keys it had written', async () => {
    const root = tree();
    const before = treeChecksum(root);
    const failed = await executeApply(request([], [{ key: 'net.ipv4.ip_forward', value: '1' }, { key: 'net.core.somaxconn', value: '8192' }]), {
      root,
      handleSignals: false,
      faults: { failAt: 'sysctl:0' },
      onStep: (s) => (s === 'sysctl:0' ? kernelForwardChange(root, 1) : undefined),
    });
    expect(failed.status).toBe('failed');
    expect(readKey(root, 'net.ipv4.conf.lo.forwarding')).toBe('0');
    expect(treeChecksum(root)).toBe(before);
  });

  it('a write that does not change ip_forward changes nothing else, and journals nothing extra', async () => {
    const root = tree();
    writeSysctlFile(root, 'net.ipv4.ip_forward', '1');
    const r = await executeApply(request([], [{ key: 'net.core.somaxconn', value: '8192' }]), opts(root));
    expect(r.status).toBe('applied');
    expect(listJournals(root)[0]!.sideEffects).toBeUndefined();
  });
});

describe('side effects in a journal are checked like the rest of it', () => {
  it('an entry whose cause is not one of the journal\'s keys refuses the journal, naming the field', async () => {
    const root = tree();
    const r = await executeApply(request([], [{ key: 'net.ipv4.ip_forward', value: '1' }]), opts(root));
    expect(r.status).toBe('applied');
    const file = path.join(journalDir(root, listJournals(root)[0]!.id), 'journal.json');
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    j.sideEffects[0].sideEffectOf = 'kernel.core_pattern';
    fs.writeFileSync(file, JSON.stringify(j));
    await expect(rollback({ root, user: 'tester' })).rejects.toThrow(/\$\.sideEffects\[0\]\.sideEffectOf: kernel\.core_pattern is not one of the journal's sysctls/);
  });
});
