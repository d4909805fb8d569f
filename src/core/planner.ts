// The planner: facts + profiles + findings → the files knobs manages, the live
// values to set, and warnings. Pure and deterministic.
//
// What goes into the sysctl file:
//  - every profile target the kernel has (the smallest value that meets it,
//    keeping live fields that already do better);
//  - every rule fix (a finding's proposed change) that is not accepted;
//  - lines knobs wrote earlier for keys --only leaves untouched, and rule fixes
//    still in effect (the finding is gone *because* of the line).
// File names are chosen so that our lines win at boot: if a later file sets a
// managed key to another value, a name that sorts after it is used; if none can
// (procps reads /etc/sysctl.conf last), the plan warns and names the winner.

import { rejectReason } from './catalog.js';
import { comparableLimit, parseLimitsConf } from './limits-conf.js';
import { makeOnlyMatcher } from './only.js';
import {
  isManaged,
  oneLine,
  parseManagedSysctl,
  renderDropIn,
  renderLimitsFile,
  renderSysctlFile,
  type LimitsLine,
  type SysctlLine,
} from './render.js';
import type { Finding, HostFacts, LimitLine, ResolvedProfile } from './types.js';
import { fold, nearestSatisfying, satisfies, toInt } from './values.js';

export const SYSCTL_DIR = '/etc/sysctl.d';
export const LIMITS_DIR = '/etc/security/limits.d';
export const UNIT_DIR = '/etc/systemd/system';
/** Tried in order; the first that sorts after every competing file wins. */
export const NAME_CANDIDATES = ['90-knobs.conf', '99-knobs.conf', '99-zz-knobs.conf'] as const;

export interface ExistingFile {
  path: string;
  content: string;
}

/** Files knobs may own: `*-knobs.conf` in the directories it writes. */
export interface ManagedState {
  sysctl: ExistingFile[];
  limits: ExistingFile[];
  /** Drop-ins per unit (`nginx.service` → files in its .d directory under /etc). */
  dropIns: Record<string, ExistingFile[]>;
}

export interface PlanInput {
  facts: HostFacts;
  profile: ResolvedProfile;
  findings: readonly Finding[];
  /** Rule ids that exist, so old rule lines of removed rules are dropped. */
  ruleIds: readonly string[];
  only: readonly string[];
  /** Keys to leave exactly as they are, as --only leaves keys it does not match (the wizard's skipped changes). */
  except?: readonly string[];
  services: readonly string[];
  managed: ManagedState;
  /** Current LimitNOFILE of each service as systemd would start it, for `from`. */
  serviceNofile?: Record<string, string | null>;
}

export interface PlanChange {
  kind: 'sysctl' | 'limit' | 'systemd';
  key: string;
  from: string | null;
  to: string;
  reason: string;
  domain?: string;
  type?: 'soft' | 'hard';
  unit?: string;
}

export interface PlanFile {
  path: string;
  before: string | null;
  after: string | null;
  /** Limits files and drop-ins: written after live sysctls (fs.nr_open first), see the lock-out guard. */
  afterSysctls: boolean;
}

export interface PlanWarning {
  id: string;
  message: string;
}

export interface Plan {
  profiles: string[];
  only: string[];
  changes: PlanChange[];
  /** Files whose content would change, in the order they must be written. */
  files: PlanFile[];
  /** Live values to set (sysctl), in order; fs.nr_open comes first when limits depend on it. */
  runtime: { key: string; from: string | null; to: string }[];
  warnings: PlanWarning[];
  /** Unsafe plans: nothing may be applied while any is present (exit 1). */
  refusals: PlanWarning[];
  /** What still has to happen after apply for every value to take effect. */
  followUps: string[];
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const byteCmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Rules judge live values, but a plan may write others: a profile target moves the
 * low end of ip_local_port_range, and the parity rule then objects to the range as
 * written (found by the apply-then-plan property test: 40000 65000 under
 * load-balancer became 10240 65000, which the next plan changed to 10240 64999). So
 * the planned values are judged again as if they were live, and the plan is made
 * again with those fixes, until it stops moving (a few rounds at most).
 */
export function settlePlan(input: PlanInput, judge: (facts: HostFacts) => readonly Finding[], maxRounds = 3): Plan {
  let findings = input.findings;
  let plan = computePlan(input);
  for (let round = 0; round < maxRounds; round++) {
    const planned = new Map(plan.changes.filter((c) => c.kind === 'sysctl').map((c) => [c.key, c.to]));
    if (planned.size === 0) break;
    const sysctl = { ...input.facts.sysctl };
    for (const [key, value] of planned) {
      const fact = sysctl[key];
      if (fact) sysctl[key] = { ...fact, live: value };
    }
    const sysctlFix = (f: Finding) => (f.change?.kind === 'sysctl' ? f.change : null);
    const again = judge({ ...input.facts, sysctl }).filter((f) => {
      const c = sysctlFix(f);
      return !f.accepted && c !== null && planned.has(c.key) && fold(c.value) !== fold(planned.get(c.key)!);
    });
    if (again.length === 0) break;
    const judgedAgain = new Set(again.map((f) => `${f.id}\0${sysctlFix(f)!.key}`));
    findings = [...findings.filter((f) => !judgedAgain.has(`${f.id}\0${sysctlFix(f)?.key}`)), ...again];
    plan = computePlan({ ...input, findings });
  }
  return plan;
}

export function computePlan(input: PlanInput): Plan {
  const plan: Plan = {
    profiles: [...input.profile.names],
    only: [...input.only],
    changes: [],
    files: [],
    runtime: [],
    warnings: [],
    refusals: [],
    followUps: [],
  };
  const only = makeOnlyMatcher(input.only);
  const except = new Set(input.except ?? []);
  const allowed = (key: string) => only(key) && !except.has(key);
  const sysctl = desiredSysctl(input, allowed, plan);
  planSysctlFile(input, sysctl, plan);
  planRuntime(input, sysctl, plan);
  const nrOpen = effectiveNrOpen(input.facts, sysctl);
  planLimitsFile(input, allowed, nrOpen, plan);
  planDropIns(input, only, nrOpen, plan);
  return plan;
}

// ---- sysctl ----------------------------------------------------------------------

function desiredSysctl(input: PlanInput, allowed: (k: string) => boolean, plan: Plan): Map<string, SysctlLine> {
  const { facts, profile } = input;
  const lines = new Map<string, SysctlLine>();
  const previous = input.managed.sysctl.filter((f) => isManaged(f.content)).flatMap((f) => parseManagedSysctl(f.content));

  for (const l of previous) {
    const fact = facts.sysctl[l.key];
    if (!allowed(l.key)) {
      lines.set(l.key, l); // --only leaves it alone
    } else if (l.rule !== 'profile/sysctl-target' && input.ruleIds.includes(l.rule) && fact?.state === 'present' && fact.live === l.value) {
      lines.set(l.key, l); // a rule fix still in effect
    }
  }

  for (const t of Object.values(profile.sysctl)) {
    if (!allowed(t.key)) continue;
    const fact = facts.sysctl[t.key];
    if (!fact || fact.state === 'absent') {
      plan.warnings.push({ id: 'key-missing', message: `${t.key} does not exist on this kernel (${facts.kernel.release}); profile ${t.profile}'s target is not written` });
      continue;
    }
    if (fact.state === 'unreadable' || fact.live === null) {
      plan.warnings.push({ id: 'key-unreadable', message: `${t.key} cannot be read here; not written` });
      continue;
    }
    const value = nearestSatisfying(fact.live, t.op, t.values);
    const why = rejectReason(t.key, value, facts.kernel.version);
    if (why) {
      plan.warnings.push({ id: 'value-rejected', message: `${t.key} = ${value} would be rejected by this kernel (${why}); not written` });
      continue;
    }
    lines.set(t.key, { rule: 'profile/sysctl-target', reason: `${t.profile}: ${t.rationale || 'profile target'}`, key: t.key, value });
    for (const o of t.overridden ?? []) {
      if (o.conflict) {
        plan.warnings.push({ id: 'profile-conflict', message: `${t.key}: profiles ${o.profile} and ${t.profile} conflict; ${t.profile} (listed later) wins with ${value}` });
      }
    }
  }

  for (const f of input.findings) {
    if (f.accepted || f.change?.kind !== 'sysctl' || f.id === 'profile/sysctl-target') continue;
    const { key, value } = f.change;
    if (!allowed(key)) continue;
    if (facts.sysctl[key]?.state !== 'present') continue;
    const why = rejectReason(key, value, facts.kernel.version);
    if (why) {
      plan.warnings.push({ id: 'value-rejected', message: `${f.id} proposes ${key} = ${value}, which this kernel rejects (${why}); not written` });
      continue;
    }
    const prev = lines.get(key);
    const target = profile.sysctl[key];
    if (target && prev) {
      // Rules judge the live value; the profile's value replaces it anyway. A fix
      // that also meets the target refines the value under the profile's name, so
      // the file stays the same once the fix is in effect and the rule goes quiet.
      if (satisfies(value, target.op, target.values)) lines.set(key, { ...prev, value: fold(value) });
      continue;
    }
    lines.set(key, { rule: f.id, reason: f.message, key, value: fold(value) });
  }
  return lines;
}

/** Files read at boot after a candidate name, that set one of our keys differently. */
function bootCompetitors(facts: HostFacts, lines: Map<string, SysctlLine>) {
  const loader = facts.sysctlConfig.loader;
  const out: { file: string; name: string | null; key: string; value: string }[] = [];
  for (const f of facts.sysctlConfig.files) {
    if (!f.readBy.includes(loader) || /-knobs\.conf$/.test(f.path)) continue;
    // procps reads /etc/sysctl.conf itself, after every sysctl.d file: no name can follow it.
    const name = f.path === '/etc/sysctl.conf' ? null : baseName(f.path);
    for (const e of f.entries) {
      if (e.exclude || e.value === null || e.glob) continue;
      const ours = lines.get(e.key);
      if (ours && fold(ours.value) !== fold(e.value)) out.push({ file: f.path, name, key: e.key, value: fold(e.value) });
    }
  }
  return out;
}

function chooseName(existing: ExistingFile[], competitors: { name: string | null }[], dir: string): string {
  const taken = new Set(existing.filter((f) => !isManaged(f.content)).map((f) => baseName(f.path)));
  const names = competitors.map((c) => c.name).filter((n): n is string => n !== null);
  const usable = NAME_CANDIDATES.filter((n) => !taken.has(n));
  const best = usable.find((n) => names.every((c) => byteCmp(n, c) > 0));
  // No candidate beats every competitor: keep the latest-sorting one and warn.
  return `${dir}/${best ?? usable[usable.length - 1] ?? NAME_CANDIDATES[NAME_CANDIDATES.length - 1]}`;
}

function planSysctlFile(input: PlanInput, lines: Map<string, SysctlLine>, plan: Plan): void {
  const competitors = bootCompetitors(input.facts, lines);
  const target = chooseName(input.managed.sysctl, competitors, SYSCTL_DIR);
  for (const c of competitors) {
    if (c.name === null || byteCmp(baseName(target), c.name) <= 0) {
      plan.warnings.push({
        id: 'boot-precedence',
        message: `${c.file} sets ${c.key} = ${c.value} and is read after ${target} at boot: that value would win at reboot. Remove the line there, or accept its value.`,
      });
    }
  }
  const content = lines.size ? renderSysctlFile(plan.profiles, [...lines.values()]) : null;
  const before = input.managed.sysctl.find((f) => f.path === target)?.content ?? null;
  if (before !== null && !isManaged(before)) {
    plan.refusals.push({ id: 'not-ours', message: `${target} exists and was not written by knobs; refusing to overwrite it` });
    return;
  }
  const previousLines = input.managed.sysctl.filter((f) => isManaged(f.content)).flatMap((f) => parseManagedSysctl(f.content));
  addFile(plan, target, before, content);
  for (const f of input.managed.sysctl) if (f.path !== target && isManaged(f.content)) addFile(plan, f.path, f.content, null);
  for (const l of lines.values()) {
    const old = previousLines.find((p) => p.key === l.key);
    const live = input.facts.sysctl[l.key]?.live ?? null;
    if (old?.value === l.value && live === l.value) continue;
    plan.changes.push({ kind: 'sysctl', key: l.key, from: live, to: l.value, reason: `${l.rule}: ${oneLine(l.reason)}` });
  }
}

function planRuntime(input: PlanInput, lines: Map<string, SysctlLine>, plan: Plan): void {
  const rt: Plan['runtime'] = [];
  for (const l of lines.values()) {
    const fact = input.facts.sysctl[l.key];
    if (!fact || fact.state !== 'present' || fact.live === l.value) continue;
    if (fact.readOnly) {
      plan.warnings.push({ id: 'read-only', message: `${l.key} is read-only here (global key in a namespace or container); persisted for the next boot only` });
      continue;
    }
    rt.push({ key: l.key, from: fact.live, to: l.value });
  }
  // Raise fs.nr_open before anything that may depend on it.
  rt.sort((a, b) => (a.key === 'fs.nr_open' ? -1 : b.key === 'fs.nr_open' ? 1 : byteCmp(a.key, b.key)));
  plan.runtime = rt;
}

function effectiveNrOpen(facts: HostFacts, lines: Map<string, SysctlLine>): number {
  return toInt(lines.get('fs.nr_open')?.value) ?? toInt(facts.sysctl['fs.nr_open']?.live) ?? 1048576;
}

// ---- limits ----------------------------------------------------------------------

function limitNumber(v: string, nrOpen: number, item: string): number {
  return comparableLimit(item, v, nrOpen) ?? NaN;
}

/** The value pam_limits gives `domain` for item/type from lines of equal specificity (last wins). */
function currentForDomain(lines: readonly LimitLine[], domain: string, type: 'soft' | 'hard', item: string): LimitLine | undefined {
  let found: LimitLine | undefined;
  for (const l of lines) if (l.domain === domain && l.item === item && (l.type === type || l.type === '-')) found = l;
  return found;
}

function planLimitsFile(input: PlanInput, allowed: (k: string) => boolean, nrOpen: number, plan: Plan): void {
  const managedPaths = new Set(input.managed.limits.map((f) => f.path));
  const others = input.facts.limits.pam.filter((l) => !managedPaths.has(l.file));
  const previous = input.managed.limits.filter((f) => isManaged(f.content)).flatMap((f) => parseManagedLimits(f.content, f.path));
  const lines: LimitsLine[] = previous.filter((l) => !allowed(`limits.${l.item}`));

  for (const t of input.profile.limits) {
    if (!allowed(`limits.${t.item}`)) continue;
    const want = limitNumber(t.value, nrOpen, t.item);
    const have = currentForDomain(others, t.domain, t.type, t.item);
    if (have && limitNumber(have.value, nrOpen, t.item) >= want) continue; // already as generous: never lower it
    if (t.item === 'nofile' && want > nrOpen) {
      plan.refusals.push({
        id: 'nofile-above-nr-open',
        message: `${t.domain} ${t.type} nofile ${t.value} is above fs.nr_open (${nrOpen}): pam_limits would refuse every login and su for ${t.domain}. Raise fs.nr_open in the same plan or lower the limit.`,
      });
      continue;
    }
    lines.push({ rule: 'profile/limit-target', reason: `${t.profile}: ${t.rationale || 'profile target'}`, domain: t.domain, type: t.type, item: t.item, value: t.value });
  }

  for (const l of lines) {
    if (l.type !== 'soft') continue;
    const hard = lines.find((h) => h.type === 'hard' && h.domain === l.domain && h.item === l.item) ?? currentForDomain(others, l.domain, 'hard', l.item);
    if (hard && limitNumber(l.value, nrOpen, l.item) > limitNumber(hard.value, nrOpen, l.item)) {
      plan.warnings.push({
        id: 'soft-above-hard',
        message: `${l.domain} soft ${l.item} ${l.value} is above its hard limit ${hard.value}${'file' in hard ? ` (${hard.file}:${hard.line})` : ''}: pam_limits clamps the soft value to the hard one`,
      });
    }
  }

  const target = chooseLimitsName(input, others, lines);
  const content = lines.length ? renderLimitsFile(plan.profiles, lines) : null;
  const before = input.managed.limits.find((f) => f.path === target)?.content ?? null;
  if (before !== null && !isManaged(before)) {
    plan.refusals.push({ id: 'not-ours', message: `${target} exists and was not written by knobs; refusing to overwrite it` });
    return;
  }
  const changed = addFile(plan, target, before, content);
  for (const f of input.managed.limits) if (f.path !== target && isManaged(f.content)) addFile(plan, f.path, f.content, null);
  for (const l of lines) {
    const old = previous.find((p) => p.domain === l.domain && p.type === l.type && p.item === l.item);
    if (old?.value === l.value) continue;
    const have = currentForDomain(others, l.domain, l.type, l.item);
    plan.changes.push({ kind: 'limit', key: `limits.${l.item}`, domain: l.domain, type: l.type, from: have?.value ?? null, to: l.value, reason: `${l.rule}: ${oneLine(l.reason)}` });
  }
  if (changed && lines.some((l) => l.domain === '*' || l.domain === 'root')) {
    plan.warnings.push({
      id: 'test-login',
      message: 'limits for * or root change: after apply, open a NEW SSH session (or `su -` in another terminal) and check `ulimit -n` before closing this one.',
    });
  }
  if (changed) plan.followUps.push('limits.d applies to new login sessions only; running processes and systemd services keep their limits (use --service UNIT for services).');
}

/** A later limits.d file with an equally specific line wins in pam_limits: sort after it or warn. */
function chooseLimitsName(input: PlanInput, others: readonly LimitLine[], lines: readonly LimitsLine[]): string {
  const competitors = others
    .filter((o) => o.file.startsWith(`${LIMITS_DIR}/`))
    .filter((o) => lines.some((l) => l.domain === o.domain && l.item === o.item && (o.type === l.type || o.type === '-')))
    .map((o) => ({ name: baseName(o.file) }));
  return chooseName(input.managed.limits, competitors, LIMITS_DIR);
}

export function parseManagedLimits(text: string, file: string): LimitsLine[] {
  const parsed = parseLimitsConf(text, file).lines;
  const rows = text.split('\n');
  return parsed.map((l) => {
    const c = /^# ([\w-]+\/[\w-]+): (.*)$/.exec(rows[l.line - 2]?.trim() ?? '');
    return {
      rule: c?.[1] ?? 'profile/limit-target',
      reason: c?.[2] ?? '',
      domain: l.domain,
      type: l.type === '-' ? 'hard' : l.type,
      item: l.item,
      value: l.value,
    };
  });
}

// ---- systemd drop-ins ---------------------------------------------------------------

export function unitName(service: string): string {
  return /\.(service|socket|mount|timer|target|slice|scope)$/.test(service) ? service : `${service}.service`;
}

function planDropIns(input: PlanInput, allowed: (k: string) => boolean, nrOpen: number, plan: Plan): void {
  if (!input.services.length) return;
  if (!allowed('limits.nofile')) return;
  const soft = input.profile.limits.find((l) => l.domain === '*' && l.type === 'soft' && l.item === 'nofile');
  const hard = input.profile.limits.find((l) => l.domain === '*' && l.type === 'hard' && l.item === 'nofile');
  if (!soft && !hard) {
    plan.warnings.push({ id: 'no-nofile-target', message: `profiles ${plan.profiles.join(', ') || '(none)'} set no nofile limit; nothing to write for --service` });
    return;
  }
  const softV = soft?.value ?? hard!.value;
  const hardV = hard?.value ?? soft!.value;
  if (limitNumber(hardV, nrOpen, 'nofile') > nrOpen) {
    plan.refusals.push({ id: 'nofile-above-nr-open', message: `LimitNOFILE hard ${hardV} is above fs.nr_open (${nrOpen}): the service would fail to start` });
    return;
  }
  const value = softV === hardV ? softV : `${softV}:${hardV}`;
  for (const service of input.services) {
    const unit = unitName(service);
    const existing = input.managed.dropIns[unit] ?? [];
    const path = `${UNIT_DIR}/${unit}.d/90-knobs.conf`;
    const before = existing.find((f) => f.path === path)?.content ?? null;
    if (before !== null && !isManaged(before)) {
      plan.refusals.push({ id: 'not-ours', message: `${path} exists and was not written by knobs; refusing to overwrite it` });
      continue;
    }
    const reason = `${(soft ?? hard)!.profile}: ${soft?.rationale || hard?.rationale || 'profile nofile target'}`;
    const content = renderDropIn(plan.profiles, unit, [{ rule: 'profile/limit-target', reason, directive: 'LimitNOFILE', value }]);
    if (addFile(plan, path, before, content)) {
      plan.changes.push({ kind: 'systemd', key: `${unit}:LimitNOFILE`, unit, from: input.serviceNofile?.[unit] ?? null, to: value, reason: `profile/limit-target: ${oneLine(reason)}` });
      plan.followUps.push(`${unit}: run \`systemctl daemon-reload\`, then restart it (\`systemctl restart ${unit}\`) for LimitNOFILE=${value} to take effect.`);
    }
  }
}

function addFile(plan: Plan, path: string, before: string | null, after: string | null): boolean {
  if (before === after) return false;
  plan.files.push({ path, before, after, afterSysctls: !path.startsWith(`${SYSCTL_DIR}/`) });
  return true;
}
