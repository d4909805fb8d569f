// What knobs knows about each sysctl key: meaning, default per kernel, the values
// the kernel's handler rejects, scope and history. This is the single source of
// those facts: profiles are validated against it, rules ask it for defaults and
// bounds, and `knobs explain <key>` prints it.
//
// Every fact that the kernel source states mechanically (existence, scope, handler
// bounds, constant defaults) is checked against the data extracted from kernel
// trees (src/core/kernel-data/, scripts/kernel-facts/) by test/kernel-data.test.ts,
// for every covered version. Each `history` line names its commit or document; a
// "file@version" source means that file as it is in the tree of that version listed
// in scripts/kernel-facts/trees.json.

import { familyEntries } from './catalog/families.js';
import { fsEntries } from './catalog/fs.js';
import { kernelEntries } from './catalog/kernel.js';
import { netEntries } from './catalog/net.js';
import { outsideDataEntries } from './catalog/outside-data.js';
import { roleKeys } from './catalog/role-keys.js';
import { vmEntries } from './catalog/vm.js';
import { versionAtLeast } from './kernel-version.js';

export type ValueKind = 'int' | 'ints' | 'string' | 'portlist';

export interface DefaultEntry {
  /** First kernel version with this value (inclusive); '0' for "always". */
  since: string;
  /** For a stable backport: the entry stops applying at this version (its series' end). */
  until?: string;
  /** null: computed at boot from this version on (see defaultNote). */
  value: string | null;
}

/**
 * How the kernel combines a per-interface key (net.ipv4.conf.<if>.X) with its `all`
 * instance when it decides, for one interface, what X is:
 * - max: the larger of conf.all.X and conf.<if>.X (IN_DEV_MAXCONF);
 * - or: on if either is on (IN_DEV_ORCONF);
 * - and: on only if both are on (IN_DEV_ANDCONF, or min() for IPv6's accept_source_route);
 * - redirects: IPv4 accept_redirects — AND on a forwarding interface, OR otherwise;
 * - interface: only conf.<if>.X counts; writing conf.all.X changes nothing by itself;
 * - propagates: writing conf.all.X writes every interface (and default); the interface's own value counts;
 * - table: one value per neighbour table, read from neigh.default only.
 */
export type FamilyCombine = 'max' | 'or' | 'and' | 'redirects' | 'interface' | 'propagates' | 'table';

export interface FamilyInfo {
  combine: FamilyCombine;
  /** The `all` instance's default where it differs from conf.default's (which new interfaces copy). */
  allDefault?: string;
  /** The kernel source that decides it (macro or function, file@version). */
  source: string;
}

/**
 * What the kernel's handler rejects from `since` on (until the next entry), as
 * decimal strings compared as BigInt (fs.file-max goes to 2^63−1). An entry with
 * neither bound means the handler takes any integer of its type from then on.
 */
export interface BoundsEntry {
  since: string;
  /** For a stable backport: the entry stops applying at this version (its series' end). */
  until?: string;
  min?: string;
  max?: string;
  /**
   * The handler checks another bound too, one knobs cannot state (it depends on the
   * machine, e.g. kernel.pid_max's minimum grows with the CPU count): the bounds
   * given are rejections, but a value within them may still be refused.
   */
  partial?: string;
}

export interface KeyInfo {
  key: string;
  meaning: string;
  kind: ValueKind;
  /** Number of whitespace-separated fields for `ints` (bounds apply to each field). */
  fields?: number;
  /** The handler's bounds per kernel version, oldest first. Absent: the handler checks none. */
  bounds?: BoundsEntry[];
  /**
   * Values that make sense, which the kernel does NOT enforce (a write outside is
   * accepted). Named so that no one reports it as a rejection.
   */
  saneRange?: { min?: string; max?: string; why: string };
  /** Kernel default by version, oldest first. Omitted where it is computed at boot. */
  defaults?: DefaultEntry[];
  /** How the default is computed when it is not a constant. */
  defaultNote?: string;
  unit?: string;
  /** Per network namespace, or one value for the whole machine (on current kernels). */
  scope: 'netns' | 'global';
  /** First kernel release where the key is per network namespace (machine-wide before). */
  netnsSince?: string;
  /** Per network namespace before this version, machine-wide from it (the reverse of netnsSince). */
  netnsUntil?: string;
  /** Kernel version that added the key (absent before). */
  addedIn?: string;
  /** Kernel version that removed the key. */
  removedIn?: string;
  /**
   * A representative value where the default is computed at boot (the 24 GiB,
   * 2-CPU x86_64 reference host), per version. Never used as this host's default.
   */
  typical?: DefaultEntry[];
  /** The kernel reports it but no one can write it (a counter or a status line). */
  readOnly?: boolean;
  /**
   * A per-interface family (`net.ipv4.conf.*.rp_filter`): the key is written with `*`
   * where the interface goes, and looking up any interface's key finds the entry.
   */
  family?: FamilyInfo;
  /**
   * Why the extracted kernel data (src/core/kernel-data/) has no line for this key
   * (a distribution's patch, a subsystem the extraction does not read); the entry's
   * facts are then checked by hand against the cited source.
   */
  notInKernelData?: string;
  /**
   * knobs explains and validates this key but never writes it (nor lets a journal
   * restore it), with the reason: e.g. kernel.core_pattern, whose pipe form makes the
   * kernel run a program as root.
   */
  neverWrite?: string;
  /**
   * Distribution kernels commonly build in another default than mainline's (a patch
   * or a Kconfig option), so a live value that differs from `defaults` is no sign of
   * a runtime change: why.
   */
  defaultVaries?: string;
  /** Read-only before this version, writable from it. */
  writableSince?: string;
  history: string[];
}

const IP_SYSCTL = 'Documentation/networking/ip-sysctl.rst';
const SYSCTL_V4 = 'net/ipv4/sysctl_net_ipv4.c';
/** Handlers converted to u8 (proc_dou8vec_minmax): 0..255, seen in 5.15.135, not in 5.10.89. */
const U8_SINCE = '5.15.0';
const U8_NOTE = `5.15: the handler became proc_dou8vec_minmax, which rejects values outside 0..255 (${SYSCTL_V4}@5.15.135; proc_dointvec@5.10.89).`;

const entries: KeyInfo[] = [
  {
    key: 'net.ipv4.tcp_tw_recycle',
    meaning: 'Historic: shortened TIME_WAIT to ~3.5×RTO and enforced per-host timestamp (PAWS) checks on incoming SYNs.',
    kind: 'int',
    saneRange: { min: '0', max: '1', why: 'a boolean; proc_dointvec takes any integer and treats non-zero as on' },
    defaults: [{ since: '0', value: '0' }],
    scope: 'global',
    netnsSince: '4.11.0',
    removedIn: '4.12.0',
    history: [
      `4.11: per network namespace ("ipv4: Namespaceify tcp_tw_recycle and tcp_max_tw_buckets knob", H. Yan, 2016-12; ${SYSCTL_V4}: ipv4_table@4.10.1, ipv4_net_table@4.11.0), one release before its removal.`,
      '4.12: removed (4396e46187ca "tcp: remove tcp_tw_recycle"); the key no longer exists.',
      'It drops SYNs whose timestamp is older than the last one seen from the same address: clients behind one NAT address, and clients whose stack randomises timestamps per connection (Linux 4.10.0 (95a22caee396), Linux 7.x and recent 6.12.y/6.18.y stable kernels, other systems). The 4396e46187ca commit message calls it "broken for all types of connections" after 4.10.',
    ],
  },
  {
    key: 'net.ipv4.tcp_tw_reuse',
    meaning:
      'Lets connect() take over a 4-tuple still in TIME_WAIT when timestamps prove it safe. Outgoing connections only. ' +
      'From 4.18: 0 off, 1 all destinations, 2 loopback only. Before 4.18: any non-zero value means all destinations.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: '4.18.0', min: '0', max: '2' }],
    defaults: [{ since: '0', value: '0' }, { since: '4.18.0', value: '2' }],
    scope: 'netns',
    netnsSince: '4.10.0',
    history: [
      `4.10: per network namespace (${SYSCTL_V4}: ipv4_table@4.9.0, ipv4_net_table@4.10.1).`,
      `Before 4.18 the handler is proc_dointvec (any integer) and tcp_twsk_unique() tests only "sysctl_tcp_tw_reuse &&", so 2 (or 7, or -1) turns reuse on for every destination (net/ipv4/tcp_ipv4.c@4.15.0; also RHEL 7.9's 3.10.0-1160.el7, tremb1e/linux-3.10.0-1160.el7@de8b6b6f, which has no loopback backport).`,
      '4.18: bounds 0..2, value 2 (loopback only) added and made the default (79e9fed46038; tcp_twsk_unique()@4.18.0).',
      '6.14: the 1 s reuse delay became tunable as tcp_tw_reuse_delay (ms) (tcp_ipv4.c@6.13.7 vs 6.14.0, kernel-facts.md).',
    ],
  },
  {
    key: 'net.ipv4.tcp_tw_reuse_delay',
    meaning: 'Minimum age in milliseconds of a TIME_WAIT entry before tcp_tw_reuse may recycle it.',
    kind: 'int',
    bounds: [{ since: '0', min: '1', max: '60000' }],
    unit: 'ms',
    defaults: [{ since: '6.14.0', value: '1000' }],
    addedIn: '6.14.0',
    scope: 'netns',
    history: ['6.14: added (J. Sitnicki, "tcp: Add sysctl to configure TIME-WAIT reuse delay"; net/ipv4/sysctl_net_ipv4.c: absent@6.13.7, present@6.14.0 per kernel-facts.md); before, a fixed 1 s at second granularity.'],
  },
  {
    key: 'net.ipv4.tcp_timestamps',
    meaning:
      'RFC 7323 timestamps: 0 off; 1 on with a random offset (per source/destination address pair from 4.11 through 6.17, ' +
      'per connection in 4.10 and again in 7.x and recent 6.12.y/6.18.y stable kernels); 2 on without a random offset (an uptime-derived clock).',
    kind: 'int',
    bounds: [{ since: '0' }, { since: U8_SINCE, min: '0', max: '255' }],
    saneRange: { min: '0', max: '2', why: '0, 1 and 2 have a meaning; other values are stored and act as 1' },
    defaults: [{ since: '0', value: '1' }],
    scope: 'netns',
    netnsSince: '4.14.0',
    history: [
      '4.10: random timestamp offset per connection (95a22caee396); value 2 (no offset) meaningful since (tcp(7)).',
      '4.11: the offset is per source/destination address pair (28ee1b746f49 "secure_seq: downgrade to per-host timestamp offsets"; secure_tcp_ts_off(saddr, daddr) in net/core/secure_seq.c@4.12.0 … 6.18-rc1).',
      `4.14: per network namespace (${SYSCTL_V4}: ipv4_table@4.12.0, ipv4_net_table@4.14.5; 4.13 not checked).`,
      U8_NOTE,
      'Per connection again (secure_tcp_seq_and_ts_off() hashes the ports too) in 6.18.17 and later 6.18.y (net/core/secure_seq.c, codesnas/linux-6.18.y "update to v6.18.17"), 6.12.117 (kernel-facts.md K612) and 7.1.3; upstream commit not identified.',
    ],
  },
  {
    key: 'net.ipv4.tcp_fin_timeout',
    meaning: 'How long an orphaned socket (closed by the application) may stay in FIN_WAIT2. It does not change TIME_WAIT, which is fixed at 60 s.',
    kind: 'int',
    unit: 's',
    saneRange: { min: '1', why: 'proc_dointvec_jiffies has no bounds; the effective value is max(tcp_fin_timeout, 3.5 × RTO), so 0 still waits a few RTOs' },
    defaults: [{ since: '0', value: '60' }],
    scope: 'netns',
    netnsSince: '4.6.0',
    history: [
      'Linux 2.2 default was 180 s (tcp(7)); 60 s (TCP_FIN_TIMEOUT = TCP_TIMEWAIT_LEN) since.',
      '4.6: per network namespace (1e579caa18b9, cited by Kubernetes pkg/util/kernel; ipv4_table@4.4.155, ipv4_net_table@4.6.2).',
    ],
  },
  {
    key: 'net.ipv4.tcp_max_tw_buckets',
    meaning: 'Maximum TIME_WAIT entries per network namespace; beyond it sockets close without TIME_WAIT (TCPTimeWaitOverflow).',
    kind: 'int',
    saneRange: { min: '0', why: 'proc_dointvec has no bounds; a negative value disables TIME_WAIT altogether' },
    defaultNote: 'half the TCP established hash (tcp_ehash_entries / 2 from 6.1; the same figure as tcp_max_orphans before): one hash slot per 128 KiB of RAM, rounded to a power of two, capped at 512K slots.',
    typical: [{ since: '0', value: '131072' }],
    scope: 'netns',
    netnsSince: '4.11.0',
    history: [
      `${IP_SYSCTL}: "you must not lower the limit artificially".`,
      `4.11: per network namespace ("ipv4: Namespaceify tcp_tw_recycle and tcp_max_tw_buckets knob", H. Yan, 2016-12; ${SYSCTL_V4}: ipv4_table@4.10.1, ipv4_net_table@4.11.0).`,
      '6.1: tcp_ehash_entries reports the hash size this default is half of (net/ipv4/sysctl_net_ipv4.c@6.1.158).',
    ],
  },
  {
    key: 'net.ipv4.tcp_ehash_entries',
    meaning:
      'Read-only: slots in the TCP established hash of this network namespace (negative when the namespace shares the initial one\'s). ' +
      'tcp_max_tw_buckets and tcp_max_orphans default to half of it.',
    kind: 'int',
    readOnly: true,
    addedIn: '6.1.0',
    defaultNote: 'one slot per 128 KiB of RAM, a power of two, at most 524288 (thash_entries= on the kernel command line overrides it).',
    typical: [{ since: '0', value: '262144' }],
    scope: 'netns',
    history: ['6.1: added, with tcp_child_ehash_entries (net/ipv4/sysctl_net_ipv4.c: absent@5.15.135, present@6.1.158).'],
  },
  {
    key: 'net.ipv4.tcp_rfc1337',
    meaning: '1 ignores RST in TIME_WAIT (RFC 1337), protecting against TIME_WAIT assassination.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: U8_SINCE, min: '0', max: '255' }],
    saneRange: { min: '0', max: '1', why: 'a boolean; any non-zero value is on' },
    defaults: [{ since: '0', value: '0' }],
    scope: 'netns',
    netnsSince: '4.15.0',
    history: [`4.15: per network namespace (${SYSCTL_V4}: ipv4_table@4.14.5, ipv4_net_table@4.15.0).`, U8_NOTE],
  },
  {
    key: 'net.ipv4.ip_local_port_range',
    meaning: 'Ephemeral port range for connect() and bind(port 0), TCP and UDP.',
    kind: 'ints',
    fields: 2,
    bounds: [{ since: '0', min: '1', max: '65535' }],
    defaults: [{ since: '0', value: '32768 61000' }, { since: '4.2.0', value: '32768 60999' }],
    scope: 'netns',
    netnsSince: '3.13.0',
    history: [
      `3.13: per network namespace (${SYSCTL_V4}: ipv4_table@3.10.99, ipv4_net_table@3.13.10; 3.11 and 3.12 not checked); a new namespace starts from the compiled-in range.`,
      '4.2: default high end 61000 → 60999 for an even count; connect() prefers ports with the parity of the low end (07f4c90062f8).',
      '4.6: bind(0) prefers the opposite parity (ea8add2b1903 "tcp/dccp: better use of ephemeral ports in bind()").',
      'The write is rejected unless 1 <= low <= high <= 65535 and, from 4.11, low >= ip_unprivileged_port_start (ipv4_local_port_range() in net/ipv4/sysctl_net_ipv4.c).',
    ],
  },
  {
    key: 'net.ipv4.ip_local_reserved_ports',
    meaning: 'Ports excluded from automatic (ephemeral) assignment; explicit bind() still works.',
    kind: 'portlist',
    defaults: [{ since: '0', value: '' }],
    scope: 'netns',
    netnsSince: '3.16.0',
    history: [`3.16: per network namespace (122ff243f5f1 "ipv4: make ip_local_reserved_ports per netns", cited by Kubernetes pkg/util/kernel; ${SYSCTL_V4}: ipv4_table@3.14.65, ipv4_net_table@4.1.5).`],
  },
  {
    key: 'net.ipv4.ip_unprivileged_port_start',
    meaning: 'Lowest port bindable without CAP_NET_BIND_SERVICE; also the floor for ip_local_port_range.',
    kind: 'int',
    bounds: [{ since: '0', min: '0', max: '65535' }],
    defaults: [{ since: '4.11.0', value: '1024' }],
    addedIn: '4.11.0',
    scope: 'netns',
    history: [
      '4.11: added (net/ipv4/sysctl_net_ipv4.c: absent@4.10.1, present@4.11.0).',
      'The handler also rejects a value above the current low end of ip_local_port_range (ipv4_privileged_ports() in net/ipv4/sysctl_net_ipv4.c@4.12.0).',
    ],
  },
  {
    key: 'net.core.somaxconn',
    meaning: 'Silent cap on the backlog an application passes to listen(); the accept queue is min(backlog, somaxconn).',
    kind: 'int',
    bounds: [{ since: '0', min: '0', max: '65535' }, { since: '4.1.0', min: '0' }],
    defaults: [{ since: '0', value: '128' }, { since: '5.4.0', value: '4096' }],
    scope: 'netns',
    history: [
      '4.1: the 65535 cap (sk_max_ack_backlog was an unsigned short) went; only >= 0 is checked since (net/core/sysctl_net_core.c: extra2 &ushort_max@3.10.99 and in RHEL 7.9\'s 3.10.0-1160.el7, none@4.1.5).',
      `5.4: default 128 → 4096 (${IP_SYSCTL}: "Was 128 before linux-5.4").`,
    ],
  },
  {
    key: 'net.ipv4.tcp_max_syn_backlog',
    meaning:
      'Half-open (SYN_RECV) requests remembered per listener. From 4.4 only consulted when syncookies are off; ' +
      'before 4.4 it also capped the size of each listener\'s SYN table.',
    kind: 'int',
    defaultNote: 'max(128, tcp_ehash_entries / 256) before 5.4, max(128, tcp_ehash_entries / 128) from 5.4 (tcp_sk_init()).',
    typical: [{ since: '0', value: '1024' }, { since: '5.4.0', value: '2048' }],
    scope: 'netns',
    netnsSince: '4.11.0',
    history: [
      'Before 4.4, reqsk_queue_alloc() sized the SYN table min(backlog, tcp_max_syn_backlog) (net/core/request_sock.c@4.2.8); from 4.4 the SYN queue is bounded by the listen backlog and this key only drops unproven peers when syncookies are off (request_sock.c@4.4.155, tcp_conn_request()).',
      `4.11: per network namespace (${SYSCTL_V4}: ipv4_table@4.10.1, ipv4_net_table@4.11.0).`,
      '5.4: default ehash/256 → ehash/128 (tcp_sk_init() in net/ipv4/tcp_ipv4.c@4.19.78 vs 5.4.286).',
    ],
  },
  {
    key: 'net.ipv4.tcp_syncookies',
    meaning: 'Answer with SYN cookies when a listener\'s SYN queue overflows (1), never (0), or always (2, testing).',
    kind: 'int',
    bounds: [{ since: '0' }, { since: U8_SINCE, min: '0', max: '255' }],
    saneRange: { min: '0', max: '2', why: 'only 0, 1 and 2 have a meaning' },
    defaults: [{ since: '0', value: '1' }],
    scope: 'netns',
    netnsSince: '4.6.0',
    history: [`4.6: per network namespace (kubernetes.io kernel-version-requirements: "namespaced since kernel 4.6"; ${SYSCTL_V4}: ipv4_table@4.4.155, ipv4_net_table@4.6.2).`, U8_NOTE],
  },
  {
    key: 'net.ipv4.tcp_synack_retries',
    meaning: 'SYN-ACK retransmissions for passive opens (5 ≈ 63 s until a half-open entry is dropped).',
    kind: 'int',
    bounds: [{ since: '0' }, { since: U8_SINCE, min: '0', max: '255' }],
    defaults: [{ since: '0', value: '5' }],
    scope: 'netns',
    netnsSince: '4.6.0',
    history: [`4.6: per network namespace (${SYSCTL_V4}: ipv4_table@4.4.155, ipv4_net_table@4.6.2).`, U8_NOTE],
  },
  {
    key: 'net.ipv4.tcp_syn_retries',
    meaning: 'SYN retransmissions for active opens: how long connect() waits for a dead host.',
    kind: 'int',
    bounds: [{ since: '0', min: '1', max: '127' }],
    defaults: [{ since: '0', value: '5' }, { since: '3.7.0', value: '6' }],
    scope: 'netns',
    netnsSince: '4.6.0',
    history: [
      '3.7: default 5 → 6 (tcp(7)).',
      `4.6: per network namespace (${SYSCTL_V4}: ipv4_table@4.4.155, ipv4_net_table@4.6.2).`,
      '6.5: tcp_syn_linear_timeouts (ccce324dabfe) adds 4 linear retries before the exponential ones; default give-up ≈ 131 s instead of ≈ 127 s (absent in 6.1.158, present in 6.6.9).',
    ],
  },
  {
    key: 'net.ipv4.tcp_keepalive_time',
    meaning: 'Idle seconds before the first keepalive probe, for sockets that enabled SO_KEEPALIVE only.',
    kind: 'int',
    unit: 's',
    saneRange: { min: '1', why: 'proc_dointvec_jiffies has no bounds' },
    defaults: [{ since: '0', value: '7200' }],
    scope: 'netns',
    netnsSince: '4.5.0',
    history: [
      'The kernel never enables keepalive by itself; applications set SO_KEEPALIVE (tcp(7)).',
      `4.5: per network namespace (13b287e8d1ca "ipv4: Namespaceify tcp_keepalive_time sysctl knob"); a new namespace (a pod) starts from the compiled-in 7200, not from the host's value (tcp_sk_init() in net/ipv4/tcp_ipv4.c).`,
    ],
  },
  {
    key: 'net.ipv4.tcp_keepalive_intvl',
    meaning: 'Seconds between keepalive probes.',
    kind: 'int',
    unit: 's',
    saneRange: { min: '1', why: 'proc_dointvec_jiffies has no bounds' },
    defaults: [{ since: '0', value: '75' }],
    scope: 'netns',
    netnsSince: '4.5.0',
    history: ['4.5: per network namespace (b840d15d3912 "ipv4: Namespaceify tcp_keepalive_intvl sysctl knob").'],
  },
  {
    key: 'net.ipv4.tcp_keepalive_probes',
    meaning: 'Unanswered keepalive probes before the connection is reset.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: U8_SINCE, min: '0', max: '255' }],
    saneRange: { min: '1', why: '0 resets the connection at the first unanswered probe' },
    defaults: [{ since: '0', value: '9' }],
    scope: 'netns',
    netnsSince: '4.5.0',
    history: ['4.5: per network namespace (9bd6861bd432 "ipv4: Namespecify tcp_keepalive_probes sysctl knob").', U8_NOTE],
  },
  {
    key: 'net.ipv4.tcp_max_orphans',
    meaning: 'Maximum orphaned sockets (closed by the application, still in the kernel) system-wide.',
    kind: 'int',
    saneRange: { min: '0', why: 'proc_dointvec has no bounds' },
    defaultNote: 'half the TCP established hash (tcp_init(): cnt / 2), the same figure as the tcp_max_tw_buckets default.',
    typical: [{ since: '0', value: '131072' }],
    scope: 'global',
    history: [`${IP_SYSCTL}: "you must not rely on this or lower the limit artificially".`],
  },
  {
    key: 'net.ipv4.tcp_slow_start_after_idle',
    meaning: 'Collapse the congestion window after an idle period (RFC 2861).',
    kind: 'int',
    bounds: [{ since: '0' }, { since: U8_SINCE, min: '0', max: '255' }],
    saneRange: { min: '0', max: '1', why: 'a boolean; any non-zero value is on' },
    defaults: [{ since: '0', value: '1' }],
    scope: 'netns',
    netnsSince: '4.15.0',
    history: [`4.15: per network namespace (${SYSCTL_V4}: ipv4_table@4.14.5, ipv4_net_table@4.15.0).`, U8_NOTE],
  },
  {
    key: 'net.ipv4.tcp_rmem',
    meaning: 'TCP receive buffer min / default / max in bytes; max is the autotuning ceiling.',
    kind: 'ints',
    fields: 3,
    bounds: [{ since: '0', min: '1' }],
    unit: 'bytes',
    defaultNote: 'PAGE_SIZE, then 87380 (131072 from 4.20), then a share of RAM capped at 6 MiB (32 MiB from 6.16).',
    typical: [
      { since: '0', value: '4096 87380 6291456' },
      { since: '4.20.0', value: '4096 131072 6291456' },
      { since: '6.16.0', value: '4096 131072 33554432' },
    ],
    scope: 'netns',
    netnsSince: '4.15.0',
    history: [
      `4.15: per network namespace (${SYSCTL_V4}: ipv4_table@4.14.5, ipv4_net_table@4.15.0); a new namespace copies the host's current values.`,
      '4.20: default 87380 → 131072 (a337531b942b per kernel-facts.md; tcp_init() in net/ipv4/tcp.c has 87380@4.19.78 and 131072@5.4.286).',
      '6.16: max cap 6 MiB → 32 MiB (572be9bf9d0d; absent in 6.14.0, present in 6.17.0 per kernel-facts.md).',
    ],
  },
  {
    key: 'net.ipv4.tcp_wmem',
    meaning: 'TCP send buffer min / default / max in bytes.',
    kind: 'ints',
    fields: 3,
    bounds: [{ since: '0', min: '1' }],
    unit: 'bytes',
    defaultNote: 'PAGE_SIZE 16384 max(64 KiB, min(4 MiB, RAM/128)).',
    typical: [{ since: '0', value: '4096 16384 4194304' }],
    scope: 'netns',
    netnsSince: '4.15.0',
    history: [`4.15: per network namespace (${SYSCTL_V4}: ipv4_table@4.14.5, ipv4_net_table@4.15.0); a new namespace copies the host's current values.`],
  },
  {
    key: 'net.core.rmem_max',
    meaning: 'Largest SO_RCVBUF an application may request. Does not cap TCP autotuning (tcp_rmem does).',
    kind: 'int',
    unit: 'bytes',
    saneRange: { min: '2304', why: 'the kernel rejects values below SOCK_MIN_RCVBUF, about 2304 bytes on x86_64 (it depends on sizeof(struct sk_buff))' },
    defaults: [{ since: '6.18.0', value: '4194304' }],
    defaultNote: 'before 6.18: SK_RMEM_MAX = 256 packets of SKB_TRUESIZE(256), 212992 bytes on x86_64.',
    typical: [{ since: '0', value: '212992' }, { since: '6.18.0', value: '4194304' }],
    scope: 'global',
    history: [
      'One value for the machine; from 6.x it is listed in every namespace\'s net.core table but read-only outside the initial one (sysctl_core_net_init() in net/core/sysctl_net_core.c@6.12.0).',
      '6.18: default 212992 → 4 MiB ("net: set net.core.rmem_max and net.core.wmem_max to 4 MB"; SK_RMEM_MAX (1 << 22) in net/core/sock.c@7.1.3, absent in 6.17.0 per kernel-facts.md).',
    ],
  },
  {
    key: 'net.core.wmem_max',
    meaning: 'Largest SO_SNDBUF an application may request.',
    kind: 'int',
    unit: 'bytes',
    bounds: [{ since: '0', min: '2048' }, { since: '4.1.0' }],
    saneRange: { min: '4608', why: 'from 4.1 the kernel rejects values below SOCK_MIN_SNDBUF, about 4608 bytes on x86_64 (it depends on sizeof(struct sk_buff)); 2048 before' },
    defaults: [{ since: '6.18.0', value: '4194304' }],
    defaultNote: 'before 6.18: SK_WMEM_MAX = 256 packets of SKB_TRUESIZE(256), 212992 bytes on x86_64.',
    typical: [{ since: '0', value: '212992' }, { since: '6.18.0', value: '4194304' }],
    scope: 'global',
    history: [
      'The lower bound is SOCK_MIN_SNDBUF: 2048 in 3.10.99, 2 × (2048 + sizeof(struct sk_buff)) from 4.1 (include/net/sock.h).',
      '6.18: default 212992 → 4 MiB (SK_WMEM_MAX in net/core/sock.c@7.1.3; see net.core.rmem_max).',
    ],
  },
  {
    key: 'net.core.netdev_max_backlog',
    meaning: 'Per-CPU input queue (packets) when the NIC delivers faster than the stack consumes.',
    kind: 'int',
    saneRange: { min: '1', why: 'proc_dointvec has no bounds' },
    defaults: [{ since: '0', value: '1000' }],
    scope: 'global',
    history: [],
  },
  {
    key: 'net.ipv4.ip_forward',
    meaning: 'Route packets between interfaces. Required on NAT gateways; changing it resets per-interface settings to host or router defaults.',
    kind: 'int',
    saneRange: { min: '0', max: '1', why: 'a boolean; devinet_sysctl_forward() takes any integer' },
    defaults: [{ since: '0', value: '0' }],
    scope: 'netns',
    history: ['A new network namespace copies the initial namespace\'s value (devconf_inherit_init_net, net/ipv4/devinet.c).'],
  },
  {
    key: 'net.netfilter.nf_conntrack_max',
    meaning: 'Maximum flows conntrack tracks; a full table drops new flows ("nf_conntrack: table full, dropping packet").',
    kind: 'int',
    bounds: [
      { since: '0' },
      { since: '6.1.158', until: '6.2.0', min: '0', max: '2147483647' },
      { since: '6.18.0', min: '0', max: '2147483647' },
      { since: '7.1.0', min: '1', max: '2147483647' },
    ],
    saneRange: { min: '1', why: 'proc_dointvec took any integer until the bounds were added' },
    defaultNote:
      'nf_conntrack_buckets × 4 before 5.15 and × 1 from 5.15 (262144 on 64-bit hosts with more than 4 GiB RAM either way; 65536 in 3.10); × 8 when the hashsize module parameter is given (nf_conntrack_init_start()).',
    typical: [{ since: '0', value: '262144' }],
    scope: 'global',
    history: [
      '5.13: read-only in non-initial network namespaces (2671fa4dc010); also in 5.4.286 and 5.10.89 stable.',
      '5.15: max_factor 4 → 1 (net/netfilter/nf_conntrack_core.c@5.10.89 vs 5.15.135).',
      'Bounds: proc_dointvec (none) up to 6.12.0; 0..INT_MAX (proc_dointvec_minmax) in 6.18.2 and backported to 6.1.158; 1..INT_MAX in 7.1.3 (net/netfilter/nf_conntrack_standalone.c at those versions; the mainline releases between were not checked).',
      'Exists only while nf_conntrack is loaded (the module registers the table: net/netfilter/nf_conntrack_standalone.c).',
    ],
  },
  {
    key: 'net.netfilter.nf_conntrack_count',
    meaning: 'Read-only: flows conntrack tracks right now in this network namespace; compare with nf_conntrack_max.',
    kind: 'int',
    readOnly: true,
    defaultNote: 'A live counter (0 when nothing is tracked).',
    typical: [{ since: '0', value: '0' }],
    scope: 'netns',
    history: ['Exists only while nf_conntrack is loaded (nf-sysctl).'],
  },
  {
    key: 'net.netfilter.nf_conntrack_tcp_timeout_established',
    meaning: 'Idle seconds before conntrack forgets an ESTABLISHED flow (and a NAT mapping with it).',
    kind: 'int',
    unit: 's',
    defaults: [{ since: '0', value: '432000' }],
    scope: 'netns',
    history: ['tcp_timeouts[] in net/netfilter/nf_conntrack_proto_tcp.c: 5 days in every covered version.'],
  },
  {
    key: 'net.netfilter.nf_conntrack_tcp_timeout_time_wait',
    meaning: 'Lifetime of a conntrack TIME_WAIT entry (the firewall entry, not the socket).',
    kind: 'int',
    unit: 's',
    defaults: [{ since: '0', value: '120' }],
    scope: 'netns',
    history: [],
  },
  {
    key: 'net.netfilter.nf_conntrack_tcp_timeout_close_wait',
    meaning: 'Lifetime of a conntrack CLOSE_WAIT entry; it does not close the socket.',
    kind: 'int',
    unit: 's',
    defaults: [{ since: '0', value: '60' }],
    scope: 'netns',
    history: [],
  },
  {
    key: 'net.netfilter.nf_conntrack_tcp_timeout_fin_wait',
    meaning: 'Lifetime of a conntrack FIN_WAIT entry.',
    kind: 'int',
    unit: 's',
    defaults: [{ since: '0', value: '120' }],
    scope: 'netns',
    history: [],
  },
  {
    key: 'fs.file-max',
    meaning: 'System-wide maximum of open file structures.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: '4.19.0', min: '0', max: '9223372036854775807' }],
    defaultNote: 'About one file per 10 KiB of RAM (2466170 on a 24 GiB host); systemd ≥ 240 (PID 1, bump_file_max_and_nr_open() in src/core/main.c) writes 9223372036854775807 (LONG_MAX) at boot.',
    typical: [{ since: '0', value: '2466170' }],
    scope: 'global',
    history: [
      '4.19: bounds 0..LONG_MAX (2^63−1) for proc_doulongvec_minmax (kernel/sysctl.c: no extras@4.18.0, &zero_ul/&long_max@4.19.78, a stable backport; the mainline release was not identified). Larger values are compared as exact integers, never as floating point.',
    ],
  },
  {
    key: 'fs.nr_open',
    meaning: 'Maximum file descriptors per process: the ceiling for any hard RLIMIT_NOFILE. setrlimit above it fails with EPERM.',
    kind: 'int',
    bounds: [{ since: '0', min: '64', max: '2147483584' }],
    defaults: [{ since: '0', value: '1048576' }],
    scope: 'global',
    history: [
      'Bounds sysctl_nr_open_min/max: BITS_PER_LONG and min(INT_MAX, SIZE_MAX / sizeof(void *)) & -BITS_PER_LONG = 2147483584 on 64-bit (fs/file.c).',
      'pam_limits: a hard nofile above it makes setrlimit fail; what the session does then depends on the distribution\'s pam (modules/pam_limits/pam_limits.c; rule limits/nofile-above-nr-open).',
    ],
  },
  {
    key: 'fs.file-nr',
    meaning: 'Read-only: allocated file handles, 0, and fs.file-max.',
    kind: 'ints',
    fields: 3,
    readOnly: true,
    scope: 'global',
    history: ['The second field is always 0 since 2.6 (Documentation/admin-guide/sysctl/fs.rst).'],
  },
];

// New entries live in modules under ./catalog/ (one per subsystem) so that they can
// grow without everyone editing this list.
const allEntries: KeyInfo[] = [...entries, ...roleKeys, ...netEntries, ...familyEntries, ...vmEntries, ...kernelEntries, ...fsEntries, ...outsideDataEntries];
const byKey = new Map(allEntries.map((e) => [e.key, e]));

/**
 * The family a per-interface key belongs to: `net.ipv4.conf.eth0.rp_filter` →
 * `net.ipv4.conf.*.rp_filter` (also conf.all / conf.default, neigh.<if>); other keys
 * are their own family. Pure spelling: says nothing about whether knobs knows it.
 */
export function familyKey(key: string): string {
  const parts = key.split('.');
  return perInterface(parts) ? [...parts.slice(0, 3), '*', ...parts.slice(4)].join('.') : key;
}

function perInterface(parts: string[]): boolean {
  return parts.length >= 5 && parts[0] === 'net' && (parts[1] === 'ipv4' || parts[1] === 'ipv6') && (parts[2] === 'conf' || parts[2] === 'neigh');
}

/** The interface part of a per-interface key (`eth0`, `all`, `default`, `*`), or null for other keys. */
export function familyMember(key: string): string | null {
  const parts = key.split('.');
  return perInterface(parts) ? parts[3]! : null;
}

function find(key: string): KeyInfo | undefined {
  const direct = byKey.get(key);
  if (direct) return direct;
  const fam = byKey.get(familyKey(key));
  return fam?.family ? fam : undefined;
}

/** What knobs knows about `key`; a per-interface key finds its family's entry (whose `key` has `*`). */
export function keyInfo(key: string): KeyInfo | undefined {
  return find(key);
}

/** The single keys the catalogue knows (families are in knownFamilies()). */
export function knownKeys(): string[] {
  return [...byKey.keys()].filter((k) => !byKey.get(k)!.family).sort();
}

/** The per-interface families, written with `*` for the interface. */
export function knownFamilies(): string[] {
  return [...byKey.keys()].filter((k) => byKey.get(k)!.family).sort();
}

function atVersion<T extends { since: string; until?: string }>(all: readonly T[] | undefined, version: string | null): T | undefined {
  const list = all?.filter((e) => e.until === undefined || (version !== null && !versionAtLeast(version, e.until)));
  if (!list?.length) return undefined;
  if (version === null) return list[list.length - 1];
  let found: T | undefined;
  for (const d of list) if (d.since === '0' || versionAtLeast(version, d.since)) found = d;
  return found;
}

/** The kernel's default for `key` on `version`, or undefined when it is computed or unknown. */
export function defaultFor(key: string, version: string | null): string | undefined {
  const info = find(key);
  if (info?.family?.allDefault !== undefined && familyMember(key) === 'all') return info.family.allDefault;
  return atVersion(info?.defaults, version)?.value ?? undefined;
}

/** The reference host's value where the default is computed at boot (never this host's default). */
export function typicalFor(key: string, version: string | null): string | undefined {
  return atVersion(find(key)?.typical, version)?.value ?? undefined;
}

/** The bounds the handler enforces on `version` ({} when none); null version = the newest kernel. */
export function handlerBounds(key: string, version: string | null): { min?: string; max?: string } {
  const b = atVersion(find(key)?.bounds, version);
  return b ? { ...(b.min !== undefined ? { min: b.min } : {}), ...(b.max !== undefined ? { max: b.max } : {}) } : {};
}

/** Whether the handler on `version` checks a bound the catalogue cannot state (so its bounds are not the whole story). */
export function boundsArePartial(key: string, version: string | null): boolean {
  return Boolean(atVersion(find(key)?.bounds, version)?.partial);
}

/** 'netns' or 'global' on `version` (null = current kernels). */
export function scopeFor(key: string, version: string | null): 'netns' | 'global' | undefined {
  const info = find(key);
  if (!info) return undefined;
  if (info.netnsUntil !== undefined) return version !== null && !versionAtLeast(version, info.netnsUntil) ? 'netns' : info.scope;
  if (info.netnsSince === undefined) return info.scope;
  if (version === null || versionAtLeast(version, info.netnsSince)) return 'netns';
  return 'global';
}

/** Whether the kernel refuses writes of `key` on `version` (null = current kernels). */
export function readOnlyAt(key: string, version: string | null): boolean {
  const info = find(key);
  if (!info) return false;
  if (info.writableSince !== undefined) return version !== null && !versionAtLeast(version, info.writableSince);
  return Boolean(info.readOnly);
}

/** Why the kernel would reject `value` for `key`, or null when it would accept it. */
export function rejectReason(key: string, value: string, version: string | null): string | null {
  const info = find(key);
  if (!info) return null;
  if (readOnlyAt(key, version)) return 'read-only: the kernel reports it but does not accept writes';
  if (info.removedIn && version !== null && versionAtLeast(version, info.removedIn)) {
    return `removed in Linux ${info.removedIn.replace(/\.0$/, '')}`;
  }
  if (info.addedIn && version !== null && !versionAtLeast(version, info.addedIn)) {
    return `added in Linux ${info.addedIn.replace(/\.0$/, '')}`;
  }
  const folded = value.trim().replace(/\s+/g, ' ');
  if (info.kind === 'string') return null;
  if (info.kind === 'portlist') {
    return /^(\d+(-\d+)?)(,\d+(-\d+)?)*$|^$/.test(folded) ? null : 'expected a comma-separated list of ports or port ranges';
  }
  const fields = folded === '' ? [] : folded.split(' ');
  const want = info.kind === 'ints' ? (info.fields ?? fields.length) : 1;
  if (fields.length !== want) return `expected ${want} integer${want > 1 ? 's' : ''}`;
  const { min, max } = handlerBounds(key, version);
  for (const f of fields) {
    if (!/^-?\d+$/.test(f)) return `"${f}" is not an integer`;
    // BigInt: fs.file-max's bound is 2^63−1, beyond exact JavaScript numbers.
    const n = BigInt(f);
    if (min !== undefined && n < BigInt(min)) return `${f} is below the minimum ${min} the kernel accepts`;
    if (max !== undefined && n > BigInt(max)) return `${f} is above the maximum ${max} the kernel accepts`;
  }
  if (key === 'net.ipv4.ip_local_port_range' && BigInt(fields[0]!) > BigInt(fields[1]!)) {
    return 'the low end must not exceed the high end';
  }
  return null;
}

/** Whether `value` lies outside the key's sane range (which the kernel does not enforce). */
export function outsideSaneRange(key: string, value: string): string | null {
  const s = find(key)?.saneRange;
  if (!s) return null;
  for (const f of value.trim().split(/\s+/)) {
    if (!/^-?\d+$/.test(f)) continue;
    const n = BigInt(f);
    if ((s.min !== undefined && n < BigInt(s.min)) || (s.max !== undefined && n > BigInt(s.max))) {
      return `${f} is outside the sane range ${s.min ?? '…'}..${s.max ?? '…'} (${s.why})`;
    }
  }
  return null;
}

export type TwReuseMode = 'off' | 'all' | 'loopback';

/**
 * What a tcp_tw_reuse value does on a kernel version. From 4.18 (79e9fed46038):
 * 0 off, 1 every destination, 2 loopback only, anything else rejected (null).
 * Before 4.18 the handler is proc_dointvec and tcp_twsk_unique() tests only
 * non-zero, so every non-zero value, 2 included, means every destination.
 * An unknown version is taken as a current kernel.
 */
export function tcpTwReuseMode(value: number | string | null | undefined, version: string | null): TwReuseMode | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (!/^-?\d+$/.test(text)) return null;
  const n = Number(text);
  if (version !== null && !versionAtLeast(version, '4.18.0')) return n === 0 ? 'off' : 'all';
  return n === 0 ? 'off' : n === 1 ? 'all' : n === 2 ? 'loopback' : null;
}

/** Whether tcp_tw_reuse lets connect() reuse a TIME_WAIT tuple towards this peer. */
export function tcpTwReuseApplies(value: number | string | null | undefined, version: string | null, peerIsLoopback: boolean): boolean {
  const mode = tcpTwReuseMode(value, version);
  return mode === 'all' || (mode === 'loopback' && peerIsLoopback);
}
