// Reading the host: one snapshot of everything the rules look at. The snapshot is
// plain data (HostFacts); `knobs facts --json` prints it and `--facts FILE` feeds
// it back, so a saved snapshot evaluates exactly like the live host.

import { knownKeys } from '../core/catalog.js';
import { coerceKernelVersion } from '../core/kernel-version.js';
import { sideEffectGlobs } from '../core/kernel-side-effects.js';
import type { HostFacts, KernelFacts, SysctlFact } from '../core/types.js';
import type { HostFs } from './host-fs.js';
import { collectPamFacts, collectSystemdFacts, readSelfLimits } from './limits.js';
import { collectProcessFacts } from './processes.js';
import { collectSocketCensus, toSocketFacts, unavailableSocketFacts } from './sockets.js';
import { configuredKeys, expandSysctlGlob, readSysctlConfig } from './sysctl-files.js';
import { readNetStatFacts } from './net-stat.js';
import { readLive } from './sysctl-live.js';
import { readSystemFacts } from './system.js';
import { workloadFacts } from './workload.js';

export function readKernel(fs: HostFs): KernelFacts {
  const release = (fs.readText('/proc/sys/kernel/osrelease') ?? '').trim();
  return { release: release || 'unknown', version: release ? coerceKernelVersion(release) : null };
}

export interface CollectOptions {
  /** Extra keys to read (rules' keys; profiles' keys are in the catalogue already). */
  keys?: readonly string[];
  /** Skip the socket table (commands that do not need it). */
  sockets?: boolean;
  /** Also what kind of host this is and what runs on it (recommend, wizard, facts): names socket owners. */
  workload?: boolean;
}

export function collectFacts(fs: HostFs, options: CollectOptions = {}): HostFacts {
  const kernel = readKernel(fs);
  const globCache = new Map<string, string[]>();
  const expand = (pattern: string): string[] => {
    let hit = globCache.get(pattern);
    if (!hit) globCache.set(pattern, (hit = expandSysctlGlob(fs, pattern)));
    return hit;
  };
  const { config, boot } = readSysctlConfig(fs, expand);

  const keys = new Set<string>([...knownKeys(), ...(options.keys ?? []), ...configuredKeys(config, expand)]);
  // What a write of those keys can change as well (ip_forward → conf.*.forwarding…), so a plan can list it.
  for (const k of [...keys]) for (const g of sideEffectGlobs(k)) for (const m of expand(g)) keys.add(m);
  const sysctl: Record<string, SysctlFact> = {};
  for (const key of [...keys].sort()) {
    const live = readLive(fs, key);
    const b = boot.get(key);
    sysctl[key] = { ...live, boot: b?.boot ?? null, ...(b && b.shadowed.length ? { shadowed: b.shadowed } : {}) };
  }

  const census = options.sockets === false ? null : collectSocketCensus(fs, { owners: Boolean(options.workload) });
  const listen = new Map((census?.listeners ?? []).map((l) => [l.inode, l.port] as const));
  const pam = collectPamFacts(fs);
  const processes = options.sockets === false ? undefined : collectProcessFacts(fs, listen);
  return {
    kernel,
    sysctl,
    sysctlConfig: config,
    limits: {
      self: readSelfLimits(fs),
      pam: pam.lines,
      ...(processes ? { processes } : {}),
      pamConfig: pam.config,
      // The units of the processes knobs looks at: their parse warnings are findings too.
      systemd: collectSystemdFacts(fs, [...new Set((processes ?? []).map((p) => p.unit).filter((u): u is string => u !== null))]),
    },
    sockets: census ? toSocketFacts(census) : unavailableSocketFacts(),
    netStat: readNetStatFacts(fs),
    ...(options.workload ? { system: readSystemFacts(fs), ...(census ? { workload: workloadFacts(fs, census) } : {}) } : {}),
  };
}
