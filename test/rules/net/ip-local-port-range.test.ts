import rule from '../../../rules/net/ip-local-port-range.js';
import { confFile, host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'net.ipv4.ip_local_port_range';
const RESERVED = 'net.ipv4.ip_local_reserved_ports';
const line = (value: string) => confFile('/etc/sysctl.d/70-ports.conf', { [KEY]: value });

ruleTester.run(rule, {
  valid: [
    { name: 'defaults on 6.12 (32768 60999, even count)', host: host('6.12') },
    { name: '3.10 default 32768 61000 has an odd count, but parity preference only exists since 4.2', host: host('3.10') },
    { name: '1024 65535 on 5.4 (64512 ports, even)', host: host('5.4', { sysctl: { [KEY]: '1024 65535' } }) },
    { name: 'a low end below 1024 is fine on 4.4 (no ip_unprivileged_port_start yet)', host: host('4.4', { sysctl: { [KEY]: '1000 2999' }, configFiles: [line('1000 2999')] }) },
    {
      name: 'listening ports outside the range, or reserved, on 6.1',
      host: host('6.1', { sysctl: { [RESERVED]: '40000-40010,50000' }, sockets: { listenPorts: [22, 443, 8080, 40005, 50000] } }),
    },
    { name: 'overlap ignored when the socket table is unreadable', host: host('6.1', { sockets: { available: false, listenPorts: [40000] } }) },
  ],
  invalid: [
    {
      name: 'ip_unprivileged_port_start above the range\'s low end on 6.1 is rejected by ipv4_privileged_ports()',
      host: host('6.1', { configFiles: [confFile('/etc/sysctl.d/71-unpriv.conf', { 'net.ipv4.ip_unprivileged_port_start': '40000' })] }),
      findings: [{ messageId: 'unprivAboveRange', key: 'net.ipv4.ip_unprivileged_port_start', current: '40000', includes: ['/etc/sysctl.d/71-unpriv.conf:1', 'starts at 32768', 'stays 1024'] }],
    },
    {
      name: 'odd count on 4.4 (parity since 4.2): info with an even-count fix',
      host: host('4.4', { sysctl: { [KEY]: '32768 61000' } }),
      findings: [{ messageId: 'oddCount', severity: 'info', current: '32768 61000', recommended: '32768 60999', change: { kind: 'sysctl', key: KEY, value: '32768 60999' }, includes: ['28233', 'different parity', 'ip_local_port_range: prefer different parity for start/end values.'] }],
    },
    {
      name: 'a low end below ip_unprivileged_port_start is rejected on 5.4',
      host: host('5.4', { configFiles: [line('1000 65535')] }),
      findings: [{ messageId: 'rejectedLine', current: '1000 65535', change: null, includes: ['/etc/sysctl.d/70-ports.conf:1', 'below ip_unprivileged_port_start 1024', 'stays 32768 60999'] }],
    },
    {
      name: 'low above high is rejected on 3.10',
      host: host('3.10', { configFiles: [line('5000 4000')] }),
      findings: [{ messageId: 'rejectedLine', includes: ['low end must not exceed the high end'] }],
    },
    {
      name: 'a single port on 6.1',
      host: host('6.1', { sysctl: { [KEY]: '40000 40000' } }),
      findings: [{ messageId: 'singlePort', severity: 'warning', change: null }],
    },
    {
      name: 'listening ports inside the range on 6.12: reserve them, keeping existing reservations',
      host: host('6.12', { sysctl: { [RESERVED]: '50000' }, sockets: { listenPorts: [22, 50000, 33000, 33001, 33002, 45000] } }),
      findings: [{
        messageId: 'listenInRange',
        key: RESERVED,
        current: '50000',
        recommended: '50000,33000-33002,45000',
        change: { kind: 'sysctl', key: RESERVED, value: '50000,33000-33002,45000' },
        includes: ['33000-33002,45000', 'EADDRINUSE'],
      }],
    },
    {
      name: 'a wide range on 5.4 swallows service ports',
      host: host('5.4', { sysctl: { [KEY]: '1024 65535' }, sockets: { listenPorts: [22, 3306, 8080] } }),
      findings: [{ messageId: 'listenInRange', recommended: '3306,8080' }],
    },
  ],
  notApplicable: [{ name: 'key absent', host: host('6.1', { sysctl: { [KEY]: null } }) }],
});
