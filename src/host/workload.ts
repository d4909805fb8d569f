// What runs on this host, for `knobs recommend` and the wizard: the listening ports
// with the processes holding them (their unit and nofile limit), the busiest
// outgoing destinations, and who holds CLOSE_WAIT sockets. Everything about the
// sockets comes from the census (sockets.ts); this only groups it and reads the
// owners' limits.

import type { ListeningService, ServiceProcess, WorkloadFacts } from '../core/types.js';
import type { HostFs } from './host-fs.js';
import { readProcLimits, readUnit } from './limits.js';
import type { SocketCensus } from '../core/socket-census.js';

/** Destinations kept in the facts (the busiest; a snapshot stays small). */
export const OUTBOUND_LIMIT = 10;

function processFact(fs: HostFs, pid: number, comm: string | null): ServiceProcess {
  let open: number | null = null;
  try {
    open = fs.readdir(`/proc/${pid}/fd`)?.length ?? null;
  } catch {
    open = null; // not ours to inspect
  }
  return { pid, comm, unit: readUnit(fs, pid), nofile: readProcLimits(fs, pid)?.nofile ?? null, open };
}

/** `0.0.0.0:80` → `0.0.0.0`; `[::]:443` → `[::]`. */
function addressOf(local: string): string {
  return local.slice(0, local.lastIndexOf(':'));
}

export function workloadFacts(fs: HostFs, census: SocketCensus): WorkloadFacts {
  const procs = new Map<number, ServiceProcess>();
  const proc = (pid: number, comm: string | null) => {
    let p = procs.get(pid);
    if (!p) procs.set(pid, (p = processFact(fs, pid, comm)));
    return p;
  };
  const byPort = new Map<number, ListeningService>();
  for (const l of census.listeners) {
    let s = byPort.get(l.port);
    if (!s) byPort.set(l.port, (s = { port: l.port, addresses: [], processes: [] }));
    const addr = addressOf(l.local);
    if (!s.addresses.includes(addr)) s.addresses.push(addr);
    for (const o of l.owners) if (!s.processes.some((p) => p.pid === o.pid)) s.processes.push(proc(o.pid, o.comm));
  }
  for (const s of byPort.values()) s.processes.sort((a, b) => a.pid - b.pid);
  return {
    listeners: [...byPort.values()].sort((a, b) => a.port - b.port),
    outbound: census.ports.destinations
      .slice(0, OUTBOUND_LIMIT)
      .map((d) => ({ peer: d.peer, open: d.open, timeWait: d.timeWait, localPorts: d.localPorts }))
      .sort((a, b) => b.open + b.timeWait - (a.open + a.timeWait) || b.localPorts - a.localPorts),
    closeWait: census.closeWait.byProcess.map((p) => ({ pid: p.pid, comm: p.comm, count: p.count })),
    incomingTimeWait: census.timeWait.incoming.count,
  };
}
