// `knobs plan`: the dry run used in config review. A unified diff of every file
// knobs would write, the live values it would set, and warnings. Exit 0 when
// nothing would change, 2 when something would, 1 when the plan is unsafe.

import { createTwoFilesPatch } from 'diff';
import { listJournals } from '../../apply/journal.js';
import { withChoices, type PlanChoices } from '../../core/choices.js';
import { evaluate } from '../../core/engine.js';
import { parseLimitsConf } from '../../core/limits-conf.js';
import { globMatch } from '../../core/only.js';
import { makePlan } from '../../core/plan-judge.js';
import { keyOpsScope, operatorKeys, yieldToOperator, type KeyOps } from '../../core/key-ops.js';
import { parseManagedLimits, unitName, type DriftAction, type ManagedState, type Plan, type PriorValue } from '../../core/planner.js';
import { isManaged, parseManagedSysctl } from '../../core/render.js';
import type { Finding, HostFacts, ResolvedProfile } from '../../core/types.js';
import { RefusedError } from '../../errors.js';
import type { HostFs } from '../../host/host-fs.js';
import { readUnitLayers, UNIT_DIRS } from '../../host/limits.js';
import { readManagedState } from '../../host/managed-files.js';
import { splitList } from '../../profiles/load.js';
import { suggestKey } from '../../profiles/parse.js';
import { allRules, checkProfileOnHost, factsFor, hostFor, resolveProfiles, siteConfig, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor, type Colors } from '../format/colors.js';
import { printJson, widthOf, type Io } from '../io.js';
import { wrap } from '../format/wrap.js';
import { UserError } from '../../errors.js';
import { checkedUnitName } from '../../core/unit-name.js';

export interface PlanOptions extends GlobalOptions {
  profile?: string;
  only?: string;
  service?: string;
  facts?: string;
  pin?: boolean;
  drift?: string;
  /** The wizard's decisions, change by change (src/core/choices.ts). */
  choices?: PlanChoices;
  /** `knobs set`, `unset`, `persist` (src/cli/commands/keys.ts): these keys only, no profile needed. */
  keyOps?: KeyOps;
}

export interface PlanContext {
  host: HostFs;
  facts: HostFacts;
  plan: Plan;
}

const DRIFT_ACTIONS: readonly DriftAction[] = ['persist', 'restore'];

/**
 * The one way to get a plan: `plan`, `apply` and the wizard (and per-key commands)
 * all call this. It reads the host, checks what the operator asked for against it
 * (profiles the kernel would reject, an --only that matches nothing, a --service
 * that does not exist), and returns the plan as judged by its own result
 * (src/core/plan-judge.ts).
 */
export function buildPlan(opts: PlanOptions): PlanContext {
  const host = hostFor(opts, { procSys: !opts.facts });
  const { profile: chosen } = resolveProfiles(host, opts.profile);
  const profile = opts.choices ? withChoices(chosen, opts.choices) : chosen;
  const drift = opts.drift === undefined ? undefined : (opts.drift as DriftAction);
  if (drift !== undefined && !DRIFT_ACTIONS.includes(drift)) {
    throw new UserError(`--drift ${opts.drift}: expected persist or restore`, 'persist writes the live values to a managed file; restore sets them back to their boot values');
  }
  if (!profile.names.length && !drift && !opts.keyOps) {
    throw new UserError('plan needs --profile (e.g. --profile web-node) or --drift persist|restore', 'see `knobs profiles`');
  }
  const config = siteConfig(host);
  const ops = opts.keyOps;
  const facts = factsFor(host, opts.facts, ops ? keyOpsScope(ops).filter((k) => !k.startsWith('limits.')) : []);
  checkProfileOnHost(profile, facts);
  const services = ops?.service ? ops.service.units : serviceList(opts.service);
  // Removing knobs' drop-in of a unit needs no unit file (it may be gone already).
  if (ops?.service?.nofile !== null) for (const s of services) checkService(host, s, facts);
  const managed = readManagedState(host, services);
  // Lines set with `knobs set` stay: the profile's targets for those keys yield.
  const managedLimits = managed.limits.filter((f) => isManaged(f.content)).flatMap((f) => parseManagedLimits(f.content, f.path));
  const yielded = yieldToOperator(profile, operatorKeys(managed.sysctl.filter((f) => isManaged(f.content))), managedLimits);
  const rules = allRules();
  const judge = (f: HostFacts) => evaluate(f, yielded.profile, rules, { accept: config.accept, expired: config.expired }).findings;
  const findings = judge(facts);
  const only = ops ? keyOpsScope(ops) : splitList(opts.only);
  if (!ops) checkOnly(only, onlyCandidates(yielded.profile, findings, managed, drift));
  const plan = makePlan(
    {
      facts,
      profile: yielded.profile,
      findings,
      ruleIds: rules.map((r) => r.id),
      only,
      except: opts.choices?.skip ?? [],
      services,
      managed,
      pin: Boolean(opts.pin),
      ...(drift ? { drift } : {}),
      priorValues: priorValues(host.root),
      ...(ops ? { keyOps: ops } : {}),
    },
    judge,
  );
  plan.warnings.push(...yielded.warnings);
  return { host, facts, plan };
}

/** What --only can match: every key and limit item the plan could touch. */
function onlyCandidates(profile: ResolvedProfile, findings: readonly Finding[], managed: ManagedState, drift: DriftAction | undefined): string[] {
  const keys = new Set<string>();
  for (const k of Object.keys(profile.sysctl)) keys.add(k);
  for (const l of profile.limits) keys.add(`limits.${l.item}`);
  for (const f of findings) {
    if (f.change?.kind === 'sysctl') keys.add(f.change.key);
    if (drift && f.key && (f.id === 'sysctl/drift' || f.id === 'sysctl/not-persisted')) keys.add(f.key);
  }
  for (const f of managed.sysctl) for (const l of parseManagedSysctl(f.content)) keys.add(l.key);
  for (const f of managed.limits) for (const l of parseLimitsConf(f.content, f.path).lines) keys.add(`limits.${l.item}`);
  if (profile.limits.some((l) => l.item === 'nofile')) keys.add('limits.nofile');
  return [...keys].sort();
}

/** A glob that matches nothing is a typo, not a request for an empty plan (a CI gate would pass silently). */
function checkOnly(globs: readonly string[], candidates: readonly string[]): void {
  for (const g of globs) {
    if (candidates.some((c) => globMatch(g, c))) continue;
    const guess = suggestKey(g, candidates);
    throw new UserError(
      `--only ${g}: matches no key this plan could change`,
      guess ? `did you mean ${guess}?` : candidates.length ? `keys it could change: ${candidates.slice(0, 8).join(', ')}${candidates.length > 8 ? ', …' : ''}` : 'this plan changes nothing',
    );
  }
}

/**
 * Where systemd finds unit files (systemd.unit(5), system manager): the
 * configuration and runtime directories, generators' output, transient units and
 * the vendor ones. A unit found in none of them may still exist when a running
 * process belongs to it.
 */
const UNIT_SEARCH_PATH = [
  '/etc/systemd/system.control', '/run/systemd/system.control', '/run/systemd/transient', '/run/systemd/generator.early',
  '/etc/systemd/system', '/etc/systemd/system.attached', '/run/systemd/system', '/run/systemd/system.attached',
  '/run/systemd/generator', '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system',
  '/run/systemd/generator.late',
];

/** --service names a unit systemd has (a unit file in its search path, or a running process's unit), or it is refused. */
function checkService(host: HostFs, service: string, facts: HostFacts): void {
  const unit = unitName(service);
  const found = readUnitLayers(host, unit);
  if (found.masked) throw new UserError(`--service ${service}: ${unit} is masked (${found.unitFile} → /dev/null); a drop-in would never apply`);
  if (found.unitFile !== null) return;
  const template = unit.replace(/@[^.]*\./, '@.');
  const names = UNIT_SEARCH_PATH.flatMap((d) => host.readdir(d) ?? []);
  if (names.includes(unit) || (template !== unit && names.includes(template))) return;
  if ((facts.limits.processes ?? []).some((p) => p.unit === unit)) return;
  const units = [...new Set([...names, ...(facts.limits.processes ?? []).map((p) => p.unit ?? '')].filter((n) => /\.(service|socket|mount|timer|target|slice|scope)$/.test(n)))];
  const guess = suggestKey(unit, units);
  throw new UserError(
    `--service ${service}: no unit ${unit} on this host (no unit file in /etc/systemd/system, /usr/lib/systemd/system or systemd's ${UNIT_DIRS.length - 2} other unit directories, and no process runs in it)`,
    guess ? `did you mean ${guess.replace(/\.service$/, '')}?` : 'check the name with `systemctl list-unit-files`',
  );
}

/**
 * Per key, the live value before knobs first set it: from the oldest applied
 * transaction that set the key. A journal that cannot be read gives nothing (the
 * plan then warns that the value is unknown).
 */
function priorValues(root: string): Record<string, PriorValue> {
  const out: Record<string, PriorValue> = {};
  let journals: ReturnType<typeof listJournals>;
  try {
    journals = listJournals(root);
  } catch {
    return out;
  }
  for (const j of journals) {
    if (j.state !== 'applied') continue;
    for (const s of j.sysctls) if (!Object.hasOwn(out, s.key)) out[s.key] = { value: s.previous, transaction: j.id };
  }
  return out;
}

/**
 * `--service nginx,api@1` → unit names, each validated as systemd's unit_name_is_valid
 * does (src/core/unit-name.ts) before it becomes a path or a line of a drop-in.
 */
export function serviceList(value: string | undefined): string[] {
  return splitList(value).map((s) => {
    try {
      return checkedUnitName(s);
    } catch (err) {
      throw new UserError(`--service: ${(err as Error).message}`, 'a systemd unit name such as nginx or nginx.service');
    }
  });
}

/** `--- a/etc/sysctl.d/90-knobs.conf` / `+++ b/etc/...`: paths as on the host. */
export function fileDiff(path: string, before: string | null, after: string | null): string {
  const rel = path.replace(/^\//, '');
  return createTwoFilesPatch(`a/${rel}`, `b/${rel}`, before ?? '', after ?? '', undefined, undefined, { context: 3 })
    .replace(/^=+\n/, '')
    .replace(/^Index:.*\n/, '');
}

export function planJson(plan: Plan, transaction: string | null) {
  return {
    profiles: plan.profiles,
    only: plan.only,
    changes: plan.changes,
    files: plan.files.map((f) => ({
      path: f.path,
      action: f.before === null ? 'create' : f.after === null ? 'remove' : 'replace',
      diff: fileDiff(f.path, f.before, f.after),
      // Whole contents (null: absent), for tools that show their own diff (Ansible's --diff).
      before: f.before,
      after: f.after,
    })),
    runtime: plan.runtime,
    sideEffects: plan.sideEffects,
    met: plan.met,
    warnings: plan.warnings,
    refusals: plan.refusals,
    followUps: plan.followUps,
    transaction,
  };
}

export function hasChanges(plan: Plan): boolean {
  return plan.files.length > 0 || plan.runtime.length > 0;
}

/** Warnings, refusals and follow-ups, wrapped: what the operator must read in every mode. */
export function renderNotices(plan: Plan, c: Colors, width = 80): string[] {
  const out: string[] = [];
  for (const w of plan.warnings) out.push(c.yellow(wrap(`warning [${w.id}]: ${w.message}`, width, '  ', '')));
  for (const r of plan.refusals) out.push(c.red(wrap(`refused [${r.id}]: ${r.message}`, width, '  ', '')));
  for (const f of plan.followUps) out.push(wrap(`then: ${f}`, width, '  ', ''));
  return out;
}

export function renderPlan(plan: Plan, c: Colors, width = 80): string {
  const out: string[] = [];
  for (const f of plan.files) {
    for (const line of fileDiff(f.path, f.before, f.after).split('\n')) {
      out.push(line.startsWith('+') && !line.startsWith('+++') ? c.green(line) : line.startsWith('-') && !line.startsWith('---') ? c.red(line) : line);
    }
  }
  if (plan.runtime.length) {
    out.push(c.bold('Runtime changes (written to /proc/sys, verified by reading back):'));
    const w = Math.max(...plan.runtime.map((r) => r.key.length));
    for (const r of plan.runtime) out.push(`  ${r.key.padEnd(w)}  ${r.from ?? '—'} → ${r.to}`);
    out.push('');
  }
  if (plan.sideEffects.length) {
    out.push(c.bold(wrap('The kernel changes these too when the values above are written (journaled; rollback restores them):', width)));
    const w = Math.max(...plan.sideEffects.map((e) => e.key.length));
    for (const e of plan.sideEffects) {
      out.push(wrap(`${e.key.padEnd(w)}  ${e.from ?? '—'} → ${e.certain ? e.to : `${e.to} (where not set explicitly)`}  (${e.cause})`, width, '    ', '  '));
    }
    out.push('');
  }
  if (plan.met.length) {
    out.push(c.dim(wrap(`Met at boot, not written (--pin writes them): ${plan.met.map((m) => `${m.key} = ${m.value} (${m.source})`).join('; ')}`, width)));
    out.push('');
  }
  out.push(...renderNotices(plan, c, width));
  if (!hasChanges(plan) && !plan.refusals.length) out.push(c.green('Nothing to change: the host already matches the plan.'));
  return out.join('\n') + '\n';
}

export async function runPlan(opts: PlanOptions, io: Io): Promise<number> {
  const { plan } = buildPlan(opts);
  if (opts.json) printJson(io, { ...planJson(plan, null), ...(plan.refusals.length ? { status: 'refused' } : {}) });
  else io.out(renderPlan(plan, colorsFor(io), widthOf(io)));
  if (plan.refusals.length) throw refusedError(plan);
  return hasChanges(plan) ? EXIT.findings : EXIT.ok;
}

/** The one-line error of a refused plan; the refusals themselves were printed with the plan. */
export function refusedError(plan: Plan): RefusedError {
  const n = plan.refusals.length;
  return new RefusedError(
    `plan refused (${n} reason${n === 1 ? '' : 's'}): ${plan.refusals.map((r) => r.message).join('; ')}`,
    'nothing was changed; see the refusals above',
  );
}
