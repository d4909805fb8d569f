import rule from '../../../rules/fs/file-max.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'fs.file-max';
const hard = (value: string) => [{ file: '/etc/security/limits.conf', domain: '*', type: 'hard' as const, item: 'nofile', value }];

ruleTester.run(rule, {
  valid: [
    { name: 'typical file-max above the 524288 session hard limit (6.1)', host: host('6.1') },
    { name: 'file-max above every hard limit, 50% used (4.4)', host: host('4.4', { sysctl: { [KEY]: '2000000', 'fs.file-nr': '1000000 0 2000000' }, pam: hard('1048576') }) },
    {
      name: "systemd's LONG_MAX (9223372036854775807) on 6.1: compared exactly, above every limit",
      host: host('6.1', { sysctl: { [KEY]: '9223372036854775807', 'fs.file-nr': '1000000 0 9223372036854775807' }, pam: hard('1048576') }),
    },
    { name: 'soft lines do not count (5.4)', host: host('5.4', { sysctl: { [KEY]: '600000' }, pam: [{ file: '/etc/security/limits.conf', domain: '*', type: 'soft', item: 'nofile', value: '900000' }] }) },
  ],
  invalid: [
    {
      name: 'file-max below a limits.conf hard nofile (6.12)',
      host: host('6.12', { sysctl: { [KEY]: '100000' }, pam: hard('1048576'), selfNofile: { soft: 1024, hard: 4096 } }),
      findings: [{ messageId: 'belowHardNofile', current: '100000', recommended: '1048576', change: { kind: 'sysctl', key: KEY, value: '1048576' }, includes: ['/etc/security/limits.conf:1', 'ENFILE'] }],
    },
    {
      name: 'unlimited hard means nr_open (3.10)',
      host: host('3.10', { sysctl: { [KEY]: '500000' }, pam: hard('unlimited'), selfNofile: { soft: 1024, hard: 4096 } }),
      findings: [{ messageId: 'belowHardNofile', recommended: '1048576' }],
    },
    {
      name: "the session's own hard limit above file-max (4.15)",
      host: host('4.15', { sysctl: { [KEY]: '200000' } }),
      findings: [{ messageId: 'belowHardNofile', recommended: '524288', includes: ["this session's hard limit"] }],
    },
    {
      name: "a profile's hard nofile above file-max (5.4)",
      host: host('5.4', { sysctl: { [KEY]: '300000' }, selfNofile: { soft: 1024, hard: 4096 } }),
      profiles: ['web-node'],
      findings: [{ messageId: 'belowHardNofile', recommended: '524288', includes: ['profile web-node (* hard nofile)'] }],
    },
    {
      name: 'file table 90% used (6.1)',
      host: host('6.1', { sysctl: { [KEY]: '1000000', 'fs.file-nr': '900000 0 1000000' } }),
      findings: [{ messageId: 'nearlyFull', recommended: '2000000', change: { kind: 'sysctl', key: KEY, value: '2000000' }, includes: ['90%'] }],
    },
    {
      name: 'a table near LONG_MAX cannot be doubled: recommended beyond the kernel maximum, so no change (6.1)',
      host: host('6.1', { sysctl: { [KEY]: '9000000000000000000', 'fs.file-nr': '8000000000000000000 0 9000000000000000000' } }),
      findings: [{ messageId: 'nearlyFull', recommended: '18000000000000000000', change: null, includes: ['89%', '9000000000000000000'] }],
    },
  ],
  notApplicable: [{ name: 'fs.file-max absent', host: host('6.1', { sysctl: { [KEY]: null } }) }],
});
