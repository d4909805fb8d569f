import rule from '../../../rules/net/tcp-max-tw-buckets.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'net.ipv4.tcp_max_tw_buckets';
const EHASH = 'net.ipv4.tcp_ehash_entries';
const ORPHANS = 'net.ipv4.tcp_max_orphans';
const raiseTo = (v: string) => ({ kind: 'sysctl', key: KEY, value: v }) as const;
// A 4 GiB host: 32768 hash slots, so both defaults are 16384.
const small = { [EHASH]: '32768', [KEY]: '16384', [ORPHANS]: '16384' };

ruleTester.run(rule, {
  valid: [
    { name: 'typical default with 3000 TIME_WAIT on 6.1', host: host('6.1', { states: { TIME_WAIT: 3000 }, sockets: { counters: { 'sockstat.tw': 3100 } } }) },
    { name: 'raised in a boot file on 4.4', host: host('4.4', { sysctl: { [KEY]: '2000000' }, boot: { [KEY]: { value: '2000000', file: '/etc/sysctl.d/tw.conf' } } }) },
    {
      name: 'raised 4× on a 4 GiB 6.1 host: 65536 is above its own default 16384 (was a false "lowered")',
      host: host('6.1', { sysctl: { ...small, [KEY]: '65536' }, boot: { [KEY]: { value: '65536', file: '/etc/sysctl.d/tw.conf' } } }),
    },
    {
      name: 'raised on a 4 GiB 4.15 host, judged against tcp_max_orphans (no tcp_ehash_entries before 6.1)',
      host: host('4.15', { sysctl: { [KEY]: '65536', [ORPHANS]: '16384' }, boot: { [KEY]: { value: '65536', file: '/etc/sysctl.d/tw.conf' } } }),
    },
    {
      name: 'lowered on 4.15 but tcp_max_orphans is set at boot too: no reference, so no claim',
      host: host('4.15', {
        sysctl: { [KEY]: '5000', [ORPHANS]: '400000' },
        boot: { [KEY]: { value: '5000', file: '/etc/sysctl.d/tw.conf' }, [ORPHANS]: { value: '400000', file: '/etc/sysctl.d/tw.conf', line: 2 } },
      }),
    },
    { name: 'overflow counter zero on 5.4', host: host('5.4', { sockets: { counters: { 'TcpExt.TCPTimeWaitOverflow': 0 } } }) },
  ],
  invalid: [
    {
      name: 'lowered to 5000 at boot and reached, on 6.12: compared with tcp_ehash_entries / 2',
      host: host('6.12', {
        sysctl: { [KEY]: '5000' },
        boot: { [KEY]: { value: '5000', file: '/etc/sysctl.d/99-tw.conf', line: 7 } },
        states: { TIME_WAIT: 5000 },
        sockets: { counters: { 'sockstat.tw': 5000, 'TcpExt.TCPTimeWaitOverflow': 812 } },
      }),
      findings: [
        { messageId: 'loweredAtBoot', current: '5000', recommended: '131072', change: raiseTo('131072'), includes: ['/etc/sysctl.d/99-tw.conf:7', 'must not lower', "this host's default 131072", 'tcp_ehash_entries 262144 / 2'] },
        { messageId: 'atLimit', includes: ['5000 TIME_WAIT'] },
        { messageId: 'overflowed', includes: ['812'] },
      ],
    },
    {
      name: 'lowered below a 4 GiB host\'s own default on 6.1: recommend that default, not 131072',
      host: host('6.1', { sysctl: { ...small, [KEY]: '8192' }, boot: { [KEY]: { value: '8192', file: '/etc/sysctl.d/tw.conf', line: 1 } } }),
      findings: [{ messageId: 'loweredAtBoot', recommended: '16384', includes: ['16384', 'tcp_ehash_entries 32768 / 2'] }],
    },
    {
      name: 'inside a container on 6.1: tcp_ehash_entries is negative (shared hash), its magnitude counts',
      host: host('6.1', { sysctl: { [EHASH]: '-262144', [KEY]: '10000' }, boot: { [KEY]: { value: '10000', file: '/etc/sysctl.conf', line: 3 } } }),
      findings: [{ messageId: 'loweredAtBoot', recommended: '131072', includes: ['tcp_ehash_entries -262144 / 2'] }],
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
      name: 'lowered at boot on 4.4, judged against tcp_max_orphans',
      host: host('4.4', { sysctl: { [KEY]: '10000' }, boot: { [KEY]: { value: '10000', file: '/etc/sysctl.conf', line: 3 } } }),
      findings: [{ messageId: 'loweredAtBoot', severity: 'warning', includes: ['/etc/sysctl.conf:3', 'tcp_max_orphans 131072'] }],
    },
  ],
  notApplicable: [{ name: 'key absent', host: host('6.1', { sysctl: { [KEY]: null } }) }],
});
