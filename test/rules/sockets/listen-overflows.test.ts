import rule from '../../../rules/sockets/listen-overflows.js';
import { censusHost, censusOf } from '../../helpers/census.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const listeners = [
  { state: 'LISTEN' as const, local: '0.0.0.0:80', inode: 1, rxQueue: 129 },
  { state: 'LISTEN' as const, local: '[::]:443', inode: 2, rxQueue: 0 },
];

ruleTester.run(rule, {
  valid: [
    { name: 'no overflow since boot', host: censusHost('6.1', censusOf(listeners, { counters: { 'TcpExt.ListenOverflows': 0, 'TcpExt.ListenDrops': 0 } })) },
  ],
  invalid: [
    {
      name: 'overflowed, a listener with a queue now (4.15: somaxconn 128)',
      host: censusHost('4.15', censusOf(listeners, { counters: { 'TcpExt.ListenOverflows': 1500, 'TcpExt.ListenDrops': 1502 }, sysctl: { 'net.core.somaxconn': '128' } })),
      findings: [{ messageId: 'overflowed', severity: 'warning', key: 'net.core.somaxconn', current: '128', includes: ['ListenOverflows 1,500, ListenDrops 1,502', 'net.core.somaxconn = 128', 'Listeners with a queue now: 0.0.0.0:80 (129 waiting).'] }],
    },
    {
      name: 'drops only, no queue now, somaxconn unreadable',
      host: censusHost('6.12', censusOf([listeners[1]!], { counters: { 'TcpExt.ListenDrops': 4 }, sysctl: { 'net.core.somaxconn': null } })),
      findings: [{ messageId: 'overflowed', current: null, includes: ['ListenOverflows 0, ListenDrops 4', 'min(listen() backlog, net.core.somaxconn); raising'] }],
    },
  ],
  notApplicable: [{ name: 'audit: no census', host: host('6.1', { sockets: { counters: { 'TcpExt.ListenOverflows': 9 } } }) }],
});
