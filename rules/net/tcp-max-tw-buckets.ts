// tcp_max_tw_buckets lowered to "get rid of TIME_WAIT": the kernel then skips TIME_WAIT and loses its protection.
import { rejectReason } from '../../src/core/catalog.js';
import { configLines } from '../../src/core/config-lines.js';
import { defineRule } from '../../src/core/define-rule.js';
import type { HostFacts } from '../../src/core/types.js';
import { toInt } from '../../src/core/values.js';

const KEY = 'net.ipv4.tcp_max_tw_buckets';
const EHASH = 'net.ipv4.tcp_ehash_entries';
const ORPHANS = 'net.ipv4.tcp_max_orphans';

/**
 * This host's own default, and where it comes from: half the TCP established hash.
 * tcp_ehash_entries reports the hash from 6.1 (negative in a namespace sharing the
 * host's); before, tcp_max_orphans has the same default and is rarely tuned — unless
 * a boot file sets it, in which case there is no reference.
 */
function hostDefault(facts: HostFacts): { value: number; from: string } | null {
  const ehash = toInt(facts.sysctl[EHASH]?.live);
  if (ehash !== undefined && ehash !== 0) return { value: Math.floor(Math.abs(ehash) / 2), from: `tcp_ehash_entries ${ehash} / 2` };
  const orphans = toInt(facts.sysctl[ORPHANS]?.live);
  if (orphans !== undefined && facts.sysctl[ORPHANS]?.boot === null && configLines(facts, ORPHANS).length === 0) {
    return { value: orphans, from: `tcp_max_orphans ${orphans}, which has the same default and no boot file sets` };
  }
  return null;
}

export default defineRule({
  id: 'net/tcp-max-tw-buckets',
  keys: [KEY, EHASH, ORPHANS],
  severity: 'warning',
  requires: [KEY],
  summary: 'tcp_max_tw_buckets is lowered below this host\'s default, or reached: sockets close without TIME_WAIT',
  explanation:
    'tcp_max_tw_buckets caps the TIME_WAIT entries of a network namespace. Beyond it a closing socket skips ' +
    'TIME_WAIT entirely and TcpExt.TCPTimeWaitOverflow counts it. TIME_WAIT exists to absorb delayed segments of the ' +
    'old connection and to retransmit the final ACK; without it a new connection on the same 4-tuple can accept ' +
    'stale data, and a lost last ACK makes the peer see a reset. The kernel documentation says "you must not lower ' +
    'the limit artificially". The default is computed at boot from RAM: half the TCP established hash (one slot per ' +
    '128 KiB, a power of two, at most 512K slots), so it is 131072 on a 24 GiB host but about 16384 on a 4 GiB one. ' +
    'knobs compares a boot-file value with this host\'s own default: tcp_ehash_entries / 2 from Linux 6.1 (where that ' +
    'read-only key exists), tcp_max_orphans before (the same default, and rarely tuned; when a boot file sets it too ' +
    'there is no reference and only overflow is judged). It also reports a live TIME_WAIT count at the limit and any ' +
    'overflow counted since boot.',
  tradeoffs:
    'A TIME_WAIT entry costs about 256 bytes (10,000 ≈ 2.5 MB): raising the cap is cheap. Lowering it trades ' +
    'TIME_WAIT protection for nothing; if TIME_WAIT exhausts ports towards one destination, see ' +
    'net/ephemeral-port-exhaustion.',
  history: [
    'ip-sysctl: "This limit exists only to prevent simple DoS attacks, you _must_ not lower the limit artificially, but rather increase it".',
    'Overflow signal: TcpExt TCPTimeWaitOverflow in /proc/net/netstat. tcp_time_wait() (net/ipv4/tcp_minisocks.c) prints nothing on overflow in any covered version, 3.10.99 through 7.1.3; the ip-sysctl "warning is printed" text predates them.',
    'Default: cnt / 2 of the established hash in tcp_init() (3.10.99) and tcp_sk_init() (from 4.11, per namespace); 6.1: tcp_ehash_entries shows cnt (net/ipv4/sysctl_net_ipv4.c@6.1.158).',
  ],
  myth: '"Lower tcp_max_tw_buckets to get rid of TIME_WAIT sockets" — they disappear, and so does the protection TIME_WAIT provides.',
  references: ['https://docs.kernel.org/networking/ip-sysctl.html', 'https://vincent.bernat.ch/en/blog/2014-tcp-time-wait-state-linux'],
  messages: {
    loweredAtBoot:
      '{file}:{line} sets tcp_max_tw_buckets = {value}, below this host\'s default {default} ({from}): "you must not lower the limit artificially" — sockets beyond it close without TIME_WAIT; remove the line or raise it',
    atLimit:
      '{count} TIME_WAIT sockets reached tcp_max_tw_buckets = {value}: further closing sockets skip TIME_WAIT and lose its protection',
    overflowed:
      'TcpExt.TCPTimeWaitOverflow is {overflows}: {overflows} sockets closed without TIME_WAIT because tcp_max_tw_buckets ({value}) was full',
  },
  check({ facts, report }) {
    const fact = facts.sysctl[KEY];
    const value = toInt(fact?.live);
    if (!fact || value === undefined) return;
    const dflt = hostDefault(facts);
    const tw = facts.sockets.available ? Math.max(facts.sockets.counters['sockstat.tw'] ?? 0, facts.sockets.states.TIME_WAIT) : 0;
    const overflows = facts.sockets.available ? (facts.sockets.counters['TcpExt.TCPTimeWaitOverflow'] ?? 0) : 0;
    const want = Math.max(dflt?.value ?? 0, tw * 2, value);
    const recommended = String(want);
    const ok = want > value && rejectReason(KEY, recommended, facts.kernel.version) === null;
    const extra = { key: KEY, current: String(value), recommended: want > value ? recommended : null, ...(ok ? { change: { kind: 'sysctl' as const, key: KEY, value: recommended } } : {}) };
    const boot = fact.boot;
    const bootValue = toInt(boot?.value);
    if (boot && dflt && bootValue !== undefined && bootValue < dflt.value) {
      report('loweredAtBoot', { file: boot.file, line: boot.line, value: bootValue, default: dflt.value, from: dflt.from }, extra);
    }
    if (tw > 0 && tw >= value) report('atLimit', { count: tw, value }, extra);
    if (overflows > 0) report('overflowed', { overflows, value }, extra);
  },
});
