// The knobs and knobs_facts modules one call at a time (ansible ad-hoc, connection
// local, a --root tree): what each state reports, check mode, a failed apply that
// knobs rolled back, rollback without an id, and the facts.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { adHoc, ansibleSandbox, type AnsibleSandbox } from '../helpers/ansible.js';
import { knobs } from '../helpers/cli.js';
import { fakeRoot, treeChecksum } from '../helpers/fake-root.js';
import { requires } from '../helpers/requires.js';

const R = requires('root', 'ansible');
const SLOW = 180_000;

describe.skipIf(R.skip)(R.title('the knobs modules, one call at a time'), () => {
  let sb: AnsibleSandbox;
  const mod = (root: string, args: object, opts: Parameters<typeof adHoc>[3] = {}) =>
    adHoc(sb, 'knobs.tuning.knobs', { root, binary: sb.knobsExecutable, ...args }, opts);

  beforeAll(() => {
    sb = ansibleSandbox();
  }, SLOW);

  it('audited: findings and their counts, changed false; fail_on fails the task on them', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
    const before = treeChecksum(root);
    const r = mod(root, { state: 'audited', profiles: ['web-node'] });
    expect(r.result.failed ?? false, JSON.stringify(r.result)).toBe(false);
    expect(r.result.changed).toBe(false);
    expect((r.result.findings as { id: string }[]).map((f) => f.id)).toContain('profile/sysctl-target');
    expect((r.result.summary as { warning: number }).warning).toBeGreaterThan(0);
    const strict = mod(root, { state: 'audited', profiles: ['web-node'], fail_on: 'warning' });
    expect(strict.result.failed).toBe(true);
    expect(strict.result.msg).toBe('findings at or above warning');
    expect(treeChecksum(root)).toBe(before);
  }, SLOW);

  it('a failed apply fails the task with knobs\' message, reported as rolled back, and leaves the host as it was', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
    const before = treeChecksum(root);
    const r = mod(root, { profiles: ['web-node'] }, { env: { KNOBS_TEST_FAIL_AT: 'tmp:0' } });
    expect(r.result.failed).toBe(true);
    expect(r.result.rolled_back).toBe(true);
    expect(r.result.changed).toBe(false);
    expect(r.result.status).toBe('failed');
    expect(r.result.msg).toMatch(/injected failure after step tmp:0 \(knobs rolled the change back\)$/);
    expect(treeChecksum(root)).toBe(before);
  }, SLOW);

  it('rolled_back without an id: the latest transaction if still applied; check mode only says so; then nothing to do', () => {
    const root = fakeRoot({ kernel: '5.4' });
    const before = treeChecksum(root);
    const applied = mod(root, { profiles: ['db-client'] });
    expect(applied.result.changed).toBe(true);
    const id = applied.result.transaction as string;
    const after = treeChecksum(root);
    const dry = mod(root, { state: 'rolled_back' }, { check: true });
    expect(dry.result).toMatchObject({ changed: true, status: 'rolled-back', transaction: id });
    expect(treeChecksum(root)).toBe(after);
    const undo = mod(root, { state: 'rolled_back' });
    expect(undo.result).toMatchObject({ changed: true, status: 'rolled-back', transactions: [id] });
    expect(treeChecksum(root)).toBe(before);
    const again = mod(root, { state: 'rolled_back' });
    expect(again.result).toMatchObject({ changed: false, status: 'noop' });
    const unknown = mod(root, { state: 'rolled_back', transaction: 'nope' });
    expect(unknown.result.failed).toBe(true);
    expect(unknown.result.msg).toBe('no transaction nope on this host');
  }, SLOW);

  it('knobs_facts: the snapshot as ansible_facts.knobs, with the profiles recorded; it reads back with --facts', () => {
    const root = fakeRoot({ kernel: '6.12', sysctl: { 'net.core.somaxconn': '128' } });
    const r = adHoc(sb, 'knobs.tuning.knobs_facts', { root, binary: sb.knobsExecutable, profiles: ['web-node'] });
    expect(r.result.changed).toBe(false);
    const snap = (r.result.ansible_facts as { knobs: Record<string, unknown> }).knobs;
    expect(snap).toMatchObject({ schemaVersion: 1, profiles: ['web-node'], kernel: { version: '6.12.117' } });
    const file = path.join(sb.dir, 'snap.json');
    fs.writeFileSync(file, JSON.stringify(snap));
    const audit = knobs(['audit', '--facts', file, '--profile', 'web-node', '--json']);
    expect(audit.code, audit.stderr).toBe(2);
    expect(audit.json().findings.some((f: { key: string }) => f.key === 'net.core.somaxconn')).toBe(true);
  }, SLOW);

  it('settings (knobs set): check + diff shows the line and changes nothing; applied once; the second run changes nothing, with profiles too', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
    const before = treeChecksum(root);
    const args = { profiles: ['web-node'], settings: { 'net.core.somaxconn': 8192, 'limits.nofile': '100000:200000' }, domain: '@www', reason: 'OPS-12' };
    const dry = mod(root, args, { check: true, diff: true });
    expect(dry.result.changed, JSON.stringify(dry.result)).toBe(true);
    expect(treeChecksum(root)).toBe(before);
    expect(dry.result.diff!.map((d) => d.after_header)).toEqual(expect.arrayContaining(['/etc/sysctl.d/90-knobs.conf', '/etc/security/limits.d/90-knobs.conf']));
    const first = mod(root, args, { diff: true });
    expect(first.result.changed, JSON.stringify(first.result)).toBe(true);
    expect((first.result.transactions as string[]).length).toBe(2); // the profiles, then the settings
    const conf = fs.readFileSync(path.join(root, 'etc/sysctl.d/90-knobs.conf'), 'utf8');
    expect(conf).toContain('# knobs/set: OPS-12\nnet.core.somaxconn = 8192');
    expect(fs.readFileSync(path.join(root, 'etc/security/limits.d/90-knobs.conf'), 'utf8')).toMatch(/^@www\s+hard nofile\s+200000$/m);
    const second = mod(root, args);
    expect(second.result).toMatchObject({ changed: false, status: 'noop', transactions: [] });
  }, SLOW);

  it('absent: the settings\' lines go (live values back to the boot files\'), then everything knobs wrote; twice: no change', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
    expect(mod(root, { profiles: ['db-client'], settings: { 'net.core.somaxconn': 8192 } }).result.changed).toBe(true);
    const r = mod(root, { state: 'absent', settings: { 'net.core.somaxconn': 8192 } });
    expect(r.result).toMatchObject({ changed: true, runtime: [{ key: 'net.core.somaxconn', from: '8192', to: '4096' }] });
    expect(mod(root, { state: 'absent', settings: { 'net.core.somaxconn': 8192 } }).result.changed).toBe(false);
    const all = mod(root, { state: 'absent' }, { diff: true });
    expect(all.result.changed).toBe(true);
    expect(all.result.diff!.every((d) => / \(absent\)$/.test(d.after_header ?? ''))).toBe(true);
    expect(fs.existsSync(path.join(root, 'etc/sysctl.d/90-knobs.conf'))).toBe(false);
    expect(mod(root, { state: 'absent' }).result.changed).toBe(false);
  }, SLOW);

  it('bad arguments are refused by the module before knobs runs', () => {
    const root = fakeRoot();
    const r = mod(root, { state: 'applied' });
    expect(r.result.failed).toBe(true);
    expect(r.result.msg).toBe('state=applied needs profiles or settings');
    const t = mod(root, { state: 'audited', transaction: 'x' });
    expect(t.result.msg).toBe('transaction is only used with state=rolled_back');
  }, SLOW);
});
