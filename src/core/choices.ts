// What an operator decided about a plan, change by change (the wizard's walk): keys
// to leave exactly as they are, and values entered instead of the proposed ones.
// Choices do not bypass the planner: skipped keys are left alone the way `--only`
// leaves keys alone (a line knobs wrote earlier stays), and an entered value becomes
// an exact target of the profile, so the plan is computed, judged and applied as
// any other. The same choices render as a user profile (toProfileIni) for the fleet.

import { keyInfo, rejectReason } from './catalog.js';
import { mergeTarget } from './combine.js';
import { comparableLimit } from './limits-conf.js';
import type { LimitTarget, ResolvedProfile, SysctlTarget } from './types.js';
import { describeTarget, fold, plainValue } from './values.js';

export interface PlanChoices {
  /** Leave these exactly as they are: sysctl keys, and `limits.<item>` for login limits. */
  skip: string[];
  /** Values entered instead of the proposed ones: sysctl key → value. */
  sysctl: Record<string, string>;
  /** Login limits entered: `domain:type:item` → value. */
  limits: Record<string, string>;
  /** Targets taken from another profile (an answer in the wizard), combined as profiles are. */
  add?: SysctlTarget[];
}

export const NO_CHOICES: PlanChoices = { skip: [], sysctl: {}, limits: {} };

/** Profile name of targets the operator entered for keys no chosen profile sets. */
export const ENTERED = 'entered';

export function withChoices(profile: ResolvedProfile, choices: PlanChoices): ResolvedProfile {
  const merged: Record<string, SysctlTarget> = { ...profile.sysctl };
  for (const t of choices.add ?? []) merged[t.key] = merged[t.key] ? mergeTarget(merged[t.key]!, t) : t;
  const sysctl: Record<string, SysctlTarget> = {};
  for (const [key, t] of Object.entries(merged)) if (!choices.skip.includes(key)) sysctl[key] = t;
  for (const [key, raw] of Object.entries(choices.sysctl)) {
    if (choices.skip.includes(key)) continue;
    const was = sysctl[key];
    const value = fold(raw);
    sysctl[key] = was
      ? { ...was, op: 'exact', values: [value], rationale: `Value entered by the operator (${was.profile} wants ${describeTarget(was)}). ${was.rationale}` }
      : { key, op: 'exact', values: [value], rationale: 'Value entered by the operator instead of the proposed one.', profile: ENTERED };
  }
  // Skipped login limits stay in the profile: the planner leaves the limits file alone
  // (PlanInput.except) while a chosen service's LimitNOFILE= drop-in still needs them.
  const limits: LimitTarget[] = [...profile.limits];
  for (const [id, raw] of Object.entries(choices.limits)) {
    const parts = id.split(':');
    const item = parts.pop()!;
    const type = parts.pop() as 'soft' | 'hard';
    const domain = parts.join(':');
    if (choices.skip.includes(`limits.${item}`)) continue;
    const i = limits.findIndex((l) => l.domain === domain && l.type === type && l.item === item);
    const value = fold(raw);
    if (i >= 0) limits[i] = { ...limits[i]!, value, rationale: `Value entered by the operator (${limits[i]!.profile} wants ${limits[i]!.value}). ${limits[i]!.rationale}` };
    else limits.push({ domain, type, item, value, rationale: 'Value entered by the operator.', profile: ENTERED });
  }
  return { names: [...profile.names], sysctl, limits };
}

/**
 * Why a value typed for `key` cannot be used, or null: the checks a profile's value
 * gets (src/profiles/parse.ts), against this host's kernel. `key` is a sysctl key or
 * `limits.<item>`; `nrOpen` bounds nofile (above it pam_limits refuses logins).
 */
export function enteredValueProblem(key: string, text: string, version: string | null, nrOpen: number): string | null {
  const value = fold(text);
  if (value === '') return 'enter a value (or go back and skip this change)';
  if (key.startsWith('limits.')) {
    const item = key.slice('limits.'.length);
    for (const v of value.split(' ')) {
      if (!/^(\d+|unlimited|infinity|-1)$/.test(v)) return `"${v}" is not a number or unlimited`;
      if (item === 'nofile') {
        const n = comparableLimit('nofile', v, nrOpen);
        if (n === null || n === undefined || n > nrOpen) return `${v} is above fs.nr_open (${nrOpen}): pam_limits would refuse every login and su`;
      }
    }
    if (value.split(' ').length > 2) return 'enter one value, or the soft and the hard value';
    return null;
  }
  if (!keyInfo(key)) return `${key} is not in knobs' key catalogue`;
  return rejectReason(key, value, version);
}

export interface SavedTarget {
  key: string;
  value: string;
  /** Written as the comment above it: why. */
  rationale: string;
}

/**
 * A user profile (profiles/*.ini syntax) holding what the plan with these choices
 * wants: the targets of the chosen roles as they stand after the choices (skipped
 * keys left out and listed in a comment), so `--profile <name>` gives another host
 * the same decisions.
 */
export function toProfileIni(name: string, summary: string, profile: ResolvedProfile, choices: PlanChoices): string {
  const out = [
    `; knobs profile: ${name}`,
    `; Saved by knobs wizard from ${profile.names.length ? profile.names.join(', ') : 'no role'}; syntax: see knobs profiles.`,
  ];
  if (choices.skip.length) out.push(`; Left as they are on purpose: ${[...choices.skip].sort().join(', ')}.`);
  out.push('', '[main]', `summary = ${summary.replace(/\s+/g, ' ').trim()}`, '', '[sysctl]');
  const resolved = withChoices(profile, choices);
  for (const t of Object.values(resolved.sysctl).sort((a, b) => (a.key < b.key ? -1 : 1))) {
    out.push(...comment(t.rationale), `${t.key} = ${iniValue(t)}`, '');
  }
  const limits = resolved.limits.filter((l) => !choices.skip.includes(`limits.${l.item}`));
  if (limits.length) {
    out.push('[limits]');
    for (const l of limits) out.push(...comment(l.rationale), `${l.domain}:${l.type}:${l.item} = ${l.value}`, '');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}

function iniValue(t: SysctlTarget): string {
  switch (t.op) {
    case 'exact':
      return t.values[0]!;
    case 'oneOf':
      return t.values.join('|');
    case 'atLeast':
      return plainValue(t.values).split(' ').map((f) => `>${f}`).join(' ');
    case 'atMost':
      return plainValue(t.values).split(' ').map((f) => `<${f}`).join(' ');
    case 'perField':
      return t.values[0]!;
  }
}

/** A rationale as `;` comment lines of at most ~78 columns (the profile parser joins them back). */
function comment(text: string): string[] {
  const words = text.replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  if (!words.length) return ['; (no rationale given)'];
  const lines: string[] = [];
  let line = ';';
  for (const w of words) {
    if (line.length + 1 + w.length > 78 && line !== ';') {
      lines.push(line);
      line = ';';
    }
    line += ` ${w}`;
  }
  lines.push(line);
  return lines;
}
