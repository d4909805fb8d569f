import rule from '../../../rules/limits/pam-syntax.js';
import { parseLimitsConf } from '../../../src/core/limits-conf.js';
import { host, pamConfig } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const F = '/etc/security/limits.d/20-x.conf';
const problems = (text: string) => parseLimitsConf(text, F).problems.map((p) => ({ file: F, ...p }));

ruleTester.run(rule, {
  valid: [
    { name: 'clean file', host: host('6.1', { pamConfig: pamConfig('debian12', { problems: problems('* soft nofile 4096\n') }) }) },
    { name: 'old snapshot without pamConfig', host: host('6.1') },
  ],
  invalid: [
    {
      name: 'dropped lines and misread values, with file:line',
      host: host('6.1', { pamConfig: pamConfig('debian12', { problems: problems('* soft nofile\n* sfot nofile 5\n* hard nofile 4096k\n* hard nofile -2\n') }) }),
      findings: [
        { messageId: 'line', severity: 'warning', includes: [`${F}:1`, 'got 3 fields', 'logs a warning'] },
        { messageId: 'line', severity: 'warning', includes: [`${F}:2`, "type 'sfot'", 'debug level only'] },
        { messageId: 'line', severity: 'warning', includes: [`${F}:3`, 'read as 4096'] },
        { messageId: 'line', severity: 'warning', includes: [`${F}:4`, '18446744073709551614'] },
      ],
    },
    {
      name: 'a fifth field is only info',
      host: host('6.1', { pamConfig: pamConfig('debian12', { problems: problems('* hard nofile 4096 # ok\n* hard nofile 4096 extra\n') }) }),
      findings: [{ messageId: 'line', severity: 'info', includes: [`${F}:2`, "'extra'"] }],
    },
  ],
  notApplicable: [],
});
