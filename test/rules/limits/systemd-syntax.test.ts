import rule from '../../../rules/limits/systemd-syntax.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

ruleTester.run(rule, {
  valid: [
    { name: 'no problems', host: host('6.1', { systemd: { defaultNofile: null, files: ['/etc/systemd/system.conf'], problems: [] } }) },
    { name: 'old snapshot without systemd facts', host: host('6.1') },
  ],
  invalid: [
    {
      name: 'an empty DefaultLimitNOFILE= and a broken section header',
      host: host('6.1', {
        systemd: {
          defaultNofile: { soft: 4096, hard: 8192, file: '/etc/systemd/system.conf', line: 2, raw: '4096:8192' },
          files: ['/etc/systemd/system.conf', '/etc/systemd/system.conf.d/10-x.conf'],
          problems: [
            { file: '/etc/systemd/system.conf.d/10-x.conf', line: 3, message: 'DefaultLimitNOFILE=: Failed to parse resource value, ignoring (empty value)' },
            { file: '/etc/systemd/system.conf.d/20-y.conf', line: null, message: 'cannot be read (EISDIR)' },
          ],
        },
      }),
      findings: [
        { messageId: 'problem', severity: 'warning', includes: ['/etc/systemd/system.conf.d/10-x.conf:3', 'Failed to parse resource value'] },
        { messageId: 'problem', includes: ['/etc/systemd/system.conf.d/20-y.conf: cannot be read'] },
      ],
    },
    {
      name: 'a running service\'s unit file',
      host: host('6.1', { systemd: { defaultNofile: null, files: [], problems: [{ file: '/etc/systemd/system/nginx.service.d/limits.conf', line: 2, message: 'LimitNOFILE=4096 : 8192: Failed to parse resource value, ignoring', unit: 'nginx.service' }] } }),
      findings: [{ messageId: 'problem', includes: ['/etc/systemd/system/nginx.service.d/limits.conf:2', '(nginx.service)'] }],
    },
  ],
  notApplicable: [],
});
