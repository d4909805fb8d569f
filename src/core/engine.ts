// The pure engine: facts + resolved profile + rules → findings.
// No I/O, no clock, no process: the same input always gives the same output,
// which is what makes `--facts FILE` reproduce a live audit exactly.

import { renderMessage, type Rule } from './define-rule.js';
import { versionSatisfies } from './kernel-version.js';
import { globMatches, isGlob } from './sysctl-conf.js';
import type { AcceptEntry, Evaluation, Finding, HostFacts, ResolvedProfile, Severity } from './types.js';

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export function severityRank(s: Severity): number {
  return RANK[s];
}

/** Null when the rule applies; otherwise why not. Presence under proc/sys beats the version number. */
export function notApplicableReason(rule: Rule, facts: HostFacts): string | null {
  if (rule.needs?.includes('socketCensus') && !facts.sockets.census) return 'judges the socket census, which `knobs sockets` takes';
  for (const key of rule.requires ?? []) {
    const state = facts.sysctl[key]?.state;
    if (state === 'absent') return `${key} does not exist on this kernel (${facts.kernel.release})`;
    if (state === 'unreadable') return `${key} cannot be read`;
    if (state === undefined && rule.kernel && facts.kernel.version && !versionSatisfies(facts.kernel.version, rule.kernel)) {
      return `kernel ${facts.kernel.release} is outside ${rule.kernel}`;
    }
  }
  for (const key of rule.requiresAbsent ?? []) {
    if (facts.sysctl[key]?.state === 'present') return `${key} still exists on this kernel`;
  }
  const decidedByPresence = (rule.requires?.length ?? 0) > 0 || (rule.requiresAbsent?.length ?? 0) > 0;
  if (!decidedByPresence && rule.kernel && facts.kernel.version && !versionSatisfies(facts.kernel.version, rule.kernel)) {
    return `kernel ${facts.kernel.release} is outside ${rule.kernel}`;
  }
  return null;
}

export interface EvaluateOptions {
  /** `[accept]` of etc/knobs/knobs.ini (or rule id → reason). */
  accept?: readonly AcceptEntry[] | Record<string, string>;
  /** Entries whose date has passed: their findings are marked, and count. */
  expired?: readonly AcceptEntry[];
}

/** The entry that accepts a finding of `rule` about `key`: a key entry before a rule-wide one. */
export function acceptFor(list: readonly AcceptEntry[], rule: string, key: string | null): AcceptEntry | undefined {
  const forKey = (e: AcceptEntry) => e.rule === rule && e.key !== null && key !== null && (isGlob(e.key) ? globMatches(e.key, key) : e.key === key);
  return list.find(forKey) ?? list.find((e) => e.rule === rule && e.key === null);
}

function acceptList(accept: EvaluateOptions['accept']): readonly AcceptEntry[] {
  if (!accept) return [];
  if (Array.isArray(accept)) return accept;
  return Object.entries(accept).map(([rule, reason]) => ({ rule, key: null, reason, until: null, line: 0 }));
}

export function evaluate(
  facts: HostFacts,
  profile: ResolvedProfile,
  rules: readonly Rule[],
  options: EvaluateOptions = {},
): Evaluation {
  const accept = acceptList(options.accept);
  const findings: Finding[] = [];
  const notApplicable: Evaluation['notApplicable'] = [];
  const passed: string[] = [];
  for (const rule of rules) {
    const reason = notApplicableReason(rule, facts);
    if (reason) {
      notApplicable.push({ id: rule.id, reason });
      continue;
    }
    const before = findings.length;
    rule.check({
      facts,
      profile,
      report(messageId, data, extra = {}) {
        const template = rule.messages[messageId];
        if (template === undefined) throw new Error(`rule ${rule.id} reported unknown messageId ${messageId}`);
        const finding: Finding = {
          id: rule.id,
          severity: extra.severity ?? rule.severity,
          key: extra.key !== undefined ? extra.key : (rule.keys[0] ?? null),
          current: extra.current ?? null,
          recommended: extra.recommended ?? null,
          message: renderMessage(template, data as Record<string, string | number>),
          messageId,
        };
        if (extra.change) finding.change = extra.change;
        const accepted = acceptFor(accept, rule.id, finding.key);
        if (accepted) finding.accepted = accepted.reason;
        else {
          const expired = acceptFor(options.expired ?? [], rule.id, finding.key);
          if (expired?.until) finding.acceptExpired = expired.until;
        }
        findings.push(finding);
      },
    });
    if (findings.length === before) passed.push(rule.id);
  }
  dropRestatedTargets(findings);
  findings.sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.id.localeCompare(b.id) || (a.key ?? '').localeCompare(b.key ?? ''));
  return { findings, notApplicable, passed };
}

/**
 * A specific rule that reports a key with the same recommendation as the generic
 * profile-target check says it better (it knows why); the generic finding goes.
 */
function dropRestatedTargets(findings: Finding[]): void {
  const specific = new Set(findings.filter((f) => f.id !== PROFILE_TARGET && f.key).map((f) => `${f.key}\0${f.recommended}`));
  for (let i = findings.length - 1; i >= 0; i--) {
    const f = findings[i]!;
    if (f.id === PROFILE_TARGET && specific.has(`${f.key}\0${f.recommended}`)) findings.splice(i, 1);
  }
}

const PROFILE_TARGET = 'profile/sysctl-target';

/** Findings that count towards the exit code: at or above the threshold and not accepted. */
export function failing(findings: readonly Finding[], failOn: Severity): Finding[] {
  return findings.filter((f) => !f.accepted && RANK[f.severity] <= RANK[failOn]);
}
