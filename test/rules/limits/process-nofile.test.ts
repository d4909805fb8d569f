import rule from '../../../rules/limits/process-nofile.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const proc = (open: number | null, soft: number | null, unit: string | null = 'nginx.service') => ({
  pid: 4242, comm: 'nginx', unit, nofile: { soft, hard: 524288 }, open, listenPorts: [80],
});

ruleTester.run(rule, {
  valid: [
    { name: 'no process facts (older snapshot)', host: host('6.1') },
    { name: 'just below 80%', host: host('6.1', { processes: [proc(819, 1024)] }) },
    { name: 'fd count unknown (not inspectable)', host: host('5.4', { processes: [proc(null, 1024)] }) },
    { name: 'unlimited soft limit', host: host('4.15', { processes: [proc(900, null)] }) },
  ],
  invalid: [
    {
      name: 'exactly 80% is a warning naming pid and unit',
      host: host('6.1', { processes: [proc(820, 1024)] }),
      findings: [{ messageId: 'nearLimit', severity: 'warning', current: '820/1024', includes: ['pid 4242 (nginx, nginx.service)', '80%', '--service nginx.service'] }],
    },
    {
      name: '95% is critical',
      host: host('6.12', { processes: [proc(973, 1024)] }),
      findings: [{ messageId: 'nearLimit', severity: 'critical', includes: ['95%'] }],
    },
    {
      name: 'a process outside systemd gets the generic advice',
      host: host('4.4', { processes: [proc(60000, 65536, null)] }),
      findings: [{ messageId: 'nearLimit', severity: 'warning', includes: ['limits.d for login sessions'] }],
    },
  ],
  notApplicable: [],
});
