// Combining profiles (`--profile web-node,nat-facing`) into one set of targets.
//
// The rule, per key:
//  1. Both want "at least": the larger value per field wins (it satisfies both).
//     Both want "at most": the smaller wins.
//  2. Otherwise, if one profile's value also satisfies the other's target, that
//     stricter profile wins — nothing is given up.
//  3. A real conflict (no value satisfies both): the profile listed later wins,
//     as in tuned's `tuned-adm profile A B`, and the loser is recorded so that
//     audit and plan can say what was overridden.
// Includes are expanded first: an including profile overrides what it includes.
// Limits are minimums: for the same domain/type/item the larger value wins.

import { comparableLimit } from './limits-conf.js';
import { fields, plainValue, satisfies } from './values.js';
import type { LimitTarget, Profile, ResolvedProfile, SysctlTarget } from './types.js';

function perField(a: string, b: string, pick: (x: number, y: number) => number): string {
  const fa = fields(a);
  const fb = fields(b);
  if (fa.length !== fb.length) return b;
  return fa.map((x, i) => String(pick(Number(x), Number(fb[i])))).join(' ');
}

export function mergeTarget(earlier: SysctlTarget, later: SysctlTarget): SysctlTarget {
  const history = [...(earlier.overridden ?? []), ...(later.overridden ?? [])];
  const loser = (t: SysctlTarget) => ({ profile: t.profile, op: t.op, values: t.values });
  if (earlier.op === later.op && (earlier.op === 'atLeast' || earlier.op === 'atMost')) {
    const pick = earlier.op === 'atLeast' ? Math.max : Math.min;
    const merged = perField(earlier.values[0]!, later.values[0]!, pick);
    const winner = merged === later.values[0] ? later : earlier;
    const other = winner === later ? earlier : later;
    return { ...winner, values: [merged], overridden: [...history, loser(other)] };
  }
  if (earlier.op === 'oneOf' && later.op === 'oneOf') {
    const common = later.values.filter((v) => earlier.values.includes(v));
    if (common.length) return { ...later, values: common, overridden: [...history, loser(earlier)] };
  }
  if (later.op !== 'oneOf' && satisfies(plainValue(later.values), earlier.op, earlier.values)) {
    return { ...later, overridden: [...history, loser(earlier)] };
  }
  if (earlier.op !== 'oneOf' && satisfies(plainValue(earlier.values), later.op, later.values)) {
    return { ...earlier, overridden: [...history, loser(later)] };
  }
  return { ...later, overridden: [...history, { ...loser(earlier), conflict: true }] };
}

function mergeLimits(into: Map<string, LimitTarget>, add: readonly LimitTarget[], override: boolean): void {
  for (const l of add) {
    const id = `${l.domain}:${l.type}:${l.item}`;
    const prev = into.get(id);
    if (!prev || override || limitValue(l) > limitValue(prev)) into.set(id, l);
  }
}

/** Profiles do not know fs.nr_open: "unlimited" simply outranks any number here. */
function limitValue(l: LimitTarget): number {
  return comparableLimit(l.item, l.value, Infinity) ?? NaN;
}

/** Deepest `include` chain followed: far more than a real profile needs; a 10,000-deep chain must not overflow the stack. */
export const MAX_INCLUDE_DEPTH = 16;

/** Flatten one profile with its includes; the including profile overrides. */
function flatten(name: string, byName: (n: string) => Profile, seen: string[] = []): { sysctl: Map<string, SysctlTarget>; limits: Map<string, LimitTarget> } {
  if (seen.includes(name)) throw new Error(`include cycle: ${[...seen, name].join(' → ')}`);
  if (seen.length > MAX_INCLUDE_DEPTH) throw new Error(`include chain deeper than ${MAX_INCLUDE_DEPTH} profiles: ${seen[0]} → … → ${name}`);
  const p = byName(name);
  const sysctl = new Map<string, SysctlTarget>();
  const limits = new Map<string, LimitTarget>();
  for (const inc of p.includes) {
    const sub = flatten(inc, byName, [...seen, name]);
    for (const [k, t] of sub.sysctl) sysctl.set(k, t);
    mergeLimits(limits, [...sub.limits.values()], true);
  }
  for (const t of p.sysctl) sysctl.set(t.key, t);
  mergeLimits(limits, p.limits, true);
  return { sysctl, limits };
}

export function combineProfiles(names: readonly string[], byName: (n: string) => Profile): ResolvedProfile {
  const sysctl: Record<string, SysctlTarget> = {};
  const limits = new Map<string, LimitTarget>();
  for (const name of names) {
    const flat = flatten(name, byName);
    for (const [key, t] of flat.sysctl) sysctl[key] = sysctl[key] ? mergeTarget(sysctl[key]!, t) : t;
    mergeLimits(limits, [...flat.limits.values()], false);
  }
  return { names: [...names], sysctl, limits: [...limits.values()] };
}

export const EMPTY_PROFILE: ResolvedProfile = { names: [], sysctl: {}, limits: [] };
