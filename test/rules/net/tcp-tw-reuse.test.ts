import rule from '../../../rules/net/tcp-tw-reuse.js';
import type { SysctlConfFile } from '../../../src/core/types.js';
import { confFile, host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'net.ipv4.tcp_tw_reuse';
const line = (value: string) => confFile('/etc/sysctl.d/90-reuse.conf', { [KEY]: value });
const masked: SysctlConfFile = { ...line('2'), masked: true, readBy: [] };

ruleTester.run(rule, {
  valid: [
    { name: '2 is valid on 6.1', host: host('6.1', { configFiles: [line('2')] }) },
    { name: '2 is valid on 5.4', host: host('5.4', { configFiles: [line('2')] }) },
    { name: '1 is valid on 4.4', host: host('4.4', { configFiles: [line('1')] }) },
    { name: '0 is valid on 3.10', host: host('3.10', { configFiles: [line('0')] }) },
    { name: '2 in a masked file on 4.4 is never applied', host: host('4.4', { configFiles: [masked] }) },
    { name: 'a 4.4 backport whose live value is 2 accepts 2', host: host('4.4', { sysctl: { [KEY]: '2' }, configFiles: [line('2')] }) },
  ],
  invalid: [
    {
      name: '2 on 4.4 is rejected; recommend the 4.4 default 0',
      host: host('4.4', { configFiles: [line('2')] }),
      findings: [{ messageId: 'rejectedValue', current: '2', recommended: '0', change: null, includes: ['valid values: 0, 1', '/etc/sysctl.d/90-reuse.conf:1', 'since Linux 4.18'] }],
    },
    {
      name: '2 on 4.15 is rejected (4.15 predates 4.18)',
      host: host('4.15', { configFiles: [line('2')] }),
      findings: [{ messageId: 'rejectedValue', recommended: '0', includes: ['valid values: 0, 1'] }],
    },
    {
      name: '2 on 3.10 is rejected',
      host: host('3.10', { configFiles: [line('2')] }),
      findings: [{ messageId: 'rejectedValue', includes: ['valid values: 0, 1'] }],
    },
    {
      name: '3 on 6.12 is rejected; recommend the 6.12 default 2',
      host: host('6.12', { configFiles: [line('3')] }),
      findings: [{ messageId: 'rejectedValue', current: '3', recommended: '2', includes: ['valid values: 0, 1, 2'] }],
    },
  ],
  notApplicable: [{ name: 'key absent', host: host('6.1', { sysctl: { [KEY]: null } }) }],
});
