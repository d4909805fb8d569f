// A nearly full conntrack table drops new flows; a NAT host without forwarding forwards nothing.
import { rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { versionAtLeast } from '../../src/core/kernel-version.js';
import { counterWindow } from '../../src/core/counter-window.js';
import { toInt } from '../../src/core/values.js';

const MAX = 'net.netfilter.nf_conntrack_max';
const COUNT = 'net.netfilter.nf_conntrack_count';
const FORWARD = 'net.ipv4.ip_forward';
const BUCKETS = 'net.netfilter.nf_conntrack_buckets';
const LIBERAL = 'net.netfilter.nf_conntrack_tcp_be_liberal';
/** max / buckets above this is more than the kernel itself ever sets up (8, when hashsize= is given). */
const RATIO_LIMIT = 8;

export default defineRule({
  id: 'net/conntrack',
  keys: [MAX, COUNT, FORWARD, BUCKETS, LIBERAL],
  severity: 'warning',
  requires: [MAX],
  summary: 'The conntrack table is nearly full, or a NAT host does not forward',
  explanation:
    'Every flow through netfilter connection tracking (NAT, stateful firewall rules, Kubernetes services) takes a ' +
    'table entry. When nf_conntrack_count reaches nf_conntrack_max, new flows are dropped and the kernel logs ' +
    '"nf_conntrack: table full, dropping packet" — new connections time out while existing ones work. Usage above ' +
    '80% is a warning and above 95% critical, on any host where conntrack is loaded (a full table drops packets ' +
    'whatever the role). For the nat-facing role, ip_forward=0 is reported too: the host then routes nothing ' +
    'between interfaces. The keys exist only while nf_conntrack is loaded; without them the rule does not apply. ' +
    'The hash table (nf_conntrack_buckets) holds every flow twice (original and reply direction): the kernel sizes ' +
    'nf_conntrack_max at 4 × buckets before 5.15 and 1 × from 5.15 (chains of 8 and 2 when full); a max raised far ' +
    'beyond the buckets makes every packet walk long chains, so it is reported when max exceeds 8 × buckets. ' +
    '/proc/net/stat/nf_conntrack counts, per CPU, new flows dropped for a full table (drop), entries evicted to make room ' +
    '(early_drop) and insertions that lost a race to an identical flow (insert_failed: parallel UDP queries such as DNS ' +
    'A/AAAA lookups from one socket, the cause of 5 s DNS delays in containers). These counters run since boot: ' +
    'knobs keeps the counters of its last audit of this boot in /var/lib/knobs/counters.json (where that directory exists) and judges the increase since then; without a sample the finding counts since boot and says so. nat-facing: nf_conntrack_tcp_be_liberal=1 stops out-of-window TCP packets being marked ' +
    'INVALID (asymmetric paths, offloads that break window tracking; kube-proxy can set it); the other ' +
    'nf_conntrack_tcp_timeout_* keys (close_wait, fin_wait, time_wait…) only decide how long closing flows hold an ' +
    'entry. SNAT/MASQUERADE picks a source port per (protocol, destination address, destination port) from 1024-65535 ' +
    '(for source ports above 1023, or the rule\'s --to-ports), not from ip_local_port_range, which governs only this host\'s own ' +
    'sockets: many clients behind one address to one destination run out at ~64 K concurrent flows, and more public ' +
    'addresses (or destinations) are the fix. On a Kubernetes node kube-proxy sets nf_conntrack_max (from its ' +
    'maxPerCore × CPUs) and the established/close_wait timeouts when it starts: set them in its configuration, not in ' +
    'sysctl.d, or the two overwrite each other at every restart. ip_forward routes IPv4 only: a gateway for IPv6 ' +
    'clients needs net.ipv6.conf.all.forwarding=1, which also stops the host accepting router advertisements on ' +
    'its uplink unless that interface has accept_ra=2. With asymmetric routing (several uplinks, policy routing) ' +
    'strict reverse-path filtering (rp_filter=1) drops packets whose reply would leave by another interface; use 2 ' +
    '(loose), and remember the kernel applies the larger of conf.all.rp_filter and conf.<interface>.rp_filter.',
  tradeoffs:
    'A larger table costs kernel memory per entry and, without more hash buckets (nf_conntrack_buckets), longer ' +
    'hash chains. Shorter established/time_wait timeouts free entries sooner but drop idle flows without keepalive. ' +
    'ip_forward=1 makes the host a router: changing it resets per-interface settings to router defaults (ip-sysctl).',
  history: [
    '5.13: nf_conntrack_max is read-only in non-initial network namespaces (2671fa4dc010); set it on the host.',
    'Default nf_conntrack_max = nf_conntrack_buckets × max_factor: 4 before 5.15, 1 from 5.15 (net/netfilter/nf_conntrack_core.c@5.10.89 vs @5.15.135); 8 when the hashsize module parameter is given. 262144 on 64-bit hosts with more than 4 GiB RAM either way; 65536 on 3.10.',
    'nf_conntrack_buckets writable (nf_conntrack_hash_sysctl resizes the table) from 4.9.0, read-only 0444 up to 4.6.2 (net/netfilter/nf_conntrack_standalone.c); read-only outside the initial namespace (@6.12.0).',
    'Counters: ct_cpu_seq_show() prints drop, early_drop, insert_failed per CPU in hex (net/netfilter/nf_conntrack_standalone.c@6.12.0); entries is the namespace\'s count on every line.',
    'rp_filter: "The max value from conf/{all,interface}/rp_filter is used"; accept_ra 2: "Overrule forwarding behaviour" (Documentation/networking/ip-sysctl.rst@6.12.0).',
    'NAT source ports: nf_nat_l4proto_unique_tuple() searches the range of the rule (1024-65535 by default for sources above 1024, net/netfilter/nf_nat_core.c@6.12.0) for a tuple unique per destination; ip_local_port_range is read only by the socket layer (inet_get_local_port_range(), net/ipv4/inet_connection_sock.c).',
  ],
  references: [
    'https://docs.kernel.org/networking/nf_conntrack-sysctl.html',
    'https://docs.kernel.org/networking/ip-sysctl.html',
  ],
  messages: {
    tableFilling:
      'conntrack holds {count} of {max} flows ({percent}%): at 100% new flows are dropped ("nf_conntrack: table full, dropping packet"); raise nf_conntrack_max (and nf_conntrack_buckets) or shorten idle timeouts',
    bucketsBehind:
      'nf_conntrack_max is {max} but the hash has {buckets} buckets: a full table averages {chain} entries per chain (each flow is hashed twice), where the kernel\'s own sizing keeps {kernelChain}. Raise nf_conntrack_buckets to {recommended} (a sysctl from 4.7 in the initial namespace, or options nf_conntrack hashsize={recommended})',
    dropsSinceBoot:
      'conntrack dropped {drop} new flows for a full table and evicted {early} entries early {window} (/proc/net/stat/nf_conntrack). Raise nf_conntrack_max (now {max}) or shorten the idle timeouts',
    insertFailed:
      '{failed} conntrack insertions lost a race to an identical flow {window} (insert_failed in /proc/net/stat/nf_conntrack): typically parallel UDP queries from one socket (DNS A and AAAA), each costing a retry after a timeout (the 5 s DNS delay in containers). Resolver option single-request-reopen, or a node-local DNS cache, avoids it',
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
    const buckets = toInt(facts.sysctl[BUCKETS]?.live);
    if (max !== undefined && buckets !== undefined && buckets > 0 && max > RATIO_LIMIT * buckets) {
      const factor = version !== null && !versionAtLeast(version, '5.15.0') ? 4 : 1;
      const recommended = String(Math.ceil(max / factor));
      report(
        'bucketsBehind',
        { max, buckets, chain: Math.round((2 * max) / buckets), kernelChain: 2 * factor, recommended },
        { key: BUCKETS, current: String(buckets), recommended, severity: 'info' },
      );
    }
    const stat = facts.netStat?.conntrack;
    if (stat) {
      const dropW = counterWindow(facts, 'conntrack.drop', stat['drop'] ?? 0);
      const early = counterWindow(facts, 'conntrack.early_drop', stat['early_drop'] ?? 0).count;
      if (dropW.count + early > 0) report('dropsSinceBoot', { drop: dropW.count, early, window: dropW.window, max: maxLive ?? '?' }, { key: MAX, current: maxLive });
      const failed = counterWindow(facts, 'conntrack.insert_failed', stat['insert_failed'] ?? 0);
      if (failed.count > 0) report('insertFailed', { failed: failed.count, window: failed.window }, { key: null, severity: 'info' });
    }
    if (profile.names.includes('nat-facing') && toInt(facts.sysctl[FORWARD]?.live) === 0) {
      const ok = rejectReason(FORWARD, '1', version) === null;
      report('forwardingOff', {}, { key: FORWARD, current: '0', recommended: '1', ...(ok ? { change: { kind: 'sysctl' as const, key: FORWARD, value: '1' } } : {}) });
    }
  },
});
