// Nothing leaves --root, nothing leaves /proc/sys, nothing blocks. Every directory
// knobs writes (sysctl.d, limits.d, the systemd unit directory, its state directory)
// and proc/sys are replaced by links out of the root (absolute and `../` relative),
// by FIFOs and by files of the wrong type; the commands must end (no hang) with one
// line and exit 0/1, and a tree outside the root, hashed before and after, must not
// change by a byte.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostFs } from '../../src/host/host-fs.js';
import { confinedPath } from '../../src/host/confine.js';
import { BIN } from '../helpers/cli.js';
import { fakeRoot } from '../helpers/fake-root.js';
import { tempDir } from '../helpers/temp.js';

/** Like treeListing, but FIFOs and devices are listed, never opened. */
function hashTree(root: string): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const r = path.join(rel, name);
      const st = fs.lstatSync(path.join(root, r));
      h.update(`${r} ${st.mode.toString(8)} ${st.uid}:${st.gid} `);
      if (st.isDirectory()) walk(r);
      else if (st.isSymbolicLink()) h.update(fs.readlinkSync(path.join(root, r)));
      else if (st.isFile()) h.update(fs.readFileSync(path.join(root, r)));
      h.update('\n');
    }
  };
  walk('');
  return h.digest('hex');
}

/** A tree outside the root that a link could lead to: copies of what knobs would write. */
function outsideTree(): string {
  const out = tempDir('knobs-outside-');
  for (const d of ['etc/sysctl.d', 'etc/security/limits.d', 'etc/systemd/system', 'var/lib/knobs', 'proc/sys/net/core']) fs.mkdirSync(path.join(out, d), { recursive: true });
  fs.writeFileSync(path.join(out, 'etc/sysctl.d/90-knobs.conf'), '# victim\n');
  fs.writeFileSync(path.join(out, 'proc/sys/net/core/somaxconn'), '128\n');
  fs.writeFileSync(path.join(out, 'victim'), 'keep me\n');
  return out;
}

function run(args: string[]): { code: number | null; stdout: string; stderr: string; timedOut: boolean } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input: '', timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined };
}

function expectOneLineOutcome(r: ReturnType<typeof run>, what: string): void {
  expect(r.timedOut, what).toBe(false);
  expect([0, 1, 2], `${what}: ${r.stderr}`).toContain(r.code);
  expect(r.stderr, what).not.toMatch(/internal error|\n\s+at /);
}

const MANAGED = ['etc/sysctl.d', 'etc/security/limits.d', 'etc/systemd/system', 'var/lib/knobs', 'proc/sys'];

type Replace = (root: string, rel: string, outside: string) => void;
const REPLACEMENTS: Record<string, Replace> = {
  'an absolute link out of the root': (root, rel, outside) => swap(root, rel, (p) => fs.symlinkSync(path.join(outside, rel), p)),
  'a relative ../ link out of the root': (root, rel, outside) =>
    swap(root, rel, (p) => fs.symlinkSync(path.relative(path.dirname(p), path.join(outside, rel)), p)),
  'a FIFO': (root, rel) => swap(root, rel, (p) => spawnSync('mkfifo', [p])),
  'a regular file': (root, rel) => swap(root, rel, (p) => fs.writeFileSync(p, 'not a directory\n')),
};

function swap(root: string, rel: string, make: (p: string) => void): void {
  const p = path.join(root, rel);
  fs.rmSync(p, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(p), { recursive: true });
  make(p);
}

describe('managed directories, the state directory and proc/sys replaced', () => {
  for (const [how, replace] of Object.entries(REPLACEMENTS)) {
    it.each(MANAGED)(`%s as ${how}: apply, rollback, audit end with one line; outside the root nothing changes`, (rel) => {
      const outside = outsideTree();
      const root = fakeRoot({ kernel: '6.1', systemd: true, sysctl: { 'net.core.somaxconn': '128' } });
      fs.mkdirSync(path.join(root, 'etc/security/limits.d'), { recursive: true });
      fs.mkdirSync(path.join(root, 'etc/systemd/system'), { recursive: true });
      replace(root, rel, outside);
      const outsideBefore = hashTree(outside);
      const apply = run(['apply', '--root', root, '--profile', 'web-node', '--service', 'nginx', '--yes']);
      expectOneLineOutcome(apply, `apply, ${rel} as ${how}`);
      if (rel !== 'proc/sys') expect(apply.code, `${rel} as ${how}: ${apply.stderr}`).toBe(1);
      const rollback = run(['rollback', '--root', root, '--yes']);
      expectOneLineOutcome(rollback, `rollback, ${rel} as ${how}`);
      const audit = run(['audit', '--root', root, '--profile', 'web-node']);
      expectOneLineOutcome(audit, `audit, ${rel} as ${how}`);
      expect(hashTree(outside), `${rel} as ${how}`).toBe(outsideBefore);
    });
  }
});

describe('FIFOs where a file is expected', () => {
  it.each([
    ['the managed sysctl file', 'etc/sysctl.d/90-knobs.conf', ['plan', '--profile', 'web-node'], /90-knobs\.conf: is a FIFO, not a regular file/],
    ['a sysctl.d file', 'etc/sysctl.d/50-x.conf', ['audit'], /50-x\.conf: is a FIFO, not a regular file/],
    ['a user profile', 'etc/knobs/profiles/mine.ini', ['audit', '--profile', 'mine'], /mine\.ini: is a FIFO, not a regular file/],
    ['etc/passwd', 'etc/passwd', ['limits', '--user', 'root'], /passwd: is a FIFO, not a regular file/],
    ['the lock file', 'var/lib/knobs/lock', ['apply', '--profile', 'web-node', '--yes'], /lock .*is a FIFO, not a regular file/],
    ['knobs.ini', 'etc/knobs/knobs.ini', ['audit'], /knobs\.ini: is a FIFO, not a regular file/],
  ])('%s: exit 1 naming it, no hang', (_what, rel, args, re) => {
    const root = fakeRoot({ kernel: '6.1' });
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true, mode: 0o755 });
    if (rel.startsWith('var/lib/knobs')) fs.chmodSync(path.join(root, 'var/lib/knobs'), 0o700);
    spawnSync('mkfifo', [path.join(root, rel)]);
    const r = run([...args, '--root', root]);
    expect(r.timedOut).toBe(false);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).not.toMatch(/internal error/);
  });

  it('proc/net/tcp and a proc/sys key as FIFOs: audit and sockets go on, reading neither', () => {
    const root = fakeRoot({ kernel: '6.1' });
    fs.rmSync(path.join(root, 'proc/net/tcp'));
    spawnSync('mkfifo', [path.join(root, 'proc/net/tcp')]);
    fs.rmSync(path.join(root, 'proc/sys/net/core/somaxconn'));
    spawnSync('mkfifo', [path.join(root, 'proc/sys/net/core/somaxconn')]);
    const facts = run(['facts', '--json', '--root', root]);
    expect(facts.timedOut).toBe(false);
    expect(facts.code).toBe(0);
    expect(JSON.parse(facts.stdout).sysctl['net.core.somaxconn']).toMatchObject({ live: null, state: 'unreadable' });
    const sockets = run(['sockets', '--json', '--root', root]);
    expect(sockets.timedOut).toBe(false);
    expect(sockets.stderr).toMatch(/cannot read \/proc\/net\/tcp.*ENOTREG/);
  });
});

describe('reads stay in /proc/sys and in the root', () => {
  it('`..` in a key from a config line never reads outside /proc/sys (facts, audit, explain)', () => {
    const root = fakeRoot({ kernel: '6.1', files: { '/etc/sysctl.d/50-x.conf': 'net/../../../../etc/secret = 1\n', '/etc/secret': 'TOPSECRET\n' } });
    for (const args of [['facts', '--json'], ['audit', '--json'], ['explain', 'net/../../../../etc/secret']]) {
      const r = run([...args, '--root', root]);
      expect(r.timedOut).toBe(false);
      expect(r.stdout + r.stderr, args.join(' ')).not.toContain('TOPSECRET');
    }
  });

  it('HostFs confines: `..` clamped at the root, absolute links re-rooted, /proc/sys paths kept in /proc/sys', () => {
    const outside = outsideTree();
    const root = fakeRoot({ kernel: '6.1', files: { '/victim': 'inside\n' } });
    fs.symlinkSync(path.join(outside, 'victim'), path.join(root, 'etc/abs-link'));
    fs.symlinkSync('../../../../../../../../victim', path.join(root, 'etc/rel-link'));
    const host = new HostFs(root);
    expect(host.readText('/../../../../victim')).toBe('inside\n');
    expect(host.readText('/etc/rel-link')).toBe('inside\n');
    expect(host.readText('/etc/abs-link')).toBeNull(); // re-rooted: root/<outside>/victim does not exist
    expect(() => host.readText('/proc/sys/net/../../../victim')).toThrow(/not under \/proc\/sys/);
    fs.rmSync(path.join(root, 'proc/sys/net/core/rmem_max'), { force: true });
    fs.symlinkSync('/victim', path.join(root, 'proc/sys/net/core/rmem_max'));
    expect(host.tryReadText('/proc/sys/net/core/rmem_max')).toEqual({ error: 'ECONFINE' });
    expect(() => confinedPath(root, 'proc/sys/net/core/rmem_max')).toThrow(/outside \/proc\/sys/);
  });

  it('a /proc/sys key larger than 1 MiB (or /dev/zero on a real host) is an error, not unbounded memory', () => {
    const root = fakeRoot({ kernel: '6.1' });
    fs.writeFileSync(path.join(root, 'proc/sys/net/core/somaxconn'), Buffer.alloc(2 * 1024 * 1024, 0x31));
    expect(new HostFs(root).tryReadText('/proc/sys/net/core/somaxconn')).toEqual({ error: 'EFBIG' });
    // On `/`, a device is refused before anything is read from it.
    expect(() => new HostFs('/').readText('/dev/zero')).toThrow(/is a character device, not a regular file/);
  });

  it('limits --service ../../x never reads a unit file outside the root', () => {
    const root = fakeRoot({ kernel: '6.1' });
    const r = run(['limits', '--root', root, '--service', '../../../../etc/passwd']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^knobs: --service: invalid unit name ".*": contains "\/"/);
  });
});
