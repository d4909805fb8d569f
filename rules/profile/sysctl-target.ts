// The chosen profiles' [sysctl] targets, compared with the live value.
import { defaultFor, rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { describeTarget, nearestSatisfying, satisfies } from '../../src/core/values.js';

export default defineRule({
  id: 'profile/sysctl-target',
  keys: [],
  severity: 'warning',
  summary: 'A sysctl does not meet what the chosen profile wants',
  explanation:
    'Each profile key carries a target: an exact value, a minimum (`>`), a maximum (`<`), alternatives (`a|b`) or ' +
    'per-field bounds. A live value that is stricter or larger than needed meets the target and is not reported. ' +
    'The recommended value is the smallest change that meets it: fields that already satisfy the target are kept.',
  tradeoffs: 'Written into the profile file as the comment above each key; `knobs explain <key>` shows it.',
  history: [],
  references: ['profiles/*.ini'],
  messages: {
    unmet: '{key} is {current}; profile {profile} wants {target}{rationale}',
    missing: '{key} does not exist on this kernel; profile {profile} wants {target}',
  },
  check({ facts, profile, report }) {
    for (const target of Object.values(profile.sysctl)) {
      const fact = facts.sysctl[target.key];
      const data = { key: target.key, profile: target.profile, target: describeTarget(target) };
      if (!fact || fact.state !== 'present' || fact.live === null) {
        if (fact?.state === 'absent') report('missing', data, { key: target.key, severity: 'info' });
        continue;
      }
      if (satisfies(fact.live, target.op, target.values)) continue;
      const value = nearestSatisfying(fact.live, target.op, target.values);
      const proposable = rejectReason(target.key, value, facts.kernel.version) === null;
      const dflt = defaultFor(target.key, facts.kernel.version);
      report(
        'unmet',
        {
          ...data,
          current: fact.live,
          // `{word}` in a rationale (e.g. `server.listen({backlog})`) would read as an unfilled placeholder.
          rationale: (target.rationale ? `: ${target.rationale.replace(/\{(\w+)\}/g, '$1')}` : '') + (dflt !== undefined && dflt !== fact.live ? ` (kernel default ${dflt})` : ''),
        },
        {
          key: target.key,
          current: fact.live,
          recommended: value,
          ...(proposable ? { change: { kind: 'sysctl' as const, key: target.key, value } } : {}),
        },
      );
    }
  },
});
