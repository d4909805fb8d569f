// A failed `--restart` must not exit 0. Needs --root / with systemd "running", so it
// runs inside a mount namespace: tmpfs over every directory knobs writes and over
// /run (with run/systemd/system in it), and a `systemctl` first in PATH that fails
// to restart. No live value is written (--only limits.nofile).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { requires } from '../helpers/requires.js';
import { tempDir } from '../helpers/temp.js';

const NEEDS = requires('root', 'unshare -m');

describe.skipIf(NEEDS.skip)(NEEDS.title('--restart that fails, with systemd "running" in a mount namespace'), () => {
  it('exits 1 naming the unit, with the transaction applied and its id in the hint; JSON says followUpErrors', () => {
    const out = tempDir('knobs-restart-');
    const bin = path.join(out, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'systemctl'), '#!/bin/sh\n[ "$1" = restart ] && { echo "Job for $3 failed." >&2; exit 1; }\nexit 0\n', { mode: 0o755 });
    const before = fs.existsSync('/etc/systemd/system') ? fs.readdirSync('/etc/systemd/system').sort() : [];
    const script = `
set -e
mount --make-rprivate /
for d in /etc/sysctl.d /etc/security/limits.d /var/lib /etc/systemd/system /run; do mkdir -p "$d"; mount -t tmpfs -o mode=755 tmpfs "$d"; done
mkdir -p /run/systemd/system
printf '[Service]\\nExecStart=/bin/true\\n' > /etc/systemd/system/nginx.service
export PATH=${bin}:$PATH
set +e
node ${BIN} apply --profile web-node --only limits.nofile --service nginx --restart --yes > ${out}/text.out 2> ${out}/text.err
echo $? > ${out}/text.code
node ${BIN} rollback --yes > /dev/null
node ${BIN} apply --profile web-node --only limits.nofile --service nginx --restart --yes --json > ${out}/json.out 2> ${out}/json.err
echo $? > ${out}/json.code
ls /etc/systemd/system/nginx.service.d > ${out}/dropins
`;
    const r = spawnSync('unshare', ['-m', 'bash', '-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const read = (n: string) => fs.readFileSync(path.join(out, n), 'utf8');
    expect(read('text.code').trim()).toBe('1');
    expect(read('text.out')).toMatch(/Applied transaction \S+/);
    expect(read('text.err')).toMatch(/^knobs: transaction \S+ is applied, but systemctl restart nginx\.service failed: Job for nginx\.service failed\.\n  hint: .*knobs rollback \S+\n$/);
    expect(read('json.code').trim()).toBe('1');
    const doc = JSON.parse(read('json.out'));
    expect(doc).toMatchObject({ status: 'applied', followUpErrors: ['systemctl restart nginx.service failed: Job for nginx.service failed.'] });
    expect(read('dropins').trim()).toBe('90-knobs.conf');
    expect(fs.existsSync('/etc/systemd/system') ? fs.readdirSync('/etc/systemd/system').sort() : []).toEqual(before);
  });
});
