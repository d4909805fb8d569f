import rule from '../../../rules/sockets/time-wait-outgoing.js';
import { censusHost, censusOf, many, type Sock } from '../../helpers/census.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const RANGE = { 'net.ipv4.ip_local_port_range': '40000 40099' };
/** `n` TIME_WAIT sockets from distinct local ports towards one backend, plus `open` open ones. */
const towards = (peer: string, n: number, open = 0): Sock[] => {
  const me = peer.startsWith('[') ? '[2001:db8::1]' : '10.0.0.1';
  return [
    ...many(n, (i): Sock => ({ state: 'TIME_WAIT', local: `${me}:${40000 + i}`, remote: peer })),
    ...many(open, (i): Sock => ({ state: 'ESTABLISHED', local: `${me}:${40000 + n + i}`, remote: peer })),
  ];
};

ruleTester.run(rule, {
  valid: [
    { name: 'no outgoing TIME_WAIT', host: censusHost('6.1', censusOf([{ state: 'ESTABLISHED', local: '10.0.0.1:40000', remote: '10.0.0.5:5432' }])) },
    { name: 'TIME_WAIT only as the server', host: censusHost('6.1', censusOf([{ state: 'LISTEN', local: '0.0.0.0:80', inode: 1 }, { state: 'TIME_WAIT', local: '10.0.0.1:80', remote: '10.0.0.9:5555' }])) },
  ],
  invalid: [
    {
      name: 'a little TIME_WAIT towards a backend (6.1: tw_reuse 2 is loopback only)',
      host: censusHost('6.1', censusOf(towards('10.0.0.5:5432', 9), { sysctl: RANGE })),
      findings: [{
        messageId: 'outgoingTimeWait', severity: 'info', key: 'net.ipv4.ip_local_port_range', current: '40000 40099',
        includes: ['9 TIME_WAIT socket(s)', 'Busiest destination 10.0.0.5:5432: 9 of 100 ephemeral ports in use (9%)', 'here tcp_tw_reuse 2 = loopback only, tcp_timestamps 1', '(3) widen net.ipv4.ip_local_port_range (now 40000-40099', 'removed in Linux 4.12. tcp_fin_timeout'],
      }],
    },
    {
      name: 'just under half of a range that does not divide evenly (4.4)',
      host: censusHost('4.4', censusOf(towards('10.0.0.5:5432', 1000), { sysctl: { 'net.ipv4.ip_local_port_range': '40000 42000' } })),
      findings: [{ messageId: 'outgoingTimeWait', severity: 'info', includes: ['1,000 of 2,001 ephemeral ports in use (50%)'] }],
    },
    {
      name: 'half the range towards one destination, open connections counted (5.4)',
      host: censusHost('5.4', censusOf(towards('10.0.0.5:5432', 30, 25), { sysctl: RANGE })),
      findings: [{ messageId: 'outgoingTimeWait', severity: 'warning', includes: ['55 of 100 ephemeral ports in use (55%)', 'turnover 0.5/s against a capacity of 1.7/s'] }],
    },
    {
      name: 'most of a full-width range, tw_reuse 1 and timestamps off (4.15)',
      host: censusHost('4.15', censusOf(towards('[2001:db8::5]:443', 85), { sysctl: { 'net.ipv4.ip_local_port_range': '1024 1123', 'net.ipv4.tcp_tw_reuse': '1', 'net.ipv4.tcp_timestamps': '0' } })),
      findings: [{ messageId: 'outgoingTimeWait', severity: 'critical', includes: ['[2001:db8::5]:443', '(85%)', 'here tcp_tw_reuse 1, tcp_timestamps 0', '(3) widen'] }],
    },
    {
      name: 'a kernel that still has tcp_tw_recycle (4.4), widest range',
      host: censusHost('4.4', censusOf(towards('10.0.0.5:5432', 3), { sysctl: { 'net.ipv4.ip_local_port_range': '1024 65535' } })),
      findings: [{ messageId: 'outgoingTimeWait', severity: 'info', includes: ['(3) the ephemeral range is already as wide as it goes (1024-65535)', 'removed in Linux 4.12 (this kernel still has it: keep it 0)'] }],
    },
  ],
  notApplicable: [{ name: 'audit: no census', host: host('6.12', { sockets: { timeWaitByDestination: [{ peer: '10.0.0.5:5432', count: 20000 }] } }) }],
});
