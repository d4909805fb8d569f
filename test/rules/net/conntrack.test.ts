import rule from '../../../rules/net/conntrack.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const MAX = 'net.netfilter.nf_conntrack_max';
const COUNT = 'net.netfilter.nf_conntrack_count';
const FWD = 'net.ipv4.ip_forward';
const BUCKETS = 'net.netfilter.nf_conntrack_buckets';
const stat = (o: Record<string, number>) => ({ netStat: { conntrack: { entries: 10, drop: 0, early_drop: 0, insert_failed: 0, ...o }, uptimeSeconds: 3 * 86400 + 4 * 3600 } });

ruleTester.run(rule, {
  valid: [
    { name: 'empty table, forwarding on, nat-facing on 6.1', host: host('6.1', { sysctl: { [FWD]: '1' } }), profiles: ['nat-facing'] },
    { name: '80% exactly is not above 80%', host: host('5.4', { sysctl: { [MAX]: '100000', [COUNT]: '80000' } }) },
    { name: '4.4 defaults: max 4 × buckets is the kernel\'s own ratio', host: host('4.4') },
    { name: '6.1: max 8 × buckets is still within what the kernel sets up with hashsize=', host: host('6.1', { sysctl: { [MAX]: '2097152' } }) },
    { name: 'counters all zero since boot', host: host('6.12', stat({})) },
    { name: 'forwarding off without nat-facing (a plain server)', host: host('6.12', { sysctl: { [FWD]: '0' } }), profiles: ['web-node'] },
  ],
  invalid: [
    {
      name: '6.1: max raised to 4 M with the default 262144 buckets — chains of 32 where the kernel keeps 2',
      host: host('6.1', { sysctl: { [MAX]: '4194304' } }),
      findings: [{ messageId: 'bucketsBehind', key: BUCKETS, current: '262144', recommended: '4194304', change: null, severity: 'info', includes: ['averages 32 entries', 'keeps 2', 'hashsize=4194304'] }],
    },
    {
      name: '5.4: before 5.15 the kernel\'s ratio is 4, so a quarter of max is enough',
      host: host('5.4', { sysctl: { [MAX]: '1048576', [BUCKETS]: '65536' } }),
      findings: [{ messageId: 'bucketsBehind', recommended: '262144', includes: ['keeps 8'] }],
    },
    {
      name: 'drops and early drops counted since boot, with the uptime they count from',
      host: host('6.12', stat({ drop: 12, early_drop: 3 })),
      findings: [{ messageId: 'dropsSinceBoot', key: MAX, severity: 'warning', includes: ['12 new flows', '3 entries', '3 d 4 h ago', 'no earlier sample'] }],
    },
    {
      name: 'insert_failed: the DNS race, info',
      host: host('5.4', stat({ insert_failed: 7 })),
      findings: [{ messageId: 'insertFailed', key: null, severity: 'info', includes: ['7 conntrack insertions', 'single-request-reopen'] }],
    },
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
