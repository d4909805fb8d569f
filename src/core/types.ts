// The data that flows through knobs: host facts in, findings and plans out.
// Everything here is plain, JSON-serialisable data, so a snapshot written by
// `knobs facts --json` can be evaluated later with identical results.

import type { SocketCensus } from './socket-census.js';

export type Severity = 'critical' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

/** Which boot-time loader applies sysctl.d files on this host. */
export type Loader = 'systemd' | 'procps';

export interface KernelFacts {
  /** `proc/sys/kernel/osrelease` as read, e.g. `4.18.0-513.el8.x86_64`. */
  release: string;
  /** The release coerced to `major.minor.patch`, usable in semver ranges; null when unparseable. */
  version: string | null;
  /** CONFIG_HZ from the kernel's config (/proc/config.gz or /boot/config-<release>), when readable. */
  hz?: number;
}

/** One assignment from a sysctl config file, as the boot loader would see it. */
export interface BootSource {
  value: string;
  /** Host path of the file whose line wins (no --root prefix). */
  file: string;
  line: number;
  /** The line used a glob key (`net.ipv4.conf.*.rp_filter`). */
  glob?: boolean;
  /** `-key = value`: the loader ignores a failure to set it. */
  ignoreFailure?: boolean;
  /** The text the line writes, when the kernel stores something else (`43 # c` stores 43; `010` stores 8). */
  text?: string;
  /** The value arrived as a kernel side effect of writing this key (conf.default.X → interfaces; ip_forward). */
  via?: string;
  /** The write failed after storing its first fields (a vector): the line is also listed as rejected. */
  partial?: boolean;
  /** knobs does not know the key's kernel handler: the value is the line's text, unchecked. */
  unverified?: boolean;
}

export type KeyState = 'present' | 'absent' | 'unreadable';

export interface SysctlFact {
  /** Live value with whitespace runs folded to one space; null when absent or unreadable. */
  live: string | null;
  state: KeyState;
  /** The file under proc/sys cannot be written by anyone (mode without w bits, or read-only mount). */
  readOnly?: boolean;
  /** What the boot-time loader would set, and which file's line wins; null when no file sets it. */
  boot: BootSource | null;
  /** Earlier assignments the winner hides, in load order. */
  shadowed?: BootSource[];
}

/** A parsed line of a sysctl.d / sysctl.conf file. */
export interface SysctlConfEntry {
  line: number;
  /** Normalised dotted key (or glob pattern). */
  key: string;
  /** null for `-key` exclusion lines. */
  value: string | null;
  ignoreFailure: boolean;
  /** `-key` alone: exclude this key from glob matches. */
  exclude: boolean;
  glob: boolean;
  /** Comment lines directly above the entry (without `#`/`;`), for rules that read intent. */
  comment?: string;
}

export interface SysctlConfFile {
  /** Host path as the loader finds it, e.g. `/etc/sysctl.d/99-sysctl.conf`. */
  path: string;
  /** Where a symlink points, when the file is one (`../sysctl.conf`, `/dev/null`). */
  linkTarget?: string;
  /** Linked to /dev/null: masks the same name in later directories. */
  masked?: boolean;
  /** Path of the file with the same name in an earlier directory that hides this one. */
  shadowedBy?: string;
  /** Loaders that read this file at boot. */
  readBy: Loader[];
  entries: SysctlConfEntry[];
  /** Lines that could not be parsed (kept, not fatal: the loaders skip them too). */
  problems?: { line: number; message: string }[];
}

export interface BootDisagreement {
  key: string;
  systemd: BootSource | null;
  procps: BootSource | null;
}

/** Why a loader's write of a line did not set the key (interfaces.md #2). */
export type RejectKind =
  | 'value' // the kernel's handler refused the text (EINVAL, ERANGE)
  | 'unknown-key' // no such file under /proc/sys (ENOENT, ENOTDIR)
  | 'read-only' // EACCES
  | 'directory' // the key names a directory
  | 'path'; // the path leaves /proc/sys, or systemd refuses a `..` in it

/** A line whose write the active loader attempts and the kernel (or the loader) refuses. */
export interface RejectedLine {
  file: string;
  line: number;
  key: string;
  /** The path under /proc/sys the loader writes, spelled as the loader spells it (`net/ipv4//x`). */
  path: string;
  /** The text the loader writes. */
  value: string;
  kind: RejectKind;
  reason: string;
  /** `-key = value`: the loader does not report it. */
  ignoreFailure?: boolean;
  /** The line is a glob; `key` is one of its matches. */
  glob?: boolean;
}

export interface SysctlConfigFacts {
  /** The loader that runs at boot on this host. */
  loader: Loader;
  /** Every config file either loader would consider, in the order the active loader reads them. */
  files: SysctlConfFile[];
  /** Keys whose boot value differs between systemd-sysctl and procps `sysctl --system`. */
  disagreements: BootDisagreement[];
  /** Lines the active loader writes and that do not take (absent in snapshots from before knobs modelled it). */
  rejected?: RejectedLine[];
}

export interface RLimit {
  /** null = unlimited. */
  soft: number | null;
  hard: number | null;
}

/** A line of limits.conf / limits.d. */
export interface LimitLine {
  file: string;
  line: number;
  domain: string;
  type: 'soft' | 'hard' | '-';
  item: string;
  /** Raw value as written (`unlimited`, `-1`, `65536`). */
  value: string;
}

/** A running process that matters for limits: near its nofile limit, or serving. */
export interface ProcessFact {
  pid: number;
  comm: string | null;
  /** systemd unit from proc/<pid>/cgroup, when it runs under one. */
  unit: string | null;
  /** null when proc/<pid>/limits could not be read. */
  nofile: RLimit | null;
  /** Entries in proc/<pid>/fd; null when not inspectable. */
  open: number | null;
  /** TCP ports it listens on. Resolved for processes at or below a soft nofile of 1024 (see collectProcessFacts). */
  listenPorts: number[];
}

export interface LimitsFacts {
  /** `proc/self/limits` of the knobs process: what a login shell here got. */
  self: Record<string, RLimit>;
  /** Every line of limits.conf and limits.d/*.conf, in pam_limits' reading order. */
  pam: LimitLine[];
  /** Processes near their nofile limit or listening with the default 1024 (absent in old snapshots). */
  processes?: ProcessFact[];
  /** The pam_limits build, its files and the lines it skips (absent in old snapshots: behaviour unknown). */
  pamConfig?: PamConfigFacts;
  /** systemd's manager default for LimitNOFILE= and what its loader warns about (absent in old snapshots). */
  systemd?: SystemdLimitsFacts;
}

/** Which pam_limits the host runs, from what the files under the root say. */
export interface PamModuleFacts {
  /** 'debian': Debian's patch set (Debian, Ubuntu and derivatives); 'upstream': Linux-PAM as released (RHEL, Fedora, SUSE, Arch...). */
  family: 'debian' | 'upstream' | null;
  /** Upstream Linux-PAM version the module is built from ("1.5.2"). */
  version: string | null;
  /** Distribution package version ("1.5.2-6+deb12u1", "1.3.1-16.el8"). */
  packageVersion: string | null;
  /** etc/os-release ID and VERSION_ID. */
  distro: { id: string; versionId: string } | null;
  /** Where each fact came from, in words ("/var/lib/dpkg/status: libpam-modules 1.5.2-6+deb12u1"). */
  evidence: string[];
  /** Host path of the pam_limits.so whose strings were read, when one was found. */
  binary?: string;
  /** Behaviour markers found in that binary (see src/host/pam-module.ts). */
  markers: string[];
}

/** What opening a file does to pam_limits. */
export type PamFileState =
  /** Opened and read. */
  | 'read'
  /** Does not exist (limits.conf) or is a link to nothing (limits.d): ENOENT. */
  | 'missing'
  /** A symlink loop: ELOOP, fatal in every version. */
  | 'loop'
  /** A directory: fopen works, the first read fails, pam treats it as empty. */
  | 'directory'
  /** A FIFO, socket or device: fopen blocks or reads nonsense; knobs does not open it. */
  | 'special'
  /** Could not be read for another reason (errno in `error`). */
  | 'unreadable';

export interface PamConfigFacts {
  module: PamModuleFacts;
  /**
   * Files of /etc/pam.d that load pam_limits.so (a `session` line naming it); empty when
   * none does, null when /etc/pam.d is absent (no PAM under the root).
   */
  services?: string[] | null;
  /** limits.conf, then the limits.d/*.conf names pam_limits globs, in its order. */
  files: { path: string; state: PamFileState; target?: string; error?: string }[];
  /** `<domain> -` lines (two fields): pam_limits stops and sets nothing for a matching user. */
  exempt: { file: string; line: number; domain: string }[];
  /** Lines pam_limits skips or reads differently from how they look. */
  problems: PamLineProblem[];
  /** Debian `chroot` item: directory → exists under the root. */
  chrootDirs?: Record<string, boolean>;
}

export interface PamLineProblem {
  file: string;
  line: number;
  message: string;
  /** What pam_limits writes to syslog about it: 'warning' (always), 'debug' (only with the debug option: silent), null (nothing). */
  logged: 'warning' | 'debug' | null;
  /**
   * 'dropped': the line does nothing; 'misread': it applies, with another value than it
   * seems to say; 'ignored-text': part of the line is ignored; 'split': a long line is read
   * as several lines; 'build': what it does depends on the pam build.
   */
  kind?: 'dropped' | 'misread' | 'ignored-text' | 'split' | 'build';
}

export interface SystemdLimitsFacts {
  /** DefaultLimitNOFILE= in effect: soft/hard after systemd's parsing (null = infinity), or null when no file sets it. */
  defaultNofile: { soft: number | null; hard: number | null; file: string; line: number; raw: string } | null;
  /** system.conf then the system.conf.d drop-ins systemd reads, in order. */
  files: string[];
  /** What systemd's config parser warns about (log_syntax), with file:line. */
  problems: { file: string; line: number | null; message: string; unit?: string }[];
}

export const TCP_STATES = [
  'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT',
  'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING',
] as const;
export type TcpState = (typeof TCP_STATES)[number];

export interface PeerCount {
  /** `ip:port` (IPv6 in brackets). */
  peer: string;
  count: number;
}

export interface SocketFacts {
  /** False when proc/net/tcp could not be read (then every count is 0). */
  available: boolean;
  states: Record<TcpState, number>;
  /** Local ports with a LISTEN socket. */
  listenPorts: number[];
  /** TIME_WAIT entries per remote ip:port where the local port is ephemeral (we connected out). */
  timeWaitByDestination: PeerCount[];
  /** Counters from proc/net/netstat TcpExt and proc/net/sockstat that rules compare with limits. */
  counters: Record<string, number>;
  /**
   * The whole census `knobs sockets` takes (owners, peers, port use, limits), for the
   * rules that judge it (rules/sockets/*, `needs: ['socketCensus']`). Absent from
   * `audit` and `knobs facts`: there those rules do not apply.
   */
  census?: SocketCensus;
}

export interface HostFacts {
  kernel: KernelFacts;
  sysctl: Record<string, SysctlFact>;
  sysctlConfig: SysctlConfigFacts;
  limits: LimitsFacts;
  sockets: SocketFacts;
  /** What kind of machine this is (absent in old snapshots; see src/host/system.ts). */
  system?: SystemFacts;
  /** What runs here: listeners and their processes, busiest destinations (see src/host/workload.ts). */
  workload?: WorkloadFacts;
  /** Kernel packet counters and container signs the role rules read (absent in old snapshots; src/host/net-stat.ts). */
  netStat?: NetStatFacts;
}

/** Read by src/host/net-stat.ts; what they mean is decided in rules/. */
export interface NetStatFacts {
  /** /proc/net/stat/nf_conntrack summed over CPUs (`entries` is the table's count, not summed); null when absent. */
  conntrack: Record<string, number> | null;
  /** /proc/net/softnet_stat summed over CPUs; null when unreadable. */
  softnet: { cpus: number; processed: number; dropped: number; timeSqueeze: number } | null;
  /** Every interface name under /sys/class/net. */
  interfaces?: string[];
  /** First field of /proc/uptime: the counters above count since then. */
  uptimeSeconds: number | null;
  /** /proc/sys/kernel/random/boot_id: a counter sample is comparable only within one boot. */
  bootId?: string | null;
  /** The counters knobs saw at its last audit of this boot (src/core/counter-window.ts), and how long ago. */
  previous?: { ageSeconds: number; counters: Record<string, number> } | null;
  /** Signs that this host runs containers or is a Kubernetes node, or that knobs runs inside a container. */
  containers: {
    /** Interface names of /sys/class/net that container networking creates (veth*, cni0, cali*, flannel.*, cilium_*…). */
    interfaces: string[];
    /** Those of the runtime paths (src/host/net-stat.ts RUNTIME_PATHS) that exist. */
    paths: string[];
    /** Process names of container runtimes and Kubernetes agents that run (kubelet, kube-proxy, containerd, dockerd…). */
    processes: string[];
    /** Why knobs itself looks containerised (/.dockerenv, /run/.containerenv, /run/systemd/container), or null. */
    insideContainer: string | null;
    /** VIP managers that run (keepalived, ucarp…): their addresses move between hosts. */
    vipProcesses?: string[];
    /** /proc/sys/net/bridge/bridge-nf-call-iptables (null: absent, br_netfilter not loaded). Not in the catalogue: no kernel data covers it. */
    bridgeNfCallIptables?: string | null;
  };
}

// ---- what kind of host, what it does (knobs recommend, the wizard) -------------

export interface SystemFacts {
  /** /etc/os-release (or /usr/lib/os-release) as key → value; null when neither exists. */
  osRelease: Record<string, string> | null;
  /** First field of /proc/uptime, seconds; null when unreadable. */
  uptimeSeconds: number | null;
  /** Those of the paths in ENVIRONMENT_PATHS (src/core/recommend.ts) that exist on this host. */
  present: string[];
  /** /proc/1/cgroup as read (the cgroup of PID 1 names a container runtime when inside one). */
  initCgroup: string | null;
  /** /run/systemd/container: what systemd detected it runs in (`docker`, `lxc`, `systemd-nspawn`…). */
  containerManager: string | null;
  /** Network interface names from /proc/net/dev. */
  interfaces: string[];
}

export interface ServiceProcess {
  pid: number;
  comm: string | null;
  /** systemd unit from proc/<pid>/cgroup. */
  unit: string | null;
  nofile: RLimit | null;
  /** Entries in proc/<pid>/fd; null when not inspectable. */
  open: number | null;
}

/** A listening TCP port and the processes that hold its sockets. */
export interface ListeningService {
  port: number;
  /** Bound addresses (`0.0.0.0`, `[::]`, `127.0.0.1`). */
  addresses: string[];
  /** Owners (empty when they could not be inspected). */
  processes: ServiceProcess[];
}

/** Connections this host opened to one remote ip:port. */
export interface Destination {
  peer: string;
  /** Sockets towards it that are not in TIME_WAIT (ESTABLISHED, SYN_SENT, closing). */
  open: number;
  /** TIME_WAIT towards it: this host closed first. */
  timeWait: number;
  /** Distinct local ports in use towards it (every outgoing state). */
  localPorts: number;
}

export interface WorkloadFacts {
  listeners: ListeningService[];
  /** Busiest outgoing destinations first. */
  outbound: Destination[];
  /** Processes holding CLOSE_WAIT sockets, most first. */
  closeWait: { pid: number; comm: string | null; count: number }[];
  /** TIME_WAIT sockets on listening ports: this host served and closed first. */
  incomingTimeWait: number;
}

// ---- profiles -------------------------------------------------------------

/**
 * How a profile states what it wants. `atLeast`/`atMost` apply per field
 * (tcp_rmem's three numbers are compared one by one); `oneOf` lists acceptable
 * whole values; `exact` wants this value and nothing else; `perField` carries a
 * `>`/`<` prefix on each field (`<10240 >64999`: low at most, high at least).
 */
export type TargetOp = 'exact' | 'atLeast' | 'atMost' | 'oneOf' | 'perField';

export interface SysctlTarget {
  key: string;
  op: TargetOp;
  /** For oneOf, the alternatives; otherwise one folded value (possibly multi-field). */
  values: string[];
  /** The comment above the key in the profile: why. */
  rationale: string;
  /** Profile that supplied this target after combining. */
  profile: string;
  /** Where the target is written (profile file and line), for errors found once the host is known. */
  source?: { file: string; line: number | null };
  /** Other profiles that wanted something for this key, and what happened to their wish. */
  overridden?: { profile: string; op: TargetOp; values: string[]; conflict?: boolean }[];
}

export interface LimitTarget {
  domain: string;
  type: 'soft' | 'hard';
  item: string;
  value: string;
  rationale: string;
  profile: string;
}

export interface Profile {
  name: string;
  summary: string;
  includes: string[];
  /** Host path of the INI file (shipped or user). */
  file: string;
  sysctl: SysctlTarget[];
  limits: LimitTarget[];
}

/** Several profiles merged into one set of targets. */
export interface ResolvedProfile {
  names: string[];
  sysctl: Record<string, SysctlTarget>;
  limits: LimitTarget[];
}

// ---- findings and changes ---------------------------------------------------

export type Change =
  | { kind: 'sysctl'; key: string; value: string }
  | { kind: 'limit'; domain: string; type: 'soft' | 'hard'; item: string; value: string }
  | { kind: 'systemd'; unit: string; directive: string; value: string };

export interface Finding {
  /** Rule id (path under rules/). */
  id: string;
  severity: Severity;
  key: string | null;
  current: string | null;
  recommended: string | null;
  message: string;
  messageId: string;
  /** The change that would resolve it, if knobs can make one. */
  change?: Change;
  /** Set when the accept list in etc/knobs/knobs.ini covers this rule (and key): the reason. */
  accepted?: string;
  /** The date of an accept entry that covered this finding until then: it counts again. */
  acceptExpired?: string;
}

/** One entry of `[accept]` in etc/knobs/knobs.ini. */
export interface AcceptEntry {
  rule: string;
  /** Only findings about this sysctl key (or glob); null: every finding of the rule. */
  key: string | null;
  reason: string;
  /** Last day it applies (YYYY-MM-DD); null: no end. */
  until: string | null;
  line: number;
}

export interface NotApplicable {
  id: string;
  reason: string;
}

export interface Evaluation {
  findings: Finding[];
  notApplicable: NotApplicable[];
  /** Rule ids that ran and found nothing. */
  passed: string[];
}
