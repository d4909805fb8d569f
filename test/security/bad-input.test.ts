// Bad input is one line and exit 1, never a stack, never a hang, never a wrong default.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stateError } from '../../src/apply/journal.js';
import { globMatch } from '../../src/core/only.js';
import { UserError } from '../../src/errors.js';
import { BIN, knobs } from '../helpers/cli.js';
import { fakeRoot, treeChecksum } from '../helpers/fake-root.js';
import { requires } from '../helpers/requires.js';
import { tempDir } from '../helpers/temp.js';

function oneLine(r: { code: number; stderr: string }, re: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(re);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2); // the line, and maybe a hint
}

describe('empty arguments are errors, not defaults', () => {
  it.each([
    [['audit', '--facts', ''], /--facts: empty value/],
    [['plan', '--profile', 'web-node', '--facts', ''], /--facts: empty value/],
    [['rollback', '', '--yes'], /rollback: empty argument/],
    [['plan', '--profile', 'web-node', '--service', ''], /--service: empty value/],
    [['explain', ''], /explain: empty argument/],
    [['limits', '--user', ''], /--user: empty value/],
  ])('knobs %j', (args, re) => {
    const root = fakeRoot();
    const before = treeChecksum(root);
    oneLine(knobs([...args, '--root', root]), re);
    expect(treeChecksum(root)).toBe(before);
  });
});

describe('--facts FILE is validated against its schema; the first bad field is named by its JSON path', () => {
  const good = () => JSON.parse(knobs(['facts', '--json', '--root', fakeRoot({ kernel: '6.1' })]).stdout);
  it.each([
    ['a number where a string goes', (d: any) => (d.sysctl['net.core.somaxconn'].live = 4096), /\$\.sysctl\["net\.core\.somaxconn"\]\.live: expected string/],
    ['limits.pam an object', (d: any) => (d.limits.pam = {}), /\$\.limits\.pam: expected Array/],
    ['a null entry', (d: any) => (d.sysctl['net.core.somaxconn'] = null), /\$\.sysctl\["net\.core\.somaxconn"\]: expected Object/],
    ['kernel = {}', (d: any) => (d.kernel = {}), /\$\.kernel\.release: missing/],
    ['a kernel version rules cannot compare', (d: any) => (d.kernel.version = 'banana'), /\$\.kernel\.version: a kernel version/],
    ['a socket state count below zero', (d: any) => (d.sockets.states.TIME_WAIT = -1), /\$\.sockets\.states\.TIME_WAIT/],
    ['an array instead of the document', () => [], /not a knobs facts snapshot/],
  ])('%s', (_what, mutate, re) => {
    const doc = good();
    const out = mutate(doc) ?? doc;
    const file = path.join(tempDir('knobs-facts-'), 'facts.json');
    fs.writeFileSync(file, JSON.stringify(Array.isArray(out) ? out : doc));
    for (const cmd of [['audit'], ['plan', '--profile', 'web-node']]) oneLine(knobs([...cmd, '--facts', file]), re);
  });

  it('a __proto__ key in a snapshot reaches no prototype (the validator leaves it out)', () => {
    const text = knobs(['facts', '--json', '--root', fakeRoot({ kernel: '6.1' })]).stdout.replace('"sysctl": {', '"sysctl": {"__proto__": {"live": "1", "state": "present", "boot": null, "polluted": true},');
    const file = path.join(tempDir('knobs-facts-'), 'facts.json');
    fs.writeFileSync(file, text);
    const r = knobs(['audit', '--json', '--facts', file]);
    expect([0, 2], r.stderr).toContain(r.code);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a snapshot knobs wrote passes, from a file or from stdin (`--facts -`)', () => {
    const text = knobs(['facts', '--json', '--root', fakeRoot({ kernel: '6.1' })]).stdout;
    const file = path.join(tempDir('knobs-facts-'), 'facts.json');
    fs.writeFileSync(file, text);
    expect([0, 2]).toContain(knobs(['audit', '--facts', file]).code);
    expect([0, 2]).toContain(knobs(['audit', '--facts', '-'], { input: text }).code);
  });
});

describe('profiles', () => {
  it('a 10,000-deep include chain is refused at the depth bound, not with a stack overflow', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) files[`/etc/knobs/profiles/p${i}.ini`] = `[main]\nsummary = p${i}\ninclude = p${i + 1}\n`;
    files['/etc/knobs/profiles/p10000.ini'] = '[main]\nsummary = end\n';
    const root = fakeRoot({ files });
    oneLine(knobs(['audit', '--root', root, '--profile', 'p0']), /include: chain deeper than 16 profiles/);
  });

  it.each([
    ['[__proto__]\nx = 1\n', /:4: \[__proto__\]: reserved name/],
    ['[sysctl]\n__proto__ = 1\n', /:5: __proto__: reserved name/],
    ['[sysctl]\nconstructor = 1\n', /:5: constructor: reserved name/],
  ])('reserved names are refused like [constructor]: %j', (body, re) => {
    const root = fakeRoot({ files: { '/etc/knobs/profiles/mine.ini': `[main]\nsummary = mine\n\n${body}` } });
    oneLine(knobs(['audit', '--root', root, '--profile', 'mine']), re);
  });

  it('knobs.ini: a __proto__ accept entry is refused', () => {
    const root = fakeRoot({ files: { '/etc/knobs/knobs.ini': '[accept]\n__proto__ = because\n' } });
    oneLine(knobs(['audit', '--root', root]), /knobs\.ini:2: __proto__: reserved name/);
  });
});

describe('--only globs', () => {
  it('match like the shell would, including `**********x`, without backtracking', () => {
    expect(globMatch('net.*', 'net.core.somaxconn')).toBe(true);
    expect(globMatch('net.ipv4.tcp_*', 'net.ipv4.tcp_fin_timeout')).toBe(true);
    expect(globMatch('net.?pv4.*', 'net.ipv4.x')).toBe(true);
    expect(globMatch('limits.nofile', 'limits.nproc')).toBe(false);
    // Exponential for a backtracking regex; here a handful of passes over the key.
    const key = 'a'.repeat(5000);
    expect(globMatch('*'.repeat(5000) + 'x', key)).toBe(false);
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*a*b', key)).toBe(false);
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*a*', key)).toBe(true);
  });
});

describe('unit names', () => {
  it('a newline in --service never reaches a drop-in (no ExecStartPre= injection); nothing is written', () => {
    const root = fakeRoot({ systemd: true });
    const before = treeChecksum(root);
    oneLine(knobs(['apply', '--root', root, '--profile', 'web-node', '--service', 'nginx\nExecStartPre=/bin/sh -c id', '--yes']), /--service: invalid unit name .*contains "\\n"/);
    expect(treeChecksum(root)).toBe(before);
  });
});

describe('the state directory: one line per errno', () => {
  it('EIO and EEXIST, which no test tree can produce on demand, are one line naming the path, like the others', () => {
    for (const [code, text] of [['EIO', 'input/output error'], ['EEXIST', 'already exists'], ['EACCES', 'permission denied']] as const) {
      const e = stateError('/r/var/lib/knobs/lock', Object.assign(new Error(`${code}: raw`), { code }));
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toBe(`cannot use the state directory: /r/var/lib/knobs/lock: ${text}`);
      expect(e.message).not.toMatch(/\n/);
    }
  });
  it('ENOTDIR: var/lib is a file', () => {
    const root = fakeRoot();
    fs.rmSync(path.join(root, 'var/lib'), { recursive: true });
    fs.writeFileSync(path.join(root, 'var/lib'), 'x');
    oneLine(knobs(['apply', '--root', root, '--profile', 'web-node', '--yes']), /state directory|not a directory/);
    oneLine(knobs(['rollback', '--root', root, '--yes']), /state directory|not a directory/);
  });

  const MOUNT = requires('unshare -m');
  it.skipIf(MOUNT.skip)(MOUNT.title('ENOSPC and EROFS under var/lib'), () => {
    for (const [opts, re] of [
      ['size=4k,mode=755', /no space left on device|ENOSPC/],
      ['ro,mode=755', /read-only file system/],
    ] as const) {
      const root = fakeRoot({ sysctl: { 'net.core.somaxconn': '128' } });
      const fill = opts.startsWith('size') ? `dd if=/dev/zero of="$0/var/lib/fill" bs=1k count=8 2>/dev/null || true; ` : '';
      const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o ${opts} tmpfs "$0/var/lib"; ${fill}exec "$@"`, root,
        process.execPath, BIN, 'apply', '--root', root, '--profile', 'web-node', '--yes'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      oneLine({ code: r.status ?? -1, stderr: r.stderr }, re);
    }
  });
});

describe('stdout fails after the transaction committed', () => {
  it('ENOSPC on stdout (/dev/full) does not turn an applied transaction into exit 1', () => {
    const root = fakeRoot({ sysctl: { 'net.core.somaxconn': '128' } });
    const full = fs.openSync('/dev/full', 'w');
    const r = spawnSync(process.execPath, [BIN, 'apply', '--root', root, '--profile', 'web-node', '--yes', '--json'], {
      encoding: 'utf8', stdio: ['ignore', full, 'pipe'], env: { ...process.env, NO_COLOR: '1' },
    });
    fs.closeSync(full);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cannot write to standard output \(ENOSPC\)/);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(knobs(['history', '--root', root, '--json']).json().transactions[0].state).toBe('applied');
  });
});
