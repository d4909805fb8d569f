// Per-key operations (`knobs set`, `knobs unset`, `knobs persist`): what an operator
// asks for key by key, as ansible.posix.sysctl and pam_limits users think. They are
// not a second applier: the planner (src/core/planner.ts) takes them as one more
// input, so a per-key change is planned, judged (src/core/plan-judge.ts), journaled
// and rolled back like a profile's.
//
// A line an operator set carries the marker rule `knobs/set` in its comment. Such a
// line is the operator's decision: a later `knobs apply --profile` keeps it (the
// profile's target for that key yields, with a warning), rules do not replace it,
// and only `knobs unset` removes it.

import type { ResolvedProfile } from './types.js';
import { satisfies } from './values.js';
import { parseManagedSysctl, type LimitsLine, type SysctlLine } from './render.js';

/** The rule id in the comment of lines the operator set. */
export const OPERATOR_RULE = 'knobs/set';

export interface SetLimit {
  /** limits.conf domain: `*`, a user, `@group`. */
  domain: string;
  item: string;
  soft: string;
  hard: string;
}

export interface KeyOps {
  /** sysctl key → value to write (`knobs set`). */
  set: Record<string, string>;
  /** sysctl keys whose live value goes into the managed file (`knobs persist`). */
  persist: string[];
  /** sysctl keys whose knobs line goes (`knobs unset`). */
  unset: string[];
  /** Login limits to write (`knobs set limits.nofile=S:H --domain D`). */
  setLimits: SetLimit[];
  /** Login limits whose knobs lines go: domain and item. */
  unsetLimits: { domain: string; item: string }[];
  /** `--service UNIT`: LimitNOFILE= for these units, or (null) their knobs drop-ins removed. */
  service?: { units: string[]; nofile: { soft: string; hard: string } | null };
  /** `knobs unset --all`: every line of every file knobs manages. */
  all?: boolean;
  /** `--persist-only`: live values are not touched (an unset key keeps its live value until the next boot, and the plan says so). */
  persistOnly?: boolean;
  /** Why (the lines' comment); empty: a line set again to the same value keeps its comment, others get a default. */
  reason: string;
}

export const NO_KEY_OPS: KeyOps = { set: {}, persist: [], unset: [], setLimits: [], unsetLimits: [], reason: '' };

/** The sysctl keys and `limits.<item>` names the operations touch: the plan's --only. */
export function keyOpsScope(ops: KeyOps): string[] {
  const keys = new Set<string>([...Object.keys(ops.set), ...ops.persist, ...ops.unset]);
  for (const l of [...ops.setLimits, ...ops.unsetLimits]) keys.add(`limits.${l.item}`);
  if (ops.service) keys.add('limits.nofile');
  return [...keys].sort();
}

export function isOperatorLine(l: { rule: string }): boolean {
  return l.rule === OPERATOR_RULE;
}

/** Keys of the sysctl lines the operator set, in the managed files as they are. */
export function operatorKeys(managedSysctl: readonly { content: string }[]): Map<string, SysctlLine> {
  const out = new Map<string, SysctlLine>();
  for (const f of managedSysctl) for (const l of parseManagedSysctl(f.content)) if (isOperatorLine(l)) out.set(l.key, l);
  return out;
}

/**
 * The profile without the targets an operator's line decides: the line stays, the
 * profile yields. A warning names each target the operator's value does not meet.
 */
export function yieldToOperator(
  profile: ResolvedProfile,
  sysctl: ReadonlyMap<string, SysctlLine>,
  limits: readonly LimitsLine[],
): { profile: ResolvedProfile; warnings: { id: string; key: string; message: string }[] } {
  const warnings: { id: string; key: string; message: string }[] = [];
  const kept: ResolvedProfile['sysctl'] = {};
  for (const [key, t] of Object.entries(profile.sysctl)) {
    const line = sysctl.get(key);
    if (!line) {
      kept[key] = t;
      continue;
    }
    if (!satisfies(line.value, t.op, t.values)) {
      warnings.push({
        id: 'operator-set',
        key,
        message: `${key} = ${line.value} was set with \`knobs set\` (${line.reason}); profile ${t.profile}'s target is not applied. \`knobs unset ${key}\` hands it back to the profile.`,
      });
    }
  }
  const opLimits = limits.filter(isOperatorLine);
  const keptLimits = profile.limits.filter((t) => !opLimits.some((l) => l.domain === t.domain && l.type === t.type && l.item === t.item));
  for (const t of profile.limits) {
    if (keptLimits.includes(t)) continue;
    const l = opLimits.find((o) => o.domain === t.domain && o.type === t.type && o.item === t.item)!;
    if (l.value !== t.value) {
      warnings.push({
        id: 'operator-set',
        key: `limits.${t.item}`,
        message: `${t.domain} ${t.type} ${t.item} ${l.value} was set with \`knobs set\`; profile ${t.profile}'s ${t.value} is not applied. \`knobs unset limits.${t.item} --domain '${t.domain}'\` hands it back to the profile.`,
      });
    }
  }
  return { profile: { ...profile, sysctl: kept, limits: keptLimits }, warnings };
}
