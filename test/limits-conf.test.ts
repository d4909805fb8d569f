import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parseLimitsConf, parseDomainRange, parseLimitValue } from '../src/core/limits-conf.js';
import { parseProcLimits } from '../src/core/proc-limits.js';
import { corpusPath } from './helpers/corpus.js';

const CORPUS = corpusPath('limits');
const read = (name: string) => fs.readFileSync(path.join(CORPUS, name), 'utf8');

type Row = [number, string, string, string, string];
const rows = (text: string, file = '/f.conf') =>
  parseLimitsConf(text, file).lines.map((l): Row => [l.line, l.domain, l.type, l.item, l.value]);

describe('parseLimitsConf on the real corpus', () => {
  it('covers every corpus file', () => {
    expect(fs.readdirSync(CORPUS).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  const EXPECTED: Record<string, Row[]> = {
    'apache-bigtop__hadoop-hdfs.conf': [
      [16, 'hdfs', '-', 'nofile', '32768'],
      [17, 'hdfs', '-', 'nproc', '65536'],
    ],
    'apache-cassandra__debian-cassandra.conf': [
      [2, 'cassandra', '-', 'memlock', 'unlimited'],
      [3, 'cassandra', '-', 'nofile', '100000'],
    ],
    'cachyos-settings__20-audio.conf': [[1, '@audio', '-', 'rtprio', '99']],
    'centos7-pam-1.1.8-9.el7__20-nproc.conf': [
      [5, '*', 'soft', 'nproc', '4096'],
      [6, 'root', 'soft', 'nproc', 'unlimited'],
    ],
    'debian-jackd2__audio.conf': [
      [9, '@audio', '-', 'rtprio', '95'],
      [10, '@audio', '-', 'memlock', 'unlimited'],
    ],
    // Every example is commented out (incl. `#ftp - chroot /ftp`, `#@student - maxlogins 4`).
    'debian-libpam-modules__limits.conf': [],
    'scylladb-agpl__scylla.conf': [
      [1, 'scylla', '-', 'core', 'unlimited'],
      [2, 'scylla', '-', 'memlock', 'unlimited'],
      [3, 'scylla', '-', 'nofile', '200000'],
      [4, 'scylla', '-', 'as', 'unlimited'],
      [5, 'scylla', '-', 'nproc', '8096'],
    ],
  };

  for (const [name, want] of Object.entries(EXPECTED)) {
    it(name, () => {
      const r = parseLimitsConf(read(name), `/etc/security/limits.d/${name}`);
      expect(r.lines.map((l): Row => [l.line, l.domain, l.type, l.item, l.value])).toEqual(want);
      expect(r.problems).toEqual([]);
      expect(r.exempt).toEqual([]);
      for (const l of r.lines) expect(l.file).toBe(`/etc/security/limits.d/${name}`);
    });
  }

  it('line numbers point at the real line', () => {
    const text = read('apache-bigtop__hadoop-hdfs.conf').split('\n');
    expect(text[15]).toMatch(/^hdfs\s+-\s+nofile\s+32768/);
  });
});

describe('parseLimitsConf hand-made cases', () => {
  it('types and items are case-insensitive, domains are not', () => {
    expect(rows('Alice SOFT NoFile 10\n')).toEqual([[1, 'Alice', 'soft', 'nofile', '10']]);
  });

  it('# anywhere starts a comment; tabs and CRLF separate fields', () => {
    expect(rows('  *\thard\tnofile\t4096 # raise\r\n# x - nofile 1\n\n')).toEqual([[1, '*', 'hard', 'nofile', '4096']]);
  });

  it('uid ranges, @gid ranges, %group', () => {
    const t = ['1000: soft nofile 1', ':999 soft nofile 2', '1000:2000 hard nofile 3', '@1000:2000 - nofile 4', '@:100 - nproc 5', '%admins - maxlogins 2', '% - maxlogins 9'].join('\n');
    const r = parseLimitsConf(t, '/x');
    expect(r.lines.map((l) => l.domain)).toEqual(['1000:', ':999', '1000:2000', '@1000:2000', '@:100', '%admins', '%']);
    expect(r.problems).toEqual([]);
    expect(parseDomainRange('1000:')).toEqual({ kind: 'min', min: 1000 });
    expect(parseDomainRange(':999')).toEqual({ kind: 'one', id: 999 });
    expect(parseDomainRange('@1000:2000')).toEqual({ kind: 'range', min: 1000, max: 2000 });
    expect(parseDomainRange('alice')).toEqual({ kind: 'none' });
  });

  it('%group with an rlimit item is kept but flagged (pam applies % to maxlogins only)', () => {
    const r = parseLimitsConf('%staff - nofile 100\n', '/x');
    expect(r.lines).toHaveLength(1);
    expect(r.problems[0]?.message).toMatch(/maxlogins only/);
  });

  it('malformed lines are reported with their number; dropped ones are left out', () => {
    const t = [
      'alice soft nofile', // 3 fields
      'alice', // 1 field
      'alice sfot nofile 10', // bad type
      'alice soft nofiles 10', // bad item
      'alice soft nofile lots', // bad value
      'alice soft nofile -5', // negative: strtoull reads 2^64-5, the line applies
      'a:b soft nofile 10', // bad range
      ': soft nofile 10', // bad range
      'bob hard nofile 20',
    ].join('\n');
    const r = parseLimitsConf(t, '/etc/security/limits.d/x.conf');
    expect(r.lines.map((l) => [l.line, l.domain])).toEqual([[6, 'alice'], [9, 'bob']]);
    expect(r.problems.map((p) => p.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.problems[0]?.message).toMatch(/3 fields/);
    expect(r.problems[0]?.logged).toBe('warning');
    expect(r.problems[2]?.message).toMatch(/type 'sfot'/);
    expect(r.problems[2]?.logged).toBe('debug');
    expect(r.problems[3]?.message).toMatch(/unknown item 'nofiles'/);
    expect(r.problems[5]?.message).toMatch(/18446744073709551611/);
    expect(r.problems[5]?.kind).toBe('misread');
    expect(r.problems[6]?.message).toMatch(/invalid uid range 'a:b'/);
  });

  it('trailing garbage after digits is read like strtoul, with a warning; extra fields warned', () => {
    const r = parseLimitsConf('a soft nofile 100k\nb soft nofile 5 6\n', '/x');
    expect(r.lines.map((l) => l.value)).toEqual(['100k', '5']);
    expect(r.problems.map((p) => p.line)).toEqual([1, 2]);
  });

  it('`<domain> -` is a no-limits exemption', () => {
    const r = parseLimitsConf('root -\n', '/x');
    expect(r.lines).toEqual([]);
    expect(r.exempt).toEqual([{ file: '/x', line: 1, domain: 'root' }]);
  });

  it('values', () => {
    expect(parseLimitValue('nofile', 'UNLIMITED')).toEqual({ unlimited: true });
    expect(parseLimitValue('nofile', 'infinity')).toEqual({ unlimited: true });
    expect(parseLimitValue('nofile', '-1')).toEqual({ unlimited: true });
    expect(parseLimitValue('nice', '-19')).toEqual({ unlimited: false, n: -19 });
    expect(parseLimitValue('nice', 'unlimited')).toHaveProperty('error');
  });
});

describe('parseProcLimits', () => {
  const SAMPLE = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max cpu time              unlimited            unlimited            seconds   ',
    'Max stack size            8388608              unlimited            bytes     ',
    'Max processes             95853                95853                processes ',
    'Max open files            1024                 4096                 files     ',
    'Max nice priority         0                    0                    ',
    'Max realtime priority     0                    0                    ',
    'Max realtime timeout      unlimited            unlimited            us        ',
    '',
  ].join('\n');
  it('fixed-column rows keyed by short names', () => {
    expect(parseProcLimits(SAMPLE)).toEqual({
      cpu: { soft: null, hard: null },
      stack: { soft: 8388608, hard: null },
      nproc: { soft: 95853, hard: 95853 },
      nofile: { soft: 1024, hard: 4096 },
      nice: { soft: 0, hard: 0 },
      rtprio: { soft: 0, hard: 0 },
      rttime: { soft: null, hard: null },
    });
  });
  it('reads this machine', () => {
    const l = parseProcLimits(fs.readFileSync('/proc/self/limits', 'utf8'));
    expect(Object.keys(l)).toHaveLength(16);
    expect(typeof l.nofile?.soft).toBe('number');
  });
});

describe('the parsers never throw, whatever the bytes', () => {
  it('limits.conf in every dialect, systemd unit files, and the number readers', async () => {
    const fc = (await import('fast-check')).default;
    const { parseUnitFile, parseRlimitSetting } = await import('../src/core/systemd-unit.js');
    const { pamValue } = await import('../src/core/limits-conf.js');
    const text = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.array(fc.constantFrom('*', '@g', '%', ':', '1:', 'a:b', 'hard', 'soft', '-', 'nofile', 'maxlogins', 'chroot', '-1', '0x1', '\t', ' ', '\r', '\n', '#', '[Service]', 'LimitNOFILE=', '\\', '\0', '\u00ff', '99999999999999999999'), { maxLength: 60 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(text, (t) => {
        for (const split of ['sscanf', 'rest-of-line', 'rest-of-line-trimmed'] as const) parseLimitsConf(t, '/x', { split, chroot: null });
        parseUnitFile(t);
        parseUnitFile(Buffer.from(t, 'latin1'));
        parseRlimitSetting(t);
        pamValue('nofile', t);
        pamValue('maxlogins', t);
      }),
      { numRuns: 500 },
    );
  });
});
