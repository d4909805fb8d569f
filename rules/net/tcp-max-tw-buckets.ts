// tcp_max_tw_buckets lowered to "get rid of TIME_WAIT": the kernel then skips TIME_WAIT and loses its protection.
import { keyInfo, rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { toInt } from '../../src/core/values.js';

const KEY = 'net.ipv4.tcp_max_tw_buckets';

export default defineRule({
  id: 'net/tcp-max-tw-buckets',
  keys: [KEY],
  severity: 'warning',
  requires: [KEY],
  summary: 'tcp_max_tw_buckets is lowered or reached: sockets close without TIME_WAIT',
  explanation:
    'tcp_max_tw_buckets caps the TIME_WAIT entries of a network namespace. Beyond it a closing socket skips ' +
    'TIME_WAIT entirely and TcpExt.TCPTimeWaitOverflow counts it (ip-sysctl still mentions a printed warning; ' +
    'current kernels only count). TIME_WAIT exists to absorb delayed segments of the old connection and to ' +
    'retransmit the final ACK; without it a new connection on the same 4-tuple can accept stale data, and a lost ' +
    'last ACK makes the peer see a reset. The kernel documentation says "you must not lower the limit ' +
    'artificially". The default is computed at boot (half the TCP established hash: one slot per 128 KiB of RAM, ' +
    'capped), so this rule reports a boot-file value below the catalogue\'s typical default, a live TIME_WAIT ' +
    'count at the limit, and any overflow counted since boot.',
  tradeoffs:
    'A TIME_WAIT entry costs about 256 bytes (10,000 ≈ 2.5 MB): raising the cap is cheap. Lowering it trades ' +
    'TIME_WAIT protection for nothing; if TIME_WAIT exhausts ports towards one destination, see ' +
    'net/ephemeral-port-exhaustion.',
  history: [
    'ip-sysctl: "This limit exists only to prevent simple DoS attacks, you _must_ not lower the limit artificially, but rather increase it".',
    'Overflow signal: TcpExt TCPTimeWaitOverflow in /proc/net/netstat; the "warning is printed" text is stale (no printk in 4.2–6.18 sources; when it went is UNVERIFIED).',
  ],
  myth: '"Lower tcp_max_tw_buckets to get rid of TIME_WAIT sockets" — they disappear, and so does the protection TIME_WAIT provides.',
  references: ['https://docs.kernel.org/networking/ip-sysctl.html', 'https://vincent.bernat.ch/en/blog/2014-tcp-time-wait-state-linux'],
  messages: {
    loweredAtBoot:
      '{file}:{line} sets tcp_max_tw_buckets = {value}, below the typical default {typical}: "you must not lower the limit artificially" — sockets beyond it close without TIME_WAIT; remove the line or raise it',
    atLimit:
      '{count} TIME_WAIT sockets reached tcp_max_tw_buckets = {value}: further closing sockets skip TIME_WAIT and lose its protection',
    overflowed:
      'TcpExt.TCPTimeWaitOverflow is {overflows}: {overflows} sockets closed without TIME_WAIT because tcp_max_tw_buckets ({value}) was full',
  },
  check({ facts, report }) {
    const fact = facts.sysctl[KEY];
    const value = toInt(fact?.live);
    if (!fact || value === undefined) return;
    const typical = toInt(keyInfo(KEY)?.typical);
    const tw = facts.sockets.available
      ? Math.max(facts.sockets.counters['sockstat.tw'] ?? 0, facts.sockets.states.TIME_WAIT)
      : 0;
    const overflows = facts.sockets.available ? (facts.sockets.counters['TcpExt.TCPTimeWaitOverflow'] ?? 0) : 0;
    const want = Math.max(typical ?? 0, tw * 2, value);
    const recommended = String(want);
    const ok = want > value && rejectReason(KEY, recommended, facts.kernel.version) === null;
    const extra = { key: KEY, current: String(value), recommended: want > value ? recommended : null, ...(ok ? { change: { kind: 'sysctl' as const, key: KEY, value: recommended } } : {}) };
    const boot = fact.boot;
    const bootValue = toInt(boot?.value);
    if (boot && typical !== undefined && bootValue !== undefined && bootValue < typical) {
      report('loweredAtBoot', { file: boot.file, line: boot.line, value: bootValue, typical }, extra);
    }
    if (tw > 0 && tw >= value) report('atLimit', { count: tw, value }, extra);
    if (overflows > 0) report('overflowed', { overflows, value }, extra);
  },
});
