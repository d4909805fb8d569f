// A generated fleet of host snapshots for `knobs report`: roles, kernels and
// states chosen by a seeded generator, with what was planted recorded next to each
// snapshot (`planted`), so a test can count what the report must find without
// asking the report. Defaults come from the key catalogue through host().

import fs from 'node:fs';
import path from 'node:path';
import type { HostFacts } from '../../src/core/types.js';
import { host, type KernelName } from './host.js';
import { mulberry32 as random } from './random.js';

export interface FleetHost {
  name: string;
  profiles: string[];
  facts: HostFacts;
  planted: {
    kernel: KernelName;
    somaxconn: string;
    finTimeout: string;
    twRecycle: boolean;
    closeWait: number;
    /** TIME_WAIT towards one backend, as a share of the default port range. */
    portShare: number;
  };
}

const ROLES = [
  { prefix: 'web', profiles: ['web-node'], share: 0.5 },
  { prefix: 'lb', profiles: ['load-balancer'], share: 0.15 },
  { prefix: 'db', profiles: ['db-client'], share: 0.2 },
  { prefix: 'nat', profiles: ['nat-facing'], share: 0.15 },
] as const;

const KERNELS: KernelName[] = ['4.4', '4.15', '5.4', '6.1', '6.12'];

export function generateFleet(count: number, seed = 17): FleetHost[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const out: FleetHost[] = [];
  const perRole = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    let x = rnd();
    const role = ROLES.find((r) => (x -= r.share) < 0) ?? ROLES[0];
    const n = (perRole.get(role.prefix) ?? 0) + 1;
    perRole.set(role.prefix, n);
    const name = `${role.prefix}${String(n).padStart(2, '0')}`;
    const kernel = pick(KERNELS);
    const somaxconn = rnd() < 0.7 ? '4096' : pick(['128', '1024', '65535']);
    const finTimeout = rnd() < 0.9 ? '60' : pick(['30', '15']);
    // tcp_tw_recycle exists only before 4.12: planted on the oldest kernel.
    const twRecycle = kernel === '4.4' && rnd() < 0.5;
    const closeWait = rnd() < 0.08 ? pick([150, 1500]) : Math.floor(rnd() * 20);
    const portShare = role.prefix === 'lb' && rnd() < 0.3 ? pick([0.6, 0.95]) : 0;
    const sysctl: Record<string, string> = { 'net.core.somaxconn': somaxconn, 'net.ipv4.tcp_fin_timeout': finTimeout };
    if (twRecycle) sysctl['net.ipv4.tcp_tw_recycle'] = '1';
    const facts = host(kernel, {
      sysctl,
      boot: somaxconn === '4096' ? { 'net.core.somaxconn': { value: '4096', file: '/etc/sysctl.d/90-knobs.conf' } } : {},
      states: { ESTABLISHED: 40 + Math.floor(rnd() * 400), CLOSE_WAIT: closeWait, LISTEN: 3 },
      sockets: portShare
        ? { timeWaitByDestination: [{ peer: '10.0.0.5:8080', count: Math.round(portShare * portsOf(host(kernel))) }, { peer: '10.0.0.6:8080', count: 12 }] }
        : {},
    });
    if (closeWait >= 100) facts.workload = { listeners: [], outbound: [], closeWait: [{ pid: 4000 + i, comm: 'java', count: closeWait }], incomingTimeWait: 0 };
    out.push({ name, profiles: [...role.profiles], facts, planted: { kernel, somaxconn, finTimeout, twRecycle, closeWait, portShare } });
  }
  return out;
}

/** Usable ephemeral ports of a host (its range; the generator reserves none). */
export function portsOf(facts: HostFacts): number {
  const [lo, hi] = (facts.sysctl['net.ipv4.ip_local_port_range']?.live ?? '32768 60999').split(' ').map(Number) as [number, number];
  return hi - lo + 1;
}

/** Write each host as `knobs facts --json --profile …` would: `<dir>/<name>.json`. */
export function writeFleet(dir: string, fleet: readonly FleetHost[]): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const h of fleet) fs.writeFileSync(path.join(dir, `${h.name}.json`), JSON.stringify({ schemaVersion: 1, profiles: h.profiles, ...h.facts }, null, 2));
}
