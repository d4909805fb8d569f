import rule from '../../../rules/net/mtu-probing.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const P = 'net.ipv4.tcp_mtu_probing';

ruleTester.run(rule, {
  valid: [
    { name: 'db-client on 6.1: not reported', host: host('6.1'), profiles: ['db-client'] },
    { name: 'load-balancer on 5.4 with probing 1', host: host('5.4', { sysctl: { [P]: '1' } }), profiles: ['load-balancer'] },
    { name: 'nat-facing on 3.10 with probing 2', host: host('3.10', { sysctl: { [P]: '2' } }), profiles: ['nat-facing'] },
    { name: 'web-node on 6.1 with the default 0 but no tunnel interface: nothing to point at', host: host('6.1', { netStat: { interfaces: ['eth0', 'lo'] } }), profiles: ['web-node'] },
  ],
  invalid: [
    {
      name: 'web-node on 6.1 with a WireGuard interface',
      host: host('6.1', { netStat: { interfaces: ['eth0', 'lo', 'wg0'] } }),
      profiles: ['web-node'],
      findings: [{ messageId: 'off', key: P, current: '0', recommended: '1', change: null, severity: 'info', includes: ['(wg0)', 'fragmentation needed'] }],
    },
    {
      name: 'nat-facing on 6.12 with a flannel overlay',
      host: host('6.12', { netStat: { containers: { interfaces: ['cni0', 'flannel.1', 'veth1234abcd'] } } }),
      profiles: ['nat-facing'],
      findings: [{ messageId: 'off', includes: ['(flannel.1)'] }],
    },
  ],
  notApplicable: [{ name: 'key absent', host: host('6.1', { sysctl: { [P]: null }, netStat: { interfaces: ['tun0'] } }), profiles: ['web-node'] }],
});
