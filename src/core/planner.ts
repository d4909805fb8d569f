// The planner: facts + profiles + findings → the files knobs manages, the live
// values to set, and warnings. Pure and deterministic. It does not judge its own
// result: src/core/plan-judge.ts does that, and every caller goes through it.
//
// What goes into the sysctl file:
//  - every profile target the host does not already meet at boot (the smallest
//    value that meets it, keeping live fields that already do better). A target met
//    at boot — by another file, or by the kernel's own default — is not written: a
//    line would pin today's value (a RAM-derived fs.file-max becomes a cap after a
//    resize). `--pin` writes those too, with the target's own value. A live value
//    that misses a target met at boot is only set back at runtime;
//  - every rule fix (a finding's proposed change) that is not accepted, unless it is
//    the value the host gets at boot anyway (then it is set at runtime only);
//  - lines knobs wrote earlier for keys --only leaves untouched, and rule fixes
//    still in effect (the finding is gone *because* of the line).
// A line that leaves the file (another profile, a fix no longer needed) gets its live
// value back: the value before knobs first set it, from the journal, when the live
// value is still the one the line set; a warning says so, or says that it is unknown.
// File names are chosen so that our lines win at boot: if a later file sets a
// managed key to another value, a name that sorts after it is used; if none can
// (procps reads /etc/sysctl.conf last), the plan warns and names the winner.

import { defaultFor } from './catalog.js';
import { isOperatorLine, OPERATOR_RULE, type KeyOps } from './key-ops.js';
import { hasSideEffects, writeSideEffects, type Interfaces } from './kernel-side-effects.js';
import { comparableLimit, parseLimitsConf } from './limits-conf.js';
import { limitForSystemd } from './systemd-unit.js';
import { epermOutcome, pamBehaviour } from './pam-module.js';
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
import { parseSysctlConf } from './sysctl-conf.js';
import type { BootSource, Finding, HostFacts, LimitLine, ResolvedProfile, SysctlFact, SysctlTarget } from './types.js';
import { describeTarget, fold, nearestSatisfying, plainValue, satisfies, toInt } from './values.js';
import { hostRejectReason, neverWriteReason } from './write-checks.js';

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

/** What to do with live values that differ from what the host gets at boot (sysctl/drift, sysctl/not-persisted). */
export type DriftAction = 'persist' | 'restore';

/** The live value of a key before knobs first set it, and the transaction that recorded it. */
export interface PriorValue {
  value: string | null;
  transaction: string;
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
  /** Also write targets the host meets at boot, with the target's own value (`--pin`). */
  pin?: boolean;
  /** `--drift persist|restore`: write live values into the managed file, or set them back to the boot value. */
  drift?: DriftAction;
  /** Per key, from the journal: the live value before knobs first set it (oldest applied transaction). */
  priorValues?: Record<string, PriorValue>;
  /** `knobs set`, `unset`, `persist` (src/core/key-ops.ts): lines the operator decides, key by key. */
  keyOps?: KeyOps;
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
  /** The sysctl key it is about, when there is one: a finding the plan leaves on this key is explained by it. */
  key?: string;
}

/** A key the kernel changes by itself when a runtime value is written (src/core/kernel-side-effects.ts). */
export interface PlanSideEffect {
  /** The key whose write causes it. */
  cause: string;
  key: string;
  from: string | null;
  to: string;
  /** False: the kernel changes it only on interfaces whose value was never written explicitly. */
  certain: boolean;
}

/** A profile target the host meets at boot without a line of knobs. */
export interface MetTarget {
  key: string;
  /** The value the host gets at boot. */
  value: string;
  /** `kernel default` or `file:line`. */
  source: string;
}

export interface Plan {
  profiles: string[];
  only: string[];
  changes: PlanChange[];
  /** Files whose content would change, in the order they must be written. */
  files: PlanFile[];
  /** Live values to set (sysctl), in order; fs.nr_open comes first when limits depend on it. */
  runtime: { key: string; from: string | null; to: string }[];
  /** What the kernel changes by itself when `runtime` is written; journaled and restored by rollback. */
  sideEffects: PlanSideEffect[];
  /** Targets met at boot and therefore not written (`--pin` writes them). */
  met: MetTarget[];
  warnings: PlanWarning[];
  /** Unsafe plans: nothing may be applied while any is present (exit 1). */
  refusals: PlanWarning[];
  /** What still has to happen after apply for every value to take effect. */
  followUps: string[];
  /** The boot value each key whose line changes will have after the plan (null: no file sets it). For the judge. */
  boot: Record<string, BootSource | null>;
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const byteCmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const PROFILE_TARGET = 'profile/sysctl-target';
const DRIFT_RULES = ['sysctl/drift', 'sysctl/not-persisted'];

export function isKnobsSysctlFile(path: string): boolean {
  return path.startsWith(`${SYSCTL_DIR}/`) && /-knobs\.conf$/.test(path);
}

export function emptyPlan(profiles: readonly string[], only: readonly string[]): Plan {
  return {
    profiles: [...profiles],
    only: [...only],
    changes: [],
    files: [],
    runtime: [],
    sideEffects: [],
    met: [],
    warnings: [],
    refusals: [],
    followUps: [],
    boot: {},
  };
}

/** Keys a plan may touch: those --only matches, minus the wizard's skipped changes. */
export function allowedKeys(input: Pick<PlanInput, 'only' | 'except'>): (key: string) => boolean {
  const only = makeOnlyMatcher(input.only);
  const except = new Set(input.except ?? []);
  return (key) => only(key) && !except.has(key);
}

export function computePlan(input: PlanInput): Plan {
  const plan = emptyPlan(input.profile.names, input.only);
  const only = makeOnlyMatcher(input.only);
  const allowed = allowedKeys(input);
  const desired = desiredSysctl(input, allowed, plan);
  planSysctlFile(input, desired.lines, plan);
  planRuntime(input, desired, plan);
  planSideEffects(input.facts, plan);
  const nrOpen = effectiveNrOpen(input.facts, desired.lines, plan);
  planLimitsFile(input, allowed, nrOpen, plan);
  planDropIns(input, only, nrOpen, plan);
  orderChanges(input.profile, plan);
  return plan;
}

/** Sysctl changes in the order the profiles list their keys (a line and a runtime-only change alike), then the others. */
function orderChanges(profile: ResolvedProfile, plan: Plan): void {
  const rank = new Map(Object.keys(profile.sysctl).map((k, i) => [k, i] as const));
  const at = (c: PlanChange) => (c.kind === 'sysctl' ? (rank.get(c.key) ?? rank.size) : rank.size + 1);
  plan.changes = plan.changes.map((c, i) => ({ c, i })).sort((a, b) => at(a.c) - at(b.c) || a.i - b.i).map((x) => x.c);
}

// ---- sysctl ----------------------------------------------------------------------

/** A key set back at runtime without a line: its target (or fix) is met at boot anyway. */
interface RuntimeOnly {
  value: string;
  reason: string;
}

interface Desired {
  lines: Map<string, SysctlLine>;
  runtimeOnly: Map<string, RuntimeOnly>;
}

/** The other keys' values as the kernel will see them, for constraints between keys: planned, wanted exactly, or live. */
function valueLookup(facts: HostFacts, profile: ResolvedProfile, planned: () => Map<string, SysctlLine>) {
  return (key: string) => {
    const t = profile.sysctl[key];
    return planned().get(key)?.value ?? (t?.op === 'exact' ? plainValue(t.values) : undefined) ?? facts.sysctl[key]?.live;
  };
}

/**
 * The line that decides `key` at boot when knobs' own files are left out, and only
 * values the kernel accepts (a rejected line leaves the previous value in place).
 */
export function bootWithoutKnobs(key: string, fact: SysctlFact | undefined, facts: HostFacts): BootSource | null {
  if (!fact) return null;
  const lookup = (k: string) => facts.sysctl[k]?.live;
  const usable = (b: BootSource) => !isKnobsSysctlFile(b.file) && hostRejectReason(key, fold(b.value), facts.kernel.version, lookup) === null;
  if (fact.boot && usable(fact.boot)) return fact.boot;
  const earlier = (fact.shadowed ?? []).filter(usable);
  return earlier.filter((b) => !b.glob).at(-1) ?? earlier.at(-1) ?? null;
}

/** The value the host gets at boot without knobs: a file's, else the kernel's constant default; null when computed at boot (RAM). */
export function bootValueWithoutKnobs(key: string, facts: HostFacts): { value: string; source: string } | null {
  const b = bootWithoutKnobs(key, facts.sysctl[key], facts);
  if (b) return { value: fold(b.value), source: `${b.file}:${b.line}` };
  const d = defaultFor(key, facts.kernel.version);
  return d === undefined ? null : { value: d, source: `kernel default on ${facts.kernel.release}` };
}

/** `--pin`: the target's own value — never a live value, which may be derived from RAM. */
function pinValue(t: SysctlTarget, bootValue: string | null): string {
  if (t.op === 'oneOf') return bootValue !== null && t.values.some((v) => fold(v) === bootValue) ? bootValue : fold(t.values[0]!);
  return plainValue(t.values);
}

function desiredSysctl(input: PlanInput, allowed: (k: string) => boolean, plan: Plan): Desired {
  const { facts, profile } = input;
  const lines = new Map<string, SysctlLine>();
  const runtimeOnly = new Map<string, RuntimeOnly>();
  const metKeys = new Set<string>();
  const previous = input.managed.sysctl.filter((f) => isManaged(f.content)).flatMap((f) => parseManagedSysctl(f.content));
  const lookup = valueLookup(facts, profile, () => lines);

  for (const l of previous) {
    const fact = facts.sysctl[l.key];
    if (isOperatorLine(l) && !input.keyOps?.all) {
      lines.set(l.key, l); // the operator's decision: only `knobs unset` removes it
    } else if (!allowed(l.key)) {
      lines.set(l.key, l); // --only leaves it alone
    } else if (l.rule !== PROFILE_TARGET && input.ruleIds.includes(l.rule) && fact?.state === 'present' && fact.live === l.value) {
      lines.set(l.key, l); // a rule fix still in effect
    }
  }

  for (const t of Object.values(profile.sysctl)) {
    if (!allowed(t.key)) continue;
    const fact = facts.sysctl[t.key];
    if (!fact || fact.state === 'absent') {
      plan.warnings.push({ id: 'key-missing', key: t.key, message: `${t.key} does not exist on this kernel (${facts.kernel.release}); profile ${t.profile}'s target is not written` });
      continue;
    }
    if (fact.state === 'unreadable' || fact.live === null) {
      plan.warnings.push({ id: 'key-unreadable', key: t.key, message: `${t.key} cannot be read here; not written` });
      continue;
    }
    const atBoot = bootValueWithoutKnobs(t.key, facts);
    // Computed at boot (no file, no constant default): the live value is what the kernel
    // computed, unless a line (knobs' own, or one the kernel rejects) set something since.
    const bootMeets = atBoot ? satisfies(atBoot.value, t.op, t.values) : fact.boot === null && satisfies(fact.live, t.op, t.values);
    let value: string;
    let reason = `${t.profile}: ${t.rationale || 'profile target'}`;
    if (bootMeets && !(input.pin && !bootWithoutKnobs(t.key, fact, facts))) {
      metKeys.add(t.key);
      plan.met.push({ key: t.key, value: atBoot?.value ?? fact.live, source: atBoot?.source ?? 'computed by the kernel at boot' });
      if (!satisfies(fact.live, t.op, t.values)) {
        runtimeOnly.set(t.key, {
          value: atBoot!.value,
          reason: `${PROFILE_TARGET}: ${t.profile} wants ${describeTarget(t)}, which the value at boot meets (${atBoot!.source}); the live value goes back to it`,
        });
      }
      conflictWarnings(t, atBoot?.value ?? fact.live, plan);
      continue;
    }
    if (bootMeets) {
      value = pinValue(t, atBoot?.value ?? null);
      reason = `${reason} (pinned: --pin)`;
    } else {
      value = nearestSatisfying(fact.live, t.op, t.values);
    }
    const why = hostRejectReason(t.key, value, facts.kernel.version, lookup) ?? neverWriteReason(t.key, value);
    if (why) {
      plan.warnings.push({ id: 'value-rejected', key: t.key, message: `${t.key} = ${value} is not written: ${why}` });
      continue;
    }
    lines.set(t.key, { rule: PROFILE_TARGET, reason, key: t.key, value });
    conflictWarnings(t, value, plan);
  }

  // A per-key operation changes the keys it names, nothing a rule would also like.
  for (const f of input.keyOps ? [] : input.findings) {
    if (f.accepted || f.change?.kind !== 'sysctl' || f.id === PROFILE_TARGET || DRIFT_RULES.includes(f.id)) continue;
    const { key, value } = f.change;
    if (!allowed(key) || (lines.get(key) && isOperatorLine(lines.get(key)!))) continue;
    if (facts.sysctl[key]?.state !== 'present') continue;
    const why = hostRejectReason(key, value, facts.kernel.version, lookup) ?? neverWriteReason(key, value);
    if (why) {
      plan.warnings.push({ id: 'value-rejected', key, message: `${f.id} proposes ${key} = ${value}, which is not written: ${why}` });
      continue;
    }
    const prev = lines.get(key);
    const target = profile.sysctl[key];
    if (target && (prev || metKeys.has(key))) {
      // Rules judge the live value; the profile's value replaces it anyway. A fix
      // that also meets the target refines the value under the profile's name, so
      // the file stays the same once the fix is in effect and the rule goes quiet.
      if (satisfies(value, target.op, target.values)) {
        if (prev) lines.set(key, { ...prev, value: fold(value) });
        else fixLine(input, key, fold(value), f, lines, runtimeOnly);
      }
      continue;
    }
    fixLine(input, key, fold(value), f, lines, runtimeOnly);
  }

  if (input.keyOps) applyKeyOps(input, input.keyOps, previous, lines, runtimeOnly, plan);
  if (input.drift) planDrift(input, allowed, lines, runtimeOnly, plan);
  restoreLeavingLines(input, previous, allowed, lines, runtimeOnly, metKeys, plan);
  return { lines, runtimeOnly };
}

/**
 * `knobs set` and `persist` write the operator's lines; `unset` removes knobs' line
 * for a key and sets the live value back to what the host gets at boot (when that is
 * known; otherwise restoreLeavingLines decides, from the journal). A key knobs has
 * no line for is left alone: unsetting it twice is no change.
 */
function applyKeyOps(
  input: PlanInput,
  ops: KeyOps,
  previous: readonly SysctlLine[],
  lines: Map<string, SysctlLine>,
  runtimeOnly: Map<string, RuntimeOnly>,
  plan: Plan,
): void {
  const { facts } = input;
  const unset = new Set(ops.unset);
  if (ops.all) for (const l of previous) unset.add(l.key);
  for (const key of unset) {
    if (!previous.some((p) => p.key === key) && !lines.has(key)) continue;
    lines.delete(key);
    const fact = facts.sysctl[key];
    if (!fact || fact.state !== 'present' || fact.live === null) continue;
    const atBoot = bootValueWithoutKnobs(key, facts);
    // Known: the live value goes (or stays) there; unknown: restoreLeavingLines decides.
    if (atBoot) runtimeOnly.set(key, { value: atBoot.value, reason: `${OPERATOR_RULE}: unset, so back to the value at boot (${atBoot.source})` });
  }
  // What the operator asks to write is checked as a profile's value is: the key
  // exists here, the kernel accepts the value, and it is not a myth knobs removes.
  const lookup = (k: string) => (ops.set[k] !== undefined ? fold(ops.set[k]!) : (lines.get(k)?.value ?? facts.sysctl[k]?.live));
  const writable = (key: string, value: string): boolean => {
    const fact = facts.sysctl[key];
    const why =
      !fact || fact.state === 'absent'
        ? `${key} does not exist on this kernel (${facts.kernel.release})`
        : fact.state === 'unreadable' || fact.live === null
          ? `${key} cannot be read here`
          : fact.readOnly
            ? `${key} is read-only here (global key in a namespace or container, or a counter)`
            : (() => {
                const r = hostRejectReason(key, value, facts.kernel.version, lookup) ?? neverWriteReason(key, value);
                return r ? `${key} = ${value}: ${r}` : null;
              })();
    if (why) plan.refusals.push({ id: 'value-rejected', key, message: why });
    return why === null;
  };
  // Without a reason of its own, setting the same value again keeps the line's comment.
  const reasonFor = (key: string, value: string, fallback: string) => {
    const had = previous.find((p) => p.key === key && isOperatorLine(p));
    return ops.reason || (had && had.value === value ? had.reason : fallback);
  };
  for (const [key, raw] of Object.entries(ops.set)) {
    const value = fold(raw);
    if (!writable(key, value)) continue;
    lines.set(key, { rule: OPERATOR_RULE, reason: reasonFor(key, value, 'set with `knobs set`'), key, value });
    runtimeOnly.delete(key);
  }
  for (const key of ops.persist) {
    const live = facts.sysctl[key]?.live ?? null;
    if (live === null || !writable(key, live)) continue;
    lines.set(key, { rule: OPERATOR_RULE, reason: reasonFor(key, live, 'persisted with `knobs persist`: the live value, which no boot file kept'), key, value: live });
    runtimeOnly.delete(key);
  }
  if (ops.persistOnly) {
    for (const key of Object.keys(ops.set)) {
      const line = lines.get(key);
      const live = facts.sysctl[key]?.live;
      if (line && isOperatorLine(line) && live !== undefined && live !== null && live !== line.value) {
        plan.warnings.push({ id: 'live-value-stays', key, message: `${key} stays ${live} until the next boot (--persist-only), which sets ${line.value}` });
      }
    }
    for (const key of unset) {
      const back = runtimeOnly.get(key);
      const live = facts.sysctl[key]?.live;
      if (back && live !== undefined && live !== null && back.value !== live) {
        plan.warnings.push({ id: 'live-value-stays', key, message: `${key} stays ${live} until the next boot (--persist-only); the boot files then give ${back.value}` });
      }
    }
  }
}

/** A rule's fix: a line, unless the host gets that value at boot anyway (then only the live value is set). */
function fixLine(input: PlanInput, key: string, value: string, f: Finding, lines: Map<string, SysctlLine>, runtimeOnly: Map<string, RuntimeOnly>): void {
  const atBoot = bootValueWithoutKnobs(key, input.facts);
  if (!input.pin && atBoot && atBoot.value === value && !lines.has(key)) {
    runtimeOnly.set(key, { value, reason: `${f.id}: ${oneLine(f.message)} (the value at boot already, ${atBoot.source})` });
    return;
  }
  runtimeOnly.delete(key);
  lines.set(key, { rule: f.id, reason: f.message, key, value });
}

function conflictWarnings(t: SysctlTarget, value: string, plan: Plan): void {
  for (const o of t.overridden ?? []) {
    if (o.conflict) {
      plan.warnings.push({ id: 'profile-conflict', key: t.key, message: `${t.key}: profiles ${o.profile} and ${t.profile} conflict; ${t.profile} (listed later) wins with ${value}` });
    }
  }
}

/** `--drift persist|restore`: every live value that differs from its boot value (or, unset at boot, from the kernel default). */
function planDrift(input: PlanInput, allowed: (k: string) => boolean, lines: Map<string, SysctlLine>, runtimeOnly: Map<string, RuntimeOnly>, plan: Plan): void {
  const { facts } = input;
  for (const f of input.findings) {
    if (f.accepted || !DRIFT_RULES.includes(f.id) || !f.key || !allowed(f.key)) continue;
    const fact = facts.sysctl[f.key];
    if (!fact || fact.state !== 'present' || fact.live === null || fact.readOnly) continue;
    if (input.drift === 'persist') {
      if (lines.has(f.key) || runtimeOnly.has(f.key)) continue; // a profile or a fix decides this key
      const never = neverWriteReason(f.key, fact.live);
      if (never) {
        plan.warnings.push({ id: 'value-rejected', key: f.key, message: `${f.key} = ${fact.live} is not persisted: ${never}` });
        continue;
      }
      lines.set(f.key, { rule: f.id, reason: `persisted with --drift persist: the live value, which no boot file kept`, key: f.key, value: fact.live });
    } else {
      const atBoot = bootValueWithoutKnobs(f.key, facts);
      if (!atBoot) {
        plan.warnings.push({ id: 'drift-unknown-boot', key: f.key, message: `${f.key}: the value at boot is computed by the kernel and not known here; not restored` });
        continue;
      }
      if (lines.has(f.key)) continue;
      runtimeOnly.set(f.key, { value: atBoot.value, reason: `${f.id}: restored with --drift restore to the value at boot (${atBoot.source})` });
    }
  }
}

/**
 * Lines that leave the managed file. Their live value goes back to what it was
 * before knobs first set it — only when the live value is still the one the line
 * set (anything else was changed since, by someone who meant it).
 */
function restoreLeavingLines(
  input: PlanInput,
  previous: readonly SysctlLine[],
  allowed: (k: string) => boolean,
  lines: Map<string, SysctlLine>,
  runtimeOnly: Map<string, RuntimeOnly>,
  metKeys: ReadonlySet<string>,
  plan: Plan,
): void {
  const { facts } = input;
  for (const l of previous) {
    if (lines.has(l.key) || runtimeOnly.has(l.key) || metKeys.has(l.key) || !allowed(l.key)) continue;
    const fact = facts.sysctl[l.key];
    if (!fact || fact.state !== 'present' || fact.live === null || fact.live !== fold(l.value)) continue;
    const prior = input.priorValues?.[l.key];
    if (prior && prior.value !== null) {
      if (prior.value === fact.live) continue;
      runtimeOnly.set(l.key, { value: prior.value, reason: `${l.rule}: no longer managed, so back to its value before knobs set it (transaction ${prior.transaction})` });
      plan.warnings.push({
        id: 'restored',
        key: l.key,
        message: `${l.key} leaves the managed file: its live value goes back from ${fact.live} to ${prior.value}, what it was before knobs set it (transaction ${prior.transaction})`,
      });
      continue;
    }
    const atBoot = bootValueWithoutKnobs(l.key, facts);
    plan.warnings.push({
      id: 'live-value-stays',
      key: l.key,
      message:
        `${l.key} leaves the managed file, but no journal says what it was before knobs set it: the live value stays ${fact.live} until ` +
        `${atBoot ? `the next boot sets ${atBoot.value} (${atBoot.source})` : 'you change it'}; set it by hand if that is not what you want`,
    });
  }
}

/** Files read at boot after a candidate name, that set one of our keys differently. */
function bootCompetitors(facts: HostFacts, lines: Map<string, SysctlLine>) {
  const loader = facts.sysctlConfig.loader;
  const out: { file: string; name: string | null; key: string; value: string; line: number }[] = [];
  for (const f of facts.sysctlConfig.files) {
    if (!f.readBy.includes(loader) || f.masked || f.shadowedBy || isKnobsSysctlFile(f.path)) continue;
    // procps reads /etc/sysctl.conf itself, after every sysctl.d file: no name can follow it.
    const name = f.path === '/etc/sysctl.conf' ? null : baseName(f.path);
    for (const e of f.entries) {
      if (e.exclude || e.value === null || e.glob) continue;
      const ours = lines.get(e.key);
      if (ours && fold(ours.value) !== fold(e.value)) out.push({ file: f.path, name, key: e.key, value: fold(e.value), line: e.line });
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
  const winners = new Map<string, BootSource>();
  for (const c of competitors) {
    if (c.name === null || byteCmp(baseName(target), c.name) <= 0) {
      winners.set(c.key, { value: c.value, file: c.file, line: c.line });
      plan.warnings.push({
        id: 'boot-precedence',
        key: c.key,
        message: `${c.file} sets ${c.key} = ${c.value} and is read after ${target} at boot: that value would win at reboot. Remove the line there, or accept its value.`,
      });
    }
  }
  const content = lines.size ? renderSysctlFile(headerProfiles(input, plan), [...lines.values()]) : null;
  const before = input.managed.sysctl.find((f) => f.path === target)?.content ?? null;
  if (before !== null && !isManaged(before)) {
    plan.refusals.push({ id: 'not-ours', message: `${target} exists and was not written by knobs; refusing to overwrite it` });
    return;
  }
  const previousLines = input.managed.sysctl.filter((f) => isManaged(f.content)).flatMap((f) => parseManagedSysctl(f.content));
  addFile(plan, target, before, content);
  for (const f of input.managed.sysctl) if (f.path !== target && isManaged(f.content)) addFile(plan, f.path, f.content, null);

  // The boot value of every key whose line appears or leaves, as the loader will see it.
  const lineNo = new Map((content === null ? [] : parseSysctlConf(content).entries).map((e) => [e.key, e.line] as const));
  for (const l of lines.values()) {
    const old = previousLines.find((p) => p.key === l.key);
    const live = input.facts.sysctl[l.key]?.live ?? null;
    plan.boot[l.key] = winners.get(l.key) ?? { value: l.value, file: target, line: lineNo.get(l.key) ?? 0 };
    if (old?.value === l.value && live === l.value) continue;
    plan.changes.push({ kind: 'sysctl', key: l.key, from: live, to: l.value, reason: `${l.rule}: ${oneLine(l.reason)}` });
  }
  for (const p of previousLines) if (!lines.has(p.key)) plan.boot[p.key] = bootWithoutKnobs(p.key, input.facts.sysctl[p.key], input.facts);
}

/**
 * The profiles a file's header names: the plan's, or for a change made key by key
 * (`knobs set`, no profile), those the file named before — the file stays the same
 * when nothing in it changes, so a later apply of the profile finds nothing to do.
 */
function headerProfiles(input: PlanInput, plan: Plan): string[] {
  if (plan.profiles.length || !input.keyOps) return plan.profiles;
  for (const f of [...input.managed.sysctl, ...input.managed.limits]) {
    const m = /^# Profiles: (.*)$/m.exec(f.content);
    if (m && isManaged(f.content) && !m[1]!.startsWith('(')) return m[1]!.split(', ');
  }
  return plan.profiles;
}

function planRuntime(input: PlanInput, desired: Desired, plan: Plan): void {
  const rt: Plan['runtime'] = [];
  const want = new Map<string, { value: string; reason: string | null }>();
  for (const l of desired.lines.values()) want.set(l.key, { value: l.value, reason: null });
  for (const [key, r] of desired.runtimeOnly) if (!want.has(key)) want.set(key, { value: r.value, reason: r.reason });
  for (const [key, w] of want) {
    const fact = input.facts.sysctl[key];
    if (!fact || fact.state !== 'present' || fact.live === w.value) continue;
    if (fact.readOnly) {
      plan.warnings.push({
        id: 'read-only',
        key,
        message: `${key} is read-only here (global key in a namespace or container); ${w.reason === null ? 'persisted for the next boot only' : 'not set'}`,
      });
      continue;
    }
    rt.push({ key, from: fact.live, to: w.value });
    if (w.reason !== null) plan.changes.push({ kind: 'sysctl', key, from: fact.live, to: w.value, reason: oneLine(w.reason) });
  }
  plan.runtime = orderRuntime(rt, input.facts);
}

/**
 * The order live values are written in: fs.nr_open before the limits that depend on
 * it; keys whose write resets others (ip_forward) before those others; and
 * ip_unprivileged_port_start before ip_local_port_range when it goes down (the
 * kernel checks each against the other's current value).
 */
function orderRuntime(rt: Plan['runtime'], facts: HostFacts): Plan['runtime'] {
  const rank = (k: string) => (k === 'fs.nr_open' ? 0 : hasSideEffects(k) ? 1 : 2);
  const sorted = [...rt].sort((a, b) => rank(a.key) - rank(b.key) || byteCmp(a.key, b.key));
  const ri = sorted.findIndex((r) => r.key === 'net.ipv4.ip_local_port_range');
  const ui = sorted.findIndex((r) => r.key === 'net.ipv4.ip_unprivileged_port_start');
  if (ri >= 0 && ui > ri) {
    const u = sorted[ui]!;
    const live = toInt(facts.sysctl[u.key]?.live);
    if (live !== undefined && (toInt(u.to) ?? live) < live) {
      sorted.splice(ui, 1);
      sorted.splice(ri, 0, u);
    }
  }
  return sorted;
}

/** Interfaces the snapshot knows, from the net.ipv{4,6}.conf.<if>.* keys it holds. */
export function factsInterfaces(facts: HostFacts): Interfaces {
  const v4 = new Set<string>();
  const v6 = new Set<string>();
  for (const k of Object.keys(facts.sysctl)) {
    const m = /^net\.(ipv4|ipv6)\.conf\.([^.]+)\./.exec(k);
    if (!m || m[2] === 'all' || m[2] === 'default') continue;
    (m[1] === 'ipv4' ? v4 : v6).add(m[2]!);
  }
  return { ipv4: [...v4].sort(), ipv6: [...v6].sort() };
}

function planSideEffects(facts: HostFacts, plan: Plan): void {
  if (!plan.runtime.some((r) => hasSideEffects(r.key))) return;
  const ifaces = factsInterfaces(facts);
  const exists = (k: string) => facts.sysctl[k]?.state === 'present';
  const seen = new Set(plan.runtime.map((r) => r.key));
  for (const r of plan.runtime) {
    for (const e of writeSideEffects(r.key, r.to, r.from, ifaces, exists)) {
      if (seen.has(e.key)) continue;
      seen.add(e.key);
      const from = facts.sysctl[e.key]?.live ?? null;
      if (e.certain && from !== null && fold(from) === fold(e.value)) continue;
      plan.sideEffects.push({ cause: r.key, key: e.key, from, to: e.value, certain: e.certain });
    }
  }
}

function effectiveNrOpen(facts: HostFacts, lines: Map<string, SysctlLine>, plan: Plan): number {
  const rt = plan.runtime.find((r) => r.key === 'fs.nr_open');
  return toInt(lines.get('fs.nr_open')?.value) ?? toInt(rt?.to) ?? toInt(facts.sysctl['fs.nr_open']?.live) ?? 1048576;
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
  const ops = input.keyOps;
  const setLimits = (ops?.setLimits ?? []).filter((s) => {
    const too = s.item === 'nofile' ? [s.soft, s.hard].find((v) => limitNumber(v, nrOpen, 'nofile') > nrOpen) : undefined;
    if (too === undefined) return true;
    // Written by hand, not a profile's wish to clamp: refused, as a line that locks users out.
    plan.refusals.push({
      id: 'nofile-above-nr-open',
      message: `${s.domain} nofile ${too} is above fs.nr_open (${nrOpen}): pam_limits would refuse every login and su for ${s.domain}. Raise fs.nr_open first (knobs set fs.nr_open=…) or lower the limit.`,
    });
    return false;
  });
  // Per-key operations name a domain: lines of other domains (a profile's `*`) stay.
  const touched = (l: LimitsLine) => [...setLimits, ...(ops?.unsetLimits ?? [])].some((o) => o.domain === l.domain && o.item === l.item);
  const lines: LimitsLine[] = ops
    ? previous.filter((l) => !ops.all && !touched(l))
    : previous.filter((l) => !allowed(`limits.${l.item}`) || isOperatorLine(l));

  for (const t of input.profile.limits) {
    if (!allowed(`limits.${t.item}`)) continue;
    let value = t.value;
    let reason = `${t.profile}: ${t.rationale || 'profile target'}`;
    if (t.item === 'nofile' && limitNumber(t.value, nrOpen, t.item) > nrOpen) {
      // A profile's limit is a wish: above fs.nr_open, setrlimit fails (logins fail or the
      // limit is silently dropped, by pam build). Clamp it to what the host allows, and say so.
      value = String(nrOpen);
      reason = `${reason} (clamped from ${t.value} to fs.nr_open)`;
      plan.warnings.push({
        id: 'nofile-clamped',
        message: `${t.domain} ${t.type} nofile ${t.value} (profile ${t.profile}) is above fs.nr_open (${nrOpen}), where setrlimit fails with EPERM and ${epermOutcome(pamBehaviour(input.facts.limits.pamConfig?.module))}: written as ${nrOpen}. To allow more, raise fs.nr_open in the profile ([sysctl] fs.nr_open = >${t.value}).`,
      });
    }
    const want = limitNumber(value, nrOpen, t.item);
    const have = currentForDomain(others, t.domain, t.type, t.item);
    if (have && limitNumber(have.value, nrOpen, t.item) >= want) continue; // already as generous: never lower it
    lines.push({ rule: 'profile/limit-target', reason, domain: t.domain, type: t.type, item: t.item, value });
  }

  for (const s of setLimits) {
    for (const type of ['soft', 'hard'] as const) {
      const had = previous.find((p) => isOperatorLine(p) && p.domain === s.domain && p.item === s.item && p.type === type);
      const reason = ops!.reason || (had && had.value === s[type] ? had.reason : 'set with `knobs set`');
      lines.push({ rule: OPERATOR_RULE, reason, domain: s.domain, type, item: s.item, value: s[type] });
    }
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
  const content = lines.length ? renderLimitsFile(headerProfiles(input, plan), lines) : null;
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
  if (input.keyOps?.service) return planOperatorDropIns(input, input.keyOps.service, input.keyOps.reason, nrOpen, plan);
  if (!allowed('limits.nofile')) return;
  const soft = input.profile.limits.find((l) => l.domain === '*' && l.type === 'soft' && l.item === 'nofile');
  const hard = input.profile.limits.find((l) => l.domain === '*' && l.type === 'hard' && l.item === 'nofile');
  if (!soft && !hard) {
    plan.warnings.push({ id: 'no-nofile-target', message: `profiles ${plan.profiles.join(', ') || '(none)'} set no nofile limit; nothing to write for --service` });
    return;
  }
  // systemd spells "no limit" `infinity` and rejects `unlimited`/`-1` (rlimit_parse_u64, v252).
  const softRaw = limitForSystemd(soft?.value ?? hard!.value);
  const hardRaw = limitForSystemd(hard?.value ?? soft!.value);
  if (softRaw === null || hardRaw === null) {
    plan.refusals.push({ id: 'nofile-not-a-number', message: `nofile ${soft?.value ?? hard?.value} cannot be written as LimitNOFILE= (digits or unlimited only)` });
    return;
  }
  // Above fs.nr_open, execute.c's setrlimit_closest() would silently start the service with
  // fs.nr_open: write what the service will really get, and say so.
  const clamp = (v: string) => (v === 'infinity' || Number(v) > nrOpen ? String(nrOpen) : v);
  const softV = clamp(softRaw);
  const hardV = clamp(hardRaw);
  if (hardV !== hardRaw || softV !== softRaw) {
    plan.warnings.push({
      id: 'nofile-clamped',
      message: `LimitNOFILE ${softRaw}:${hardRaw} is above fs.nr_open (${nrOpen}), which systemd would silently lower to (setrlimit_closest): written as ${softV}:${hardV}`,
    });
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
    if (before !== null && OPERATOR_DROP_IN.test(before)) {
      plan.warnings.push({ id: 'operator-set', message: `${unit}: its LimitNOFILE= was set with \`knobs set --service\`; the profile's is not applied (\`knobs unset limits.nofile --service ${service}\` hands it back)` });
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

const OPERATOR_DROP_IN = new RegExp(`^# ${OPERATOR_RULE}: `, 'm');

/** `knobs set limits.nofile=S:H --service UNIT` writes the unit's drop-in; `knobs unset … --service UNIT` removes knobs' drop-in. */
function planOperatorDropIns(input: PlanInput, op: NonNullable<KeyOps['service']>, reason: string, nrOpen: number, plan: Plan): void {
  for (const service of op.units) {
    const unit = unitName(service);
    const path = `${UNIT_DIR}/${unit}.d/90-knobs.conf`;
    const before = (input.managed.dropIns[unit] ?? []).find((f) => f.path === path)?.content ?? null;
    if (before !== null && !isManaged(before)) {
      plan.refusals.push({ id: 'not-ours', message: `${path} exists and was not written by knobs; refusing to overwrite it` });
      continue;
    }
    const from = input.serviceNofile?.[unit] ?? null;
    if (op.nofile === null) {
      if (before !== null && addFile(plan, path, before, null)) {
        plan.changes.push({ kind: 'systemd', key: `${unit}:LimitNOFILE`, unit, from, to: '(systemd default)', reason: `${OPERATOR_RULE}: unset` });
        plan.followUps.push(`${unit}: run \`systemctl daemon-reload\`, then restart it (\`systemctl restart ${unit}\`) for its LimitNOFILE= to go back to the default.`);
      }
      continue;
    }
    const too = [op.nofile.soft, op.nofile.hard].find((v) => limitNumber(v, nrOpen, 'nofile') > nrOpen);
    if (too !== undefined) {
      plan.refusals.push({ id: 'nofile-above-nr-open', message: `${unit}: LimitNOFILE ${too} is above fs.nr_open (${nrOpen}): the service would fail to start. Raise fs.nr_open first or lower the limit.` });
      continue;
    }
    const value = op.nofile.soft === op.nofile.hard ? op.nofile.soft : `${op.nofile.soft}:${op.nofile.hard}`;
    const had = before !== null && OPERATOR_DROP_IN.test(before) ? new RegExp(`^# ${OPERATOR_RULE}: (.*)\\nLimitNOFILE=${value}$`, 'm').exec(before)?.[1] : undefined;
    const why = reason || had || 'set with `knobs set`';
    const content = renderDropIn(headerProfiles(input, plan), unit, [{ rule: OPERATOR_RULE, reason: why, directive: 'LimitNOFILE', value }]);
    if (addFile(plan, path, before, content)) {
      plan.changes.push({ kind: 'systemd', key: `${unit}:LimitNOFILE`, unit, from, to: value, reason: `${OPERATOR_RULE}: ${oneLine(why)}` });
      plan.followUps.push(`${unit}: run \`systemctl daemon-reload\`, then restart it (\`systemctl restart ${unit}\`) for LimitNOFILE=${value} to take effect.`);
    }
  }
}

function addFile(plan: Plan, path: string, before: string | null, after: string | null): boolean {
  if (before === after) return false;
  plan.files.push({ path, before, after, afterSysctls: !path.startsWith(`${SYSCTL_DIR}/`) });
  return true;
}
