import rule from '../../../rules/profile/sysctl-target.js';
import { defaultFor } from '../../../src/core/catalog.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const SOMAX = 'net.core.somaxconn';
const RANGE = 'net.ipv4.ip_local_port_range';
const REUSE = 'net.ipv4.tcp_tw_reuse';

ruleTester.run(rule, {
  valid: [
    { name: 'no profile (6.1)', host: host('6.1') },
    {
      name: 'web-node met by the 6.12 defaults plus the few keys it raises',
      host: host('6.12', { sysctl: { 'net.ipv4.tcp_slow_start_after_idle': '0' } }),
      profiles: ['web-node'],
    },
    { name: 'a larger value than "at least" wants is fine (5.4)', host: host('5.4', { sysctl: { [SOMAX]: '65535', 'net.ipv4.tcp_slow_start_after_idle': '0' } }), profiles: ['web-node'] },
  ],
  invalid: [
    {
      name: 'web-node on 4.4: somaxconn at the old default 128',
      host: host('4.4', { sysctl: { 'net.ipv4.tcp_slow_start_after_idle': '0' } }),
      profiles: ['web-node'],
      findings: [{ messageId: 'unmet', key: SOMAX, current: defaultFor(SOMAX, '4.4.0'), recommended: '4096', change: { kind: 'sysctl', key: SOMAX, value: '4096' }, includes: ['web-node', 'at least 4096'] }],
    },
    {
      name: 'load-balancer on 6.1: per-field range keeps the field already met',
      host: host('6.1', { sysctl: { [RANGE]: '10000 60999', [REUSE]: '1', 'fs.file-max': '2466170' } }),
      profiles: ['load-balancer'],
      findings: [{ messageId: 'unmet', key: RANGE, current: '10000 60999', recommended: '10000 64999', change: { kind: 'sysctl', key: RANGE, value: '10000 64999' } }],
    },
    {
      name: 'nat-facing on 6.12 without nf_conntrack: info for the missing keys, warning for ip_forward',
      host: host('6.12', {
        sysctl: {
          'net.netfilter.nf_conntrack_max': null,
          'net.netfilter.nf_conntrack_tcp_timeout_established': null,
          'net.ipv4.tcp_keepalive_time': '300',
          'net.ipv4.tcp_keepalive_intvl': '30',
          'net.ipv4.tcp_keepalive_probes': '5',
        },
      }),
      profiles: ['nat-facing'],
      findings: [
        { messageId: 'unmet', severity: 'warning', key: 'net.ipv4.ip_forward', change: { kind: 'sysctl', key: 'net.ipv4.ip_forward', value: '1' } },
        { messageId: 'missing', severity: 'info', key: 'net.netfilter.nf_conntrack_max', change: null },
        { messageId: 'missing', severity: 'info', key: 'net.netfilter.nf_conntrack_tcp_timeout_established' },
      ],
    },
  ],
  notApplicable: [],
});
