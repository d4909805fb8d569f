// The wizard's first screen as data: what knobs sees on this host, and the worst
// symptoms first. Pure (the CLI renders it), so a snapshot gives the same screen.

import {
  conntrackUse,
  containerHostSigns,
  containerSigns,
  destinations,
  isInfrastructure,
  isPublic,
  kubernetesNodeSigns,
  portRange,
  thousands,
} from './recommend.js';
import type { Destination, HostFacts, RLimit, Severity } from './types.js';
import { toInt } from './values.js';

export interface ServiceLine {
  ports: number[];
  /** Bound to loopback only: not reachable from other hosts. */
  local: boolean;
  comm: string | null;
  pid: number | null;
  unit: string | null;
  nofile: RLimit | null;
  open: number | null;
  /** sshd, kubelet and the like. */
  infrastructure: boolean;
}

export interface Symptom {
  severity: Severity;
  text: string;
}

export interface HostSummary {
  kernel: string;
  distribution: string | null;
  loader: 'systemd-sysctl' | 'sysctl --system';
  /** sysctl config files the boot loader reads. */
  bootFiles: number;
  services: ServiceLine[];
  outbound: Destination[];
  ipForward: string | null;
  conntrack: { count: number; max: number; percent: number } | null;
  /** Container, container-host and Kubernetes signs, in words. */
  environment: string[];
  symptoms: Symptom[];
}

/** 93784 s → `1 d`, 7200 → `2 h`, 300 → `5 min`. */
export function age(seconds: number): string {
  if (seconds >= 2 * 86400) return `${Math.floor(seconds / 86400)} d`;
  if (seconds >= 2 * 3600) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.max(1, Math.floor(seconds / 60))} min`;
}

function rate(count: number, seconds: number): string {
  const perHour = (count * 3600) / seconds;
  if (perHour >= 600) return `about ${thousands(perHour / 60)}/min`;
  if (perHour >= 1) return `about ${thousands(perHour)}/h`;
  return `about ${thousands(perHour * 24)}/day`;
}

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export function symptoms(facts: HostFacts): Symptom[] {
  const out: Symptom[] = [];
  const w = facts.workload;
  const cw = facts.sockets.states.CLOSE_WAIT;
  if (w?.closeWait.length) {
    for (const p of w.closeWait.slice(0, 2)) {
      out.push({
        severity: p.count >= 100 ? 'warning' : 'info',
        text: `${thousands(p.count)} CLOSE_WAIT held by ${p.comm ?? '?'} (pid ${p.pid}): it does not close() connections its peers closed; no sysctl fixes that`,
      });
    }
  } else if (cw > 0) {
    out.push({ severity: cw >= 100 ? 'warning' : 'info', text: `${thousands(cw)} CLOSE_WAIT: an application does not close() connections its peers closed (\`knobs sockets\` names it)` });
  }
  const range = portRange(facts);
  const worst = destinations(facts).filter((d) => d.timeWait > 0).sort((a, b) => b.localPorts - a.localPorts)[0];
  if (worst && range) {
    const pct = Math.round((100 * worst.localPorts) / range.usable);
    out.push({
      severity: pct >= 80 ? 'critical' : pct >= 50 ? 'warning' : 'info',
      text: `${thousands(worst.timeWait)} TIME_WAIT to ${worst.peer}: its ${thousands(worst.localPorts)} local ports are ${pct}% of the ${thousands(range.usable)} ephemeral ports (${range.lo}-${range.hi})`,
    });
  }
  const overflows = facts.sockets.counters['TcpExt.ListenOverflows'] ?? 0;
  const up = facts.system?.uptimeSeconds ?? null;
  if (overflows > 0) {
    out.push({
      severity: 'warning',
      text:
        `${thousands(overflows)} listen overflows` +
        (up ? ` since boot ${age(up)} ago (${rate(overflows, up)})` : ' since boot') +
        ': connections dropped because accept() did not keep up',
    });
  }
  const ct = conntrackUse(facts);
  if (ct && ct.percent >= 80) {
    out.push({ severity: ct.percent >= 95 ? 'critical' : 'warning', text: `conntrack holds ${thousands(ct.count)} of ${thousands(ct.max)} flows (${ct.percent}%): new flows are dropped at 100%` });
  }
  for (const s of w?.listeners ?? []) {
    for (const p of s.processes) {
      const soft = p.nofile?.soft;
      if (soft && p.open !== null && p.open >= 0.8 * soft && !out.some((o) => o.text.includes(`(pid ${p.pid}) uses`))) {
        out.push({ severity: p.open >= 0.95 * soft ? 'critical' : 'warning', text: `${p.comm ?? '?'} (pid ${p.pid}) uses ${thousands(p.open)} of its ${thousands(soft)} descriptors (soft nofile)` });
      }
    }
  }
  const tw = facts.sockets.counters['sockstat.tw'];
  const twMax = toInt(facts.sysctl['net.ipv4.tcp_max_tw_buckets']?.live);
  if (tw !== undefined && twMax && tw >= 0.8 * twMax) {
    out.push({ severity: 'warning', text: `${thousands(tw)} TIME_WAIT of at most ${thousands(twMax)} (tcp_max_tw_buckets): beyond it sockets close without TIME_WAIT` });
  }
  return out.sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}

export function summarizeHost(facts: HostFacts): HostSummary {
  const os = facts.system?.osRelease;
  const loader = facts.sysctlConfig.loader;
  // One line per program (its workers share the sockets), per reachability.
  const byProgram = new Map<string, ServiceLine>();
  for (const l of facts.workload?.listeners ?? []) {
    for (const p of l.processes.length ? l.processes : [null]) {
      const key = p?.comm ? `${p.comm}|${isPublic(l)}` : `?${l.port}`;
      const seen = byProgram.get(key);
      if (seen) {
        if (!seen.ports.includes(l.port)) seen.ports.push(l.port);
        continue;
      }
      byProgram.set(key, {
        ports: [l.port],
        local: !isPublic(l),
        comm: p?.comm ?? null,
        pid: p?.pid ?? null,
        unit: p?.unit ?? null,
        nofile: p?.nofile ?? null,
        open: p?.open ?? null,
        infrastructure: isInfrastructure(l),
      });
    }
  }
  const services = [...byProgram.values()];
  // What the host serves first, then infrastructure, then loopback-only listeners.
  const order = (s: ServiceLine) => (s.local ? 2 : s.infrastructure ? 1 : 0);
  services.sort((a, b) => order(a) - order(b) || a.ports[0]! - b.ports[0]!);
  const inside = containerSigns(facts);
  const node = kubernetesNodeSigns(facts);
  const dockerHost = containerHostSigns(facts);
  return {
    kernel: facts.kernel.release,
    distribution: os ? (os.PRETTY_NAME ?? ([os.NAME, os.VERSION_ID].filter(Boolean).join(' ') || null)) : null,
    loader: loader === 'systemd' ? 'systemd-sysctl' : 'sysctl --system',
    bootFiles: facts.sysctlConfig.files.filter((f) => f.readBy.includes(loader) && !f.masked && !f.shadowedBy).length,
    services,
    outbound: destinations(facts),
    ipForward: facts.sysctl['net.ipv4.ip_forward']?.live ?? null,
    conntrack: conntrackUse(facts),
    environment: [
      ...inside.map((s) => `inside a container: ${s}`),
      ...(node.length ? [`Kubernetes node: ${node.join('; ')}`] : []),
      ...(dockerHost.length ? [`runs containers: ${dockerHost.join('; ')}`] : []),
    ],
    symptoms: symptoms(facts),
  };
}
