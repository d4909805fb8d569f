// Benchmark of the applier: a typical apply (20 keys + 2 files) and its rollback on a
// temp --root tree, next to what the same change costs with procps: `sysctl -p FILE`
// and a loop of `sysctl -w`, both run on the real kernel inside `unshare -n` (net.*
// keys only: they are private to the new network namespace). Target: ≤ 300 ms median.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rollback } from '../src/apply/rollback.js';
import { executeApply } from '../src/apply/transaction.js';
import type { ApplyRequest } from '../src/apply/types.js';
import { median } from './timing.js';

const RUNS = 20;
const TARGET_MS = 300;

/** Keys writable inside a network namespace, with a value different from the kernel default. */
const KEYS: [string, string, string][] = [
  // key, default-ish start value (for the fake tree), target value
  ['net.ipv4.tcp_fin_timeout', '60', '30'],
  ['net.ipv4.tcp_keepalive_time', '7200', '600'],
  ['net.ipv4.tcp_keepalive_intvl', '75', '30'],
  ['net.ipv4.tcp_keepalive_probes', '9', '5'],
  ['net.ipv4.tcp_syn_retries', '6', '4'],
  ['net.ipv4.tcp_synack_retries', '5', '3'],
  ['net.ipv4.tcp_max_syn_backlog', '2048', '4096'],
  ['net.ipv4.tcp_tw_reuse', '2', '1'],
  ['net.ipv4.ip_local_port_range', '32768\t60999', '10240 65000'],
  ['net.ipv4.tcp_slow_start_after_idle', '1', '0'],
  ['net.ipv4.tcp_mtu_probing', '0', '1'],
  ['net.ipv4.tcp_sack', '1', '1'],
  ['net.ipv4.tcp_timestamps', '1', '1'],
  ['net.ipv4.tcp_window_scaling', '1', '1'],
  ['net.ipv4.tcp_rmem', '4096\t131072\t6291456', '4096 131072 16777216'],
  ['net.ipv4.tcp_wmem', '4096\t16384\t4194304', '4096 65536 16777216'],
  ['net.core.somaxconn', '4096', '8192'],
  ['net.ipv4.tcp_notsent_lowat', '4294967295', '131072'],
  ['net.ipv4.tcp_orphan_retries', '0', '2'],
  ['net.ipv4.tcp_retries2', '15', '8'],
];

function confText(): string {
  return '# knobs bench\n' + KEYS.map(([k, , v]) => `${k} = ${v}\n`).join('');
}

function request(): ApplyRequest {
  return {
    files: [
      { path: '/etc/sysctl.d/90-knobs.conf', content: confText() },
      { path: '/etc/security/limits.d/90-knobs.conf', content: '* soft nofile 65536\n* hard nofile 65536\n' },
    ],
    sysctls: KEYS.map(([key, , value]) => ({ key, value })),
    profiles: ['bench'],
    user: 'bench',
    scope: { persist: true, runtime: true },
  };
}

function makeRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knobs-bench-'));
  for (const [k, v] of KEYS) {
    const p = path.join(root, 'proc/sys', k.replace(/\./g, '/'));
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, v + '\n');
  }
  fs.mkdirSync(path.join(root, 'etc/sysctl.d'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/sysctl.d/10-base.conf'), 'net.ipv4.tcp_syncookies = 1\n');
  return root;
}

async function knobsTimes(): Promise<{ apply: number[]; rollback: number[] }> {
  const root = makeRoot();
  const apply: number[] = [];
  const back: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      const r = await executeApply(request(), { root, faults: {} });
      apply.push(performance.now() - t);
      if (r.status !== 'applied') throw new Error(`bench apply: ${JSON.stringify(r)}`);
      t = performance.now();
      const b = await rollback({ root, user: 'bench' });
      back.push(performance.now() - t);
      if (b.status !== 'rolled-back') throw new Error(`bench rollback: ${JSON.stringify(b)}`);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return { apply, rollback: back };
}

/** Times (ms) of RUNS executions of `body` inside a fresh network namespace, or null if unshare is unavailable. */
function inNetns(body: string): number[] | null {
  const script = `
ip link set lo up 2>/dev/null || true
i=0
while [ $i -lt ${RUNS} ]; do
  t0=$(date +%s%N)
  ${body}
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 ))
  i=$((i + 1))
done`;
  const r = spawnSync('unshare', ['-n', 'sh', '-ec', script], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return r.stdout.trim().split('\n').map((us) => Number(us) / 1000);
}

export async function benchApply(): Promise<void> {
  const knobs = await knobsTimes();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knobs-bench-conf-'));
  const conf = path.join(dir, '90-knobs.conf');
  fs.writeFileSync(conf, confText());
  const sysctlP = inNetns(`sysctl -q -p ${conf} >/dev/null`);
  const sysctlW = inNetns(KEYS.map(([k, , v]) => `sysctl -q -w '${k}=${v}' >/dev/null`).join('; '));
  fs.rmSync(dir, { recursive: true, force: true });

  const row = (name: string, xs: number[] | null, note: string) =>
    `  ${name.padEnd(44)} ${xs ? median(xs).toFixed(1).padStart(8) : '    n/a'} ms  ${xs ? `(min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})` : ''} ${note}`;
  const applyMedian = median(knobs.apply);
  const lines = [
    `apply: ${KEYS.length} keys + 2 files, median of ${RUNS} runs`,
    row('knobs apply (--root tree, journal + fsync)', knobs.apply, applyMedian <= TARGET_MS ? `ok (target ≤ ${TARGET_MS} ms)` : `OVER target ${TARGET_MS} ms`),
    row('knobs rollback (--root tree)', knobs.rollback, ''),
    row('sysctl -p FILE (real kernel, unshare -n)', sysctlP, sysctlP ? 'no journal, no undo' : 'skipped: unshare -n unavailable'),
    row(`${KEYS.length} × sysctl -w (real kernel, unshare -n)`, sysctlW, sysctlW ? 'one process per key' : 'skipped'),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
