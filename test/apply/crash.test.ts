// Crash safety with real processes: SIGKILL at every step of an apply, SIGTERM in the
// middle of one, and two applies racing for the lock.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeApply } from '../../src/apply/transaction.js';
import { findInterrupted, history } from '../../src/apply/history.js';
import { rollback } from '../../src/apply/rollback.js';
import { compiled, makeTree, request, rmTree, runChild, treeChecksum, treeListing, typicalRequest } from './_helpers.js';

const roots: string[] = [];
function tree(): string {
  const r = makeTree();
  roots.push(r);
  return r;
}
afterAll(() => roots.forEach(rmTree));
beforeAll(() => void compiled(), 120_000);

/** The step names of the typical apply, in order, from a dry run in this process. */
async function stepNames(): Promise<string[]> {
  const root = tree();
  const steps: string[] = [];
  await executeApply(typicalRequest(), { root, handleSignals: false, faults: {}, onStep: (s) => steps.push(s) });
  return steps;
}

describe('kill -9 at each step of apply', () => {
  it('ends in the old state after rollback of the interrupted journal, or in the new state after commit', async () => {
    const steps = await stepNames();
    expect(steps.length).toBeGreaterThan(10);
    const newRoot = tree();
    await executeApply(typicalRequest(), { root: newRoot, handleSignals: false, faults: {} });
    const newState = treeChecksum(newRoot);

    for (const step of steps) {
      const root = tree();
      const oldState = treeChecksum(root);
      const oldListing = treeListing(root);
      const child = await runChild([{ op: 'apply', request: typicalRequest(), options: { root } }], { KNOBS_TEST_CRASH_AT: step });
      expect(child.signal, step).toBe('SIGKILL');
      const state = treeChecksum(root);
      // Never anything but old, new, or a journalled state that rollback resolves.
      const interrupted = findInterrupted(root);
      if (step === 'commit') {
        expect(state, step).toBe(newState);
        expect(interrupted, step).toBeNull();
        expect(history(root)[0]!.state).toBe('applied');
        continue;
      }
      if (['locked', 'backup:0', 'backup:1', 'backup:2'].includes(step)) {
        // Before the journal is complete nothing on the host has been touched.
        expect(state, step).toBe(oldState);
        expect(interrupted, step).toBeNull();
      } else {
        expect(interrupted, step).not.toBeNull();
        expect(history(root)[0]!.state, step).toBe('interrupted');
        // A new apply refuses until the interrupted one is finished.
        await expect(executeApply(typicalRequest(), { root, handleSignals: false, faults: {}, lockTimeoutMs: 100 }), step).rejects.toThrow(/interrupted/);
      }
      // The dead process's lock is stale: rollback takes it and finishes the undo.
      const rb = await rollback({ root, user: 't', lockTimeoutMs: 1000 });
      expect(rb.exitCode, step).toBe(0);
      expect(treeListing(root), step).toEqual(oldListing);
      expect(findInterrupted(root), step).toBeNull();
      // And the next apply works from the restored state.
      expect((await executeApply(typicalRequest(), { root, handleSignals: false, faults: {}, lockTimeoutMs: 1000 })).status, step).toBe('applied');
      expect(treeChecksum(root), step).toBe(newState);
    }
  }, 120_000);

  it('a rollback resumed after being killed half-way still ends in the old state', async () => {
    const root = tree();
    const oldState = treeChecksum(root);
    await executeApply(typicalRequest(), { root, handleSignals: false, faults: {} });
    // Simulate a rollback killed after restoring one file: mark it started, restore a file by hand.
    const { listJournals, markUndoStarted } = await import('../../src/apply/journal.js');
    const j = listJournals(root)[0]!;
    markUndoStarted(root, j, 'dead0dead');
    fs.copyFileSync(path.join(root, 'var/lib/knobs/journal', j.id, 'files/0'), path.join(root, 'etc/sysctl.d/90-knobs.conf'));
    fs.chmodSync(path.join(root, 'etc/sysctl.d/90-knobs.conf'), 0o640);
    expect((await rollback({ root, user: 't' })).status).toBe('rolled-back'); // not "refused: edited by hand"
    expect(treeChecksum(root)).toBe(oldState);
  });
});

describe('signals during apply', () => {
  it.each(['file:0', 'dirs:1', 'sysctl:1'])('SIGTERM after %s: rolls back, exit 1, old state', async (step) => {
    const root = tree();
    const oldState = treeChecksum(root);
    const child = await runChild([{ op: 'apply', request: typicalRequest(), options: { root } }], { KNOBS_TEST_SIGNAL_AT: step });
    expect(child.signal).toBeNull(); // the process was not killed by the signal: it handled it
    expect(child.out.apply).toMatchObject({ status: 'failed', exitCode: 1, signal: 'SIGTERM', error: expect.stringMatching(/interrupted by SIGTERM/) });
    expect(treeChecksum(root)).toBe(oldState);
    expect(findInterrupted(root)).toBeNull();
    expect(history(root)[0]!.state).toBe('failed');
  });
});

describe('two concurrent applies', () => {
  it('the second waits, then fails naming the holder; a third with more patience succeeds after it', async () => {
    const root = tree();
    const first = runChild([{ op: 'apply', request: typicalRequest('first'), options: { root } }], { KNOBS_TEST_PAUSE_AT: 'journal@2500' });
    // Wait until the first holds the lock.
    const lock = path.join(root, 'var/lib/knobs/lock');
    for (let i = 0; i < 100 && !fs.existsSync(lock); i++) await new Promise((r) => setTimeout(r, 20));
    const holder = JSON.parse(fs.readFileSync(lock, 'utf8'));
    const t0 = Date.now();
    const [second, third] = await Promise.all([
      runChild([{ op: 'apply', request: typicalRequest('second'), options: { root, lockTimeoutMs: 400 } }]),
      runChild([{ op: 'apply', request: typicalRequest('third'), options: { root, lockTimeoutMs: 10_000 } }]),
    ]);
    const firstResult = await first;
    expect(firstResult.out.apply).toMatchObject({ status: 'applied' });
    expect(second.out.error).toMatchObject({ name: 'LockBusyError', exitCode: 1 });
    expect(second.out.error.message).toBe(`another knobs is changing this host: pid ${holder.pid} (user tester) since ${holder.since}`);
    expect(third.out.apply).toMatchObject({ status: 'applied' });
    expect(Date.now() - t0).toBeGreaterThan(1500); // the third really waited for the first
    // Serialised: the third's apply sees the first's files as its previous state.
    expect(fs.readFileSync(path.join(root, 'etc/sysctl.d/90-knobs.conf'), 'utf8')).toContain('# knobs third');
    expect(history(root).map((h) => h.state)).toEqual(['applied', 'applied']);
    expect(fs.existsSync(lock)).toBe(false);
  }, 30_000);

  it('history shows a running transaction as in-progress, not interrupted', async () => {
    const root = tree();
    const child = runChild([{ op: 'apply', request: request([{ path: '/etc/sysctl.d/99-knobs.conf', content: 'x\n' }], []), options: { root } }], {
      KNOBS_TEST_PAUSE_AT: 'file:0@1500',
    });
    let seen: string | undefined;
    for (let i = 0; i < 100 && !seen; i++) {
      await new Promise((r) => setTimeout(r, 30));
      seen = history(root)[0]?.state;
    }
    expect(seen).toBe('in-progress');
    expect(findInterrupted(root)).toBeNull();
    expect((await child).out.apply.status).toBe('applied');
  });
});
