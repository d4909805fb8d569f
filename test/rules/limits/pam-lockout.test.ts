import rule from '../../../rules/limits/pam-lockout.js';
import type { LimitLine } from '../../../src/core/types.js';
import { host, pamConfig } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const F = '/etc/security/limits.d/50-x.conf';
const pam = (...lines: [string, LimitLine['type'], string, string][]) => lines.map(([domain, type, item, value]) => ({ file: F, domain, type, item, value }));
const DEB = pamConfig('debian12');
const files = (...f: [string, 'read' | 'missing' | 'loop' | 'special'][]) => f.map(([path, state]) => ({ path, state }));

ruleTester.run(rule, {
  valid: [
    { name: 'ordinary limits', host: host('6.1', { pam: pam(['*', 'soft', 'nofile', '4096'], ['*', 'hard', 'nofile', '65536'], ['@ops', '-', 'maxlogins', '4']), pamConfig: DEB }) },
    { name: 'soft nofile 4 still opens a session', host: host('6.1', { pam: pam(['*', 'soft', 'nofile', '4']), pamConfig: DEB }) },
    { name: 'maxsyslogins 0 on a % domain is ignored by pam_limits', host: host('6.1', { pam: pam(['%', '-', 'maxsyslogins', '0']), pamConfig: DEB }) },
    { name: 'maxlogins 0 overridden later in the same domain', host: host('6.1', { pam: pam(['*', '-', 'maxlogins', '0'], ['*', '-', 'maxlogins', '3']), pamConfig: DEB }) },
    {
      name: 'Linux-PAM 1.7 (Debian 13) accepts a missing limits.conf',
      host: host('6.12', { pamConfig: { ...DEB, module: { ...DEB.module, version: '1.7.0', packageVersion: '1.7.0-5' }, files: files(['/etc/security/limits.conf', 'missing']) } }),
    },
    { name: 'no PAM service loads pam_limits: a missing limits.conf does nothing', host: host('6.1', { pamConfig: { ...DEB, services: [], files: files(['/etc/security/limits.conf', 'missing']) } }) },
    { name: 'no /etc/pam.d at all (a container image)', host: host('6.1', { pamConfig: { ...DEB, services: null, files: files(['/etc/security/limits.conf', 'missing']) } }) },
    { name: 'chroot into an existing directory', host: host('6.1', { pam: pam(['ftp', '-', 'chroot', '/srv/ftp']), pamConfig: { ...DEB, chrootDirs: { '/srv/ftp': true } } }) },
    { name: 'old snapshot without pamConfig: only line checks, nothing here', host: host('6.1', { pam: pam(['*', 'hard', 'nofile', '8192']) }) },
  ],
  invalid: [
    {
      name: '* soft nofile 0 locks everyone out (Debian: root exempt)',
      host: host('6.1', { pam: pam(['*', 'soft', 'nofile', '0']), pamConfig: DEB }),
      findings: [{ messageId: 'nofileTooLow', severity: 'critical', includes: [`${F}:1`, 'soft nofile of 0', 'root is exempt'] }],
    },
    {
      name: '- nofile 0 (both halves)',
      host: host('6.1', { pam: pam(['*', '-', 'nofile', '0']), pamConfig: DEB }),
      findings: [{ messageId: 'nofileTooLow', severity: 'critical' }],
    },
    {
      name: 'hard nofile 3 lowers soft with it; 0x10 is read as 0',
      host: host('6.1', { pam: pam(['alice', 'hard', 'nofile', '3'], ['bob', 'soft', 'nofile', '0x10']), pamConfig: DEB }),
      findings: [{ messageId: 'nofileTooLow', includes: ['alice hard nofile 3'] }, { messageId: 'nofileTooLow', includes: ['bob soft nofile 0x10', 'soft nofile of 0'] }],
    },
    {
      name: 'maxlogins 0 and maxsyslogins 0x5 (strtol reads 0)',
      host: host('6.1', { pam: pam(['@students', '-', 'maxlogins', '0'], ['*', 'hard', 'maxsyslogins', '0x5']), pamConfig: DEB }),
      findings: [{ messageId: 'maxloginsZero', includes: ['members of students', 'Root is not affected'] }, { messageId: 'maxloginsZero', includes: ['* hard maxsyslogins 0x5'] }],
    },
    {
      name: 'a missing limits.conf on Debian 12 (1.5.2): Error in service module',
      host: host('6.1', { pamConfig: { ...DEB, files: files(['/etc/security/limits.conf', 'missing']) } }),
      findings: [{ messageId: 'fileUnopenable', severity: 'critical', includes: ['/etc/security/limits.conf: does not exist', 'Error in service module', 'root included'] }],
    },
    {
      name: 'a dangling limits.d link, a loop and a FIFO',
      host: host('6.1', {
        pamConfig: { ...DEB, files: [{ path: '/etc/security/limits.conf', state: 'read' }, { path: F, state: 'missing', target: '/opt/gone.conf' }, { path: '/etc/security/limits.d/60-l.conf', state: 'loop' }, { path: '/etc/security/limits.d/70-f.conf', state: 'special' }] },
      }),
      findings: [
        { messageId: 'fileUnopenable', includes: ['is a link to nothing (/opt/gone.conf)'] },
        { messageId: 'fileUnopenable', includes: ['symlink loop', 'ELOOP'] },
        { messageId: 'fileUnopenable', includes: ['FIFO', 'hangs'] },
      ],
    },
    {
      name: 'unknown build: a missing limits.conf is still critical, with the version caveat',
      host: host('6.1', { pamConfig: { ...pamConfig('unknown'), files: files(['/etc/security/limits.conf', 'missing']) } }),
      findings: [{ messageId: 'fileUnopenable', severity: 'critical', includes: ['1.5.3 and later accept it'] }],
    },
    {
      name: 'Debian chroot into a missing directory',
      host: host('6.1', { pam: pam(['ftp', '-', 'chroot', '/srv/gone']), pamConfig: { ...DEB, chrootDirs: { '/srv/gone': false } } }),
      findings: [{ messageId: 'chrootMissing', severity: 'critical', includes: ['/srv/gone'] }],
    },
  ],
  notApplicable: [],
});
