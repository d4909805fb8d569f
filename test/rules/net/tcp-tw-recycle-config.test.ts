import rule from '../../../rules/net/tcp-tw-recycle-config.js';
import type { SysctlConfFile } from '../../../src/core/types.js';
import { confFile, host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'net.ipv4.tcp_tw_recycle';
const legacy = confFile('/etc/sysctl.d/60-tuning.conf', { 'net.ipv4.tcp_fin_timeout': '30', [KEY]: '1' });
const ignored: SysctlConfFile = {
  ...confFile('/etc/sysctl.d/61-ignored.conf', { [KEY]: '1' }),
  entries: [{ line: 4, key: KEY, value: '1', ignoreFailure: true, exclude: false, glob: false }],
};
const masked: SysctlConfFile = { ...confFile('/usr/lib/sysctl.d/50-old.conf', { [KEY]: '1' }), masked: true, readBy: [] };
const shadowed: SysctlConfFile = { ...confFile('/usr/lib/sysctl.d/60-tuning.conf', { [KEY]: '1' }), shadowedBy: '/etc/sysctl.d/60-tuning.conf', readBy: [] };
const procpsOnly: SysctlConfFile = { ...confFile('/etc/sysctl.conf', { [KEY]: '0' }), readBy: ['procps'] };

ruleTester.run(rule, {
  valid: [
    { name: 'no config line on 4.15', host: host('4.15') },
    { name: 'only in a masked file on 6.1', host: host('6.1', { configFiles: [masked] }) },
    { name: 'only in a shadowed file on 6.1', host: host('6.1', { configFiles: [shadowed] }) },
    { name: 'only in /etc/sysctl.conf, which systemd-sysctl does not read, on 6.12', host: host('6.12', { configFiles: [procpsOnly] }) },
  ],
  invalid: [
    {
      name: 'line in an active file on 4.15',
      host: host('4.15', { configFiles: [legacy] }),
      findings: [{ messageId: 'removedKey', severity: 'warning', current: '1', change: null, includes: ['/etc/sysctl.d/60-tuning.conf:2', 'removed in Linux 4.12', 'sysctl -p'] }],
    },
    {
      name: 'a 0 line fails just the same on 6.12',
      host: host('6.12', { configFiles: [confFile('/etc/sysctl.d/10-net.conf', { [KEY]: '0' })] }),
      findings: [{ messageId: 'removedKey', current: '0', includes: ['/etc/sysctl.d/10-net.conf:1'] }],
    },
    {
      name: 'procps loader reads /etc/sysctl.conf on 5.4',
      host: { ...host('5.4'), sysctlConfig: { loader: 'procps', files: [procpsOnly], disagreements: [] } },
      findings: [{ messageId: 'removedKey', includes: ['/etc/sysctl.conf:1'] }],
    },
    {
      name: '-key line is dead, reported as info on 6.1',
      host: host('6.1', { configFiles: [ignored] }),
      findings: [{ messageId: 'ignoredLine', severity: 'info', includes: ['/etc/sysctl.d/61-ignored.conf:4'] }],
    },
  ],
  notApplicable: [
    { name: 'key still exists on 3.10', host: host('3.10', { configFiles: [legacy] }) },
    { name: 'key still exists on 4.4', host: host('4.4', { configFiles: [legacy] }) },
  ],
});
