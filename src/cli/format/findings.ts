// Findings as text, grouped by severity: what is wrong, why, what to set.

import type { Evaluation, Finding, Severity } from '../../core/types.js';
import type { Colors } from './colors.js';
import { wrap, wrapBlock } from './wrap.js';

const HEADINGS: Record<Severity, string> = { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' };
const ORDER: Severity[] = ['critical', 'warning', 'info'];

function paint(c: Colors, s: Severity, text: string): string {
  return s === 'critical' ? c.bold(c.red(text)) : s === 'warning' ? c.yellow(text) : c.cyan(text);
}

function findingLines(f: Finding, c: Colors, width: number): string[] {
  const head = `  ${c.bold(f.id)}${f.key ? `  ${c.dim(f.key)}` : ''}`;
  const lines = [head, wrap(f.message, width, '    ')];
  if (f.current !== null || f.recommended !== null) {
    lines.push(wrap(`current ${f.current ?? '—'} → recommended ${f.recommended ?? '—'}`, width, '    '));
  }
  if (f.acceptExpired) lines.push(wrap(`accepted in /etc/knobs/knobs.ini until ${f.acceptExpired}: that has passed, so it counts again`, width, '    '));
  return lines;
}

export function formatFindings(ev: Evaluation, c: Colors, verbose: boolean, width = 80): string {
  const out: string[] = [];
  const open = ev.findings.filter((f) => !f.accepted);
  const accepted = ev.findings.filter((f) => f.accepted);
  for (const s of ORDER) {
    const group = open.filter((f) => f.severity === s);
    if (!group.length) continue;
    out.push(paint(c, s, `${HEADINGS[s]} (${group.length})`));
    for (const f of group) out.push(...findingLines(f, c, width), '');
  }
  if (accepted.length) {
    out.push(c.green(`ACCEPTED (${accepted.length}) — listed in /etc/knobs/knobs.ini [accept], not failing`));
    for (const f of accepted) out.push(...findingLines(f, c, width), wrap(`accepted: ${f.accepted}`, width, '    '), '');
  }
  if (!ev.findings.length) out.push(c.green('No findings.'), '');
  if (verbose) {
    if (ev.passed.length) out.push(c.dim(wrap(`Passed: ${ev.passed.join(', ')}`, width)));
    for (const n of ev.notApplicable) out.push(c.dim(wrap(`Not applicable: ${n.id} — ${n.reason}`, width, '  ', '')));
  } else if (ev.notApplicable.length) {
    out.push(c.dim(wrap(`${ev.notApplicable.length} rule(s) not applicable on this host (--verbose lists them).`, width)));
  }
  return wrapBlock(out.join('\n'), width) + '\n';
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const f of findings) if (!f.accepted) counts[f.severity]++;
  return counts;
}

/** A finding as `audit --json` prints it (and `sockets --json` in `advice`): one shape for scripts. */
export function findingJson(f: Finding) {
  return {
    id: f.id,
    severity: f.severity,
    key: f.key,
    current: f.current,
    recommended: f.recommended,
    message: f.message,
    ...(f.accepted !== undefined ? { accepted: f.accepted } : {}),
    ...(f.acceptExpired !== undefined ? { acceptExpired: f.acceptExpired } : {}),
    ...(f.change ? { change: f.change } : {}),
  };
}
