import rule from '../../../rules/net/tcp-max-tw-buckets.js';
import { keyInfo } from '../../../src/core/catalog.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'net.ipv4.tcp_max_tw_buckets';
const typical = keyInfo(KEY)!.typical!;
const raiseTo = (v: string) => ({ kind: 'sysctl', key: KEY, value: v }) as const;

ruleTester.run(rule, {
  valid: [
    { name: 'typical default with 3000 TIME_WAIT on 6.1', host: host('6.1', { states: { TIME_WAIT: 3000 }, sockets: { counters: { 'sockstat.tw': 3100 } } }) },
    { name: 'raised in a boot file on 4.4', host: host('4.4', { sysctl: { [KEY]: '2000000' }, boot: { [KEY]: { value: '2000000', file: '/etc/sysctl.d/tw.conf' } } }) },
    { name: 'overflow counter zero on 5.4', host: host('5.4', { sockets: { counters: { 'TcpExt.TCPTimeWaitOverflow': 0 } } }) },
  ],
  invalid: [
    {
      name: 'lowered to 5000 at boot and reached, on 6.12',
      host: host('6.12', {
        sysctl: { [KEY]: '5000' },
        boot: { [KEY]: { value: '5000', file: '/etc/sysctl.d/99-tw.conf', line: 7 } },
        states: { TIME_WAIT: 5000 },
        sockets: { counters: { 'sockstat.tw': 5000, 'TcpExt.TCPTimeWaitOverflow': 812 } },
      }),
      findings: [
        { messageId: 'loweredAtBoot', current: '5000', recommended: typical, change: raiseTo(typical), includes: ['/etc/sysctl.d/99-tw.conf:7', 'must not lower'] },
        { messageId: 'atLimit', includes: ['5000 TIME_WAIT'] },
        { messageId: 'overflowed', includes: ['812'] },
      ],
    },
    {
      name: 'overflow counted on 3.10 with the typical value: recommend twice the TIME_WAIT count',
      host: host('3.10', { states: { TIME_WAIT: 131072 }, sockets: { counters: { 'TcpExt.TCPTimeWaitOverflow': 3 } } }),
      findings: [
        { messageId: 'atLimit', recommended: '262144', change: raiseTo('262144') },
        { messageId: 'overflowed', recommended: '262144' },
      ],
    },
    {
      name: 'lowered at boot on 4.4 without pressure yet',
      host: host('4.4', { sysctl: { [KEY]: '10000' }, boot: { [KEY]: { value: '10000', file: '/etc/sysctl.conf', line: 3 } } }),
      findings: [{ messageId: 'loweredAtBoot', severity: 'warning', includes: ['/etc/sysctl.conf:3'] }],
    },
  ],
  notApplicable: [{ name: 'key absent', host: host('6.1', { sysctl: { [KEY]: null } }) }],
});
