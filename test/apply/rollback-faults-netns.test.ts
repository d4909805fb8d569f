// Rollback's fault matrix on the real kernel: inside a private mount and network
// namespace (tmpfs over /etc/sysctl.d, /etc/security and /var/lib; net.* keys, which
// are private to the namespace), apply, then roll back with a crash, an I/O error or
// a signal after each step, then finish with `knobs rollback`. The files and the live
// values must end as they were before the apply; the machine's own never move.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compiled, typicalRequest, type Op } from './_helpers.js';
import { requires } from '../helpers/requires.js';
import { tempDir } from '../helpers/temp.js';

const NET = requires('unshare -m -n');
beforeAll(() => void compiled(), 120_000);

const KEYS = typicalRequest().sysctls.map((s) => s.key);
const STEPS = [
  'rollback:locked', 'rollback:marked', 'rollback:0:sysctl:2', 'rollback:0:sysctl:1', 'rollback:0:sysctl:0',
  'rollback:0:file:1', 'rollback:0:file:0', 'rollback:0:done',
];
const ENV = { crash: 'KNOBS_TEST_CRASH_AT', fail: 'KNOBS_TEST_FAIL_AT', signal: 'KNOBS_TEST_SIGNAL_AT' } as const;

const snapshot = (name: string): Op[] => [
  { op: 'keys', name: `${name}Keys`, root: '/', keys: KEYS },
  { op: 'listing', name: `${name}Etc`, root: '/etc/sysctl.d' },
  { op: 'listing', name: `${name}Security`, root: '/etc/security' },
];

/** One namespace: before + apply, the faulty rollback, then history + finishing rollback + after. */
function inNamespace(env: string, step: string): Promise<{ runs: Record<string, any>[]; stderr: string }> {
  const dir = compiled();
  const out = tempDir('knobs-rbns-');
  const specs = [
    [...snapshot('before'), { op: 'apply', request: typicalRequest(), options: { root: '/' } }],
    [{ op: 'rollback', options: { root: '/', user: 'tester' } }],
    [{ op: 'history', root: '/' }, { op: 'interrupted', root: '/' }, { op: 'rollback', options: { root: '/', user: 'tester' } }, ...snapshot('after')],
  ].map((ops) => JSON.stringify({ ops }));
  const script = [
    'mount -t tmpfs -o mode=755 tmpfs /etc/sysctl.d',
    'mount -t tmpfs -o mode=755 tmpfs /etc/security',
    'mkdir /etc/security/limits.d',
    'mount -t tmpfs -o mode=755 tmpfs /var/lib',
    '"$1" "$2" "$3" > "$8/1.json"',
    'env "$6=$7" "$1" "$2" "$4" > "$8/2.json" || true',
    '"$1" "$2" "$5" > "$8/3.json"',
  ].join('\n');
  const argv = ['-m', '-n', '--propagation', 'private', 'sh', '-ec', script, 'sh', process.execPath, path.join(dir, 'runner.mjs'), ...specs, env, step, out];
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', () => {
      const runs = [1, 2, 3].map((n) => {
        try {
          return JSON.parse(fs.readFileSync(path.join(out, `${n}.json`), 'utf8'));
        } catch {
          return {};
        }
      });
      resolve({ runs, stderr });
    });
  });
}

const hostValue = (k: string) => fs.readFileSync(`/proc/sys/${k.replace(/\./g, '/')}`, 'utf8').trim().replace(/\s+/g, ' ');

describe.skipIf(NET.skip)(NET.title('rollback faults on the real kernel, inside unshare -m -n'), () => {
  it.each(['crash', 'fail', 'signal'] as const)('%s after each rollback step: finished by the next rollback, files and live values as before the apply', async (kind) => {
    const hostBefore = KEYS.map(hostValue);
    for (const step of STEPS) {
      const { runs, stderr } = await inNamespace(ENV[kind], step);
      const [first, faulty, last] = runs as [Record<string, any>, Record<string, any>, Record<string, any>];
      const what = `${kind} at ${step}: ${stderr} ${JSON.stringify(runs)}`;
      expect(first.apply, what).toMatchObject({ status: 'applied' });
      expect(JSON.stringify(first.beforeKeys), what).not.toContain('ERR');
      if (kind === 'signal') expect(faulty.rollback, what).toMatchObject({ status: 'rolled-back' });
      if (kind === 'fail' && !['rollback:locked', 'rollback:0:done'].includes(step)) {
        expect(faulty.rollback, what).toMatchObject({ status: 'inconsistent', exitCode: 3 });
      }
      const unfinished = kind !== 'signal' && !['rollback:locked', 'rollback:0:done'].includes(step);
      const untouched = kind !== 'signal' && step === 'rollback:locked';
      expect(last.history[0].state, what).toBe(unfinished ? 'rolling-back' : untouched ? 'applied' : 'rolled-back');
      expect(last.interrupted !== null, what).toBe(unfinished);
      if (kind === 'signal' || step === 'rollback:0:done') expect(last.rollback.status, what).toBe('noop');
      else expect(last.rollback.status, what).toBe('rolled-back');
      // Tree and live values: exactly as before the apply.
      expect(last.afterKeys, what).toEqual(first.beforeKeys);
      expect(last.afterEtc, what).toEqual(first.beforeEtc);
      expect(last.afterSecurity, what).toEqual(first.beforeSecurity);
    }
    // The machine's own values never moved.
    expect(KEYS.map(hostValue)).toEqual(hostBefore);
  }, 120_000);
});
