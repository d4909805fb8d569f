import rule from '../../../rules/limits/nofile-above-nr-open.js';
import type { LimitLine } from '../../../src/core/types.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const NR = 'fs.nr_open';
const pam = (...lines: [string, LimitLine['type'], string][]) =>
  lines.map(([domain, type, value]) => ({ file: '/etc/security/limits.d/90-nofile.conf', domain, type, item: 'nofile', value }));

ruleTester.run(rule, {
  valid: [
    { name: 'hard at the default nr_open 1048576', host: host('6.1', { pam: pam(['*', 'soft', '65536'], ['*', 'hard', '1048576']) }) },
    { name: 'unlimited means nr_open', host: host('5.4', { pam: pam(['*', 'hard', 'unlimited'], ['root', '-', 'infinity'], ['@ops', 'hard', '-1']) }) },
    { name: 'above the default but nr_open was raised', host: host('6.12', { sysctl: { [NR]: '4194304' }, pam: pam(['*', 'hard', '2000000']) }) },
    { name: 'other items are not nofile', host: host('4.4', { pam: [{ file: '/etc/security/limits.conf', domain: '*', type: 'hard', item: 'nproc', value: '99999999' }] }) },
  ],
  invalid: [
    {
      name: 'hard 2000000 above nr_open on 6.1: critical, raise nr_open',
      host: host('6.1', { pam: pam(['*', 'soft', '65536'], ['*', 'hard', '2000000']) }),
      findings: [{
        messageId: 'hardAboveNrOpen',
        severity: 'critical',
        key: NR,
        current: '1048576',
        recommended: '2000000',
        change: { kind: 'sysctl', key: NR, value: '2000000' },
        includes: ['/etc/security/limits.d/90-nofile.conf:2', "Could not set limit for 'nofile'", 'logins and su for *', 'Lower it to 1048576'],
      }],
    },
    {
      name: 'a "-" line sets hard too (4.4)',
      host: host('4.4', { pam: pam(['app', '-', '1048577']) }),
      findings: [{ messageId: 'hardAboveNrOpen', severity: 'critical', change: { kind: 'sysctl', key: NR, value: '1048577' }, includes: ['app - nofile 1048577'] }],
    },
    {
      name: 'beyond the largest possible nr_open: no change, only lowering works (3.10)',
      host: host('3.10', { pam: pam(['*', 'hard', '3000000000']) }),
      findings: [{ messageId: 'hardAboveNrOpen', recommended: null, change: null, includes: ['cannot go above 2147483584'] }],
    },
    {
      name: 'soft above hard in one domain is a warning (6.12)',
      host: host('6.12', { pam: pam(['@dev', 'soft', '65536'], ['@dev', 'hard', '4096']) }),
      findings: [{ messageId: 'softAboveHard', severity: 'warning', current: '65536', recommended: '4096', change: null, includes: ['@dev soft nofile 65536', 'silently lowers soft to 4096'] }],
    },
  ],
  notApplicable: [{ name: 'fs.nr_open unreadable/absent', host: host('6.1', { sysctl: { [NR]: null }, pam: pam(['*', 'hard', '2000000']) }) }],
});
