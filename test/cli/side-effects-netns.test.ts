// The real kernel, inside a throwaway network and mount namespace: writing
// net.ipv4.ip_forward makes the kernel reset conf.*.forwarding and
// conf.all.accept_redirects (inet_forward_change, net/ipv4/devinet.c), and rollback
// must put those back too; a line that leaves the managed file gets its live value
// back from the journal. The machine's own values and files are compared before and after.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { requires } from '../helpers/requires.js';
import { tempDir } from '../helpers/temp.js';

const NEEDS = requires('unshare -m -n');
const HOST_KEYS = ['net/ipv4/ip_forward', 'net/ipv4/conf/all/accept_redirects', 'net/ipv4/conf/all/forwarding', 'net/ipv4/tcp_keepalive_time', 'net/ipv4/tcp_tw_reuse'];
const hostValues = () => Object.fromEntries(HOST_KEYS.map((k) => [k, fs.readFileSync(`/proc/sys/${k}`, 'utf8')]));
const hostFiles = () => ['/etc/sysctl.d', '/etc/security/limits.d'].map((d) => (fs.existsSync(d) ? fs.readdirSync(d).sort().join(',') : '-'));

/** Runs `body` in `unshare -m -n` with tmpfs over what knobs writes; `snap NAME` records the values into $OUT/NAME. */
function inNamespace(body: string): { out: string; status: number | null; stderr: string } {
  const out = tempDir('knobs-sidefx-');
  const script = `
set -e
OUT=${out}
mount --make-rprivate /
for d in /etc/sysctl.d /etc/security/limits.d /var/lib; do mount -t tmpfs -o mode=755 tmpfs "$d"; done
ip link set lo up
snap() {
  for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/*/forwarding /proc/sys/net/ipv4/conf/*/accept_redirects \\
           /proc/sys/net/ipv6/conf/*/forwarding /proc/sys/net/ipv4/tcp_keepalive_* /proc/sys/net/ipv4/tcp_tw_reuse; do
    printf '%s=%s\\n' "\${f#/proc/sys/}" "$(cat "$f")"
  done > "$OUT/$1"
}
knobs() { node ${BIN} "$@"; }
${body}
`;
  const r = spawnSync('unshare', ['-m', '-n', 'bash', '-c', script], { encoding: 'utf8', timeout: 120_000 });
  return { out, status: r.status, stderr: r.stderr };
}

const read = (dir: string, name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
const values = (dir: string, name: string) =>
  Object.fromEntries(read(dir, name).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe.skipIf(NEEDS.skip)(NEEDS.title('kernel side effects and live values on a real kernel, in a namespace'), () => {
  it('apply --profile nat-facing then rollback restores conf.all.accept_redirects and every conf.*.forwarding', () => {
    const before = hostValues();
    const filesBefore = hostFiles();
    const r = inNamespace(`
ip link add v0 type veth peer name v1
echo 0 > /proc/sys/net/ipv4/conf/all/accept_redirects   # a hardened host
echo 1 > /proc/sys/net/ipv4/conf/v0/forwarding           # forwarding set on one interface only
snap fresh
knobs plan --profile nat-facing --json > "$OUT/plan.json" || true
knobs apply --profile nat-facing --yes --json > "$OUT/apply.json"
snap applied
knobs rollback --yes > "$OUT/rollback.txt"
snap restored
`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const fresh = values(r.out, 'fresh');
    const applied = values(r.out, 'applied');
    expect(fresh['net/ipv4/conf/all/accept_redirects']).toBe('0');
    expect(applied['net/ipv4/ip_forward']).toBe('1');
    // The kernel's own doing: every interface forwards, default follows, accept_redirects = !forwarding.
    for (const i of ['all', 'default', 'lo', 'v0', 'v1']) expect(applied[`net/ipv4/conf/${i}/forwarding`], i).toBe('1');
    expect(applied['net/ipv4/conf/all/accept_redirects']).toBe('0');

    const plan = JSON.parse(read(r.out, 'plan.json'));
    expect(plan.sideEffects).toEqual(
      expect.arrayContaining([
        { cause: 'net.ipv4.ip_forward', key: 'net.ipv4.conf.all.forwarding', from: '0', to: '1', certain: true },
        { cause: 'net.ipv4.ip_forward', key: 'net.ipv4.conf.v1.forwarding', from: '0', to: '1', certain: true },
      ]),
    );
    expect(plan.sideEffects.map((e: any) => e.key)).not.toContain('net.ipv4.conf.v0.forwarding'); // already 1
    const apply = JSON.parse(read(r.out, 'apply.json'));
    expect(apply.status).toBe('applied');
    expect(apply.sideEffectsObserved).toEqual(expect.arrayContaining([{ key: 'net.ipv4.conf.lo.forwarding', from: '0', to: '1' }]));

    // Restoring ip_forward = 0 made the kernel set accept_redirects = 1 and every forwarding = 0 again;
    // rollback put back what was there before: accept_redirects 0, v0 forwarding 1.
    expect(values(r.out, 'restored')).toEqual(fresh);
    expect(read(r.out, 'rollback.txt')).toMatch(/net\.ipv4\.conf\.all\.accept_redirects: 1 → 0/);
    expect(read(r.out, 'rollback.txt')).toMatch(/net\.ipv4\.conf\.v0\.forwarding: 0 → 1/);

    expect(hostValues()).toEqual(before);
    expect(hostFiles()).toEqual(filesBefore);
  });

  it('switching from two profiles to one gives the lines that leave their live values back, from the journal', () => {
    const before = hostValues();
    const r = inNamespace(`
snap fresh
knobs apply --profile web-node,db-client --only 'net.*' --yes --json > /dev/null
snap both
knobs apply --profile web-node --only 'net.*' --yes --json > "$OUT/switch.json"
snap one
knobs audit --profile web-node --json > "$OUT/audit.json" || true
# Without the journal knobs cannot know the old value: it says so instead of guessing.
knobs apply --profile web-node,db-client --only 'net.*' --yes --json > /dev/null
rm -rf /var/lib/knobs
knobs plan --profile web-node --only 'net.*' --json > "$OUT/unknown.json" || true
`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const fresh = values(r.out, 'fresh');
    const both = values(r.out, 'both');
    expect(both['net/ipv4/tcp_keepalive_time']).toBe('180');
    expect(both['net/ipv4/tcp_tw_reuse']).toBe('1');
    const one = values(r.out, 'one');
    // db-client's keys are back at what they were before knobs set them.
    for (const k of ['net/ipv4/tcp_keepalive_time', 'net/ipv4/tcp_keepalive_intvl', 'net/ipv4/tcp_keepalive_probes', 'net/ipv4/tcp_tw_reuse']) {
      expect(one[k], k).toBe(fresh[k]);
    }
    const sw = JSON.parse(read(r.out, 'switch.json'));
    expect(sw.status).toBe('applied');
    expect(sw.warnings.filter((w: any) => w.id === 'restored').map((w: any) => w.key).sort()).toEqual([
      'net.ipv4.tcp_keepalive_intvl',
      'net.ipv4.tcp_keepalive_probes',
      'net.ipv4.tcp_keepalive_time',
      'net.ipv4.tcp_tw_reuse',
    ]);
    const audit = JSON.parse(read(r.out, 'audit.json'));
    expect(audit.findings.filter((f: any) => f.id === 'sysctl/not-persisted')).toEqual([]);

    const unknown = JSON.parse(read(r.out, 'unknown.json'));
    expect(unknown.refusals).toEqual([]);
    const stays = unknown.warnings.filter((w: any) => w.id === 'live-value-stays');
    expect(stays.map((w: any) => w.key)).toContain('net.ipv4.tcp_keepalive_time');
    expect(stays.find((w: any) => w.key === 'net.ipv4.tcp_keepalive_time').message).toMatch(/stays 180 until the next boot sets 7200/);
    // The plan carries what its result shows: the value is lost at the next reboot.
    expect(unknown.warnings.find((w: any) => w.id === 'sysctl/not-persisted' && w.key === 'net.ipv4.tcp_keepalive_time')).toBeDefined();
    expect(unknown.runtime.map((x: any) => x.key)).not.toContain('net.ipv4.tcp_keepalive_time');
    expect(hostValues()).toEqual(before);
  });
});
