import rule from '../../../rules/net/tcp-tw-recycle.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'net.ipv4.tcp_tw_recycle';
const off = { kind: 'sysctl', key: KEY, value: '0' } as const;

ruleTester.run(rule, {
  valid: [
    { name: 'off (the default) on 3.10', host: host('3.10') },
    { name: 'off on 4.4 with the nat-facing profile', host: host('4.4'), profiles: ['nat-facing'] },
  ],
  invalid: [
    {
      name: 'on with nat-facing on 3.10 is critical',
      host: host('3.10', { sysctl: { [KEY]: '1' } }),
      profiles: ['nat-facing'],
      findings: [{ messageId: 'enabled', severity: 'critical', current: '1', recommended: '0', change: off, includes: ['nat-facing'] }],
    },
    {
      name: 'on with load-balancer on 4.4 is critical',
      host: host('4.4', { sysctl: { [KEY]: '1' } }),
      profiles: ['load-balancer'],
      findings: [{ messageId: 'enabled', severity: 'critical', change: off, includes: ['load-balancer'] }],
    },
    {
      name: 'on without a NAT role on 4.4 is a warning',
      host: host('4.4', { sysctl: { [KEY]: '1' } }),
      findings: [{ messageId: 'enabled', severity: 'warning', change: off }],
    },
    {
      name: 'on with web-node (not a NAT role) on 3.10 is a warning',
      host: host('3.10', { sysctl: { [KEY]: '1' } }),
      profiles: ['web-node'],
      findings: [{ messageId: 'enabled', severity: 'warning', change: off }],
    },
  ],
  notApplicable: [
    { name: 'key removed: 4.15', host: host('4.15') },
    { name: 'key removed: 5.4', host: host('5.4') },
    { name: 'key removed: 6.1 even with a NAT role', host: host('6.1'), profiles: ['nat-facing'] },
    { name: 'key removed: 6.12', host: host('6.12') },
    { name: 'a 4.4 backport without the key (presence beats version)', host: host('4.4', { sysctl: { [KEY]: null } }) },
  ],
});
