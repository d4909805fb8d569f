// Exit codes and errors that scripts rely on: each failure is one line (and a hint)
// in one format, the right exit code, and with --json one document on stdout.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, knobs } from '../helpers/cli.js';
import { fakeRoot, treeChecksum } from '../helpers/fake-root.js';
import { requires } from '../helpers/requires.js';
import { tempDir } from '../helpers/temp.js';
import { lookupShortName } from '../../src/cli/commands/explain.js';
import type { Io } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

/** One error line `knobs: …`, optionally one `  hint: …`, nothing else (no stack). */
function oneError(stderr: string, message: RegExp, hint?: RegExp): void {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines[0]).toMatch(/^knobs: /);
  expect(lines[0]).toMatch(message);
  expect(lines.length, stderr).toBeLessThanOrEqual(2);
  if (hint) expect(lines[1]).toMatch(new RegExp(`^  hint: .*${hint.source}`));
  else if (lines[1] !== undefined) expect(lines[1]).toMatch(/^  hint: /);
  expect(stderr).not.toMatch(/\n\s+at /);
}

/** The CLI in this process (the --root matrix below is 30 runs; a child each would take too long on a busy machine). */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { out: (t) => void (stdout += t), err: (t) => void (stderr += t), isTTY: false, stdinTTY: false, color: false, env: { NO_COLOR: '1' } };
  const code = await main(['node', 'knobs', ...args], io);
  return { code, stdout, stderr };
}

describe('what --only and --profile accept', () => {
  it('--only matching nothing is an error with a did-you-mean, and nothing is planned', () => {
    const root = fakeRoot({ kernel: '4.15' });
    const r = knobs(['plan', '--root', root, '--profile', 'db-client', '--only', 'net.ipv4.tcp_keepalive_tme']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    oneError(r.stderr, /^knobs: --only net\.ipv4\.tcp_keepalive_tme: matches no key this plan could change$/, /did you mean net\.ipv4\.tcp_keepalive_time\?/);
    const glob = knobs(['plan', '--root', root, '--profile', 'db-client', '--only', 'vm.*']);
    expect(glob.code).toBe(1);
    oneError(glob.stderr, /--only vm\.\*: matches no key/, /keys it could change: limits\.nofile, net\.ipv4/);
    // A glob that matches is fine, and one bad glob among good ones is still an error.
    expect(knobs(['plan', '--root', root, '--profile', 'db-client', '--only', 'net.*']).code).toBe(2);
    expect(knobs(['plan', '--root', root, '--profile', 'db-client', '--only', 'net.*,limits.nofle']).code).toBe(1);
  });

  it("--profile '' is an error in every command that takes it (a CI gate with an unset variable must not pass)", async () => {
    const root = fakeRoot({ kernel: '6.1' });
    expect(knobs(['audit', '--root', root, '--profile', '']).code).toBe(1);
    for (const cmd of [['audit'], ['plan'], ['apply', '--yes']]) {
      for (const value of ['', ' ', ',']) {
        const r = await inProcess([...cmd, '--root', root, '--profile', value]);
        expect(r.code, `${cmd[0]} "${value}"`).toBe(1);
        // '' is refused as an empty argument before the command runs; ' ' and ',' name no profile.
        oneError(r.stderr, /--profile(: empty value| ".*" names no profile)/);
      }
    }
  });

  it('an unknown profile gets a did-you-mean, like keys do', () => {
    const root = fakeRoot({ kernel: '6.1' });
    const r = knobs(['audit', '--root', root, '--profile', 'webnode']);
    expect(r.code).toBe(1);
    oneError(r.stderr, /^knobs: unknown profile "webnode"$/, /did you mean web-node\? known profiles: db-client, load-balancer, nat-facing, web-node/);
  });
});

describe('--service and --restart', () => {
  it('--service for a unit that does not exist is refused with a did-you-mean, and nothing is written', () => {
    const root = fakeRoot({ kernel: '6.1', systemd: true, files: { '/lib/systemd/system/nginx.service': '[Service]\nExecStart=/usr/sbin/nginx\n' } });
    const before = treeChecksum(root);
    const r = knobs(['apply', '--root', root, '--profile', 'web-node', '--service', 'ngnix', '--yes']);
    expect(r.code).toBe(1);
    oneError(r.stderr, /^knobs: --service ngnix(\.service)?: no unit ngnix\.service on this host \(no unit file in .*\/etc\/systemd\/system, .*and no process runs in it\)$/, /did you mean nginx\?/);
    expect(treeChecksum(root)).toBe(before);
    expect(knobs(['plan', '--root', root, '--profile', 'web-node', '--service', 'nginx']).code).toBe(2);
  });

  it('a masked unit is refused too', () => {
    const root = fakeRoot({ kernel: '6.1', systemd: true, links: { '/etc/systemd/system/nginx.service': '/dev/null' } });
    const r = knobs(['plan', '--root', root, '--profile', 'web-node', '--service', 'nginx']);
    expect(r.code).toBe(1);
    oneError(r.stderr, /nginx\.service is masked/);
  });

  it('--restart where nothing can be restarted is refused before anything changes', () => {
    const root = fakeRoot({ kernel: '6.1', systemd: true, files: { '/lib/systemd/system/nginx.service': '[Service]\n' } });
    const before = treeChecksum(root);
    const r = knobs(['apply', '--root', root, '--profile', 'web-node', '--service', 'nginx', '--restart', '--yes']);
    expect(r.code).toBe(1);
    oneError(r.stderr, /^knobs: --restart: systemd is not running for --root /);
    const noService = knobs(['apply', '--root', root, '--profile', 'web-node', '--restart', '--yes']);
    expect(noService.code).toBe(1);
    oneError(noService.stderr, /--restart needs --service UNIT/);
    expect(treeChecksum(root)).toBe(before);
  });
});

describe('--root must be a host tree', () => {
  it('a file, an empty directory, a tree without proc/sys, or a missing path: exit 1, one line', async () => {
    const dir = tempDir('knobs-notroot-');
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, 'x');
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    const etcOnly = path.join(dir, 'etc-only');
    fs.mkdirSync(path.join(etcOnly, 'etc/sysctl.d'), { recursive: true });
    const cases: [string, RegExp][] = [
      [file, /--root .*file: not a directory/],
      [empty, /--root .*empty: no proc\/sys under it, so there is no host to read/],
      [etcOnly, /--root .*etc-only: no proc\/sys under it/],
      [path.join(dir, 'missing'), /--root .*missing: no such directory/],
    ];
    for (const [root, msg] of cases) {
      for (const cmd of [['audit'], ['facts'], ['plan', '--profile', 'web-node'], ['explain', 'net.core.somaxconn']]) {
        const r = await inProcess([cmd[0]!, '--root', root, ...cmd.slice(1)]);
        expect(r.code, `${cmd[0]} ${root}`).toBe(1);
        oneError(r.stderr, msg);
        expect(r.stdout).toBe('');
      }
    }
    // Every command checks that --root is a directory.
    for (const cmd of ['history', 'rollback', 'sockets', 'limits', 'profiles']) {
      const r = await inProcess([cmd, '--root', file, ...(cmd === 'rollback' ? ['--yes'] : [])]);
      expect(r.code, cmd).toBe(1);
      oneError(r.stderr, /not a directory/);
    }
    // And through the real executable, once.
    const real = knobs(['audit', '--root', empty]);
    expect(real.code).toBe(1);
    oneError(real.stderr, /no proc\/sys under it/);
  });
});

describe('--json failures print one JSON document', () => {
  const parse = (stdout: string) => {
    const doc = JSON.parse(stdout); // throws on zero or two documents
    expect(stdout.trim().startsWith('{')).toBe(true);
    return doc;
  };

  it('an error: {schemaVersion, error: {message, hint}} on stdout, the same line on stderr', () => {
    const root = fakeRoot({ kernel: '6.1' });
    const r = knobs(['plan', '--root', root, '--profile', 'webnode', '--json']);
    expect(r.code).toBe(1);
    expect(parse(r.stdout)).toEqual({ schemaVersion: 1, error: { message: 'unknown profile "webnode"', hint: expect.stringMatching(/^did you mean web-node\?/) } });
    oneError(r.stderr, /^knobs: unknown profile "webnode"$/);
  });

  it('a usage error from the option parser too, in the same format', () => {
    const r = knobs(['audit', '--json', '--fail-on', 'sometimes']);
    expect(r.code).toBe(1);
    const doc = parse(r.stdout);
    expect(doc.error.message).toMatch(/option '--fail-on <severity>' argument 'sometimes' is invalid/);
    expect(doc.error.hint).toMatch(/run `knobs audit --help` for usage/);
    oneError(r.stderr, /^knobs: option '--fail-on <severity>' argument 'sometimes' is invalid/, /knobs audit --help/);
  });

  it('a refused plan or apply: the plan document with status "refused" and refusals[], and no second document', () => {
    const root = fakeRoot({ kernel: '6.1', files: { '/proc/net/tcp': '  sl  local_address rem_address   st\n   0: 00000000:6989 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 7000 1 0000000000000000 20 4 0 10 -1\n' } });
    for (const cmd of [['plan'], ['apply', '--yes']]) {
      const r = knobs([...cmd, '--root', root, '--profile', 'load-balancer', '--only', 'net.ipv4.ip_local_port_range', '--json']);
      expect(r.code).toBe(1);
      const doc = parse(r.stdout);
      expect(doc).toMatchObject({ schemaVersion: 1, status: 'refused', refusals: [{ id: 'net/ip-local-port-range' }] });
      expect(doc.error).toBeUndefined();
      oneError(r.stderr, /^knobs: plan refused \(1 reason\): /);
    }
  });

  it('an interrupted-transaction refusal in apply is a JSON error document too', () => {
    const root = fakeRoot({ kernel: '4.15', sysctl: { 'net.core.somaxconn': '128' } });
    knobs(['apply', '--root', root, '--profile', 'web-node', '--yes'], { env: { KNOBS_TEST_CRASH_AT: 'sysctl:0' } });
    const r = knobs(['apply', '--root', root, '--profile', 'web-node', '--yes', '--json']);
    expect(r.code).toBe(1);
    expect(parse(r.stdout).error.message).toMatch(/was interrupted and may be half-applied; run `knobs rollback`/);
  });
});

describe('explain finds short names', () => {
  it('explain somaxconn → net.core.somaxconn with its rule; explain tcp_tw_recycle → the key and both rules', () => {
    const root = fakeRoot({ kernel: '6.1' });
    const s = knobs(['explain', 'somaxconn', '--root', root, '--json']);
    expect(s.code).toBe(0);
    expect(s.json()).toMatchObject({ kind: 'key', key: 'net.core.somaxconn' });
    expect(s.json().rules.map((r: any) => r.id)).toContain('net/somaxconn');
    const t = knobs(['explain', 'tcp_tw_recycle', '--root', root, '--json']);
    expect(t.code).toBe(0);
    expect(t.json()).toMatchObject({ kind: 'key', key: 'net.ipv4.tcp_tw_recycle' });
    expect(t.json().rules.map((r: any) => r.id)).toEqual(expect.arrayContaining(['net/tcp-tw-recycle', 'net/tcp-tw-recycle-config']));
    const dashed = knobs(['explain', 'tcp-tw-recycle-config', '--root', root, '--json']);
    expect(dashed.json()).toMatchObject({ kind: 'rule', rule: { id: 'net/tcp-tw-recycle-config' } });
    const text = knobs(['explain', 'somaxconn', '--root', root]);
    expect(text.stdout).toMatch(/^net\.core\.somaxconn\n/);
  });

  it('a short rule name finds the rule; an unknown or empty name is one line with a did-you-mean', () => {
    const root = fakeRoot({ kernel: '6.1' });
    expect(knobs(['explain', 'keepalive', '--root', root, '--json']).json()).toMatchObject({ kind: 'rule', rule: { id: 'net/keepalive' } });
    const none = knobs(['explain', 'somaxcon', '--root', root]);
    expect(none.code).toBe(1);
    oneError(none.stderr, /^knobs: explain: "somaxcon" is neither a rule id nor a sysctl key on this host$/, /did you mean/);
    const empty = knobs(['explain', '', '--root', root]);
    expect(empty.code).toBe(1);
    oneError(empty.stderr, /explain(: empty argument| needs a sysctl key or a rule id)/);
  });

  it('several matches are named, not guessed', () => {
    expect(lookupShortName('forwarding', ['net.ipv4.conf.all.forwarding', 'net.ipv6.conf.all.forwarding'], [])).toEqual({
      candidates: ['net.ipv4.conf.all.forwarding', 'net.ipv6.conf.all.forwarding'],
    });
    expect(lookupShortName('tcp-tw-recycle', ['net.ipv4.tcp_tw_recycle'], ['net/tcp-tw-recycle'])).toMatchObject({ key: 'net.ipv4.tcp_tw_recycle' });
  });
});

const NON_ROOT = requires('root', 'nobody runs the checkout');
describe.skipIf(NON_ROOT.skip)(NON_ROOT.title('a user who is not root'), () => {
  const asNobody = (...args: string[]) =>
    spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      input: '',
      timeout: 60_000,
    });

  it('rollback gets the same one-line "needs root" as apply, never a stack (before the lock is touched)', () => {
    for (const cmd of [['rollback', '--yes'], ['rollback', '--yes', '--json'], ['apply', '--profile', 'web-node', '--yes']]) {
      const r = asNobody(...cmd);
      expect(r.status, cmd.join(' ')).toBe(1);
      oneError(r.stderr, /^knobs: needs root to (restore|write) \/etc\/sysctl\.d and \/proc\/sys$/, /sudo knobs/);
      if (cmd.includes('--json')) expect(JSON.parse(r.stdout).error.message).toMatch(/needs root/);
    }
  });

  it('an operating-system refusal elsewhere is one line too', () => {
    const root = tempDir('knobs-eacces-');
    fs.mkdirSync(path.join(root, 'proc/sys'), { recursive: true });
    fs.mkdirSync(path.join(root, 'var/lib/knobs'), { recursive: true, mode: 0o700 });
    const r = asNobody('rollback', '--root', root, '--yes');
    expect(r.status).toBe(1);
    oneError(r.stderr, /permission denied/);
  });
});
