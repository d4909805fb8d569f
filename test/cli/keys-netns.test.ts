// knobs set / unset / persist on a real kernel: inside a throwaway network and mount
// namespace (net.* keys only: they are private to the namespace; tmpfs over the
// directories knobs writes). procps `sysctl -p` reads the file knobs wrote back into
// the kernel as the oracle; rollback restores the namespace's values; the machine's
// own values and files are compared before and after.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { requires } from '../helpers/requires.js';
import { tempDir } from '../helpers/temp.js';

const NEEDS = requires('unshare -m -n');
const KEYS = ['net/ipv4/tcp_keepalive_time', 'net/core/somaxconn', 'net/ipv4/tcp_fin_timeout'];
const hostValues = () => Object.fromEntries(KEYS.map((k) => [k, fs.readFileSync(`/proc/sys/${k}`, 'utf8')]));
const hostFiles = () => ['/etc/sysctl.d', '/etc/security/limits.d'].map((d) => (fs.existsSync(d) ? fs.readdirSync(d).sort().join(',') : '-'));

describe.skipIf(NEEDS.skip)(NEEDS.title('per-key operations on a real kernel, in a namespace'), () => {
  it('set, set again, sysctl -p as the oracle, unset, persist, a failed set, rollback', () => {
    const before = hostValues();
    const filesBefore = hostFiles();
    const out = tempDir('knobs-keys-netns-');
    const snap = (name: string) => `for k in ${KEYS.join(' ')}; do printf '%s=%s\\n' "$k" "$(cat /proc/sys/$k)"; done > ${out}/${name}`;
    const k = `node ${BIN}`;
    const script = `
set -e
mount --make-rprivate /
for d in /etc/sysctl.d /etc/security/limits.d /var/lib; do mount -t tmpfs -o mode=755 tmpfs "$d"; done
ip link set lo up
${snap('fresh')}
${k} set net.ipv4.tcp_keepalive_time=600 net.core.somaxconn=8192 --reason 'netns test' --yes --json > ${out}/set.json
${snap('set')}
${k} set net.ipv4.tcp_keepalive_time=600 net.core.somaxconn=8192 --yes --json > ${out}/again.json
# The oracle: procps loads the file knobs wrote into the kernel.
sysctl -q -w net.ipv4.tcp_keepalive_time=7200 net.core.somaxconn=4096
sysctl -q -p /etc/sysctl.d/90-knobs.conf
${snap('loaded')}
${k} unset net.ipv4.tcp_keepalive_time --yes --json > ${out}/unset.json
${snap('unset')}
sysctl -q -w net.ipv4.tcp_fin_timeout=30
${k} persist net.ipv4.tcp_fin_timeout --yes --json > ${out}/persist.json
cp /etc/sysctl.d/90-knobs.conf ${out}/file
if KNOBS_TEST_FAIL_AT=tmp:0 ${k} set net.core.somaxconn=1024 --yes 2> ${out}/failed.err; then echo "a failed set exited 0" >&2; exit 1; fi
${snap('failed')}
${k} rollback "$(jq -r .transaction ${out}/set.json)" --yes > ${out}/rollback.txt
${snap('restored')}
ls -A /etc/sysctl.d > ${out}/left
`;
    const r = spawnSync('unshare', ['-m', '-n', 'bash', '-c', script], { encoding: 'utf8', timeout: 90_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const values = (name: string) =>
      Object.fromEntries(fs.readFileSync(path.join(out, name), 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
    const json = (name: string) => JSON.parse(fs.readFileSync(path.join(out, name), 'utf8'));
    const fresh = values('fresh');
    expect(json('set.json').status).toBe('applied');
    expect(values('set')).toEqual({ ...fresh, 'net/ipv4/tcp_keepalive_time': '600', 'net/core/somaxconn': '8192' });
    expect(json('again.json').status).toBe('noop');
    expect(values('loaded')).toEqual(values('set'));
    // Back to what the boot files give: no file sets it, so the kernel's default.
    expect(json('unset.json').runtime).toEqual([{ key: 'net.ipv4.tcp_keepalive_time', from: '600', to: '7200' }]);
    expect(values('unset')['net/ipv4/tcp_keepalive_time']).toBe('7200');
    expect(json('persist.json').status).toBe('applied');
    expect(fs.readFileSync(path.join(out, 'file'), 'utf8')).toMatch(/^net\.ipv4\.tcp_fin_timeout = 30$/m);
    expect(fs.readFileSync(path.join(out, 'failed.err'), 'utf8')).toMatch(/apply failed and was rolled back/);
    expect(values('failed')['net/core/somaxconn']).toBe('8192');
    // knobs' changes undone; the value set by hand (and only persisted) stays.
    expect(values('restored')).toEqual({ ...fresh, 'net/ipv4/tcp_fin_timeout': '30' });
    expect(fs.readFileSync(path.join(out, 'left'), 'utf8')).toBe('');
    expect(hostValues()).toEqual(before);
    expect(hostFiles()).toEqual(filesBefore);
  });
});
