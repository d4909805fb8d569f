// Boot precedence against the real loaders: this machine's procps `sysctl
// --system` (4.0.2) and, when installed, systemd-sysctl (252). Everything runs in
// a private mount namespace (tmpfs over every sysctl.d directory, a temp file
// bound over /etc/sysctl.conf) and writes only per-netns `net.*` keys inside
// throwaway network namespaces: the real /etc and the host's sysctls are untouched.

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostFs } from '../../src/host/host-fs.js';
import { readSysctlConfig } from '../../src/host/sysctl-files.js';
import { keyToProcPath } from '../../src/core/sysctl-conf.js';
import type { Loader } from '../../src/core/types.js';
import { tempDir } from '../helpers/temp.js';
import { requires, SYSTEMD_SYSCTL } from '../helpers/requires.js';

const NEEDS = requires('unshare -m -n');
const NO_SYSTEMD = requires('systemd-sysctl');

const RP = ['all', 'default', 'lo'].map((i) => `net.ipv4.conf.${i}.rp_filter`);

interface Case {
  name: string;
  files: Record<string, string | { link: string }>;
  /** Keys to read back (all per-netns net.* keys). */
  keys: string[];
}

const CASES: Case[] = [
  {
    name: 'shadowing, /dev/null mask, order across dirs, last wins, plain sysctl.conf, CRLF, / keys',
    files: {
      '/etc/sysctl.d/10-x.conf': 'net.ipv4.tcp_fin_timeout=11\n',
      '/run/sysctl.d/10-x.conf': 'net.ipv4.tcp_fin_timeout=22\n',
      '/usr/lib/sysctl.d/10-x.conf': 'net.ipv4.tcp_fin_timeout=33\n',
      '/usr/lib/sysctl.d/15-y.conf': 'net.ipv4.tcp_keepalive_time = 600\n',
      '/run/sysctl.d/20-y.conf': 'net.ipv4.tcp_keepalive_time = 500\n',
      '/etc/sysctl.d/30-z.conf': { link: '/dev/null' },
      '/usr/lib/sysctl.d/30-z.conf': 'net.ipv4.tcp_syn_retries = 4\n',
      '/usr/local/lib/sysctl.d/40-w.conf': '; CRLF and a path-style key\r\nnet/ipv4/ip_local_port_range = 20000    40000\r\n',
      '/usr/lib/sysctl.d/50-v.conf': 'net.core.somaxconn = 1000\nnet.ipv4.tcp_keepalive_probes=5\nnet.ipv4.tcp_keepalive_probes = 6\n',
      '/etc/sysctl.conf': 'net.core.somaxconn=777\n',
    },
    keys: [
      'net.ipv4.tcp_fin_timeout',
      'net.ipv4.tcp_keepalive_time',
      'net.ipv4.tcp_syn_retries',
      'net.ipv4.ip_local_port_range',
      'net.core.somaxconn',
      'net.ipv4.tcp_keepalive_probes',
    ],
  },
  {
    name: 'Debian 99-sysctl.conf -> ../sysctl.conf with a later sysctl.d file',
    files: {
      '/etc/sysctl.conf': 'net.core.somaxconn = 3000\nnet.ipv4.tcp_fin_timeout = 40\n',
      '/etc/sysctl.d/99-sysctl.conf': { link: '../sysctl.conf' },
      '/etc/sysctl.d/zz-late.conf': 'net.ipv4.tcp_fin_timeout = 41\n',
    },
    keys: ['net.core.somaxconn', 'net.ipv4.tcp_fin_timeout'],
  },
  {
    name: 'systemd 50-default style: glob, explicit default, -all exclusion, -key = value',
    files: {
      '/usr/lib/sysctl.d/50-g.conf':
        'net.ipv4.conf.default.rp_filter = 1\nnet.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter\n-net.core.somaxconn = 5000\n',
    },
    keys: [...RP, 'net.core.somaxconn'],
  },
  {
    name: 'flatcar style: key set then excluded in one file',
    files: {
      '/usr/lib/sysctl.d/60-f.conf': 'net.ipv4.conf.all.rp_filter = 1\nnet.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter\n',
    },
    keys: RP,
  },
  {
    name: 'explicit key in an earlier file beats a later glob',
    files: {
      '/etc/sysctl.d/10-lo.conf': 'net.ipv4.conf.lo.rp_filter = 1\n',
      '/usr/lib/sysctl.d/90-glob.conf': 'net.ipv4.conf.*.rp_filter = 2\n',
    },
    keys: RP,
  },
  {
    name: 'two globs on one key, the first restated later',
    files: {
      '/etc/sysctl.d/10-a.conf': 'net.ipv4.conf.*.rp_filter = 2\n',
      '/etc/sysctl.d/20-b.conf': 'net.ipv4.conf.[ld]*.rp_filter = 1\n',
      '/etc/sysctl.d/30-c.conf': 'net.ipv4.conf.*.rp_filter = 2\n',
    },
    keys: RP,
  },
  {
    name: 'a glob restated with a new value moves after the other glob (systemd)',
    files: {
      '/etc/sysctl.d/10-a.conf': 'net.ipv4.conf.*.rp_filter = 2\n',
      '/etc/sysctl.d/20-b.conf': 'net.ipv4.conf.[ld]*.rp_filter = 1\n',
      '/etc/sysctl.d/30-c.conf': 'net.ipv4.conf.*.rp_filter = 0\n',
    },
    keys: RP,
  },
  {
    name: 'dot-file, glob exclusion by pattern, dangling link',
    files: {
      '/etc/sysctl.d/.hidden.conf': 'net.ipv4.tcp_syn_retries = 2\n',
      '/etc/sysctl.d/20-g.conf': 'net.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.l*\n',
      '/etc/sysctl.d/40-d.conf': { link: '/nonexistent-knobs-test.conf' },
      '/usr/lib/sysctl.d/40-d.conf': 'net.ipv4.tcp_synack_retries = 3\n',
    },
    keys: ['net.ipv4.tcp_syn_retries', 'net.ipv4.tcp_synack_retries', ...RP],
  },
];

const SCRIPT = String.raw`
set -eu
STAGE=$1; CONF=$2; SDSYSCTL=$3; shift 3; export SDSYSCTL
guard() { mountpoint -q "$1" || { echo "not a mount point: $1" >&2; exit 3; }; }
mount -t tmpfs tmpfs /etc/sysctl.d; guard /etc/sysctl.d
if [ -d /run/sysctl.d ]; then mount -t tmpfs tmpfs /run/sysctl.d; guard /run/sysctl.d
else mount -t tmpfs tmpfs /run; guard /run; mkdir /run/sysctl.d; fi
mount -t tmpfs tmpfs /usr/lib/sysctl.d; guard /usr/lib/sysctl.d
if [ -d /usr/local/lib/sysctl.d ]; then mount -t tmpfs tmpfs /usr/local/lib/sysctl.d; guard /usr/local/lib/sysctl.d
else mount -t tmpfs tmpfs /usr/local/lib; guard /usr/local/lib; mkdir /usr/local/lib/sysctl.d; fi
if [ ! -L /lib ] && [ -d /lib/sysctl.d ]; then mount -t tmpfs tmpfs /lib/sysctl.d; guard /lib/sysctl.d; fi
mount --bind "$CONF" /etc/sysctl.conf; guard /etc/sysctl.conf

# Values of the given keys, as one JSON object.
read_keys() {
  printf '{'; sep=''
  for k in "$@"; do
    p=/proc/sys/$(printf '%s' "$k" | tr './' '/.')
    v=$(tr -s ' \t\n' '   ' < "$p" | sed 's/ *$//')
    printf '%s"%s":"%s"' "$sep" "$k" "$v"; sep=','
  done
  printf '}'
}
export -f read_keys

# Baseline: a fresh netns before any loader runs.
unshare -n bash -c 'printf "{\"case\":null,\"loader\":null,\"ifaces\":\"%s\",\"values\":%s}\n" "$(ls /proc/sys/net/ipv4/conf | tr "\n" " ")" "$(read_keys "$@")"' _ "$@"

for c in "$STAGE"/case*; do
  id=$(basename "$c")
  for d in etc run usr/local/lib usr/lib; do
    find "/$d/sysctl.d" -mindepth 1 -delete
    if [ -d "$c/$d/sysctl.d" ]; then cp -a "$c/$d/sysctl.d/." "/$d/sysctl.d/"; fi
  done
  if [ -f "$c/etc/sysctl.conf" ]; then cat "$c/etc/sysctl.conf" > "$CONF"; else : > "$CONF"; fi
  unshare -n bash -c 'sysctl --system >/dev/null 2>&1 || true; printf "{\"case\":\"%s\",\"loader\":\"procps\",\"values\":%s}\n" "$0" "$(read_keys "$@")"' "$id" "$@"
  if [ -n "$SDSYSCTL" ]; then
    unshare -n bash -c '"$SDSYSCTL" >/dev/null 2>&1 || true; printf "{\"case\":\"%s\",\"loader\":\"systemd\",\"values\":%s}\n" "$0" "$(read_keys "$@")"' "$id" "$@"
  fi
done
`;

interface Row {
  case: string | null;
  loader: Loader | null;
  ifaces?: string;
  values: Record<string, string>;
}

const stage = tempDir('knobs-oracle-');
afterAll(() => rmSync(stage, { recursive: true, force: true }));

function writeTree(root: string, files: Case['files'], keys: string[]): void {
  const put = (host: string, body: string | { link: string }) => {
    const abs = path.join(root, host);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (typeof body === 'string') writeFileSync(abs, body);
    else symlinkSync(body.link, abs);
  };
  for (const [p, body] of Object.entries(files)) put(p, body);
  // The --root tree's proc/sys holds the keys the namespace has, for glob expansion.
  for (const k of keys) put(`/proc/sys/${keyToProcPath(k)}`, '0\n');
}

function runOracle(): Row[] {
  const allKeys = [...new Set(CASES.flatMap((c) => c.keys))].sort();
  CASES.forEach((c, i) => writeTree(path.join(stage, `case${i}`), c.files, allKeys));
  const script = path.join(stage, 'oracle.sh');
  const conf = path.join(stage, 'sysctl.conf.bound');
  writeFileSync(script, SCRIPT);
  writeFileSync(conf, '');
  const r = spawnSync(
    'unshare',
    ['-m', '-n', '--propagation', 'private', 'bash', script, stage, conf, SYSTEMD_SYSCTL ?? '', ...allKeys],
    { encoding: 'utf8', env: { ...process.env, SDSYSCTL: SYSTEMD_SYSCTL ?? '' } },
  );
  if (r.status !== 0) throw new Error(`oracle script failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
}

/** knobs' prediction: the boot value, or the fresh-netns value when nothing sets the key. */
function predict(root: string, loader: Loader, keys: string[], baseline: Record<string, string>): Record<string, string> {
  const marker = path.join(root, 'run/systemd/system');
  if (loader === 'systemd') mkdirSync(marker, { recursive: true });
  else rmSync(marker, { recursive: true, force: true });
  const { boot, config } = readSysctlConfig(new HostFs(root));
  expect(config.loader).toBe(loader);
  return Object.fromEntries(keys.map((k) => [k, boot.get(k)?.boot.value ?? baseline[k]!]));
}

describe.skipIf(NEEDS.skip)(NEEDS.title('boot precedence vs the real loaders (unshare -m -n)'), () => {
  const rows = NEEDS.skip ? [] : runOracle();
  const baseline = rows.find((r) => r.case === null);

  it('the throwaway netns has exactly all, default, lo (what the --root trees model)', () => {
    expect(baseline?.ifaces?.trim().split(' ')).toEqual(['all', 'default', 'lo']);
  });

  CASES.forEach((c, i) => {
    for (const loader of ['procps', 'systemd'] as const) {
      it.skipIf(loader === 'systemd' && NO_SYSTEMD.skip)(loader === 'systemd' ? NO_SYSTEMD.title(`${loader}: ${c.name}`) : `${loader}: ${c.name}`, () => {
        const real = rows.find((r) => r.case === `case${i}` && r.loader === loader);
        expect(real, 'oracle row').toBeDefined();
        const want = Object.fromEntries(c.keys.map((k) => [k, real!.values[k]]));
        expect(predict(path.join(stage, `case${i}`), loader, c.keys, baseline!.values)).toEqual(want);
      });
    }
  });

  it('the cases really exercise disagreements between the loaders', () => {
    const differs = CASES.filter((c, i) => {
      const p = rows.find((r) => r.case === `case${i}` && r.loader === 'procps')!;
      const s = rows.find((r) => r.case === `case${i}` && r.loader === 'systemd');
      return s && c.keys.some((k) => p.values[k] !== s.values[k]);
    }).map((c) => c.name);
    if (SYSTEMD_SYSCTL) expect(differs.length).toBeGreaterThanOrEqual(4);
  });
});
