import rule from '../../../rules/net/tcp-fin-timeout.js';
import type { SysctlConfFile } from '../../../src/core/types.js';
import { confFile, host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'net.ipv4.tcp_fin_timeout';
const withComment = confFile('/etc/sysctl.d/60-tw.conf', { [KEY]: '30' }, 'reduce TIME_WAIT sockets');
const plain = confFile('/etc/sysctl.d/60-fin.conf', { 'net.core.somaxconn': '4096', [KEY]: '15' });
const masked: SysctlConfFile = { ...withComment, masked: true, readBy: [] };

ruleTester.run(rule, {
  valid: [
    { name: 'no config line on 6.1', host: host('6.1') },
    { name: 'set to the default 60 on 4.4', host: host('4.4', { configFiles: [confFile('/etc/sysctl.d/a.conf', { [KEY]: '60' })] }) },
    { name: 'raised to 120 on 5.4', host: host('5.4', { configFiles: [confFile('/etc/sysctl.d/a.conf', { [KEY]: '120' })] }) },
    { name: 'lowered only in a masked file on 6.12', host: host('6.12', { configFiles: [masked] }) },
  ],
  invalid: [
    {
      name: '30 with a TIME_WAIT comment on 6.1',
      host: host('6.1', { configFiles: [withComment] }),
      findings: [{ messageId: 'notTimeWait', severity: 'info', current: '30', change: null, includes: ['/etc/sysctl.d/60-tw.conf:1', 'default 60', 'TIME_WAIT stays 60 s', 'reduce TIME_WAIT sockets', 'will not happen'] }],
    },
    {
      name: '15 without a comment on 3.10',
      host: host('3.10', { configFiles: [plain] }),
      findings: [{ messageId: 'notTimeWait', current: '15', includes: ['/etc/sysctl.d/60-fin.conf:2', 'orphaned'] }],
    },
  ],
  notApplicable: [{ name: 'key absent', host: host('6.1', { sysctl: { [KEY]: null } }) }],
});
