import rule from '../../../rules/sysctl/loader-disagreement.js';
import type { BootDisagreement, HostFacts, Loader } from '../../../src/core/types.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'net.core.somaxconn';
const withDisagreements = (h: HostFacts, loader: Loader, disagreements: BootDisagreement[]): HostFacts => ({
  ...h,
  sysctlConfig: { ...h.sysctlConfig, loader, disagreements },
});
const plainConf: BootDisagreement = { key: KEY, systemd: null, procps: { value: '65535', file: '/etc/sysctl.conf', line: 12 } };
const both: BootDisagreement = {
  key: 'vm.swappiness',
  systemd: { value: '10', file: '/etc/sysctl.d/50-vm.conf', line: 1 },
  procps: { value: '60', file: '/etc/sysctl.conf', line: 3 },
};

ruleTester.run(rule, {
  valid: [{ name: 'both loaders agree (6.1)', host: host('6.1') }],
  invalid: [
    {
      name: 'value only in /etc/sysctl.conf on a systemd host (5.4)',
      host: withDisagreements(host('5.4'), 'systemd', [plainConf]),
      findings: [{ messageId: 'loadersDisagree', key: KEY, current: '4096', recommended: null, change: null, includes: ['systemd-sysctl sets nothing', '65535 (/etc/sysctl.conf:12)', 'at boot systemd-sysctl applies nothing'] }],
    },
    {
      name: 'procps host: the procps value is the boot value (3.10)',
      host: withDisagreements(host('3.10'), 'procps', [both]),
      findings: [{ messageId: 'loadersDisagree', key: 'vm.swappiness', recommended: '60', includes: ['10 (/etc/sysctl.d/50-vm.conf:1)', 'at boot `sysctl --system` applies 60'] }],
    },
  ],
  notApplicable: [],
});
