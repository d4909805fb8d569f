import rule from '../../../rules/limits/nofile-above-nr-open.js';
import type { LimitLine } from '../../../src/core/types.js';
import { host, pamConfig } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const NR = 'fs.nr_open';
const pam = (...lines: [string, LimitLine['type'], string][]) =>
  lines.map(([domain, type, value]) => ({ file: '/etc/security/limits.d/90-nofile.conf', domain, type, item: 'nofile', value }));
const DEB = pamConfig('debian12');
const RHEL9 = pamConfig('rhel9');
const RHEL7 = pamConfig('rhel7');

ruleTester.run(rule, {
  valid: [
    { name: 'hard at the default nr_open 1048576', host: host('6.1', { pam: pam(['*', 'soft', '65536'], ['*', 'hard', '1048576']), pamConfig: DEB }) },
    { name: 'unlimited means nr_open on Linux-PAM ≥ 1.5.2 (Debian 12)', host: host('5.4', { pam: pam(['*', 'hard', 'unlimited'], ['root', '-', 'infinity'], ['@ops', 'hard', '-1']), pamConfig: DEB }) },
    { name: 'unlimited means nr_open on RHEL 9 (backport)', host: host('5.4', { pam: pam(['*', 'hard', 'unlimited']), pamConfig: RHEL9 }) },
    { name: 'above the default but nr_open was raised', host: host('6.12', { sysctl: { [NR]: '4194304' }, pam: pam(['*', 'hard', '2000000']), pamConfig: RHEL9 }) },
    { name: 'other items are not nofile', host: host('4.4', { pam: [{ file: '/etc/security/limits.conf', domain: '*', type: 'hard', item: 'nproc', value: '99999999' }] }) },
    { name: 'a later line of the same domain lowers it again', host: host('6.1', { pam: pam(['*', 'hard', '2000000'], ['*', 'hard', '65536']), pamConfig: RHEL9 }) },
  ],
  invalid: [
    {
      name: 'RHEL 9: hard 2000000 above nr_open fails the session (critical, raise nr_open)',
      host: host('6.1', { pam: pam(['*', 'soft', '65536'], ['*', 'hard', '2000000']), pamConfig: RHEL9 }),
      findings: [{
        messageId: 'hardAboveNrOpen',
        severity: 'critical',
        key: NR,
        current: '1048576',
        recommended: '2000000',
        change: { kind: 'sysctl', key: NR, value: '2000000' },
        includes: ['/etc/security/limits.d/90-nofile.conf:2', 'refuses the session', 'logins, ssh and su for * fail', 'Lower it to 1048576'],
      }],
    },
    {
      name: 'Debian 12: the session opens with the limit NOT applied (warning)',
      host: host('6.1', { pam: pam(['*', 'hard', '2000000']), pamConfig: DEB }),
      findings: [{ messageId: 'hardAboveNrOpen', severity: 'warning', includes: ['Debian patch 032', 'NOT applied', "keeps the login service's own soft and hard nofile"] }],
    },
    {
      name: 'unknown build: says both, critical',
      host: host('6.1', { pam: pam(['*', 'hard', '2000000']) }),
      findings: [{ messageId: 'hardAboveNrOpen', severity: 'critical', includes: ['upstream Linux-PAM and RHEL refuse the session', 'Debian and Ubuntu open it', 'could not tell'] }],
    },
    {
      name: 'a "-" line sets hard too (4.4)',
      host: host('4.4', { pam: pam(['app', '-', '1048577']), pamConfig: RHEL9 }),
      findings: [{ messageId: 'hardAboveNrOpen', severity: 'critical', change: { kind: 'sysctl', key: NR, value: '1048577' }, includes: ['app - nofile 1048577'] }],
    },
    {
      name: 'beyond the largest possible nr_open: no change, only lowering works (3.10)',
      host: host('3.10', { pam: pam(['*', 'hard', '3000000000']), pamConfig: RHEL7 }),
      findings: [{ messageId: 'hardAboveNrOpen', recommended: null, change: null, includes: ['cannot go above 2147483584'] }],
    },
    {
      name: 'RHEL 7 (pam 1.1.8): unlimited is RLIM_INFINITY, so the session fails',
      host: host('3.10', { pam: pam(['*', 'hard', 'unlimited']), pamConfig: RHEL7 }),
      findings: [{ messageId: 'hardAboveNrOpen', severity: 'critical', recommended: null, change: null, includes: ['RLIM_INFINITY for this pam_limits', 'Write a number up to 1048576'] }],
    },
    {
      name: 'unknown build: unlimited is a warning (RLIM_INFINITY before 1.5.2)',
      host: host('5.4', { pam: pam(['*', 'hard', 'unlimited']) }),
      findings: [{ messageId: 'hardAboveNrOpen', severity: 'warning', includes: ['before 1.5.2'] }],
    },
    {
      name: 'a negative value is read by strtoull: -2 is 18446744073709551614',
      host: host('6.1', { pam: pam(['*', 'hard', '-2']), pamConfig: RHEL9 }),
      findings: [{ messageId: 'hardAboveNrOpen', severity: 'critical', recommended: null, includes: ['read by strtoull as 18446744073709551614'] }],
    },
    {
      name: 'soft above hard in one domain is a warning (6.12)',
      host: host('6.12', { pam: pam(['@dev', 'soft', '65536'], ['@dev', 'hard', '4096']), pamConfig: DEB }),
      findings: [{ messageId: 'softAboveHard', severity: 'warning', current: '65536', recommended: '4096', change: null, includes: ['@dev soft nofile 65536', 'silently lowers soft to 4096'] }],
    },
  ],
  notApplicable: [{ name: 'fs.nr_open unreadable/absent', host: host('6.1', { sysctl: { [NR]: null }, pam: pam(['*', 'hard', '2000000']) }) }],
});
