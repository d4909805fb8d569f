// A plan judges its own result before anyone sees it. `makePlan` is the one way to
// get a plan (plan, apply, the wizard, and per-key operations all call it through
// src/cli/commands/plan.ts buildPlan): it computes the plan, builds the host as it
// would be afterwards — planned live values, the kernel's side effects of writing
// them, the managed files as planned, the boot values they give — and evaluates
// every rule on that host.
//  - A finding the rules raise there that has a fix (the port range now covers a
//    listener: reserve its port) is folded into the plan, and the plan is made again.
//  - A finding at warning or above that the plan would create, or that objects to a
//    value the plan writes, refuses the plan — unless a warning of the plan already
//    explains that key (boot-precedence, read-only, a restored value…), in which
//    case the plan carries the finding as a warning too.
// Pure, like the planner and the engine.

import { severityRank } from './engine.js';
import { parseLimitsConf } from './limits-conf.js';
import { allowedKeys, computePlan, isKnobsSysctlFile, LIMITS_DIR, SYSCTL_DIR, type Plan, type PlanInput } from './planner.js';
import { parseSysctlConf } from './sysctl-conf.js';
import type { Finding, HostFacts, LimitLine, SysctlConfFile, SysctlFact } from './types.js';
import { fold } from './values.js';

export type Judge = (facts: HostFacts) => readonly Finding[];

const byteCmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** The plan, folded with the fixes its own result calls for, and judged. */
export function makePlan(input: PlanInput, judge: Judge, maxRounds = 4): Plan {
  const allowed = allowedKeys(input);
  let findings = input.findings;
  let plan = computePlan(input);
  let after = judge(factsAfterPlan(input.facts, plan));
  for (let round = 0; round < maxRounds; round++) {
    const afterFacts = factsAfterPlan(input.facts, plan);
    const known = new Set(findings.map(fixId));
    const again = after.filter((f) => {
      if (f.accepted || f.change?.kind !== 'sysctl' || !allowed(f.change.key)) return false;
      const live = afterFacts.sysctl[f.change.key]?.live;
      return live !== undefined && live !== null && fold(live) !== fold(f.change.value) && !known.has(fixId(f));
    });
    if (again.length === 0) break;
    // The newer judgement of a rule about a key replaces the older one.
    const replaced = new Set(again.map((f) => `${f.id}\0${f.change!.kind === 'sysctl' ? f.change!.key : ''}`));
    findings = [...findings.filter((f) => !(f.change?.kind === 'sysctl' && replaced.has(`${f.id}\0${f.change.key}`))), ...again];
    plan = computePlan({ ...input, findings });
    after = judge(factsAfterPlan(input.facts, plan));
  }
  judgeResult(plan, input.findings, after, factsAfterPlan(input.facts, plan));
  return plan;
}

function fixId(f: Finding): string {
  return f.change?.kind === 'sysctl' ? `${f.id}\0${f.change.key}\0${fold(f.change.value)}` : `${f.id}\0${f.key}\0${f.messageId}`;
}

/**
 * Refuse, or carry as warnings, what the plan's own result would show. `before` is
 * the judgement of the host as it is; `after` of the host after the plan.
 */
function judgeResult(plan: Plan, before: readonly Finding[], after: readonly Finding[], afterFacts: HostFacts): void {
  // What the plan writes: the live value it sets, or the line it adds.
  const written = new Map<string, string>();
  for (const [key, b] of Object.entries(plan.boot)) if (b && isKnobsSysctlFile(b.file)) written.set(key, fold(b.value));
  for (const r of plan.runtime) written.set(r.key, fold(r.to));
  const explained = new Set(plan.warnings.map((w) => w.key).filter((k): k is string => k !== undefined));
  for (const f of after) {
    if (f.accepted || severityRank(f.severity) > severityRank('warning')) continue;
    const c = f.change?.kind === 'sysctl' ? f.change : null;
    const objects = c !== null && written.has(c.key) && written.get(c.key) !== fold(c.value) && fold(afterFacts.sysctl[c.key]?.live ?? '') !== fold(c.value);
    const existed = before.some(
      (g) => g.id === f.id && g.messageId === f.messageId && severityRank(g.severity) <= severityRank(f.severity) && (g.key === f.key || c === null),
    );
    if (!objects && existed) continue;
    if (!objects && f.key !== null && explained.has(f.key)) {
      plan.warnings.push({ id: f.id, key: f.key, message: `after this plan: ${f.message}` });
      continue;
    }
    plan.refusals.push({
      id: f.id,
      ...(f.key !== null ? { key: f.key } : {}),
      message: `${objects ? `this plan writes ${c!.key} = ${written.get(c!.key)}, which ${f.id} objects to` : `this plan would create a ${f.severity} finding (${f.id})`}: ${f.message}`,
    });
  }
}

// ---- the host after the plan ---------------------------------------------------------

/**
 * The facts as they would be once the plan is applied (files and live values): the
 * planned live values and the kernel's certain side effects of writing them; the
 * managed files replaced by their planned content, in the sysctl config and the pam
 * limits lines; and the boot value of every key whose line changes.
 */
export function factsAfterPlan(facts: HostFacts, plan: Plan): HostFacts {
  const sysctl: Record<string, SysctlFact> = { ...facts.sysctl };
  const setLive = (key: string, value: string) => {
    const f = sysctl[key];
    if (f && f.state === 'present') sysctl[key] = { ...f, live: fold(value) };
  };
  for (const r of plan.runtime) setLive(r.key, r.to);
  for (const e of plan.sideEffects) if (e.certain) setLive(e.key, e.to);
  for (const [key, boot] of Object.entries(plan.boot)) {
    const f = sysctl[key];
    if (f) sysctl[key] = withBoot(f, boot);
  }
  // A managed line whose write changes other keys changes them at boot too, when
  // nothing read later sets them (the loaders walk the files in order).
  for (const e of plan.sideEffects) {
    const cause = plan.boot[e.cause] ?? facts.sysctl[e.cause]?.boot ?? null;
    const f = sysctl[e.key];
    if (!e.certain || !f || !cause || !isKnobsSysctlFile(cause.file)) continue;
    const own = f.boot;
    if (own && !isKnobsSysctlFile(own.file) && byteCmp(baseName(own.file), baseName(cause.file)) > 0) continue;
    sysctl[e.key] = withBoot(f, { value: e.to, file: cause.file, line: cause.line });
  }

  const sysctlFiles = plan.files.filter((f) => f.path.startsWith(`${SYSCTL_DIR}/`));
  const limitsFiles = plan.files.filter((f) => f.path.startsWith(`${LIMITS_DIR}/`));
  return {
    ...facts,
    sysctl,
    sysctlConfig: { ...facts.sysctlConfig, files: replaceConfFiles(facts.sysctlConfig.files, sysctlFiles) },
    limits: { ...facts.limits, pam: replaceLimitLines(facts.limits.pam, limitsFiles) },
  };
}

function withBoot(f: SysctlFact, boot: SysctlFact['boot']): SysctlFact {
  const { boot: _old, ...rest } = f;
  return { ...rest, boot };
}

function replaceConfFiles(files: readonly SysctlConfFile[], planned: Plan['files']): SysctlConfFile[] {
  if (planned.length === 0) return [...files];
  const gone = new Set(planned.map((f) => f.path));
  const out = files.filter((f) => !gone.has(f.path));
  for (const p of planned) {
    if (p.after === null) continue;
    const file: SysctlConfFile = { path: p.path, readBy: ['systemd', 'procps'], entries: parseSysctlConf(p.after).entries };
    // In load order: by file name among the sysctl.d files, before /etc/sysctl.conf (procps).
    const at = out.findIndex((f) => f.path === '/etc/sysctl.conf' || byteCmp(baseName(f.path), baseName(p.path)) > 0);
    out.splice(at < 0 ? out.length : at, 0, file);
  }
  return out;
}

function replaceLimitLines(pam: readonly LimitLine[], planned: Plan['files']): LimitLine[] {
  if (planned.length === 0) return [...pam];
  const gone = new Set(planned.map((f) => f.path));
  const out = pam.filter((l) => !gone.has(l.file));
  for (const p of planned) {
    if (p.after === null) continue;
    const lines = parseLimitsConf(p.after, p.path).lines;
    // pam_limits reads limits.conf, then limits.d/*.conf by name.
    const at = out.findIndex((l) => l.file.startsWith(`${LIMITS_DIR}/`) && byteCmp(baseName(l.file), baseName(p.path)) > 0);
    out.splice(at < 0 ? out.length : at, 0, ...lines);
  }
  return out;
}
