// Cumulative kernel counters (ListenOverflows, conntrack drops, softnet drops…) run
// since boot: one overflow last month would fail every audit after it. knobs keeps
// the last values it saw (src/apply/counter-sample.ts writes them after an audit,
// src/host/net-stat.ts reads them back for the same boot), so a rule can judge what
// happened since then. Without a sample it says the total is since boot.

import { uptimeText } from './durations.js';
import type { HostFacts } from './types.js';

/** Where the sample lives (under --root), for messages and the host reader. */
export const COUNTER_SAMPLE_PATH = '/var/lib/knobs/counters.json';

/** The counters a sample keeps, by the names rules read them with. */
export function counterValues(facts: HostFacts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of ['TcpExt.ListenOverflows', 'TcpExt.ListenDrops', 'TcpExt.TCPAbortOnMemory']) {
    const v = facts.sockets.counters[name];
    if (v !== undefined) out[name] = v;
  }
  const ct = facts.netStat?.conntrack;
  if (ct) for (const name of ['drop', 'early_drop', 'insert_failed']) if (ct[name] !== undefined) out[`conntrack.${name}`] = ct[name]!;
  const sn = facts.netStat?.softnet;
  if (sn) Object.assign(out, { 'softnet.dropped': sn.dropped, 'softnet.timeSqueeze': sn.timeSqueeze });
  return out;
}

export interface CounterWindow {
  /** How much the counter grew over the window. */
  count: number;
  /** `in the 2 h 5 min since the last sample` or `since boot (3 d 4 h ago; …)`. */
  window: string;
  /** True when the window is the time since knobs' last sample (a rate), false: since boot. */
  sampled: boolean;
}

/**
 * The growth of counter `name` (now `current`): since the previous sample of this
 * boot when there is one, else since boot. A counter that went down (reset, or a
 * sample from elsewhere) is judged since boot.
 */
export function counterWindow(facts: HostFacts, name: string, current: number): CounterWindow {
  const prev = facts.netStat?.previous;
  const before = prev?.counters[name];
  if (prev && before !== undefined && current >= before) {
    return { count: current - before, window: `in the ${uptimeText(prev.ageSeconds)} since knobs' last sample`, sampled: true };
  }
  const up = facts.netStat?.uptimeSeconds;
  return {
    count: current,
    window: `since boot (${up ? `${uptimeText(up)} ago` : 'at an unknown time'}; no earlier sample of this boot: the next audit shows the increase since this one)`,
    sampled: false,
  };
}
