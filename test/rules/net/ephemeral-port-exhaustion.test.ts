import rule from '../../../rules/net/ephemeral-port-exhaustion.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const RANGE = 'net.ipv4.ip_local_port_range';
const REUSE = 'net.ipv4.tcp_tw_reuse';
const tw = (...pairs: [string, number][]) => ({ sockets: { timeWaitByDestination: pairs.map(([peer, count]) => ({ peer, count })) } });
const reuseOn = { kind: 'sysctl', key: REUSE, value: '1' } as const;

ruleTester.run(rule, {
  valid: [
    { name: 'no TIME_WAIT on 6.1', host: host('6.1') },
    { name: '14000 of 28232 ports (49.6%) on 6.12', host: host('6.12', tw(['10.0.0.5:5432', 14000])) },
    { name: 'many destinations, none above half (ports are per destination)', host: host('5.4', tw(['10.0.0.5:80', 12000], ['10.0.0.6:80', 12000], ['10.0.0.7:80', 12000])) },
    { name: 'socket table unreadable', host: host('6.1', { sockets: { available: false, timeWaitByDestination: [{ peer: '10.0.0.5:80', count: 28000 }] } }) },
  ],
  invalid: [
    {
      name: '15000 of 28232 on 6.1: warning, reuse 2 → propose 1',
      host: host('6.1', tw(['10.0.0.5:5432', 15000])),
      findings: [{ messageId: 'portsExhausting', severity: 'warning', key: REUSE, current: '2', recommended: '1', change: reuseOn, includes: ['15000', '10.0.0.5:5432', '53%', '28232', '470/s', 'pooling', 'Not tcp_tw_recycle', 'now 2, loopback only', 'IP_BIND_ADDRESS_NO_PORT', 'more source addresses'] }],
    },
    {
      name: '26000 of 28232 on 4.4: critical, reuse default 0',
      host: host('4.4', tw(['[2001:db8::1]:443', 26000])),
      findings: [{ messageId: 'portsExhausting', severity: 'critical', current: '0', change: reuseOn, includes: ['92%'] }],
    },
    {
      name: 'reserved ports shrink the pool on 5.4: 300 of 500',
      host: host('5.4', { sysctl: { [RANGE]: '60000 60999', 'net.ipv4.ip_local_reserved_ports': '60000-60499' }, ...tw(['10.1.1.1:80', 300]) }),
      findings: [{ messageId: 'portsExhausting', severity: 'warning', includes: ['of the 500 usable', '60%', '8/s'] }],
    },
    {
      name: 'reuse already 1: no change proposed, range reported',
      host: host('6.12', { sysctl: { [REUSE]: '1' }, ...tw(['10.0.0.9:6379', 27000]) }),
      findings: [{ messageId: 'portsExhausting', severity: 'critical', key: RANGE, change: null, recommended: null, includes: ['already 1'] }],
    },
    {
      name: 'reuse 2 on 4.15 already means every destination: no change proposed',
      host: host('4.15', { sysctl: { [REUSE]: '2' }, ...tw(['10.0.0.9:6379', 20000]) }),
      findings: [{ messageId: 'portsExhausting', key: RANGE, change: null, includes: ['already 2, which on this kernel means all destinations'] }],
    },
    {
      name: 'timestamps off: reuse cannot work, no change proposed',
      host: host('6.1', { sysctl: { 'net.ipv4.tcp_timestamps': '0' }, ...tw(['10.0.0.9:6379', 20000]) }),
      findings: [{ messageId: 'portsExhausting', change: null }],
    },
    {
      name: 'two destinations over the line, worst first',
      host: host('6.1', tw(['10.0.0.1:80', 16000], ['10.0.0.2:80', 27000])),
      findings: [
        { messageId: 'portsExhausting', severity: 'critical', includes: ['10.0.0.2:80'] },
        { messageId: 'portsExhausting', severity: 'warning', includes: ['10.0.0.1:80'] },
      ],
    },
  ],
  notApplicable: [{ name: 'range key absent', host: host('6.1', { sysctl: { [RANGE]: null } }) }],
});
