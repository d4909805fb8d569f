// A live value nobody persisted: it silently reverts at the next reboot.
import { keyInfo } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { fields, fold, satisfies } from '../../src/core/values.js';

function normalise(key: string, value: string): string {
  const v = fold(value);
  if (keyInfo(key)?.kind === 'portlist') return v.replace(/\s/g, '');
  // Integers compare by value ("08" and "8", "+1" and "1" are written the same way by the kernel).
  return fields(v)
    .map((f) => (/^[+-]?\d+$/.test(f) ? String(Number(f)) : f))
    .join(' ');
}

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
    'runtimes set ip_forward, for example); accept those in knobs.ini.',
  tradeoffs: 'Persisting keeps the tested live state; reverting restores the documented one. Only the admin knows which was intended.',
  history: ['systemd-sysctl runs once at boot (and when udev adds a network device for per-interface keys); it does not re-apply later changes.'],
  references: ['https://www.freedesktop.org/software/systemd/man/latest/sysctl.d.html', 'man 8 sysctl'],
  messages: {
    liveDiffersFromBoot:
      '{key} is {live} now, but {file}:{line} sets {boot} at boot: the live value is lost at the next reboot; make it persistent or revert it{profileNote}',
  },
  check({ facts, profile, report }) {
    for (const key of Object.keys(facts.sysctl).sort()) {
      const fact = facts.sysctl[key]!;
      if (fact.state !== 'present' || fact.live === null || fact.boot === null || fact.readOnly || keyInfo(key)?.readOnly) continue;
      if (normalise(key, fact.live) === normalise(key, fact.boot.value)) continue;
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
          profileNote: persist ? ` (profile ${target.profile} wants the live value: knobs can persist it)` : '',
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
