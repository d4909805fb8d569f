// Running processes that matter for "Too many open files": any process using at
// least half of its soft nofile limit, and listening processes still at the
// default soft limit (≤ 1024). Finding listeners needs a readlink per descriptor,
// so it is done only for processes at or below 1024 descriptors' worth of limit:
// bounded work however busy the host is, and exactly the processes the rule asks about.

import type { ProcessFact } from '../core/types.js';
import type { HostFs } from './host-fs.js';
import { listPids, readProcLimits, readUnit } from './limits.js';

const DEFAULT_SOFT = 1024;
const MAX_PROCESSES = 200;

function listenPortsOf(fs: HostFs, pid: number, fds: string[], listen: ReadonlyMap<number, number>): number[] {
  const ports = new Set<number>();
  for (const fd of fds) {
    const link = fs.readlink(`/proc/${pid}/fd/${fd}`);
    if (!link?.startsWith('socket:[')) continue;
    const port = listen.get(Number(link.slice(8, -1)));
    if (port !== undefined) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** `listen`: LISTEN socket inode → local port, from the socket census. */
export function collectProcessFacts(fs: HostFs, listen: ReadonlyMap<number, number>): ProcessFact[] {
  const out: ProcessFact[] = [];
  for (const pid of listPids(fs)) {
    let fds: string[] | null;
    try {
      fds = fs.readdir(`/proc/${pid}/fd`);
    } catch {
      fds = null; // not ours to inspect (not root), or gone
    }
    const limits = readProcLimits(fs, pid);
    const nofile = limits?.nofile ?? null;
    const open = fds ? fds.length : null;
    const soft = nofile?.soft ?? null;
    const busy = open !== null && soft !== null && open >= soft / 2;
    const listenPorts = fds && listen.size && soft !== null && soft <= DEFAULT_SOFT ? listenPortsOf(fs, pid, fds, listen) : [];
    if (!busy && !listenPorts.length) continue;
    out.push({ pid, comm: fs.readText(`/proc/${pid}/comm`)?.trim() ?? null, unit: readUnit(fs, pid), nofile, open, listenPorts });
    if (out.length >= MAX_PROCESSES) break;
  }
  return out;
}
