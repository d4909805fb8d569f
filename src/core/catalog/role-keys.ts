// Catalogue entries for the keys the role advice of "Knowledge II" reads: dead peers,
// congestion control and pacing, the receive path, TCP memory, MTU probing and VIPs.
// Same demands as the rest of the catalogue (src/core/catalog.ts): every mechanical
// fact (existence, scope, handler bounds, constant default) is checked against the
// extracted kernel data by test/kernel-data.test.ts; a "file@version" source is that
// file in the tree of that version listed in scripts/kernel-facts/trees.json.

import type { KeyInfo } from '../catalog.js';

const SYSCTL_V4 = 'net/ipv4/sysctl_net_ipv4.c';
const U8 = '5.15.0';
const U8_NOTE = `5.15: the handler became proc_dou8vec_minmax, which rejects values outside 0..255 (${SYSCTL_V4}@5.15.135; proc_dointvec@5.10.89).`;
const NETNS_46 = `4.6: per network namespace (${SYSCTL_V4}: ipv4_table@4.4.155, ipv4_net_table@4.6.2).`;

export const roleKeys: KeyInfo[] = [
  {
    key: 'net.ipv4.tcp_retries2',
    meaning:
      'How long an established connection retransmits unacknowledged data before giving up: not a count but a time, ' +
      'the total of that many exponential backoffs from TCP_RTO_MIN (200 ms) capped at TCP_RTO_MAX (120 s). 15 ≈ 924.6 s.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: U8, min: '0', max: '255' }],
    defaults: [{ since: '0', value: '15' }],
    scope: 'netns',
    netnsSince: '4.6.0',
    history: [
      'tcp_write_timeout() gives up when retransmits_timed_out(sk, tcp_retries2, user_timeout) holds; tcp_model_timeout() turns the count into a time: ((2 << 9) − 1) × 200 ms + (15 − 9) × 120 s = 924.6 s for 15 (net/ipv4/tcp_timer.c@6.6.9; TCP_RETR2 15, TCP_RTO_MIN HZ/5, TCP_RTO_MAX 120 × HZ in include/net/tcp.h@6.6.9).',
      'A non-zero TCP_USER_TIMEOUT on the socket replaces that time (retransmits_timed_out(…, icsk_user_timeout), tcp_timer.c@6.6.9).',
      NETNS_46,
      U8_NOTE,
    ],
  },
  {
    key: 'net.ipv4.tcp_syn_linear_timeouts',
    meaning: 'SYN retransmissions of connect() that keep the initial 1 s timeout before exponential backoff starts; they come on top of tcp_syn_retries.',
    kind: 'int',
    bounds: [{ since: '0', min: '0', max: '127' }],
    defaults: [{ since: '0', value: '4' }],
    scope: 'netns',
    addedIn: '6.5.0',
    history: [
      '6.5: added (ccce324dabfe "tcp: make the first N SYN RTO backoffs linear"; absent in net/ipv4/sysctl_net_ipv4.c@6.1.158, present @6.6.9 as proc_dou8vec_minmax 0..127, default 4 in tcp_sk_init()).',
      'tcp_write_timeout(): a SYN_SENT socket gives up after tcp_syn_retries + tcp_syn_linear_timeouts retransmissions; tcp_retransmit_timer() doubles the RTO only once icsk_backoff exceeds it (net/ipv4/tcp_timer.c@6.6.9).',
    ],
  },
  {
    key: 'net.ipv4.tcp_congestion_control',
    meaning:
      'Congestion control for new TCP sockets (cubic unless the kernel config chose another; bbr, reno, …). ' +
      'A socket can pick its own with TCP_CONGESTION; tcp_allowed_congestion_control limits what unprivileged ones may pick.',
    kind: 'string',
    defaultNote: 'CONFIG_DEFAULT_TCP_CONG (cubic in distribution kernels). A new network namespace inherits the initial namespace\'s choice (tcp_sk_init(), 4.15+).',
    typical: [{ since: '0', value: 'cubic' }],
    scope: 'netns',
    netnsSince: '4.15.0',
    history: [
      `4.15: per network namespace (${SYSCTL_V4}: ipv4_table@4.14.5, ipv4_net_table@4.15.0); tcp_sk_init() gives a new namespace the initial namespace's algorithm when its module can be held.`,
      '4.9: BBR added (0f8782ea1497 "tcp_bbr: add BBR congestion control"; net/ipv4/tcp_bbr.c exists in 4.9.0, not in 3.10.99).',
      'Writing a name whose module is not loaded loads tcp_<name> when the writer has CAP_NET_ADMIN (tcp_set_default_congestion_control() in net/ipv4/tcp_cong.c).',
    ],
  },
  {
    key: 'net.core.default_qdisc',
    meaning:
      'Queueing discipline given to a network device when it comes up without a configured one (fq, fq_codel, pfifo_fast…). ' +
      'Devices already up keep theirs until reconfigured (tc qdisc replace) or re-created.',
    kind: 'string',
    defaultNote: 'pfifo_fast, or the kernel config\'s CONFIG_DEFAULT_NET_SCH choice (net/sched/Kconfig@4.14.5); systemd\'s sysctl.d/50-default.conf sets fq_codel.',
    typical: [{ since: '0', value: 'fq_codel' }],
    scope: 'global',
    addedIn: '3.12.0',
    history: [
      '3.12: added (6da7c8fcbcbd "qdisc: allow setting default queuing discipline"; absent in net/core/sysctl_net_core.c@3.10.99, present @4.1.5).',
      'default_qdisc_ops = &pfifo_fast_ops (net/sched/sch_generic.c@4.18.0); qdisc_set_default(CONFIG_DEFAULT_NET_SCH) at boot (net/sched/sch_api.c@6.12.0).',
    ],
  },
  {
    key: 'net.ipv4.tcp_notsent_lowat',
    meaning:
      'Bytes of not-yet-sent data a socket may hold before it stops reporting itself writable. The default (UINT_MAX) means ' +
      'no limit: a proxy keeps megabytes queued per stream, and HTTP/2 priorities cannot reorder what is already queued.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: '4.10.0', min: '0', max: '4294967295' }],
    unit: 'bytes',
    defaults: [{ since: '0', value: '4294967295' }],
    scope: 'netns',
    netnsSince: '4.6.0',
    addedIn: '3.12.0',
    history: [
      '3.12: added with the TCP_NOTSENT_LOWAT socket option (c9bee3b7fdec; absent in sysctl_net_ipv4.c@3.10.99, present @4.1.5).',
      NETNS_46,
      `4.10: handler proc_dointvec → proc_douintvec (${SYSCTL_V4}@4.9.0 vs @4.10.1): before, /proc shows the default as -1.`,
      'tcp_stream_memory_free(): writable while notsent_bytes < tcp_notsent_lowat (net/ipv4/tcp_ipv4.c@6.6.9).',
    ],
  },
  {
    key: 'net.ipv4.tcp_mem',
    meaning:
      'Machine-wide TCP memory thresholds in pages (not bytes): below the first no pressure, above the second memory pressure ' +
      '(buffers are trimmed), above the third new allocations fail ("TCP: out of memory -- consider tuning tcp_mem").',
    kind: 'ints',
    fields: 3,
    unit: 'pages',
    defaultNote: 'Computed from RAM at boot: tcp_init_mem() sets limit = nr_free_buffer_pages() / 16 (/ 8 in 4.1), at least 128, then 3/4 × limit, limit, 3/2 × limit (about 1/16, 1/10 and 1/7 of RAM).',
    typical: [{ since: '0', value: '287913 383885 575826' }],
    scope: 'global',
    netnsUntil: '4.1.0',
    history: [
      `Per network namespace in 3.10 (ipv4_net_table, handler ipv4_tcp_mem in ${SYSCTL_V4}@3.10.99); machine-wide again in 4.1.5 (ipv4_table, proc_doulongvec_minmax; releases between not checked).`,
      'tcp_init_mem(): sysctl_tcp_mem[0] = limit / 4 × 3, [1] = limit, [2] = [0] × 2 with limit = nr_free_buffer_pages() / 8 (net/ipv4/tcp.c@4.1.5), / 16 in 4.4.155 … 6.12.0 (the 4.2 tree not checked).',
      'sockstat\'s "TCP: … mem N" is the same counter in the same unit (pages): proto_memory_allocated(&tcp_prot) in sockstat_seq_show(), net/ipv4/proc.c@6.12.0.',
    ],
  },
  {
    key: 'net.ipv4.tcp_mtu_probing',
    meaning:
      'Packetization-layer path MTU discovery (RFC 4821): 0 off, 1 only after an ICMP black hole is detected, 2 always. ' +
      'Helps where ICMP "fragmentation needed" is dropped (tunnels, some cloud links) and large segments vanish.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: U8, min: '0', max: '255' }],
    saneRange: { min: '0', max: '2', why: '0, 1 and 2 have a meaning' },
    defaults: [{ since: '0', value: '0' }],
    scope: 'netns',
    netnsSince: '4.1.0',
    history: [
      `Per network namespace by 4.1.5 (ipv4_table@3.10.99, ipv4_net_table@4.1.5; releases between not checked).`,
      'tcp_mtup_init(): enabled = tcp_mtu_probing > 1; with 1 it starts when retransmissions time out past tcp_retries1 (tcp_write_timeout() → tcp_mtu_probing(), net/ipv4/tcp_timer.c@6.6.9).',
      U8_NOTE,
    ],
  },
  {
    key: 'net.ipv4.ip_nonlocal_bind',
    meaning: 'Lets a process bind() an IPv4 address the host does not (yet) have: a VIP held by keepalived/VRRP on another node.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: U8, min: '0', max: '255' }],
    saneRange: { min: '0', max: '1', why: 'a boolean; any non-zero value is on' },
    defaults: [{ since: '0', value: '0' }],
    scope: 'netns',
    netnsSince: '4.1.0',
    history: [
      `Per network namespace by 4.1.5 (ipv4_table@3.10.99, ipv4_net_table@4.1.5; releases between not checked).`,
      'inet_bind() accepts a non-local address when ip_nonlocal_bind, IP_FREEBIND or IP_TRANSPARENT is set (inet_addr_valid_or_nonlocal(), net/ipv4/af_inet.c@6.12.0).',
      U8_NOTE,
    ],
  },
  {
    key: 'net.ipv6.ip_nonlocal_bind',
    meaning: 'Lets a process bind() an IPv6 address the host does not (yet) have.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: U8, min: '0', max: '255' }],
    saneRange: { min: '0', max: '1', why: 'a boolean; any non-zero value is on' },
    defaults: [{ since: '0', value: '0' }],
    scope: 'netns',
    addedIn: '4.3.0',
    history: [
      '4.3: added (35a256fee52c "ipv6: Nonlocal bind"; absent in net/ipv6/sysctl_net_ipv6.c@4.2.8, present @4.4.155).',
      U8_NOTE.replace(SYSCTL_V4, 'net/ipv6/sysctl_net_ipv6.c'),
    ],
  },
  {
    key: 'net.netfilter.nf_conntrack_tcp_be_liberal',
    meaning:
      '1: conntrack stops marking out-of-window TCP packets INVALID (only RSTs are still checked). For asymmetric paths and ' +
      'middleboxes that break window tracking; without it such packets are dropped by "ctstate INVALID" rules or left un-NATed.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: '5.4.0', min: '0', max: '1' }],
    defaults: [{ since: '0', value: '0' }],
    scope: 'netns',
    history: [
      'Bounds 0..1 (proc_dointvec_minmax) first seen in net/netfilter/nf_conntrack_standalone.c@5.4.286; proc_dointvec @4.19.78 (releases between not checked); proc_dou8vec_minmax 0..1 @5.15.135.',
    ],
  },
  {
    key: 'net.netfilter.nf_conntrack_buckets',
    meaning:
      'Slots of the conntrack hash table. Each flow is hashed twice (original and reply direction), so the average chain ' +
      'is 2 × nf_conntrack_count / buckets: a table raised with nf_conntrack_max but not with buckets gets slower per packet.',
    kind: 'int',
    defaultNote:
      'From RAM at boot: 1/16384 of it in hash heads, set to 65536 above 4 GiB before 5.15 (16384 above 1 GiB in 3.10), to 262144 on 64-bit above 4 GiB from 5.15 (65536 above 1 GiB); at least 32 (1024 from 5.15). nf_conntrack_max defaults to it × 4 before 5.15, × 1 from 5.15.',
    typical: [{ since: '0', value: '65536' }, { since: '5.15.0', value: '262144' }],
    scope: 'global',
    netnsUntil: '4.7.0',
    writableSince: '4.7.0',
    history: [
      'nf_conntrack_init_start(): the sizes above and max_factor 4 → 1 (net/netfilter/nf_conntrack_core.c@5.10.89 vs @5.15.135; 16384 cap @3.10.99).',
      'Read-only (0444, proc_dointvec on the namespace\'s htable_size) up to 4.6.2; writable (0644, nf_conntrack_hash_sysctl resizes the table) and one machine-wide value from 4.9.0 (net/netfilter/nf_conntrack_standalone.c at those versions; 4.7 and 4.8 not checked).',
      'Read-only outside the initial network namespace (nf_conntrack_standalone_init_sysctl(): table[NF_SYSCTL_CT_BUCKETS].mode = 0444, net/netfilter/nf_conntrack_standalone.c@6.12.0).',
      'Exists only while nf_conntrack is loaded; the hashsize= module parameter sets it at load time (module_param_call(hashsize, …), net/netfilter/nf_conntrack_proto.c@6.12.0).',
    ],
  },
  {
    key: 'net.core.netdev_budget',
    meaning:
      'Packets one NET_RX softirq run may process across all devices before it yields; also bounded by netdev_budget_usecs. ' +
      'Running out is counted as "time_squeeze" in /proc/net/softnet_stat.',
    kind: 'int',
    saneRange: { min: '1', why: 'proc_dointvec has no bounds' },
    defaults: [{ since: '0', value: '300' }],
    scope: 'global',
    history: [
      'net_rx_action() stops when budget ≤ 0 or the time limit passes and counts time_squeeze (net/core/dev.c@6.12.0); 300 in net_hotdata (net/core/hotdata.c@6.12.0), in dev.c before.',
    ],
  },
];
