import rule from '../../../rules/net/conntrack.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const MAX = 'net.netfilter.nf_conntrack_max';
const COUNT = 'net.netfilter.nf_conntrack_count';
const FWD = 'net.ipv4.ip_forward';

ruleTester.run(rule, {
  valid: [
    { name: 'empty table, forwarding on, nat-facing on 6.1', host: host('6.1', { sysctl: { [FWD]: '1' } }), profiles: ['nat-facing'] },
    { name: '80% exactly is not above 80%', host: host('5.4', { sysctl: { [MAX]: '100000', [COUNT]: '80000' } }) },
    { name: 'forwarding off without nat-facing (a plain server)', host: host('6.12', { sysctl: { [FWD]: '0' } }), profiles: ['web-node'] },
  ],
  invalid: [
    {
      name: '84% used on 6.1: warning, double the table',
      host: host('6.1', { sysctl: { [MAX]: '262144', [COUNT]: '220000' } }),
      findings: [{ messageId: 'tableFilling', severity: 'warning', current: '262144', recommended: '524288', change: { kind: 'sysctl', key: MAX, value: '524288' }, includes: ['220000 of 262144', '83.9%', 'table full'] }],
    },
    {
      name: '95.4% used on 4.4: critical, on any role',
      host: host('4.4', { sysctl: { [MAX]: '262144', [COUNT]: '250000' } }),
      profiles: ['db-client'],
      findings: [{ messageId: 'tableFilling', severity: 'critical' }],
    },
    {
      name: 'read-only nf_conntrack_max (child netns, 5.13+): no change proposed',
      host: (() => {
        const h = host('6.12', { sysctl: { [MAX]: '65536', [COUNT]: '60000' } });
        h.sysctl[MAX] = { ...h.sysctl[MAX]!, readOnly: true };
        return h;
      })(),
      findings: [{ messageId: 'tableFilling', severity: 'warning', change: null }],
    },
    {
      name: 'ip_forward 0 with nat-facing on 3.10',
      host: host('3.10'),
      profiles: ['nat-facing'],
      findings: [{ messageId: 'forwardingOff', key: FWD, current: '0', recommended: '1', change: { kind: 'sysctl', key: FWD, value: '1' } }],
    },
    {
      name: 'both on 4.15 with nat-facing, critical first',
      host: host('4.15', { sysctl: { [MAX]: '1000', [COUNT]: '999' } }),
      profiles: ['nat-facing'],
      findings: [{ messageId: 'tableFilling', severity: 'critical' }, { messageId: 'forwardingOff', severity: 'warning' }],
    },
  ],
  notApplicable: [
    { name: 'nf_conntrack not loaded (keys absent) on 6.1', host: host('6.1', { sysctl: { [MAX]: null, [COUNT]: null } }), profiles: ['nat-facing'] },
  ],
});
