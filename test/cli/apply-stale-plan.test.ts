// A plan made before the lock was taken can be stale: another apply may have changed
// the host while this one waited. apply makes the plan again under the lock, so right
// after two concurrent applies succeed, the second profile's plan is empty.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, knobs } from '../helpers/cli.js';
import { fakeRoot } from '../helpers/fake-root.js';
import fs from 'node:fs';
import path from 'node:path';

// Of the 12 ordered pairs of shipped profiles, these three end with a non-empty plan
// when the second apply uses the plan it made before waiting for the lock (checked by
// disabling the re-plan); the fourth is a pair that never did.
const PAIRS = [
  ['load-balancer', 'nat-facing'],
  ['web-node', 'nat-facing'],
  ['db-client', 'nat-facing'],
  ['web-node', 'db-client'],
] as const;

/** Exit code and stderr, as one string so a failure shows why (`0` alone when it succeeds). */
function apply(root: string, profile: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'apply', '--root', root, '--profile', profile, '--yes'], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve(code === 0 ? '0' : `${code} ${err}`));
  });
}

describe('concurrent applies of two profiles', () => {
  it.each(PAIRS)('%s holding the lock while %s plans: the later one plans again under the lock', async (first, second) => {
    const root = fakeRoot({ kernel: '6.1', sysctl: { 'net.ipv4.ip_local_port_range': '32768 60999', 'net.core.somaxconn': '128', 'net.ipv4.ip_forward': '0' } });
    const lock = path.join(root, 'var/lib/knobs/lock');
    const a = apply(root, first, { KNOBS_TEST_PAUSE_AT: 'locked@1500' });
    for (let i = 0; i < 200 && !fs.existsSync(lock); i++) await new Promise((r) => setTimeout(r, 10));
    const b = apply(root, second); // plans now, from the host before `first` changed it
    expect(await a).toBe('0');
    expect(await b).toBe('0');
    const plan = knobs(['plan', '--root', root, '--profile', second]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  }, 60_000);
});
