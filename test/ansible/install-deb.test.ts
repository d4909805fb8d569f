// The role's .deb path for real: checksum pin, copy, apt installs it with dpkg, the
// version check, then the apply — run by ansible-playbook inside a mount namespace
// where /usr, /etc and /var are overlays on temporary directories, so dpkg's writes
// never reach this machine (checked before and after). The package is a small one
// made here with dpkg-deb (the real one is `npm run dist`'s, tested in
// test/release.test.ts): what is under test is the role.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ansibleSandbox, type AnsibleSandbox } from '../helpers/ansible.js';
import { BIN, REPO } from '../helpers/cli.js';
import { fakeRoot } from '../helpers/fake-root.js';
import { requires } from '../helpers/requires.js';
import { tempDir } from '../helpers/temp.js';

const R = requires('root', 'ansible', 'unshare -m', 'packaging tools');
const SLOW = 600_000;
const VERSION = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version as string;

describe.skipIf(R.skip)(R.title("the role installs the .deb (dpkg inside overlays) and applies"), () => {
  let sb: AnsibleSandbox;
  let deb: string;
  let sha: string;

  beforeAll(() => {
    sb = ansibleSandbox();
    const pkg = tempDir('knobs-deb-');
    fs.mkdirSync(path.join(pkg, 'DEBIAN'));
    fs.mkdirSync(path.join(pkg, 'usr/bin'), { recursive: true });
    fs.writeFileSync(
      path.join(pkg, 'DEBIAN/control'),
      `Package: knobs\nVersion: ${VERSION}\nArchitecture: all\nMaintainer: knobs tests <knobs@example.org>\nDescription: knobs (test package of the Ansible role)\n`,
    );
    fs.writeFileSync(path.join(pkg, 'usr/bin/knobs'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, { mode: 0o755 });
    deb = path.join(sb.dir, `knobs_${VERSION}_amd64.deb`);
    const b = spawnSync('dpkg-deb', ['--root-owner-group', '--build', pkg, deb], { encoding: 'utf8' });
    if (b.status !== 0) throw new Error(b.stderr);
    sha = createHash('sha256').update(fs.readFileSync(deb)).digest('hex');
  }, SLOW);

  function inOverlays(script: string): { code: number; out: string } {
    const t = tempDir('knobs-overlay-');
    for (const d of ['usr', 'etc', 'var']) for (const x of ['up', 'work']) fs.mkdirSync(path.join(t, `${d}-${x}`));
    const wrapped = `
set -e
for d in usr etc var; do mount -t overlay overlay -o lowerdir=/$d,upperdir=${t}/$d-up,workdir=${t}/$d-work /$d; done
# Never let dpkg near the real /usr: stop unless all three are overlays now.
for d in usr etc var; do [ "$(findmnt -n -o FSTYPE /$d)" = overlay ] || exit 99; done
${script}`;
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'bash', '-c', wrapped], {
      encoding: 'utf8',
      env: { ...sb.env, ANSIBLE_STDOUT_CALLBACK: 'json' },
      cwd: sb.dir,
      timeout: SLOW,
      maxBuffer: 64 << 20,
    });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
  }

  it('installs the pinned package, applies, and a second run changes nothing; the machine has no knobs package after', () => {
    const installedBefore = spawnSync('dpkg-query', ['-W', 'knobs']).status;
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
    const site = path.join(sb.dir, 'deb.yml');
    fs.writeFileSync(
      site,
      [
        '- hosts: localhost',
        '  connection: local',
        '  gather_facts: false',
        '  roles:',
        '    - role: knobs.tuning.knobs',
        '      vars:',
        '        knobs_install: deb',
        `        knobs_deb_src: ${deb}`,
        `        knobs_deb_sha256: ${sha}`,
        '        knobs_profiles: [web-node]',
        `        knobs_root: ${root}`,
        '',
      ].join('\n'),
    );
    const out = path.join(sb.dir, 'deb-out');
    fs.mkdirSync(out);
    const run = `ansible-playbook -i localhost, ${site}`;
    const r = inOverlays(`
${run} > ${out}/first.json
${run} > ${out}/second.json
dpkg-query -W -f '\${Version}' knobs > ${out}/version
/usr/bin/knobs --version > ${out}/knobs-version
if ${run} -e knobs_deb_sha256=${'0'.repeat(64)} > ${out}/wrong.json; then exit 98; fi
`);
    expect(r.code, r.out).toBe(0);
    const stats = (f: string) => JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')).stats.localhost;
    expect(stats('first.json')).toMatchObject({ failures: 0 });
    expect(stats('first.json').changed).toBeGreaterThanOrEqual(3); // the cache directory, the copy, the install, the apply
    expect(stats('second.json')).toMatchObject({ failures: 0, changed: 0 });
    expect(fs.readFileSync(path.join(out, 'version'), 'utf8')).toBe(VERSION);
    expect(fs.readFileSync(path.join(out, 'knobs-version'), 'utf8').trim()).toBe(VERSION);
    expect(JSON.stringify(JSON.parse(fs.readFileSync(path.join(out, 'wrong.json'), 'utf8')))).toMatch(/is not knobs_deb_sha256/);
    expect(fs.readFileSync(path.join(root, 'etc/sysctl.d/90-knobs.conf'), 'utf8')).toMatch(/^net\.ipv4\.tcp_slow_start_after_idle = 0$/m);
    // Nothing of it on the machine itself.
    expect(spawnSync('dpkg-query', ['-W', 'knobs']).status).toBe(installedBefore);
    expect(fs.existsSync('/var/cache/knobs')).toBe(false);
  }, SLOW);
});
