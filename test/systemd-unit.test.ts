import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import {
  builtinDefaultNofile, dropinNames, effectiveNofile, parseRlimitSetting, parseUnitFile, resolveSetting, type UnitLayer,
} from '../src/core/systemd-unit.js';
import { corpusPath } from './helpers/corpus.js';

const CORPUS = corpusPath('systemd');
const layer = (name: string, file = `/lib/systemd/system/${name}`): UnitLayer => ({
  file,
  entries: parseUnitFile(fs.readFileSync(path.join(CORPUS, name), 'utf8')).entries,
});
const nofile = (layers: UnitLayer[], section = 'Service', key = 'LimitNOFILE') => resolveSetting(layers, section, key);

describe('real unit files', () => {
  it('every corpus file parses without problems', () => {
    for (const n of fs.readdirSync(CORPUS)) {
      expect(parseUnitFile(fs.readFileSync(path.join(CORPUS, n), 'utf8')).problems, n).toEqual([]);
    }
  });

  it('docker: LimitNOFILE=1048576 (and LimitNPROC/LimitCORE infinity)', () => {
    const l = layer('debian-docker.io__docker.service');
    const r = nofile([l]);
    expect(r.winner).toMatchObject({ setting: { soft: 1048576, hard: 1048576 }, line: 16, raw: '1048576' });
    expect(resolveSetting([l], 'Service', 'LimitNPROC', 'NPROC').winner?.setting).toMatchObject({ soft: null, hard: null });
    expect(resolveSetting([l], 'Service', 'LimitCORE', 'CORE').winner?.setting).toMatchObject({ soft: null, hard: null });
  });

  it('mariadb: 32768 in a file with tabs and continued ExecStart', () => {
    const p = parseUnitFile(fs.readFileSync(path.join(CORPUS, 'debian-mariadb-server__mariadb.service'), 'utf8'));
    expect(nofile([{ file: 'm', entries: p.entries }]).winner).toMatchObject({ setting: { soft: 32768, hard: 32768 }, line: 147 });
    expect(resolveSetting([{ file: 'm', entries: p.entries }], 'Service', 'LimitMEMLOCK', 'MEMLOCK').winner?.setting.hard).toBe(524288);
    // `# LimitCore=` is a comment; nothing named LimitCore/LimitCORE exists.
    expect(p.entries.some((e) => /^LimitCore$/i.test(e.key))).toBe(false);
    const exec = p.entries.find((e) => e.key === 'ExecStart' && e.value.includes('galera_recovery'))!;
    // systemd reports a continued assignment under its LAST physical line (config_parse's `line`).
    expect(exec.line).toBe(86);
    expect(exec.value).toContain('exec /usr/sbin/mariadbd $MYSQLD_OPTS');
    expect(exec.value).not.toContain('\\\n');
  });

  it('varnish: continuations join into one ExecStart, LimitNOFILE=131072', () => {
    const p = parseUnitFile(fs.readFileSync(path.join(CORPUS, 'debian-varnish__varnish.service'), 'utf8'));
    expect(nofile([{ file: 'v', entries: p.entries }]).winner?.setting).toMatchObject({ soft: 131072, hard: 131072 });
    const exec = p.entries.filter((e) => e.key === 'ExecStart');
    expect(exec).toHaveLength(1);
    expect(exec[0]!.line).toBe(23);
    expect(exec[0]!.value.replace(/\s+/g, ' ')).toBe(
      '/usr/sbin/varnishd -j unix,user=vcache -F -a :6081 -T localhost:6082 -f /etc/varnish/default.vcl -S /etc/varnish/secret -s malloc,256m',
    );
    expect(p.entries.find((e) => e.key === 'ExecReload')?.line).toBe(24);
    expect(resolveSetting([{ file: 'v', entries: p.entries }], 'Service', 'LimitMEMLOCK', 'MEMLOCK').winner?.setting.soft).toBe(85983232);
  });

  it('opensearch: 65535, repeated keys kept in order', () => {
    const l = layer('opensearch__opensearch.service');
    expect(nofile([l]).winner).toMatchObject({ setting: { soft: 65535, hard: 65535 }, line: 45 });
    expect(l.entries.filter((e) => e.key === 'ProtectControlGroups').map((e) => e.value)).toEqual(['true', 'yes']);
    expect(resolveSetting([l], 'Service', 'LimitAS', 'AS').winner?.setting).toMatchObject({ soft: null, hard: null });
  });

  it('CachyOS system.conf.d: DefaultLimitNOFILE=2048:2097152', () => {
    const r = nofile([layer('cachyos-settings__system.conf.d__10-limits.conf', '/usr/lib/systemd/system.conf.d/10-limits.conf')], 'Manager', 'DefaultLimitNOFILE');
    expect(r.winner).toMatchObject({ setting: { soft: 2048, hard: 2097152 }, file: '/usr/lib/systemd/system.conf.d/10-limits.conf', line: 2 });
  });

  it('Debian system.conf: everything commented → built-in 1024:524288', () => {
    const l = layer('debian-systemd__system.conf', '/etc/systemd/system.conf');
    expect(l.entries).toEqual([]);
    expect(nofile([l], 'Manager', 'DefaultLimitNOFILE').winner).toBeNull();
    expect(builtinDefaultNofile(1048576)).toEqual({ soft: 1024, hard: 524288 });
  });

  it('389-ds template drop-in: #LimitNOFILE= is a comment, not a reset', () => {
    const l = layer('debian-389-ds-base__dirsrv@.service.d__custom.conf', '/lib/systemd/system/dirsrv@.service.d/custom.conf');
    expect(l.entries.map((e) => e.key)).toEqual(['TimeoutStartSec', 'TimeoutStopSec', 'Environment']);
    expect(l.entries.find((e) => e.key === 'Environment')?.value).toBe('LD_PRELOAD=/usr/lib/x86_64-linux-gnu/dirsrv/lib/libjemalloc.so.2');
    expect(nofile([l]).winner).toBeNull();
  });
});

describe('parser details', () => {
  it('comments, ; comments, whitespace around =, sections', () => {
    const p = parseUnitFile('[Service]\n; c\n  # c\n LimitNOFILE = 10:20 \n[Install]\nWantedBy=x\n');
    expect(p.entries).toEqual([
      { section: 'Service', key: 'LimitNOFILE', value: '10:20', line: 4 },
      { section: 'Install', key: 'WantedBy', value: 'x', line: 6 },
    ]);
  });
  it('a comment line inside a continuation is skipped; \\\\ at the end is not a continuation', () => {
    const p = parseUnitFile('[S]\nA=1 \\\n# x\n  2\nB=c:\\\\\nC=3\n');
    expect(p.entries.map((e) => [e.key, e.value.replace(/\s+/g, ' ')])).toEqual([['A', '1 2'], ['B', 'c:\\\\'], ['C', '3']]);
  });
  it('problems: outside a section, missing =', () => {
    const p = parseUnitFile('A=1\n[S]\njunk\n');
    expect(p.problems.map((x) => x.line)).toEqual([1, 3]);
  });
});

describe('values and precedence', () => {
  it('parseRlimitSetting', () => {
    expect(parseRlimitSetting('65536')).toMatchObject({ soft: 65536, hard: 65536 });
    expect(parseRlimitSetting('1024:524288')).toMatchObject({ soft: 1024, hard: 524288 });
    expect(parseRlimitSetting('infinity')).toMatchObject({ soft: null, hard: null });
    expect(parseRlimitSetting('4096:infinity')).toMatchObject({ soft: 4096, hard: null });
    // test-rlimit-util.c: rlimit_parse(RLIMIT_NOFILE, "") is -EINVAL — an error, not a reset.
    expect(parseRlimitSetting('')).toHaveProperty('error');
    expect(parseRlimitSetting('9:3')).toHaveProperty('error');
    expect(parseRlimitSetting('lots')).toHaveProperty('error');
    expect(parseRlimitSetting('8M', 'MEMLOCK')).toMatchObject({ soft: 8388608, hard: 8388608 });
  });
  it('later layer wins; an empty value and an invalid one are ignored (the earlier setting stays)', () => {
    const L = (file: string, v: string): UnitLayer => ({ file, entries: [{ section: 'Service', key: 'LimitNOFILE', value: v, line: 1 }] });
    expect(nofile([L('u', '100'), L('a', '200')]).winner?.file).toBe('a');
    const empty = nofile([L('u', '100'), L('a', '')]);
    expect(empty.winner?.file).toBe('u');
    expect(empty.invalid[0]?.message).toMatch(/Failed to parse resource value, ignoring/);
    expect(nofile([L('u', '100'), L('a', ''), L('b', '300')]).winner?.file).toBe('b');
    const bad = nofile([L('u', '100'), L('a', 'x')]);
    expect(bad.winner?.file).toBe('u');
    expect(bad.invalid).toHaveLength(1);
  });
  it('infinity becomes fs.nr_open; soft never above hard', () => {
    expect(effectiveNofile({ soft: null, hard: null }, 1048576)).toEqual({ soft: 1048576, hard: 1048576 });
    expect(effectiveNofile({ soft: 4096, hard: null }, 1048576)).toEqual({ soft: 4096, hard: 1048576 });
  });
  it('drop-in names within one directory: instance, template (and its prefixes), dash prefixes', () => {
    expect(dropinNames('dirsrv@main.service')).toEqual(['dirsrv@main.service', 'dirsrv@.service']);
    expect(dropinNames('foo-bar-baz.service')).toEqual(['foo-bar-baz.service', 'foo-bar-.service', 'foo-.service']);
    // src/shared/dropin.c: the template's prefixes come before the instance's.
    expect(dropinNames('foo-bar@x.service')).toEqual(['foo-bar@x.service', 'foo-bar@.service', 'foo-.service', 'foo-@x.service', 'foo-@.service']);
    expect(dropinNames('foo-.service')).toEqual(['foo-.service']);
    expect(dropinNames('-foo.service')).toEqual(['-foo.service']);
  });
  it('numbers by systemd\'s rules (safe_atou64, rlimit_parse)', () => {
    const ok = (v: string) => parseRlimitSetting(v);
    expect(ok('0x100')).toMatchObject({ soft: 256, hard: 256 });
    expect(ok('010')).toMatchObject({ soft: 8, hard: 8 });
    expect(ok('0b101')).toMatchObject({ soft: 5, hard: 5 });
    expect(ok('0o17')).toMatchObject({ soft: 15, hard: 15 });
    expect(ok('-0')).toMatchObject({ soft: 0, hard: 0 });
    expect(ok('4096: 8192')).toMatchObject({ soft: 4096, hard: 8192 });
    expect(ok('4096:8192:')).toMatchObject({ soft: 4096, hard: 8192 });
    expect(ok('4\\096')).toMatchObject({ soft: 4096, hard: 4096 });
    for (const bad of ['4096 : 8192', '4096 :8192', '08', '0x', '-5', '+-5', '18446744073709551615', '99999999999999999999', '4096:', ':4096', '1:2:3', '4096\\', '"4096"', 'INFINITY', '5:4']) {
      expect(ok(bad), bad).toHaveProperty('error');
    }
    expect(ok('18446744073709551614')).toMatchObject({ exact: { soft: '18446744073709551614', hard: '18446744073709551614' } });
    expect(ok('+5')).toMatchObject({ soft: 5, hard: 5 });
  });
  it('lines end at \\n, \\r, \\r\\n, \\n\\r and NUL; a fatal error stops the file', () => {
    const p = parseUnitFile('[Service]\rLimitNOFILE=5\r\nLimitNPROC=6\n\nX=1\0Y=2\n');
    expect(p.entries.map((e) => [e.key, e.line])).toEqual([['LimitNOFILE', 2], ['LimitNPROC', 3], ['X', 5], ['Y', 6]]);
    const f = parseUnitFile('[Service]\nLimitNOFILE=5\n[Service\nLimitNOFILE=6\n');
    expect(f.fatalAt).toBe(3);
    expect(f.entries.map((e) => e.value)).toEqual(['5']);
    const u = parseUnitFile(Buffer.from('[Service]\nLimitNOFILE=\xff\nLimitNOFILE=7\n', 'latin1'));
    expect(u.fatalAt).toBe(2);
  });
});
