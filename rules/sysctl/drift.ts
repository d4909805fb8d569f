// A live value nobody persisted: it silently reverts at the next reboot.
import { keyInfo } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { sameValue } from '../../src/core/same-value.js';
import { fold, satisfies } from '../../src/core/values.js';
import { hostRejectReason } from '../../src/core/write-checks.js';

export default defineRule({
  id: 'sysctl/drift',
  keys: [],
  severity: 'warning',
  summary: 'A live sysctl value differs from what the boot files set: it is lost at the next reboot',
  explanation:
    'At boot, systemd-sysctl (or procps `sysctl --system`) applies the sysctl.d files; afterwards anyone can change ' +
    'a value with `sysctl -w` or by writing /proc/sys. When the live value differs from the value the boot files ' +
    'set, the running system does not match its configuration: the next reboot silently reverts it, often months ' +
    'later and to everyone\'s surprise. Values are compared with whitespace folded and integers by value. Either ' +
    'make the live value persistent (put it in a sysctl.d file; knobs does this when a chosen profile wants the live ' +
    'value) or revert the live value to the file\'s. Some services set sysctls at runtime on purpose (container ' +
    'runtimes set ip_forward, for example); accept those in knobs.ini (`sysctl/drift <key> = <reason>`). Only boot ' +
    'values the kernel accepts count: a line it rejects leaves the previous value, so it says nothing about what ' +
    'the next boot sets. `knobs plan --drift persist` writes the live values into knobs\' managed file; `knobs plan ' +
    '--drift restore` sets them back to their boot values.',
  tradeoffs: 'Persisting keeps the tested live state; reverting restores the documented one. Only the admin knows which was intended.',
  history: [
    'systemd-sysctl runs once at boot (and when udev adds a network device for per-interface keys); it does not re-apply later changes.',
    'A boot line the kernel rejects sets nothing (the write fails with EINVAL and the previous value stays), so it is not a boot value to compare with: net/ip-local-port-range and the rejected-line rules report such lines.',
  ],
  references: ['https://www.freedesktop.org/software/systemd/man/latest/sysctl.d.html', 'man 8 sysctl'],
  messages: {
    liveDiffersFromBoot:
      '{key} is {live} now, but {file}:{line} sets {boot} at boot: the live value is lost at the next reboot. Keep it with `knobs plan --drift persist`, or go back to {boot} with `knobs plan --drift restore`{profileNote}',
  },
  check({ facts, profile, report }) {
    for (const key of Object.keys(facts.sysctl).sort()) {
      const fact = facts.sysctl[key]!;
      if (fact.state !== 'present' || fact.live === null || fact.boot === null || fact.readOnly || keyInfo(key)?.readOnly) continue;
      if (sameValue(key, fact.live, fact.boot.value)) continue;
      if (hostRejectReason(key, fold(fact.boot.value), facts.kernel.version, (k) => facts.sysctl[k]?.live) !== null) continue;
      const target = profile.sysctl[key];
      const persist = target !== undefined && satisfies(fact.live, target.op, target.values) && !satisfies(fold(fact.boot.value), target.op, target.values);
      report(
        'liveDiffersFromBoot',
        {
          key,
          live: fact.live,
          file: fact.boot.file,
          line: fact.boot.line,
          boot: fold(fact.boot.value),
          profileNote: persist ? ` (profile ${target.profile} wants the live value: \`knobs plan --profile ${target.profile}\` persists it)` : '',
        },
        {
          key,
          current: fact.live,
          recommended: persist ? fact.live : fold(fact.boot.value),
          ...(persist ? { change: { kind: 'sysctl' as const, key, value: fact.live } } : {}),
        },
      );
    }
  },
});
