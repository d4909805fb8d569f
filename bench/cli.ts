// Start-up and end-to-end figures for the commands operators run most, next to
// the standard tools: `knobs audit` against `node -e 0` (target: within 2×) and
// `sysctl -a`; `knobs apply` of a full profile on a --root tree against
// `sysctl -p FILE` and a loop of `sysctl -w` for the same keys. The single
// executable (dist/release, `npm run dist`) runs `knobs audit` in the same rounds:
// it must start as fast as the npm install, which runs dist/knobs.cjs through its
// `#!/usr/bin/env node` line as npm's bin link does.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { interleaved, once, row } from './timing.js';
import { mirrorHostRoot } from './mirror-root.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(REPO, 'dist/knobs.cjs');
const ROUNDS = 15;
const VERSION = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version as string;
const SEA = path.join(REPO, 'dist/release', `knobs-${VERSION}-linux-x64`);

/** The single executable, rebuilt when the bundles are newer (scripts/dist.mjs sea). */
function singleExecutable(): string {
  const stale = !fs.existsSync(SEA) || fs.statSync(SEA).mtimeMs < fs.statSync(path.join(REPO, 'dist/knobs-cli.cjs.cache')).mtimeMs;
  if (stale) {
    const r = spawnSync(process.execPath, ['scripts/dist.mjs', 'sea'], { cwd: REPO, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the single executable failed: ${r.stderr}`);
  }
  return SEA;
}

export async function benchCli(): Promise<void> {
  const sea = singleExecutable();
  const m = interleaved(
    {
      'node -e 0': once(process.execPath, ['-e', '0']),
      'knobs audit': once(process.execPath, [CLI, 'audit']),
      'knobs audit (npm install)': once(CLI, ['audit']),
      'knobs audit (single executable)': once(sea, ['audit']),
      'knobs audit --profile web-node,nat-facing --json': once(process.execPath, [CLI, 'audit', '--profile', 'web-node,nat-facing', '--json']),
      'sysctl -a': once('sysctl', ['-a']),
      'knobs explain net.core.somaxconn': once(process.execPath, [CLI, 'explain', 'net.core.somaxconn']),
      'sysctl net.core.somaxconn': once('sysctl', ['net.core.somaxconn']),
    },
    ROUNDS,
  );
  const ratio = m['knobs audit']! / m['node -e 0']!;
  const lines = [
    `start-up (median of ${ROUNDS} interleaved runs, live host)`,
    row('node -e 0 (the floor)', m['node -e 0']!),
    row('knobs audit', m['knobs audit']!, `${ratio.toFixed(2)}× node -e 0 ${ratio <= 2 ? '(ok, target ≤ 2×)' : '(OVER target 2×)'}`),
    row('knobs audit (npm install: dist/knobs.cjs via its #! line)', m['knobs audit (npm install)']!, `${(m['knobs audit (npm install)']! / m['node -e 0']!).toFixed(2)}× node -e 0`),
    row(
      'knobs audit (single executable)',
      m['knobs audit (single executable)']!,
      `${(m['knobs audit (single executable)']! / m['node -e 0']!).toFixed(2)}× node -e 0, ${(m['knobs audit (single executable)']! / m['knobs audit (npm install)']!).toFixed(2)}× the npm install`,
    ),
    row('knobs audit --profile web-node,nat-facing --json', m['knobs audit --profile web-node,nat-facing --json']!),
    row('sysctl -a (procps, all keys, no analysis)', m['sysctl -a']!),
    row('knobs explain net.core.somaxconn', m['knobs explain net.core.somaxconn']!),
    row('sysctl net.core.somaxconn', m['sysctl net.core.somaxconn']!),
  ];
  process.stdout.write(lines.join('\n') + '\n\n');
  benchApplyCli();
}

/** `knobs apply --profile load-balancer` end to end (process start, plan, journal, fsync). */
function benchApplyCli(): void {
  const root = mirrorHostRoot();
  const args = ['--root', root, '--profile', 'load-balancer,db-client'];
  const plan = JSON.parse(spawnSync(process.execPath, [CLI, 'plan', ...args, '--json'], { encoding: 'utf8' }).stdout);
  const applyTimes: number[] = [];
  const rollbackTimes: number[] = [];
  for (let i = 0; i <= ROUNDS; i++) {
    const a = once(process.execPath, [CLI, 'apply', ...args, '--yes'])();
    const r = once(process.execPath, [CLI, 'rollback', '--root', root, '--yes'])();
    if (i > 0) applyTimes.push(a), rollbackTimes.push(r);
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  process.stdout.write(
    [
      `knobs apply, whole process, profiles load-balancer,db-client on a --root mirror of this host (${plan.runtime.length} live values, ${plan.files.length} files; median of ${ROUNDS})`,
      row('knobs apply --yes', med(applyTimes), med(applyTimes) <= 300 ? '(ok, target ≤ 300 ms)' : '(OVER target 300 ms)'),
      row('knobs rollback --yes', med(rollbackTimes)),
    ].join('\n') + '\n\n',
  );
  fs.rmSync(root, { recursive: true, force: true });
}
