import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { knobs } from '../helpers/cli.js';
import { fakeRoot, treeChecksum } from '../helpers/fake-root.js';

const applyArgs = (root: string, ...more: string[]) => ['apply', '--root', root, '--yes', '--json', ...more];

describe('plan → apply → plan → rollback round trip', () => {
  it('restores every byte, re-plans to nothing, and a second apply records nothing', () => {
    // 4.15: somaxconn's default is 128, so the web-node target is not met at boot and gets a line.
    const root = fakeRoot({ kernel: '4.15', sysctl: { 'net.core.somaxconn': '128', 'net.ipv4.tcp_keepalive_time': '7200' } });
    const before = treeChecksum(root);

    const plan = knobs(['plan', '--root', root, '--profile', 'web-node,db-client', '--json']);
    expect(plan.code).toBe(2);
    const p = plan.json();
    expect(p.schemaVersion).toBe(1);
    expect(p.transaction).toBeNull();
    const sysctlFile = p.files.find((f: any) => f.path === '/etc/sysctl.d/90-knobs.conf');
    expect(sysctlFile.diff).toMatch(/^--- a\/etc\/sysctl\.d\/90-knobs\.conf\n\+\+\+ b\/etc\/sysctl\.d\/90-knobs\.conf/m);
    expect(p.changes.find((c: any) => c.key === 'net.core.somaxconn')).toMatchObject({ kind: 'sysctl', from: '128', to: '4096' });
    expect(p.changes.find((c: any) => c.kind === 'limit')).toMatchObject({ key: 'limits.nofile', to: expect.any(String) });

    const applied = knobs(applyArgs(root, '--profile', 'web-node,db-client'));
    expect(applied.code).toBe(0);
    expect(applied.json().status).toBe('applied');
    expect(applied.stderr).not.toMatch(/error|warning/i);
    const tx = applied.json().transaction;
    expect(tx).toMatch(/\S+/);
    expect(fs.readFileSync(path.join(root, 'proc/sys/net/core/somaxconn'), 'utf8').trim()).toBe('4096');
    const fileText = fs.readFileSync(path.join(root, 'etc/sysctl.d/90-knobs.conf'), 'utf8');
    expect(fileText).toContain('# profile/sysctl-target: web-node: Accept queue cap');
    expect(fs.statSync(path.join(root, 'etc/sysctl.d/90-knobs.conf')).mode & 0o777).toBe(0o644);

    expect(knobs(['plan', '--root', root, '--profile', 'web-node,db-client']).code).toBe(0);
    const again = knobs(applyArgs(root, '--profile', 'web-node,db-client'));
    expect(again.code).toBe(0);
    expect(again.json().transaction).toBeNull();
    const hist = knobs(['history', '--root', root, '--json']).json();
    expect(hist.transactions).toHaveLength(1);
    expect(hist.transactions[0]).toMatchObject({ id: tx, state: 'applied', profiles: ['web-node', 'db-client'] });
    for (const f of ['id', 'time', 'user', 'profiles', 'keys', 'files', 'state']) expect(hist.transactions[0]).toHaveProperty(f);

    const rb = knobs(['rollback', '--root', root, '--yes']);
    expect(rb.code).toBe(0);
    expect(treeChecksum(root)).toBe(before);
    expect(knobs(['history', '--root', root, '--json']).json().transactions[0].state).toBe('rolled-back');
  });

  it('refuses without --yes when stdin is not a terminal, and writes nothing', () => {
    const root = fakeRoot({ kernel: '5.4', sysctl: { 'net.core.somaxconn': '128' } });
    const before = treeChecksum(root);
    const r = knobs(['apply', '--root', root, '--profile', 'web-node']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refusing to apply without --yes');
    expect(treeChecksum(root)).toBe(before);
    expect(fs.existsSync(path.join(root, 'var/lib/knobs'))).toBe(false);
  });

  it('bad profile input: exit 1, nothing written', () => {
    const root = fakeRoot({ files: { '/etc/knobs/profiles/bad.ini': '[main]\nsummary = x\n[sysctl]\nnet.ipv4.tcp_tw_reuse = 7\n' } });
    const before = treeChecksum(root);
    const r = knobs(applyArgs(root, '--profile', 'bad'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.ini:4: net\.ipv4\.tcp_tw_reuse: bad value "7"/);
    expect(treeChecksum(root)).toBe(before);
  });
});

describe('what a plan may write', () => {
  it('--only keeps limits and non-matching keys out', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'fs.file-max': '100000', 'net.core.somaxconn': '128' } });
    const p = knobs(['plan', '--root', root, '--profile', 'load-balancer', '--only', 'net.*', '--json']).json();
    expect(p.changes.length).toBeGreaterThan(0);
    expect(p.changes.every((c: any) => c.kind === 'sysctl' && c.key.startsWith('net.'))).toBe(true);
    expect(p.files.map((f: any) => f.path)).toEqual(['/etc/sysctl.d/90-knobs.conf']);
    expect(p.runtime.every((r: any) => r.key.startsWith('net.'))).toBe(true);
  });

  it('a key this kernel lacks is a warning, never a line', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.netfilter.nf_conntrack_max': null, 'net.netfilter.nf_conntrack_tcp_timeout_established': null } });
    const p = knobs(['plan', '--root', root, '--profile', 'nat-facing', '--json']).json();
    expect(p.warnings.map((w: any) => w.message).join('\n')).toMatch(/net\.netfilter\.nf_conntrack_max does not exist on this kernel/);
    expect(p.files[0].diff).not.toContain('nf_conntrack');
  });

  it('takes a later file name when a later file sets a managed key (systemd)', () => {
    const root = fakeRoot({ kernel: '6.1', systemd: true, files: { '/etc/sysctl.d/95-site.conf': 'net.core.somaxconn = 1024\n' } });
    const p = knobs(['plan', '--root', root, '--profile', 'web-node', '--json']).json();
    expect(p.files.map((f: any) => f.path)).toContain('/etc/sysctl.d/99-knobs.conf');
    expect(p.warnings.filter((w: any) => w.id === 'boot-precedence')).toEqual([]);
  });

  it('warns, naming file and value, when /etc/sysctl.conf would win at reboot (procps)', () => {
    const root = fakeRoot({ kernel: '6.1', files: { '/etc/sysctl.conf': 'net.core.somaxconn = 1024\n' } });
    const p = knobs(['plan', '--root', root, '--profile', 'web-node', '--json']).json();
    const w = p.warnings.find((x: any) => x.id === 'boot-precedence');
    expect(w.message).toContain('/etc/sysctl.conf sets net.core.somaxconn = 1024');
  });

  it('a profile hard nofile above fs.nr_open is clamped to it, with a warning, and the rest of the plan applies', () => {
    const root = fakeRoot({
      kernel: '4.15',
      sysctl: { 'net.core.somaxconn': '128' },
      files: { '/etc/knobs/profiles/big.ini': '[main]\nsummary = big\ninclude = web-node\n[limits]\n; too big\n*:hard:nofile = 2000000\n' },
    });
    const r = knobs(['plan', '--root', root, '--profile', 'big', '--json']);
    expect(r.code).toBe(2);
    const p = r.json();
    expect(p.refusals).toEqual([]);
    expect(p.warnings.find((w: any) => w.id === 'nofile-clamped').message).toMatch(/2000000 \(profile big\) is above fs\.nr_open \(1048576\).*written as 1048576/);
    expect(p.changes.find((c: any) => c.kind === 'limit' && c.type === 'hard')).toMatchObject({ to: '1048576' });
    expect(p.changes.find((c: any) => c.key === 'net.core.somaxconn')).toMatchObject({ to: '4096' });
    expect(knobs(applyArgs(root, '--profile', 'big')).code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'etc/security/limits.d/90-knobs.conf'), 'utf8')).toMatch(/^\*\s+hard nofile\s+1048576$/m);
    expect(fs.readFileSync(path.join(root, 'proc/sys/net/core/somaxconn'), 'utf8').trim()).toBe('4096');
  });

  it('refuses a plan that would lock users out through a limit written by hand (fs.nr_open lowered under it)', () => {
    const root = fakeRoot({
      kernel: '6.1',
      sysctl: { 'fs.nr_open': '2097152' },
      files: {
        '/etc/security/limits.conf': '*    hard    nofile    2000000\n',
        '/etc/knobs/profiles/small.ini': '[main]\nsummary = small\n[sysctl]\n; fewer descriptors per process\nfs.nr_open = <1048576\n',
      },
    });
    const before = treeChecksum(root);
    const r = knobs(['plan', '--root', root, '--profile', 'small', '--json']);
    expect(r.code).toBe(1);
    const p = r.json();
    expect(p.status).toBe('refused');
    expect(p.refusals[0]).toMatchObject({ id: 'limits/nofile-above-nr-open' });
    expect(p.refusals[0].message).toMatch(/\/etc\/security\/limits\.conf:1: \* hard nofile 2000000 is above fs\.nr_open \(1048576\)/);
    expect(r.stderr).toMatch(/^knobs: plan refused \(1 reason\): /);
    expect(knobs(applyArgs(root, '--profile', 'small')).code).toBe(1);
    expect(treeChecksum(root)).toBe(before);
  });
});

describe('an interrupted apply', () => {
  it('is noticed by the next command, blocks apply, and rollback finishes the undo', () => {
    const root = fakeRoot({ kernel: '5.4', sysctl: { 'net.core.somaxconn': '128', 'net.ipv4.tcp_syncookies': '0' } });
    const before = treeChecksum(root);
    const killed = knobs(applyArgs(root, '--profile', 'web-node'), { env: { KNOBS_TEST_CRASH_AT: 'sysctl:0' } });
    expect(killed.code).not.toBe(0);
    const audit = knobs(['audit', '--root', root]);
    expect(audit.stderr).toMatch(/was interrupted/);
    const blocked = knobs(applyArgs(root, '--profile', 'web-node'));
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/interrupted/);
    expect(knobs(['history', '--root', root, '--json']).json().transactions[0].state).toBe('interrupted');
    expect(knobs(['rollback', '--root', root, '--yes']).code).toBe(0);
    expect(treeChecksum(root)).toBe(before);
  });
});

describe('rollback of a hand-edited file or live value', () => {
  it('shows the diff and refuses unless --force', () => {
    const root = fakeRoot({ kernel: '5.4', sysctl: { 'net.core.somaxconn': '128' } });
    expect(knobs(applyArgs(root, '--profile', 'web-node')).code).toBe(0);
    const file = path.join(root, 'etc/sysctl.d/90-knobs.conf');
    fs.appendFileSync(file, 'net.ipv4.tcp_fin_timeout = 10\n');
    const r = knobs(['rollback', '--root', root, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('+net.ipv4.tcp_fin_timeout = 10');
    expect(fs.readFileSync(file, 'utf8')).toContain('tcp_fin_timeout = 10');
    expect(knobs(['rollback', '--root', root, '--yes', '--force']).code).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('names a live value changed by hand since apply and refuses unless --force', () => {
    const root = fakeRoot({ kernel: '4.15', sysctl: { 'net.core.somaxconn': '128' } });
    expect(knobs(applyArgs(root, '--profile', 'web-node')).code).toBe(0);
    const live = path.join(root, 'proc/sys/net/core/somaxconn');
    const set = fs.readFileSync(live, 'utf8').trim();
    fs.writeFileSync(live, '2048\n');
    const r = knobs(['rollback', '--root', root, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^net\\.core\\.somaxconn: knobs set ${set} \\(\\S+\\), now 2048$`, 'm'));
    expect(r.stderr).toBe(
      `knobs: net.core.somaxconn is 2048, not the ${set} knobs set: rollback would discard that change (rerun with --force to do it anyway)\n` +
        '  hint: nothing was changed; `knobs rollback --force` discards those changes\n',
    );
    const j = knobs(['rollback', '--root', root, '--yes', '--json']).json();
    expect(j).toMatchObject({ status: 'refused', edits: [], liveEdits: [{ key: 'net.core.somaxconn', set, now: '2048' }] });
    expect(fs.readFileSync(live, 'utf8')).toBe('2048\n');
    expect(knobs(['rollback', '--root', root, '--yes', '--force']).code).toBe(0);
    expect(fs.readFileSync(live, 'utf8').trim()).toBe('128');
  });
});

describe('a runtime write that fails', () => {
  it('undoes the files already written and the values already set, exit 1', () => {
    const root = fakeRoot({ kernel: '5.4', sysctl: { 'net.core.somaxconn': '128', 'net.ipv4.tcp_syncookies': '0' } });
    const before = treeChecksum(root);
    // An I/O error right after the second live value was set (files are already in place by then).
    const r = knobs(applyArgs(root, '--profile', 'web-node'), { env: { KNOBS_TEST_FAIL_AT: 'sysctl:1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/apply failed and was rolled back/);
    expect(r.json().status).toBe('failed');
    expect(treeChecksum(root)).toBe(before);
    expect(knobs(['history', '--root', root, '--json']).json().transactions[0].state).not.toBe('applied');
  });
});
