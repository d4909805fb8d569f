// `knobs recommend`: the roles this host looks like and why, like
// `tuned-adm recommend`; for scripts (`--json`), the fleet, and the wizard's
// first proposal. The logic is src/core/recommend.ts.

import { recommendRoles, type Recommendation } from '../../core/recommend.js';
import { collectFacts } from '../../host/collect.js';
import { hostFor, readFactsFile, ruleKeys, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor, type Colors } from '../format/colors.js';
import { wrap } from '../format/wrap.js';
import { printJson, widthOf, type Io } from '../io.js';

export interface RecommendOptions extends GlobalOptions {
  facts?: string;
}

export function renderRecommendation(r: Recommendation, c: Colors, width: number): string {
  const out: string[] = [];
  if (!r.roles.length) {
    out.push(
      wrap(
        'No role fits what this host does now: no service listens for other hosts, no busy outgoing connections, no forwarding. ' +
          'See `knobs profiles` to choose one by hand.',
        width,
      ),
    );
  }
  for (const role of r.roles) {
    out.push(`${c.bold(role.profile)} (${role.confidence})`);
    for (const e of role.evidence) out.push(wrap(e.message, width, '    ', '  - '));
  }
  for (const n of r.notes) out.push('', wrap(n, width, '      ', 'note: '));
  if (r.suggested) out.push('', wrap(`Review with: knobs plan --profile ${r.suggested}`, width));
  return out.join('\n') + '\n';
}

export async function runRecommend(opts: RecommendOptions, io: Io): Promise<number> {
  const facts = opts.facts ? readFactsFile(opts.facts) : collectFacts(hostFor(opts), { keys: ruleKeys(), workload: true });
  const r = recommendRoles(facts);
  if (opts.json) printJson(io, { kernel: facts.kernel, roles: r.roles, suggested: r.suggested, notes: r.notes });
  else io.out(renderRecommendation(r, colorsFor(io), widthOf(io)));
  return EXIT.ok;
}
