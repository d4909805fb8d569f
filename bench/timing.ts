import { spawnSync } from 'node:child_process';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Median over rounds of a[i] ÷ b[i], for samples taken in the same rounds: each
 * ratio compares two commands run back to back, under the same machine noise. A
 * third reading beside the ratio of medians and that of the fastest runs (over
 * five runs of the sockets bench it did not vary less than either).
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x / b[i]!));
}

/** Wall time in ms of `cmd args`, run `runs` times (after one warm-up), interleaving is up to the caller. */
export function timeCommand(cmd: string, args: readonly string[], runs: number, opts: { shell?: boolean; env?: NodeJS.ProcessEnv } = {}): number[] {
  const out: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], shell: opts.shell ?? false, env: opts.env ?? process.env });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.error) throw r.error;
    if (i > 0) out.push(ms);
  }
  return out;
}

/**
 * Run several commands round-robin, after one warm-up each (page cache, module
 * cache), so machine noise hits them alike; every other round in reverse order, so
 * no command always runs right after the same one. Samples per label, one per round.
 */
export function interleavedSamples(cmds: Record<string, () => number>, rounds: number): Record<string, number[]> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (const f of Object.values(cmds)) f();
  for (let r = 0; r < rounds; r++) {
    const order = Object.keys(cmds);
    if (r % 2) order.reverse();
    for (const k of order) samples[k]!.push(cmds[k]!());
  }
  return samples;
}

/** interleavedSamples, as medians per label. */
export function interleaved(cmds: Record<string, () => number>, rounds: number): Record<string, number> {
  return Object.fromEntries(Object.entries(interleavedSamples(cmds, rounds)).map(([k, xs]) => [k, median(xs)]));
}

export function once(cmd: string, args: readonly string[], opts: { shell?: boolean } = {}): () => number {
  return () => timeCommand(cmd, args, 1, opts)[0]!;
}

export function row(label: string, ms: number, note = ''): string {
  return `  ${label.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms  ${note}`;
}
