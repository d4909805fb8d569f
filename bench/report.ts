// Benchmark of `knobs report` over 1,000 snapshots (target: under 2 s, text, JSON
// and HTML alike). The snapshots are the test generator's fleet made as heavy as
// busy production hosts' are: three sysctl.d files of 60 lines and 24 interfaces
// with their conf.* keys (≈ 25 KB each, against ≈ 10 KB for this machine's).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostFacts, SysctlConfFile } from '../src/core/types.js';
import { generateFleet } from '../test/helpers/fleet.js';
import { median, row, timeCommand } from './timing.js';

const HOSTS = 1000;
const RUNS = 5;
const TARGET_MS = 2000;

function heavier(facts: HostFacts, i: number): HostFacts {
  const files: SysctlConfFile[] = ['/usr/lib/sysctl.d/50-default.conf', '/etc/sysctl.d/60-site.conf', '/etc/sysctl.d/99-sysctl.conf'].map((p, f) => ({
    path: p,
    readBy: ['systemd', 'procps'],
    entries: Array.from({ length: 60 }, (_, n) => ({
      line: n + 1,
      key: `net.ipv4.conf.eth${n % 24}.rp_filter`,
      value: String((n + f + i) % 3),
      ignoreFailure: false,
      exclude: false,
      glob: false,
    })),
  }));
  const sysctl = { ...facts.sysctl };
  for (let n = 0; n < 24; n++) {
    for (const k of ['rp_filter', 'accept_redirects', 'send_redirects', 'forwarding', 'log_martians']) {
      sysctl[`net.ipv4.conf.eth${n}.${k}`] = { live: String((n + i) % 2), state: 'present', boot: null };
    }
  }
  return { ...facts, sysctl, sysctlConfig: { ...facts.sysctlConfig, files } };
}

export async function benchReport(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knobs-bench-report-'));
  try {
    let bytes = 0;
    const fleet = generateFleet(HOSTS, 42);
    fleet.forEach((h, i) => {
      const text = JSON.stringify({ schemaVersion: 1, profiles: h.profiles, ...heavier(h.facts, i) });
      bytes += text.length;
      fs.writeFileSync(path.join(dir, `${h.name}.json`), text);
    });
    process.stdout.write(`  ${HOSTS} snapshots, ${(bytes / 1e6).toFixed(1)} MB (${Math.round(bytes / HOSTS / 1000)} KB each)\n`);
    const bin = path.resolve('dist/knobs.cjs');
    const html = path.join(dir, 'out.html');
    const cases: [string, string[]][] = [
      ['knobs report DIR (text)', ['report', dir]],
      ['knobs report DIR --json', ['report', dir, '--json']],
      ['knobs report DIR --html FILE', ['report', dir, '--html', html]],
    ];
    for (const [label, args] of cases) {
      const ms = median(timeCommand(process.execPath, [bin, ...args], RUNS));
      process.stdout.write(row(label, ms, ms < TARGET_MS ? `(target < ${TARGET_MS} ms: met)` : `(target < ${TARGET_MS} ms: NOT met)`) + '\n');
    }
    process.stdout.write(`  HTML page: ${(fs.statSync(html).size / 1e6).toFixed(1)} MB\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
