// The fleet report's aggregation, on 50 generated snapshots whose planted states
// are known: every count is checked against what the generator planted, not
// against the report itself.
import { describe, expect, it } from 'vitest';
import { EMPTY_PROFILE } from '../src/core/combine.js';
import { buildReport, foldHostNames, type ReportHostInput } from '../src/core/report.js';
import type { Severity } from '../src/core/types.js';
import { HostFs } from '../src/host/host-fs.js';
import { ProfileSet } from '../src/profiles/load.js';
import { rules } from '../rules/index.js';
import { CRITICAL_AT, WARN_AT } from '../rules/sockets/close-wait.js';
import { generateFleet } from './helpers/fleet.js';
import { host } from './helpers/host.js';

const shipped = ProfileSet.load(new HostFs('/nonexistent-root-for-tests'));
const fleet = generateFleet(50);
const inputs: ReportHostInput[] = fleet.map((h) => ({ name: h.name, facts: h.facts, profile: shipped.resolve(h.profiles), profileSource: 'snapshot' }));
const report = buildReport(inputs, rules);

function tally(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

describe('knobs report over 50 generated snapshots', () => {
  it('counts every host once, at its worst finding', () => {
    expect(report.hostCount).toBe(50);
    expect(report.hosts.map((h) => h.name).sort()).toEqual(fleet.map((h) => h.name).sort());
    const w = report.worst;
    expect(w.critical + w.warning + w.info + w.clean).toBe(50);
  });

  it('kernels: one line per version with the planted counts', () => {
    const planted = tally(fleet.map((h) => h.facts.kernel.version!.split('.').slice(0, 2).join('.')));
    expect(new Map(report.kernels.map((k) => [k.version, k.hosts]))).toEqual(planted);
  });

  it('CLOSE_WAIT leaks: exactly the hosts planted at or above the rule threshold, with their counts and owners', () => {
    const planted = fleet.filter((h) => h.planted.closeWait >= WARN_AT);
    expect(planted.length).toBeGreaterThan(0);
    expect(report.now.closeWait.map((c) => c.host).sort()).toEqual(planted.map((h) => h.name).sort());
    for (const c of report.now.closeWait) {
      const h = fleet.find((x) => x.name === c.host)!;
      expect(c.count).toBe(h.planted.closeWait);
      expect(c.severity).toBe(h.planted.closeWait >= CRITICAL_AT ? 'critical' : 'warning');
      expect(c.owners[0]).toMatchObject({ comm: 'java', count: h.planted.closeWait });
    }
  });

  it('ephemeral-port pressure: exactly the hosts with TIME_WAIT planted towards one backend, busiest destination named', () => {
    const planted = fleet.filter((h) => h.planted.portShare > 0);
    expect(planted.length).toBeGreaterThan(0);
    expect(report.now.portPressure.map((p) => p.host).sort()).toEqual(planted.map((h) => h.name).sort());
    for (const p of report.now.portPressure) {
      expect(p.peer).toBe('10.0.0.5:8080');
      expect(p.severity).toBe(fleet.find((x) => x.name === p.host)!.planted.portShare > 0.9 ? 'critical' : 'warning');
    }
  });

  it('per rule: the failing hosts are the planted ones, grouped, and agree with the matrix', () => {
    const recycle = report.rules.find((r) => r.id === 'net/tcp-tw-recycle')!;
    const planted = fleet.filter((h) => h.planted.twRecycle).map((h) => h.name);
    expect(planted.length).toBeGreaterThan(0);
    expect(recycle.groups.flatMap((g) => g.hosts.map((x) => x.host)).sort()).toEqual([...planted].sort());
    expect(recycle.failing).toBe(planted.length);
    // Not applicable where the key is gone (4.12 and later).
    expect(recycle.notApplicable).toBe(fleet.filter((h) => h.facts.sysctl['net.ipv4.tcp_tw_recycle']?.state === 'absent').length);
    for (const rule of report.rules) {
      const cells = report.hosts.map((h) => h.cells[rule.id]);
      expect(rule.failing + rule.passing + rule.notApplicable).toBe(50);
      expect(cells.filter((c) => c !== 'pass' && c !== 'n/a').length).toBe(rule.failing);
      const listed = new Set(rule.groups.flatMap((g) => g.hosts.map((x) => x.host)));
      expect(listed.size).toBe(rule.failing);
      for (const g of rule.groups) for (const x of g.hosts) expect(report.hosts.find((h) => h.name === x.host)!.cells[rule.id]).not.toMatch(/pass|n\/a/);
    }
    // Worst rule first.
    const rank = (s: Severity | null) => (s === null ? 9 : ['critical', 'warning', 'info'].indexOf(s));
    expect(report.rules.map((r) => rank(r.worst))).toEqual([...report.rules.map((r) => rank(r.worst))].sort((a, b) => a - b));
  });

  it('per key: the distribution is the planted tally, and the odd ones out are the rare values', () => {
    const soma = report.keys.find((k) => k.key === 'net.core.somaxconn')!;
    const planted = tally(fleet.map((h) => h.planted.somaxconn));
    expect(new Map(soma.values.map((v) => [v.value, v.count]))).toEqual(planted);
    expect(soma.values[0]!.value).toBe('4096');
    const rare = [...planted].filter(([v, n]) => v !== '4096' && n <= 5).map(([v]) => v).sort();
    expect(soma.oddOnesOut.map((o) => o.value).sort()).toEqual(rare);
    for (const o of soma.oddOnesOut) {
      expect(o.hosts.sort()).toEqual(fleet.filter((h) => h.planted.somaxconn === o.value).map((h) => h.name).sort());
    }
    const fin = report.keys.find((k) => k.key === 'net.ipv4.tcp_fin_timeout')!;
    expect(new Map(fin.values.map((v) => [v.value, v.count]))).toEqual(tally(fleet.map((h) => h.planted.finTimeout)));
    // Counters are not settings; a key computed at boot is flagged.
    expect(report.keys.find((k) => k.key === 'fs.file-nr')).toBeUndefined();
    expect(report.keys.find((k) => k.key === 'fs.file-max')?.computedAtBoot).toBe(true);
    expect(soma.computedAtBoot).toBe(false);
  });

  it('profiles: each group lists its hosts, and a key disagrees exactly where the planted values differ', () => {
    for (const g of report.profileGroups) {
      const members = fleet.filter((h) => h.profiles.join(',') === g.profiles.join(','));
      expect(g.hosts.sort()).toEqual(members.map((h) => h.name).sort());
      const values = new Set(members.map((h) => h.planted.somaxconn));
      const d = g.disagreements.find((x) => x.key === 'net.core.somaxconn');
      if (values.size > 1) expect(new Set(d!.values.map((v) => v.value))).toEqual(values);
      else expect(d).toBeUndefined();
    }
    expect(report.profileGroups.map((g) => g.profiles.join(',')).sort()).toEqual([...new Set(fleet.map((h) => h.profiles.join(',')))].sort());
  });
});

describe('report edge cases', () => {
  it('hosts without a profile are judged by the kernel rules and form no profile group', () => {
    const r = buildReport([{ name: 'a', facts: host('6.1'), profile: EMPTY_PROFILE, profileSource: 'none' }], rules);
    expect(r.profileGroups).toEqual([]);
    expect(r.hosts[0]!.cells['profile/sysctl-target']).toBe('pass');
  });

  it('two hosts with different values: no odd one out (a tie), the key still differs', () => {
    const r = buildReport(
      [
        { name: 'a', facts: host('6.1', { sysctl: { 'net.core.somaxconn': '128' } }), profile: EMPTY_PROFILE, profileSource: 'none' },
        { name: 'b', facts: host('6.1', { sysctl: { 'net.core.somaxconn': '4096' } }), profile: EMPTY_PROFILE, profileSource: 'none' },
      ],
      rules,
    );
    const k = r.keys.find((x) => x.key === 'net.core.somaxconn')!;
    expect(k.values).toHaveLength(2);
    expect(k.oddOnesOut).toEqual([]);
  });

  it('a socket table that could not be read is said so, never counted as healthy', () => {
    const f = host('6.1');
    f.sockets.available = false;
    const r = buildReport([{ name: 'x', facts: f, profile: EMPTY_PROFILE, profileSource: 'none' }], rules);
    expect(r.now.socketsUnknown).toEqual(['x']);
    expect(r.hosts[0]!.socketsKnown).toBe(false);
  });
});

describe('foldHostNames', () => {
  it.each([
    [['web01', 'web02', 'web03', 'web05'], ['web[01-03,05]']],
    [['web9', 'web10', 'web11'], ['web[9-11]']],
    [['web01', 'web1'], ['web1', 'web01']],
    [['db1.example.com', 'db2.example.com', 'lb'], ['db[1-2].example.com', 'lb']],
    [['a', 'a'], ['a']],
    [['node-7'], ['node-7']],
  ])('%j → %j', (names, folded) => {
    expect(foldHostNames(names)).toEqual(folded);
  });
});
