// Fixture hosts for rule tests. The defaults come from the key catalogue, the
// same source the rules use, so there is no second table of kernel defaults here:
// a fixture states only what its case cares about.

import { defaultFor, keyInfo, knownKeys, typicalFor } from '../../src/core/catalog.js';
import { coerceKernelVersion, versionAtLeast } from '../../src/core/kernel-version.js';
import {
  TCP_STATES,
  type BootSource,
  type HostFacts,
  type LimitLine,
  type LimitsFacts,
  type NetStatFacts,
  type ProcessFact,
  type RejectedLine,
  type SocketFacts,
  type SysctlConfFile,
  type SysctlFact,
  type TcpState,
} from '../../src/core/types.js';

/** Kernel releases the rule tests cover, as distributions print them. */
export const KERNELS = {
  '3.10': '3.10.0-1160.el7.x86_64',
  '4.4': '4.4.0-21-generic',
  '4.15': '4.15.0-213-generic',
  '5.4': '5.4.0-170-generic',
  '6.1': '6.1.0-18-amd64',
  '6.12': '6.12.117-amd64',
} as const;
export type KernelName = keyof typeof KERNELS;

export interface HostOverrides {
  /** Live values; null makes the key absent on this host. */
  sysctl?: Record<string, string | null>;
  /** Boot values and the file that sets them. */
  boot?: Record<string, { value: string; file: string; line?: number; text?: string; partial?: boolean }>;
  configFiles?: SysctlConfFile[];
  /** Lines the active loader writes and the kernel refuses. */
  rejected?: RejectedLine[];
  pam?: Omit<LimitLine, 'line'>[];
  /** The pam_limits build and files (absent: unknown, as in an old snapshot). */
  pamConfig?: LimitsFacts['pamConfig'];
  systemd?: LimitsFacts['systemd'];
  selfNofile?: { soft: number | null; hard: number | null };
  processes?: ProcessFact[];
  states?: Partial<Record<TcpState, number>>;
  sockets?: Partial<Omit<SocketFacts, 'states'>>;
  /** Kernel counters and container signs (absent: an old snapshot without them). */
  netStat?: Partial<Omit<NetStatFacts, 'containers'>> & { containers?: Partial<NetStatFacts['containers']> };
}

function liveDefault(key: string, version: string): string | null {
  const info = keyInfo(key)!;
  if (info.addedIn && !versionAtLeast(version, info.addedIn)) return null;
  if (info.removedIn && versionAtLeast(version, info.removedIn)) return null;
  return defaultFor(key, version) ?? typicalFor(key, version) ?? null;
}

export function host(kernel: KernelName | string, o: HostOverrides = {}): HostFacts {
  const release = (KERNELS as Record<string, string>)[kernel] ?? kernel;
  const version = coerceKernelVersion(release)!;
  const sysctl: Record<string, SysctlFact> = {};
  const set = (key: string, live: string | null) => {
    sysctl[key] = live === null ? { live: null, state: 'absent', boot: null } : { live, state: 'present', boot: null };
  };
  for (const key of knownKeys()) {
    if (key === 'fs.file-nr') continue;
    set(key, liveDefault(key, version));
  }
  set('fs.file-nr', `1024 0 ${sysctl['fs.file-max']?.live ?? '2466170'}`);
  for (const [key, live] of Object.entries(o.sysctl ?? {})) set(key, live);
  for (const [key, b] of Object.entries(o.boot ?? {})) {
    const boot: BootSource = { value: b.value, file: b.file, line: b.line ?? 1, ...(b.text !== undefined ? { text: b.text } : {}), ...(b.partial ? { partial: true } : {}) };
    sysctl[key] = { ...(sysctl[key] ?? { live: null, state: 'absent' }), boot };
  }
  const states = Object.fromEntries(TCP_STATES.map((s) => [s, o.states?.[s] ?? 0])) as Record<TcpState, number>;
  return {
    kernel: { release, version },
    sysctl,
    sysctlConfig: { loader: 'systemd', files: o.configFiles ?? [], disagreements: [], ...(o.rejected ? { rejected: o.rejected } : {}) },
    limits: {
      self: { nofile: o.selfNofile ?? { soft: 1024, hard: 524288 } },
      pam: (o.pam ?? []).map((l, i) => ({ ...l, line: i + 1 })),
      processes: o.processes ?? [],
      ...(o.pamConfig ? { pamConfig: o.pamConfig } : {}),
      ...(o.systemd ? { systemd: o.systemd } : {}),
    },
    sockets: {
      available: true,
      states,
      listenPorts: [],
      timeWaitByDestination: [],
      counters: {},
      ...o.sockets,
    },
    ...(o.netStat
      ? {
          netStat: {
            conntrack: o.netStat.conntrack ?? null,
            softnet: o.netStat.softnet ?? null,
            ...(o.netStat.interfaces ? { interfaces: o.netStat.interfaces } : {}),
            uptimeSeconds: o.netStat.uptimeSeconds ?? null,
            ...(o.netStat.previous !== undefined ? { previous: o.netStat.previous } : {}),
            containers: { interfaces: [], paths: [], processes: [], insideContainer: null, ...o.netStat.containers },
          },
        }
      : {}),
  };
}

/** A config file as the parser would produce it, for rules that read config lines. */
export function confFile(path: string, lines: Record<string, string>, comment?: string): SysctlConfFile {
  return {
    path,
    readBy: ['systemd', 'procps'],
    entries: Object.entries(lines).map(([key, value], i) => ({
      line: i + 1,
      key,
      value,
      ignoreFailure: false,
      exclude: false,
      glob: key.includes('*'),
      ...(comment ? { comment } : {}),
    })),
  };
}

/** pam_limits facts for a build: Debian 12's, RHEL 9's, or unknown (no evidence). */
export function pamModule(kind: 'debian12' | 'rhel9' | 'rhel7' | 'unknown'): NonNullable<LimitsFacts['pamConfig']>['module'] {
  switch (kind) {
    case 'debian12':
      return { family: 'debian', version: '1.5.2', packageVersion: '1.5.2-6+deb12u1', distro: { id: 'debian', versionId: '12' }, evidence: ['/var/lib/dpkg/status: libpam-modules 1.5.2-6+deb12u1'], markers: [] };
    case 'rhel9':
      return { family: 'upstream', version: '1.5.1', packageVersion: null, distro: { id: 'rhel', versionId: '9.3' }, evidence: ['/etc/os-release: rhel 9.3, which ships pam 1.5.1'], markers: [] };
    case 'rhel7':
      return { family: 'upstream', version: '1.1.8', packageVersion: null, distro: { id: 'centos', versionId: '7' }, evidence: ['/etc/os-release: centos 7, which ships pam 1.1.8'], markers: [] };
    case 'unknown':
      return { family: null, version: null, packageVersion: null, distro: null, evidence: [], markers: [] };
  }
}

/** A pamConfig with all files read and no problems, for a build. */
export function pamConfig(kind: Parameters<typeof pamModule>[0], extra: Partial<NonNullable<LimitsFacts['pamConfig']>> = {}): NonNullable<LimitsFacts['pamConfig']> {
  return { module: pamModule(kind), services: ['/etc/pam.d/common-session'], files: [{ path: '/etc/security/limits.conf', state: 'read' }], exempt: [], problems: [], ...extra };
}
