// `knobs report` through the built CLI: snapshot files and directories, text wrapped
// at the terminal width, JSON, the HTML file, bad input; and `--facts -` (stdin)
// wherever --facts is accepted.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WARN_AT } from '../../rules/sockets/close-wait.js';
import { knobs } from '../helpers/cli.js';
import { fakeRoot } from '../helpers/fake-root.js';
import { generateFleet, writeFleet } from '../helpers/fleet.js';
import { tempDir } from '../helpers/temp.js';

const fleet = generateFleet(50);
let dir: string;

beforeAll(() => {
  dir = tempDir('knobs-report-');
  writeFleet(path.join(dir, 'hosts'), fleet);
});

describe('knobs report', () => {
  it('--json: one document whose counts match the snapshots', () => {
    const r = knobs(['report', path.join(dir, 'hosts'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json();
    expect(doc.schemaVersion).toBe(1);
    expect(doc.hostCount).toBe(50);
    expect(doc.now.closeWait.map((c: { host: string }) => c.host).sort()).toEqual(fleet.filter((h) => h.planted.closeWait >= WARN_AT).map((h) => h.name).sort());
    expect(doc.hosts.every((h: { profileSource: string }) => h.profileSource === 'snapshot')).toBe(true);
    expect(doc.notes).toEqual([]);
  });

  it('worker threads (large fleets) give the same document as one thread, and the same one-line errors', () => {
    const one = knobs(['report', path.join(dir, 'hosts'), '--json'], { env: { KNOBS_REPORT_WORKERS: '0' } });
    const three = knobs(['report', path.join(dir, 'hosts'), '--json'], { env: { KNOBS_REPORT_WORKERS: '3' } });
    expect(three.code, three.stderr).toBe(0);
    expect(three.stdout).toBe(one.stdout);
    const bad = tempDir('knobs-report-workers-bad-');
    for (const h of fleet.slice(0, 6)) fs.copyFileSync(path.join(dir, 'hosts', `${h.name}.json`), path.join(bad, `${h.name}.json`));
    fs.writeFileSync(path.join(bad, 'zz.json'), '{"schemaVersion":1,"kernel":7}');
    const r = knobs(['report', bad], { env: { KNOBS_REPORT_WORKERS: '2' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^knobs: .*zz\.json: \$\.kernel: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('text: every section, host lists folded, wrapped at the terminal width and never inside a word', () => {
    const r = knobs(['report', path.join(dir, 'hosts')], { env: { COLUMNS: '64' } });
    expect(r.code, r.stderr).toBe(0);
    for (const h of ['NOW', 'RULES', 'PROFILES', 'KEYS']) expect(r.stdout).toMatch(new RegExp(`^${h}`, 'm'));
    expect(r.stdout).toMatch(/knobs report — 50 hosts/);
    expect(r.stdout).toMatch(/web\[\d\d-\d\d/);
    for (const line of r.stdout.split('\n')) {
      if (line.length <= 64) continue;
      // Only a single word longer than the width may stick out, alone on its line.
      expect(line.trim().split(/\s+/), line).toHaveLength(1);
    }
    // Wrapping only moves line breaks: the words are those of a very wide terminal, none cut.
    const wide = knobs(['report', path.join(dir, 'hosts')], { env: { COLUMNS: '1000' } });
    expect(r.stdout.split(/\s+/)).toEqual(wide.stdout.split(/\s+/));
    expect(wide.stdout.split('\n').some((l) => l.length > 64)).toBe(true);
  });

  it('reads a real `knobs facts --json --profile` snapshot next to generated ones, and --profile overrides every host', () => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
    const snap = knobs(['--root', root, 'facts', '--json', '--profile', 'web-node']);
    expect(snap.code, snap.stderr).toBe(0);
    expect(snap.json().profiles).toEqual(['web-node']);
    const mixed = tempDir('knobs-report-mixed-');
    fs.writeFileSync(path.join(mixed, 'real1.json'), snap.stdout);
    fs.copyFileSync(path.join(dir, 'hosts', 'web01.json'), path.join(mixed, 'web01.json'));
    const r = knobs(['report', mixed, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const real = r.json().hosts.find((h: { name: string }) => h.name === 'real1');
    expect(real.profiles).toEqual(['web-node']);
    expect(real.cells['profile/sysctl-target']).toBe('warning');
    const forced = knobs(['report', mixed, '--json', '--profile', 'db-client']).json();
    expect(forced.hosts.map((h: { profiles: string[]; profileSource: string }) => [h.profiles, h.profileSource])).toEqual([
      [['db-client'], 'option'],
      [['db-client'], 'option'],
    ]);
  });

  it('--html writes one self-contained page: no external reference, a CSP, every value escaped', () => {
    const hostile = tempDir('knobs-report-hostile-');
    const f = fleet[0]!;
    const facts = structuredClone(f.facts);
    facts.sysctl['net.core.somaxconn']!.live = '<script>alert(1)</script>';
    fs.writeFileSync(path.join(hostile, `x"><img src=x onerror=alert(1)>.json`), JSON.stringify({ schemaVersion: 1, profiles: ['web-node'], ...facts }));
    fs.writeFileSync(path.join(hostile, 'ok.json'), JSON.stringify({ schemaVersion: 1, ...fleet[1]!.facts }));
    const out = path.join(hostile, 'fleet.html');
    const r = knobs(['report', hostile, '--html', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/HTML report written to/);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    // Every real `<` opens a tag of the page and every real `"` delimits an attribute
    // (text is escaped): with attribute values blanked, no tag loads anything.
    expect(html.replace(/"[^"]*"/g, '""')).not.toMatch(/<[a-z]+\b[^>]*\s(src|href|srcset|action)\s*=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('--fail-on: exit 2 when a host has a finding at or above it; 0 without it', () => {
    expect(knobs(['report', path.join(dir, 'hosts'), '--json', '--fail-on', 'critical']).code).toBe(2);
    const clean = tempDir('knobs-report-clean-');
    fs.writeFileSync(path.join(clean, 'a.json'), JSON.stringify({ schemaVersion: 1, ...generateFleet(1, 3)[0]!.facts }));
    expect(knobs(['report', clean, '--fail-on', 'critical']).code).toBe(0);
  });

  it('two snapshots with the same file name (fetch without flat) are named by their paths', () => {
    const d = tempDir('knobs-report-dup-');
    for (const h of ['web1', 'web2']) {
      fs.mkdirSync(path.join(d, h, 'tmp'), { recursive: true });
      fs.copyFileSync(path.join(dir, 'hosts', 'web01.json'), path.join(d, h, 'tmp', 'knobs.json'));
    }
    const r = knobs(['report', d, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().hosts.map((h: { name: string }) => h.name)).toEqual(['web1/tmp/knobs', 'web2/tmp/knobs']);
  });

  it.each([
    ['a file that is not JSON', (d: string) => fs.writeFileSync(path.join(d, 'bad.json'), '{ nope'), /bad\.json: not valid JSON/],
    ['JSON that is not a snapshot', (d: string) => fs.writeFileSync(path.join(d, 'bad.json'), '{"schemaVersion":1}'), /bad\.json: \$\.kernel: missing/],
    ['profiles that are not a list', (d: string) => fs.writeFileSync(path.join(d, 'bad.json'), JSON.stringify({ schemaVersion: 1, profiles: 'web-node', ...fleet[0]!.facts })), /bad\.json: profiles: expected a list/],
    ['a directory without snapshots', (d: string) => fs.mkdirSync(path.join(d, 'empty')), /no \*\.json snapshots/],
  ])('%s: exit 1, one line naming the file, no HTML written', (_what, plant, message) => {
    const d = tempDir('knobs-report-bad-');
    plant(d);
    const target = fs.existsSync(path.join(d, 'empty')) ? path.join(d, 'empty') : d;
    const html = path.join(d, 'out.html');
    const r = knobs(['report', target, '--html', html]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(html)).toBe(false);
  });

  it('an unknown profile: --profile is an error, a snapshot naming one gets a note and is judged without it', () => {
    expect(knobs(['report', path.join(dir, 'hosts'), '--profile', 'web-nod']).stderr).toMatch(/unknown profile "web-nod"/);
    const d = tempDir('knobs-report-unknown-');
    fs.writeFileSync(path.join(d, 'h1.json'), JSON.stringify({ schemaVersion: 1, profiles: ['web-node', 'site-only'], ...fleet[0]!.facts }));
    const r = knobs(['report', d, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().notes).toEqual([expect.stringMatching(/^h1: profile site-only is not known here/)]);
    expect(r.json().hosts[0].profiles).toEqual(['web-node']);
  });

  it('knobs facts --profile: an unknown name fails before anything is read', () => {
    const r = knobs(['--root', fakeRoot(), 'facts', '--json', '--profile', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown profile "nope"/);
  });
});

describe('--facts - reads the snapshot from stdin', () => {
  const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128', 'net.ipv4.tcp_fin_timeout': '30' } });
  const snapshot = () => knobs(['--root', root, 'facts', '--json']).stdout;

  it.each([
    ['audit', ['audit', '--profile', 'web-node', '--json']],
    ['plan', ['plan', '--profile', 'web-node', '--json']],
    ['recommend', ['recommend', '--json']],
  ])('%s --facts - gives what --facts FILE gives', (_name, args) => {
    const text = snapshot();
    const file = path.join(tempDir('knobs-facts-stdin-'), 'h.json');
    fs.writeFileSync(file, text);
    const fromFile = knobs(['--root', root, ...args, '--facts', file]);
    const fromStdin = knobs(['--root', root, ...args, '--facts', '-'], { input: text });
    expect(fromStdin.code, fromStdin.stderr).toBe(fromFile.code);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    expect([0, 2]).toContain(fromFile.code);
  });

  it('bad input on stdin: one line that says stdin, exit 1', () => {
    const r = knobs(['audit', '--facts', '-'], { input: 'not json' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^knobs: stdin: not valid JSON/);
  });
});
