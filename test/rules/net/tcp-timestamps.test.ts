import rule from '../../../rules/net/tcp-timestamps.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const TS = 'net.ipv4.tcp_timestamps';
const REUSE = 'net.ipv4.tcp_tw_reuse';
const on = { kind: 'sysctl', key: TS, value: '1' } as const;

ruleTester.run(rule, {
  valid: [
    { name: 'defaults on 6.12 (timestamps 1, reuse 2)', host: host('6.12') },
    { name: 'timestamps 1 with reuse 1 on 4.4', host: host('4.4', { sysctl: { [REUSE]: '1' } }) },
    { name: 'timestamps 2 with reuse 1 on 5.4', host: host('5.4', { sysctl: { [TS]: '2', [REUSE]: '1' } }) },
    { name: 'timestamps 0 with reuse at its 4.4 default 0 and no profile', host: host('4.4', { sysctl: { [TS]: '0' } }) },
    { name: 'timestamps 0 on 3.10 with web-node (which does not want reuse)', host: host('3.10', { sysctl: { [TS]: '0' } }), profiles: ['web-node'] },
  ],
  invalid: [
    {
      name: 'timestamps 0 with reuse 1 on 4.4',
      host: host('4.4', { sysctl: { [TS]: '0', [REUSE]: '1' } }),
      findings: [{ messageId: 'reuseInert', key: TS, current: '0', recommended: '1', change: on, includes: ['all outgoing'] }],
    },
    {
      name: 'timestamps 0 with the 4.15 default reuse 0 while db-client wants reuse',
      host: host('4.15', { sysctl: { [TS]: '0' } }),
      profiles: ['db-client'],
      findings: [{ messageId: 'profileWantsReuse', change: on, includes: ['db-client', 'tcp_tw_reuse = 1'] }],
    },
    {
      name: 'timestamps 0 with reuse 2 on 4.15: before 4.18 that is every destination, not loopback',
      host: host('4.15', { sysctl: { [TS]: '0', [REUSE]: '2' } }),
      findings: [{ messageId: 'reuseInert', includes: ['is 2', 'all outgoing connections: before 4.18'] }],
    },
    {
      name: 'timestamps 0 with the 5.4 default reuse 2 (loopback)',
      host: host('5.4', { sysctl: { [TS]: '0' } }),
      findings: [{ messageId: 'reuseInert', change: on, includes: ['is 2', 'loopback'] }],
    },
    {
      name: 'timestamps 0 on 6.1 with load-balancer',
      host: host('6.1', { sysctl: { [TS]: '0' } }),
      profiles: ['load-balancer'],
      findings: [{ messageId: 'reuseInert' }],
    },
  ],
  notApplicable: [{ name: 'timestamps key absent', host: host('6.1', { sysctl: { [TS]: null } }) }],
});
