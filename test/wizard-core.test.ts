// The wizard's pure parts: the first screen's facts and symptoms (src/core/host-summary.ts)
// and the trade-off questions with what each answer changes (src/core/tradeoffs.ts).
import { describe, expect, it } from 'vitest';
import { age, summarizeHost, symptoms } from '../src/core/host-summary.js';
import { decide, serviceCandidates, tradeoffQuestions } from '../src/core/tradeoffs.js';
import type { HostFacts, WorkloadFacts } from '../src/core/types.js';
import { host } from './helpers/host.js';

const proc = (pid: number, comm: string, soft: number, open: number, unit: string | null = `${comm}.service`) => ({ pid, comm, unit, nofile: { soft, hard: 524288 }, open });

function facts(w: Partial<WorkloadFacts> = {}, sysctl: Record<string, string> = {}, counters: Record<string, number> = {}, uptime = 3 * 86400): HostFacts {
  const f = host('6.1', { sysctl, sockets: { counters } });
  return {
    ...f,
    workload: { listeners: [], outbound: [], closeWait: [], incomingTimeWait: 0, ...w },
    system: { osRelease: { PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' }, uptimeSeconds: uptime, present: [], initCgroup: null, containerManager: null, interfaces: [] },
  };
}

describe('the first screen', () => {
  it('symptoms, worst first: port use against the range, listen overflows as a rate, CLOSE_WAIT owners, nofile', () => {
    const f = facts(
      {
        closeWait: [{ pid: 7, comm: 'java', count: 312 }],
        outbound: [{ peer: '10.0.0.5:8080', open: 100, timeWait: 20000, localPorts: 23000 }],
        listeners: [{ port: 8080, addresses: ['0.0.0.0'], processes: [proc(7, 'java', 1024, 990)] }],
      },
      { 'net.ipv4.ip_local_port_range': '32768 60999' },
      { 'TcpExt.ListenOverflows': 7200 },
    );
    expect(symptoms(f).map((s) => `${s.severity}: ${s.text}`)).toEqual([
      'critical: 20,000 TIME_WAIT to 10.0.0.5:8080: its 23,000 local ports are 81% of the 28,232 ephemeral ports (32768-60999)',
      'critical: java (pid 7) uses 990 of its 1,024 descriptors (soft nofile)',
      'warning: 312 CLOSE_WAIT held by java (pid 7): it does not close() connections its peers closed; no sysctl fixes that',
      'warning: 7,200 listen overflows since boot 3 d ago (about 100/h): connections dropped because accept() did not keep up',
    ]);
  });

  it('ages and rates read as an operator says them', () => {
    expect([age(90), age(7200), age(5 * 86400)]).toEqual(['1 min', '2 h', '5 d']);
    const rate = (n: number, up: number) => symptoms(facts({}, {}, { 'TcpExt.ListenOverflows': n }, up))[0]!.text;
    expect(rate(3, 86400)).toContain('(about 3/day)');
    expect(rate(120000, 3600)).toContain('(about 2,000/min)');
  });

  it('services: one line per program, serving first, then infrastructure, then loopback only', () => {
    const f = facts({
      listeners: [
        { port: 22, addresses: ['0.0.0.0'], processes: [proc(1, 'sshd', 1024, 5)] },
        { port: 80, addresses: ['0.0.0.0'], processes: [proc(2, 'nginx', 1024, 10), proc(3, 'nginx', 1024, 12)] },
        { port: 443, addresses: ['[::]'], processes: [proc(2, 'nginx', 1024, 10)] },
        { port: 9000, addresses: ['127.0.0.1'], processes: [proc(4, 'php-fpm8.2', 1024, 8)] },
      ],
    });
    const h = summarizeHost(f);
    expect(h.services.map((s) => `${s.comm} ${s.ports.join(',')} ${s.local ? 'local' : s.infrastructure ? 'infra' : 'serving'}`)).toEqual([
      'nginx 80,443 serving',
      'sshd 22 infra',
      'php-fpm8.2 9000 local',
    ]);
    expect(h.distribution).toBe('Debian GNU/Linux 12 (bookworm)');
  });
});

describe('trade-off questions', () => {
  it('each is asked only where it decides something', () => {
    const plain = facts();
    expect(tradeoffQuestions(plain, ['web-node']).map((q) => q.id)).toEqual(['clients-behind-nat']);
    expect(tradeoffQuestions(plain, ['db-client']).map((q) => q.id)).toEqual(['backends-close-first']);
    expect(tradeoffQuestions(plain, ['load-balancer']).map((q) => q.id)).toEqual(['clients-behind-nat', 'backends-close-first']);
    const forwarding = facts({}, { 'net.ipv4.ip_forward': '1' });
    expect(tradeoffQuestions(forwarding, ['web-node']).map((q) => q.id)).toEqual(['nat-gateway', 'clients-behind-nat']);
    expect(tradeoffQuestions(forwarding, ['web-node', 'nat-facing']).map((q) => q.id)).toEqual(['clients-behind-nat']);
    for (const q of tradeoffQuestions(forwarding, ['load-balancer'])) expect(q.why.length).toBeGreaterThan(80);
  });

  it('what this host does now sets the default answer', () => {
    const closesFirst = facts({ outbound: [{ peer: '10.0.0.5:8080', open: 10, timeWait: 500, localPorts: 510 }] });
    expect(tradeoffQuestions(closesFirst, ['load-balancer']).find((q) => q.id === 'backends-close-first')).toMatchObject({
      dflt: 'no',
      seen: '500 TIME_WAIT towards its destinations now: this host closed those first',
    });
    const node = facts({ listeners: [{ port: 10250, addresses: ['0.0.0.0'], processes: [proc(9, 'kubelet', 1024, 30)] }] }, { 'net.ipv4.ip_forward': '1' });
    expect(tradeoffQuestions(node, ['web-node'])[0]).toMatchObject({ id: 'nat-gateway', dflt: 'yes' });
  });

  it('what each answer changes', () => {
    expect(decide(['web-node'], { 'nat-gateway': 'yes' })).toMatchObject({ addRoles: ['nat-facing'] });
    expect(decide(['web-node'], { 'nat-gateway': 'no', 'clients-behind-nat': 'unsure', 'backends-close-first': 'unsure' })).toEqual({ addRoles: [], borrow: [], skipByDefault: {}, keep: {} });
    const nat = decide(['web-node'], { 'clients-behind-nat': 'yes' });
    expect(nat.borrow).toEqual([{ from: 'db-client', keys: ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'], why: 'clients reach this host through NAT' }]);
    expect(Object.keys(nat.keep)).toEqual(['net.ipv4.tcp_tw_recycle']);
    expect(decide(['web-node', 'db-client'], { 'clients-behind-nat': 'yes' }).borrow).toEqual([]); // db-client has them already
    expect(Object.keys(decide(['db-client'], { 'backends-close-first': 'yes' }).skipByDefault)).toEqual(['net.ipv4.tcp_tw_reuse', 'net.ipv4.ip_local_port_range']);
  });

  it('services offered for a LimitNOFILE drop-in: units listening for other hosts, proposed at the default limit or busy', () => {
    const f = facts({
      listeners: [
        { port: 22, addresses: ['0.0.0.0'], processes: [proc(1, 'sshd', 1024, 5, 'ssh.service')] },
        { port: 443, addresses: ['0.0.0.0'], processes: [proc(2, 'haproxy', 1024, 100)] },
        { port: 8080, addresses: ['0.0.0.0'], processes: [proc(3, 'java', 65536, 40000, 'shop.service')] },
        { port: 9090, addresses: ['0.0.0.0'], processes: [proc(4, 'prometheus', 65536, 200)] },
        { port: 9000, addresses: ['127.0.0.1'], processes: [proc(5, 'php-fpm8.2', 1024, 8)] },
        { port: 7000, addresses: ['0.0.0.0'], processes: [proc(6, 'worker', 1024, 8, null)] },
      ],
    });
    expect(serviceCandidates(f).map((c) => `${c.unit} ${c.proposed}`)).toEqual(['haproxy.service true', 'prometheus.service false', 'shop.service true']);
  });
});
