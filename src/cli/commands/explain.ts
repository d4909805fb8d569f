// `knobs explain <key|rule-id>`: everything knobs knows, in one place. For a rule,
// exactly its metadata; for a key, the catalogue entry, the rules that read it,
// what each profile wants and why, and the live and boot values with the file
// that wins at boot.

import { defaultFor, keyInfo, knownKeys, scopeFor, type KeyInfo } from '../../core/catalog.js';
import type { Rule } from '../../core/define-rule.js';
import { normaliseSysctlKey } from '../../core/sysctl-conf.js';
import type { HostFacts, SysctlFact } from '../../core/types.js';
import { describeTarget } from '../../core/values.js';
import { UserError } from '../../errors.js';
import { collectFacts } from '../../host/collect.js';
import { readLive } from '../../host/sysctl-live.js';
import { ProfileSet } from '../../profiles/load.js';
import { suggestKey } from '../../profiles/parse.js';
import { allRules, hostFor, ruleKeys, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor, type Colors } from '../format/colors.js';
import { printJson, widthOf, type Io } from '../io.js';
import { wrapBlock, wrap as wrapText } from '../format/wrap.js';

export function ruleDoc(r: Rule) {
  return {
    id: r.id,
    severity: r.severity,
    summary: r.summary,
    keys: [...r.keys],
    kernel: r.kernel ?? null,
    requires: [...(r.requires ?? [])],
    requiresAbsent: [...(r.requiresAbsent ?? [])],
    explanation: r.explanation,
    tradeoffs: r.tradeoffs,
    history: [...r.history],
    myth: r.myth ?? null,
    references: [...r.references],
  };
}

export function renderRule(r: Rule, c: Colors, width = 80): string {
  const wrap = (t: string, indent = '  ') => wrapText(t, width, indent);
  const d = ruleDoc(r);
  const out = [`${c.bold(d.id)}  (${d.severity})`, d.summary, ''];
  if (d.keys.length) out.push(`Keys: ${d.keys.join(', ')}`);
  if (d.kernel) out.push(`Kernels: ${d.kernel}${d.requires.length ? ` (or wherever ${d.requires.join(', ')} exists)` : ''}`);
  out.push('', c.bold('Why'), wrap(d.explanation), '', c.bold('Trade-offs'), wrap(d.tradeoffs));
  if (d.myth) out.push('', c.bold('Myth'), wrap(d.myth));
  if (d.history.length) out.push('', c.bold('Kernel history'), ...d.history.map((h) => wrapText(h, width, '    ', '  - ')));
  if (d.references.length) out.push('', c.bold('References'), ...d.references.map((h) => wrapText(h, width, '    ', '  - ')));
  return out.join('\n') + '\n';
}


function valueLines(key: string, facts: HostFacts): string[] {
  const fact: SysctlFact | undefined = facts.sysctl[key];
  if (!fact) return ['Live: not read'];
  const out = [`Live: ${fact.state === 'present' ? fact.live : fact.state === 'absent' ? 'absent on this kernel' : 'unreadable'}${fact.readOnly ? ' (read-only)' : ''}`];
  out.push(
    fact.boot
      ? `Boot: ${fact.boot.value} — set by ${fact.boot.file}:${fact.boot.line}${fact.boot.glob ? ' (glob)' : ''}${fact.boot.via ? ` through ${fact.boot.via} (the kernel copies it)` : ''}${fact.boot.text !== undefined ? ` from the text ${JSON.stringify(fact.boot.text)}` : ''} (loader: ${facts.sysctlConfig.loader === 'systemd' ? 'systemd-sysctl' : 'sysctl --system'})`
      : 'Boot: no sysctl config file sets it (the kernel default applies at boot)',
  );
  for (const s of fact.shadowed ?? []) out.push(`  overridden: ${s.value} at ${s.file}:${s.line}`);
  for (const r of facts.sysctlConfig.rejected ?? []) if (r.key === key) out.push(`  refused: ${JSON.stringify(r.value)} at ${r.file}:${r.line} (${r.reason})`);
  const dis = facts.sysctlConfig.disagreements.find((d) => d.key === key);
  if (dis) out.push(`  loaders disagree: systemd-sysctl → ${dis.systemd?.value ?? 'unset'} (${dis.systemd?.file ?? '-'}), sysctl --system → ${dis.procps?.value ?? 'unset'} (${dis.procps?.file ?? '-'})`);
  return out;
}

/**
 * A short name (`somaxconn`, `tcp_tw_recycle`, `tcp-tw-recycle`) → the one catalogue
 * key or rule id it ends with; dashes and underscores are interchangeable. A key wins
 * over a rule (its explanation lists the rules that read it).
 */
export function lookupShortName(subject: string, keys: readonly string[], ruleIds: readonly string[]): { key?: string; rule?: string; candidates: string[] } {
  const s = subject.replace(/-/g, '_');
  const keyHits = keys.filter((k) => k.endsWith(`.${s}`));
  const ruleHits = ruleIds.filter((id) => id.endsWith(`/${subject.replace(/_/g, '-')}`));
  if (keyHits.length === 1) return { key: keyHits[0]!, candidates: keyHits };
  if (keyHits.length === 0 && ruleHits.length === 1) return { rule: ruleHits[0]!, candidates: ruleHits };
  return { candidates: [...keyHits, ...ruleHits] };
}

export async function runExplain(opts: GlobalOptions & { args: string[] }, io: Io): Promise<number> {
  let subject = (opts.args[0] ?? '').trim();
  if (!subject) throw new UserError('explain needs a sysctl key or a rule id', 'e.g. knobs explain net.core.somaxconn, or knobs explain net/tcp-tw-recycle');
  const c = colorsFor(io);
  const rules = allRules();
  const host = hostFor(opts);
  if (!subject.includes('.') && !subject.includes('/') && !rules.some((r) => r.id === subject)) {
    const short = lookupShortName(subject, knownKeys(), rules.map((r) => r.id));
    if (short.key ?? short.rule) subject = (short.key ?? short.rule)!;
    else if (short.candidates.length > 1) {
      throw new UserError(`explain: "${subject}" names several keys or rules: ${short.candidates.join(', ')}`, 'give the full name');
    }
  }
  const rule = rules.find((r) => r.id === subject);
  if (rule) {
    const facts = collectFacts(host, { keys: ruleKeys(), sockets: false });
    const values = Object.fromEntries(rule.keys.map((k) => [k, facts.sysctl[k] ?? null]));
    if (opts.json) {
      printJson(io, { kind: 'rule', rule: ruleDoc(rule), values });
      return EXIT.ok;
    }
    io.out(wrapBlock(renderRule(rule, c, widthOf(io)), widthOf(io)));
    for (const k of rule.keys) io.out(`\n${c.bold(k)}\n` + valueLines(k, facts).map((l) => `  ${l}`).join('\n') + '\n');
    return EXIT.ok;
  }

  const key = subject.includes('/') && !subject.includes('.') ? normaliseSysctlKey(subject) : subject;
  const info = keyInfo(key);
  const live = readLive(host, key);
  if (!info && live.state === 'absent') {
    const full = [...knownKeys(), ...rules.map((r) => r.id)];
    // A short name near a key's last part (`somaxcon`) is a typo of that key.
    const short = new Map(full.map((k) => [k.slice(Math.max(k.lastIndexOf('.'), k.lastIndexOf('/')) + 1), k] as const));
    const guess = suggestKey(key, full) ?? short.get(suggestKey(key.replace(/-/g, '_'), [...short.keys()]) ?? '');
    throw new UserError(`explain: "${subject}" is neither a rule id nor a sysctl key on this host`, guess ? `did you mean ${guess}?` : 'rule ids: ' + rules.map((r) => r.id).join(', '));
  }
  const facts = collectFacts(host, { keys: [...ruleKeys(), key], sockets: false });
  const related = rules.filter((r) => r.keys.includes(key) || r.requires?.includes(key));
  const profiles = ProfileSet.load(host);
  const wants = [...profiles.sources.keys()].flatMap((name) => {
    const t = profiles.get(name).sysctl.find((s) => s.key === key);
    return t ? [{ profile: name, target: describeTarget(t), rationale: t.rationale }] : [];
  });
  const version = facts.kernel.version;
  const doc = {
    kind: 'key' as const,
    key,
    known: Boolean(info),
    meaning: info?.meaning ?? null,
    default: defaultFor(key, version) ?? null,
    defaultNote: info?.defaultNote ?? null,
    // The scope on this host's kernel: many keys were machine-wide before they became per namespace.
    scope: info ? (scopeFor(key, version) ?? null) : null,
    netnsSince: info?.netnsSince ?? null,
    unit: info?.unit ?? null,
    history: info?.history ?? [],
    kernel: facts.kernel,
    value: facts.sysctl[key] ?? null,
    rules: related.map(ruleDoc),
    profiles: wants,
  };
  if (opts.json) {
    printJson(io, doc);
    return EXIT.ok;
  }
  io.out(wrapBlock(renderKey(key, info, doc, facts, c, widthOf(io)), widthOf(io)));
  return EXIT.ok;
}

function renderKey(key: string, info: KeyInfo | undefined, doc: { default: string | null; scope: 'netns' | 'global' | null; profiles: { profile: string; target: string; rationale: string }[]; rules: ReturnType<typeof ruleDoc>[] }, facts: HostFacts, c: Colors, width: number): string {
  const wrap = (t: string, indent = '  ') => wrapText(t, width, indent);
  const out = [c.bold(key), ''];
  if (!info) out.push('knobs has no knowledge of this key; showing what the host says.');
  else {
    out.push(wrap(info.meaning, ''), '');
    const dflt = doc.default !== null ? `${doc.default}` : info.defaultNote ?? 'not known';
    out.push(`Default on ${facts.kernel.release}: ${dflt}${doc.default !== null && info.defaultNote ? ` (${info.defaultNote})` : ''}`);
    const since = info.netnsSince ? (doc.scope === 'netns' ? ` (since Linux ${info.netnsSince.replace(/\.0$/, '')})` : ` (per network namespace from Linux ${info.netnsSince.replace(/\.0$/, '')})`) : '';
    out.push(`Scope on ${facts.kernel.release}: ${doc.scope === 'netns' ? 'per network namespace' : 'whole machine'}${since}${info.unit ? `; unit: ${info.unit}` : ''}`);
    if (info.history.length) out.push('', c.bold('Kernel history'), ...info.history.map((h) => wrapText(h, width, '    ', '  - ')));
  }
  out.push('', c.bold('On this host'), ...valueLines(key, facts).map((l) => `  ${l}`));
  if (doc.profiles.length) {
    out.push('', c.bold('Profiles'));
    for (const p of doc.profiles) out.push(`  ${p.profile}: ${p.target}`, wrap(p.rationale, '    '));
  }
  for (const r of doc.rules) {
    out.push('', c.bold(`Rule ${r.id}`) + ` (${r.severity}) — ${r.summary}`, wrap(r.explanation), c.dim('  Trade-offs:'), wrap(r.tradeoffs, '    '));
    if (r.myth) out.push(c.dim('  Myth:'), wrap(r.myth, '    '));
  }
  return out.join('\n') + '\n';
}
