import rule from '../../../rules/net/somaxconn.js';
import { defaultFor } from '../../../src/core/catalog.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'net.core.somaxconn';
const overflow = (n: number) => ({ sockets: { counters: { 'TcpExt.ListenOverflows': n, 'TcpExt.ListenDrops': n + 3 } } });
const modern = defaultFor(KEY, '6.12.0')!;

ruleTester.run(rule, {
  valid: [
    { name: 'the 4.4 default 128 with no overflow is left to profile/sysctl-target', host: host('4.4'), profiles: ['web-node'] },
    { name: 'no overflow on 5.4', host: host('5.4') },
    { name: 'counters unavailable', host: host('4.4', { sockets: { available: false, counters: { 'TcpExt.ListenOverflows': 50 } } }) },
    {
      name: 'overflows long ago, none since the last audit of this boot: judged on the increase, not the total',
      host: host('6.12', { ...overflow(12), netStat: { uptimeSeconds: 40 * 86400, previous: { ageSeconds: 3600, counters: { 'TcpExt.ListenOverflows': 12, 'TcpExt.ListenDrops': 15 } } } }),
    },
  ],
  invalid: [
    {
      name: 'overflows at the 4.4 default 128: raise to the modern default',
      host: host('4.4', overflow(37)),
      findings: [{ messageId: 'listenOverflows', current: '128', recommended: modern, change: { kind: 'sysctl', key: KEY, value: modern }, includes: ['37', 'ListenDrops 40', 'somaxconn = 128', "this kernel's default", 'larger backlog'] }],
    },
    {
      name: 'overflows at the 3.10 default 128',
      host: host('3.10', overflow(1)),
      findings: [{ messageId: 'listenOverflows', current: '128', change: { kind: 'sysctl', key: KEY, value: modern } }],
    },
    {
      name: 'overflows at the 5.4 default 4096: nothing to raise, look at the app backlog',
      host: host('5.4', overflow(12)),
      findings: [{ messageId: 'listenOverflows', current: '4096', recommended: null, change: null, includes: ['Send-Q', 'somaxconn = 4096', 'since boot (', 'the next audit shows the increase'] }],
    },
    {
      name: 'overflows on 6.12 with the uptime known: the finding says when the count started',
      host: host('6.12', { ...overflow(3), netStat: { uptimeSeconds: 40 * 86400 + 3600 } }),
      findings: [{ messageId: 'listenOverflows', includes: ['since boot (40 d 1 h ago;', 'no earlier sample'] }],
    },
    {
      name: 'overflows since the last audit of this boot: the increase over that window',
      host: host('6.12', { ...overflow(12), netStat: { uptimeSeconds: 40 * 86400, previous: { ageSeconds: 7200, counters: { 'TcpExt.ListenOverflows': 10, 'TcpExt.ListenDrops': 15 } } } }),
      findings: [{ messageId: 'listenOverflows', includes: ['2 accept-queue overflows', "in the 2 h 0 min since knobs' last sample"], excludes: ['since boot'] }],
    },
    {
      name: 'overflows with somaxconn raised to 65535 on 6.12',
      host: host('6.12', { sysctl: { [KEY]: '65535' }, ...overflow(5) }),
      findings: [{ messageId: 'listenOverflows', change: null }],
    },
  ],
  notApplicable: [{ name: 'key absent', host: host('6.1', { sysctl: { [KEY]: null } }) }],
});
