import type { Change, HostFacts, ResolvedProfile, Severity } from './types.js';

type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer R}` ? P | Placeholders<R> : never;
type DataFor<S extends string> = [Placeholders<S>] extends [never]
  ? Record<string, never>
  : Record<Placeholders<S>, string | number>;

/** Parts of HostFacts that only some commands collect (see RuleMeta.needs). */
export type FactPart = 'socketCensus';

export interface RuleMeta<M extends Record<string, string> = Record<string, string>> {
  /** Equal to the rule's path under rules/ without extension. */
  id: string;
  /** Sysctl keys the rule reads; `explain <key>` finds the rule through them. */
  keys: readonly string[];
  /** Default severity; a finding may raise or lower it (e.g. critical for NAT-facing roles). */
  severity: Severity;
  /**
   * Kernel versions where the rule applies (semver range on the coerced version).
   * Used only when presence under proc/sys cannot decide: see `requires`.
   */
  kernel?: string;
  /**
   * Keys that must exist under proc/sys for the rule to apply. Presence beats the
   * version number, because distribution kernels carry backports.
   */
  requires?: readonly string[];
  /** Keys that must NOT exist (a rule about a key the kernel removed). */
  requiresAbsent?: readonly string[];
  /**
   * Facts only some commands collect, without which the rule does not apply:
   * 'socketCensus' = facts.sockets.census, taken by `knobs sockets` (not by `audit`).
   */
  needs?: readonly FactPart[];
  summary: string;
  explanation: string;
  tradeoffs: string;
  history: readonly string[];
  /** The folklore this rule replaces, when there is one. */
  myth?: string;
  references: readonly string[];
  messages: M;
}

export interface CheckContext<M extends Record<string, string>> {
  facts: HostFacts;
  profile: ResolvedProfile;
  report<K extends keyof M & string>(
    messageId: K,
    data: DataFor<M[K]>,
    extra?: {
      key?: string | null;
      current?: string | null;
      recommended?: string | null;
      severity?: Severity;
      change?: Change;
    },
  ): void;
}

export interface Rule<M extends Record<string, string> = Record<string, string>> extends RuleMeta<M> {
  /** Pure: reads facts and profile, reports findings. No I/O, no clock. */
  check(ctx: CheckContext<M>): void;
}

export function defineRule<const M extends Record<string, string>>(rule: Rule<M>): Rule<M> {
  return rule;
}

/** Fill `{name}` placeholders; unknown placeholders are left visible so tests can catch them. */
export function renderMessage(template: string, data: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(data, name) ? String(data[name]) : whole,
  );
}
