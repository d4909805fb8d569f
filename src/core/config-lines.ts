// The assignments of a sysctl key that the boot-time loader on this host will
// actually read: files it reads, not masked, not hidden by a same-named file.
// Rules that judge what a config file says (stale keys, rejected values, myths)
// all need exactly this view.

import type { HostFacts, SysctlConfEntry } from './types.js';

export interface ConfigLine {
  /** Host path of the file. */
  file: string;
  entry: SysctlConfEntry & { value: string };
}

export function configLines(facts: HostFacts, key: string): ConfigLine[] {
  const { loader, files } = facts.sysctlConfig;
  const out: ConfigLine[] = [];
  for (const f of files) {
    if (f.masked || f.shadowedBy || !f.readBy.includes(loader)) continue;
    for (const e of f.entries) {
      if (e.key === key && !e.exclude && e.value !== null) out.push({ file: f.path, entry: e as ConfigLine['entry'] });
    }
  }
  return out;
}
