// The bytes of the files knobs manages. Deterministic: the same plan renders the
// same text (no timestamps, sorted lines), so re-planning an applied host shows
// nothing. Each setting carries a comment naming the rule and the one-line reason;
// the parser reads that comment back to know why a line is there.

import { hasSideEffects } from './kernel-side-effects.js';

export const MANAGED_MARKER = '# Managed by knobs';

export interface ManagedLine {
  /** Rule id that put the line there (`profile/sysctl-target`, `net/tcp-tw-recycle`). */
  rule: string;
  reason: string;
}

export interface SysctlLine extends ManagedLine {
  key: string;
  value: string;
}

export interface LimitsLine extends ManagedLine {
  domain: string;
  type: 'soft' | 'hard';
  item: string;
  value: string;
}

function header(kind: string, profiles: readonly string[]): string[] {
  return [
    `${MANAGED_MARKER} (${kind}). Edits are overwritten by the next \`knobs apply\`;`,
    '# `knobs rollback` restores what was here before. `knobs explain <key>` says why each line is here.',
    `# Profiles: ${profiles.length ? profiles.join(', ') : '(none: rule fixes only)'}`,
  ];
}

/** First sentence, on one line: comments must not wrap into the next setting. */
export function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const first = /^(.+?[^.]\.)(\s|$)/.exec(flat)?.[1] ?? flat;
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

export function renderSysctlFile(profiles: readonly string[], lines: readonly SysctlLine[]): string {
  const out = header('sysctl.d', profiles);
  // Keys whose write resets others (ip_forward resets conf.*.forwarding and
  // conf.all.accept_redirects) come first, so that lines for those others, read
  // after them at boot, keep their values.
  const rank = (k: string) => (hasSideEffects(k) ? 0 : 1);
  for (const l of [...lines].sort((a, b) => rank(a.key) - rank(b.key) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    out.push('', `# ${l.rule}: ${oneLine(l.reason)}`, `${l.key} = ${l.value}`);
  }
  return out.join('\n') + '\n';
}

export function renderLimitsFile(profiles: readonly string[], lines: readonly LimitsLine[]): string {
  const out = header('limits.d, read by pam_limits at login', profiles);
  out.push('# Services started by systemd do not read this file; see the LimitNOFILE= drop-ins.');
  const rank = (l: LimitsLine) => `${l.domain}\0${l.item}\0${l.type === 'soft' ? 0 : 1}`;
  for (const l of [...lines].sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0))) {
    out.push('', `# ${l.rule}: ${oneLine(l.reason)}`, `${l.domain.padEnd(8)} ${l.type.padEnd(4)} ${l.item.padEnd(7)} ${l.value}`);
  }
  return out.join('\n') + '\n';
}

export function renderDropIn(profiles: readonly string[], unit: string, directives: readonly (ManagedLine & { directive: string; value: string })[]): string {
  const out = header(`systemd drop-in for ${unit}`, profiles);
  out.push('# Takes effect after `systemctl daemon-reload` and a restart of the service.', '', '[Service]');
  for (const d of [...directives].sort((a, b) => (a.directive < b.directive ? -1 : 1))) {
    out.push(`# ${d.rule}: ${oneLine(d.reason)}`, `${d.directive}=${d.value}`);
  }
  return out.join('\n') + '\n';
}

/** Lines of a file knobs wrote earlier, with the rule that wrote each (from its comment). */
export function parseManagedSysctl(text: string): SysctlLine[] {
  const out: SysctlLine[] = [];
  let pending: ManagedLine | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const c = /^# ([\w-]+\/[\w-]+): (.*)$/.exec(line);
    if (c) {
      pending = { rule: c[1]!, reason: c[2]! };
      continue;
    }
    const kv = /^([^#;=\s][^=]*?)\s*=\s*(.*)$/.exec(line);
    if (kv && pending) out.push({ ...pending, key: kv[1]!, value: kv[2]!.trim().replace(/\s+/g, ' ') });
    if (line !== '' && !line.startsWith('#')) pending = null;
  }
  return out;
}

export function isManaged(text: string | null): boolean {
  return text !== null && text.startsWith(MANAGED_MARKER);
}
