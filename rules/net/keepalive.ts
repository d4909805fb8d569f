// Keepalive against conntrack's idle timeout: on a client, its own probes against its
// own table; on a NAT gateway, the endpoints' probes against the gateway's table (the
// gateway's tcp_keepalive_* drive only its own sockets).
import { defaultFor, rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { plainValue, toInt } from '../../src/core/values.js';

const TIME = 'net.ipv4.tcp_keepalive_time';
const INTVL = 'net.ipv4.tcp_keepalive_intvl';
const PROBES = 'net.ipv4.tcp_keepalive_probes';
const CT = 'net.netfilter.nf_conntrack_tcp_timeout_established';

function human(s: number): string {
  if (s < 120) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${s} s (${h ? `${h} h ` : ''}${m} min)`;
}

export default defineRule({
  id: 'net/keepalive',
  keys: [TIME, INTVL, PROBES, CT],
  severity: 'info',
  requires: [TIME],
  summary: 'Keepalive probes come later than a conntrack entry of an idle connection lives',
  explanation:
    'Keepalive applies only to sockets that set SO_KEEPALIVE (the kernel never enables it by itself), and only to ' +
    'sockets that end on the host whose sysctls are set: tcp_keepalive_timer() runs for this host\'s own sockets. For ' +
    'them the first probe is sent after tcp_keepalive_time seconds of idleness, then every tcp_keepalive_intvl seconds, ' +
    'and the connection is reset after tcp_keepalive_probes unanswered probes (7200 + 75 × 9 = 7875 s by default). ' +
    'conntrack forgets an idle ESTABLISHED flow after nf_conntrack_tcp_timeout_established (5 days by default). ' +
    'nat-facing: the flows this host forwards get their probes from the endpoints, never from this host\'s ' +
    'tcp_keepalive_*; and each container or pod network namespace starts from the compiled-in 7200 s (per namespace ' +
    'since 4.5), not from the host\'s value. So when the established timeout here is shorter than 7200 s, idle ' +
    'forwarded connections lose their NAT mapping before an endpoint with default keepalive probes: keepalive must ' +
    'then be set on the endpoints (SO_KEEPALIVE with TCP_KEEPIDLE in the application, or tcp_keepalive_time per pod: ' +
    'a Kubernetes "safe" sysctl since 1.29), or the timeout kept above it. db-client: the host\'s own connections; ' +
    'an expired local entry is usually re-created when traffic resumes (nf_conntrack_tcp_loose=1, the default), so ' +
    'this matters when this host NATs its own traffic (containers behind MASQUERADE) or filters strictly; the NAT ' +
    'gateways and load balancers on the path, whose idle timeouts this host cannot see, are what the db-client ' +
    'profile\'s keepalive targets are for. Other roles pass; the rule needs conntrack loaded.',
  tradeoffs:
    'Shorter keepalive: more probe packets (one per idle connection per interval) and a dead peer is detected ' +
    'sooner. Longer conntrack timeout: idle flows keep table entries longer (table pressure on a busy NAT).',
  history: [
    'tcp(7): keepalives are sent only when SO_KEEPALIVE is enabled; per-socket TCP_KEEPIDLE/INTVL/CNT override the sysctls.',
    '4.5: tcp_keepalive_time/probes/intvl per network namespace (13b287e8d1ca, 9bd6861bd432, b840d15d3912); a new namespace starts from TCP_KEEPALIVE_TIME (tcp_sk_init()).',
    'Kubernetes: tcp_keepalive_time/intvl/probes are "safe" per-pod sysctls from 1.29 (kubernetes.io/docs/reference/node/kernel-version-requirements).',
    'nf_conntrack_tcp_loose (default 1) lets conntrack pick up an established connection mid-stream (net/netfilter/nf_conntrack_proto_tcp.c).',
  ],
  myth: '"Set tcp_keepalive_time on the NAT gateway to keep NAT mappings alive" — it only drives the gateway\'s own sockets; forwarded flows are kept alive by their endpoints.',
  references: [
    'https://docs.kernel.org/networking/ip-sysctl.html',
    'https://docs.kernel.org/networking/nf_conntrack-sysctl.html',
    'https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/',
    'man 7 tcp',
  ],
  messages: {
    probeAfterConntrack:
      'tcp_keepalive_time is {time} s, but this host\'s conntrack forgets an idle ESTABLISHED flow after {ct} s: where this host NATs or strictly filters its own connections, an idle SO_KEEPALIVE connection loses its entry before the first probe (otherwise conntrack re-creates it when traffic resumes). A dead peer is detected after {detect} (time + intvl × probes = {time} + {intvl} × {probes}). Set tcp_keepalive_time below {ct}',
    forwardedBeforeEndpointProbe:
      'nf_conntrack_tcp_timeout_established is {ct} s, shorter than the {endpoint} s keepalive time endpoints use by default (and every pod\'s network namespace starts with): idle forwarded connections lose their NAT mapping before the endpoints\' first probe. This host\'s own tcp_keepalive_* ({time} s here) never touch forwarded flows: set keepalive on the endpoints (SO_KEEPALIVE with TCP_KEEPIDLE, or net.ipv4.tcp_keepalive_time per pod), or keep this timeout above {endpoint} s',
  },
  check({ facts, profile, report }) {
    const ctFact = facts.sysctl[CT];
    if (ctFact?.state !== 'present') return;
    const ct = toInt(ctFact.live);
    const time = toInt(facts.sysctl[TIME]?.live);
    if (ct === undefined || time === undefined || ct <= 0) return;

    if (profile.names.includes('nat-facing')) {
      const endpoint = toInt(defaultFor(TIME, facts.kernel.version)) ?? 7200;
      if (ct < endpoint) report('forwardedBeforeEndpointProbe', { ct, endpoint, time }, { key: CT, current: String(ct), severity: 'warning' });
    }

    if (profile.names.includes('db-client') && time >= ct) {
      const intvl = toInt(facts.sysctl[INTVL]?.live) ?? 0;
      const probes = toInt(facts.sysctl[PROBES]?.live) ?? 0;
      const want = profile.sysctl[TIME];
      const fromProfile = want ? toInt(plainValue(want.values)) : undefined;
      const recommended = String(fromProfile !== undefined && fromProfile < ct ? fromProfile : Math.max(1, Math.floor(ct / 2)));
      const ok = rejectReason(TIME, recommended, facts.kernel.version) === null;
      report(
        'probeAfterConntrack',
        { time, ct, detect: human(time + intvl * probes), intvl, probes },
        { key: TIME, current: String(time), recommended, ...(ok ? { change: { kind: 'sysctl' as const, key: TIME, value: recommended } } : {}) },
      );
    }
  },
});
