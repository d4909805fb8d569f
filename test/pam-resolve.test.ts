import { describe, expect, it } from 'vitest';
import { parseLimitsConf } from '../src/core/limits-conf.js';
import { matchDomain, resolvePamLimits, type PamIdentity } from '../src/core/pam-resolve.js';
import type { LimitLine, RLimit } from '../src/core/types.js';

const alice: PamIdentity = { name: 'alice', uid: 1001, gid: 1001, groups: ['alice', 'dev', 'audio'], gids: [1001, 2000, 29] };
const root: PamIdentity = { name: 'root', uid: 0, gid: 0, groups: ['root'], gids: [0] };
const BASE: Record<string, RLimit> = { nofile: { soft: 1024, hard: 524288 }, nproc: { soft: 1000, hard: 1000 } };
const NR_OPEN = 1048576;

/** Files as [name, text] in reading order. */
function lines(...files: [string, string][]): LimitLine[] {
  return files.flatMap(([f, t]) => parseLimitsConf(t, f).lines);
}
function eff(files: [string, string][], who = alice, item = 'nofile') {
  const r = resolvePamLimits(lines(...files), who, { nrOpen: NR_OPEN, base: BASE });
  const l = r.limits[item]!;
  return { soft: l.soft.value, hard: l.hard.value, softFrom: l.soft.source, hardFrom: l.hard.source, r };
}
const C = '/etc/security/limits.conf';
const D = (n: string) => `/etc/security/limits.d/${n}`;

describe('specificity: user beats @group beats *, whatever the order', () => {
  const table: { name: string; text: string; soft: number; softLine: number }[] = [
    { name: 'user then * ', text: 'alice soft nofile 100\n* soft nofile 300\n', soft: 100, softLine: 1 },
    { name: '* then user', text: '* soft nofile 300\nalice soft nofile 100\n', soft: 100, softLine: 2 },
    { name: '@group then *', text: '@dev soft nofile 200\n* soft nofile 300\n', soft: 200, softLine: 1 },
    { name: '* then @group', text: '* soft nofile 300\n@dev soft nofile 200\n', soft: 200, softLine: 2 },
    { name: 'user then @group', text: 'alice soft nofile 100\n@dev soft nofile 200\n', soft: 100, softLine: 1 },
    { name: '@group then user', text: '@dev soft nofile 200\nalice soft nofile 100\n', soft: 100, softLine: 2 },
    { name: 'supplementary group counts', text: '@audio soft nofile 250\n* soft nofile 300\n', soft: 250, softLine: 1 },
    { name: 'equal specificity: later wins', text: '* soft nofile 300\n* soft nofile 400\n', soft: 400, softLine: 2 },
    { name: 'two groups: later wins', text: '@dev soft nofile 200\n@audio soft nofile 250\n', soft: 250, softLine: 2 },
    { name: 'non-member group ignored', text: '@wheel soft nofile 50\n* soft nofile 300\n', soft: 300, softLine: 2 },
    { name: 'other user ignored', text: 'bob soft nofile 50\n', soft: 1024, softLine: 0 },
  ];
  for (const t of table) {
    it(t.name, () => {
      const e = eff([[C, t.text]]);
      expect(e.soft).toBe(t.soft);
      expect(e.softFrom).toBe(t.softLine ? `${C}:${t.softLine}` : 'inherited');
    });
  }
});

describe('across files (limits.conf, then limits.d in C order)', () => {
  it('a later file wins among equals', () => {
    const e = eff([[C, '* - nofile 4096\n'], [D('10-a.conf'), '* - nofile 8192\n'], [D('20-b.conf'), '* soft nofile 2048\n']]);
    expect([e.soft, e.hard, e.softFrom, e.hardFrom]).toEqual([2048, 8192, `${D('20-b.conf')}:1`, `${D('10-a.conf')}:1`]);
  });
  it('a user line in limits.conf beats a * line in a later limits.d file', () => {
    const e = eff([[C, 'alice hard nofile 5000\n'], [D('99-z.conf'), '* hard nofile 9000\n']]);
    expect([e.hard, e.hardFrom]).toEqual([5000, `${C}:1`]);
  });
});

describe('types', () => {
  it('`-` sets both', () => {
    const e = eff([[C, 'alice - nofile 4096\n']]);
    expect([e.soft, e.hard]).toEqual([4096, 4096]);
  });
  it('soft above hard is clamped to hard', () => {
    const e = eff([[C, 'alice soft nofile 9000\nalice hard nofile 4000\n']]);
    expect([e.soft, e.hard]).toEqual([4000, 4000]);
    expect(e.r.limits.nofile!.soft.clamped).toBe(true);
    expect(e.r.warnings.map((w) => w.id)).toContain('limits.soft-above-hard');
  });
  it('an unset soft above a lowered hard is clamped too', () => {
    const e = eff([[C, 'alice hard nofile 500\n']]);
    expect([e.soft, e.hard]).toEqual([500, 500]);
  });
  it('pam_limits quirk: a `-` line outranked on soft does not set hard either', () => {
    // process_limit returns as soon as the soft half is held by a more specific line.
    const e = eff([[C, 'alice soft nofile 500\n* hard nofile 900\n* - nofile 800\n']]);
    expect([e.soft, e.hard, e.hardFrom]).toEqual([500, 900, `${C}:2`]);
    expect(e.r.lines[2]!.verdict).toBe('outranked');
  });
  it('verdicts per line', () => {
    const e = eff([[C, '* - nofile 300\nalice soft nofile 100\nbob - nofile 1\n']]);
    expect(e.r.lines.map((l) => [l.verdict, l.provides])).toEqual([
      ['wins', ['hard']],
      ['wins', ['soft']],
      ['not-matching', []],
    ]);
  });
});

describe('values', () => {
  it('nofile unlimited means fs.nr_open', () => {
    const e = eff([[C, 'alice - nofile unlimited\n']]);
    expect([e.soft, e.hard]).toEqual([NR_OPEN, NR_OPEN]);
  });
  it('infinity and -1 too; other items stay unlimited (null)', () => {
    expect(eff([[C, 'alice hard nofile infinity\n']]).hard).toBe(NR_OPEN);
    expect(eff([[C, 'alice - nproc -1\n']], alice, 'nproc').hard).toBeNull();
  });
  it('size items are KiB', () => {
    expect(eff([[C, 'alice - memlock 64\n']], alice, 'memlock').hard).toBe(65536);
  });
  it('a hard nofile above fs.nr_open is a login-breaking warning', () => {
    const r = resolvePamLimits(lines([C, 'alice hard nofile 2000000\n']), alice, { nrOpen: NR_OPEN, base: BASE });
    expect(r.warnings[0]).toMatchObject({ id: 'limits.nofile-above-nr-open', file: C, line: 1 });
  });
});

describe('domains', () => {
  it('uid ranges count as user lines', () => {
    expect(matchDomain('1000:', alice)).toBe('user');
    expect(matchDomain('1000:2000', alice)).toBe('user');
    expect(matchDomain('2000:3000', alice)).toBeNull();
    // pam_limits.c parse_uid_range: `:N` is exactly uid N (not "up to N").
    expect(matchDomain(':1001', alice)).toBe('user');
    expect(matchDomain(':5000', alice)).toBeNull();
    const e = eff([[C, '1000: soft nofile 700\n@dev soft nofile 200\n']]);
    expect(e.soft).toBe(700);
  });
  it('@gid ranges look at the primary gid only; @:gid at any membership', () => {
    expect(matchDomain('@1000:1500', alice)).toBe('group');
    expect(matchDomain('@2000:2500', alice)).toBeNull(); // dev (2000) is supplementary
    expect(matchDomain('@:2000', alice)).toBe('group');
  });
  it('% lines are for maxlogins only', () => {
    expect(matchDomain('%dev', alice)).toBe('allgroup');
    const e = eff([[C, '%dev soft nofile 10\n%  soft nofile 11\n']]);
    expect(e.soft).toBe(1024);
    expect(e.r.lines.every((l) => l.verdict === 'ignored')).toBe(true);
  });
  it('Debian: * and @group lines do not apply to root; root by name does', () => {
    expect(eff([[C, '* hard nofile 900\n@root hard nofile 800\n']], root).hard).toBe(524288);
    expect(eff([[C, '* hard nofile 900\nroot hard nofile 700\n']], root).hard).toBe(700);
    const up = resolvePamLimits(lines([C, '* hard nofile 900\n']), root, { nrOpen: NR_OPEN, base: BASE, rootByNameOnly: false });
    expect(up.limits.nofile!.hard.value).toBe(900);
  });
  it('`<user> -` exempts the user from every line', () => {
    const parsed = parseLimitsConf('alice -\n* - nofile 300\n', C);
    const r = resolvePamLimits(parsed.lines, alice, { nrOpen: NR_OPEN, base: BASE, exempt: parsed.exempt });
    expect(r.exemptBy?.line).toBe(1);
    expect(r.limits.nofile!.hard.value).toBe(524288);
  });
  it('any user (name null) sees only * lines', () => {
    const anyone: PamIdentity = { name: null, uid: null, gid: null, groups: [], gids: [] };
    expect(eff([[C, '* soft nofile 300\nalice soft nofile 1\n1000: soft nofile 2\n']], anyone).soft).toBe(300);
  });
});
