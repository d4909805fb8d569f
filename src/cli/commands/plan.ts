// `knobs plan`: the dry run used in config review. A unified diff of every file
// knobs would write, the live values it would set, and warnings. Exit 0 when
// nothing would change, 2 when something would, 1 when the plan is unsafe.

import { createTwoFilesPatch } from 'diff';
import { withChoices, type PlanChoices } from '../../core/choices.js';
import { evaluate } from '../../core/engine.js';
import { settlePlan, type Plan } from '../../core/planner.js';
import type { HostFacts } from '../../core/types.js';
import type { HostFs } from '../../host/host-fs.js';
import { readManagedState } from '../../host/managed-files.js';
import { splitList } from '../../profiles/load.js';
import { allRules, factsFor, hostFor, resolveProfiles, siteConfig, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor, type Colors } from '../format/colors.js';
import { printJson, type Io } from '../io.js';
import { UserError } from '../../errors.js';
import { checkedUnitName } from '../../core/unit-name.js';

export interface PlanOptions extends GlobalOptions {
  profile?: string;
  only?: string;
  service?: string;
  facts?: string;
  /** The wizard's decisions, change by change (src/core/choices.ts). */
  choices?: PlanChoices;
}

export interface PlanContext {
  host: HostFs;
  facts: HostFacts;
  plan: Plan;
}

export function buildPlan(opts: PlanOptions): PlanContext {
  const host = hostFor(opts);
  const { profile: chosen } = resolveProfiles(host, opts.profile);
  const profile = opts.choices ? withChoices(chosen, opts.choices) : chosen;
  if (!profile.names.length) throw new UserError('plan needs --profile (e.g. --profile web-node); see `knobs profiles`');
  const config = siteConfig(host);
  const facts = factsFor(host, opts.facts);
  const rules = allRules();
  const judge = (f: HostFacts) => evaluate(f, profile, rules, { accept: config.accept }).findings;
  const services = serviceList(opts.service);
  const plan = settlePlan(
    {
      facts,
      profile,
      findings: judge(facts),
      ruleIds: rules.map((r) => r.id),
      only: splitList(opts.only),
      except: opts.choices?.skip ?? [],
      services,
      managed: readManagedState(host, services),
    },
    judge,
  );
  return { host, facts, plan };
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
    })),
    runtime: plan.runtime,
    warnings: plan.warnings,
    refusals: plan.refusals,
    followUps: plan.followUps,
    transaction,
  };
}

export function hasChanges(plan: Plan): boolean {
  return plan.files.length > 0 || plan.runtime.length > 0;
}

export function renderPlan(plan: Plan, c: Colors): string {
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
  for (const w of plan.warnings) out.push(c.yellow(`warning [${w.id}]: ${w.message}`));
  for (const r of plan.refusals) out.push(c.red(`refused [${r.id}]: ${r.message}`));
  for (const f of plan.followUps) out.push(`then: ${f}`);
  if (!hasChanges(plan) && !plan.refusals.length) out.push(c.green('Nothing to change: the host already matches the plan.'));
  return out.join('\n') + '\n';
}

export async function runPlan(opts: PlanOptions, io: Io): Promise<number> {
  const { plan } = buildPlan(opts);
  const code = plan.refusals.length ? EXIT.error : hasChanges(plan) ? EXIT.findings : EXIT.ok;
  if (opts.json) printJson(io, planJson(plan, null));
  else io.out(renderPlan(plan, colorsFor(io)));
  if (plan.refusals.length) for (const r of plan.refusals) io.err(`knobs: refused: ${r.message}\n`);
  return code;
}
