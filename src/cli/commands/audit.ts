import { counterValues } from '../../core/counter-window.js';
import { evaluate, failing } from '../../core/engine.js';
import type { Finding, Severity } from '../../core/types.js';
import { allRules, checkProfileOnHost, factsFor, hostFor, resolveProfiles, siteConfig, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor } from '../format/colors.js';
import { countBySeverity, findingJson, formatFindings } from '../format/findings.js';
import { printJson, widthOf, type Io } from '../io.js';
import { wrapBlock } from '../format/wrap.js';

export interface AuditOptions extends GlobalOptions {
  profile?: string;
  failOn: Severity;
  facts?: string;
  verbose?: boolean;
}

export async function runAudit(opts: AuditOptions, io: Io): Promise<number> {
  const host = hostFor(opts, { procSys: !opts.facts });
  const { profile } = resolveProfiles(host, opts.profile);
  const config = siteConfig(host);
  const facts = factsFor(host, opts.facts);
  checkProfileOnHost(profile, facts);
  const ev = evaluate(facts, profile, allRules(), { accept: config.accept, expired: config.expired });
  const code = failing(ev.findings, opts.failOn).length ? EXIT.findings : EXIT.ok;
  // The next audit of this boot compares its counters with these (src/core/counter-window.ts).
  const bootId = facts.netStat?.bootId;
  // Loaded only when there is a state directory to keep it in (the applier's modules cost start-up time).
  if (!opts.facts && bootId && host.exists('/var/lib/knobs')) {
    const { saveCounterSample } = await import('../../apply/counter-sample.js');
    saveCounterSample(opts.root ?? '/', { bootId, timeMs: Date.now(), counters: counterValues(facts) });
  }
  if (opts.json) {
    printJson(io, {
      kernel: facts.kernel,
      profiles: profile.names,
      failOn: opts.failOn,
      summary: countBySeverity(ev.findings),
      findings: ev.findings.map(findingJson),
      notApplicable: ev.notApplicable,
      passed: ev.passed,
    });
    return code;
  }
  const c = colorsFor(io);
  const counts = countBySeverity(ev.findings);
  const width = widthOf(io);
  io.out(
    wrapBlock(
      c.bold(`knobs audit`) +
        ` — kernel ${facts.kernel.release}` +
        (profile.names.length ? `, profiles ${profile.names.join(', ')}` : ', no profile (kernel rules only; try --profile web-node)'),
      width,
    ) + '\n\n',
  );
  io.out(formatFindings(ev, c, Boolean(opts.verbose), width));
  io.out(
    '\n' +
      wrapBlock(
        `${counts.critical} critical, ${counts.warning} warning, ${counts.info} info` +
          (code === EXIT.findings ? ` — exit 2 (--fail-on ${opts.failOn})` : '') +
          '. ' +
          nextSteps(ev.findings, profile.names),
        width,
      ) +
      '\n',
  );
  return code;
}

/** What the operator can run next: only commands that can do something about these findings. */
function nextSteps(findings: readonly Finding[], profiles: readonly string[]): string {
  const open = findings.filter((f) => !f.accepted);
  const steps = ['`knobs explain <rule-id>` says why'];
  const drift = open.some((f) => f.id === 'sysctl/drift' || f.id === 'sysctl/not-persisted');
  const fixable = open.some((f) => f.change && f.id !== 'sysctl/drift');
  if (fixable) steps.push(`\`knobs plan --profile ${profiles.length ? profiles.join(',') : '<role>'}\` shows the fixes knobs can make`);
  if (drift) steps.push('`knobs plan --drift persist` keeps the live values (writes them to a managed file), `--drift restore` sets them back to their boot values');
  if (open.length) steps.push('accept a finding in /etc/knobs/knobs.ini [accept] (`<rule-id> [<key>] = <reason> [until YYYY-MM-DD]`)');
  return steps.join('; ') + '.';
}
