// The fleet report for a terminal: what is burning now, which rules fail where,
// profiles whose hosts disagree, keys with odd ones out. Host lists are folded
// (web[01-12]) and every line is wrapped at the terminal's width.

import { foldHostNames, type FindingGroup, type FleetReport } from '../../core/report.js';
import type { Severity } from '../../core/types.js';
import type { Colors } from './colors.js';
import { wrap } from './wrap.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function paint(c: Colors, s: Severity | null, text: string): string {
  return s === 'critical' ? c.bold(c.red(text)) : s === 'warning' ? c.yellow(text) : s === 'info' ? c.cyan(text) : c.green(text);
}

export const hostList = (names: readonly string[]) => foldHostNames(names).join(', ');

/** `128 on web[01-16]; 1024 on web17` — at most `max` values, then how many more. */
function valuesOn(values: readonly { value: string; hosts: readonly string[] }[], max = 4): string {
  const shown = values.slice(0, max).map((v) => `${v.value} on ${hostList(v.hosts)}`);
  if (values.length > max) shown.push(`${values.length - max} more values`);
  return shown.join('; ');
}

function groupLine(g: FindingGroup): string {
  const hosts = hostList(g.hosts.map((h) => h.host));
  if (g.key === null) return `${g.severity}: ${hosts} — e.g. ${g.hosts[0]!.host}: ${g.message}`;
  const currents = new Map<string, string[]>();
  for (const h of g.hosts) {
    const v = h.current ?? '—';
    currents.set(v, [...(currents.get(v) ?? []), h.host]);
  }
  const now =
    currents.size === 1
      ? `now ${[...currents.keys()][0]}`
      : currents.size <= 3
        ? `now ${valuesOn([...currents].map(([value, hs]) => ({ value, hosts: hs })))}`
        : `now ${currents.size} different values`;
  return `${g.severity}: ${g.key} ${now}${g.recommended !== null ? ` → ${g.recommended}` : ''} on ${hosts}`;
}

export function renderReportText(
  r: FleetReport,
  notes: readonly string[],
  c: Colors,
  width: number,
  opts: { brief?: boolean; html?: string } = {},
): string {
  const out: string[] = [];
  const line = (text: string, indent = '', first = indent) => out.push(wrap(text, width, indent, first));
  const kernels = r.kernels.map((k) => `${k.version} (${k.hosts})`).join(', ');
  line(`${c.bold('knobs report')} — ${plural(r.hostCount, 'host')}; kernels ${kernels}`);
  line(
    `worst finding per host: ${paint(c, 'critical', `${r.worst.critical} critical`)}, ${paint(c, 'warning', `${r.worst.warning} warning`)}, ` +
      `${paint(c, 'info', `${r.worst.info} info`)}, ${paint(c, null, `${r.worst.clean} clean`)}`,
    '  ',
  );
  for (const n of notes) line(`note: ${n}`, '    ', '  ');
  if (opts.brief) {
    if (opts.html) line(`HTML report written to ${opts.html} (host × rule matrix, per-key distributions).`);
    return out.join('\n') + '\n';
  }

  out.push('', c.bold('NOW'));
  if (!r.now.closeWait.length && !r.now.portPressure.length) line('No host has a CLOSE_WAIT leak or ephemeral-port pressure in its snapshot.', '  ');
  if (r.now.closeWait.length) {
    line(`CLOSE_WAIT leak on ${plural(r.now.closeWait.length, 'host')}:`, '  ');
    for (const h of r.now.closeWait) {
      const owners = h.owners.map((o) => `${o.comm ?? '?'}[${o.pid}] ${o.count}`).join(', ');
      line(`${paint(c, h.severity, h.host)}: ${h.count} CLOSE_WAIT (${h.severity})${owners ? `; held by ${owners}` : ''}`, '      ', '    ');
    }
  }
  if (r.now.portPressure.length) {
    line(`Ephemeral-port pressure on ${plural(r.now.portPressure.length, 'host')}:`, '  ');
    for (const h of r.now.portPressure) {
      line(`${paint(c, h.severity, h.host)}: ${h.timeWait ?? '?'} TIME_WAIT towards ${h.peer ?? '?'} (${h.severity})`, '      ', '    ');
    }
  }
  if (r.now.socketsUnknown.length) line(`Socket table not read on: ${hostList(r.now.socketsUnknown)}`, '    ', '  ');

  out.push('', c.bold('RULES') + ' (hosts failing each, worst first)');
  const failing = r.rules.filter((x) => x.failing > 0);
  if (!failing.length) line('No host fails any rule.', '  ');
  for (const rule of failing) {
    const na = rule.notApplicable ? `; not applicable on ${rule.notApplicable}` : '';
    line(`${paint(c, rule.worst, rule.id)} — fails on ${rule.failing} of ${r.hostCount}${na}: ${rule.summary}`, '    ', '  ');
    for (const g of rule.groups) line(groupLine(g), '        ', '    - ');
  }
  const clean = r.rules.filter((x) => x.failing === 0).map((x) => x.id);
  if (clean.length) line(`No host fails: ${clean.join(', ')}`, '    ', '  ');

  out.push('', c.bold('PROFILES') + ' (hosts of the same profile that disagree)');
  if (!r.profileGroups.length) line('No snapshot names its profiles (take them with `knobs facts --json --profile P`, or pass --profile).', '  ');
  for (const g of r.profileGroups) {
    const head = `${g.profiles.join(',')} (${plural(g.hosts.length, 'host')}: ${hostList(g.hosts)})`;
    if (!g.disagreements.length) {
      line(`${head}: all agree`, '    ', '  ');
      continue;
    }
    line(`${head}: ${plural(g.disagreements.length, 'key')} ${g.disagreements.length === 1 ? 'differs' : 'differ'}`, '    ', '  ');
    for (const d of g.disagreements) line(`${d.key}: ${valuesOn(d.values)}`, '        ', '    - ');
  }

  out.push('', c.bold('KEYS') + ' (live values across hosts; odd ones out)');
  const differing = r.keys.filter((k) => k.values.length > 1);
  const tuned = differing.filter((k) => !k.computedAtBoot);
  if (!differing.length) line('Every key has the same value on every host.', '  ');
  for (const k of tuned) {
    const dist = k.values.slice(0, 5).map((v) => `${v.value} ×${v.count}`).join(', ') + (k.values.length > 5 ? `, ${k.values.length - 5} more` : '');
    line(`${k.key}: ${dist}`, '    ', '  ');
    if (k.oddOnesOut.length) line(`odd ones out: ${valuesOn(k.oddOnesOut, 6)}`, '      ', '    ');
  }
  const computed = differing.filter((k) => k.computedAtBoot).map((k) => k.key);
  if (computed.length) line(`Differ as expected (computed at boot from RAM or CPUs): ${computed.join(', ')}`, '    ', '  ');
  const same = r.keys.length - differing.length;
  if (same) line(`${plural(same, 'key')} have one value on every host that has them.`, '  ');
  return out.join('\n') + '\n';
}
