import rule from '../../../rules/net/keepalive.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const TIME = 'net.ipv4.tcp_keepalive_time';
const CT = 'net.netfilter.nf_conntrack_tcp_timeout_established';

ruleTester.run(rule, {
  valid: [
    { name: 'defaults with nat-facing on 6.1: 5 days outlast the endpoints\' 7200 s', host: host('6.1'), profiles: ['nat-facing'] },
    { name: 'nat-facing with the profile\'s one day', host: host('6.1', { sysctl: { [CT]: '86400' } }), profiles: ['nat-facing'] },
    {
      name: 'nat-facing: the gateway\'s own keepalive does not matter for forwarded flows (7200 s here, timeout 86400)',
      host: host('5.4', { sysctl: { [TIME]: '100000', [CT]: '86400' } }),
      profiles: ['nat-facing'],
    },
    { name: 'conntrack 3600 s but no nat/db role: passes (documented)', host: host('6.1', { sysctl: { [CT]: '3600' } }) },
    { name: 'conntrack 3600 s with web-node only', host: host('5.4', { sysctl: { [CT]: '3600' } }), profiles: ['web-node'] },
    { name: 'conntrack not loaded, db-client on 4.4', host: host('4.4', { sysctl: { [CT]: null } }), profiles: ['db-client'] },
    { name: 'db-client keepalive 300 s under conntrack 3600 s', host: host('6.12', { sysctl: { [TIME]: '300', [CT]: '3600' } }), profiles: ['db-client'] },
  ],
  invalid: [
    {
      name: 'nat-facing on 6.1 with a 1 h established timeout: endpoints must keep their flows alive, not the gateway',
      host: host('6.1', { sysctl: { [CT]: '3600' } }),
      profiles: ['nat-facing'],
      findings: [{
        messageId: 'forwardedBeforeEndpointProbe',
        key: CT,
        current: '3600',
        recommended: null,
        change: null,
        severity: 'warning',
        includes: ['3600 s', '7200 s', 'never touch forwarded flows', 'per pod'],
      }],
    },
    {
      name: 'nat-facing with a short timeout and a short gateway keepalive: still the endpoints\' business',
      host: host('4.15', { sysctl: { [TIME]: '300', [CT]: '600' } }),
      profiles: ['nat-facing'],
      findings: [{ messageId: 'forwardedBeforeEndpointProbe', includes: ['(300 s here)'] }],
    },
    {
      name: 'db-client on 3.10, conntrack 600 s: profile target 180',
      host: host('3.10', { sysctl: { [CT]: '600' } }),
      profiles: ['db-client'],
      findings: [{ messageId: 'probeAfterConntrack', severity: 'info', recommended: '180', change: { kind: 'sysctl', key: TIME, value: '180' }, includes: ['7875 s (2 h 11 min)', '7200 + 75 × 9', 're-creates'] }],
    },
    {
      name: 'db-client, conntrack 120 s below the profile target: half the conntrack timeout',
      host: host('5.4', { sysctl: { [TIME]: '900', 'net.ipv4.tcp_keepalive_intvl': '30', 'net.ipv4.tcp_keepalive_probes': '5', [CT]: '120' } }),
      profiles: ['db-client'],
      findings: [{ messageId: 'probeAfterConntrack', current: '900', recommended: '60', includes: ['1050 s (17 min)', '900 + 30 × 5'] }],
    },
  ],
  notApplicable: [{ name: 'keepalive key absent', host: host('6.1', { sysctl: { [TIME]: null } }), profiles: ['nat-facing'] }],
});
