// What the wizard shows, step by step, as text for an 80x24 terminal (or whatever
// width it has): every line wrapped at the width, never inside a word, and short
// enough that a step fits on one screen with its question.

import type { Rule } from '../../core/define-rule.js';
import type { HostSummary, ServiceLine } from '../../core/host-summary.js';
import { thousands, type Recommendation } from '../../core/recommend.js';
import type { Plan, PlanChange } from '../../core/planner.js';
import type { ResolvedProfile } from '../../core/types.js';
import { keyInfo } from '../../core/catalog.js';
import { fileDiff } from '../commands/plan.js';
import type { Colors } from '../format/colors.js';
import { visibleLength, wrap } from '../format/wrap.js';

const LABEL = 12;

/** `Label       text…` with continuation lines under the text. */
function row(label: string, text: string, width: number, first = true): string {
  const lead = first ? label.padEnd(LABEL) : ' '.repeat(LABEL);
  return wrap(text, width, ' '.repeat(LABEL + 2), lead);
}

function section(label: string, items: readonly string[], width: number): string[] {
  return items.map((t, i) => row(label, t, width, i === 0));
}

const portList = (ports: readonly number[]) => [...ports].sort((a, b) => a - b).map((p) => `:${p}`).join(', ');

function serviceText(s: ServiceLine): string {
  const details = [
    ...(s.pid !== null ? [`pid ${s.pid}`] : []),
    ...(s.unit ? [s.unit] : []),
    ...(s.nofile ? [`nofile ${s.nofile.soft === null ? 'unlimited' : thousands(s.nofile.soft)}`] : []),
    ...(s.open !== null ? [`${thousands(s.open)} open`] : []),
  ];
  return `${s.comm ?? 'a process knobs cannot inspect (run as root)'} on ${portList(s.ports)}${details.length ? ` (${details.join(', ')})` : ''}`;
}

export function renderLook(h: HostSummary, c: Colors, width: number): string {
  const out = [wrap(`${c.bold('knobs wizard')}: what knobs sees on this host. Nothing changes until you say so; Ctrl+C quits at any step.`, width), ''];
  out.push(row('Kernel', `${h.kernel}${h.distribution ? `, ${h.distribution}` : ''}`, width));
  out.push(row('Boot', `${h.loader} applies ${h.bootFiles} sysctl file${h.bootFiles === 1 ? '' : 's'} at boot`, width));
  const serving = h.services.filter((s) => !s.local);
  const local = h.services.filter((s) => s.local);
  const shown = serving.slice(0, 4).map(serviceText);
  const hidden = serving.length - Math.min(4, serving.length);
  if (hidden > 0 || local.length) {
    shown.push([hidden > 0 ? `${hidden} more` : '', local.length ? `${local.length} on loopback only` : ''].filter(Boolean).join(', ') + ' (knobs limits lists all)');
  }
  out.push(...section('Listening', shown.length ? shown : ['nothing, or the owners cannot be read'], width));
  const dest = h.outbound.slice(0, 3).map((d) => `${d.peer}: ${thousands(d.open)} open${d.timeWait ? `, ${thousands(d.timeWait)} TIME_WAIT` : ''}`);
  out.push(...section('Outbound', dest.length ? dest : ['no outgoing connections'], width));
  const ct = h.conntrack ? `conntrack ${thousands(h.conntrack.count)} of ${thousands(h.conntrack.max)} flows (${h.conntrack.percent}%)` : 'conntrack not loaded';
  out.push(row('Forwarding', `ip_forward ${h.ipForward ?? 'unknown'}; ${ct}`, width));
  out.push(...section('Containers', h.environment.length ? h.environment : ['no container or Kubernetes signs'], width));
  const mark = (s: string) => (s === 'critical' ? c.red('!!') : s === 'warning' ? c.yellow('!') : '-');
  const symptoms = h.symptoms.slice(0, 4).map((s) => `${mark(s.severity)} ${s.text}`);
  out.push(...section('Symptoms', symptoms.length ? symptoms : ['none of CLOSE_WAIT, TIME_WAIT port use, listen overflows, conntrack or nofile'], width));
  return out.join('\n') + '\n';
}

export function renderRecommendation(r: Recommendation, c: Colors, width: number): string {
  if (!r.roles.length) {
    return wrap('knobs sees no role in what this host does now (no service for other hosts, no busy outgoing connections, no forwarding): choose by hand.', width) + '\n';
  }
  const out = [wrap('What this host looks like (the same as `knobs recommend`):', width)];
  for (const role of r.roles) {
    out.push(`  ${c.bold(role.profile)} (${role.confidence})`);
    for (const e of role.evidence.slice(0, 3)) out.push(wrap(e.message, width, '      ', '    - '));
  }
  for (const n of r.notes) out.push(wrap(n, width, '      ', 'note: '));
  return out.join('\n') + '\n';
}

export function renderQuestion(why: string, seen: string | null, width: number): string {
  return ['', wrap(`Why it matters: ${why}`, width), ...(seen ? [wrap(`Seen here: ${seen}`, width)] : [])].join('\n') + '\n';
}

// ---- the walk ---------------------------------------------------------------------------

/** One decision in the walk: a sysctl, the login limits of one item, or a service's LimitNOFILE. */
export interface Step {
  kind: 'sysctl' | 'limit' | 'systemd';
  /** Sysctl key, `limits.<item>`, or the unit. */
  key: string;
  title: string;
  from: string;
  to: string;
  /** The live value already matches: only the boot file changes. */
  bootOnly: boolean;
  /** Who wants it: a profile, or a rule. */
  source: string;
  why: string;
  meaning: string | null;
  tradeoff: string | null;
  /** What `knobs explain` takes for the whole story. */
  explain: string;
  editable: boolean;
  /** Limits: the domains and types this step covers (`*:soft`). */
  limits?: { domain: string; type: 'soft' | 'hard'; to: string }[];
}

function ruleOf(reason: string): string {
  return reason.slice(0, reason.indexOf(':'));
}

export function stepsOf(plan: Plan, profile: ResolvedProfile, rules: readonly Rule[]): Step[] {
  const steps: Step[] = [];
  const findRule = (id: string) => rules.find((r) => r.id === id);
  for (const ch of plan.changes) {
    if (ch.kind === 'sysctl') steps.push(sysctlStep(ch, profile, rules, findRule));
    else if (ch.kind === 'systemd') {
      const r = findRule('limits/service-soft-nofile');
      steps.push({
        kind: 'systemd',
        key: ch.unit!,
        title: `${ch.unit} LimitNOFILE`,
        from: ch.from ?? 'the default (1024 soft since systemd 240)',
        to: ch.to,
        bootOnly: false,
        source: 'your answer: this service needs a higher limit',
        why: 'A drop-in in /etc/systemd/system/<unit>.d/ raises the descriptor limit systemd starts the service with; limits.conf never applies to services.',
        meaning: null,
        tradeoff: r?.tradeoffs ?? null,
        explain: 'limits/service-soft-nofile',
        editable: false,
      });
    } else {
      const key = ch.key;
      const group = steps.find((s) => s.kind === 'limit' && s.key === key);
      const part = { domain: ch.domain!, type: ch.type!, to: ch.to };
      const label = `${ch.domain} ${ch.type}`;
      if (group) {
        group.limits!.push(part);
        group.from += `, ${label} ${ch.from ?? 'unset'}`;
        group.to += `, ${label} ${ch.to}`;
        continue;
      }
      const target = profile.limits.find((l) => l.domain === ch.domain && l.type === ch.type && `limits.${l.item}` === key);
      const r = findRule('limits/nofile-above-nr-open');
      steps.push({
        kind: 'limit',
        key,
        title: `${key.slice('limits.'.length)} for logins (limits.d, read by pam_limits)`,
        from: `${label} ${ch.from ?? 'unset'}`,
        to: `${label} ${ch.to}`,
        bootOnly: false,
        source: target ? `profile ${target.profile}` : ruleOf(ch.reason),
        why: target?.rationale || ch.reason.slice(ch.reason.indexOf(':') + 1).trim(),
        meaning: 'The most descriptors (sockets, files) a process started from a login session may open; services started by systemd do not read it.',
        tradeoff: key === 'limits.nofile' ? (r?.tradeoffs ?? null) : null,
        explain: 'limits/nofile-above-nr-open',
        editable: true,
        limits: [part],
      });
    }
  }
  return steps;
}

function sysctlStep(ch: PlanChange, profile: ResolvedProfile, rules: readonly Rule[], findRule: (id: string) => Rule | undefined): Step {
  const rule = ruleOf(ch.reason);
  const target = profile.sysctl[ch.key];
  const fromProfile = rule === 'profile/sysctl-target' && target;
  const fix = fromProfile ? undefined : findRule(rule);
  // The rule named after the key says most about it (net/tcp-timestamps for tcp_timestamps); else any rule that reads it.
  const named = findRule(`${ch.key.startsWith('fs.') ? 'fs' : 'net'}/${ch.key.slice(ch.key.lastIndexOf('.') + 1).replace(/_/g, '-')}`);
  const reader = fix ?? named ?? rules.find((r) => r.id !== 'profile/sysctl-target' && (r.keys.includes(ch.key) || r.requires?.includes(ch.key)));
  return {
    kind: 'sysctl',
    key: ch.key,
    title: ch.key,
    from: ch.from ?? 'absent',
    to: ch.to,
    bootOnly: ch.from === ch.to,
    source: fromProfile ? `profile ${target.profile}` : `rule ${rule}`,
    why: fromProfile ? target.rationale : ch.reason.slice(ch.reason.indexOf(':') + 1).trim(),
    meaning: keyInfo(ch.key)?.meaning ?? null,
    tradeoff: reader?.tradeoffs ?? null,
    explain: ch.key,
    editable: true,
  };
}

/**
 * The card for one step: current → proposed, who wants it and why, what the key
 * does and its trade-off, cut to `maxLines` (the rest is one choice away: the whole
 * `knobs explain`).
 */
export function renderStep(s: Step, n: number, total: number, c: Colors, width: number, maxLines: number, unicode: boolean, skipReason?: string): string {
  const arrow = unicode ? '→' : '->';
  const head = [
    wrap(`${c.bold(`Change ${n} of ${total}:`)} ${s.title}`, width),
    wrap(s.bootOnly ? `  ${s.to} already live; written to the boot file so it stays after a reboot` : `  now ${s.from}  ${arrow}  proposed ${s.to}`, width, '    '),
  ];
  const parts: [string, string | null][] = [
    [`Why (${s.source})`, s.why],
    ['What it does', s.meaning],
    ['Trade-off', s.tradeoff],
  ];
  if (skipReason) parts.unshift(['Your answer', skipReason]);
  const body: string[] = [];
  for (const [label, text] of parts) if (text) body.push(wrap(`${c.dim(label + ':')} ${text}`, width, '  ', '  '));
  let lines = [...head, ...body.join('\n').split('\n')];
  if (lines.length > maxLines) {
    lines = lines.slice(0, Math.max(3, maxLines - 1));
    lines.push(c.dim(wrap(`  (more: "Read all" shows \`knobs explain ${s.explain}\`)`, width, '  ')));
  }
  return lines.join('\n') + '\n';
}

// ---- review ----------------------------------------------------------------------------

/**
 * The plan as a unified diff for the screen: lines wider than the terminal are
 * wrapped at a word with the diff mark repeated (`+  …`), so a terminal or pager
 * never breaks them inside a word. For review only; `knobs plan` prints it raw.
 */
export function renderDiff(plan: Plan, c: Colors, width: number, unicode: boolean): string {
  const out: string[] = [];
  const arrow = unicode ? '→' : '->';
  for (const f of plan.files) {
    for (const line of fileDiff(f.path, f.before, f.after).replace(/\n$/, '').split('\n')) {
      const mark = line.startsWith('+++') || line.startsWith('---') ? '' : /^[+\- ]/.test(line) ? line[0]! : '';
      const paint = mark === '+' ? c.green : mark === '-' ? c.red : (s: string) => s;
      const text = visibleLength(line) <= width ? line : wrap(line.slice(mark.length), width, `${mark}    `, mark);
      out.push(...text.split('\n').map(paint));
    }
    out.push('');
  }
  if (plan.runtime.length) {
    out.push(c.bold('Live values (written to /proc/sys, then read back):'));
    for (const r of plan.runtime) out.push(wrap(`${r.key}  ${r.from ?? 'absent'} ${arrow} ${r.to}`, width, '      ', '  '));
    out.push('');
  }
  if (plan.sideEffects.length) {
    out.push(c.bold(wrap('The kernel changes these too when those values are written (journaled; rollback restores them):', width)));
    for (const e of plan.sideEffects) {
      out.push(wrap(`${e.key}  ${e.from ?? 'absent'} ${arrow} ${e.to}${e.certain ? '' : ' (where not set explicitly)'}  (${e.cause})`, width, '      ', '  '));
    }
    out.push('');
  }
  for (const w of plan.warnings) out.push(c.yellow(wrap(`warning [${w.id}]: ${w.message}`, width, '  ')));
  for (const r of plan.refusals) out.push(c.red(wrap(`refused [${r.id}]: ${r.message}`, width, '  ')));
  for (const f of plan.followUps) out.push(wrap(`then: ${f}`, width, '  '));
  return out.join('\n').replace(/\n+$/, '') + '\n';
}
