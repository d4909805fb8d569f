import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { collectLimits, renderText, runLimits, type LimitsReport } from '../src/cli/commands/limits.js';
import { HostFs } from '../src/host/host-fs.js';
import { readPamLimits, readSelfLimits } from '../src/host/limits.js';
import { UserError } from '../src/errors.js';
import type { Io } from '../src/cli/io.js';

import { CORPUS } from './helpers/corpus.js';
import { tempDir } from './helpers/temp.js';
const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

const LIMITS_HEAD = 'Limit                     Soft Limit           Hard Limit           Units     \n';
const limitsFile = (nofile: [number, number | 'unlimited'], nproc = 63704) =>
  LIMITS_HEAD +
  `Max processes             ${String(nproc).padEnd(21)}${String(nproc).padEnd(21)}processes \n` +
  `Max open files            ${String(nofile[0]).padEnd(21)}${String(nofile[1]).padEnd(21)}files     \n`;

function tree(files: Record<string, string>, links: Record<string, string> = {}): string {
  const root = tempDir('knobs-limits-view-');
  roots.push(root);
  for (const [p, t] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), t);
  }
  for (const [p, target] of Object.entries(links)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.symlinkSync(target, path.join(root, p));
  }
  return root;
}

const BASE_FILES: Record<string, string> = {
  'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n',
  'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001::/home/alice:/bin/bash\nhdfs:x:1002:1002::/:/bin/false\n',
  'etc/group': 'root:x:0:\nalice:x:1001:\nhdfs:x:1002:\ndev:x:2000:alice,bob\naudio:x:29:hdfs\n',
  'proc/sys/fs/nr_open': '1048576\n',
  'proc/1/limits': limitsFile([1048576, 1048576], 95000),
  'proc/self/limits': limitsFile([1024, 524288]),
  'run/systemd/system/.keep': '',
};

function report(root: string, opts: Parameters<typeof collectLimits>[1] = {}): LimitsReport {
  return collectLimits(new HostFs(root), opts);
}

describe('logins', () => {
  const root = tree({
    ...BASE_FILES,
    'etc/security/limits.conf': fs.readFileSync(`${CORPUS}/limits/debian-libpam-modules__limits.conf`, 'utf8') + '*  soft nofile 4096\n*  hard nofile 65536\nalice hard nofile 20000\n',
    'etc/security/limits.d/90-web.conf': '@dev soft nofile 8192\nbroken line\n',
    'etc/security/limits.d/hdfs.conf': fs.readFileSync(`${CORPUS}/limits/apache-bigtop__hadoop-hdfs.conf`, 'utf8'),
    'etc/security/limits.d/README': '* hard nofile 1\n',
  });

  it('foundation readers', () => {
    const lines = readPamLimits(new HostFs(root));
    expect(lines.map((l) => `${l.file}:${l.line}`)).toEqual([
      '/etc/security/limits.conf:68',
      '/etc/security/limits.conf:69',
      '/etc/security/limits.conf:70',
      '/etc/security/limits.d/90-web.conf:1',
      '/etc/security/limits.d/hdfs.conf:16',
      '/etc/security/limits.d/hdfs.conf:17',
    ]);
    expect(readSelfLimits(new HostFs(root)).nofile).toEqual({ soft: 1024, hard: 524288 });
  });

  it('--user alice: @dev soft from limits.d, user hard from limits.conf', () => {
    const r = report(root, { user: 'alice' });
    expect(r.logins).toMatchObject({ user: 'alice', uid: 1001, gid: 1001, groups: ['alice', 'dev'] });
    expect(r.logins.nofile).toEqual({
      soft: { value: 8192, source: '/etc/security/limits.d/90-web.conf:1' },
      hard: { value: 20000, source: '/etc/security/limits.conf:70' },
    });
    expect(r.logins.nproc.hard).toEqual({ value: 95000, source: expect.stringMatching(/^inherited from \/proc\/1\/limits \(Debian pam_limits starts from PID 1/) });
    expect(r.logins.pam).toMatchObject({ debianPatches: true, epermFatal: false });
    expect(r.logins.session).toEqual({ opens: true, failures: [] });
    expect(r.warnings).toContainEqual({ id: 'limits.conf-invalid-line', file: '/etc/security/limits.d/90-web.conf', line: 2, message: expect.stringMatching(/got 2 fields/) });
    expect(r.logins.lines.find((l) => l.line === 68)).toMatchObject({ verdict: 'overridden' });
  });

  it('no --user: only * lines', () => {
    const r = report(root);
    expect(r.logins.user).toBeNull();
    expect([r.logins.nofile.soft.value, r.logins.nofile.hard.value]).toEqual([4096, 65536]);
  });

  it('hdfs gets its own - lines', () => {
    const r = report(root, { user: 'hdfs' });
    expect(r.logins.nofile.hard).toEqual({ value: 32768, source: '/etc/security/limits.d/hdfs.conf:16' });
    expect(r.logins.nproc.soft).toEqual({ value: 65536, source: '/etc/security/limits.d/hdfs.conf:17' });
  });

  it('unknown user is an input error', () => {
    expect(() => report(root, { user: 'nosuch' })).toThrow(UserError);
    expect(() => report(root, { user: 'nosuch' })).toThrow('/etc/passwd: nosuch: no such user');
  });
});

describe('what this host\'s pam_limits does (detected under --root)', () => {
  const DEBIAN_STATUS = 'Package: libpam-modules\nStatus: install ok installed\nVersion: 1.5.2-6+deb12u1\n';
  const base = (extra: Record<string, string>) => ({ ...BASE_FILES, 'etc/pam.d/su': 'session required pam_limits.so\n', ...extra });

  it('Debian 12: a hard nofile above fs.nr_open opens the session with the limit NOT applied', () => {
    const root = tree(base({ 'var/lib/dpkg/status': DEBIAN_STATUS, 'etc/security/limits.conf': '* hard nofile 2000000\n', 'proc/9/comm': 'sshd\n', 'proc/9/limits': limitsFile([1024, 524288]) }));
    const r = report(root, { user: 'alice' });
    expect(r.logins.pam).toMatchObject({ debianPatches: true, epermFatal: false });
    expect(r.logins.pam.summary).toMatch(/Debian\/Ubuntu build 1\.5\.2-6\+deb12u1/);
    expect(r.logins.session.opens).toBe(true);
    expect(r.logins.requestedNofile?.hard).toMatchObject({ value: 2000000, source: '/etc/security/limits.conf:1' });
    expect(r.logins.nofile.hard).toEqual({ value: 524288, source: expect.stringMatching(/not applied: setrlimit fails with EPERM and this pam_limits skips it; the session keeps the login service's own limits \(sshd, pid 9\)/) });
    expect(r.warnings.map((w) => w.id)).toContain('limits.nofile-not-applied');
  });

  it('RHEL 9: the same line refuses the session', () => {
    const root = tree(base({ 'etc/os-release': 'ID="rhel"\nVERSION_ID="9.3"\n', 'etc/security/limits.conf': '* hard nofile 2000000\n' }));
    const r = report(root, { user: 'alice' });
    expect(r.logins.pam).toMatchObject({ debianPatches: false, epermFatal: true, unlimitedNofileIsNrOpen: true });
    expect(r.logins.session).toMatchObject({ opens: false, failures: [{ id: 'nofile-eperm', file: '/etc/security/limits.conf', line: 1 }] });
    const text = renderText(r, { bold: (x) => x, dim: (x) => x, yellow: (x) => x, cyan: (x) => x });
    expect(text).toMatch(/! the session FAILS: hard nofile 2000000 \(\/etc\/security\/limits\.conf:1\) is above fs\.nr_open/);
  });

  it('unknown build: the outcome is unknown, and both are said', () => {
    const root = tree({ ...BASE_FILES, 'etc/os-release': '', 'etc/security/limits.conf': '* hard nofile 2000000\n' });
    const r = report(root, { user: 'alice' });
    expect(r.logins.pam.debianPatches).toBeNull();
    expect(r.logins.session.opens).toBeNull();
  });

  it('lock-outs: a missing limits.conf, maxlogins 0, soft nofile 0', () => {
    expect(report(tree(base({ 'var/lib/dpkg/status': DEBIAN_STATUS })), { user: 'alice' }).logins.session.failures[0]).toMatchObject({ id: 'config-unreadable', file: '/etc/security/limits.conf' });
    const r = report(tree(base({ 'var/lib/dpkg/status': DEBIAN_STATUS, 'etc/security/limits.conf': '@dev - maxlogins 0\n* soft nofile 0\n' })), { user: 'alice' });
    expect(r.logins.session.failures.map((f) => f.id)).toEqual(['nofile-too-low', 'maxlogins-zero']);
  });
});

describe('services', () => {
  const root = tree(
    {
      ...BASE_FILES,
      'etc/security/limits.conf': '* - nofile 65536\n',
      'etc/systemd/system.conf': fs.readFileSync(`${CORPUS}/systemd/debian-systemd__system.conf`, 'utf8'),
      'usr/lib/systemd/system.conf.d/10-limits.conf': fs.readFileSync(`${CORPUS}/systemd/cachyos-settings__system.conf.d__10-limits.conf`, 'utf8'),
      'etc/systemd/system.conf.d/10-limits.conf': '[Manager]\nDefaultLimitNOFILE=4096:8192\n',
      // nginx: vendor unit, vendor drop-ins, an admin drop-in hiding a vendor one of the same name.
      'usr/lib/systemd/system/nginx.service': '[Service]\nLimitNOFILE=1024\n',
      'usr/lib/systemd/system/nginx.service.d/override.conf': '[Service]\nLimitNOFILE=1\n',
      'usr/lib/systemd/system/nginx.service.d/50-z.conf': '[Service]\nLimitNOFILE=30000\n',
      'etc/systemd/system/nginx.service.d/override.conf': '[Service]\nLimitNOFILE=65536\n',
      // The first unit file found wins.
      'etc/systemd/system/web.service': '[Service]\nLimitNOFILE=7000\n',
      'lib/systemd/system/web.service': '[Service]\nLimitNOFILE=9000\n',
      // Template + instance drop-ins.
      'lib/systemd/system/dirsrv@.service': '[Service]\nLimitNOFILE=8192\n',
      'lib/systemd/system/dirsrv@.service.d/custom.conf': fs.readFileSync(`${CORPUS}/systemd/debian-389-ds-base__dirsrv@.service.d__custom.conf`, 'utf8'),
      'etc/systemd/system/dirsrv@main.service.d/limits.conf': '[Service]\nLimitNOFILE=16384\n',
      // Empty assignment resets to the manager default.
      'lib/systemd/system/redis.service': '[Service]\nLimitNOFILE=10000\n',
      'etc/systemd/system/redis.service.d/reset.conf': '[Service]\nLimitNOFILE=\n',
      'lib/systemd/system/docker.service': fs.readFileSync(`${CORPUS}/systemd/debian-docker.io__docker.service`, 'utf8'),
      'lib/systemd/system/inf.service': '[Service]\nLimitNOFILE=infinity\n',
      'lib/systemd/system/sshd.service': '[Service]\nExecStart=/usr/sbin/sshd -D\n',
      'lib/systemd/system/cron.service': '[Service]\nPAMName=cron\n',
    },
    { 'etc/systemd/system/masked.service': '/dev/null' },
  );
  const svc = (r: LimitsReport, u: string) => r.services.find((s) => s.unit === u)!;
  const r = report(root, { service: ['nginx', 'web', 'dirsrv@main', 'dirsrv@other', 'redis', 'docker.service', 'inf', 'sshd', 'cron', 'masked', 'ghost'] });

  it('DefaultLimitNOFILE: a drop-in in /etc hides the same name in /usr/lib', () => {
    expect(r.defaults.nofile).toEqual({ soft: 4096, hard: 8192, source: '/etc/systemd/system.conf.d/10-limits.conf:2' });
    expect(r.defaults.systemdIsInit).toBe(true);
  });
  it('nginx: drop-ins by name, /etc hides /usr/lib, last applied wins', () => {
    expect(svc(r, 'nginx.service')).toMatchObject({
      unitFile: '/usr/lib/systemd/system/nginx.service',
      dropins: ['/usr/lib/systemd/system/nginx.service.d/50-z.conf', '/etc/systemd/system/nginx.service.d/override.conf'],
      nofile: { soft: 65536, hard: 65536, source: '/etc/systemd/system/nginx.service.d/override.conf:2', raw: '65536' },
      readsLimitsConf: false,
    });
  });
  it('unit file in /etc beats /lib', () => {
    expect(svc(r, 'web.service').nofile).toMatchObject({ soft: 7000, source: '/etc/systemd/system/web.service:2' });
  });
  it('template: instance drop-in over template unit; other instances use the template', () => {
    expect(svc(r, 'dirsrv@main.service')).toMatchObject({
      unitFile: '/lib/systemd/system/dirsrv@.service',
      dropins: ['/lib/systemd/system/dirsrv@.service.d/custom.conf', '/etc/systemd/system/dirsrv@main.service.d/limits.conf'],
      nofile: { soft: 16384, hard: 16384, source: '/etc/systemd/system/dirsrv@main.service.d/limits.conf:2' },
    });
    expect(svc(r, 'dirsrv@other.service').nofile).toMatchObject({ soft: 8192, source: '/lib/systemd/system/dirsrv@.service:2' });
  });
  it('an empty LimitNOFILE= is a parse error that keeps the earlier value (not a reset)', () => {
    expect(svc(r, 'redis.service').nofile).toEqual({ soft: 10000, hard: 10000, raw: '10000', source: expect.stringMatching(/redis\.service:\d+$/) });
    expect(r.warnings).toContainEqual(expect.objectContaining({ id: 'systemd.invalid-value', file: '/etc/systemd/system/redis.service.d/reset.conf', line: 2 }));
  });
  it('docker 1048576, infinity = nr_open, no setting = default; PAMName reads limits.conf', () => {
    expect(svc(r, 'docker.service').nofile).toMatchObject({ soft: 1048576, hard: 1048576, source: '/lib/systemd/system/docker.service:16' });
    expect(svc(r, 'inf.service').nofile).toMatchObject({ soft: 1048576, hard: 1048576, raw: 'infinity' });
    expect(svc(r, 'sshd.service').nofile).toMatchObject({ soft: 4096, hard: 8192 });
    expect(svc(r, 'cron.service').readsLimitsConf).toBe(true);
  });
  it('masked and missing units', () => {
    expect(svc(r, 'masked.service')).toMatchObject({ masked: true, unitFile: '/etc/systemd/system/masked.service' });
    expect(svc(r, 'ghost.service').unitFile).toBeNull();
    expect(r.warnings.map((w) => w.id)).toContain('systemd.unit-not-found');
  });
  it('says plainly that services do not read limits.conf', () => {
    expect(r.notes[0]).toBe('services started by systemd do not read limits.conf; LimitNOFILE= in a drop-in sets it');
    expect(r.notes.some((n) => n.startsWith('sshd.service gets nofile 4096:8192') && n.includes('/etc/security/limits.conf:1'))).toBe(true);
  });
  it('without any config: systemd built-in 1024:524288', () => {
    const bare = report(tree(BASE_FILES), { service: ['x'] });
    expect(bare.defaults.nofile).toEqual({ soft: 1024, hard: 524288, source: 'default' });
    expect(bare.services[0]!.nofile).toMatchObject({ soft: 1024, hard: 524288, source: 'DefaultLimitNOFILE (default)' });
  });
});

describe('processes', () => {
  const files: Record<string, string> = {
    ...BASE_FILES,
    'lib/systemd/system/nginx.service': '[Service]\nLimitNOFILE=65536\n',
    'proc/net/tcp':
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
      '   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 100 0 0 10 0\n' +
      '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 6666 1 0000000000000000 100 0 0 10 0\n',
    'proc/100/comm': 'nginx\n',
    'proc/100/limits': limitsFile([1024, 4096]),
    'proc/100/cgroup': '0::/system.slice/nginx.service\n',
    'proc/200/comm': 'worker\n',
    'proc/200/limits': limitsFile([1024, 524288]),
    'proc/300/comm': 'idle\n',
    'proc/300/limits': limitsFile([1024, 524288]),
  };
  const links: Record<string, string> = { 'proc/100/fd/0': 'socket:[5555]', 'proc/300/fd/0': 'socket:[6666]' };
  for (let i = 1; i < 900; i++) links[`proc/100/fd/${i}`] = `/var/log/x${i}`;
  for (let i = 0; i < 10; i++) links[`proc/200/fd/${i}`] = '/dev/null';
  const root = tree(files, links);

  it('listening owners and --pid, with open fds and share; unit from cgroup', () => {
    const r = report(root, { pid: [200] });
    expect(r.processes).toEqual([
      { pid: 100, comm: 'nginx', unit: 'nginx.service', why: ['listens on 80'], nofile: { soft: 1024, hard: 4096 }, open: 900, share: 0.879 },
      { pid: 200, comm: 'worker', unit: null, why: ['--pid'], nofile: { soft: 1024, hard: 524288 }, open: 10, share: 0.01 },
    ]);
    // nginx's unit is shown even without --service, and the stale running limit is flagged.
    expect(r.services.map((s) => s.unit)).toEqual(['nginx.service']);
    const ids = r.warnings.map((w) => w.id);
    expect(ids).toContain('limits.process-near-nofile');
    expect(ids).toContain('limits.process-not-restarted');
  });

  it('--service matches comm', () => {
    const r = report(root, { service: ['idle'] });
    expect(r.processes.find((p) => p.pid === 300)?.why).toEqual(['comm idle']);
  });

  it('unknown --pid is an error', () => {
    expect(() => report(root, { pid: [999] })).toThrow('--pid 999: no such process');
  });

  it('runLimits --json prints one document with schemaVersion; text mentions the systemd rule', async () => {
    let out = '';
    const io: Io = { out: (t) => void (out += t), err: () => {}, isTTY: false, stdinTTY: false, color: false, env: {} };
    expect(await runLimits({ root, json: true, service: ['nginx'] }, io)).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.schemaVersion).toBe(1);
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'logins', 'defaults', 'services', 'processes', 'nrOpen', 'warnings', 'notes']);
    out = '';
    expect(await runLimits({ root, json: false, service: ['nginx'] }, io)).toBe(0);
    expect(out).toContain('services started by systemd do not read limits.conf');
    expect(out).toMatch(/nginx\.service\s+65536:65536/);
    expect(await runLimits({ root, json: false, pid: [-1] }, io)).toBe(1);
  });
});
