import rule from '../../../rules/net/receive-path.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const BACKLOG = 'net.core.netdev_max_backlog';
const softnet = (dropped: number, timeSqueeze: number) => ({ netStat: { softnet: { cpus: 4, processed: 10_000_000, dropped, timeSqueeze }, uptimeSeconds: 5 * 3600 + 12 * 60 } });

ruleTester.run(rule, {
  valid: [
    { name: 'an old snapshot without softnet counters', host: host('6.1'), profiles: ['load-balancer'] },
    { name: 'no drops, no squeezes on 6.12', host: host('6.12', softnet(0, 0)), profiles: ['load-balancer'] },
    { name: 'squeezes on a db-client: not reported (not a receive-heavy role)', host: host('5.4', softnet(0, 40)), profiles: ['db-client'] },
  ],
  invalid: [
    {
      name: 'drops on 3.10 with the default 1000: double it, whatever the role',
      host: host('3.10', softnet(1234, 0)),
      findings: [{ messageId: 'backlogDrops', key: BACKLOG, current: '1000', recommended: '2000', change: { kind: 'sysctl', key: BACKLOG, value: '2000' }, severity: 'warning', includes: ['1234 packets', '5 h 12 min ago', '4 CPUs', 'RPS'] }],
    },
    {
      name: 'drops and squeezes on a 6.1 load balancer with a raised backlog',
      host: host('6.1', { ...softnet(5, 900), sysctl: { [BACKLOG]: '5000' } }),
      profiles: ['load-balancer'],
      findings: [
        { messageId: 'backlogDrops', recommended: '10000' },
        { messageId: 'budgetSqueezes', key: 'net.core.netdev_budget', current: '300', severity: 'info', includes: ['900 times', 'netdev_budget is 300', 'harmless'] },
      ],
    },
  ],
  notApplicable: [{ name: 'netdev_max_backlog absent', host: host('6.1', { ...softnet(5, 0), sysctl: { [BACKLOG]: null } }) }],
});
