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
import { toSocketFacts, unavailableSocketFacts } from '../core/socket-census.js';
import { collectSocketCensus } from './sockets.js';
import { configuredKeys, expandSysctlGlob, readSysctlConfig, toLatin1 } from './sysctl-files.js';
import { readNetStatFacts } from './net-stat.js';
import { readLive, type LiveValue } from './sysctl-live.js';
import { readSystemFacts } from './system.js';
import { workloadFacts } from './workload.js';
import { keyToProcPath } from '../core/sysctl-conf.js';
import { gunzipSync } from 'node:zlib';

export function readKernel(fs: HostFs): KernelFacts {
  const release = (fs.readText('/proc/sys/kernel/osrelease') ?? '').trim();
  const hz = release ? readKernelHz(fs, release) : null;
  return { release: release || 'unknown', version: release ? coerceKernelVersion(release) : null, ...(hz !== null ? { hz } : {}) };
}

/** CONFIG_HZ from /proc/config.gz or /boot/config-<release>: the bound of the seconds-to-jiffies handlers. */
export function readKernelHz(fs: HostFs, release: string): number | null {
  const texts: (() => string | null)[] = [
    () => fs.readText(`/boot/config-${release}`),
    () => {
      const gz = fs.readText('/proc/config.gz', undefined, 'latin1');
      return gz === null ? null : gunzipSync(Buffer.from(gz, 'latin1')).toString('latin1');
    },
  ];
  for (const t of texts) {
    try {
      const m = /^CONFIG_HZ=(\d+)$/m.exec(t() ?? '');
      if (m) return Number(m[1]);
    } catch {
      /* unreadable or not gzip: try the next */
    }
  }
  return null;
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
  const { config, boot, keys: named, tree } = readSysctlConfig(fs, { version: kernel.version, ...(kernel.hz !== undefined ? { hz: kernel.hz } : {}) });
  const expand = (pattern: string): string[] => expandSysctlGlob(fs, pattern, tree);

  const keys = new Set<string>([...knownKeys(), ...(options.keys ?? []), ...named, ...configuredKeys(config, expand)]);
  // What a write of those keys can change as well (ip_forward → conf.*.forwarding…), so a plan can list it.
  for (const k of [...keys]) for (const g of sideEffectGlobs(k)) for (const m of expand(g)) keys.add(m);
  const sysctl: Record<string, SysctlFact> = {};
  for (const key of [...keys].sort()) {
    // A key the tree does not hold is absent without a failed read (100k-line files name many).
    const b = boot.get(key);
    let fact: SysctlFact;
    if (tree.kind(keyToProcPath(toLatin1(key))) === null) fact = { live: null, state: 'absent', boot: b?.boot ?? null };
    else {
      const live: LiveValue = readLive(fs, key);
      fact = { live: live.live, state: live.state, boot: b?.boot ?? null };
      if (live.readOnly) fact.readOnly = true;
    }
    if (b && b.shadowed.length) fact.shadowed = b.shadowed;
    sysctl[key] = fact;
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
