// Test hooks shared by apply and rollback: after a named step, SIGKILL this process
// (a crash or power loss), throw (an I/O error there), send it SIGTERM (Ctrl+C,
// systemctl stop), or sleep (to race two processes). Harmless otherwise: nothing
// happens unless a KNOBS_TEST_* variable or a FaultPlan names the step.

import type { FaultPlan } from './types.js';

/** KNOBS_TEST_CRASH_AT / _FAIL_AT / _SIGNAL_AT=<step>, KNOBS_TEST_PAUSE_AT=<step>@<ms>. */
export function faultsFromEnv(env: NodeJS.ProcessEnv): FaultPlan {
  const f: FaultPlan = {};
  if (env.KNOBS_TEST_CRASH_AT) f.crashAt = env.KNOBS_TEST_CRASH_AT;
  if (env.KNOBS_TEST_FAIL_AT) f.failAt = env.KNOBS_TEST_FAIL_AT;
  if (env.KNOBS_TEST_SIGNAL_AT) f.signalAt = env.KNOBS_TEST_SIGNAL_AT;
  const pause = env.KNOBS_TEST_PAUSE_AT?.match(/^(.+)@(\d+)$/);
  if (pause) f.pauseAt = { step: pause[1]!, ms: Number(pause[2]) };
  return f;
}

export class Hooks {
  constructor(
    private readonly faults: FaultPlan,
    private readonly onStep?: (step: string) => void,
  ) {}

  step(name: string): void {
    this.onStep?.(name);
    const f = this.faults;
    if (f.pauseAt?.step === name) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, f.pauseAt.ms);
    if (f.signalAt === name) process.kill(process.pid, 'SIGTERM');
    if (f.crashAt === name) process.kill(process.pid, 'SIGKILL');
    if (f.failAt === name) throw new Error(`injected failure after step ${name}`);
  }
}
