// The mirror of sysctl/drift: a live value set at runtime that no boot file sets, so the next boot brings back the kernel default.
import { defaultFor, keyInfo } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { sameValue } from '../../src/core/same-value.js';
import { fold } from '../../src/core/values.js';

/**
 * Keys systemd (PID 1) raises itself at every boot, before any sysctl.d file is
 * read: src/core/main.c bump_file_max_and_nr_open() writes fs.nr_open (and
 * fs.file-max) to their maximum. On a systemd host a live value there that differs
 * from the kernel default is not lost at reboot.
 */
const SET_BY_SYSTEMD = ['fs.nr_open', 'fs.file-max'];

export default defineRule({
  id: 'sysctl/not-persisted',
  keys: [],
  severity: 'warning',
  summary: 'A live sysctl value differs from the kernel default and no boot file sets it: it is lost at the next reboot',
  explanation:
    'Someone (or something: a script, an earlier `sysctl -w`, a runtime-only apply) set this value while the ' +
    'system was running, and no sysctl.d file or /etc/sysctl.conf line sets it at boot. The running system does ' +
    'not match its configuration: the next reboot silently brings back the kernel default. This is the mirror of ' +
    'sysctl/drift, which reports a live value that differs from the value a boot file sets. Only keys whose ' +
    'default knobs knows as a constant are compared (defaults computed from RAM at boot cannot be told apart from ' +
    'a value set later), values are compared as the kernel stores them, and fs.nr_open / fs.file-max are skipped ' +
    'on systemd hosts, whose PID 1 raises them at every boot. Keep the value with `knobs plan --drift persist` ' +
    '(a line in knobs\' managed file), or go back to the default with `knobs plan --drift restore`; a value a ' +
    'service sets on purpose at its start belongs in knobs.ini [accept].',
  tradeoffs: 'Persisting keeps the tested live state; restoring the default brings back the documented one. Only the admin knows which was intended.',
  history: [
    'systemd src/core/main.c bump_file_max_and_nr_open(): PID 1 writes fs.nr_open and fs.file-max to their maximum at boot.',
  ],
  references: ['https://www.freedesktop.org/software/systemd/man/latest/sysctl.d.html', 'man 8 sysctl'],
  messages: {
    notPersisted:
      '{key} is {live} now, but no boot file sets it, so the next boot brings back the kernel default {default}. Keep it with `knobs plan --drift persist`, or go back to {default} with `knobs plan --drift restore`',
  },
  check({ facts, report }) {
    for (const key of Object.keys(facts.sysctl).sort()) {
      const fact = facts.sysctl[key]!;
      // A distribution's own compiled-in default (keyInfo().defaultVaries) is not a runtime change either.
      if (fact.state !== 'present' || fact.live === null || fact.boot !== null || fact.readOnly || keyInfo(key)?.readOnly || keyInfo(key)?.defaultVaries) continue;
      if (facts.sysctlConfig.loader === 'systemd' && SET_BY_SYSTEMD.includes(key)) continue;
      const dflt = defaultFor(key, facts.kernel.version);
      if (dflt === undefined || sameValue(key, fact.live, dflt)) continue;
      report('notPersisted', { key, live: fact.live, default: fold(dflt) }, { key, current: fact.live, recommended: fold(dflt) });
    }
  },
});
