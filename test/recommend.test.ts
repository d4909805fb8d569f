// The role logic on its own (src/core/recommend.ts): each signal, the confidence it
// gives, and what it must not be fooled by. End to end on --root trees: test/cli/recommend.test.ts.
import { describe, expect, it } from 'vitest';
import { recommendRoles } from '../src/core/recommend.js';
import type { HostFacts, ListeningService, SystemFacts, WorkloadFacts } from '../src/core/types.js';
import { host } from './helpers/host.js';

const listener = (port: number, comm: string | null, addresses = ['0.0.0.0'], pid = 100 + port): ListeningService => ({
  port,
  addresses,
  processes: comm === null ? [] : [{ pid, comm, unit: null, nofile: { soft: 1024, hard: 524288 }, open: 10 }],
});

function facts(w: Partial<WorkloadFacts>, s: Partial<SystemFacts> = {}, sysctl: Record<string, string> = {}): HostFacts {
  return {
    ...host('6.1', { sysctl }),
    workload: { listeners: [], outbound: [], closeWait: [], incomingTimeWait: 0, ...w },
    system: { osRelease: null, uptimeSeconds: 100, present: [], initCgroup: null, containerManager: null, interfaces: [], ...s },
  };
}
const roles = (f: HostFacts) => recommendRoles(f).roles.map((r) => `${r.profile}:${r.confidence}`);

describe('recommendRoles', () => {
  it('a proxy that listens but has no backend traffic yet is a load balancer of medium confidence', () => {
    expect(roles(facts({ listeners: [listener(443, 'haproxy')] }))).toEqual(['load-balancer:medium']);
  });

  it('nginx with busy backends is both a reverse proxy and a web server', () => {
    const f = facts({ listeners: [listener(443, 'nginx')], outbound: [{ peer: '10.0.0.5:8080', open: 150, timeWait: 0, localPorts: 150 }] });
    expect(roles(f)).toEqual(['load-balancer:medium', 'web-node:medium']);
    expect(recommendRoles(f).suggested).toBe('load-balancer,web-node');
  });

  it('connections to a database do not count as backends of a proxy', () => {
    const f = facts({ listeners: [listener(443, 'nginx')], outbound: [{ peer: '10.0.0.7:5432', open: 500, timeWait: 0, localPorts: 500 }] });
    expect(roles(f)).toEqual(['web-node:medium', 'db-client:medium']);
  });

  it('sshd, loopback listeners and database servers are not web services', () => {
    const f = facts({ listeners: [listener(22, 'sshd'), listener(8080, 'java', ['127.0.0.1']), listener(5432, 'postgres')] });
    expect(roles(f)).toEqual([]);
    expect(recommendRoles(f).notes.join(' ')).toContain('postgres listens here: a database server');
  });

  it('a listener whose owner could not be inspected still counts, named as such', () => {
    const r = recommendRoles(facts({ listeners: [listener(8443, null)] }));
    expect(r.roles[0]!.evidence[0]!.message).toBe('a process knobs could not inspect listens on :8443 for other hosts');
  });

  it('a local database only is weak evidence', () => {
    expect(roles(facts({ outbound: [{ peer: '127.0.0.1:6379', open: 30, timeWait: 0, localPorts: 30 }] }))).toEqual(['db-client:low']);
  });

  it('ip_forward alone is a low hint of nat-facing; a Docker host adds to it; without forwarding, nothing', () => {
    expect(roles(facts({}, {}, { 'net.ipv4.ip_forward': '1' }))).toEqual(['nat-facing:low']);
    expect(roles(facts({}, { interfaces: ['docker0'] }, { 'net.ipv4.ip_forward': '1' }))).toEqual(['nat-facing:medium']);
    expect(roles(facts({}, { interfaces: ['docker0'] }))).toEqual([]);
  });

  it('a pod is not a Kubernetes node, and says it is a container', () => {
    const r = recommendRoles(facts({}, { present: ['/run/secrets/kubernetes.io/serviceaccount'], interfaces: ['eth0'] }, { 'net.ipv4.ip_forward': '1' }));
    expect(r.roles.map((x) => x.profile)).toEqual(['nat-facing']);
    expect(r.roles[0]!.confidence).toBe('low');
    expect(r.notes[0]).toMatch(/^This host is a container \(a Kubernetes service-account token is mounted \(a pod\)\)/);
  });

  it('TIME_WAIT holding a quarter of the ephemeral ports adds to a load balancer', () => {
    const f = facts(
      { listeners: [listener(443, 'haproxy')], outbound: [{ peer: '10.0.0.5:8080', open: 100, timeWait: 9000, localPorts: 9100 }] },
      {},
      { 'net.ipv4.ip_local_port_range': '32768 60999' },
    );
    const lb = recommendRoles(f).roles[0]!;
    expect(lb.evidence.map((e) => e.signal)).toEqual(['proxy-with-backends', 'ephemeral-ports']);
    expect(lb.evidence[1]!.message).toBe('connections to 10.0.0.5:8080 use 9,100 of 28,232 ephemeral ports (32%), 9,000 in TIME_WAIT');
  });

  it('an older snapshot without workload details uses listening ports and TIME_WAIT destinations', () => {
    const f = host('6.1', { sockets: { listenPorts: [22, 8080], timeWaitByDestination: [{ peer: '10.0.0.7:5432', count: 40 }] } });
    const r = recommendRoles(f);
    expect(r.roles.map((x) => `${x.profile}:${x.confidence}`)).toEqual(['web-node:medium', 'db-client:medium']);
    expect(r.notes).toContain('This snapshot has no process or connection details (taken by an older knobs): the evidence is thinner.');
  });

  it('the same facts give the same answer', () => {
    const f = facts({ listeners: [listener(443, 'haproxy'), listener(3000, 'node')] });
    expect(recommendRoles(structuredClone(f))).toEqual(recommendRoles(f));
  });
});
