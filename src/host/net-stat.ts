// Kernel packet counters the role rules read (conntrack statistics, the per-CPU
// receive backlog) and the signs of container networking on this host. Only reading
// here: what the numbers mean and what to advise is decided in rules/.

import path from 'node:path';
import { COUNTER_SAMPLE_PATH } from '../core/counter-window.js';
import type { NetStatFacts } from '../core/types.js';
import type { HostFs } from './host-fs.js';

/** Paths a container runtime or a Kubernetes node leaves (state directories and sockets). */
export const RUNTIME_PATHS = [
  '/run/containerd',
  '/var/lib/containerd',
  '/var/lib/docker',
  '/run/docker.sock',
  '/var/lib/containers',
  '/run/crio',
  '/var/lib/kubelet',
  '/etc/kubernetes/kubelet.conf',
  '/etc/cni/net.d',
  '/var/lib/rancher/k3s',
] as const;

/** comm of the processes that show a container host or a Kubernetes node. */
export const RUNTIME_PROCESSES = ['kubelet', 'kube-proxy', 'k3s', 'k3s-server', 'k3s-agent', 'containerd', 'dockerd', 'crio', 'podman'] as const;

/** comm of the processes that move virtual IP addresses between hosts. */
export const VIP_PROCESSES = ['keepalived', 'ucarp', 'vrrpd', 'pacemakerd', 'corosync'] as const;

/** Interfaces container networking creates: a veth end per container, bridges and overlays of CNI plugins. */
export const CONTAINER_INTERFACE = /^(veth|cni\d|cali|flannel\.|cilium_|lxc|weave$|kube-ipvs0$|kube-bridge$|docker\d|br-[0-9a-f]{12}$|vxlan\.calico$|tunl0$|podman\d)/;

/**
 * /proc/net/stat/nf_conntrack: a header of names, then a line of hex fields per CPU
 * (ct_cpu_seq_show(), net/netfilter/nf_conntrack_standalone.c@6.12.0; the names differ
 * between versions: `searched`/`delete_list` in 3.10, `clashres`/`chainlength` in 6.x).
 * Summed over CPUs, except `entries`, which every line repeats.
 */
export function parseConntrackStat(text: string): Record<string, number> | null {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return null;
  const names = lines[0]!.trim().split(/\s+/);
  const out: Record<string, number> = {};
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    names.forEach((name, i) => {
      const n = parseInt(fields[i] ?? '', 16);
      if (!Number.isFinite(n)) return;
      out[name] = name === 'entries' ? n : (out[name] ?? 0) + n;
    });
  }
  return Object.keys(out).length ? out : null;
}

/**
 * /proc/net/softnet_stat: a line of hex fields per online CPU; the first three are
 * processed, dropped (the backlog was over netdev_max_backlog) and time_squeeze (the
 * softirq ran out of netdev_budget or netdev_budget_usecs with work left)
 * (softnet_seq_show(), net/core/net-procfs.c@6.12.0; enqueue_to_backlog(), net/core/dev.c@6.12.0).
 */
export function parseSoftnetStat(text: string): NetStatFacts['softnet'] {
  const rows = text.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s+/).map((f) => parseInt(f, 16)));
  if (!rows.length || rows.some((r) => r.length < 3 || r.slice(0, 3).some((n) => !Number.isFinite(n)))) return null;
  const sum = (i: number) => rows.reduce((a, r) => a + r[i]!, 0);
  return { cpus: rows.length, processed: sum(0), dropped: sum(1), timeSqueeze: sum(2) };
}

function text(fs: HostFs, p: string): string | null {
  const r = fs.tryReadText(p);
  return 'text' in r ? r.text : null;
}

/** comm of every process under /proc that is one of `names`, once each, sorted. */
function processesNamed(fs: HostFs, names: readonly string[][]): string[][] {
  const found = names.map(() => new Set<string>());
  for (const pid of fs.readdir('/proc') ?? []) {
    if (!/^\d+$/.test(pid)) continue;
    const comm = text(fs, `/proc/${pid}/comm`)?.trim();
    if (comm) names.forEach((list, i) => list.includes(comm) && found[i]!.add(comm));
  }
  return found.map((s) => [...s].sort());
}

/**
 * The counters of knobs' last audit (COUNTER_SAMPLE_PATH) when they were taken in
 * this boot and before now; null otherwise (absent, another boot, unreadable or not
 * the shape knobs writes: a bad sample only costs the comparison).
 */
export function readCounterSample(fs: HostFs, bootId: string | null, nowMs: number): NetStatFacts['previous'] {
  if (!bootId) return null;
  let doc: unknown;
  try {
    // Only a sample root could have written counts: anyone else could hide overflows with it.
    fs.assertTrusted(path.posix.dirname(COUNTER_SAMPLE_PATH));
    fs.assertTrusted(COUNTER_SAMPLE_PATH);
    doc = JSON.parse(text(fs, COUNTER_SAMPLE_PATH) ?? 'null');
  } catch {
    return null;
  }
  if (!doc || typeof doc !== 'object') return null;
  const d = doc as { bootId?: unknown; timeMs?: unknown; counters?: unknown };
  if (d.bootId !== bootId || typeof d.timeMs !== 'number' || !(d.timeMs <= nowMs) || !d.counters || typeof d.counters !== 'object') return null;
  const counters: Record<string, number> = {};
  for (const [k, v] of Object.entries(d.counters as Record<string, unknown>)) {
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && k !== '__proto__') counters[k] = v;
  }
  return { ageSeconds: Math.round((nowMs - d.timeMs) / 1000), counters };
}

export function readNetStatFacts(fs: HostFs): NetStatFacts {
  const ct = text(fs, '/proc/net/stat/nf_conntrack');
  const softnet = text(fs, '/proc/net/softnet_stat');
  const uptime = Number((text(fs, '/proc/uptime') ?? '').split(/\s+/)[0]);
  const bootId = text(fs, '/proc/sys/kernel/random/boot_id')?.trim() || null;
  const marker = ['/.dockerenv', '/run/.containerenv'].find((p) => fs.exists(p));
  const manager = text(fs, '/run/systemd/container')?.trim() || null;
  const interfaces = fs.readdir('/sys/class/net') ?? [];
  const [runtimes, vip] = processesNamed(fs, [[...RUNTIME_PROCESSES], [...VIP_PROCESSES]]);
  return {
    conntrack: ct === null ? null : parseConntrackStat(ct),
    softnet: softnet === null ? null : parseSoftnetStat(softnet),
    interfaces,
    uptimeSeconds: Number.isFinite(uptime) && uptime > 0 ? uptime : null,
    bootId,
    previous: readCounterSample(fs, bootId, Date.now()),
    containers: {
      interfaces: interfaces.filter((n) => CONTAINER_INTERFACE.test(n)),
      paths: RUNTIME_PATHS.filter((p) => fs.exists(p)),
      processes: runtimes!,
      insideContainer: marker ?? (manager ? `/run/systemd/container: ${manager}` : null),
      vipProcesses: vip!,
      bridgeNfCallIptables: text(fs, '/proc/sys/net/bridge/bridge-nf-call-iptables')?.trim() ?? null,
    },
  };
}
