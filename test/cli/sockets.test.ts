// `knobs sockets` as scripts use it: --fail-on exit codes from the socket rules, the
// accept list, --watch bounds, and --watch stopping when its reader goes away.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { SOCKET_RULES } from '../../src/cli/socket-rules.js';
import { BIN, knobs } from '../helpers/cli.js';
import { write } from '../helpers/fake-root.js';
import { tempDir } from '../helpers/temp.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/proc-net/root');

/** The sockets fixture (CLOSE_WAIT, TIME_WAIT both ways, overflow counters) on a 6.1 kernel. */
function root(files: Record<string, string> = {}): string {
  const dir = tempDir('knobs-sockets-cli-');
  fs.cpSync(FIXTURE, dir, { recursive: true });
  write(dir, '/proc/sys/kernel/osrelease', '6.1.0-18-amd64\n');
  for (const [p, text] of Object.entries(files)) write(dir, p, text);
  return dir;
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('knobs sockets --fail-on', () => {
  it('exits 0 by default whatever it finds, 2 once a finding reaches the severity asked for', () => {
    const r = root();
    const plain = knobs(['sockets', '--root', r, '--json']);
    expect(plain.code).toBe(0);
    const doc = plain.json();
    expect(doc.failOn).toBeNull();
    expect(doc.advice.map((a: { severity: string }) => a.severity)).toEqual(['warning', 'warning', 'warning', 'info', 'info', 'info']);
    for (const a of doc.advice) expect(Object.keys(a)).toEqual(['id', 'severity', 'key', 'current', 'recommended', 'message']);
    expect(knobs(['sockets', '--root', r, '--fail-on', 'critical']).code).toBe(0);
    const warn = knobs(['sockets', '--root', r, '--fail-on', 'warning']);
    expect(warn.code).toBe(2);
    expect(warn.stdout).toMatch(/\n3 finding\(s\) at or above warning: exit 2 \(--fail-on warning\)\n$/);
    expect(knobs(['sockets', '--root', r, '--fail-on', 'info', '--json']).json()).toMatchObject({ failOn: 'info' });
    expect(knobs(['sockets', '--root', r, '--fail-on', 'info', '--json']).code).toBe(2);
  });

  it('a CLOSE_WAIT leak fails a monitoring check: warning at 100, critical at 1000', () => {
    const tcp = fs.readFileSync(path.join(FIXTURE, 'proc/net/tcp'), 'latin1').split('\n');
    const cw = tcp.find((l) => / 08 /.test(l))!;
    const leak = (n: number) => root({ '/proc/net/tcp': [...tcp.slice(0, -1), ...Array(n).fill(cw), ''].join('\n'), '/proc/net/netstat': '', '/proc/sys/net/ipv4/tcp_max_tw_buckets': '262144\n' });
    const at = (n: number) => knobs(['sockets', '--root', leak(n), '--json', '--fail-on', 'critical']);
    const warning = at(100);
    expect(warning.code).toBe(0);
    expect(warning.json().advice.find((a: { id: string }) => a.id === 'sockets/close-wait')).toMatchObject({ severity: 'warning' });
    const critical = at(1000);
    expect(critical.code).toBe(2);
    expect(critical.json().advice[0]).toMatchObject({ id: 'sockets/close-wait', severity: 'critical', current: String(1000 + 5) });
  });

  it('findings on the accept list are shown but do not fail', () => {
    const ini = '[accept]\nsockets/listen-overflows = bursts at deploy time, accepted\nsockets/tw-buckets-near-limit = lab host\nsockets/tw-overflow = lab host\nnet/tcp-tw-recycle = another rule: still a valid id\n';
    const r = root({ '/etc/knobs/knobs.ini': ini });
    const res = knobs(['sockets', '--root', r, '--fail-on', 'warning', '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.json().advice.find((a: { id: string }) => a.id === 'sockets/listen-overflows')).toMatchObject({ accepted: 'bursts at deploy time, accepted' });
    const text = knobs(['sockets', '--root', r, '--fail-on', 'warning']);
    expect(text.stdout).toMatch(/\[warning\] sockets\/listen-overflows \[accepted\]\n/);
    expect(text.stdout).toMatch(/nothing at or above warning \(--fail-on warning\)\n$/);
    const typo = knobs(['sockets', '--root', root({ '/etc/knobs/knobs.ini': '[accept]\nsockets/close-wiat = typo\n' })]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/^knobs: \/etc\/knobs\/knobs.ini:2: sockets\/close-wiat: unknown rule id in \[accept\]/);
    noStack(typo.stderr);
  });

  it('evaluates exactly the rules under rules/sockets/ (imported one by one to keep the bundle small)', () => {
    expect(SOCKET_RULES.map((r) => r.id)).toEqual(rules.filter((r) => r.id.startsWith('sockets/')).map((r) => r.id));
    for (const r of rules) if (r.needs?.includes('socketCensus')) expect(r.id.startsWith('sockets/'), r.id).toBe(true);
  });
});

describe('the socket rules in audit', () => {
  it('run where the census is taken: audit lists them as not applicable, and keeps sockets/close-wait', () => {
    const r = root();
    const doc = knobs(['audit', '--root', r, '--json']).json();
    const na = Object.fromEntries(doc.notApplicable.map((n: { id: string; reason: string }) => [n.id, n.reason]));
    for (const id of SOCKET_RULES.map((x) => x.id).filter((id) => id !== 'sockets/close-wait')) {
      expect(na[id], id).toBe('judges the socket census, which `knobs sockets` takes');
    }
    expect(doc.findings.find((f: { id: string }) => f.id === 'sockets/close-wait')).toMatchObject({ severity: 'info', current: '5' });
  });

  it('a --facts snapshot cannot smuggle in a census for them (one line, exit 1)', () => {
    const r = root();
    const facts = knobs(['facts', '--root', r, '--json']).json();
    expect(facts.sockets.census).toBeUndefined();
    facts.sockets.census = { ports: 'x' };
    write(r, '/snap.json', JSON.stringify(facts));
    const res = knobs(['audit', '--root', r, '--facts', path.join(r, 'snap.json')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/sockets\.census/);
    expect(res.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    noStack(res.stderr);
  });
});

describe('knobs sockets --watch', () => {
  it('refuses an interval outside 0.1 to 86400 seconds, or not a number, with one line (exit 1)', () => {
    const r = root();
    for (const bad of ['0', 'abc', '1e-300', '99999999999', '0.05', '-1', '2s', '86400.5', ' ']) {
      const res = knobs(['sockets', '--root', r, `--watch=${bad}`]);
      expect(res.code, bad).toBe(1);
      expect(res.stdout, bad).toBe('');
      expect(res.stderr, bad).toMatch(/^knobs: --watch takes a number of seconds between 0\.1 and 86400 \(got "[^"]*"\)\n {2}hint: for example: knobs sockets --watch 2\n$/);
    }
    const empty = knobs(['sockets', '--root', r, '--watch=']);
    expect([empty.code, empty.stdout]).toEqual([1, '']);
    expect(empty.stderr).toMatch(/^knobs: --watch/);
    expect(knobs(['sockets', '--help']).stdout).toMatch(/--watch \[seconds\]\s+refresh every SECONDS \(0\.1 to 86400, default 2\)/);
  });

  it('stops when whoever reads stdout has gone (`| head -c 100`), with its own exit code', () => {
    const r = root();
    // A hang would reach the timeout: the command polled forever before.
    const res = spawnSync('bash', ['-c', `node "${BIN}" sockets --root "${r}" --watch 0.5 --json | head -c 100; echo " pipestatus=\${PIPESTATUS[0]}"`], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(res.error).toBeUndefined();
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^\{"schemaVersion":1,"time":"/);
    expect(res.stdout).toMatch(/ pipestatus=0\n$/);
    noStack(res.stderr);
  });
});
