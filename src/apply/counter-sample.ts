// After an audit of the live host, keep the counters it saw (src/core/counter-window.ts)
// in the state directory, so that the next audit of the same boot judges what
// happened in between instead of everything since boot. Only where the state
// directory already exists (the Debian package creates it, and so does the first
// apply): an audit creates nothing new on a host. Best effort: a state directory
// knobs may not use (not root's, not writable, read-only) means no sample, never a
// failed audit.

import path from 'node:path';
import { COUNTER_SAMPLE_PATH } from '../core/counter-window.js';
import { writeFileAtomic } from './atomic-write.js';
import { STATE_DIR, trustedDir } from './journal.js';

export interface CounterSample {
  bootId: string;
  timeMs: number;
  counters: Record<string, number>;
}

/** True when the sample was written. */
export function saveCounterSample(root: string, sample: CounterSample): boolean {
  try {
    const dir = trustedDir(root, STATE_DIR, false);
    if (dir === null) return false;
    writeFileAtomic(path.join(dir, path.basename(COUNTER_SAMPLE_PATH)), JSON.stringify(sample) + '\n', { mode: 0o600 });
    return true;
  } catch {
    return false;
  }
}
