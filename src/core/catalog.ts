// What knobs knows about each sysctl key: meaning, default per kernel, the values
// the kernel's handler accepts, scope and history. This is the single source of
// those facts: profiles are validated against it, rules ask it for defaults and
// valid values, and `knobs explain <key>` prints it.
// Sources: shared/reference/kernel-facts.md (K618 = Linux 6.18 ip-sysctl.rst and
// handlers), tcp(7); each `history` line names its commit or document.

import { versionAtLeast } from './kernel-version.js';

export type ValueKind = 'int' | 'ints' | 'string' | 'portlist';

export interface DefaultEntry {
  /** First kernel version with this default (inclusive); '0' for "always". */
  since: string;
  value: string;
}

export interface KeyInfo {
  key: string;
  meaning: string;
  kind: ValueKind;
  /** Number of whitespace-separated fields for `ints`. */
  fields?: number;
  /** Bounds the kernel's handler enforces, per field. */
  min?: number;
  max?: number;
  /** Exact set of accepted integers, when the handler has one (may depend on the kernel). */
  allowed?: (version: string | null) => number[] | null;
  /** Kernel default by version, oldest first. Omitted when computed at boot from RAM. */
  defaults?: DefaultEntry[];
  /** How the default is computed when it is not a constant. */
  defaultNote?: string;
  unit?: string;
  /** Per network namespace, or one value for the whole machine. */
  scope: 'netns' | 'global';
  /** Kernel version that added the key (absent before). */
  addedIn?: string;
  /** Kernel version that removed the key. */
  removedIn?: string;
  /** A representative value where the default is computed at boot (24 GiB, 2-CPU reference host). */
  typical?: string;
  /** The kernel reports it but no one can write it (a counter or a status line). */
  readOnly?: boolean;
  history: string[];
}

const IP_SYSCTL = 'Documentation/networking/ip-sysctl.rst';

const entries: KeyInfo[] = [
  {
    key: 'net.ipv4.tcp_tw_recycle',
    meaning: 'Historic: shortened TIME_WAIT to ~3.5×RTO and enforced per-host timestamp (PAWS) checks on incoming SYNs.',
    kind: 'int', min: 0, max: 1, allowed: () => [0, 1],
    defaults: [{ since: '0', value: '0' }],
    scope: 'netns', removedIn: '4.12.0',
    history: [
      '4.10: per-connection timestamp offsets (95a22caee396) break it for every connection, not only NAT.',
      '4.12: removed (4396e46187ca "tcp: remove tcp_tw_recycle"); the key no longer exists.',
    ],
  },
  {
    key: 'net.ipv4.tcp_tw_reuse',
    meaning: 'Lets connect() take over a 4-tuple still in TIME_WAIT when timestamps prove it safe. Outgoing connections only.',
    kind: 'int', min: 0,
    allowed: (v) => (v !== null && !versionAtLeast(v, '4.18.0') ? [0, 1] : [0, 1, 2]),
    defaults: [{ since: '0', value: '0' }, { since: '4.18.0', value: '2' }],
    scope: 'netns',
    history: [
      '4.11: per network namespace.',
      '4.18: value 2 (loopback only) added and made the default (79e9fed46038); before, 0/1 with default 0.',
      '6.14: the 1 s reuse delay became tunable as tcp_tw_reuse_delay (ms).',
    ],
  },
  {
    key: 'net.ipv4.tcp_tw_reuse_delay',
    meaning: 'Minimum age in milliseconds of a TIME_WAIT entry before tcp_tw_reuse may recycle it.',
    kind: 'int', min: 1, max: 60000, unit: 'ms',
    defaults: [{ since: '6.14.0', value: '1000' }],
    addedIn: '6.14.0',
    scope: 'netns',
    history: ['6.14: added (J. Sitnicki); before, a fixed 1 s at second granularity.'],
  },
  {
    key: 'net.ipv4.tcp_timestamps',
    meaning: 'RFC 7323 timestamps: 0 off, 1 on with a random offset per connection, 2 on without random offset.',
    kind: 'int', min: 0, max: 255,
    defaults: [{ since: '0', value: '1' }],
    scope: 'netns',
    history: ['4.10: per-connection random offsets (95a22caee396); value 2 meaningful since.'],
  },
  {
    key: 'net.ipv4.tcp_fin_timeout',
    meaning: 'How long an orphaned socket (closed by the application) may stay in FIN_WAIT2. It does not change TIME_WAIT, which is fixed at 60 s.',
    kind: 'int', min: 1, unit: 's',
    defaults: [{ since: '0', value: '60' }],
    scope: 'netns',
    history: ['Linux 2.2 default was 180 s (tcp(7)); 60 s (TCP_FIN_TIMEOUT = TCP_TIMEWAIT_LEN) since.'],
  },
  {
    key: 'net.ipv4.tcp_max_tw_buckets',
    meaning: 'Maximum TIME_WAIT entries per network namespace; beyond it sockets close without TIME_WAIT (TCPTimeWaitOverflow).',
    kind: 'int', min: 0,
    defaultNote: 'ehash entries / 2 (1 hash slot per 128 KiB RAM, capped at 512K): 131072 on a 24 GiB host.', typical: '131072',
    scope: 'netns',
    history: [`${IP_SYSCTL}: "you must not lower the limit artificially".`],
  },
  {
    key: 'net.ipv4.tcp_rfc1337',
    meaning: '1 ignores RST in TIME_WAIT (RFC 1337), protecting against TIME_WAIT assassination.',
    kind: 'int', min: 0, max: 1, defaults: [{ since: '0', value: '0' }], scope: 'netns', history: [],
  },
  {
    key: 'net.ipv4.ip_local_port_range',
    meaning: 'Ephemeral port range for connect() and bind(port 0), TCP and UDP.',
    kind: 'ints', fields: 2, min: 1, max: 65535,
    defaults: [{ since: '0', value: '32768 61000' }, { since: '4.2.0', value: '32768 60999' }],
    scope: 'netns',
    history: [
      '4.2: default high end 61000 → 60999 for an even count; connect() prefers ports with the parity of the low end (07f4c90062f8).',
      '4.6: bind(0) prefers the opposite parity.',
      'The write is rejected unless low <= high and low >= ip_unprivileged_port_start.',
    ],
  },
  {
    key: 'net.ipv4.ip_local_reserved_ports',
    meaning: 'Ports excluded from automatic (ephemeral) assignment; explicit bind() still works.',
    kind: 'portlist', defaults: [{ since: '0', value: '' }], scope: 'netns', history: [],
  },
  {
    key: 'net.ipv4.ip_unprivileged_port_start',
    meaning: 'Lowest port bindable without CAP_NET_BIND_SERVICE; also the floor for ip_local_port_range.',
    kind: 'int', min: 0, max: 65535, defaults: [{ since: '4.11.0', value: '1024' }], addedIn: '4.11.0', scope: 'netns',
    history: ['4.11: added.'],
  },
  {
    key: 'net.core.somaxconn',
    meaning: 'Silent cap on the backlog an application passes to listen(); the accept queue is min(backlog, somaxconn).',
    kind: 'int', min: 0, max: 2147483647,
    defaults: [{ since: '0', value: '128' }, { since: '5.4.0', value: '4096' }],
    scope: 'netns',
    history: [`5.4: default 128 → 4096 (${IP_SYSCTL}: "Was 128 before linux-5.4").`],
  },
  {
    key: 'net.ipv4.tcp_max_syn_backlog',
    meaning: 'Half-open (SYN_RECV) requests remembered per listener. Only consulted when syncookies are off.',
    kind: 'int', min: 0,
    defaultNote: 'max(128, ehash entries / 128): 2048 on a 24 GiB host.', typical: '2048',
    scope: 'netns',
    history: ['The SYN queue is bounded by min(backlog, somaxconn); this key only drops unproven peers when syncookies are off.'],
  },
  {
    key: 'net.ipv4.tcp_syncookies',
    meaning: 'Answer with SYN cookies when a listener\'s SYN queue overflows (1), never (0), or always (2, testing).',
    kind: 'int', min: 0, max: 2, defaults: [{ since: '0', value: '1' }], scope: 'netns', history: [],
  },
  {
    key: 'net.ipv4.tcp_synack_retries',
    meaning: 'SYN-ACK retransmissions for passive opens (5 ≈ 63 s until a half-open entry is dropped).',
    kind: 'int', min: 0, max: 255, defaults: [{ since: '0', value: '5' }], scope: 'netns', history: [],
  },
  {
    key: 'net.ipv4.tcp_syn_retries',
    meaning: 'SYN retransmissions for active opens: how long connect() waits for a dead host.',
    kind: 'int', min: 1, max: 127,
    defaults: [{ since: '0', value: '5' }, { since: '3.7.0', value: '6' }],
    scope: 'netns',
    history: ['3.7: default 5 → 6 (tcp(7)).', '6.x: tcp_syn_linear_timeouts adds 4 linear retries; default give-up ≈ 131 s.'],
  },
  {
    key: 'net.ipv4.tcp_keepalive_time',
    meaning: 'Idle seconds before the first keepalive probe, for sockets that enabled SO_KEEPALIVE only.',
    kind: 'int', min: 1, unit: 's', defaults: [{ since: '0', value: '7200' }], scope: 'netns',
    history: ['The kernel never enables keepalive by itself; applications set SO_KEEPALIVE.'],
  },
  {
    key: 'net.ipv4.tcp_keepalive_intvl',
    meaning: 'Seconds between keepalive probes.',
    kind: 'int', min: 1, unit: 's', defaults: [{ since: '0', value: '75' }], scope: 'netns', history: [],
  },
  {
    key: 'net.ipv4.tcp_keepalive_probes',
    meaning: 'Unanswered keepalive probes before the connection is reset.',
    kind: 'int', min: 1, max: 255, defaults: [{ since: '0', value: '9' }], scope: 'netns', history: [],
  },
  {
    key: 'net.ipv4.tcp_max_orphans',
    meaning: 'Maximum orphaned sockets (closed by the application, still in the kernel) system-wide.',
    kind: 'int', min: 0,
    defaultNote: 'ehash entries / 2: 131072 on a 24 GiB host.', typical: '131072',
    scope: 'global',
    history: [`${IP_SYSCTL}: "you must not rely on this or lower the limit artificially".`],
  },
  {
    key: 'net.ipv4.tcp_slow_start_after_idle',
    meaning: 'Collapse the congestion window after an idle period (RFC 2861).',
    kind: 'int', min: 0, max: 1, defaults: [{ since: '0', value: '1' }], scope: 'netns', history: [],
  },
  {
    key: 'net.ipv4.tcp_rmem',
    meaning: 'TCP receive buffer min / default / max in bytes; max is the autotuning ceiling.',
    kind: 'ints', fields: 3, min: 1, unit: 'bytes',
    defaultNote: 'PAGE_SIZE 131072 max(131072, min(32 MiB, RAM/128)); the max cap was 6 MiB before 6.16.', typical: '4096 131072 6291456',
    scope: 'netns',
    history: ['5.x: default 87380 → 131072.', '6.16: max cap 6 MiB → 32 MiB (572be9bf9d0d).'],
  },
  {
    key: 'net.ipv4.tcp_wmem',
    meaning: 'TCP send buffer min / default / max in bytes.',
    kind: 'ints', fields: 3, min: 1, unit: 'bytes',
    defaultNote: 'PAGE_SIZE 16384 max(64 KiB, min(4 MiB, RAM/128)).', typical: '4096 16384 4194304',
    scope: 'netns', history: [],
  },
  {
    key: 'net.core.rmem_max',
    meaning: 'Largest SO_RCVBUF an application may request. Does not cap TCP autotuning (tcp_rmem does).',
    kind: 'int', min: 2304, unit: 'bytes',
    defaults: [{ since: '0', value: '212992' }, { since: '6.18.0', value: '4194304' }],
    scope: 'global',
    history: ['6.18: default 212992 → 4 MiB ("net: set net.core.rmem_max and net.core.wmem_max to 4 MB").'],
  },
  {
    key: 'net.core.wmem_max',
    meaning: 'Largest SO_SNDBUF an application may request.',
    kind: 'int', min: 4608, unit: 'bytes',
    defaults: [{ since: '0', value: '212992' }, { since: '6.18.0', value: '4194304' }],
    scope: 'global',
    history: ['6.18: default 212992 → 4 MiB.'],
  },
  {
    key: 'net.core.netdev_max_backlog',
    meaning: 'Per-CPU input queue (packets) when the NIC delivers faster than the stack consumes.',
    kind: 'int', min: 1, defaults: [{ since: '0', value: '1000' }], scope: 'global', history: [],
  },
  {
    key: 'net.ipv4.ip_forward',
    meaning: 'Route packets between interfaces. Required on NAT gateways; changing it resets per-interface settings to host or router defaults.',
    kind: 'int', min: 0, max: 1, defaults: [{ since: '0', value: '0' }], scope: 'netns', history: [],
  },
  {
    key: 'net.netfilter.nf_conntrack_max',
    meaning: 'Maximum flows conntrack tracks; a full table drops new flows ("nf_conntrack: table full, dropping packet").',
    kind: 'int', min: 0,
    defaultNote: 'nf_conntrack_buckets (262144 on 64-bit hosts with more than 4 GiB RAM).', typical: '262144',
    scope: 'global',
    history: ['5.13: read-only in non-initial network namespaces (2671fa4dc010).', 'Exists only while nf_conntrack is loaded.'],
  },
  {
    key: 'net.netfilter.nf_conntrack_count',
    meaning: 'Read-only: flows conntrack tracks right now in this network namespace; compare with nf_conntrack_max.',
    kind: 'int', min: 0, readOnly: true,
    defaultNote: 'A live counter (0 when nothing is tracked).', typical: '0',
    scope: 'netns',
    history: ['Exists only while nf_conntrack is loaded (nf-sysctl).'],
  },
  {
    key: 'net.netfilter.nf_conntrack_tcp_timeout_established',
    meaning: 'Idle seconds before conntrack forgets an ESTABLISHED flow (and a NAT mapping with it).',
    kind: 'int', min: 0, unit: 's', defaults: [{ since: '0', value: '432000' }], scope: 'netns', history: [],
  },
  {
    key: 'net.netfilter.nf_conntrack_tcp_timeout_time_wait',
    meaning: 'Lifetime of a conntrack TIME_WAIT entry (the firewall entry, not the socket).',
    kind: 'int', min: 0, unit: 's', defaults: [{ since: '0', value: '120' }], scope: 'netns', history: [],
  },
  {
    key: 'net.netfilter.nf_conntrack_tcp_timeout_close_wait',
    meaning: 'Lifetime of a conntrack CLOSE_WAIT entry; it does not close the socket.',
    kind: 'int', min: 0, unit: 's', defaults: [{ since: '0', value: '60' }], scope: 'netns', history: [],
  },
  {
    key: 'net.netfilter.nf_conntrack_tcp_timeout_fin_wait',
    meaning: 'Lifetime of a conntrack FIN_WAIT entry.',
    kind: 'int', min: 0, unit: 's', defaults: [{ since: '0', value: '120' }], scope: 'netns', history: [],
  },
  {
    key: 'fs.file-max',
    meaning: 'System-wide maximum of open file structures.',
    kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER,
    defaultNote: 'About one file per 10 KiB of RAM (2466170 on a 24 GiB host); systemd may raise it at boot.', typical: '2466170',
    scope: 'global', history: [],
  },
  {
    key: 'fs.nr_open',
    meaning: 'Maximum file descriptors per process: the ceiling for any hard RLIMIT_NOFILE. setrlimit above it fails with EPERM.',
    kind: 'int', min: 64, max: 2147483584,
    defaults: [{ since: '0', value: '1048576' }],
    scope: 'global',
    history: ['pam_limits: a hard nofile above it makes "session required pam_limits.so" deny logins and su.'],
  },
  {
    key: 'fs.file-nr',
    meaning: 'Read-only: allocated file handles, 0, and fs.file-max.',
    kind: 'ints', fields: 3, readOnly: true, scope: 'global',
    history: ['The second field is always 0 since 2.6 (sysctl/fs).'],
  },
];

const byKey = new Map(entries.map((e) => [e.key, e]));

export function keyInfo(key: string): KeyInfo | undefined {
  return byKey.get(key);
}

export function knownKeys(): string[] {
  return [...byKey.keys()].sort();
}

/** The kernel's default for `key` on `version`, or undefined when it is computed or unknown. */
export function defaultFor(key: string, version: string | null): string | undefined {
  const info = byKey.get(key);
  if (!info?.defaults?.length) return undefined;
  if (version === null) return info.defaults[info.defaults.length - 1]!.value;
  let found: string | undefined;
  for (const d of info.defaults) if (d.since === '0' || versionAtLeast(version, d.since)) found = d.value;
  return found;
}

/** Why the kernel would reject `value` for `key`, or null when it would accept it. */
export function rejectReason(key: string, value: string, version: string | null): string | null {
  const info = byKey.get(key);
  if (!info) return null;
  if (info.readOnly) return 'read-only: the kernel reports it but does not accept writes';
  if (info.removedIn && version !== null && versionAtLeast(version, info.removedIn)) {
    return `removed in Linux ${info.removedIn.replace(/\.0$/, '')}`;
  }
  const folded = value.trim().replace(/\s+/g, ' ');
  if (info.kind === 'string') return null;
  if (info.kind === 'portlist') {
    return /^(\d+(-\d+)?)(,\d+(-\d+)?)*$|^$/.test(folded) ? null : 'expected a comma-separated list of ports or port ranges';
  }
  const fields = folded === '' ? [] : folded.split(' ');
  const want = info.kind === 'ints' ? (info.fields ?? fields.length) : 1;
  if (fields.length !== want) return `expected ${want} integer${want > 1 ? 's' : ''}`;
  for (const f of fields) {
    if (!/^-?\d+$/.test(f)) return `"${f}" is not an integer`;
    const n = Number(f);
    if (info.min !== undefined && n < info.min) return `${f} is below the minimum ${info.min}`;
    if (info.max !== undefined && n > info.max) return `${f} is above the maximum ${info.max}`;
    const allowed = info.allowed?.(version);
    if (allowed && !allowed.includes(n)) return `${f} is not one of ${allowed.join(', ')} on this kernel`;
  }
  if (key === 'net.ipv4.ip_local_port_range' && Number(fields[0]) > Number(fields[1])) {
    return 'the low end must not exceed the high end';
  }
  return null;
}
