import rule from '../../../rules/net/tcp-memory.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const MEM = 'net.ipv4.tcp_mem';
const counters = (c: Record<string, number>) => ({ sockets: { counters: c } });

ruleTester.run(rule, {
  valid: [
    { name: 'defaults on 6.1, light use', host: host('6.1', counters({ 'sockstat.mem': 900, 'sockstat.orphan': 3 })) },
    { name: 'no socket counters (socket table not read)', host: host('5.4') },
    { name: 'just below the pressure threshold on 3.10', host: host('3.10', { sysctl: { [MEM]: '1000 2000 3000' }, ...counters({ 'sockstat.mem': 2000 }) }) },
  ],
  invalid: [
    {
      name: 'above the second threshold on 6.1: pressure, warning',
      host: host('6.1', { sysctl: { [MEM]: '1000 2000 3000' }, ...counters({ 'sockstat.mem': 2500 }) }),
      findings: [{ messageId: 'underPressure', key: MEM, severity: 'warning', includes: ['2500 pages (10 MiB)', 'memory pressure', 'oversized buffers'] }],
    },
    {
      name: 'near the third threshold on 4.15: critical; resets counted with the log lines',
      host: host('4.15', { sysctl: { [MEM]: '1000 2000 3000' }, ...counters({ 'sockstat.mem': 2950, 'TcpExt.TCPAbortOnMemory': 17, 'sockstat.orphan': 5 }) }),
      findings: [
        { messageId: 'underPressure', severity: 'critical', includes: ['at 98% of the third threshold'] },
        { messageId: 'abortedOnMemory', severity: 'warning', includes: ['17 connections', 'out of memory -- consider tuning tcp_mem', 'too many orphaned sockets', '2950 of 3000 pages'] },
      ],
    },
  ],
  notApplicable: [{ name: 'tcp_mem absent', host: host('6.1', { sysctl: { [MEM]: null } }) }],
});
