// The questions whose answers decide a trade-off the facts cannot, each saying why it
// matters and what knobs sees that bears on it, and what each answer changes in
// the plan. Pure: the wizard asks them (src/cli/commands/wizard.ts).
//
// What the answers change:
//  - NAT gateway or Kubernetes node → the nat-facing role (ip_forward=1, a conntrack
//    table sized for forwarded flows). Asked only when forwarding or container signs
//    are seen and nat-facing was not chosen already.
//  - Clients through NAT → keepalive below common NAT idle timeouts, borrowed from
//    db-client (tcp_keepalive_time/intvl/probes: they drive this host's own sockets;
//    nat-facing does not set them, a gateway's keepalive never reaches forwarded flows), and tcp_tw_recycle kept at 0 where
//    the kernel still has it. Asked for the roles that serve clients.
//  - Backends that close first → the TIME_WAIT is theirs: tcp_tw_reuse and a wider
//    ip_local_port_range do nothing here, so their changes default to "skip".
//    Asked for the roles that connect out (load-balancer, db-client).
//  - Which services need higher limits → a LimitNOFILE= drop-in per unit chosen
//    (systemd services never read limits.conf).

import { containerHostSigns, kubernetesNodeSigns, conntrackUse, destinations, isInfrastructure, isPublic, peerAddress, isLoopbackAddress, thousands } from './recommend.js';
import type { HostFacts } from './types.js';

export type Answer = 'yes' | 'no' | 'unsure';
export type QuestionId = 'nat-gateway' | 'clients-behind-nat' | 'backends-close-first';

export interface Question {
  id: QuestionId;
  ask: string;
  why: string;
  /** What knobs sees that bears on the answer, when anything does. */
  seen: string | null;
  dflt: Answer;
}

export const KEEPALIVE_KEYS = ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'] as const;
export const TIME_WAIT_KEYS = ['net.ipv4.tcp_tw_reuse', 'net.ipv4.ip_local_port_range'] as const;

const SERVING = ['load-balancer', 'web-node'];
const CONNECTING = ['load-balancer', 'db-client'];

export function tradeoffQuestions(facts: HostFacts, roles: readonly string[]): Question[] {
  const out: Question[] = [];
  const forward = facts.sysctl['net.ipv4.ip_forward']?.live === '1';
  const node = kubernetesNodeSigns(facts);
  const containers = containerHostSigns(facts);
  const ct = conntrackUse(facts);
  if (!roles.includes('nat-facing') && (forward || node.length || containers.length || (ct?.count ?? 0) > 0)) {
    const seen = [
      forward ? 'ip_forward is 1' : 'ip_forward is 0',
      ...(ct && ct.count > 0 ? [`conntrack tracks ${thousands(ct.count)} flows`] : []),
      ...node.slice(0, 2),
      ...containers.slice(0, 1),
    ].join('; ');
    out.push({
      id: 'nat-gateway',
      ask: 'Is this host a NAT gateway or a Kubernetes node (does it forward other machines\' traffic)?',
      why:
        'Then it needs ip_forward=1 and a conntrack table sized for every forwarded flow, or new flows are dropped ' +
        'when the table fills (the nat-facing role). On any other host knobs leaves forwarding as it is.',
      seen,
      dflt: node.length ? 'yes' : 'unsure',
    });
  }
  if (roles.some((r) => SERVING.includes(r))) {
    const tr = facts.sysctl['net.ipv4.tcp_tw_recycle'];
    out.push({
      id: 'clients-behind-nat',
      ask: 'Do clients reach this host through NAT (mobile networks, offices, a cloud NAT gateway)?',
      why:
        'Many clients then share one address with unrelated TCP timestamp clocks: tcp_tw_recycle (removed in 4.12) ' +
        'drops their connections and timestamps must stay on. A NAT forgets an idle connection after its timeout ' +
        '(AWS NAT gateway 350 s): yes adds keepalive probes below that (db-client\'s tcp_keepalive_* values), for ' +
        'sockets whose program enables SO_KEEPALIVE.',
      seen: tr?.state === 'present' ? `tcp_tw_recycle is ${tr.live} on this kernel` : null,
      dflt: 'unsure',
    });
  }
  if (roles.some((r) => CONNECTING.includes(r))) {
    const outgoing = destinations(facts).filter((d) => !isLoopbackAddress(peerAddress(d.peer)));
    const tw = outgoing.reduce((a, d) => a + d.timeWait, 0);
    out.push({
      id: 'backends-close-first',
      ask: 'Do the backends or databases this host connects to close the connections first?',
      why:
        'Whoever closes first keeps the TIME_WAIT for 60 s. If this host closes first, each closed connection holds ' +
        'one of its ephemeral ports for 60 s, and tcp_tw_reuse and a wider ip_local_port_range keep it from running ' +
        'out. If the backends close first, the TIME_WAIT is theirs and those two changes do nothing here.',
      seen: outgoing.length
        ? tw > 0
          ? `${thousands(tw)} TIME_WAIT towards its destinations now: this host closed those first`
          : 'no TIME_WAIT towards its destinations now'
        : null,
      dflt: tw > 0 ? 'no' : 'unsure',
    });
  }
  return out;
}

export interface ServiceCandidate {
  unit: string;
  comm: string | null;
  ports: number[];
  soft: number | null;
  open: number | null;
  /** Proposed: still at the default soft limit of 1024 or less, or using most of its limit. */
  proposed: boolean;
}

/** Systemd units that listen for other hosts: the services a LimitNOFILE= drop-in can raise. */
export function serviceCandidates(facts: HostFacts): ServiceCandidate[] {
  const out = new Map<string, ServiceCandidate>();
  for (const l of facts.workload?.listeners ?? []) {
    if (!isPublic(l) || isInfrastructure(l)) continue;
    for (const p of l.processes) {
      if (!p.unit) continue;
      const c = out.get(p.unit) ?? { unit: p.unit, comm: p.comm, ports: [], soft: p.nofile?.soft ?? null, open: p.open, proposed: false };
      if (!c.ports.includes(l.port)) c.ports.push(l.port);
      const soft = p.nofile?.soft ?? null;
      if (soft !== null && (soft <= 1024 || (p.open !== null && p.open >= soft / 2))) c.proposed = true;
      out.set(p.unit, c);
    }
  }
  return [...out.values()].sort((a, b) => a.unit.localeCompare(b.unit));
}

export interface Decisions {
  /** Roles added by an answer (nat-facing). */
  addRoles: string[];
  /** Targets to borrow from another profile: keys of `from`. */
  borrow: { from: string; keys: readonly string[]; why: string }[];
  /** Changes whose default in the walk is "skip", with the reason. */
  skipByDefault: Record<string, string>;
  /** Changes that must not be skipped silently: the warning to show. */
  keep: Record<string, string>;
}

export function decide(roles: readonly string[], answers: Partial<Record<QuestionId, Answer>>): Decisions {
  const d: Decisions = { addRoles: [], borrow: [], skipByDefault: {}, keep: {} };
  if (answers['nat-gateway'] === 'yes' && !roles.includes('nat-facing')) d.addRoles.push('nat-facing');
  if (answers['clients-behind-nat'] === 'yes') {
    if (!roles.includes('db-client')) d.borrow.push({ from: 'db-client', keys: KEEPALIVE_KEYS, why: 'clients reach this host through NAT' });
    d.keep['net.ipv4.tcp_tw_recycle'] = 'clients come through NAT: with tcp_tw_recycle on, some of them cannot connect';
  }
  if (answers['backends-close-first'] === 'yes') {
    for (const k of TIME_WAIT_KEYS) d.skipByDefault[k] = 'the backends close first: the TIME_WAIT is theirs, this change does nothing here';
  }
  return d;
}
