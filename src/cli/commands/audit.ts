import { evaluate, failing } from '../../core/engine.js';
import type { Severity } from '../../core/types.js';
import { allRules, factsFor, hostFor, resolveProfiles, siteConfig, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor } from '../format/colors.js';
import { countBySeverity, formatFindings } from '../format/findings.js';
import { printJson, widthOf, type Io } from '../io.js';
import { wrapBlock } from '../format/wrap.js';

export interface AuditOptions extends GlobalOptions {
  profile?: string;
  failOn: Severity;
  facts?: string;
  verbose?: boolean;
}

export async function runAudit(opts: AuditOptions, io: Io): Promise<number> {
  const host = hostFor(opts);
  const { profile } = resolveProfiles(host, opts.profile);
  const config = siteConfig(host);
  const facts = factsFor(host, opts.facts);
  const ev = evaluate(facts, profile, allRules(), { accept: config.accept });
  const code = failing(ev.findings, opts.failOn).length ? EXIT.findings : EXIT.ok;
  if (opts.json) {
    printJson(io, {
      kernel: facts.kernel,
      profiles: profile.names,
      failOn: opts.failOn,
      summary: countBySeverity(ev.findings),
      findings: ev.findings.map((f) => ({
        id: f.id,
        severity: f.severity,
        key: f.key,
        current: f.current,
        recommended: f.recommended,
        message: f.message,
        ...(f.accepted !== undefined ? { accepted: f.accepted } : {}),
        ...(f.change ? { change: f.change } : {}),
      })),
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
          '. `knobs explain <rule-id>` says why; `knobs plan --profile …` shows the fix.',
        width,
      ) +
      '\n',
  );
  return code;
}
