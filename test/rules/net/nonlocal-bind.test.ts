import rule from '../../../rules/net/nonlocal-bind.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const V4 = 'net.ipv4.ip_nonlocal_bind';
const V6 = 'net.ipv6.ip_nonlocal_bind';
const vip = (names: string[]) => ({ netStat: { containers: { vipProcesses: names } } });

ruleTester.run(rule, {
  valid: [
    { name: 'no VIP manager on 6.1', host: host('6.1', vip([])) },
    { name: 'an old snapshot without netStat', host: host('6.1') },
    { name: 'keepalived with nonlocal bind on, 5.4', host: host('5.4', { ...vip(['keepalived']), sysctl: { [V4]: '1', [V6]: '1' } }) },
  ],
  invalid: [
    {
      name: 'keepalived on 6.1 with both off',
      host: host('6.1', vip(['keepalived'])),
      findings: [{ messageId: 'vipWithoutNonlocal', key: V4, current: '0', recommended: '1', change: null, severity: 'warning', includes: ['keepalived runs here', '(IPv6 too)', 'net.ipv6.ip_nonlocal_bind = 1', 'freebind'] }],
    },
    {
      name: 'RHEL 7 (3.10): no IPv6 key before 4.3, so only IPv4 is named',
      host: host('3.10', vip(['keepalived', 'ucarp'])),
      findings: [{ messageId: 'vipWithoutNonlocal', includes: ['keepalived, ucarp runs here and ip_nonlocal_bind is 0:'] }],
    },
  ],
  notApplicable: [{ name: 'key absent', host: host('6.1', { ...vip(['keepalived']), sysctl: { [V4]: null } }) }],
});
