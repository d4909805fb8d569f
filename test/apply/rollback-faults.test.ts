// Rollback has apply's discipline: at every step of a rollback, a crash (SIGKILL), an
// I/O error or a signal leaves a state that is visible (`rolling-back` in history, a
// warning from every command, apply refusing) and that `knobs rollback` finishes,
// ending byte for byte where the host was before the apply. On --root trees here; on
// the real kernel inside a network namespace in rollback-faults-netns.test.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeApply } from '../../src/apply/transaction.js';
import { findInterrupted, history } from '../../src/apply/history.js';
import { rollback } from '../../src/apply/rollback.js';
import { compiled, makeTree, request, rmTree, runChild, treeChecksum, typicalRequest } from './_helpers.js';

const roots: string[] = [];
function tree(): string {
  const r = makeTree();
  roots.push(r);
  return r;
}
afterAll(() => roots.forEach(rmTree));
beforeAll(() => void compiled(), 120_000);

const quiet = { handleSignals: false, faults: {} } as const;

let cachedSteps: string[] | null = null;

/** The steps of rolling back the typical apply, in order, from a dry run in this process. */
async function rollbackSteps(): Promise<string[]> {
  if (cachedSteps) return cachedSteps;
  const root = tree();
  await executeApply(typicalRequest(), { root, ...quiet });
  const steps: string[] = [];
  await rollback({ root, user: 't', faults: {}, onStep: (s) => steps.push(s) });
  return (cachedSteps = steps);
}

describe('faults at every step of a rollback', () => {
  it('names its steps: lock, every restored key, file and directory, then done', async () => {
    const steps = await rollbackSteps();
    expect(steps).toEqual([
      'rollback:locked',
      'rollback:marked',
      'rollback:0:sysctl:2',
      'rollback:0:sysctl:1',
      'rollback:0:sysctl:0',
      'rollback:0:file:1',
      'rollback:0:file:0',
      'rollback:0:dir:0',
      'rollback:0:dir:1',
      'rollback:0:done',
    ]);
  });

  it.each(['crash', 'fail', 'signal'] as const)('%s at each step: visible, refused by apply, finished by the next rollback', async (kind) => {
    const steps = await rollbackSteps();
    for (const step of steps) {
      const root = tree();
      const before = treeChecksum(root);
      const applied = await executeApply(typicalRequest(), { root, ...quiet });
      expect(applied.status).toBe('applied');
      const env = { crash: 'KNOBS_TEST_CRASH_AT', fail: 'KNOBS_TEST_FAIL_AT', signal: 'KNOBS_TEST_SIGNAL_AT' }[kind];
      const child = await runChild([{ op: 'rollback', options: { root, user: 'tester' } }], { [env]: step });
      const what = `${kind} at ${step}: ${child.stderr}${JSON.stringify(child.out)}`;

      if (kind === 'signal') {
        // SIGTERM does not stop a rollback: finishing is the safer outcome.
        expect(child.signal, what).toBeNull();
        expect(child.out.rollback, what).toMatchObject({ status: 'rolled-back', exitCode: 0 });
        expect(treeChecksum(root), what).toBe(before);
        expect(findInterrupted(root), what).toBeNull();
        continue;
      }
      if (kind === 'crash') expect(child.signal, what).toBe('SIGKILL');
      const state = history(root)[0]!.state;
      if (step === 'rollback:locked') {
        // Nothing was marked or touched: still applied, nothing to warn about.
        if (kind === 'fail') expect(child.out.error, what).toMatchObject({ name: 'UserError', message: expect.stringMatching(/before changing anything/) });
        expect(state, what).toBe('applied');
        expect(findInterrupted(root), what).toBeNull();
      } else if (step === 'rollback:0:done') {
        // Marked rolled-back just before: the host is back where it was.
        expect(state, what).toBe('rolled-back');
        expect(treeChecksum(root), what).toBe(before);
        continue;
      } else {
        if (kind === 'fail') expect(child.out.rollback, what).toMatchObject({ status: 'inconsistent', exitCode: 3, manualSteps: expect.arrayContaining([expect.stringMatching(/^knobs rollback/)]) });
        expect(state, what).toBe('rolling-back');
        expect(findInterrupted(root)?.message, what).toMatch(/rollback of transaction .* did not finish/);
        // Apply refuses until the rollback is finished.
        await expect(executeApply(typicalRequest('again'), { root, ...quiet, lockTimeoutMs: 1000 }), what).rejects.toThrow(/did not finish/);
      }
      // `knobs rollback` with no id finishes it (the dead process's lock is stale).
      const finish = await rollback({ root, user: 't', lockTimeoutMs: 1000, faults: {} });
      expect(finish.status, what).toBe('rolled-back');
      expect(treeChecksum(root), what).toBe(before);
      expect(findInterrupted(root), what).toBeNull();
      expect(history(root)[0]!.state, what).toBe('rolled-back');
    }
  }, 120_000);

  it('a rollback of two transactions killed in the older one is finished, not left half-way', async () => {
    const root = tree();
    const before = treeChecksum(root);
    const a = await executeApply(typicalRequest('a'), { root, ...quiet });
    const b = await executeApply(
      request([{ path: '/etc/sysctl.d/90-knobs.conf', content: '# b\n' }], [{ key: 'net.core.somaxconn', value: '1024' }]),
      { root, ...quiet },
    );
    if (a.status !== 'applied' || b.status !== 'applied') throw new Error('setup');
    const child = await runChild([{ op: 'rollback', options: { root, user: 't', id: a.transaction } }], { KNOBS_TEST_CRASH_AT: 'rollback:1:file:1' });
    expect(child.signal).toBe('SIGKILL');
    expect(history(root).map((h) => h.state)).toEqual(['rolled-back', 'rolling-back']);
    // Rolling back something newer than the unfinished one is refused.
    const finish = await rollback({ root, user: 't', faults: {} });
    expect(finish).toMatchObject({ status: 'rolled-back', transactions: [a.transaction] });
    expect(treeChecksum(root)).toBe(before);
  });

  it('a rollback that cannot restore (read-only file in the way) exits 3, stays rolling-back, and finishes once fixed', async () => {
    const root = tree();
    const before = treeChecksum(root);
    await executeApply(typicalRequest(), { root, ...quiet });
    const fs = await import('node:fs');
    const path = await import('node:path');
    // A directory where the limits file goes: the restore of that path fails.
    const limits = path.join(root, 'etc/security/limits.d/90-knobs.conf');
    fs.rmSync(limits);
    fs.mkdirSync(limits);
    fs.writeFileSync(path.join(limits, 'x'), 'x');
    const r = await rollback({ root, user: 't', force: true, faults: {} });
    expect(r).toMatchObject({ status: 'inconsistent', exitCode: 3 });
    expect(history(root)[0]!.state).toBe('rolling-back');
    expect(findInterrupted(root)).not.toBeNull();
    fs.rmSync(limits, { recursive: true });
    const again = await rollback({ root, user: 't', faults: {} });
    expect(again.status).toBe('rolled-back');
    expect(treeChecksum(root)).toBe(before);
  });
});
