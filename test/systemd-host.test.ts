// How knobs finds unit files, drop-ins and manager configuration under --root, as systemd
// v252 does (src/basic/path-lookup.c, src/shared/dropin.c, src/basic/conf-files.c). The
// same rules are checked against the real systemd in test/oracle/systemd-limitnofile.test.ts.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { HostFs } from '../src/host/host-fs.js';
import { collectSystemdFacts, hiddenOrBackup, listConfFiles, readManagerLayers, readUnitLayers } from '../src/host/limits.js';
import { resolveSetting } from '../src/core/systemd-unit.js';
import { fakeRoot } from './helpers/fake-root.js';

const svc = (v: string) => `[Service]\nExecStart=/bin/true\nLimitNOFILE=${v}\n`;
const dropin = (v: string) => `[Service]\nLimitNOFILE=${v}\n`;
const nofile = (root: string, unit: string) => {
  const u = readUnitLayers(new HostFs(root), unit);
  return { u, w: resolveSetting(u.layers, 'Service', 'LimitNOFILE').winner };
};

describe('unit files', () => {
  it('units and drop-ins under /usr/local/lib/systemd/system are found', () => {
    const root = fakeRoot({ files: { '/usr/local/lib/systemd/system/app.service': svc('7000'), '/usr/local/lib/systemd/system/app.service.d/x.conf': dropin('7100') } });
    const { u, w } = nofile(root, 'app');
    expect(u.unitFile).toBe('/usr/local/lib/systemd/system/app.service');
    expect(w).toMatchObject({ raw: '7100', file: '/usr/local/lib/systemd/system/app.service.d/x.conf' });
  });
  it('the first directory of the search path holds the unit: /etc beats /run beats /usr/local/lib beats /lib beats /usr/lib', () => {
    const root = fakeRoot({ files: { '/usr/lib/systemd/system/a.service': svc('1'), '/usr/local/lib/systemd/system/a.service': svc('2'), '/run/systemd/system/a.service': svc('3') } });
    expect(nofile(root, 'a.service').w?.raw).toBe('3');
  });
  it('an instance falls back to its template; an instance file wins', () => {
    const root = fakeRoot({ files: { '/usr/lib/systemd/system/t@.service': svc('10'), '/etc/systemd/system/t@b.service': svc('20') } });
    expect(nofile(root, 't@a.service').u.unitFile).toBe('/usr/lib/systemd/system/t@.service');
    expect(nofile(root, 't@b.service').w?.raw).toBe('20');
  });
  it('masked by /dev/null or an empty file; a fatal header fails the load', () => {
    const root = fakeRoot({ files: { '/etc/systemd/system/e.service': '', '/etc/systemd/system/bad.service': '[Service]\nLimitNOFILE=5\n[Service\n' }, links: { '/etc/systemd/system/m.service': '/dev/null' } });
    expect(nofile(root, 'm.service').u.masked).toBe(true);
    expect(nofile(root, 'e.service').u.masked).toBe(true);
    const bad = nofile(root, 'bad.service').u;
    expect(bad.loadError).toMatch(/fatal/);
    expect(bad.problems[0]).toMatchObject({ file: '/etc/systemd/system/bad.service', line: 3 });
  });
});

describe('drop-ins', () => {
  it('the same name in a higher directory hides the lower one; survivors apply in name order', () => {
    const root = fakeRoot({
      files: {
        '/usr/lib/systemd/system/foo.service': svc('1'),
        '/usr/lib/systemd/system/foo.service.d/50-x.conf': dropin('100'),
        '/run/systemd/system/foo.service.d/50-x.conf': dropin('200'),
        '/usr/local/lib/systemd/system/foo.service.d/60-y.conf': dropin('300'),
        '/etc/systemd/system/foo.service.d/40-z.conf': dropin('400'),
      },
    });
    const { u, w } = nofile(root, 'foo.service');
    expect(u.dropins).toEqual(['/etc/systemd/system/foo.service.d/40-z.conf', '/run/systemd/system/foo.service.d/50-x.conf', '/usr/local/lib/systemd/system/foo.service.d/60-y.conf']);
    expect(w?.raw).toBe('300');
  });
  it('a prefix or type directory in /etc hides a same-named drop-in of the unit itself in /usr/lib', () => {
    const root = fakeRoot({ files: { '/usr/lib/systemd/system/foo-bar.service': svc('1'), '/usr/lib/systemd/system/foo-bar.service.d/x.conf': dropin('100'), '/etc/systemd/system/foo-.service.d/x.conf': dropin('200') } });
    expect(nofile(root, 'foo-bar.service').u.dropins).toEqual(['/etc/systemd/system/foo-.service.d/x.conf']);
  });
  it('/dev/null and empty files mask a name; hidden and backup names are not read', () => {
    expect(['.h.conf', 'x.conf~', 'a.conf.dpkg-old', 'b.conf.rpmnew', 'c.bak', 'lost+found'].every(hiddenOrBackup)).toBe(true);
    expect(hiddenOrBackup('10-ok.conf')).toBe(false);
    const root = fakeRoot({
      files: {
        '/usr/lib/systemd/system/foo.service': svc('1'),
        '/usr/lib/systemd/system/foo.service.d/a.conf': dropin('100'),
        '/usr/lib/systemd/system/foo.service.d/b.conf': dropin('200'),
        '/run/systemd/system/foo.service.d/a.conf': '',
        '/etc/systemd/system/foo.service.d/.h.conf': dropin('300'),
        '/etc/systemd/system/foo.service.d/c.conf~': dropin('301'),
        '/etc/systemd/system/foo.service.d/d.CONF': dropin('302'),
      },
      links: { '/etc/systemd/system/foo.service.d/b.conf': '/dev/null' },
    });
    const { u, w } = nofile(root, 'foo.service');
    expect(u.dropins).toEqual(['/run/systemd/system/foo.service.d/a.conf', '/etc/systemd/system/foo.service.d/b.conf']);
    expect(w?.raw).toBe('1');
  });
  it('template and prefix directories of an instance, the type directory last', () => {
    const root = fakeRoot({
      files: {
        '/usr/lib/systemd/system/a-b@.service': svc('1'),
        '/etc/systemd/system/a-b@.service.d/0.conf': dropin('10'),
        '/etc/systemd/system/a-.service.d/1.conf': dropin('11'),
        '/etc/systemd/system/a-@x.service.d/2.conf': dropin('12'),
        '/run/systemd/system/service.d/3.conf': dropin('13'),
      },
    });
    expect(nofile(root, 'a-b@x.service').u.dropins.map((p) => path.basename(path.dirname(p)) + '/' + path.basename(p))).toEqual(['a-b@.service.d/0.conf', 'a-.service.d/1.conf', 'a-@x.service.d/2.conf', 'service.d/3.conf']);
  });
  it('a directory linked to another one counts once (systemd resolves and deduplicates)', () => {
    const root = fakeRoot({ files: { '/usr/lib/systemd/system/foo.service': svc('1'), '/usr/lib/systemd/system/foo.service.d/a.conf': dropin('5') }, links: { '/lib': 'usr/lib' } });
    expect(listConfFiles(new HostFs(root), ['/lib/systemd/system/foo.service.d', '/usr/lib/systemd/system/foo.service.d'])).toEqual(['/usr/lib/systemd/system/foo.service.d/a.conf']);
    expect(nofile(root, 'foo.service').u.unitFile).toBe('/lib/systemd/system/foo.service');
  });
});

describe('manager configuration (system.conf + system.conf.d)', () => {
  it('an empty DefaultLimitNOFILE= keeps the earlier value; a fatal error stops the later drop-ins', () => {
    const root = fakeRoot({
      files: {
        '/etc/systemd/system.conf': '[Manager]\nDefaultLimitNOFILE=4096:8192\n',
        '/etc/systemd/system.conf.d/10-a.conf': '[Manager]\nDefaultLimitNOFILE=\n',
        '/usr/lib/systemd/system.conf.d/20-b.conf': '[Manager]\nDefaultLimitNOFILE=0x1000:0x4000\n[Manager\n',
        '/run/systemd/system.conf.d/30-c.conf': '[Manager]\nDefaultLimitNOFILE=1:2\n',
      },
    });
    const f = collectSystemdFacts(new HostFs(root));
    expect(f.defaultNofile).toMatchObject({ soft: 4096, hard: 16384, file: '/usr/lib/systemd/system.conf.d/20-b.conf', line: 2 });
    expect(f.problems.map((p) => `${p.file}:${p.line}`)).toEqual([
      '/usr/lib/systemd/system.conf.d/20-b.conf:3',
      '/usr/lib/systemd/system.conf.d/20-b.conf:null',
      '/etc/systemd/system.conf.d/10-a.conf:2',
    ]);
    expect(readManagerLayers(new HostFs(root)).files).not.toContain('/run/systemd/system.conf.d/30-c.conf');
  });
  it('no system.conf at all: drop-ins still apply', () => {
    const root = fakeRoot({ files: { '/usr/lib/systemd/system.conf.d/10-limits.conf': '[Manager]\nDefaultLimitNOFILE=2048:2097152\n' } });
    expect(collectSystemdFacts(new HostFs(root)).defaultNofile).toMatchObject({ soft: 2048, hard: 2097152 });
    expect(fs.existsSync(path.join(root, 'etc/systemd/system.conf'))).toBe(false);
  });
});
