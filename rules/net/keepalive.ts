// Keepalive slower than conntrack's idle timeout: idle flows lose their NAT/conntrack entry before the first probe.
import { rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { plainValue, toInt } from '../../src/core/values.js';

const TIME = 'net.ipv4.tcp_keepalive_time';
const INTVL = 'net.ipv4.tcp_keepalive_intvl';
const PROBES = 'net.ipv4.tcp_keepalive_probes';
const CT = 'net.netfilter.nf_conntrack_tcp_timeout_established';
const ROLES = ['nat-facing', 'db-client'];

function human(s: number): string {
  if (s < 120) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${s} s (${h ? `${h} h ` : ''}${m} min)`;
}

export default defineRule({
  id: 'net/keepalive',
  keys: [TIME, INTVL, PROBES, CT],
  severity: 'warning',
  requires: [TIME],
  summary: 'The first keepalive probe comes after conntrack has already forgotten an idle connection',
  explanation:
    'Keepalive applies only to sockets that set SO_KEEPALIVE (the kernel never enables it by itself); for them the ' +
    'first probe is sent after tcp_keepalive_time seconds of idleness, then every tcp_keepalive_intvl seconds, and ' +
    'the connection is reset after tcp_keepalive_probes unanswered probes: a dead peer is detected after time + ' +
    'intvl × probes (7200 + 75 × 9 = 7875 s by default). conntrack forgets an idle ESTABLISHED flow after ' +
    'nf_conntrack_tcp_timeout_established (5 days by default). When the first probe comes later than that, the NAT ' +
    'mapping or conntrack entry is gone by then: the probe or the next packet is dropped or translated differently, ' +
    'and the application sees a hang or a reset instead of a healthy idle connection. Reported only for the ' +
    'nat-facing and db-client roles (pooled or long-lived idle connections across NAT), and only where conntrack ' +
    'is loaded; other hosts pass. Middleboxes elsewhere (cloud NAT gateways, load balancers) have their own, often ' +
    'shorter, idle timeouts that this host cannot see.',
  tradeoffs:
    'Shorter keepalive: more probe packets (one per idle connection per interval) and a dead peer is detected ' +
    'sooner. Longer conntrack timeout: idle flows keep table entries longer (table pressure on a busy NAT).',
  history: ['tcp(7): keepalives are sent only when SO_KEEPALIVE is enabled; per-socket TCP_KEEPIDLE/INTVL/CNT override the sysctls.'],
  myth: '"The kernel keeps idle connections alive every 2 hours" — only sockets that set SO_KEEPALIVE send probes.',
  references: [
    'https://docs.kernel.org/networking/ip-sysctl.html',
    'https://docs.kernel.org/networking/nf_conntrack-sysctl.html',
    'man 7 tcp',
  ],
  messages: {
    probeAfterConntrack:
      'tcp_keepalive_time is {time} s, but conntrack forgets an idle ESTABLISHED flow after {ct} s: on this {role} host an idle SO_KEEPALIVE connection loses its conntrack/NAT entry before the first probe. A dead peer is detected after {detect} (time + intvl × probes = {time} + {intvl} × {probes}). Set tcp_keepalive_time below {ct}',
  },
  check({ facts, profile, report }) {
    const role = profile.names.find((n) => ROLES.includes(n));
    if (!role) return;
    const ctFact = facts.sysctl[CT];
    if (ctFact?.state !== 'present') return;
    const ct = toInt(ctFact.live);
    const time = toInt(facts.sysctl[TIME]?.live);
    const intvl = toInt(facts.sysctl[INTVL]?.live) ?? 0;
    const probes = toInt(facts.sysctl[PROBES]?.live) ?? 0;
    if (ct === undefined || time === undefined || ct <= 0 || time < ct) return;
    const want = profile.sysctl[TIME];
    const fromProfile = want ? toInt(plainValue(want.values)) : undefined;
    const recommended = String(fromProfile !== undefined && fromProfile < ct ? fromProfile : Math.max(1, Math.floor(ct / 2)));
    const ok = rejectReason(TIME, recommended, facts.kernel.version) === null;
    report(
      'probeAfterConntrack',
      { time, ct, role, detect: human(time + intvl * probes), intvl, probes },
      { key: TIME, current: String(time), recommended, ...(ok ? { change: { kind: 'sysctl' as const, key: TIME, value: recommended } } : {}) },
    );
  },
});
