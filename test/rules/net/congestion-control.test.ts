import rule from '../../../rules/net/congestion-control.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const CC = 'net.ipv4.tcp_congestion_control';
const QDISC = 'net.core.default_qdisc';
const LOWAT = 'net.ipv4.tcp_notsent_lowat';
const SSAI = 'net.ipv4.tcp_slow_start_after_idle';

ruleTester.run(rule, {
  valid: [
    { name: 'db-client on 6.1 with defaults: not a sending role', host: host('6.1'), profiles: ['db-client'] },
    { name: 'web-node on 6.1 with cubic: BBR is only suggested to load balancers', host: host('6.1'), profiles: ['web-node'] },
    { name: 'load-balancer on 6.1 with bbr + fq, a 16 KiB lowat, window kept after idle', host: host('6.1', { sysctl: { [CC]: 'bbr', [QDISC]: 'fq', [LOWAT]: '16384', [SSAI]: '0' } }), profiles: ['load-balancer'] },
    { name: 'load-balancer on 4.4: no BBR in this kernel, lowat set', host: host('4.4', { sysctl: { [LOWAT]: '131072', [SSAI]: '0' } }), profiles: ['load-balancer'] },
    { name: 'web-node on 4.15 with bbr + fq', host: host('4.15', { sysctl: { [CC]: 'bbr', [QDISC]: 'fq' } }), profiles: ['web-node'] },
  ],
  invalid: [
    {
      name: 'load-balancer on 6.1 with defaults: consider bbr, lowat unlimited',
      host: host('6.1'),
      profiles: ['load-balancer'],
      findings: [
        { messageId: 'considerBbr', key: CC, current: 'cubic', recommended: 'bbr', change: null, includes: ['unfairness'] },
        { messageId: 'notsentUnlimited', key: LOWAT, current: '4294967295', recommended: '16384', change: null },
        { messageId: 'slowStartAfterIdle', key: SSAI, current: '1', recommended: '0', change: null, includes: ['keep-alive'] },
      ],
    },
    {
      name: 'web-node on 4.9-era kernel (4.12) with bbr and fq_codel: no pacing before 4.13',
      host: host('4.12.0', { sysctl: { [CC]: 'bbr', [QDISC]: 'fq_codel' } }),
      profiles: ['web-node'],
      findings: [{ messageId: 'bbrWithoutPacing', key: QDISC, current: 'fq_codel', recommended: 'fq', severity: 'warning', change: { kind: 'sysctl', key: QDISC, value: 'fq' }, includes: ['before 4.13', 'tc qdisc replace'] }],
    },
    {
      name: 'web-node on 4.15 with bbr and pfifo_fast: internal pacing, fq optional',
      host: host('4.15', { sysctl: { [CC]: 'bbr', [QDISC]: 'pfifo_fast' } }),
      profiles: ['web-node'],
      findings: [{ messageId: 'bbrInternalPacing', severity: 'info', includes: ['4.13+'] }],
    },
    {
      name: 'load-balancer on 4.4 where proc_dointvec shows UINT_MAX as -1',
      host: host('4.4', { sysctl: { [LOWAT]: '-1', [SSAI]: '0' } }),
      profiles: ['load-balancer'],
      findings: [{ messageId: 'notsentUnlimited', current: '-1', recommended: '16384' }],
    },
  ],
  notApplicable: [{ name: 'no congestion control key', host: host('6.1', { sysctl: { [CC]: null } }), profiles: ['load-balancer'] }],
});
