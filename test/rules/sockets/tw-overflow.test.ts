import rule from '../../../rules/sockets/tw-overflow.js';
import { censusHost, censusOf } from '../../helpers/census.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

ruleTester.run(rule, {
  valid: [
    { name: 'never overflowed', host: censusHost('6.1', censusOf([], { counters: { 'TcpExt.TCPTimeWaitOverflow': 0 } })) },
    { name: 'counter not there', host: censusHost('4.4', censusOf([])) },
  ],
  invalid: [
    {
      name: 'overflowed since boot',
      host: censusHost('6.12', censusOf([], { counters: { 'TcpExt.TCPTimeWaitOverflow': 12345 }, sysctl: { 'net.ipv4.tcp_max_tw_buckets': '5000' } })),
      findings: [{ messageId: 'overflowed', severity: 'warning', key: 'net.ipv4.tcp_max_tw_buckets', current: '5000', includes: ['TCPTimeWaitOverflow = 12,345', 'tcp_max_tw_buckets (5,000) was full'] }],
    },
    {
      name: 'limit unreadable',
      host: censusHost('5.4', censusOf([], { counters: { 'TcpExt.TCPTimeWaitOverflow': 2 }, sysctl: { 'net.ipv4.tcp_max_tw_buckets': null } })),
      findings: [{ messageId: 'overflowed', current: null, includes: ['because tcp_max_tw_buckets was full'] }],
    },
  ],
  notApplicable: [{ name: 'audit: no census', host: host('6.1', { sockets: { counters: { 'TcpExt.TCPTimeWaitOverflow': 3 } } }) }],
});
