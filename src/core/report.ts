// The fleet report: many host snapshots (`knobs facts --json`, one per host) →
// what an operator asks first. Which hosts fail each rule, grouped by what they
// have in common; how each key's live value is spread over the fleet and which
// hosts are the odd ones out; hosts meant to have the same profile that do not
// have the same values; and which hosts have a CLOSE_WAIT leak or ephemeral-port
// pressure right now. Pure: snapshots and rules in, plain data out; the CLI reads
// the files and renders text, JSON or HTML from this.

import { keyInfo } from './catalog.js';
import type { Rule } from './define-rule.js';
import { evaluate, severityRank } from './engine.js';
import type { Finding, HostFacts, ResolvedProfile, Severity, SysctlFact } from './types.js';
import { fold } from './values.js';

/** Rules whose findings describe what is happening on the host now, not its configuration. */
export const CLOSE_WAIT_RULE = 'sockets/close-wait';
export const PORT_PRESSURE_RULE = 'net/ephemeral-port-exhaustion';

export interface ReportHostInput {
  /** How the operator knows the host: the snapshot's file name without `.json`. */
  name: string;
  facts: HostFacts;
  /** The profiles the host is judged against, combined. */
  profile: ResolvedProfile;
  /** Where the profile came from, for the reader. */
  profileSource: 'snapshot' | 'option' | 'none';
}

/** What one rule says of one host: the worst severity it found, or why it said nothing. */
export type Cell = Severity | 'pass' | 'n/a';

export interface HostRow {
  name: string;
  kernel: string;
  profiles: string[];
  profileSource: ReportHostInput['profileSource'];
  /** Open findings (not accepted) by severity. */
  summary: Record<Severity, number>;
  /** The worst severity of any finding, or null when the host is clean. */
  worst: Severity | null;
  /** rule id → cell, for every rule. */
  cells: Record<string, Cell>;
  /** Whether the socket table could be read when the snapshot was taken. */
  socketsKnown: boolean;
}

export interface FindingGroup {
  severity: Severity;
  key: string | null;
  recommended: string | null;
  messageId: string;
  /** The message as the first host of the group got it (numbers may differ per host). */
  message: string;
  hosts: { host: string; current: string | null }[];
}

export interface RuleSummary {
  id: string;
  summary: string;
  /** The worst severity found on any host; null when no host fails it. */
  worst: Severity | null;
  failing: number;
  passing: number;
  notApplicable: number;
  /** Hosts that fail it, grouped by severity, key, recommendation and message kind. */
  groups: FindingGroup[];
}

export interface ValueCount {
  value: string;
  count: number;
}

export interface KeyDistribution {
  key: string;
  /** Hosts whose snapshot has the key. */
  hosts: number;
  /** Most common first; absent keys count as `(absent)`. */
  values: ValueCount[];
  /** Rare values (held by at most a tenth of the hosts, fewer than the most common one) and who holds them. */
  oddOnesOut: { value: string; hosts: string[] }[];
  /** The kernel computes the default at boot (from RAM, CPUs): differences are expected unless a file sets it. */
  computedAtBoot: boolean;
}

export interface ProfileGroup {
  profiles: string[];
  hosts: string[];
  /** Keys the profiles target, or a boot file sets on one of the hosts, whose live values differ between them. */
  disagreements: { key: string; values: { value: string; hosts: string[] }[] }[];
}

export interface CloseWaitLeak {
  host: string;
  severity: Severity;
  count: number;
  /** Processes holding them, most first (when the snapshot could name them). */
  owners: { pid: number; comm: string | null; count: number }[];
  message: string;
}

export interface PortPressure {
  host: string;
  severity: Severity;
  /** The busiest destination's TIME_WAIT count. */
  peer: string | null;
  timeWait: number | null;
  message: string;
}

export interface FleetReport {
  hostCount: number;
  /** Hosts with at least one open finding of that severity (a host counts once, at its worst). */
  worst: Record<Severity | 'clean', number>;
  kernels: { version: string; hosts: number }[];
  hosts: HostRow[];
  rules: RuleSummary[];
  keys: KeyDistribution[];
  profileGroups: ProfileGroup[];
  now: { closeWait: CloseWaitLeak[]; portPressure: PortPressure[]; socketsUnknown: string[] };
}

const collator = new Intl.Collator('en', { numeric: true });
/** web2 before web10. */
export const byName = (a: string, b: string) => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

export const ABSENT = '(absent)';
export const UNREADABLE = '(unreadable)';

function valueOf(f: SysctlFact): string {
  return f.state === 'present' && f.live !== null ? fold(f.live) : f.state === 'absent' ? ABSENT : UNREADABLE;
}

/** Counters and status lines (fs.file-nr) say how busy a host is, not how it is tuned. */
function isSetting(key: string): boolean {
  return !keyInfo(key)?.readOnly;
}

export function buildReport(inputs: readonly ReportHostInput[], rules: readonly Rule[]): FleetReport {
  const hosts = [...inputs].sort((a, b) => byName(a.name, b.name));
  const evaluated = hosts.map((h) => ({ input: h, ev: evaluate(h.facts, h.profile, rules) }));

  const rows: HostRow[] = evaluated.map(({ input, ev }) => {
    const cells: Record<string, Cell> = {};
    for (const r of rules) cells[r.id] = 'pass';
    for (const n of ev.notApplicable) cells[n.id] = 'n/a';
    const summary: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
    for (const f of ev.findings) {
      if (f.accepted) continue;
      summary[f.severity]++;
      const c = cells[f.id];
      if (c === 'pass' || c === 'n/a' || c === undefined || severityRank(f.severity) < severityRank(c)) cells[f.id] = f.severity;
    }
    const worst = summary.critical ? 'critical' : summary.warning ? 'warning' : summary.info ? 'info' : null;
    return {
      name: input.name,
      kernel: input.facts.kernel.release,
      profiles: input.profile.names,
      profileSource: input.profileSource,
      summary,
      worst,
      cells,
      socketsKnown: input.facts.sockets.available,
    };
  });

  const worst: FleetReport['worst'] = { critical: 0, warning: 0, info: 0, clean: 0 };
  for (const r of rows) worst[r.worst ?? 'clean']++;

  return {
    hostCount: hosts.length,
    worst,
    kernels: kernelCounts(hosts),
    hosts: rows,
    rules: ruleSummaries(rules, evaluated.map(({ input, ev }) => ({ name: input.name, findings: ev.findings })), rows),
    keys: keyDistributions(hosts),
    profileGroups: profileGroups(hosts),
    now: symptoms(evaluated.map(({ input, ev }) => ({ input, findings: ev.findings }))),
  };
}

function kernelCounts(hosts: readonly ReportHostInput[]): FleetReport['kernels'] {
  const counts = new Map<string, number>();
  for (const h of hosts) {
    const v = h.facts.kernel.version?.split('.').slice(0, 2).join('.') ?? h.facts.kernel.release;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts].map(([version, n]) => ({ version, hosts: n })).sort((a, b) => byName(a.version, b.version));
}

function ruleSummaries(rules: readonly Rule[], perHost: { name: string; findings: readonly Finding[] }[], rows: readonly HostRow[]): RuleSummary[] {
  const out: RuleSummary[] = [];
  for (const rule of rules) {
    const groups = new Map<string, FindingGroup>();
    for (const { name, findings } of perHost) {
      const seen = new Set<string>();
      for (const f of findings) {
        if (f.id !== rule.id || f.accepted) continue;
        const id = JSON.stringify([f.severity, f.key, f.recommended, f.messageId]);
        let g = groups.get(id);
        if (!g) groups.set(id, (g = { severity: f.severity, key: f.key, recommended: f.recommended, messageId: f.messageId, message: f.message, hosts: [] }));
        // A rule may report one host twice for the same key (two destinations): list the host once.
        if (!seen.has(id)) g.hosts.push({ host: name, current: f.current });
        seen.add(id);
      }
    }
    const cells = rows.map((r) => r.cells[rule.id]);
    const failing = cells.filter((c) => c === 'critical' || c === 'warning' || c === 'info').length;
    const sorted = [...groups.values()].sort(
      (a, b) => severityRank(a.severity) - severityRank(b.severity) || b.hosts.length - a.hosts.length || (a.key ?? '').localeCompare(b.key ?? ''),
    );
    out.push({
      id: rule.id,
      summary: rule.summary,
      worst: sorted[0]?.severity ?? null,
      failing,
      passing: cells.filter((c) => c === 'pass').length,
      notApplicable: cells.filter((c) => c === 'n/a').length,
      groups: sorted,
    });
  }
  // Worst first, then the most hosts; rules that no host fails keep their id order at the end.
  return out.sort((a, b) => rankOf(a.worst) - rankOf(b.worst) || b.failing - a.failing || a.id.localeCompare(b.id));
}

const rankOf = (s: Severity | null) => (s === null ? 9 : severityRank(s));

/** Values a tenth of the fleet or fewer hold (at least one host), when another value is more common. */
function oddValues(values: readonly ValueCount[], hostCount: number): Set<string> {
  const top = values[0]?.count ?? 0;
  const limit = Math.max(1, Math.floor(hostCount / 10));
  return new Set(values.filter((v) => v.count <= limit && v.count < top).map((v) => v.value));
}

function keyDistributions(hosts: readonly ReportHostInput[]): KeyDistribution[] {
  const byKey = new Map<string, Map<string, string[]>>();
  for (const h of hosts) {
    for (const [key, fact] of Object.entries(h.facts.sysctl)) {
      if (!isSetting(key)) continue;
      let values = byKey.get(key);
      if (!values) byKey.set(key, (values = new Map()));
      const v = valueOf(fact);
      const list = values.get(v);
      if (list) list.push(h.name);
      else values.set(v, [h.name]);
    }
  }
  const out: KeyDistribution[] = [];
  for (const [key, values] of byKey) {
    if (values.size === 1 && values.has(ABSENT)) continue; // no host has it: nothing to compare
    const counts = [...values].map(([value, names]) => ({ value, count: names.length })).sort((a, b) => b.count - a.count || byName(a.value, b.value));
    const total = counts.reduce((n, v) => n + v.count, 0);
    const odd = oddValues(counts, total);
    const info = keyInfo(key);
    out.push({
      key,
      hosts: total,
      values: counts,
      oddOnesOut: counts.filter((v) => odd.has(v.value)).map((v) => ({ value: v.value, hosts: values.get(v.value)! })),
      computedAtBoot: info !== undefined && info.defaults === undefined && info.defaultNote !== undefined,
    });
  }
  // Keys that differ first (most distinct values), then by name.
  return out.sort((a, b) => b.values.length - a.values.length || a.key.localeCompare(b.key));
}

function profileGroups(hosts: readonly ReportHostInput[]): ProfileGroup[] {
  const groups = new Map<string, ReportHostInput[]>();
  for (const h of hosts) {
    if (!h.profile.names.length) continue;
    const id = h.profile.names.join(',');
    const g = groups.get(id);
    if (g) g.push(h);
    else groups.set(id, [h]);
  }
  const out: ProfileGroup[] = [];
  for (const members of groups.values()) {
    const keys = new Set<string>(Object.keys(members[0]!.profile.sysctl));
    for (const h of members) for (const [k, f] of Object.entries(h.facts.sysctl)) if (f.boot) keys.add(k);
    const disagreements: ProfileGroup['disagreements'] = [];
    for (const key of [...keys].sort()) {
      if (!isSetting(key)) continue;
      const values = new Map<string, string[]>();
      for (const h of members) {
        const f = h.facts.sysctl[key];
        if (!f) continue;
        const v = valueOf(f);
        const list = values.get(v);
        if (list) list.push(h.name);
        else values.set(v, [h.name]);
      }
      if (values.size < 2) continue;
      disagreements.push({
        key,
        values: [...values].map(([value, names]) => ({ value, hosts: names })).sort((a, b) => b.hosts.length - a.hosts.length || byName(a.value, b.value)),
      });
    }
    out.push({ profiles: members[0]!.profile.names, hosts: members.map((m) => m.name), disagreements });
  }
  return out.sort((a, b) => b.disagreements.length - a.disagreements.length || byName(a.profiles.join(','), b.profiles.join(',')));
}

function symptoms(perHost: { input: ReportHostInput; findings: readonly Finding[] }[]): FleetReport['now'] {
  const closeWait: CloseWaitLeak[] = [];
  const portPressure: PortPressure[] = [];
  const socketsUnknown: string[] = [];
  for (const { input, findings } of perHost) {
    const { facts, name } = input;
    if (!facts.sockets.available) socketsUnknown.push(name);
    const cw = findings.find((f) => f.id === CLOSE_WAIT_RULE && !f.accepted);
    if (cw) {
      closeWait.push({
        host: name,
        severity: cw.severity,
        count: facts.sockets.states.CLOSE_WAIT,
        owners: (facts.workload?.closeWait ?? []).slice(0, 3),
        message: cw.message,
      });
    }
    const pp = findings.filter((f) => f.id === PORT_PRESSURE_RULE && !f.accepted);
    if (pp.length) {
      const busiest = [...facts.sockets.timeWaitByDestination].sort((a, b) => b.count - a.count || a.peer.localeCompare(b.peer))[0];
      const w = pp.reduce((a, b) => (severityRank(b.severity) < severityRank(a.severity) ? b : a));
      portPressure.push({ host: name, severity: w.severity, peer: busiest?.peer ?? null, timeWait: busiest?.count ?? null, message: w.message });
    }
  }
  const bySeverityThen = <T extends { severity: Severity; host: string }>(n: (x: T) => number) => (a: T, b: T) =>
    severityRank(a.severity) - severityRank(b.severity) || n(b) - n(a) || byName(a.host, b.host);
  closeWait.sort(bySeverityThen((x) => x.count));
  portPressure.sort(bySeverityThen((x) => x.timeWait ?? 0));
  return { closeWait, portPressure, socketsUnknown };
}

/**
 * Host names as an operator writes them: runs of numbered names folded
 * (`web01 web02 web03 web05` → `web[01-03,05]`), the rest as they are. Zero-padded
 * numbers stay padded; names whose numbers are padded differently are not mixed.
 */
export function foldHostNames(names: readonly string[]): string[] {
  const groups = new Map<string, { prefix: string; suffix: string; digits: string[] }>();
  const out: string[] = [];
  for (const n of new Set(names)) {
    const m = /^(.*?)(\d{1,9})(\D*)$/.exec(n);
    if (!m) {
      out.push(n);
      continue;
    }
    const [, prefix, digits, suffix] = m as unknown as [string, string, string, string];
    const id = `${prefix}\0${suffix}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { prefix, suffix, digits: [] }));
    g.digits.push(digits);
  }
  for (const g of groups.values()) {
    const widths = new Set(g.digits.map((d) => d.length));
    const padded = g.digits.some((d) => d.length > 1 && d.startsWith('0'));
    // web9 and web10 fold together; web01 and web1 (or web010) are different names.
    const sets = widths.size === 1 || !padded ? [g.digits] : [...widths].map((w) => g.digits.filter((d) => d.length === w));
    for (const set of sets) out.push(...foldRun(g.prefix, g.suffix, set));
  }
  return out.sort(byName);
}

function foldRun(prefix: string, suffix: string, digits: readonly string[]): string[] {
  const width = new Set(digits.map((d) => d.length)).size === 1 ? digits[0]!.length : 0;
  const pad = (x: number) => String(x).padStart(width, '0');
  const nums = digits.map(Number).sort((a, b) => a - b);
  if (nums.length === 1) return [`${prefix}${digits[0]}${suffix}`];
  const parts: string[] = [];
  for (let i = 0; i < nums.length; ) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j]! + 1) j++;
    parts.push(j > i ? `${pad(nums[i]!)}-${pad(nums[j]!)}` : pad(nums[i]!));
    i = j + 1;
  }
  return [`${prefix}[${parts.join(',')}]${suffix}`];
}
