// Every rule, sorted by id. test/meta.test.ts proves this list equals the files
// under rules/, that every rule has a test file, and that ids equal paths.
import type { Rule } from '../src/core/define-rule.js';
import fsFileMax from './fs/file-max.js';
import limitsNofileAboveNrOpen from './limits/nofile-above-nr-open.js';
import limitsPamLockout from './limits/pam-lockout.js';
import limitsPamSyntax from './limits/pam-syntax.js';
import limitsProcessNofile from './limits/process-nofile.js';
import limitsServiceSoftNofile from './limits/service-soft-nofile.js';
import limitsSystemdSyntax from './limits/systemd-syntax.js';
import netBufferMax from './net/buffer-max.js';
import netCongestionControl from './net/congestion-control.js';
import netConntrack from './net/conntrack.js';
import netContainers from './net/containers.js';
import netDeadPeers from './net/dead-peers.js';
import netEphemeralPortExhaustion from './net/ephemeral-port-exhaustion.js';
import netIpLocalPortRange from './net/ip-local-port-range.js';
import netKeepalive from './net/keepalive.js';
import netMtuProbing from './net/mtu-probing.js';
import netNonlocalBind from './net/nonlocal-bind.js';
import netReceivePath from './net/receive-path.js';
import netSomaxconn from './net/somaxconn.js';
import netTcpFinTimeout from './net/tcp-fin-timeout.js';
import netTcpMaxSynBacklog from './net/tcp-max-syn-backlog.js';
import netTcpMaxTwBuckets from './net/tcp-max-tw-buckets.js';
import netTcpMemory from './net/tcp-memory.js';
import netTcpSyncookies from './net/tcp-syncookies.js';
import netTcpTimestamps from './net/tcp-timestamps.js';
import netTcpTwRecycle from './net/tcp-tw-recycle.js';
import netTcpTwRecycleConfig from './net/tcp-tw-recycle-config.js';
import netTcpTwReuse from './net/tcp-tw-reuse.js';
import profileSysctlTarget from './profile/sysctl-target.js';
import socketsCloseWait from './sockets/close-wait.js';
import socketsCloseWaitUninspectable from './sockets/close-wait-uninspectable.js';
import socketsListenOverflows from './sockets/listen-overflows.js';
import socketsOrphansNearLimit from './sockets/orphans-near-limit.js';
import socketsTimeWaitIncoming from './sockets/time-wait-incoming.js';
import socketsTimeWaitOutgoing from './sockets/time-wait-outgoing.js';
import socketsTwBucketsNearLimit from './sockets/tw-buckets-near-limit.js';
import socketsTwOverflow from './sockets/tw-overflow.js';
import sysctlDrift from './sysctl/drift.js';
import sysctlLoaderDisagreement from './sysctl/loader-disagreement.js';
import sysctlNotPersisted from './sysctl/not-persisted.js';
import sysctlRejectedLine from './sysctl/rejected-line.js';

export const rules: readonly Rule[] = [
  fsFileMax,
  limitsNofileAboveNrOpen,
  limitsPamLockout,
  limitsPamSyntax,
  limitsProcessNofile,
  limitsServiceSoftNofile,
  limitsSystemdSyntax,
  netBufferMax,
  netCongestionControl,
  netConntrack,
  netContainers,
  netDeadPeers,
  netEphemeralPortExhaustion,
  netIpLocalPortRange,
  netKeepalive,
  netMtuProbing,
  netNonlocalBind,
  netReceivePath,
  netSomaxconn,
  netTcpFinTimeout,
  netTcpMaxSynBacklog,
  netTcpMaxTwBuckets,
  netTcpMemory,
  netTcpSyncookies,
  netTcpTimestamps,
  netTcpTwRecycle,
  netTcpTwRecycleConfig,
  netTcpTwReuse,
  profileSysctlTarget,
  socketsCloseWait,
  socketsCloseWaitUninspectable,
  socketsListenOverflows,
  socketsOrphansNearLimit,
  socketsTimeWaitIncoming,
  socketsTimeWaitOutgoing,
  socketsTwBucketsNearLimit,
  socketsTwOverflow,
  sysctlDrift,
  sysctlLoaderDisagreement,
  sysctlNotPersisted,
  sysctlRejectedLine,
] as unknown as readonly Rule[];
