// `knobs report` over a thousand snapshots spends most of its time reading, parsing
// and checking them (the facts schema), and each snapshot is independent: with more
// than one core they are summarized in worker threads, each taking a contiguous
// share, and merged in file order. A worker loads the same CLI bundle as a plain
// CommonJS module and runs its `worker` export (src/cli/main.ts). Where the bundle
// is not a file (the TypeScript sources under test, a single executable) or there
// is one core, the caller summarizes them itself.

import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import type { HostSummary } from '../core/report.js';

export interface Shard {
  summaries: HostSummary[];
  notes: string[];
}

/**
 * Below this much JSON per thread a worker costs more than it saves: it loads the
 * bundle without the code cache and copies its summaries back (measured: 1,000
 * snapshots of 8 KB were slower in two threads than in one; of 33 KB, faster).
 */
const MIN_BYTES_PER_THREAD = 8 * 1024 * 1024;
const MAX_WORKERS = 4;

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
require(workerData.bundle).worker(workerData.job, workerData.data).then(
  (result) => parentPort.postMessage({ result }),
  (err) => parentPort.postMessage({ error: { user: Boolean(err && err.name === 'UserError'), message: String((err && err.message) || err), hint: err && err.hint } }),
);
`;

/** The CLI bundle this code runs from, when it is a file a worker can load. */
function bundleFile(): string | null {
  if (typeof __filename !== 'string' || !__filename.endsWith('.cjs') || !fs.existsSync(__filename)) return null;
  return __filename;
}

/** Threads to use, this one included. */
function workerCount(jobs: number, bytes: number, env: NodeJS.ProcessEnv): number {
  // KNOBS_REPORT_WORKERS: a fixed count of threads (0 or 1: this one only), for tests and shared machines.
  const fixed = env.KNOBS_REPORT_WORKERS;
  if (fixed !== undefined && /^\d+$/.test(fixed)) return Math.min(Number(fixed), jobs);
  return Math.min(os.availableParallelism(), MAX_WORKERS, Math.floor(bytes / MIN_BYTES_PER_THREAD));
}

/**
 * Summaries in the order of `jobs`: this thread does the first share with `local`
 * while worker threads do the others (one thread per share; null when there is
 * only one, so the caller does all of it).
 */
export async function summarizeInWorkers<J>(
  jobs: readonly J[],
  bytes: number,
  ctx: object,
  local: (jobs: readonly J[]) => Shard,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Shard[] | null> {
  const bundle = bundleFile();
  const n = workerCount(jobs.length, bytes, env);
  if (bundle === null || n < 2) return null;
  const size = Math.ceil(jobs.length / n);
  const workers: Worker[] = [];
  try {
    const others = Promise.all(
      Array.from({ length: n - 1 }, (_, k) => {
        const i = k + 1;
        const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { bundle, job: 'report', data: { jobs: jobs.slice(i * size, (i + 1) * size), ctx } } });
        workers.push(w);
        return new Promise<Shard>((resolve, reject) => {
          w.once('message', (m: { result?: Shard; error?: { user: boolean; message: string; hint?: string } }) => {
            if (m.result) resolve(m.result);
            else reject(m.error?.user ? new UserError(m.error.message, m.error.hint ?? undefined) : new Error(m.error?.message ?? 'report worker failed'));
          });
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`report worker exited with ${code}`)));
        });
      }),
    );
    // Rejections are collected by the await below, after this thread's own share.
    others.catch(() => {});
    const mine = local(jobs.slice(0, size));
    return [mine, ...(await others)];
  } finally {
    for (const w of workers) void w.terminate();
  }
}
