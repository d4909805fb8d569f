import { describe, expect, it } from 'vitest';
import { parseLimitsConf } from '../src/core/limits-conf.js';
import { matchDomain, resolvePamLimits, type PamIdentity } from '../src/core/pam-resolve.js';
import type { LimitLine, PamFileState, RLimit } from '../src/core/types.js';

const alice: PamIdentity = { name: 'alice', uid: 1001, gid: 1001, groups: ['alice', 'dev', 'audio'], gids: [1001, 2000, 29] };
const root: PamIdentity = { name: 'root', uid: 0, gid: 0, groups: ['root'], gids: [0] };
const BASE: Record<string, RLimit> = { nofile: { soft: 1024, hard: 524288 }, nproc: { soft: 1000, hard: 1000 } };
const NR_OPEN = 1048576;
/** The login service (sshd) the session starts from: what an item keeps when setrlimit fails. */
const CALLER: Record<string, RLimit> = { nofile: { soft: 1024, hard: 524288 }, nproc: { soft: 1000, hard: 1000 } };
const UPSTREAM = { debianPatches: false, epermFatal: true, unlimitedNofileIsNrOpen: true, missingFileFatal: true, rootByNameOnly: false, chrootItem: false } as const;

/** Files as [name, text] in reading order. */
function lines(...files: [string, string][]): LimitLine[] {
  return files.flatMap(([f, t]) => parseLimitsConf(t, f).lines);
}
function eff(files: [string, string][], who = alice, item = 'nofile') {
  const r = resolvePamLimits(lines(...files), who, { nrOpen: NR_OPEN, base: BASE, pid1: BASE });
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
  it('a hard nofile above fs.nr_open: Debian opens the session with the limit NOT applied', () => {
    const r = resolvePamLimits(lines([C, 'alice hard nofile 2000000\n']), alice, { nrOpen: NR_OPEN, base: CALLER, pid1: BASE });
    expect(r.setrlimit.nofile).toBe('eperm-skipped');
    expect(r.opens).toBe(true);
    expect(r.effective.nofile).toEqual(CALLER.nofile);
    expect(r.warnings[0]).toMatchObject({ id: 'limits.nofile-not-applied', file: C, line: 1 });
  });
  it('a hard nofile above fs.nr_open: upstream/RHEL refuse the session', () => {
    const r = resolvePamLimits(lines([C, 'alice hard nofile 2000000\n']), alice, { nrOpen: NR_OPEN, base: CALLER, behaviour: UPSTREAM });
    expect(r.setrlimit.nofile).toBe('eperm-fatal');
    expect(r.opens).toBe(false);
    expect(r.failures[0]).toMatchObject({ id: 'nofile-eperm', file: C, line: 1 });
  });
  it('a hard nofile above fs.nr_open on an unknown build: the outcome is unknown', () => {
    const r = resolvePamLimits(lines([C, 'alice hard nofile 2000000\n']), alice, { nrOpen: NR_OPEN, base: CALLER, behaviour: { ...UPSTREAM, debianPatches: null, epermFatal: null } });
    expect(r.setrlimit.nofile).toBe('eperm-unknown');
    expect(r.opens).toBeNull();
  });
  it('unlimited before Linux-PAM 1.5.2 is RLIM_INFINITY: EPERM too', () => {
    const r = resolvePamLimits(lines([C, 'alice hard nofile unlimited\n']), alice, { nrOpen: NR_OPEN, base: CALLER, behaviour: { ...UPSTREAM, unlimitedNofileIsNrOpen: false } });
    expect(r.limits.nofile!.hard.value).toBeNull();
    expect(r.opens).toBe(false);
  });
  it('a negative value is read by strtoull: -2 is 2^64-2, far above nr_open', () => {
    const r = resolvePamLimits(lines([C, 'alice hard nofile -2\n']), alice, { nrOpen: NR_OPEN, base: CALLER, behaviour: UPSTREAM });
    expect(r.limits.nofile!.hard.value).toBe(Number(2n ** 64n - 2n));
    expect(r.failures[0]?.id).toBe('nofile-eperm');
    // -1 is the word for unlimited; an overflow saturates to ULLONG_MAX = RLIM_INFINITY, which is unlimited too.
    expect(eff([[C, 'alice hard nofile 99999999999999999999\n']]).hard).toBe(NR_OPEN);
  });
  it('strtoull stops at the first non-digit: 0x10 is 0, 4096k is 4096', () => {
    expect(eff([[C, 'alice hard nofile 4096k\n']]).hard).toBe(4096);
    expect(eff([[C, 'alice hard nofile 0x10\n']]).hard).toBe(0);
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
    const up = resolvePamLimits(lines([C, '* hard nofile 900\n']), root, { nrOpen: NR_OPEN, base: BASE, behaviour: UPSTREAM });
    expect(up.limits.nofile!.hard.value).toBe(900);
  });
  it('Debian: `@:0`, `@0:` and `%:0` fall through to the uid checks and match root as user lines', () => {
    expect(matchDomain('@:0', root, true)).toBe('user');
    expect(matchDomain('@0:', root, true)).toBe('user');
    expect(matchDomain('%:0', root, true)).toBe('user');
    expect(matchDomain('@root', root, true)).toBeNull();
    expect(matchDomain('@:0', root, false)).toBe('group');
    expect(eff([[C, 'root hard nofile 700\n@:0 hard nofile 600\n']], root).hard).toBe(600);
  });
  it('`<user> -` exempts the user from every line', () => {
    const parsed = parseLimitsConf('alice -\n* - nofile 300\n', C);
    const r = resolvePamLimits(parsed.lines, alice, { nrOpen: NR_OPEN, base: BASE, pid1: BASE, exempt: parsed.exempt });
    expect(r.exemptBy?.line).toBe(1);
    expect(r.limits.nofile!.hard.value).toBe(524288);
  });
  it('any user (name null) sees only * lines', () => {
    const anyone: PamIdentity = { name: null, uid: null, gid: null, groups: [], gids: [] };
    expect(eff([[C, '* soft nofile 300\nalice soft nofile 1\n1000: soft nofile 2\n']], anyone).soft).toBe(300);
  });
});

describe('sessions pam_limits refuses', () => {
  const files = (...f: [string, PamFileState][]) => f.map(([path, state]) => ({ path, state }));
  it('maxlogins 0 / maxsyslogins 0 (strtol: 0x5 is 0 too), but never for root', () => {
    for (const t of ['alice hard maxlogins 0\n', '* - maxsyslogins 0\n', '@dev bogus maxlogins 0x5\n']) {
      const r = resolvePamLimits(lines([C, t]), alice, { nrOpen: NR_OPEN, base: BASE, pid1: BASE });
      expect(r.opens, t).toBe(false);
      expect(r.failures[0]?.id).toBe('maxlogins-zero');
    }
    expect(resolvePamLimits(lines([C, 'root - maxlogins 0\n']), root, { nrOpen: NR_OPEN, base: BASE, pid1: BASE }).opens).toBe(true);
    // A more specific line wins: alice gets 2.
    expect(resolvePamLimits(lines([C, '* - maxlogins 0\nalice - maxlogins 2\n']), alice, { nrOpen: NR_OPEN, base: BASE, pid1: BASE }).opens).toBe(true);
    // '%' with maxsyslogins is ignored by pam_limits.
    expect(resolvePamLimits(lines([C, '% - maxsyslogins 0\n']), alice, { nrOpen: NR_OPEN, base: BASE, pid1: BASE }).opens).toBe(true);
  });
  it('a missing limits.conf or dangling limits.d link fails up to 1.5.2; 1.5.3 accepts it', () => {
    const f = files([C, 'missing'], [D('a.conf'), 'read']);
    expect(resolvePamLimits([], alice, { nrOpen: NR_OPEN, base: BASE, files: f }).failures[0]?.id).toBe('config-unreadable');
    const later = resolvePamLimits([], alice, { nrOpen: NR_OPEN, base: BASE, files: f, behaviour: { ...UPSTREAM, missingFileFatal: false } });
    expect(later.opens).toBe(true);
    // A loop fails everywhere.
    expect(resolvePamLimits([], alice, { nrOpen: NR_OPEN, base: BASE, files: files([C, 'read'], [D('x.conf'), 'loop']), behaviour: { ...UPSTREAM, missingFileFatal: false } }).opens).toBe(false);
  });
  it('an exemption before a broken file wins: pam_limits stops reading there', () => {
    const parsed = parseLimitsConf('alice -\n', C);
    const r = resolvePamLimits([], alice, { nrOpen: NR_OPEN, base: BASE, exempt: parsed.exempt, files: files([C, 'read'], [D('x.conf'), 'missing']) });
    expect(r.opens).toBe(true);
    expect(r.exemptBy?.file).toBe(C);
  });
  it('soft nofile 3 or less (directly, or through the hard limit) refuses the session', () => {
    const r = resolvePamLimits(lines([C, '* soft nofile 3\n']), alice, { nrOpen: NR_OPEN, base: BASE, pid1: BASE });
    expect(r.failures.map((x) => x.id)).toEqual(['nofile-too-low']);
    expect(resolvePamLimits(lines([C, '* hard nofile 0\n']), alice, { nrOpen: NR_OPEN, base: BASE, pid1: BASE }).opens).toBe(false);
    expect(resolvePamLimits(lines([C, '* soft nofile 4\n']), alice, { nrOpen: NR_OPEN, base: BASE, pid1: BASE }).opens).toBe(true);
  });
  it('Debian chroot into a directory that does not exist', () => {
    const r = resolvePamLimits(lines([C, 'alice - chroot /srv/jail\n']), alice, { nrOpen: NR_OPEN, base: BASE, pid1: BASE, chrootDirs: { '/srv/jail': false } });
    expect(r.failures[0]?.id).toBe('chroot-missing');
    expect(resolvePamLimits(lines([C, 'alice - chroot /srv/jail\n']), alice, { nrOpen: NR_OPEN, base: BASE, pid1: BASE, chrootDirs: { '/srv/jail': true } }).opens).toBe(true);
  });
  it('without CAP_SYS_RESOURCE a hard limit above the caller\'s is EPERM (the oracle machine)', () => {
    const r = resolvePamLimits(lines([C, 'alice hard nofile 30000\n']), alice, { nrOpen: NR_OPEN, base: { nofile: { soft: 1024, hard: 20000 } }, pid1: BASE, canRaiseHard: false });
    expect(r.setrlimit.nofile).toBe('eperm-skipped');
    expect(r.effective.nofile).toEqual({ soft: 1024, hard: 20000 });
  });
});
