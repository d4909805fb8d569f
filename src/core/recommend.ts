// `knobs recommend` and the wizard's role proposal: which shipped roles this host
// looks like, each with the evidence that says so, as `tuned-adm recommend` does for
// tuned profiles. Pure: the same facts give the same roles, so a snapshot taken with
// `knobs facts --json` is judged exactly like the live host (fleet reports).
//
// Evidence is what the host does now, never what it is called: who listens (and on
// which addresses), where its connections go, whether it forwards packets, and the
// files a container runtime or Kubernetes leaves behind. Each signal adds points to
// a role; 4 or more is high confidence, 2-3 medium, 1 low.

import type { Destination, HostFacts, ListeningService, ServiceProcess } from './types.js';
import { toInt } from './values.js';

export type Confidence = 'high' | 'medium' | 'low';

export interface Evidence {
  /** Stable id of the kind of evidence (for scripts): `proxy-listener`, `backend-connections`, … */
  signal: string;
  message: string;
}

export interface RoleRecommendation {
  profile: string;
  confidence: Confidence;
  evidence: Evidence[];
}

export interface Recommendation {
  roles: RoleRecommendation[];
  /** High and medium roles joined for `--profile` (empty when none). */
  suggested: string;
  /** What the roles do not say but an operator should know (inside a container, a database server…). */
  notes: string[];
}

/** The order roles are listed in at equal confidence (and combined in `suggested`). */
export const ROLE_ORDER = ['load-balancer', 'web-node', 'db-client', 'nat-facing'] as const;

/**
 * Paths whose presence is a sign (read by src/host/system.ts). A pod has its
 * service-account token mounted; a node has kubelet's configuration (kubeadm,
 * k3s) and CNI configuration; Docker and Podman mark their containers with
 * /.dockerenv and /run/.containerenv, and systemd as PID 1 writes what it detected
 * to /run/systemd/container (both as systemd-detect-virt reads them:
 * src/basic/virt.c detect_container() / detect_container_files(), systemd@0099e558).
 */
export const ENVIRONMENT_PATHS = [
  '/.dockerenv',
  '/run/.containerenv',
  '/run/secrets/kubernetes.io/serviceaccount',
  '/var/run/secrets/kubernetes.io/serviceaccount',
  '/etc/kubernetes/kubelet.conf',
  '/var/lib/kubelet/config.yaml',
  '/etc/rancher/k3s',
  '/etc/cni/net.d',
  '/var/lib/docker',
] as const;

// Process names (comm: at most 15 characters, TASK_COMM_LEN 16 in include/linux/sched.h) of listeners, by what they usually are.
const PROXIES = new Set(['haproxy', 'envoy', 'traefik', 'varnishd', 'pen', 'sniproxy', 'hitch', 'stunnel', 'stunnel4', 'nghttpx', 'squid', 'pgbouncer', 'proxysql', 'odyssey']);
const WEB_SERVERS = new Set(['nginx', 'caddy', 'apache2', 'httpd', 'lighttpd', 'h2o']);
const APP_RUNTIMES = [/^node(js)?$/, /^java$/, /^python[0-9.]*$/, /^gunicorn/, /^uwsgi$/, /^uvicorn$/, /^php-fpm/, /^puma/, /^unicorn/, /^ruby[0-9.]*$/, /^dotnet$/, /^beam\.smp$/, /^deno$/, /^bun$/];
const DATABASE_SERVERS = new Set(['postgres', 'postmaster', 'mysqld', 'mariadbd', 'redis-server', 'mongod', 'memcached', 'clickhouse-serv', 'cassandra']);
const INFRASTRUCTURE = new Set([
  'sshd', 'sshd-session', 'systemd', 'systemd-resolve', 'systemd-network', 'chronyd', 'ntpd', 'rpcbind', 'rpc.statd',
  'avahi-daemon', 'cupsd', 'master', 'exim4', 'sendmail', 'dnsmasq', 'kubelet', 'kube-proxy', 'containerd', 'dockerd',
  'docker-proxy', 'node_exporter', 'snmpd', 'rsyslogd', 'zabbix_agentd', 'zabbix_agent2', 'cockpit-ws', 'dhclient',
]);
/** Well-known infrastructure ports, for listeners whose owner could not be named. */
const INFRASTRUCTURE_PORTS = new Set([22, 25, 53, 111, 323, 631, 2379, 2380, 6443, 9100, 10248, 10249, 10250, 10256, 10257, 10259]);
/** Database ports this host may connect to as a client. */
export const DATABASE_PORTS: Readonly<Record<number, string>> = {
  1433: 'SQL Server', 1521: 'Oracle', 3306: 'MySQL', 5432: 'PostgreSQL', 6379: 'Redis', 6432: 'PgBouncer',
  9042: 'Cassandra', 9200: 'Elasticsearch', 11211: 'memcached', 27017: 'MongoDB',
};
const KUBELET = new Set(['kubelet', 'kube-proxy', 'k3s', 'k3s-server', 'k3s-agent']);
const CNI_INTERFACES = [/^cni\d*$/, /^flannel\./, /^cali/, /^cilium_/, /^weave$/, /^kube-ipvs0$/, /^vxlan\.calico$/, /^kube-bridge$/];

/** Connections to one backend that make a host with a public listener look like a proxy. */
const BACKEND_CONNECTIONS = 100;
/** Connections to a database that look like a pool rather than a one-off. */
const DATABASE_POOL = 20;
/** Tracked flows that show conntrack is really used (not just loaded). */
const CONNTRACK_IN_USE = 1000;

export function thousands(n: number): string {
  const s = String(Math.abs(Math.round(n)));
  let out = '';
  for (let i = s.length; i > 0; i -= 3) out = s.slice(Math.max(0, i - 3), i) + (out ? ',' + out : '');
  return (n < 0 ? '-' : '') + out;
}

export const isLoopbackAddress = (a: string): boolean => /^127\./.test(a) || a === '[::1]' || a === '::1' || /^\[::ffff:127\./.test(a);
export const peerPort = (peer: string): number => Number(peer.slice(peer.lastIndexOf(':') + 1));
export const peerAddress = (peer: string): string => peer.slice(0, peer.lastIndexOf(':'));

const isProxy = (c: string | null) => c !== null && PROXIES.has(c);
const isWebServer = (c: string | null) => c !== null && WEB_SERVERS.has(c);
const isAppRuntime = (c: string | null) => c !== null && APP_RUNTIMES.some((r) => r.test(c));
export const isDatabaseServer = (c: string | null): boolean => c !== null && DATABASE_SERVERS.has(c);

/** Reachable from other hosts: bound to something other than loopback. */
export const isPublic = (l: ListeningService): boolean => l.addresses.some((a) => !isLoopbackAddress(a));

export function isInfrastructure(l: ListeningService): boolean {
  if (l.processes.length) return l.processes.every((p) => p.comm !== null && INFRASTRUCTURE.has(p.comm));
  return INFRASTRUCTURE_PORTS.has(l.port);
}

/** Listeners that serve this host's workload: public, not sshd and friends. */
export function serviceListeners(facts: HostFacts): ListeningService[] {
  const w = facts.workload;
  if (w) return w.listeners.filter((l) => isPublic(l) && !isInfrastructure(l));
  // An older snapshot: ports only, owners unknown.
  return facts.sockets.listenPorts.filter((p) => !INFRASTRUCTURE_PORTS.has(p)).map((port) => ({ port, addresses: ['*'], processes: [] }));
}

/** Outgoing destinations, busiest first (TIME_WAIT only, from an older snapshot). */
export function destinations(facts: HostFacts): Destination[] {
  if (facts.workload) return facts.workload.outbound;
  return facts.sockets.timeWaitByDestination.map((d) => ({ peer: d.peer, open: 0, timeWait: d.count, localPorts: d.count }));
}

const total = (d: Destination) => d.open + d.timeWait;

interface Process {
  comm: string | null;
  pid: number | null;
  ports: number[];
}

/** Listening processes, each with all its service ports. */
function listeningProcesses(listeners: readonly ListeningService[]): Process[] {
  const out = new Map<string, Process>();
  for (const l of listeners) {
    const owners: (ServiceProcess | null)[] = l.processes.length ? l.processes : [null];
    for (const p of owners) {
      // Workers of one server share its sockets: one entry per name.
      const id = p?.comm ?? `?${l.port}`;
      let e = out.get(id);
      if (!e) out.set(id, (e = { comm: p?.comm ?? null, pid: p?.pid ?? null, ports: [] }));
      if (!e.ports.includes(l.port)) e.ports.push(l.port);
    }
  }
  return [...out.values()];
}

function ports(list: readonly number[]): string {
  const sorted = [...list].sort((a, b) => a - b);
  const shown = sorted.slice(0, 3).map((p) => `:${p}`);
  return sorted.length > 3 ? `${shown.join(', ')} and ${sorted.length - 3} more` : shown.join(', ');
}

function who(p: Process): string {
  return p.comm ? `${p.comm}${p.pid !== null ? ` (pid ${p.pid})` : ''}` : 'a process knobs could not inspect';
}

function connectionsTo(list: readonly Destination[], what: string): string {
  const n = list.reduce((a, d) => a + total(d), 0);
  const top = list[0]!;
  const more = list.length > 1 ? ` and ${list.length - 1} more ${what}${list.length > 2 ? 's' : ''}` : '';
  return `${thousands(n)} connection${n === 1 ? '' : 's'} to ${top.peer}${more}`;
}

/** Signs that this host is itself a container (the roles still apply to what runs in it). */
export function containerSigns(facts: HostFacts): string[] {
  const s = facts.system;
  if (!s) return [];
  const out: string[] = [];
  if (s.present.includes('/.dockerenv')) out.push('/.dockerenv exists (a Docker container)');
  if (s.present.includes('/run/.containerenv')) out.push('/run/.containerenv exists (a Podman container)');
  if (s.present.some((p) => p.endsWith('/secrets/kubernetes.io/serviceaccount'))) out.push('a Kubernetes service-account token is mounted (a pod)');
  if (s.containerManager) out.push(`systemd says it runs in ${s.containerManager}`);
  const cg = /\/(docker|kubepods|libpod|lxc|containerd)[-./]/.exec(s.initCgroup ?? '');
  if (cg) out.push(`PID 1 runs in a ${cg[1]} cgroup`);
  return out;
}

/** Signs that this host is a Kubernetes node (runs kubelet and a pod network). */
export function kubernetesNodeSigns(facts: HostFacts): string[] {
  const out: string[] = [];
  for (const l of facts.workload?.listeners ?? []) {
    for (const p of l.processes) if (p.comm && KUBELET.has(p.comm) && !out.some((o) => o.startsWith(p.comm!))) out.push(`${p.comm} listens on :${l.port}`);
  }
  const s = facts.system;
  if (s) {
    for (const p of ['/etc/kubernetes/kubelet.conf', '/var/lib/kubelet/config.yaml', '/etc/rancher/k3s']) if (s.present.includes(p)) out.push(`${p} exists`);
    const cni = s.interfaces.filter((i) => CNI_INTERFACES.some((r) => r.test(i)));
    if (cni.length) out.push(`pod network interface${cni.length > 1 ? 's' : ''} ${cni.slice(0, 3).join(', ')}`);
  }
  return out;
}

/** Signs that this host runs containers with their own network (Docker publishes ports through NAT). */
export function containerHostSigns(facts: HostFacts): string[] {
  const s = facts.system;
  const out: string[] = [];
  if (s?.interfaces.includes('docker0')) out.push('docker0 interface');
  if (s?.present.includes('/var/lib/docker') && !out.length) out.push('/var/lib/docker exists');
  for (const l of facts.workload?.listeners ?? []) {
    if (l.processes.some((p) => p.comm === 'docker-proxy')) {
      out.push(`docker-proxy publishes :${l.port}`);
      break;
    }
  }
  return out;
}

export function conntrackUse(facts: HostFacts): { count: number; max: number; percent: number } | null {
  const count = toInt(facts.sysctl['net.netfilter.nf_conntrack_count']?.live);
  const max = toInt(facts.sysctl['net.netfilter.nf_conntrack_max']?.live);
  if (count === undefined || max === undefined || max <= 0) return null;
  return { count, max, percent: Math.round((1000 * count) / max) / 10 };
}

class Scores {
  readonly points = new Map<string, number>();
  readonly evidence = new Map<string, Evidence[]>();
  add(role: string, points: number, signal: string, message: string): void {
    this.points.set(role, (this.points.get(role) ?? 0) + points);
    const list = this.evidence.get(role) ?? [];
    list.push({ signal, message });
    this.evidence.set(role, list);
  }
}

function loadBalancer(facts: HostFacts, procs: readonly Process[], backends: readonly Destination[], s: Scores): void {
  const conns = backends.reduce((a, d) => a + total(d), 0);
  const proxy = procs.find((p) => isProxy(p.comm));
  const web = procs.find((p) => isWebServer(p.comm));
  const busy = conns >= BACKEND_CONNECTIONS;
  const front = proxy ?? web ?? procs.find((p) => !isDatabaseServer(p.comm));
  if (proxy && busy) s.add('load-balancer', 4, 'proxy-with-backends', `${who(proxy)} listens on ${ports(proxy.ports)} and this host holds ${connectionsTo(backends, 'backend')}`);
  else if (proxy) s.add('load-balancer', 3, 'proxy-listener', `${who(proxy)} listens on ${ports(proxy.ports)}: a proxy`);
  else if (web && busy) s.add('load-balancer', 3, 'reverse-proxy', `${who(web)} listens on ${ports(web.ports)} and this host holds ${connectionsTo(backends, 'backend')}`);
  else if (front && conns >= 10 * BACKEND_CONNECTIONS) s.add('load-balancer', 2, 'backend-connections', `${who(front)} listens on ${ports(front.ports)} and this host holds ${connectionsTo(backends, 'destination')}`);
  else if (front && busy) s.add('load-balancer', 1, 'backend-connections', `${who(front)} listens on ${ports(front.ports)} and this host holds ${connectionsTo(backends, 'destination')}`);
  if (!s.points.has('load-balancer')) return;
  const range = portRange(facts);
  const worst = [...backends].sort((a, b) => b.localPorts - a.localPorts)[0];
  if (worst && range && worst.timeWait > 0 && worst.localPorts >= range.usable / 4) {
    s.add('load-balancer', 1, 'ephemeral-ports', `connections to ${worst.peer} use ${thousands(worst.localPorts)} of ${thousands(range.usable)} ephemeral ports (${Math.round((100 * worst.localPorts) / range.usable)}%), ${thousands(worst.timeWait)} in TIME_WAIT`);
  }
}

function webNode(facts: HostFacts, procs: readonly Process[], s: Scores): void {
  const candidates = procs.filter((p) => !isProxy(p.comm) && !isDatabaseServer(p.comm));
  // One listener is evidence enough: the most telling one.
  const app = candidates.find((p) => isAppRuntime(p.comm));
  const web = candidates.find((p) => isWebServer(p.comm));
  const other = candidates[0];
  if (app) s.add('web-node', 3, 'app-listener', `${who(app)} listens on ${ports(app.ports)}: an application server`);
  else if (web) s.add('web-node', 2, 'web-server-listener', `${who(web)} listens on ${ports(web.ports)}`);
  else if (other) s.add('web-node', 2, 'service-listener', `${who(other)} listens on ${ports(other.ports)} for other hosts`);
  if (!s.points.has('web-node')) return;
  const tw = facts.workload?.incomingTimeWait ?? 0;
  if (tw >= BACKEND_CONNECTIONS) s.add('web-node', 1, 'short-inbound-connections', `${thousands(tw)} TIME_WAIT on listening ports: clients come and go`);
  const overflows = facts.sockets.counters['TcpExt.ListenOverflows'] ?? 0;
  if (overflows > 0) s.add('web-node', 1, 'listen-overflows', `accept queues overflowed ${thousands(overflows)} times since boot`);
}

function dbClient(dbs: readonly Destination[], s: Scores): void {
  if (!dbs.length) return;
  const remote = dbs.filter((d) => !isLoopbackAddress(peerAddress(d.peer)));
  const conns = remote.reduce((a, d) => a + total(d), 0);
  const name = (d: Destination) => `${DATABASE_PORTS[peerPort(d.peer)]} at ${d.peer}`;
  if (remote.length) {
    const top = remote[0]!;
    const more = remote.length > 1 ? ` and ${remote.length - 1} more database${remote.length > 2 ? 's' : ''}` : '';
    const msg = `this host holds ${thousands(conns)} connection${conns === 1 ? '' : 's'} to ${name(top)}${more}`;
    s.add('db-client', conns >= DATABASE_POOL ? 3 : 2, conns >= DATABASE_POOL ? 'database-pool' : 'database-connections', msg);
  } else {
    s.add('db-client', 1, 'local-database', `connections to ${name(dbs[0]!)} on this host only`);
  }
  const churn = dbs.find((d) => d.timeWait >= BACKEND_CONNECTIONS);
  if (churn) s.add('db-client', 1, 'database-churn', `${thousands(churn.timeWait)} TIME_WAIT towards ${churn.peer}: connections are opened and closed, not pooled`);
}

function natFacing(facts: HostFacts, s: Scores): void {
  const forward = facts.sysctl['net.ipv4.ip_forward']?.live === '1';
  const node = kubernetesNodeSigns(facts);
  const pod = containerSigns(facts).some((c) => c.includes('pod'));
  if (!forward && !node.length) return;
  if (node.length && !pod) s.add('nat-facing', 3, 'kubernetes-node', `a Kubernetes node: ${node.slice(0, 3).join('; ')}`);
  if (forward) s.add('nat-facing', 1, 'ip-forward', 'ip_forward is 1: this host routes packets between interfaces');
  const dockerHost = containerHostSigns(facts);
  if (forward && dockerHost.length && !node.length) s.add('nat-facing', 1, 'container-host', `runs containers behind NAT: ${dockerHost.join('; ')}`);
  const ct = conntrackUse(facts);
  if (ct && ct.count >= CONNTRACK_IN_USE) s.add('nat-facing', 1, 'conntrack', `conntrack tracks ${thousands(ct.count)} flows (${ct.percent}% of ${thousands(ct.max)})`);
}

export function portRange(facts: HostFacts): { lo: number; hi: number; usable: number } | null {
  const m = /^(\d+) (\d+)$/.exec(facts.sysctl['net.ipv4.ip_local_port_range']?.live ?? '');
  if (!m) return null;
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  return hi >= lo ? { lo, hi, usable: hi - lo + 1 } : null;
}

export function confidenceOf(points: number): Confidence | null {
  return points >= 4 ? 'high' : points >= 2 ? 'medium' : points >= 1 ? 'low' : null;
}

const RANK: Record<Confidence, number> = { high: 0, medium: 1, low: 2 };

export function recommendRoles(facts: HostFacts): Recommendation {
  const listeners = serviceListeners(facts);
  const procs = listeningProcesses(listeners);
  const out = destinations(facts);
  const remote = out.filter((d) => !isLoopbackAddress(peerAddress(d.peer)));
  const backends = remote.filter((d) => DATABASE_PORTS[peerPort(d.peer)] === undefined);
  const dbs = out.filter((d) => DATABASE_PORTS[peerPort(d.peer)] !== undefined);

  const s = new Scores();
  loadBalancer(facts, procs, backends, s);
  webNode(facts, procs, s);
  dbClient(dbs, s);
  natFacing(facts, s);

  const roles: RoleRecommendation[] = [];
  for (const profile of ROLE_ORDER) {
    const c = confidenceOf(s.points.get(profile) ?? 0);
    if (c) roles.push({ profile, confidence: c, evidence: s.evidence.get(profile) ?? [] });
  }
  roles.sort((a, b) => RANK[a.confidence] - RANK[b.confidence]);

  const notes: string[] = [];
  const inside = containerSigns(facts);
  if (inside.length) {
    notes.push(
      `This host is a container (${inside[0]}): fs.* and vm.* keys belong to the machine it runs on, and most net.* keys are set by the ` +
        'runtime or the pod spec (securityContext.sysctls); knobs can change only what this /proc/sys lets it write.',
    );
  }
  const dbServer = (facts.workload?.listeners ?? []).flatMap((l) => l.processes).find((p) => isDatabaseServer(p.comm));
  if (dbServer) notes.push(`${dbServer.comm} listens here: a database server, which no shipped profile describes.`);
  if (!facts.workload) notes.push('This snapshot has no process or connection details (taken by an older knobs): the evidence is thinner.');
  return {
    roles,
    suggested: roles.filter((r) => r.confidence !== 'low').map((r) => r.profile).join(','),
    notes,
  };
}
