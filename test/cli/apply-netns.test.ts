// A real kernel: `knobs apply --only 'net.*'` inside a throwaway network and mount
// namespace changes that namespace's /proc/sys/net values, and rollback restores
// them. The machine's own values and files are compared before and after.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { requires } from '../helpers/requires.js';

const NEEDS = requires('unshare -m -n');
const KEYS = ['net/ipv4/tcp_keepalive_time', 'net/ipv4/tcp_keepalive_intvl', 'net/ipv4/tcp_slow_start_after_idle', 'net/ipv4/tcp_tw_reuse', 'net/core/somaxconn'];
const hostValues = () => Object.fromEntries(KEYS.map((k) => [k, fs.readFileSync(`/proc/sys/${k}`, 'utf8')]));
const hostFiles = () => ['/etc/sysctl.d', '/etc/security/limits.d'].map((d) => (fs.existsSync(d) ? fs.readdirSync(d).sort().join(',') : '-'));

describe.skipIf(NEEDS.skip)(NEEDS.title('apply on a real kernel, in a namespace'), () => {
  it("apply --only 'net.*' then rollback", () => {
    const before = hostValues();
    const filesBefore = hostFiles();
    const out = tempDir('knobs-netns-');
    const snap = (name: string) => `for k in ${KEYS.join(' ')}; do printf '%s=%s\\n' "$k" "$(cat /proc/sys/$k)"; done > ${out}/${name}`;
    const script = `
set -e
mount --make-rprivate /
for d in /etc/sysctl.d /etc/security/limits.d /var/lib; do mount -t tmpfs -o mode=755 tmpfs "$d"; done
ip link set lo up
${snap('fresh')}
node ${BIN} apply --profile web-node,db-client --only 'net.*' --yes --json > ${out}/apply.json
${snap('applied')}
cp /etc/sysctl.d/90-knobs.conf ${out}/file
ls /etc/security/limits.d > ${out}/limits
node ${BIN} rollback --yes > ${out}/rollback.txt
${snap('restored')}
ls /etc/sysctl.d > ${out}/left
`;
    const r = spawnSync('unshare', ['-m', '-n', 'bash', '-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const values = (name: string) =>
      Object.fromEntries(fs.readFileSync(path.join(out, name), 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/\s+/g, ' ')]));
    const applied = values('applied');
    expect(JSON.parse(fs.readFileSync(path.join(out, 'apply.json'), 'utf8')).status).toBe('applied');
    expect(applied['net/ipv4/tcp_keepalive_time']).toBe('180');
    expect(applied['net/ipv4/tcp_keepalive_intvl']).toBe('30');
    expect(applied['net/ipv4/tcp_slow_start_after_idle']).toBe('0');
    expect(applied['net/ipv4/tcp_tw_reuse']).toBe('1');
    expect(fs.readFileSync(path.join(out, 'file'), 'utf8')).toContain('net.ipv4.tcp_keepalive_time = 180');
    expect(values('restored')).toEqual(values('fresh'));
    expect(fs.readFileSync(path.join(out, 'left'), 'utf8')).toBe('');
    expect(fs.readFileSync(path.join(out, 'limits'), 'utf8')).toBe(''); // --only 'net.*' leaves limits alone
    expect(hostValues()).toEqual(before);
    expect(hostFiles()).toEqual(filesBefore);
    fs.rmSync(out, { recursive: true, force: true });
  });
});
