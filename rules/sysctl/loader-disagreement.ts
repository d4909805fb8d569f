// systemd-sysctl and procps `sysctl --system` would set different values: the config means two things.
import { defineRule } from '../../src/core/define-rule.js';
import type { BootSource } from '../../src/core/types.js';

function describe(src: BootSource | null): string {
  return src ? `${src.value} (${src.file}:${src.line})` : 'nothing';
}

export default defineRule({
  id: 'sysctl/loader-disagreement',
  keys: [],
  severity: 'warning',
  summary: 'systemd-sysctl and `sysctl --system` would apply different values for a key',
  explanation:
    'Two programs read sysctl configuration and they do not read the same files: systemd-sysctl (at boot on ' +
    'systemd hosts) reads /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d and /usr/lib/sysctl.d, while procps ' +
    '`sysctl --system` also reads /etc/sysctl.conf (and /lib/sysctl.d). The classic case is a value in plain ' +
    '/etc/sysctl.conf: an admin tests it with `sysctl -p` or `sysctl --system`, it works, and after the reboot it is ' +
    'gone because systemd-sysctl never reads that file (unless a distribution links it as 99-sysctl.conf). The ' +
    'value at boot is the active loader\'s; the other one only applies when someone runs the other tool by hand.',
  tradeoffs: 'Move the line into /etc/sysctl.d/*.conf, which both loaders read, and remove it from the other file.',
  history: [
    'systemd-sysctl reads only sysctl.d directories, never /etc/sysctl.conf itself (sysctl.d(5)): systemd 207 stopped reading it (NEWS for 207: "no longer natively reads the file /etc/sysctl.conf … should be symlinked from /etc/sysctl.d/99-sysctl.conf"). RHEL 7\'s systemd 219 reads it again (0003-sysctl-bring-back-etc-sysctl.conf.patch in its systemd.spec, e.g. amazon-linux-2 systemd-219-57).',
    'Debian 12 links /etc/sysctl.d/99-sysctl.conf → ../sysctl.conf (owned by its systemd 252 package: dpkg -S), and Fedora\'s and RHEL 8+\'s systemd.spec create the same link ("/etc/sysctl.conf compat"), so both loaders read it there; a host without the link applies /etc/sysctl.conf only through procps.',
  ],
  references: ['https://www.freedesktop.org/software/systemd/man/latest/sysctl.d.html', 'man 8 sysctl', 'man 5 sysctl.conf'],
  messages: {
    loadersDisagree:
      '{key}: systemd-sysctl sets {systemd}, `sysctl --system` sets {procps}; at boot {loader} applies {effective}, so the other value only appears when someone runs the other tool; put the line in /etc/sysctl.d/ where both read it',
  },
  check({ facts, report }) {
    const loader = facts.sysctlConfig.loader;
    for (const d of facts.sysctlConfig.disagreements) {
      const effective = loader === 'systemd' ? d.systemd : d.procps;
      report(
        'loadersDisagree',
        {
          key: d.key,
          systemd: describe(d.systemd),
          procps: describe(d.procps),
          loader: loader === 'systemd' ? 'systemd-sysctl' : '`sysctl --system`',
          effective: effective ? effective.value : 'nothing (the kernel keeps its value)',
        },
        { key: d.key, current: facts.sysctl[d.key]?.live ?? null, recommended: effective?.value ?? null },
      );
    }
  },
});
