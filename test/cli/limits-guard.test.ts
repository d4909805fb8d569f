// The lock-out guard end to end: a hard nofile above fs.nr_open is accepted only when
// the same plan raises fs.nr_open, and then the sysctl is set before the limits file exists.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { knobs } from '../helpers/cli.js';
import { fakeRoot, treeChecksum } from '../helpers/fake-root.js';

const PROFILE = `[main]
summary = big fd users
[sysctl]
; descriptors per process above the default 1048576
fs.nr_open = >2097152
[limits]
; one process may hold two million sockets
*:hard:nofile = 2000000
`;

describe('lock-out guard with fs.nr_open raised in the same plan', () => {
  it('is planned, sets fs.nr_open first, and writes the limits file only after it', () => {
    const root = fakeRoot({ kernel: '6.1', files: { '/etc/knobs/profiles/big.ini': PROFILE } });
    const before = treeChecksum(root);
    const plan = knobs(['plan', '--root', root, '--profile', 'big', '--json']);
    expect(plan.code).toBe(2);
    const p = plan.json();
    expect(p.refusals).toEqual([]);
    expect(p.runtime[0]).toMatchObject({ key: 'fs.nr_open', to: '2097152' });

    // Killed right after the first live value (fs.nr_open): the limits file must not exist yet.
    const killed = knobs(['apply', '--root', root, '--profile', 'big', '--yes'], { env: { KNOBS_TEST_CRASH_AT: 'sysctl:0' } });
    expect(killed.code).not.toBe(0);
    expect(fs.existsSync(path.join(root, 'etc/security/limits.d/90-knobs.conf'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 'proc/sys/fs/nr_open'), 'utf8').trim()).toBe('2097152');
    expect(knobs(['rollback', '--root', root, '--yes']).code).toBe(0);
    expect(treeChecksum(root)).toBe(before);

    expect(knobs(['apply', '--root', root, '--profile', 'big', '--yes']).code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'etc/security/limits.d/90-knobs.conf'), 'utf8')).toMatch(/^\*\s+hard nofile\s+2000000$/m);
  });

  it('without raising fs.nr_open the same limit is clamped to fs.nr_open, and the plan says so', () => {
    const root = fakeRoot({ kernel: '6.1', files: { '/etc/knobs/profiles/big.ini': PROFILE.replace(/fs\.nr_open.*\n/, '') } });
    const r = knobs(['plan', '--root', root, '--profile', 'big']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^\+\*\s+hard nofile\s+1048576$/m);
    expect(r.stdout.replace(/\n\s+/g, ' ')).toMatch(/warning \[nofile-clamped\]: \* hard nofile 2000000 \(profile big\) is above fs\.nr_open \(1048576\), where setrlimit fails with EPERM and upstream Linux-PAM and RHEL refuse the session/);
  });

  it('--service writes a LimitNOFILE drop-in after the live values, journalled, and says what is left to do', () => {
    // A drop-in applies only to a unit that has a unit file (systemd: a service without one is not-found).
    const root = fakeRoot({ kernel: '6.1', systemd: true, files: { '/usr/lib/systemd/system/nginx.service': '[Service]\nExecStart=/usr/sbin/nginx\n' } });
    const r = knobs(['apply', '--root', root, '--profile', 'web-node', '--service', 'nginx', '--yes', '--json']);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.changes.find((c: any) => c.kind === 'systemd')).toMatchObject({ key: 'nginx.service:LimitNOFILE', to: '65536:524288' });
    const dropIn = fs.readFileSync(path.join(root, 'etc/systemd/system/nginx.service.d/90-knobs.conf'), 'utf8');
    expect(dropIn).toMatch(/^\[Service\]$/m);
    expect(dropIn).toMatch(/^LimitNOFILE=65536:524288$/m);
    expect(r.stderr).toMatch(/daemon-reload.*restart/);
    expect(knobs(['history', '--root', root, '--json']).json().transactions[0].files).toContain('/etc/systemd/system/nginx.service.d/90-knobs.conf');
    const limits = knobs(['limits', '--root', root, '--service', 'nginx', '--json']).json();
    expect(JSON.stringify(limits.services)).toContain('65536');
  });

  it('warns when a soft target sits above an existing hard limit (pam_limits clamps it)', () => {
    const root = fakeRoot({ kernel: '6.1', files: { '/etc/security/limits.conf': '*    hard    nofile    4096\n' } });
    const p = knobs(['plan', '--root', root, '--profile', 'db-client', '--only', 'limits.*', '--json']).json();
    // db-client wants * hard 524288 too, so the hard line it writes wins: no warning.
    expect(p.warnings.filter((w: any) => w.id === 'soft-above-hard')).toEqual([]);
    const mine = fakeRoot({
      kernel: '6.1',
      files: {
        '/etc/security/limits.conf': '*    hard    nofile    4096\n',
        '/etc/knobs/profiles/soft.ini': '[main]\nsummary = soft only\n[limits]\n; more descriptors\n*:soft:nofile = 65536\n',
      },
    });
    const w = knobs(['plan', '--root', mine, '--profile', 'soft', '--json']).json().warnings.find((x: any) => x.id === 'soft-above-hard');
    expect(w.message).toContain('/etc/security/limits.conf:1');
  });
});
