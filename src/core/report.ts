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

/** web2 before web10: runs of digits compare as numbers, the rest by code unit (no locale). */
export function byName(a: string, b: string): number {
  const ra = /\d+|\D+/g;
  const rb = /\d+|\D+/g;
  for (;;) {
    const x = ra.exec(a)?.[0];
    const y = rb.exec(b)?.[0];
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1;
    if (x === y) continue;
    const dx = x.charCodeAt(0) <= 57 && x.charCodeAt(0) >= 48;
    const dy = y.charCodeAt(0) <= 57 && y.charCodeAt(0) >= 48;
    if (dx && dy) {
      const nx = x.replace(/^0+/, '');
      const ny = y.replace(/^0+/, '');
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
      if (x.length !== y.length) return x.length - y.length; // 01 after 1
      continue;
    }
    return x < y ? -1 : 1;
  }
}

export const ABSENT = '(absent)';
export const UNREADABLE = '(unreadable)';

/** Snapshots hold live values folded already (one space between fields). */
function valueOf(f: SysctlFact): string {
  return f.state === 'present' && f.live !== null ? f.live : f.state === 'absent' ? ABSENT : UNREADABLE;
}

/** Counters and status lines (fs.file-nr) say how busy a host is, not how it is tuned. */
const settingCache = new Map<string, boolean>();
function isSetting(key: string): boolean {
  let hit = settingCache.get(key);
  if (hit === undefined) settingCache.set(key, (hit = !keyInfo(key)?.readOnly));
  return hit;
}

/**
 * Builds the report one host at a time, keeping of each snapshot only what the
 * report shows (cells, failing findings, values as strings), so a thousand
 * snapshots need not all be in memory at once.
 */
export class ReportBuilder {
  private readonly rows: HostRow[] = [];
  private readonly findings: { name: string; findings: Finding[] }[] = [];
  /** key → host → value. */
  private readonly values = new Map<string, Map<string, string>>();
  /** profile list → its targets' keys, members, and keys a boot file sets on any member. */
  private readonly groups = new Map<string, { profiles: string[]; keys: Set<string>; hosts: string[] }>();
  private readonly kernels = new Map<string, number>();
  private readonly closeWait: CloseWaitLeak[] = [];
  private readonly portPressure: PortPressure[] = [];
  private readonly socketsUnknown: string[] = [];

  constructor(private readonly rules: readonly Rule[]) {}

  add(input: ReportHostInput): void {
    this.addSummary(summarizeHost(input, this.rules));
  }

  /** A host summarized elsewhere (a worker thread reading its share of the snapshots). */
  addSummary(h: HostSummary): void {
    const name = h.row.name;
    this.rows.push(h.row);
    if (h.findings.length) this.findings.push({ name, findings: h.findings });
    this.kernels.set(h.kernel, (this.kernels.get(h.kernel) ?? 0) + 1);
    if (h.group) {
      const id = h.group.profiles.join(',');
      const group = this.groups.get(id) ?? { profiles: [...h.group.profiles], keys: new Set(h.group.targetKeys), hosts: [] };
      this.groups.set(id, group);
      group.hosts.push(name);
      for (const k of h.group.bootKeys) group.keys.add(k);
    }
    for (let i = 0; i < h.values.length; i += 2) {
      const key = h.values[i]!;
      let perHost = this.values.get(key);
      if (!perHost) this.values.set(key, (perHost = new Map()));
      perHost.set(name, h.values[i + 1]!);
    }
    if (!h.socketsKnown) this.socketsUnknown.push(name);
    if (h.closeWait) this.closeWait.push(h.closeWait);
    if (h.portPressure) this.portPressure.push(h.portPressure);
  }

  finish(): FleetReport {
    const rows = [...this.rows].sort((a, b) => byName(a.name, b.name));
    const worst: FleetReport['worst'] = { critical: 0, warning: 0, info: 0, clean: 0 };
    for (const r of rows) worst[r.worst ?? 'clean']++;
    const bySeverityThen = <T extends { severity: Severity; host: string }>(n: (x: T) => number) => (a: T, b: T) =>
      severityRank(a.severity) - severityRank(b.severity) || n(b) - n(a) || byName(a.host, b.host);
    return {
      hostCount: rows.length,
      worst,
      kernels: [...this.kernels].map(([version, n]) => ({ version, hosts: n })).sort((a, b) => byName(a.version, b.version)),
      hosts: rows,
      rules: ruleSummaries(this.rules, [...this.findings].sort((a, b) => byName(a.name, b.name)), rows),
      keys: this.keyDistributions(),
      profileGroups: this.profileGroups(),
      now: {
        closeWait: [...this.closeWait].sort(bySeverityThen((x) => x.count)),
        portPressure: [...this.portPressure].sort(bySeverityThen((x) => x.timeWait ?? 0)),
        socketsUnknown: [...this.socketsUnknown].sort(byName),
      },
    };
  }

  private keyDistributions(): KeyDistribution[] {
    const out: KeyDistribution[] = [];
    for (const [key, perHost] of this.values) {
      const byValue = invert(perHost);
      if (byValue.size === 1 && byValue.has(ABSENT)) continue; // no host has it: nothing to compare
      const counts = [...byValue].map(([value, names]) => ({ value, count: names.length })).sort((a, b) => b.count - a.count || byName(a.value, b.value));
      const odd = oddValues(counts, perHost.size);
      const info = keyInfo(key);
      out.push({
        key,
        hosts: perHost.size,
        values: counts,
        oddOnesOut: counts.filter((v) => odd.has(v.value)).map((v) => ({ value: v.value, hosts: byValue.get(v.value)!.sort(byName) })),
        computedAtBoot: info !== undefined && info.defaults === undefined && info.defaultNote !== undefined,
      });
    }
    // Keys that differ first (most distinct values), then by name.
    return out.sort((a, b) => b.values.length - a.values.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private profileGroups(): ProfileGroup[] {
    const out: ProfileGroup[] = [];
    for (const g of this.groups.values()) {
      const members = [...g.hosts].sort(byName);
      const disagreements: ProfileGroup['disagreements'] = [];
      for (const key of [...g.keys].sort()) {
        const perHost = this.values.get(key);
        if (!perHost) continue;
        const values = new Map<string, string[]>();
        for (const h of members) {
          const v = perHost.get(h);
          if (v === undefined) continue;
          const list = values.get(v);
          if (list) list.push(h);
          else values.set(v, [h]);
        }
        if (values.size < 2) continue;
        disagreements.push({
          key,
          values: [...values].map(([value, hosts]) => ({ value, hosts })).sort((a, b) => b.hosts.length - a.hosts.length || byName(a.value, b.value)),
        });
      }
      out.push({ profiles: g.profiles, hosts: members, disagreements });
    }
    return out.sort((a, b) => b.disagreements.length - a.disagreements.length || byName(a.profiles.join(','), b.profiles.join(',')));
  }
}

/** What the report keeps of one snapshot: plain data, cheap to pass between threads. */
export interface HostSummary {
  row: HostRow;
  /** Open (not accepted) findings. */
  findings: Finding[];
  /** Kernel as major.minor (the release when unparsed). */
  kernel: string;
  group: { profiles: string[]; targetKeys: string[]; bootKeys: string[] } | null;
  /** Settings' live values, flat: key, value, key, value… */
  values: string[];
  socketsKnown: boolean;
  closeWait: CloseWaitLeak | null;
  portPressure: PortPressure | null;
}

export function summarizeHost(input: ReportHostInput, rules: readonly Rule[]): HostSummary {
  const { name, facts, profile } = input;
  const ev = evaluate(facts, profile, rules);
  const open = ev.findings.filter((f) => !f.accepted);
  const values: string[] = [];
  const bootKeys: string[] = [];
  for (const key in facts.sysctl) {
    if (!isSetting(key)) continue;
    const fact = facts.sysctl[key]!;
    values.push(key, valueOf(fact));
    if (fact.boot) bootKeys.push(key);
  }
  // A handful of CLOSE_WAIT is an info finding, not a leak to look at now.
  const cw = open.find((f) => f.id === CLOSE_WAIT_RULE && f.severity !== 'info');
  const pp = open.filter((f) => f.id === PORT_PRESSURE_RULE);
  const busiest = pp.length ? [...facts.sockets.timeWaitByDestination].sort((a, b) => b.count - a.count || (a.peer < b.peer ? -1 : 1))[0] : undefined;
  const worstPp = pp.length ? pp.reduce((a, b) => (severityRank(b.severity) < severityRank(a.severity) ? b : a)) : null;
  return {
    row: hostRow(input, rules, ev.notApplicable.map((n) => n.id), open),
    findings: open,
    kernel: facts.kernel.version?.split('.').slice(0, 2).join('.') ?? facts.kernel.release,
    group: profile.names.length ? { profiles: [...profile.names], targetKeys: Object.keys(profile.sysctl), bootKeys } : null,
    values,
    socketsKnown: facts.sockets.available,
    closeWait: cw
      ? {
          host: name,
          severity: cw.severity,
          count: facts.sockets.states.CLOSE_WAIT,
          owners: (facts.workload?.closeWait ?? []).slice(0, 3).map((o) => ({ pid: o.pid, comm: o.comm, count: o.count })),
          message: cw.message,
        }
      : null,
    portPressure: worstPp
      ? { host: name, severity: worstPp.severity, peer: busiest?.peer ?? null, timeWait: busiest?.count ?? null, message: worstPp.message }
      : null,
  };
}

function invert(perHost: ReadonlyMap<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [h, v] of perHost) {
    const list = out.get(v);
    if (list) list.push(h);
    else out.set(v, [h]);
  }
  return out;
}

function hostRow(input: ReportHostInput, rules: readonly Rule[], notApplicable: readonly string[], open: readonly Finding[]): HostRow {
  const cells: Record<string, Cell> = {};
  for (const r of rules) cells[r.id] = 'pass';
  for (const id of notApplicable) cells[id] = 'n/a';
  const summary: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const f of open) {
    summary[f.severity]++;
    const c = cells[f.id];
    if (c === 'pass' || c === 'n/a' || c === undefined || severityRank(f.severity) < severityRank(c)) cells[f.id] = f.severity;
  }
  return {
    name: input.name,
    kernel: input.facts.kernel.release,
    profiles: input.profile.names,
    profileSource: input.profileSource,
    summary,
    worst: summary.critical ? 'critical' : summary.warning ? 'warning' : summary.info ? 'info' : null,
    cells,
    socketsKnown: input.facts.sockets.available,
  };
}

/** All hosts at once (tests, small fleets); the CLI feeds a ReportBuilder file by file. */
export function buildReport(inputs: readonly ReportHostInput[], rules: readonly Rule[]): FleetReport {
  const b = new ReportBuilder(rules);
  for (const h of inputs) b.add(h);
  return b.finish();
}

function ruleSummaries(rules: readonly Rule[], perHost: { name: string; findings: readonly Finding[] }[], rows: readonly HostRow[]): RuleSummary[] {
  const out: RuleSummary[] = [];
  const byRule = new Map<string, { name: string; f: Finding }[]>();
  for (const { name, findings } of perHost) {
    for (const f of findings) {
      const list = byRule.get(f.id);
      if (list) list.push({ name, f });
      else byRule.set(f.id, [{ name, f }]);
    }
  }
  for (const rule of rules) {
    const groups = new Map<string, FindingGroup>();
    const seen = new Set<string>();
    for (const { name, f } of byRule.get(rule.id) ?? []) {
      const id = JSON.stringify([f.severity, f.key, f.recommended, f.messageId]);
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { severity: f.severity, key: f.key, recommended: f.recommended, messageId: f.messageId, message: f.message, hosts: [] }));
      // A rule may report one host twice for the same key (two destinations): list the host once.
      if (!seen.has(`${id}\0${name}`)) g.hosts.push({ host: name, current: f.current });
      seen.add(`${id}\0${name}`);
    }
    let failing = 0;
    let passing = 0;
    let notApplicable = 0;
    for (const r of rows) {
      const c = r.cells[rule.id];
      if (c === 'pass') passing++;
      else if (c === 'n/a') notApplicable++;
      else failing++;
    }
    const sorted = [...groups.values()].sort(
      (a, b) => severityRank(a.severity) - severityRank(b.severity) || b.hosts.length - a.hosts.length || (a.key ?? '').localeCompare(b.key ?? ''),
    );
    out.push({ id: rule.id, summary: rule.summary, worst: sorted[0]?.severity ?? null, failing, passing, notApplicable, groups: sorted });
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
