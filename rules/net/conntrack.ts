// A nearly full conntrack table drops new flows; a NAT host without forwarding forwards nothing.
import { rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { toInt } from '../../src/core/values.js';

const MAX = 'net.netfilter.nf_conntrack_max';
const COUNT = 'net.netfilter.nf_conntrack_count';
const FORWARD = 'net.ipv4.ip_forward';

export default defineRule({
  id: 'net/conntrack',
  keys: [MAX, COUNT, FORWARD],
  severity: 'warning',
  requires: [MAX],
  summary: 'The conntrack table is nearly full, or a NAT host does not forward',
  explanation:
    'Every flow through netfilter connection tracking (NAT, stateful firewall rules, Kubernetes services) takes a ' +
    'table entry. When nf_conntrack_count reaches nf_conntrack_max, new flows are dropped and the kernel logs ' +
    '"nf_conntrack: table full, dropping packet" — new connections time out while existing ones work. Usage above ' +
    '80% is a warning and above 95% critical, on any host where conntrack is loaded (a full table drops packets ' +
    'whatever the role). For the nat-facing role, ip_forward=0 is reported too: the host then routes nothing ' +
    'between interfaces. The keys exist only while nf_conntrack is loaded; without them the rule does not apply.',
  tradeoffs:
    'A larger table costs kernel memory per entry and, without more hash buckets (nf_conntrack_buckets), longer ' +
    'hash chains. Shorter established/time_wait timeouts free entries sooner but drop idle flows without keepalive. ' +
    'ip_forward=1 makes the host a router: changing it resets per-interface settings to router defaults (ip-sysctl).',
  history: [
    '5.13: nf_conntrack_max is read-only in non-initial network namespaces (2671fa4dc010); set it on the host.',
    'Default nf_conntrack_max = nf_conntrack_buckets × max_factor: 4 before 5.15, 1 from 5.15 (net/netfilter/nf_conntrack_core.c@5.10.89 vs @5.15.135); 8 when the hashsize module parameter is given. 262144 on 64-bit hosts with more than 4 GiB RAM either way; 65536 on 3.10.',
  ],
  references: [
    'https://docs.kernel.org/networking/nf_conntrack-sysctl.html',
    'https://docs.kernel.org/networking/ip-sysctl.html',
  ],
  messages: {
    tableFilling:
      'conntrack holds {count} of {max} flows ({percent}%): at 100% new flows are dropped ("nf_conntrack: table full, dropping packet"); raise nf_conntrack_max (and nf_conntrack_buckets) or shorten idle timeouts',
    forwardingOff:
      'ip_forward is 0 on a nat-facing host: packets are not routed between interfaces, so nothing is NATed or forwarded; set it to 1 in a boot file (changing it resets per-interface settings to router defaults)',
  },
  check({ facts, profile, report }) {
    const version = facts.kernel.version;
    const maxLive = facts.sysctl[MAX]?.live ?? null;
    const max = toInt(maxLive);
    const count = toInt(facts.sysctl[COUNT]?.live);
    if (max !== undefined && max > 0 && count !== undefined) {
      const share = count / max;
      if (share > 0.8) {
        const recommended = String(max * 2);
        const ok = !facts.sysctl[MAX]?.readOnly && rejectReason(MAX, recommended, version) === null;
        report(
          'tableFilling',
          { count, max, percent: Math.round(share * 1000) / 10 },
          {
            key: MAX,
            current: maxLive,
            recommended,
            severity: share > 0.95 ? 'critical' : 'warning',
            ...(ok ? { change: { kind: 'sysctl' as const, key: MAX, value: recommended } } : {}),
          },
        );
      }
    }
    if (profile.names.includes('nat-facing') && toInt(facts.sysctl[FORWARD]?.live) === 0) {
      const ok = rejectReason(FORWARD, '1', version) === null;
      report('forwardingOff', {}, { key: FORWARD, current: '0', recommended: '1', ...(ok ? { change: { kind: 'sysctl' as const, key: FORWARD, value: '1' } } : {}) });
    }
  },
});
