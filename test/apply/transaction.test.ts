import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { executeApply } from '../../src/apply/transaction.js';
import { rollback } from '../../src/apply/rollback.js';
import { findInterrupted, history } from '../../src/apply/history.js';
import { listJournals } from '../../src/apply/journal.js';
import { preflight } from '../../src/apply/preflight.js';
import type { ApplyResult } from '../../src/apply/types.js';
import { UserError } from '../../src/errors.js';
import { makeTree, put, readKey, request, rmTree, treeChecksum, treeListing, typicalRequest } from './_helpers.js';

const roots: string[] = [];
function tree(extra?: Record<string, string>): string {
  const r = makeTree(extra);
  roots.push(r);
  return r;
}
afterEach(() => {
  while (roots.length) rmTree(roots.pop()!);
});

const opts = (root: string) => ({ root, faults: {}, handleSignals: false });

describe('apply and rollback round trip', () => {
  it('applies files and live values, journals them, and rollback restores the exact tree', async () => {
    const root = tree();
    const before = treeListing(root);
    const r = await executeApply(typicalRequest(), opts(root));
    expect(r.status).toBe('applied');
    if (r.status !== 'applied') return;
    expect(r.exitCode).toBe(0);
    expect(r.files).toEqual([
      { path: '/etc/sysctl.d/90-knobs.conf', action: 'replace' },
      { path: '/etc/security/limits.d/90-knobs.conf', action: 'create' },
    ]);
    expect(r.sysctls).toContainEqual({ key: 'net.ipv4.ip_local_port_range', from: '32768 60999', to: '10000 65000' });
    expect(readKey(root, 'net.core.somaxconn')).toBe('8192');
    expect(readKey(root, 'net.ipv4.ip_local_port_range')).toBe('10000 65000');
    const f = path.join(root, 'etc/sysctl.d/90-knobs.conf');
    expect(fs.readFileSync(f, 'utf8')).toContain('# knobs a');
    expect(fs.statSync(f).mode & 0o7777).toBe(0o644);
    expect(fs.statSync(path.join(root, 'etc/security')).mode & 0o7777).toBe(0o755);
    // No temp files left behind.
    expect(treeListing(root).filter((l) => l.includes('knobs-tmp'))).toEqual([]);

    const [j] = listJournals(root);
    expect(j).toMatchObject({ state: 'applied', user: 'tester', profiles: ['web-node'] });
    expect(j!.files[1]!.createdDirs).toEqual(['/etc/security', '/etc/security/limits.d']);
    expect(j!.sysctls).toContainEqual({ key: 'net.core.somaxconn', previous: '4096', previousRaw: '4096', value: '8192' });
    expect(j!.sysctls).toContainEqual(expect.objectContaining({ key: 'net.ipv4.ip_local_port_range', previousRaw: '32768\t60999' }));
    expect(fs.readFileSync(path.join(r.journal, j!.files[0]!.backup!), 'utf8')).toContain('# old knobs file');

    const rb = await rollback({ root, user: 'tester' });
    expect(rb).toMatchObject({ status: 'rolled-back', exitCode: 0, transactions: [r.transaction] });
    expect(treeListing(root)).toEqual(before); // content, modes, absent dirs: all back
    expect(history(root)[0]).toMatchObject({ id: r.transaction, state: 'rolled-back' });
  });

  it('a second identical apply records nothing and reports noop', async () => {
    const root = tree();
    expect((await executeApply(typicalRequest(), opts(root))).status).toBe('applied');
    const sum = treeChecksum(root);
    const again = await executeApply(typicalRequest(), opts(root));
    expect(again).toEqual({ status: 'noop', exitCode: 0 });
    expect(listJournals(root)).toHaveLength(1);
    expect(treeChecksum(root)).toBe(sum);
  });

  it('values are compared folded: extra whitespace is not a change', async () => {
    const root = tree();
    const r = await executeApply(request([], [{ key: 'net.ipv4.ip_local_port_range', value: ' 32768  60999 ' }]), opts(root));
    expect(r.status).toBe('noop');
  });

  it('a mode change alone is a change', async () => {
    const root = tree();
    const content = fs.readFileSync(path.join(root, 'etc/sysctl.d/90-knobs.conf'), 'utf8');
    const r = await executeApply(request([{ path: '/etc/sysctl.d/90-knobs.conf', content }], []), opts(root));
    expect(r).toMatchObject({ status: 'applied', files: [{ action: 'replace' }] });
    expect(fs.statSync(path.join(root, 'etc/sysctl.d/90-knobs.conf')).mode & 0o777).toBe(0o644);
  });

  it('--persist-only leaves live values alone, --runtime-only leaves files alone', async () => {
    const root = tree();
    const files = treeListing(root).filter((l) => l.includes('etc/'));
    const p = await executeApply({ ...typicalRequest(), scope: { persist: true, runtime: false } }, opts(root));
    expect(p).toMatchObject({ status: 'applied', sysctls: [] });
    expect(readKey(root, 'net.core.somaxconn')).toBe('4096');
    await rollback({ root, user: 't' });
    const rt = await executeApply({ ...typicalRequest(), scope: { persist: false, runtime: true } }, opts(root));
    expect(rt).toMatchObject({ status: 'applied', files: [] });
    expect(readKey(root, 'net.core.somaxconn')).toBe('8192');
    expect(treeListing(root).filter((l) => l.includes('etc/'))).toEqual(files);
  });

  it('removes a file (content null) and rollback brings it back with its mode', async () => {
    const root = tree();
    const before = treeChecksum(root);
    const r = await executeApply(request([{ path: '/etc/sysctl.d/90-knobs.conf', content: null }], []), opts(root));
    expect(r).toMatchObject({ status: 'applied', files: [{ action: 'remove' }] });
    expect(fs.existsSync(path.join(root, 'etc/sysctl.d/90-knobs.conf'))).toBe(false);
    await rollback({ root, user: 't' });
    expect(treeChecksum(root)).toBe(before);
  });

  it('replaces a symlink by a file and rollback restores the symlink', async () => {
    const root = tree({ 'etc/sysctl.conf': 'vm.swappiness = 10\n' });
    fs.symlinkSync('../sysctl.conf', path.join(root, 'etc/sysctl.d/99-knobs.conf'));
    const before = treeChecksum(root);
    await executeApply(request([{ path: '/etc/sysctl.d/99-knobs.conf', content: 'x = 1\n' }], []), opts(root));
    expect(fs.lstatSync(path.join(root, 'etc/sysctl.d/99-knobs.conf')).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(root, 'etc/sysctl.conf'), 'utf8')).toBe('vm.swappiness = 10\n');
    await rollback({ root, user: 't' });
    expect(treeChecksum(root)).toBe(before);
  });

  it('rejects bad plans before touching anything', async () => {
    const root = tree();
    const bad = [
      request([{ path: 'etc/x.conf', content: '' }], []),
      request([{ path: '/etc/../x.conf', content: '' }], []),
      request([{ path: '/proc/sys/net/core/somaxconn', content: '1' }], []),
      request([], [{ key: 'net..core', value: '1' }]),
      request([], [{ key: 'net.core.somaxconn', value: '1\n2' }]),
      { ...typicalRequest(), scope: { persist: false, runtime: false } },
    ];
    for (const b of bad) await expect(executeApply(b, opts(root))).rejects.toBeInstanceOf(UserError);
    expect(listJournals(root)).toEqual([]);
  });
});

describe('failures are undone', () => {
  async function expectFailedAndUnchanged(root: string, r: ApplyResult, before: string, match: RegExp) {
    expect(r.status).toBe('failed');
    expect(r.exitCode).toBe(1);
    if (r.status === 'failed') expect(r.error).toMatch(match);
    expect(treeChecksum(root)).toBe(before);
    expect(findInterrupted(root)).toBeNull();
  }

  it('a runtime key that is a directory (EISDIR) fails the apply and everything is restored', async () => {
    const root = tree();
    fs.mkdirSync(path.join(root, 'proc/sys/net/ipv4/tcp_tw_reuse'));
    const before = treeChecksum(root);
    const req = typicalRequest();
    req.sysctls.push({ key: 'net.ipv4.tcp_tw_reuse', value: '1' });
    const r = await executeApply(req, opts(root));
    await expectFailedAndUnchanged(root, r, before, /net\.ipv4\.tcp_tw_reuse: cannot set "1": is a directory/);
    expect(history(root)[0]).toMatchObject({ state: 'failed', error: expect.stringMatching(/tcp_tw_reuse/) });
  });

  it('a key missing on this kernel (missing parent) fails and is undone', async () => {
    const root = tree();
    const before = treeChecksum(root);
    const req = typicalRequest();
    req.sysctls.push({ key: 'net.netfilter.nf_conntrack_max', value: '262144' });
    const r = await executeApply(req, opts(root));
    await expectFailedAndUnchanged(root, r, before, /nf_conntrack_max: .*no such key on this kernel/);
  });

  it('a key linked out of the root (to /dev/null) is refused, and the rest is undone', async () => {
    const root = tree();
    fs.symlinkSync('/dev/null', path.join(root, 'proc/sys/net/ipv4/tcp_tw_reuse'));
    const before = treeChecksum(root);
    const req = typicalRequest();
    req.sysctls.push({ key: 'net.ipv4.tcp_tw_reuse', value: '1' });
    const r = await executeApply(req, opts(root));
    await expectFailedAndUnchanged(root, r, before, /tcp_tw_reuse: cannot set "1": .*is a symlink to \/dev\/null, which is outside --root/);
  });

  it('every step: an I/O failure injected after it leaves the old state', async () => {
    const root = tree();
    const before = treeChecksum(root);
    const steps: string[] = [];
    const ok = await executeApply(typicalRequest(), { ...opts(root), onStep: (s) => steps.push(s) });
    expect(ok.status).toBe('applied');
    await rollback({ root, user: 't' });
    expect(treeChecksum(root)).toBe(before);
    expect(steps).toEqual([
      'locked', 'backup:0', 'backup:1', 'backup:2', 'journal',
      'tmp:0', 'file:0', 'dirs:1', 'tmp:1', 'file:1', 'sysctl:0', 'sysctl:1', 'sysctl:2', 'commit',
    ]);
    for (const step of steps.filter((s) => s !== 'commit')) {
      const run = executeApply(typicalRequest(), { ...opts(root), faults: { failAt: step } });
      // Before the journal exists an error is not a transaction outcome: it propagates.
      if (step === 'locked') await expect(run).rejects.toThrow(/injected/);
      else expect(await run, step).toMatchObject({ status: 'failed', exitCode: 1, error: expect.stringContaining('injected') });
      expect(treeChecksum(root), step).toBe(before);
      expect(findInterrupted(root), step).toBeNull();
      expect(treeListing(root).join('\n')).not.toContain('knobs-tmp');
    }
  });

  it('when the undo fails too: exit 3, journal path and manual steps, and rollback can finish later', async () => {
    const root = tree();
    const req = typicalRequest();
    req.sysctls.push({ key: 'net.ipv4.tcp_tw_reuse', value: '1' }); // missing: the apply fails at the last key
    const somaxconn = path.join(root, 'proc/sys/net/core/somaxconn');
    const r = await executeApply(req, {
      ...opts(root),
      // Once somaxconn is set, make it impossible to restore (a directory in its place).
      onStep: (s) => {
        if (s === 'sysctl:0') {
          fs.rmSync(somaxconn);
          fs.mkdirSync(somaxconn);
        }
      },
    });
    expect(r.status).toBe('inconsistent');
    if (r.status !== 'inconsistent') return;
    expect(r.exitCode).toBe(3);
    expect(r.error).toMatch(/tcp_tw_reuse/);
    expect(r.journal).toBe(path.join(root, 'var/lib/knobs/journal', r.transaction));
    expect(r.manualSteps).toEqual([`printf '%s\\n' 4096 > ${somaxconn}`]);
    // The rest was undone.
    expect(readKey(root, 'net.ipv4.tcp_fin_timeout')).toBe('60');
    expect(fs.readFileSync(path.join(root, 'etc/sysctl.d/90-knobs.conf'), 'utf8')).toContain('old knobs file');
    // It shows as interrupted; fixing the cause and running rollback completes it.
    expect(findInterrupted(root)).toMatchObject({ id: r.transaction, error: expect.stringMatching(/undo failed/) });
    await expect(executeApply(typicalRequest(), opts(root))).rejects.toThrow(/interrupted/);
    fs.rmdirSync(somaxconn);
    fs.writeFileSync(somaxconn, '8192\n');
    expect(await rollback({ root, user: 't' })).toMatchObject({ status: 'rolled-back', transactions: [r.transaction] });
    expect(readKey(root, 'net.core.somaxconn')).toBe('4096');
    expect(findInterrupted(root)).toBeNull();
  });

  it('a file restore that fails gives cp/chmod steps', async () => {
    const root = tree();
    const target = path.join(root, 'etc/sysctl.d/90-knobs.conf');
    const r = await executeApply(typicalRequest(), {
      ...opts(root),
      faults: { failAt: 'sysctl:0' },
      onStep: (s) => {
        if (s === 'file:0') {
          // Someone puts a non-empty directory where the file is: the rename back must fail.
          fs.rmSync(target);
          fs.mkdirSync(target);
          fs.writeFileSync(path.join(target, 'x'), '');
        }
      },
    });
    expect(r.status).toBe('inconsistent');
    if (r.status !== 'inconsistent') return;
    const backup = path.join(r.journal, 'files/0');
    expect(r.manualSteps).toEqual([
      `rm -f ${path.join(root, 'etc/sysctl.d/.90-knobs.conf.knobs-tmp-' + process.pid)}`,
      `cp ${backup} ${target}`,
      'chmod 640 ' + target,
      expect.stringMatching(/^chown \d+:\d+ /),
    ]);
    expect(fs.readFileSync(backup, 'utf8')).toContain('old knobs file');
  });
});

describe('rollback', () => {
  it('undoes later transactions first, newest to oldest', async () => {
    const root = tree();
    const t0 = treeChecksum(root);
    const A = '/etc/sysctl.d/90-knobs.conf';
    const B = '/etc/sysctl.d/99-knobs.conf';
    const k = 'net.ipv4.tcp_fin_timeout';
    const t1 = await executeApply(request([{ path: A, content: 'a1\n' }], [{ key: k, value: '30' }]), opts(root));
    const s1 = treeChecksum(root);
    const t2 = await executeApply(request([{ path: A, content: 'a2\n' }, { path: B, content: 'b2\n' }], [{ key: k, value: '20' }]), opts(root));
    const t3 = await executeApply(request([{ path: A, content: 'a3\n' }], [{ key: k, value: '10' }, { key: 'net.core.somaxconn', value: '512' }]), opts(root));
    const ids = [t1, t2, t3].map((t) => (t.status === 'applied' ? t.transaction : ''));
    expect(ids.every(Boolean)).toBe(true);
    expect(history(root).map((h) => h.id)).toEqual([...ids].reverse());

    const rb = await rollback({ root, user: 't', id: ids[1] });
    expect(rb).toMatchObject({ status: 'rolled-back', transactions: [ids[2], ids[1]] });
    expect(treeChecksum(root)).toBe(s1);
    expect(readKey(root, k)).toBe('30');
    expect(readKey(root, 'net.core.somaxconn')).toBe('4096');
    expect(history(root).map((h) => h.state)).toEqual(['rolled-back', 'rolled-back', 'applied']);

    await expect(rollback({ root, user: 't', id: ids[2] })).rejects.toThrow(/already rolled back/);
    await expect(rollback({ root, user: 't', id: 'nope' })).rejects.toThrow(/no transaction nope/);
    // By a unique prefix of its id too. (Ids made in the same second differ only in their random
    // suffix, so a fixed-length prefix could be ambiguous: take the shortest unique one.)
    const first = ids[0]!;
    let len = 1;
    while (len < first.length && ids.slice(1).some((id) => id.startsWith(first.slice(0, len)))) len++;
    expect(await rollback({ root, user: 't', id: first.slice(0, len) })).toMatchObject({ status: 'rolled-back', transactions: [first] });
    expect(treeChecksum(root)).toBe(t0);
    expect(await rollback({ root, user: 't' })).toMatchObject({ status: 'noop', exitCode: 0 });
  });

  it('refuses to discard hand edits, with a unified diff, unless forced', async () => {
    const root = tree();
    const before = treeChecksum(root);
    const r = await executeApply(typicalRequest(), opts(root));
    const f = path.join(root, 'etc/sysctl.d/90-knobs.conf');
    fs.appendFileSync(f, 'net.ipv4.tcp_tw_reuse = 1 # added by hand\n');
    const refused = await rollback({ root, user: 't' });
    expect(refused.status).toBe('refused');
    if (refused.status !== 'refused') return;
    expect(refused.exitCode).toBe(1);
    expect(refused.message).toMatch(/--force/);
    expect(refused.edits).toHaveLength(1);
    expect(refused.edits[0]).toMatchObject({ path: '/etc/sysctl.d/90-knobs.conf', transaction: r.status === 'applied' && r.transaction });
    expect(refused.edits[0]!.diff).toContain('--- a/etc/sysctl.d/90-knobs.conf');
    expect(refused.edits[0]!.diff).toContain('+++ b/etc/sysctl.d/90-knobs.conf');
    expect(refused.edits[0]!.diff).toContain('+net.ipv4.tcp_tw_reuse = 1 # added by hand');
    // Nothing was touched by the refusal.
    expect(readKey(root, 'net.core.somaxconn')).toBe('8192');
    expect(history(root)[0]!.state).toBe('applied');

    // A deleted managed file is an edit too.
    fs.rmSync(path.join(root, 'etc/security/limits.d/90-knobs.conf'));
    const again = await rollback({ root, user: 't' });
    expect(again.status === 'refused' && again.edits.map((e) => e.path)).toEqual([
      '/etc/sysctl.d/90-knobs.conf',
      '/etc/security/limits.d/90-knobs.conf',
    ]);

    expect(await rollback({ root, user: 't', force: true })).toMatchObject({ status: 'rolled-back' });
    expect(treeChecksum(root)).toBe(before);
  });
  it('refuses to discard a live value changed since knobs set it, unless forced', async () => {
    const root = tree();
    const before = treeChecksum(root);
    const r = await executeApply(typicalRequest(), opts(root));
    expect(readKey(root, 'net.core.somaxconn')).toBe('8192');
    put(root, 'proc/sys/net/core/somaxconn', '16384\n'); // an operator raised it by hand
    const afterEdit = treeChecksum(root);
    const refused = await rollback({ root, user: 't' });
    expect(refused.status).toBe('refused');
    if (refused.status !== 'refused') return;
    expect(refused.exitCode).toBe(1);
    expect(refused.edits).toEqual([]);
    expect(refused.liveEdits).toEqual([{ key: 'net.core.somaxconn', transaction: r.status === 'applied' && r.transaction, set: '8192', now: '16384' }]);
    expect(refused.message).toBe('net.core.somaxconn is 16384, not the 8192 knobs set: rollback would discard that change (rerun with --force to do it anyway)');
    expect(treeChecksum(root)).toBe(afterEdit); // the refusal touched nothing
    expect(history(root)[0]!.state).toBe('applied');

    // Back at the value from before the apply (a reboot without the file, say): nothing to discard.
    put(root, 'proc/sys/net/core/somaxconn', '4096\n');
    expect(await rollback({ root, user: 't' })).toMatchObject({ status: 'rolled-back' });
    expect(treeChecksum(root)).toBe(before);
  });
});

describe('lock', () => {
  it('a second apply waits for the lock, then fails naming the holder', async () => {
    const root = tree();
    put(root, 'var/lib/knobs/lock', JSON.stringify({ pid: 1, user: 'alice', since: '2026-11-22T01:02:03.000Z', token: 'x' }));
    const t = Date.now();
    const err = await executeApply(typicalRequest(), { ...opts(root), lockTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(1);
    expect((err as Error).message).toBe('another knobs is changing this host: pid 1 (user alice) since 2026-11-22T01:02:03.000Z');
    expect((err as UserError).hint).toContain('var/lib/knobs/lock');
  });

  it('succeeds once the holder releases', async () => {
    const root = tree();
    const lock = path.join(root, 'var/lib/knobs/lock');
    put(root, 'var/lib/knobs/lock', JSON.stringify({ pid: 1, user: 'alice', since: 'x', token: 'x' }));
    setTimeout(() => fs.rmSync(lock), 200);
    const r = await executeApply(typicalRequest(), { ...opts(root), lockTimeoutMs: 5000 });
    expect(r.status).toBe('applied');
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('breaks a stale lock (dead pid, or unparseable)', async () => {
    const root = tree();
    put(root, 'var/lib/knobs/lock', JSON.stringify({ pid: 2 ** 22 + 12345, user: 'ghost', since: 'x', token: 'x' }));
    expect((await executeApply(typicalRequest(), { ...opts(root), lockTimeoutMs: 100 })).status).toBe('applied');
    put(root, 'var/lib/knobs/lock', 'garbage');
    expect((await rollback({ root, user: 't', lockTimeoutMs: 100 })).status).toBe('rolled-back');
  });
});

describe('preflight', () => {
  it('needs root only on the real root', () => {
    expect(preflight('/', { persist: true, runtime: true }, { uid: 1000 })).toEqual([
      expect.objectContaining({ id: 'not-root', message: expect.stringContaining('needs root to write /etc/sysctl.d'), hint: expect.stringContaining('sudo') }),
    ]);
    expect(preflight(tree(), { persist: true, runtime: true }, { uid: 1000 })).toEqual([]);
  });

  it('reports a missing /proc/sys for runtime changes and recommends --persist-only', async () => {
    const root = tree();
    fs.rmSync(path.join(root, 'proc'), { recursive: true });
    const p = preflight(root, { persist: true, runtime: true });
    expect(p).toEqual([expect.objectContaining({ id: 'proc-sys-missing', hint: expect.stringContaining('--persist-only') })]);
    expect(preflight(root, { persist: true, runtime: false })).toEqual([]);
    await expect(executeApply(typicalRequest(), opts(root))).rejects.toThrow(/does not exist/);
  });
});
