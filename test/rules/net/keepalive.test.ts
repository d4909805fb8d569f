import rule from '../../../rules/net/keepalive.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const TIME = 'net.ipv4.tcp_keepalive_time';
const CT = 'net.netfilter.nf_conntrack_tcp_timeout_established';

ruleTester.run(rule, {
  valid: [
    { name: 'defaults with nat-facing on 6.1: 7200 s < 5 days', host: host('6.1'), profiles: ['nat-facing'] },
    { name: 'conntrack 3600 s but no nat/db role: passes (documented)', host: host('6.1', { sysctl: { [CT]: '3600' } }) },
    { name: 'conntrack 3600 s with web-node only', host: host('5.4', { sysctl: { [CT]: '3600' } }), profiles: ['web-node'] },
    { name: 'conntrack not loaded, db-client on 4.4', host: host('4.4', { sysctl: { [CT]: null } }), profiles: ['db-client'] },
    { name: 'keepalive 300 s under conntrack 3600 s with nat-facing', host: host('6.12', { sysctl: { [TIME]: '300', [CT]: '3600' } }), profiles: ['nat-facing'] },
  ],
  invalid: [
    {
      name: 'default keepalive 7200 s after conntrack 3600 s, nat-facing on 6.1: use the profile target 300',
      host: host('6.1', { sysctl: { [CT]: '3600' } }),
      profiles: ['nat-facing'],
      findings: [{
        messageId: 'probeAfterConntrack',
        key: TIME,
        current: '7200',
        recommended: '300',
        change: { kind: 'sysctl', key: TIME, value: '300' },
        includes: ['7200 s', 'after 3600 s', 'nat-facing', '7875 s (2 h 11 min)', '7200 + 75 × 9'],
      }],
    },
    {
      name: 'db-client on 3.10, conntrack 600 s: profile target 180',
      host: host('3.10', { sysctl: { [CT]: '600' } }),
      profiles: ['db-client'],
      findings: [{ messageId: 'probeAfterConntrack', recommended: '180', includes: ['db-client'] }],
    },
    {
      name: 'conntrack 120 s below the profile target: half the conntrack timeout',
      host: host('5.4', { sysctl: { [TIME]: '900', 'net.ipv4.tcp_keepalive_intvl': '30', 'net.ipv4.tcp_keepalive_probes': '5', [CT]: '120' } }),
      profiles: ['db-client'],
      findings: [{ messageId: 'probeAfterConntrack', current: '900', recommended: '60', includes: ['1050 s (17 min)', '900 + 30 × 5'] }],
    },
  ],
  notApplicable: [{ name: 'keepalive key absent', host: host('6.1', { sysctl: { [TIME]: null } }), profiles: ['nat-facing'] }],
});
