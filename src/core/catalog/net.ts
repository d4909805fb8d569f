// Catalogue entries for net.core, net.ipv4 (non-interface) and net.netfilter keys that
// real configurations set (test/catalog-coverage.test.ts). Bounds, scope, existence
// and constant defaults were taken from the extracted kernel data
// (scripts/kernel-facts/catalog-skeleton.mjs) and are checked against it by
// test/kernel-data.test.ts; "file@version" means that file in the tree of that
// version listed in scripts/kernel-facts/trees.json.
import type { KeyInfo } from '../catalog.js';

const IP_SYSCTL = 'Documentation/networking/ip-sysctl.rst';
const U8 = 'the handler became proc_dou8vec_minmax (net/ipv4/sysctl_net_ipv4.c@5.15.135; proc_dointvec@5.10.89)';

export const netEntries: KeyInfo[] = [
  {
    key: 'net.core.bpf_jit_harden',
    meaning: 'Hardening of the BPF JIT against JIT spraying (constant blinding): 0 off, 1 for unprivileged programs only, 2 for every program.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: '4.18.0', min: '0', max: '2' }],
    defaults: [{ since: '0', value: '0' }],
    saneRange: { min: '0', max: '2', why: 'only 0, 1 and 2 have a meaning' },
    scope: 'global',
    addedIn: '4.7.0',
    history: [
      '4.7: added with constant blinding (net/core/sysctl_net_core.c: absent@4.6.2, present@4.9.0).',
      'Handler proc_dointvec, no bounds (net/core/sysctl_net_core.c@4.9.0…4.15.0).',
      '4.18: proc_dointvec_minmax_bpf_restricted, 0..2, writable by CAP_SYS_ADMIN only (net/core/sysctl_net_core.c@4.18.0; no bounds@4.15.0).',
    ],
  },
  {
    key: 'net.core.busy_poll',
    meaning:
      'Microseconds poll(), select() and epoll busy-wait on a device queue for packets before sleeping (0 off). Trades CPU for latency; only drivers with busy-poll support (NAPI) take part.',
    kind: 'int',
    unit: 'µs',
    bounds: [{ since: '0' }, { since: '4.4.155', until: '4.5.0', min: '0' }, { since: '4.11.0', min: '0' }],
    defaults: [{ since: '0', value: '0' }],
    scope: 'global',
    addedIn: '3.11.0',
    history: [
      '3.11: added (net/core/sysctl_net_core.c: absent@3.10.99, present@4.1.5).',
      'Handler proc_dointvec, no bounds (net/core/sysctl_net_core.c@4.1.5, 4.2.8, 4.6.2, 4.10.1); a 0 lower bound in the 4.4 stable series (@4.4.155) and from 4.11 (@4.11.0).',
      'Documentation/admin-guide/sysctl/net.rst: "Recommended value depends on the number of sockets you poll on. For several sockets 50, for several hundreds 100."',
    ],
  },
  {
    key: 'net.core.busy_read',
    meaning:
      'Microseconds a blocking read busy-waits on the device queue before sleeping (0 off); the default for SO_BUSY_POLL. Trades CPU for latency.',
    kind: 'int',
    unit: 'µs',
    bounds: [{ since: '0' }, { since: '4.4.155', until: '4.5.0', min: '0' }, { since: '4.11.0', min: '0' }],
    defaults: [{ since: '0', value: '0' }],
    scope: 'global',
    addedIn: '3.11.0',
    history: [
      '3.11: added (net/core/sysctl_net_core.c: absent@3.10.99, present@4.1.5).',
      'Handler proc_dointvec, no bounds (net/core/sysctl_net_core.c@4.1.5, 4.2.8, 4.6.2, 4.10.1); a 0 lower bound in the 4.4 stable series (@4.4.155) and from 4.11 (@4.11.0).',
    ],
  },
  {
    key: 'net.core.rmem_default',
    meaning: 'Receive buffer (SO_RCVBUF) a new non-TCP socket starts with. TCP starts from tcp_rmem\'s middle value instead.',
    kind: 'int',
    unit: 'bytes',
    saneRange: { min: '2304', why: 'the handler rejects values below SOCK_MIN_RCVBUF (extra1 = &min_rcvbuf, about 2304 bytes on x86_64, it depends on sizeof(struct sk_buff))' },
    defaultNote: '256 packets of SKB_TRUESIZE(256): 212992 bytes on x86_64 (SK_RMEM_MAX before 7.x, SK_RMEM_DEFAULT after, net/core/sock.c).',
    typical: [{ since: '0', value: '212992' }],
    scope: 'global',
    history: [
      'Handler proc_dointvec_minmax with extra1 = &min_rcvbuf (net/core/sysctl_net_core.c@3.10.99…7.1.3).',
      'Default SK_RMEM_MAX (net/core/sock.c@3.10.99…6.12.0); SK_RMEM_DEFAULT, still _SK_MEM_OVERHEAD × _SK_MEM_PACKETS, once rmem_max went to 4 MiB (net/core/sock.c@7.1.3, include/net/sock.h@7.1.5).',
    ],
  },
  {
    key: 'net.core.wmem_default',
    meaning: 'Send buffer (SO_SNDBUF) a new non-TCP socket starts with. TCP starts from tcp_wmem\'s middle value instead.',
    kind: 'int',
    unit: 'bytes',
    bounds: [{ since: '0', min: '2048' }, { since: '4.1.0' }],
    saneRange: { min: '4608', why: 'from 4.1 the handler rejects values below SOCK_MIN_SNDBUF (extra1 = &min_sndbuf, about 4608 bytes on x86_64); 2048 before' },
    defaultNote: '256 packets of SKB_TRUESIZE(256): 212992 bytes on x86_64 (SK_WMEM_MAX before 7.x, SK_WMEM_DEFAULT after, net/core/sock.c).',
    typical: [{ since: '0', value: '212992' }],
    scope: 'global',
    history: [
      'Handler proc_dointvec_minmax, 2048..… (net/core/sysctl_net_core.c@3.10.99); extra1 = &min_sndbuf, a size that depends on struct sk_buff, from 4.1 (@4.1.5).',
      'Default SK_WMEM_MAX (net/core/sock.c@3.10.99…6.12.0), SK_WMEM_DEFAULT in 7.1.3.',
    ],
  },
  {
    key: 'net.ipv4.icmp_echo_ignore_all',
    meaning: '1: answer no ICMP echo request (ping) at all, in this network namespace.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: '5.15.0', min: '0', max: '255' }, { since: '6.1.0', min: '0', max: '1' }],
    saneRange: { min: '0', max: '1', why: 'a boolean' },
    defaults: [{ since: '0', value: '0' }],
    scope: 'netns',
    history: [
      'Handler proc_dointvec, no bounds (net/ipv4/sysctl_net_ipv4.c@3.10.99…5.10.89).',
      `5.15: ${U8}, 0..255.`,
      '6.1: 0..1 (net/ipv4/sysctl_net_ipv4.c@6.1.158; 0..255@5.15.135).',
    ],
  },
  {
    key: 'net.ipv4.icmp_echo_ignore_broadcasts',
    meaning: '1 (the default): ignore ICMP echo requests sent to broadcast and multicast addresses (smurf amplification).',
    kind: 'int',
    bounds: [{ since: '0' }, { since: '5.15.0', min: '0', max: '255' }, { since: '6.1.0', min: '0', max: '1' }],
    saneRange: { min: '0', max: '1', why: 'a boolean' },
    defaults: [{ since: '0', value: '1' }],
    scope: 'netns',
    history: [
      'Handler proc_dointvec, no bounds (net/ipv4/sysctl_net_ipv4.c@3.10.99…5.10.89).',
      `5.15: ${U8}, 0..255.`,
      '6.1: 0..1 (net/ipv4/sysctl_net_ipv4.c@6.1.158; 0..255@5.15.135).',
    ],
  },
  {
    key: 'net.ipv4.icmp_ignore_bogus_error_responses',
    meaning: '1 (the default): do not log ICMP error replies to broadcast frames (RFC 1122 violations by some routers).',
    kind: 'int',
    bounds: [{ since: '0' }, { since: '5.15.0', min: '0', max: '1' }],
    defaults: [{ since: '0', value: '1' }],
    scope: 'netns',
    history: [
      'Handler proc_dointvec, no bounds (net/ipv4/sysctl_net_ipv4.c@3.10.99…5.10.89).',
      `5.15: ${U8}, 0..1.`,
    ],
  },
  {
    key: 'net.ipv4.ping_group_range',
    meaning:
      'Group id range (low high) allowed to open ICMP echo sockets (SOCK_DGRAM, IPPROTO_ICMP) without privileges, so ping needs no setuid or capability. "1 0" (empty) allows nobody.',
    kind: 'ints',
    fields: 2,
    bounds: [{ since: '0', min: '0', max: '2147483647' }, { since: '6.1.0', min: '0', max: '4294967294' }],
    defaults: [{ since: '0', value: '1 0' }],
    scope: 'netns',
    history: [
      'Handler ipv4_ping_group_range → proc_dointvec_minmax, 0..2147483647 per field (net/ipv4/sysctl_net_ipv4.c@3.10.99…5.15.135).',
      '6.1: ipv4_ping_group_range → proc_doulongvec_minmax, 0..4294967294 (net/ipv4/sysctl_net_ipv4.c@6.1.158).',
      'systemd\'s sysctl.d/50-default.conf sets "0 2147483647" (every group; systemd@fa98c99e, in the test corpus).',
    ],
  },
  {
    key: 'net.ipv4.tcp_challenge_ack_limit',
    meaning:
      'Challenge ACKs (RFC 5961) sent per second. Before 6.0 the limit was global to the host, and its counter was the side channel of CVE-2016-5696; from 6.0 it is per network namespace and off by default (INT_MAX).',
    kind: 'int',
    defaults: [
      { since: '0', value: '100' },
      { since: '4.2.8', until: '4.3.0', value: '1000' },
      { since: '4.4.155', until: '4.5.0', value: '1000' },
      { since: '4.7.0', value: '1000' },
      { since: '6.0.0', value: '2147483647' },
    ],
    scope: 'netns',
    netnsSince: '4.15.0',
    history: [
      'Handler proc_dointvec, no bounds (net/ipv4/sysctl_net_ipv4.c@3.10.99…7.1.3).',
      '4.7: default 100 → 1000 and a randomised per-second budget (f2b2c582e824 "tcp: make challenge acks less predictable", CVE-2016-5696; net/ipv4/tcp_input.c: 100@4.6.2, 1000@4.9.0; also 1000 in the 4.2 and 4.4 stable trees, @4.2.8 and @4.4.155).',
      '4.15: per network namespace (net/ipv4/sysctl_net_ipv4.c: ipv4_table@4.14.5, ipv4_net_table@4.15.0).',
      '6.0: default INT_MAX, i.e. no global limit (79e3602caa6f "tcp: make global challenge ack rate limitation per net-ns and default disabled"; net/ipv4/tcp_ipv4.c: 1000@5.15.135, 2147483647@6.1.158).',
    ],
  },
  {
    key: 'net.ipv4.tcp_fastopen',
    meaning:
      'TCP Fast Open, a bit mask: 0x1 client, 0x2 server, 0x4 client without a cookie, 0x200 server without a cookie, 0x400 every listener without TCP_FASTOPEN. Servers also need TCP_FASTOPEN on the listener (or 0x400).',
    kind: 'int',
    defaults: [{ since: '0', value: '0' }, { since: '4.1.0', value: '1' }],
    scope: 'netns',
    netnsSince: '4.15.0',
    history: [
      'Handler proc_dointvec, no bounds (net/ipv4/sysctl_net_ipv4.c@3.10.99…7.1.3).',
      'Default 0 → 1 (client on) between 3.10 and 4.1 (sysctl_tcp_fastopen in net/ipv4/tcp_fastopen.c: 0@3.10.99, 1@4.1.5).',
      '4.15: per network namespace (net/ipv4/sysctl_net_ipv4.c: ipv4_table@4.14.5, ipv4_net_table@4.15.0).',
      `${IP_SYSCTL}: the bit values; middleboxes may drop SYNs carrying data (tcp_fastopen_blackhole_timeout_sec).`,
    ],
  },
  {
    key: 'net.ipv4.tcp_invalid_ratelimit',
    meaning: 'Minimum milliseconds between duplicate ACKs sent in reply to invalid segments (out-of-window sequence numbers, bad ACKs, PAWS failures): stops ACK loops.',
    kind: 'int',
    unit: 'ms',
    defaults: [{ since: '0', value: '500' }],
    scope: 'netns',
    netnsSince: '4.15.0',
    addedIn: '3.11.0',
    history: [
      'Added between 3.10 and 4.1 with the ACK-loop mitigation (net/ipv4/sysctl_net_ipv4.c: absent@3.10.99, present@4.1.5).',
      'Handler proc_dointvec_ms_jiffies, no bounds (net/ipv4/sysctl_net_ipv4.c@4.1.5…7.1.3).',
      '4.15: per network namespace (net/ipv4/sysctl_net_ipv4.c: ipv4_table@4.14.5, ipv4_net_table@4.15.0).',
    ],
  },
  {
    key: 'net.netfilter.nf_conntrack_tcp_loose',
    meaning:
      '1 (the default): conntrack picks up TCP connections already in progress (mid-stream), e.g. after a reboot or failover; 0 tracks only connections it saw start, and drops the others as INVALID.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: '5.4.0', min: '0', max: '1' }],
    defaults: [{ since: '0', value: '1' }],
    defaultNote: 'set when the namespace\'s conntrack starts: nf_ct_tcp_loose = 1 before 5.x, tn->tcp_loose = 1 in nf_conntrack_tcp_init_net() (net/netfilter/nf_conntrack_proto_tcp.c@6.1.158).',
    scope: 'netns',
    history: [
      'Handler proc_dointvec, no bounds (net/netfilter/nf_conntrack_proto_tcp.c@3.10.99…4.19.78).',
      '5.4: 0..1, in nf_conntrack_standalone.c\'s table (net/netfilter/nf_conntrack_standalone.c@5.4.286); proc_dou8vec_minmax later (@6.1.158).',
      'Exists only while nf_conntrack is loaded (the module registers the table: net/netfilter/nf_conntrack_standalone.c).',
    ],
  },
];
