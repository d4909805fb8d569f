import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFor } from '../../src/core/catalog.js';
import { knobs } from '../helpers/cli.js';
import { fakeRoot, write } from '../helpers/fake-root.js';

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('knobs audit', () => {
  it('a host at kernel defaults with no profile is clean: exit 0 and the contract fields', () => {
    const root = fakeRoot({ kernel: '6.12' });
    const r = knobs(['audit', '--root', root, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.schemaVersion).toBe(1);
    expect(doc.kernel).toEqual({ release: '6.12.117-amd64', version: '6.12.117' });
    expect(doc.profiles).toEqual([]);
    expect(doc.findings).toEqual([]);
  });

  it('reports an unmet profile target with current and recommended values, exit 2', () => {
    const root = fakeRoot({ kernel: '4.15', sysctl: { 'net.core.somaxconn': '128' } });
    const r = knobs(['audit', '--root', root, '--profile', 'web-node', '--json']);
    expect(r.code).toBe(2);
    const f = r.json().findings.find((x: any) => x.key === 'net.core.somaxconn');
    expect(f).toMatchObject({ id: 'profile/sysctl-target', severity: 'warning', current: '128', recommended: '4096' });
    for (const field of ['id', 'severity', 'key', 'current', 'recommended', 'message']) expect(f).toHaveProperty(field);
  });

  it('--fail-on critical ignores warnings for the exit code', () => {
    const root = fakeRoot({ kernel: '4.15', sysctl: { 'net.core.somaxconn': '128' } });
    expect(knobs(['audit', '--root', root, '--profile', 'web-node', '--fail-on', 'critical']).code).toBe(0);
  });

  it('tcp_tw_recycle on 4.4 is critical for nat-facing', () => {
    const root = fakeRoot({ kernel: '4.4', sysctl: { 'net.ipv4.tcp_tw_recycle': '1' } });
    const r = knobs(['audit', '--root', root, '--profile', 'nat-facing', '--json', '--fail-on', 'critical']);
    expect(r.code).toBe(2);
    expect(r.json().findings.find((f: any) => f.id === 'net/tcp-tw-recycle')).toMatchObject({ severity: 'critical', recommended: '0' });
  });

  it('an accepted finding is shown but does not fail', () => {
    const root = fakeRoot({
      kernel: '4.4',
      sysctl: { 'net.ipv4.tcp_tw_recycle': '1' },
      files: {
        '/etc/sysctl.d/10-lab.conf': 'net.ipv4.tcp_tw_recycle = 1\n',
        '/etc/knobs/knobs.ini': '[accept]\nnet/tcp-tw-recycle = lab host, no NAT clients\n',
      },
    });
    const r = knobs(['audit', '--root', root, '--json']);
    const f = r.json().findings.find((x: any) => x.id === 'net/tcp-tw-recycle');
    expect(f.accepted).toBe('lab host, no NAT clients');
    expect(r.json().findings.filter((x: any) => !x.accepted && x.severity !== 'info')).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('prints no colour without a TTY, and text output names each finding', () => {
    const root = fakeRoot({ kernel: '4.15', sysctl: { 'net.core.somaxconn': '128' } });
    const r = knobs(['audit', '--root', root, '--profile', 'web-node'], { env: { NO_COLOR: '' } });
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(r.stdout).toContain('WARNING');
    expect(r.stdout).toContain('current 128 → recommended 4096');
  });

  it('--facts evaluates a saved snapshot with identical results', () => {
    const root = fakeRoot({
      kernel: '5.4',
      sysctl: { 'net.ipv4.tcp_keepalive_time': '600', 'net.core.somaxconn': '1024' },
      files: { '/etc/sysctl.d/60-site.conf': 'net.ipv4.tcp_fin_timeout = 30\n' },
    });
    const snap = path.join(root, 'snapshot.json');
    const facts = knobs(['facts', '--root', root, '--json']);
    expect(facts.code).toBe(0);
    fs.writeFileSync(snap, facts.stdout);
    const live = knobs(['audit', '--root', root, '--profile', 'db-client,web-node', '--json']);
    const saved = knobs(['audit', '--root', fakeRoot(), '--profile', 'db-client,web-node', '--json', '--facts', snap]);
    expect(saved.code).toBe(live.code);
    expect(saved.json()).toEqual(live.json());
  });
});

describe('bad input: one line, exit 1, nothing written', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['unknown profile', () => ['audit', '--root', fakeRoot(), '--profile', 'web-nod'], /unknown profile "web-nod"/],
    ['bad --fail-on', () => ['audit', '--root', fakeRoot(), '--fail-on', 'loud'], /fail-on/],
    ['missing --root', () => ['audit', '--root', '/nonexistent/knobs-root'], /no such directory/],
    ['unreadable --facts', () => ['audit', '--root', fakeRoot(), '--facts', '/nonexistent.json'], /no such file/],
    [
      'user profile with an unknown key',
      () => {
        const root = fakeRoot({ files: { '/etc/knobs/profiles/mine.ini': '[main]\nsummary = mine\n[sysctl]\n; why\nnet.core.somaxcon = 4096\n' } });
        return ['audit', '--root', root, '--profile', 'mine'];
      },
      /\/etc\/knobs\/profiles\/mine\.ini:5: net\.core\.somaxcon: unknown key \(did you mean net\.core\.somaxconn\?\)/,
    ],
    [
      'user profile with a value the kernel rejects',
      () => {
        const root = fakeRoot({ files: { '/etc/knobs/profiles/mine.ini': '[main]\nsummary = mine\n[sysctl]\nnet.ipv4.ip_local_port_range = 5000 4000\n' } });
        return ['audit', '--root', root, '--profile', 'mine'];
      },
      /mine\.ini:4: net\.ipv4\.ip_local_port_range: bad value "5000 4000" on current kernels: the low end must not exceed the high end/,
    ],
    [
      'accept list naming an unknown rule',
      () => ['audit', '--root', fakeRoot({ files: { '/etc/knobs/knobs.ini': '[accept]\nnet/nope = because\n' } })],
      /knobs\.ini:2: net\/nope: unknown rule id/,
    ],
    [
      'a facts file that is not a snapshot',
      () => {
        const root = fakeRoot({ files: { '/x.json': '{"hello": 1}' } });
        return ['audit', '--root', root, '--facts', path.join(root, 'x.json')];
      },
      /not a knobs facts snapshot/,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const argv = args();
      const root = argv[argv.indexOf('--root') + 1]!;
      const before = fs.existsSync(root) ? fs.readdirSync(root, { recursive: true }).sort() : [];
      const r = knobs(argv);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      noStack(r.stderr);
      if (fs.existsSync(root)) expect(fs.readdirSync(root, { recursive: true }).sort()).toEqual(before);
    });
  }
});

describe('knobs facts', () => {
  it('records live and boot values with the winning file as a host path', () => {
    const root = fakeRoot({
      kernel: '6.1',
      systemd: true,
      files: {
        '/etc/sysctl.d/60-b.conf': 'net.core.somaxconn = 8192\n',
        '/usr/lib/sysctl.d/50-a.conf': 'net.core.somaxconn = 1024\n',
      },
    });
    const doc = knobs(['facts', '--root', root, '--json']).json();
    expect(doc.schemaVersion).toBe(1);
    expect(doc.kernel).toEqual({ release: '6.1.0-18-amd64', version: '6.1.0' });
    expect(doc.sysctl['net.core.somaxconn']).toMatchObject({
      live: defaultFor('net.core.somaxconn', '6.1.0'),
      boot: { value: '8192', file: '/etc/sysctl.d/60-b.conf' },
    });
    expect(doc.sysctl['net.ipv4.tcp_tw_recycle']).toMatchObject({ live: null, state: 'absent' });
    expect(doc.limits).toBeDefined();
    expect(doc.sockets.states.TIME_WAIT).toBe(0);
  });

  it('folds whitespace in live values', () => {
    const root = fakeRoot({ kernel: '6.1' });
    write(root, '/proc/sys/net/ipv4/tcp_rmem', '4096\t131072  6291456\n');
    expect(knobs(['facts', '--root', root, '--json']).json().sysctl['net.ipv4.tcp_rmem'].live).toBe('4096 131072 6291456');
  });
});

describe('knobs explain', () => {
  it('explains a key: meaning, default on this kernel, live and boot value with the file', () => {
    const root = fakeRoot({ kernel: '6.1', files: { '/etc/sysctl.d/70-x.conf': '# reduce TIME_WAIT\nnet.ipv4.tcp_fin_timeout = 30\n' } });
    const r = knobs(['explain', 'net.ipv4.tcp_fin_timeout', '--root', root]);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('It does not change TIME_WAIT, which is fixed at 60 s');
    expect(r.stdout).toContain(`Default on 6.1.0-18-amd64: ${defaultFor('net.ipv4.tcp_fin_timeout', '6.1.0')}`);
    expect(r.stdout).toContain('Boot: 30 — set by /etc/sysctl.d/70-x.conf:2');
    const doc = knobs(['explain', 'net.ipv4.tcp_fin_timeout', '--root', root, '--json']).json();
    expect(doc).toMatchObject({ schemaVersion: 1, kind: 'key', key: 'net.ipv4.tcp_fin_timeout', value: { boot: { file: '/etc/sysctl.d/70-x.conf' } } });
  });

  it('explains a rule id with its metadata', () => {
    const doc = knobs(['explain', 'net/tcp-tw-recycle', '--root', fakeRoot(), '--json']).json();
    expect(doc.rule).toMatchObject({ id: 'net/tcp-tw-recycle', kernel: '<4.12.0' });
    expect(doc.rule.history.join(' ')).toContain('4396e46187ca');
  });

  it('an unknown subject exits 1 with a suggestion', () => {
    const r = knobs(['explain', 'net.core.somaxcon', '--root', fakeRoot()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('did you mean net.core.somaxconn?');
    noStack(r.stderr);
  });
});

describe('knobs profiles and --help', () => {
  it('lists shipped profiles, and a user profile overrides a shipped one by name', () => {
    const root = fakeRoot({ files: { '/etc/knobs/profiles/web-node.ini': '[main]\nsummary = our web tier\n[sysctl]\n; our LB sends bursts\nnet.core.somaxconn = >16384\n' } });
    const doc = knobs(['profiles', '--root', root, '--json']).json();
    const names = doc.profiles.map((p: any) => p.name).sort();
    expect(names).toEqual(['db-client', 'load-balancer', 'nat-facing', 'web-node']);
    expect(doc.profiles.find((p: any) => p.name === 'web-node')).toMatchObject({ origin: 'user', summary: 'our web tier' });
  });

  it('--help lists every command with an example', () => {
    const r = knobs(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['audit', 'explain', 'profiles', 'facts']) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`knobs ${c}\\b.*# ${c}`));
    }
  });
});
