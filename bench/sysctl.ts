// Large sysctl files (#14): a 100,000-line file read the way the boot loaders
// read it, next to `sysctl -p FILE` reading the same file (inside `unshare -n`:
// the file names only net.* keys, private to the new network namespace).
// Target: parsing + boot order of 100k lines under 0.5 s.
//
// The file is what a generated per-VLAN config looks like: settings for ~60,000
// interfaces this host does not have, comments, real keys set again and again,
// and a few globs.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostFs } from '../src/host/host-fs.js';
import { readSysctlConfig } from '../src/host/sysctl-files.js';
import { readKernel } from '../src/host/collect.js';
import { interleavedSamples, median, once, row } from './timing.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(REPO, 'dist/knobs.cjs');
const LINES = 100_000;
const TARGET_MS = 500;
const ROUNDS = 7;

const REAL = ['net.ipv4.tcp_fin_timeout = 30', 'net.core.somaxconn = 4096', 'net.ipv4.tcp_rmem = 4096 131072 6291456', 'net.ipv4.ip_local_port_range = 10240 65000', 'net.ipv4.tcp_syncookies = 1', 'net.ipv4.tcp_keepalive_time = 600'];
const ATTRS = ['rp_filter', 'arp_ignore', 'arp_announce', 'accept_redirects', 'log_martians', 'forwarding'];

export function bigSysctlFile(lines = LINES): string {
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) {
    const r = i % 20;
    if (r === 0) out.push(`# vlan block ${i}`);
    else if (r === 1) out.push('');
    else if (r < 4) out.push(REAL[i % REAL.length]!);
    else if (r === 4 && i % 1000 === 4) out.push(`net.ipv4.conf.*.${ATTRS[i % ATTRS.length]} = ${i % 3}`);
    else out.push(`net.ipv4.conf.vlan${Math.floor(i / 6)}.${ATTRS[i % ATTRS.length]} = ${i % 3}`);
  }
  return out.join('\n') + '\n';
}

/** A --root tree with this host's /proc/sys/net (names and values) and the big file. */
function makeRoot(text: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knobs-bench-sysctl-'));
  const copy = (rel: string) => {
    for (const name of fs.readdirSync(`/proc/sys/${rel}`)) {
      const r = `${rel}/${name}`;
      const st = fs.statSync(`/proc/sys/${r}`);
      if (st.isDirectory()) {
        fs.mkdirSync(path.join(root, 'proc/sys', r), { recursive: true });
        copy(r);
      } else {
        let v = '';
        try {
          v = fs.readFileSync(`/proc/sys/${r}`, 'utf8');
        } catch {
          /* write-only or EIO: an empty file stands for it */
        }
        fs.writeFileSync(path.join(root, 'proc/sys', r), v);
      }
    }
  };
  fs.mkdirSync(path.join(root, 'proc/sys/kernel'), { recursive: true });
  fs.writeFileSync(path.join(root, 'proc/sys/kernel/osrelease'), fs.readFileSync('/proc/sys/kernel/osrelease'));
  copy('net');
  fs.mkdirSync(path.join(root, 'etc/sysctl.d'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/sysctl.d/50-vlans.conf'), text);
  fs.mkdirSync(path.join(root, 'proc/net'), { recursive: true });
  return root;
}

/** `sysctl -q -p FILE` on the real kernel in a throwaway network namespace, ms per run. */
function sysctlP(file: string, runs: number): number[] | null {
  const script = `i=0; while [ $i -lt ${runs} ]; do t0=$(date +%s%N); sysctl -q -p '${file}' >/dev/null 2>&1 || true; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 )); i=$((i + 1)); done`;
  const r = spawnSync('unshare', ['-n', 'sh', '-c', script], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return r.stdout.trim().split('\n').map((us) => Number(us) / 1000);
}

export async function benchSysctl(): Promise<void> {
  const text = bigSysctlFile();
  const root = makeRoot(text);
  const file = path.join(root, 'etc/sysctl.d/50-vlans.conf');
  try {
    const fs_ = new HostFs(root);
    const kernel = readKernel(fs_);
    const inProcess = () => {
      const t = performance.now();
      readSysctlConfig(fs_, { version: kernel.version, ...(kernel.hz !== undefined ? { hz: kernel.hz } : {}) });
      return performance.now() - t;
    };
    inProcess(); // warm-up: V8 compiles the parser
    const core: number[] = [];
    for (let i = 0; i < ROUNDS; i++) core.push(inProcess());

    const s = interleavedSamples(
      {
        'knobs audit --root (whole process)': once(process.execPath, [CLI, 'audit', '--root', root]),
        'node -e 0': once(process.execPath, ['-e', '0']),
      },
      ROUNDS,
    );
    const p = sysctlP(file, ROUNDS);
    const audit = median(s['knobs audit --root (whole process)']!);
    const coreMs = median(core);
    const coreMin = Math.min(...core);
    const lines = [
      `${LINES.toLocaleString('en')}-line sysctl file, median of ${ROUNDS} runs`,
      row('parse + boot order, both loaders (in process)', coreMs, `${coreMs <= TARGET_MS ? 'ok' : 'OVER'} (target ≤ ${TARGET_MS} ms); fastest run ${coreMin.toFixed(0)} ms`),
      row('knobs audit --root (whole process)', audit, p ? `${(audit / median(p)).toFixed(2)}× sysctl -p` : ''),
      row('node -e 0', median(s['node -e 0']!), 'how busy the machine is (75–80 ms when quiet)'),
      p ? row('sysctl -p FILE (real kernel, unshare -n)', median(p), `knobs in-process ${(coreMs / median(p)).toFixed(2)}×`) : '  sysctl -p FILE: skipped (unshare -n unavailable)',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
