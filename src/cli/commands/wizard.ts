// `knobs wizard`: the interactive path, for an operator on a host over SSH.
// It walks the same pipeline as the scripted commands — read the host, choose
// roles, audit, explain, review the plan as a diff, apply with a journal — and
// never changes anything without showing the diff and asking first.

import { findInterrupted } from '../../apply/history.js';
import { evaluate } from '../../core/engine.js';
import type { Finding } from '../../core/types.js';
import { UserError } from '../../errors.js';
import { allRules, hostFor, siteConfig, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor } from '../format/colors.js';
import { countBySeverity, formatFindings } from '../format/findings.js';
import { widthOf, type Io } from '../io.js';
import { checkbox, select } from '../prompts.js';
import { applyPlan } from './apply.js';
import { renderRule } from './explain.js';
import { buildPlan, hasChanges, renderPlan } from './plan.js';
import { ProfileSet } from '../../profiles/load.js';
import { collectFacts } from '../../host/collect.js';
import { ruleKeys } from '../context.js';

type Next = 'plan' | 'explain' | 'quit';
type ApplyChoice = 'apply' | 'persist' | 'quit';

export async function runWizard(opts: GlobalOptions, io: Io): Promise<number> {
  if (!io.stdinTTY || !io.isTTY) {
    throw new UserError('the wizard needs a terminal', 'in scripts use `knobs audit`, `knobs plan` and `knobs apply --yes`');
  }
  const root = opts.root ?? '/';
  const c = colorsFor(io);
  const interrupted = findInterrupted(root);
  if (interrupted) throw new UserError(interrupted.message, `journal: ${interrupted.journal}`);

  const host = hostFor(opts);
  const facts = collectFacts(host, { keys: ruleKeys() });
  const s = facts.sockets.states;
  io.out(
    `${c.bold('knobs wizard')} — kernel ${facts.kernel.release}; boot loader ${facts.sysctlConfig.loader === 'systemd' ? 'systemd-sysctl' : 'sysctl --system'} ` +
      `(${facts.sysctlConfig.files.length} config files); TCP: ${s.ESTABLISHED} established, ${s.TIME_WAIT} TIME_WAIT, ${s.CLOSE_WAIT} CLOSE_WAIT\n\n`,
  );

  const set = ProfileSet.load(host);
  const names = await checkbox(
    'Which roles does this host play? (space to select, enter to confirm)',
    [...set.sources.keys()].map((n) => ({ value: n, name: `${n.padEnd(14)} ${set.get(n).summary}` })),
  );
  const profile = set.resolve(names);
  const ev = evaluate(facts, profile, allRules(), { accept: siteConfig(host).accept });
  const counts = countBySeverity(ev.findings);
  io.out('\n' + formatFindings(ev, c, false, widthOf(io)));
  io.out(`${counts.critical} critical, ${counts.warning} warning, ${counts.info} info\n\n`);

  for (;;) {
    const choices: { value: Next; name: string }[] = [
      ...(names.length ? [{ value: 'plan' as const, name: 'Review the changes knobs would make' }] : []),
      ...(ev.findings.length ? [{ value: 'explain' as const, name: 'Explain a finding' }] : []),
      { value: 'quit', name: names.length ? 'Quit without changing anything' : 'Quit (choose a role to get a plan)' },
    ];
    const next = await select<Next>('What next?', choices);
    if (next === 'quit') return EXIT.ok;
    if (next === 'explain') {
      const id = await select(
        'Which finding?',
        uniqueRules(ev.findings).map((f) => ({ value: f.id, name: `${f.severity.padEnd(8)} ${f.id}${f.key ? `  ${f.key}` : ''}` })),
      );
      const rule = allRules().find((r) => r.id === id)!;
      io.out('\n' + renderRule(rule, c, widthOf(io)) + '\n');
      continue;
    }
    const { plan } = buildPlan({ root, profile: names.join(',') });
    io.out('\n' + renderPlan(plan, c) + '\n');
    if (plan.refusals.length) {
      io.err('knobs: this plan is refused (see above); nothing was changed.\n');
      return EXIT.error;
    }
    if (!hasChanges(plan)) return EXIT.ok;
    const how = await select<ApplyChoice>('Apply it?', [
      { value: 'apply', name: 'Apply: write the files and set the live values (journaled; `knobs rollback` undoes it)' },
      { value: 'persist', name: 'Write the files only (live values change at the next boot)' },
      { value: 'quit', name: 'Quit without changing anything' },
    ]);
    if (how === 'quit') return EXIT.ok;
    const code = await applyPlan(plan, { root, scope: { persist: true, runtime: how === 'apply' }, json: false, restart: false }, io);
    if (code === EXIT.ok && plan.warnings.some((w) => w.id === 'test-login')) {
      io.out(c.yellow('Before you log out: open a second SSH session and check `ulimit -n` there.\n'));
    }
    return code;
  }
}

function uniqueRules(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => !seen.has(f.id) && seen.add(f.id));
}
