// The journal is data on disk that rollback acts on as root. Planted or damaged
// journals must be refused with one line naming the path and why — never restored,
// never skipped silently — and a victim outside the managed files must not change.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findInterrupted, history } from '../../src/apply/history.js';
import { listJournals } from '../../src/apply/journal.js';
import { rollback } from '../../src/apply/rollback.js';
import { executeApply } from '../../src/apply/transaction.js';
import { UserError } from '../../src/errors.js';
import { makeTree, readKey, request, treeChecksum, typicalRequest } from '../apply/_helpers.js';
import { knobs } from '../helpers/cli.js';
import { requires } from '../helpers/requires.js';

const quiet = { handleSignals: false, faults: {} } as const;
const ROOT = requires('root');
const NONROOT = requires('root', 'nobody runs the checkout');

async function appliedTree(): Promise<{ root: string; dir: string; file: string; before: string }> {
  const root = makeTree();
  const before = treeChecksum(root);
  const r = await executeApply(typicalRequest(), { root, ...quiet });
  if (r.status !== 'applied') throw new Error('setup');
  const dir = path.join(root, 'var/lib/knobs/journal', r.transaction);
  return { root, dir, file: path.join(dir, 'journal.json'), before };
}

function edit(file: string, change: (j: any) => void): void {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  change(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

async function refused(root: string, re: RegExp): Promise<void> {
  await expect(rollback({ root, user: 't', faults: {} })).rejects.toThrow(re);
  await expect(rollback({ root, user: 't', faults: {} })).rejects.toBeInstanceOf(UserError);
  expect(() => history(root)).toThrow(re);
  await expect(executeApply(typicalRequest('b'), { root, ...quiet })).rejects.toThrow(re);
}

describe('who may have written the state directory', () => {
  it.each([
    ['var/lib/knobs', 0o777, /\/var\/lib\/knobs is writable by others \(mode 0777\)/],
    ['var/lib/knobs/journal', 0o770, /journal is writable by its group \(mode 0770\)/],
    ['var/lib', 0o757, /\/var\/lib is writable by others/],
  ])('%s with mode %s: refused, naming the path and why', async (rel, mode, re) => {
    const { root } = await appliedTree();
    fs.chmodSync(path.join(root, rel), mode);
    await refused(root, re);
    // Every other command warns (and goes on).
    const audit = knobs(['audit', '--root', root]);
    expect(audit.stderr).toMatch(/knobs: warning: .*writable by/);
    expect(audit.stderr).not.toMatch(/at .*\.js|internal error/);
  });

  it.skipIf(ROOT.skip)(ROOT.title('a journal directory or journal.json owned by another user is refused'), async () => {
    const { root, dir, file } = await appliedTree();
    fs.chownSync(file, 65534, 65534);
    await refused(root, /journal\.json is owned by uid 65534, not by root/);
    fs.chownSync(file, 0, 0);
    fs.chownSync(dir, 65534, 0);
    await refused(root, /is owned by uid 65534/);
  });

  it('a state directory linked out of the root is refused; nothing is written there', async () => {
    const root = makeTree();
    const outside = makeTree();
    const outsideBefore = treeChecksum(outside);
    fs.symlinkSync(path.join(outside, 'var/lib'), path.join(root, 'var/lib/knobs'));
    await expect(executeApply(typicalRequest(), { root, ...quiet })).rejects.toThrow(/var\/lib\/knobs is a symlink to .*outside --root/);
    expect(treeChecksum(outside)).toBe(outsideBefore);
  });

  it('journal.json as a symlink, a FIFO, or a file in the way of the state directory: one line each', async () => {
    const a = await appliedTree();
    fs.renameSync(a.file, `${a.file}.real`);
    fs.symlinkSync(`${a.file}.real`, a.file);
    await expect(rollback({ root: a.root, user: 't', faults: {} })).rejects.toThrow(/journal\.json: it is a symlink|journal\.json.*symlink/);
    const b = await appliedTree();
    fs.rmSync(b.file);
    spawnSync('mkfifo', [b.file]);
    await expect(rollback({ root: b.root, user: 't', faults: {}, lockTimeoutMs: 500 })).rejects.toThrow(/journal\.json: it is a FIFO, not a regular file/);
    const c = makeTree();
    fs.writeFileSync(path.join(c, 'var/lib/knobs'), 'not a directory');
    await expect(executeApply(typicalRequest(), { root: c, ...quiet })).rejects.toThrow(/var\/lib\/knobs: it is not a regular file|is not a directory|not a directory/);
  });
});

describe('what a journal may say', () => {
  it.each([
    ['a kernel.core_pattern pipe', (j: any) => (j.sysctls[0] = { key: 'kernel.core_pattern', previous: '|/tmp/evil %p', previousRaw: '|/tmp/evil %p', value: 'core' }), /\$\.sysctls\[0\]\.key: .*a key knobs sets/],
    ['a key with ..', (j: any) => (j.sysctls[0].key = 'net.ipv4.../../../etc'), /\$\.sysctls\[0\]\.key/],
    ['a path with ../', (j: any) => (j.files[0].path = '/etc/sysctl.d/../../etc/shadow'), /\$\.files\[0\]\.path: .*a file knobs manages/],
    ['a new sysctl.d file', (j: any) => (j.files[0].path = '/etc/sysctl.d/00-evil.conf'), /\$\.files\[0\]\.path/],
    ['a setuid mode', (j: any) => (j.files[0].prevMode = 0o4755), /\$\.files\[0\]\.prevMode: permission bits only/],
    ['another owner', (j: any) => (j.files[0].prevUid = 1000), /\$\.files\[0\]\.prevUid: 1000 is not root/],
    ['a backup elsewhere', (j: any) => (j.files[0].backup = 'files/../../../../etc/shadow'), /\$\.files\[0\]\.backup: expected "files\/0"/],
    ['a created directory that is not above the file', (j: any) => (j.files[0].createdDirs = ['/usr']), /\$\.files\[0\]\.createdDirs\[0\]/],
    ['a field knobs does not write', (j: any) => (j.run = 'sh'), /\$\.run|run/],
  ])('%s is refused with the JSON path of the field; nothing is restored', async (_what, change, re) => {
    const { root, file } = await appliedTree();
    edit(file, change);
    const applied = treeChecksum(root);
    await refused(root, re);
    expect(treeChecksum(root)).toBe(applied);
  });

  it('a backup that is a symlink (to a shadow file) or does not match its sha256 is refused at restore', async () => {
    const a = await appliedTree();
    const blob = path.join(a.dir, 'files/0');
    const secret = path.join(makeTree(), 'shadow');
    fs.writeFileSync(secret, 'root:SECRET:19000::::::\n');
    fs.rmSync(blob);
    fs.symlinkSync(secret, blob);
    const r = await rollback({ root: a.root, user: 't', faults: {} });
    expect(r).toMatchObject({ status: 'inconsistent', error: expect.stringMatching(/files\/0: it is a symlink/) });
    expect(fs.readFileSync(path.join(a.root, 'etc/sysctl.d/90-knobs.conf'), 'utf8')).not.toContain('SECRET');
    const b = await appliedTree();
    fs.writeFileSync(path.join(b.dir, 'files/0'), 'kernel.core_pattern = |/tmp/evil\n');
    const r2 = await rollback({ root: b.root, user: 't', faults: {} });
    expect(r2).toMatchObject({ status: 'inconsistent', error: expect.stringMatching(/does not match the sha256/) });
    expect(fs.readFileSync(path.join(b.root, 'etc/sysctl.d/90-knobs.conf'), 'utf8')).not.toContain('core_pattern');
  });

  it('a corrupt journal.json is an error naming the file, not "nothing to roll back"', async () => {
    const { root, file } = await appliedTree();
    fs.writeFileSync(file, '{"version": 1, "id": ');
    await expect(rollback({ root, user: 't', faults: {} })).rejects.toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid JSON`));
    const cli = knobs(['history', '--root', root]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/journal\.json: not valid JSON/);
    expect(cli.stdout).not.toMatch(/No transactions/);
  });

  it('a planted pending journal for a file knobs does not manage does not make apply send root to rollback', async () => {
    const root = makeTree();
    const dir = path.join(root, 'var/lib/knobs/journal/20260101T000000Z-abcd');
    fs.mkdirSync(path.join(dir, 'files'), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.join(root, 'var/lib/knobs'), 0o700);
    fs.chmodSync(path.join(root, 'var/lib/knobs/journal'), 0o700);
    fs.chmodSync(dir, 0o700);
    fs.writeFileSync(path.join(dir, 'journal.json'), JSON.stringify({
      version: 1, id: '20260101T000000Z-abcd', seq: 1, time: '2026-01-01T00:00:00.000Z', user: 'x', pid: 999999, lockToken: 'ab',
      profiles: [], scope: { persist: true, runtime: true }, state: 'pending',
      files: [{ path: '/etc/sysctl.d/00-evil.conf', prevKind: 'absent', backup: null, prevLink: null, prevMode: null, prevUid: null, prevGid: null, prevSha256: null, newSha256: null, written: null, newMode: 420, createdDirs: [] }],
      sysctls: [], updated: '2026-01-01T00:00:00.000Z',
    }), { mode: 0o600 });
    const cli = knobs(['apply', '--root', root, '--profile', 'web-node', '--yes']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/journal\.json: \$\.files\[0\]\.path: .*refusing to use this journal/);
    expect(cli.stderr).not.toMatch(/run `knobs rollback`/);
    expect(fs.existsSync(path.join(root, 'etc/sysctl.d/00-evil.conf'))).toBe(false);
  });
});

describe('debris of a crash while the journal was written', () => {
  it('is removed by the next apply (nothing on the host was touched); other files in it are refused', async () => {
    const root = makeTree();
    const dir = path.join(root, 'var/lib/knobs/journal/20260101T000000Z-0000');
    fs.mkdirSync(path.join(dir, 'files'), { recursive: true });
    fs.chmodSync(path.join(root, 'var/lib/knobs'), 0o700);
    fs.writeFileSync(path.join(dir, 'files/0'), 'backup');
    expect(history(root)).toEqual([]); // not a transaction
    expect((await executeApply(typicalRequest(), { root, ...quiet })).status).toBe('applied');
    expect(fs.existsSync(dir)).toBe(false);
    expect(readKey(root, 'net.core.somaxconn')).toBe('8192');

    const other = path.join(root, 'var/lib/knobs/journal/20260101T000000Z-0001');
    fs.mkdirSync(other, { mode: 0o700 });
    fs.writeFileSync(path.join(other, 'surprise'), 'x');
    await expect(rollback({ root, user: 't', faults: {} })).rejects.toThrow(/has no journal\.json and holds files knobs did not write/);
  });

  it('an entry that is not a transaction directory is refused, not skipped', async () => {
    const { root } = await appliedTree();
    fs.writeFileSync(path.join(root, 'var/lib/knobs/journal/notes.txt'), 'x');
    expect(() => listJournals(root)).toThrow(/unexpected entry .*notes\.txt/);
    expect(findInterrupted.bind(null, root)).toThrow(/unexpected entry/);
  });
});

describe.skipIf(NONROOT.skip)(NONROOT.title('not root'), () => {
  it('history says it cannot read the journal, instead of "No transactions recorded."', async () => {
    const { root } = await appliedTree();
    fs.chmodSync(root, 0o755);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.resolve('dist/knobs.cjs'), 'history', '--root', root], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^knobs: cannot read the journal .*: permission denied\n  hint: .*run knobs as root/);
    expect(r.stdout).toBe('');
    const rb = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.resolve('dist/knobs.cjs'), 'rollback', '--yes', '--root', root], { encoding: 'utf8' });
    expect(rb.status).toBe(1);
    expect(rb.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(rb.stderr).not.toMatch(/    at /);
    // A command that does not need the journal says nothing about it.
    const audit = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.resolve('dist/knobs.cjs'), 'audit', '--root', root], { encoding: 'utf8' });
    expect(audit.stderr).not.toMatch(/journal/);
  });
});

// Keep `request` referenced for readers who extend these scenarios with custom plans.
void request;
