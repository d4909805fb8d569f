// knobs set / unset / persist on --root trees: the same plan, judge, journal and
// applier as apply — idempotent, atomic (a failure leaves every byte), journaled and
// rolled back — and lines the operator set survive a profile's apply until unset.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { knobs } from '../helpers/cli.js';
import { fakeRoot, treeChecksum } from '../helpers/fake-root.js';

const live = (root: string, key: string) => fs.readFileSync(path.join(root, 'proc/sys', key.replace(/\./g, '/')), 'utf8').trim().replace(/\s+/g, ' ');
const file = (root: string, p: string) => {
  const f = path.join(root, p);
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null;
};
const SYSCTL = 'etc/sysctl.d/90-knobs.conf';
const LIMITS = 'etc/security/limits.d/90-knobs.conf';

describe('knobs set', () => {
  it('writes the line with its reason and the live value, journaled; again: nothing to do; rollback restores every byte', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
    const before = treeChecksum(root);
    const dry = knobs(['--root', root, 'set', 'net.core.somaxconn=8192', '--reason', 'OPS-12: accept queue overflows', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(2);
    expect(dry.json().files[0]).toMatchObject({ path: '/etc/sysctl.d/90-knobs.conf', action: 'create' });
    expect(treeChecksum(root)).toBe(before);

    const r = knobs(['--root', root, 'set', 'net.core.somaxconn=8192', '--reason', 'OPS-12: accept queue overflows', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json();
    expect(doc).toMatchObject({ status: 'applied', only: ['net.core.somaxconn'], runtime: [{ key: 'net.core.somaxconn', from: '128', to: '8192' }] });
    expect(file(root, SYSCTL)).toContain('# knobs/set: OPS-12: accept queue overflows\nnet.core.somaxconn = 8192\n');
    expect(live(root, 'net.core.somaxconn')).toBe('8192');
    const history = knobs(['--root', root, 'history', '--json']).json();
    expect(history.transactions[0]).toMatchObject({ id: doc.transaction, state: 'applied', keys: ['net.core.somaxconn'] });

    const again = knobs(['--root', root, 'set', 'net.core.somaxconn=8192', '--yes', '--json']);
    expect(again.code).toBe(0);
    expect(again.json().status).toBe('noop'); // no --reason: the line keeps its comment

    expect(knobs(['--root', root, 'rollback', doc.transaction, '--yes']).code).toBe(0);
    expect(treeChecksum(root)).toBe(before);
  });

  it('--persist-only writes the file, leaves the live value, and says until when', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
    const r = knobs(['--root', root, 'set', 'net.core.somaxconn=8192', '--persist-only', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().warnings).toContainEqual({ id: 'live-value-stays', key: 'net.core.somaxconn', message: 'net.core.somaxconn stays 128 until the next boot (--persist-only), which sets 8192' });
    expect(file(root, SYSCTL)).toMatch(/^net\.core\.somaxconn = 8192$/m);
    expect(live(root, 'net.core.somaxconn')).toBe('128');
  });

  it('a failure while writing is undone: exit 1, every byte as before', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
    const before = treeChecksum(root);
    const r = knobs(['--root', root, 'set', 'net.core.somaxconn=8192', 'net.ipv4.tcp_fin_timeout=30', '--yes'], { env: { KNOBS_TEST_FAIL_AT: 'tmp:0' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^knobs: apply failed and was rolled back: .*injected failure after step tmp:0/);
    expect(treeChecksum(root)).toBe(before);
  });

  it.each([
    ['a value the kernel rejects', '6.1', ['net.ipv4.tcp_tw_reuse=3'], /plan refused.*net\.ipv4\.tcp_tw_reuse = 3: /],
    ['a cross-key constraint', '6.1', ['net.ipv4.ip_local_port_range=80 65000'], /below ip_unprivileged_port_start/],
    ['the myth knobs removes', '4.4', ['net.ipv4.tcp_tw_recycle=1'], /knobs never writes tcp_tw_recycle = 1/],
    ['a key this kernel lacks', '6.1', ['net.ipv4.tcp_tw_recycle=0'], /net\.ipv4\.tcp_tw_recycle does not exist on this kernel/],
    ['a key with a typo', '6.1', ['net.core.somaxcon=4096'], /net\.core\.somaxcon: no such sysctl key[\s\S]*did you mean net\.core\.somaxconn\?/],
    ['not a pair', '6.1', ['net.core.somaxconn'], /net\.core\.somaxconn: expected KEY=VALUE/],
    ['a limit that is not a number', '6.1', ['limits.nofile=lots'], /expected SOFT:HARD or one value/],
  ] as const)('%s: exit 1, one line, nothing written', (_what, kernel, args, message) => {
    const root = fakeRoot({ kernel });
    const before = treeChecksum(root);
    const r = knobs(['--root', root, 'set', ...args, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(treeChecksum(root)).toBe(before);
  });

  it("survives a profile's apply (the profile yields, and says so) until unset hands the key back", () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
    expect(knobs(['--root', root, 'set', 'net.core.somaxconn=1024', '--reason', 'capacity test', '--yes']).code).toBe(0);
    const apply = knobs(['--root', root, 'apply', '--profile', 'web-node', '--yes', '--json']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.json().warnings).toContainEqual(expect.objectContaining({ id: 'operator-set', key: 'net.core.somaxconn' }));
    expect(file(root, SYSCTL)).toContain('# knobs/set: capacity test\nnet.core.somaxconn = 1024');
    expect(live(root, 'net.core.somaxconn')).toBe('1024');
    // Both, again: nothing changes (what the Ansible module does on its second run).
    expect(knobs(['--root', root, 'apply', '--profile', 'web-node', '--yes', '--json']).json().status).toBe('noop');
    expect(knobs(['--root', root, 'set', 'net.core.somaxconn=1024', '--reason', 'capacity test', '--yes', '--json']).json().status).toBe('noop');
    // The profile's header is kept by a change made key by key.
    expect(file(root, SYSCTL)).toMatch(/^# Profiles: web-node$/m);

    const unset = knobs(['--root', root, 'unset', 'net.core.somaxconn', '--yes', '--json']);
    expect(unset.code, unset.stderr).toBe(0);
    expect(file(root, SYSCTL)).not.toContain('somaxconn');
    expect(knobs(['--root', root, 'apply', '--profile', 'web-node', '--yes']).code).toBe(0);
    expect(live(root, 'net.core.somaxconn')).toBe('4096');
  });

  it('limits: SOFT:HARD for a domain next to the profile\'s lines; above fs.nr_open is refused; --service writes LimitNOFILE=', () => {
    const root = fakeRoot({ kernel: '6.1', files: { '/lib/systemd/system/nginx.service': '[Service]\nExecStart=/bin/true\n' } });
    expect(knobs(['--root', root, 'apply', '--profile', 'web-node', '--yes']).code).toBe(0);
    const r = knobs(['--root', root, 'set', 'limits.nofile=100000:200000', '--domain', '@www', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const limits = file(root, LIMITS)!;
    expect(limits).toMatch(/^\*\s+soft nofile\s+65536$/m);
    expect(limits).toMatch(/^@www\s+soft nofile\s+100000$/m);
    expect(limits).toMatch(/^@www\s+hard nofile\s+200000$/m);
    const before = treeChecksum(root);
    const locked = knobs(['--root', root, 'set', 'limits.nofile=2000000', '--domain', '@www', '--yes']);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/@www nofile 2000000 is above fs\.nr_open \(1048576\): pam_limits would refuse every login/);
    expect(treeChecksum(root)).toBe(before);

    expect(knobs(['--root', root, 'set', 'limits.nofile=65536:524288', '--service', 'nginx', '--yes']).code).toBe(0);
    expect(file(root, 'etc/systemd/system/nginx.service.d/90-knobs.conf')).toMatch(/^LimitNOFILE=65536:524288$/m);
    expect(knobs(['--root', root, 'set', 'limits.nofile=65536:524288', '--service', 'nginx', '--yes', '--json']).json().status).toBe('noop');
    expect(knobs(['--root', root, 'unset', 'limits.nofile', '--service', 'nginx', '--yes']).code).toBe(0);
    expect(file(root, 'etc/systemd/system/nginx.service.d/90-knobs.conf')).toBeNull();
    expect(knobs(['--root', root, 'unset', 'limits.nofile', '--domain', '@www', '--yes']).code).toBe(0);
    expect(file(root, LIMITS)).not.toContain('@www');
    expect(file(root, LIMITS)).toMatch(/^\*\s+hard nofile\s+524288$/m);
    expect(knobs(['--root', root, 'set', 'limits.nproc=100', '--service', 'nginx']).stderr).toMatch(/--service takes limits\.nofile only/);
  });
});

describe('knobs unset and knobs persist', () => {
  it('unset: the line goes and the live value returns to what the boot files give; twice: nothing to do', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' }, files: { '/etc/sysctl.d/50-site.conf': 'net.core.somaxconn = 2048\n' } });
    expect(knobs(['--root', root, 'set', 'net.core.somaxconn=8192', '--yes']).code).toBe(0);
    const r = knobs(['--root', root, 'unset', 'net.core.somaxconn', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().runtime).toEqual([{ key: 'net.core.somaxconn', from: '8192', to: '2048' }]);
    expect(file(root, SYSCTL)).toBeNull();
    expect(live(root, 'net.core.somaxconn')).toBe('2048');
    expect(knobs(['--root', root, 'unset', 'net.core.somaxconn', '--yes', '--json']).json().status).toBe('noop');
  });

  it('unset --persist-only: the file changes, the live value stays, and knobs says until when', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.ipv4.tcp_fin_timeout': '60' } });
    expect(knobs(['--root', root, 'set', 'net.ipv4.tcp_fin_timeout=30', '--yes']).code).toBe(0);
    const r = knobs(['--root', root, 'unset', 'net.ipv4.tcp_fin_timeout', '--persist-only', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().warnings).toContainEqual({ id: 'live-value-stays', key: 'net.ipv4.tcp_fin_timeout', message: expect.stringMatching(/stays 30 until the next boot \(--persist-only\); the boot files then give 60/) });
    expect(file(root, SYSCTL)).toBeNull();
    expect(live(root, 'net.ipv4.tcp_fin_timeout')).toBe('30');
  });

  it('persist adopts a value set by hand, so the not-persisted finding goes; again: nothing to do', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.ipv4.tcp_fin_timeout': '30' } });
    const ids = () => knobs(['--root', root, 'audit', '--json', '--fail-on', 'critical']).json().findings.map((f: { id: string; key: string }) => `${f.id} ${f.key}`);
    expect(ids()).toContain('sysctl/not-persisted net.ipv4.tcp_fin_timeout');
    const r = knobs(['--root', root, 'persist', 'net.ipv4.tcp_fin_timeout', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().runtime).toEqual([]);
    expect(file(root, SYSCTL)).toMatch(/^# knobs\/set: persisted with `knobs persist`.*\nnet\.ipv4\.tcp_fin_timeout = 30$/m);
    expect(ids()).not.toContain('sysctl/not-persisted net.ipv4.tcp_fin_timeout');
    expect(knobs(['--root', root, 'persist', 'net.ipv4.tcp_fin_timeout', '--yes', '--json']).json().status).toBe('noop');
  });

  it('unset --all removes every file knobs manages and sets live values back; rollback brings them back', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
    expect(knobs(['--root', root, 'apply', '--profile', 'web-node', '--yes']).code).toBe(0);
    expect(knobs(['--root', root, 'set', 'net.ipv4.tcp_fin_timeout=30', '--yes']).code).toBe(0);
    const before = treeChecksum(root);
    const r = knobs(['--root', root, 'unset', '--all', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().files.map((f: { action: string }) => f.action)).toEqual(['remove', 'remove']);
    expect(file(root, SYSCTL)).toBeNull();
    expect(file(root, LIMITS)).toBeNull();
    expect(live(root, 'net.ipv4.tcp_fin_timeout')).toBe('60');
    expect(knobs(['--root', root, 'unset', '--all', '--yes', '--json']).json().status).toBe('noop');
    expect(knobs(['--root', root, 'rollback', r.json().transaction, '--yes']).code).toBe(0);
    expect(treeChecksum(root)).toBe(before);
  });
});
