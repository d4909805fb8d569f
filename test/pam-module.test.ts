import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { compareVersions, pamBehaviour, upstreamVersion } from '../src/core/pam-module.js';
import type { PamModuleFacts } from '../src/core/types.js';
import { HostFs } from '../src/host/host-fs.js';
import { changelogVersion, detectPamModule, dpkgVersion, parseOsRelease } from '../src/host/pam-module.js';
import { collectPamFacts, readPamConfig } from '../src/host/limits.js';
import { fakeRoot, write } from './helpers/fake-root.js';

const facts = (o: Partial<PamModuleFacts>): PamModuleFacts => ({ family: null, version: null, packageVersion: null, distro: null, evidence: [], markers: [], ...o });

describe('pamBehaviour: what each build does (from the sources named in src/core/pam-module.ts)', () => {
  const table: [string, Partial<PamModuleFacts>, Partial<ReturnType<typeof pamBehaviour>>][] = [
    ['Debian 12 (1.5.2-6+deb12u1)', { family: 'debian', version: '1.5.2', packageVersion: '1.5.2-6+deb12u1' }, { epermFatal: false, unlimitedNofileIsNrOpen: true, missingFileFatal: true, split: 'sscanf', rootByNameOnly: true, chrootItem: true }],
    ['Debian 11 (1.4.0): unlimited is RLIM_INFINITY', { family: 'debian', version: '1.4.0' }, { epermFatal: false, unlimitedNofileIsNrOpen: false, missingFileFatal: true }],
    ['Debian 13 (1.7.0): missing files accepted, value = rest of line trimmed', { family: 'debian', version: '1.7.0' }, { epermFatal: false, missingFileFatal: false, split: 'rest-of-line-trimmed' }],
    ['Ubuntu 24.04 (1.5.3)', { family: 'debian', version: '1.5.3' }, { missingFileFatal: false, split: 'sscanf' }],
    ['1.6.0: rest of line, untrimmed', { family: 'upstream', version: '1.6.0' }, { split: 'rest-of-line', epermFatal: true }],
    ['RHEL 7 (1.1.8)', { family: 'upstream', version: '1.1.8', distro: { id: 'centos', versionId: '7' } }, { epermFatal: true, unlimitedNofileIsNrOpen: false, missingFileFatal: true, rootByNameOnly: false }],
    ['RHEL 8.4 (1.3.1 before -16.el8)', { family: 'upstream', version: '1.3.1', distro: { id: 'rhel', versionId: '8.4' } }, { unlimitedNofileIsNrOpen: false }],
    ['RHEL 8.6+ (1.3.1-16.el8 backport)', { family: 'upstream', version: '1.3.1', distro: { id: 'rocky', versionId: '8.9' } }, { unlimitedNofileIsNrOpen: true }],
    ['RHEL 8, release unknown', { family: 'upstream', version: '1.3.1', distro: { id: 'rhel', versionId: '8' } }, { unlimitedNofileIsNrOpen: null }],
    ['pam-1.3.1-16.el8 by package version', { family: 'upstream', version: '1.3.1', packageVersion: '1.3.1-16.el8' }, { unlimitedNofileIsNrOpen: true }],
    ['pam-1.3.1-14.el8 by package version', { family: 'upstream', version: '1.3.1', packageVersion: '1.3.1-14.el8_4' }, { unlimitedNofileIsNrOpen: false }],
    ['RHEL 9 (1.5.1-9.el9 backport)', { family: 'upstream', version: '1.5.1', distro: { id: 'almalinux', versionId: '9.3' } }, { unlimitedNofileIsNrOpen: true, epermFatal: true, missingFileFatal: true }],
    ['unknown: nothing is claimed', {}, { epermFatal: null, unlimitedNofileIsNrOpen: null, missingFileFatal: null, splitKnown: false, debianPatches: null }],
    ['the binary beats the package: no Debian strings → upstream', { family: 'debian', version: '1.5.2', binary: '/lib/security/pam_limits.so', markers: ['nofile-unlimited-is-nr-open', 'split-sscanf'] }, { epermFatal: true }],
    ['binary markers: 1.5.3+ and 1.6.1 split', { binary: '/x', markers: ['debian-eperm-log', 'nofile-unlimited-is-nr-open', 'missing-file-ok', 'split-rest-trimmed'] }, { epermFatal: false, missingFileFatal: false, split: 'rest-of-line-trimmed' }],
  ];
  for (const [name, f, want] of table) {
    it(name, () => expect(pamBehaviour(facts(f))).toMatchObject(want));
  }
  it('version helpers', () => {
    expect(upstreamVersion('1:1.5.2-6+deb12u1')).toBe('1.5.2');
    expect(upstreamVersion('1.3.1-27.el8')).toBe('1.3.1');
    expect(compareVersions('1.5.10', '1.5.2')).toBe(1);
    expect(compareVersions('1.5', '1.5.0')).toBe(0);
  });
});

describe('detectPamModule: what the files under --root say', () => {
  const STATUS = 'Package: libpam0g\nStatus: install ok installed\nVersion: 1.5.2-6+deb12u1\n\nPackage: libpam-modules\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.5.2-6+deb12u1\n\nPackage: old\nStatus: deinstall ok config-files\nVersion: 1\n';
  it('dpkg status', () => {
    expect(dpkgVersion(STATUS, 'libpam-modules')).toBe('1.5.2-6+deb12u1');
    expect(dpkgVersion(STATUS, 'old')).toBeNull();
    const root = fakeRoot({ files: { '/var/lib/dpkg/status': STATUS, '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n' } });
    expect(detectPamModule(new HostFs(root))).toMatchObject({ family: 'debian', version: '1.5.2', packageVersion: '1.5.2-6+deb12u1', distro: { id: 'debian', versionId: '12' } });
  });
  it("Debian's changelog when the status database is gone", () => {
    const root = fakeRoot();
    write(root, '/usr/share/doc/libpam-modules/changelog.Debian.gz', '');
    fs.writeFileSync(path.join(root, 'usr/share/doc/libpam-modules/changelog.Debian.gz'), zlib.gzipSync('pam (1.4.0-9+deb11u1) bullseye; urgency=medium\n\n  * x\n'));
    expect(changelogVersion('pam (1.5.3-5ubuntu5.5) noble; urgency=medium')).toBe('1.5.3-5ubuntu5.5');
    expect(detectPamModule(new HostFs(root))).toMatchObject({ family: 'debian', version: '1.4.0', packageVersion: '1.4.0-9+deb11u1' });
  });
  it('os-release only (an rpm host)', () => {
    expect(parseOsRelease('NAME="Rocky"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="8.9"\n')).toEqual({ id: 'rocky', idLike: ['rhel', 'centos', 'fedora'], versionId: '8.9' });
    const rocky = detectPamModule(new HostFs(fakeRoot({ files: { '/etc/os-release': 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="8.9"\n' } })));
    expect(rocky).toMatchObject({ family: 'upstream', version: '1.3.1', distro: { id: 'rocky', versionId: '8.9' } });
    expect(pamBehaviour(rocky).unlimitedNofileIsNrOpen).toBe(true);
    const mint = detectPamModule(new HostFs(fakeRoot({ files: { '/usr/lib/os-release': 'ID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID="21.3"\n' } })));
    expect(mint).toMatchObject({ family: 'debian', version: null });
    const suse = detectPamModule(new HostFs(fakeRoot({ files: { '/etc/os-release': 'ID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.5"\n' } })));
    expect(suse.family).toBe('upstream');
  });
  it('nothing: unknown', () => {
    expect(detectPamModule(new HostFs(fakeRoot()))).toMatchObject({ family: null, version: null, evidence: [] });
  });
  it('strings in pam_limits.so', () => {
    const root = fakeRoot({ files: { '/etc/os-release': 'ID=debian\nVERSION_ID=12\n' } });
    write(root, '/usr/lib/x86_64-linux-gnu/security/pam_limits.so', "\x7fELF\0...%s%s%s%s\0Could not set limit for '%s' to soft=%d, hard=%d: %m; uid=%lu,euid=%lu\0Cannot set \"nofile\" to a sensible value\0");
    const f = detectPamModule(new HostFs(root));
    expect(f).toMatchObject({ family: 'debian', binary: '/usr/lib/x86_64-linux-gnu/security/pam_limits.so', markers: ['debian-eperm-log', 'nofile-unlimited-is-nr-open', 'split-sscanf'] });
    expect(pamBehaviour(f)).toMatchObject({ epermFatal: false, unlimitedNofileIsNrOpen: true, missingFileFatal: true });
  });
});

describe('readPamConfig: what opening each file does', () => {
  it('states: missing limits.conf, dangling/loop/dir/FIFO/dev-null links, hidden names', () => {
    const root = fakeRoot({
      files: { '/etc/security/limits.d/10-a.conf': '* hard nofile 5000\n', '/etc/security/limits.d/.h.conf': 'x', '/etc/security/limits.d/README': 'x' },
      links: {
        '/etc/security/limits.d/20-gone.conf': '/opt/nowhere.conf',
        '/etc/security/limits.d/30-l1.conf': '30-l2.conf',
        '/etc/security/limits.d/30-l2.conf': '30-l1.conf',
        '/etc/security/limits.d/40-null.conf': '/dev/null',
        // An absolute link is re-rooted under --root, as the real pam sees it on that host.
        '/etc/security/limits.d/50-abs.conf': '/srv/limits/abs.conf',
      },
    });
    write(root, '/srv/limits/abs.conf', 'app hard nofile 6000\n');
    fs.mkdirSync(path.join(root, 'etc/security/limits.d/60-dir.conf'));
    expect(spawnSync('mkfifo', [path.join(root, 'etc/security/limits.d/70-fifo.conf')]).status).toBe(0);
    const cfg = readPamConfig(new HostFs(root));
    expect(cfg.opened.map((f) => [f.path.replace('/etc/security/', ''), f.state])).toEqual([
      ['limits.conf', 'missing'],
      ['limits.d/10-a.conf', 'read'],
      ['limits.d/20-gone.conf', 'missing'],
      ['limits.d/30-l1.conf', 'loop'],
      ['limits.d/30-l2.conf', 'loop'],
      ['limits.d/40-null.conf', 'read'],
      ['limits.d/50-abs.conf', 'read'],
      ['limits.d/60-dir.conf', 'directory'],
      ['limits.d/70-fifo.conf', 'special'],
    ]);
    expect(cfg.lines.map((l) => `${l.domain} ${l.value}`)).toEqual(['* 5000', 'app 6000']);
  });
  it('which PAM services load pam_limits, and chroot directories', () => {
    const root = fakeRoot({
      files: {
        '/etc/pam.d/su': 'auth sufficient pam_rootok.so\nsession    required   pam_limits.so\n',
        '/etc/pam.d/sshd': '# session required pam_limits.so\n@include common-session\n',
        '/etc/pam.d/common-session': 'session optional pam_systemd.so\n-session required pam_limits.so conf=/x\n',
        '/etc/security/limits.conf': 'ftp - chroot /srv/ftp\nweb - chroot /srv/web\n',
      },
    });
    fs.mkdirSync(path.join(root, 'srv/ftp'), { recursive: true });
    const f = collectPamFacts(new HostFs(root));
    expect(f.config.services).toEqual(['/etc/pam.d/common-session', '/etc/pam.d/su']);
    expect(f.config.chrootDirs).toEqual({ '/srv/ftp': true, '/srv/web': false });
    expect(collectPamFacts(new HostFs(fakeRoot())).config.services).toBeNull();
  });
});
