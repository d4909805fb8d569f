// Sockets that already closed without TIME_WAIT because the TIME_WAIT table was full.
import { defineRule } from '../../src/core/define-rule.js';
import { fmtN } from '../../src/core/socket-census.js';

const KEY = 'net.ipv4.tcp_max_tw_buckets';

export default defineRule({
  id: 'sockets/tw-overflow',
  keys: [KEY],
  severity: 'warning',
  needs: ['socketCensus'],
  summary: 'Connections closed without TIME_WAIT because tcp_max_tw_buckets was full (TCPTimeWaitOverflow)',
  explanation:
    'TcpExt.TCPTimeWaitOverflow in /proc/net/netstat counts the sockets that should have entered TIME_WAIT but ' +
    'could not, because the namespace already held tcp_max_tw_buckets timewait entries. Each one closed at once: a ' +
    'delayed segment of the old connection can then be taken for data of a new one on the same 4-tuple, and a ' +
    'lost final ACK makes the peer see a reset. The counter is cumulative since boot (or since the namespace was ' +
    'created), so a finding stays until the next reboot even when the churn stopped: `knobs sockets --watch` shows ' +
    'whether it still grows.',
  tradeoffs:
    'Raise tcp_max_tw_buckets (about 256 bytes per entry) or reduce the churn; never lower it. net/tcp-max-tw-buckets ' +
    'in `audit` reports the same counter together with a boot file that lowers the limit.',
  history: [
    'Linux 6.18.32 (codesnas/linux-6.18.y e3187436e) net/ipv4/tcp_minisocks.c tcp_time_wait(): NET_INC_STATS(net, LINUX_MIB_TCPTIMEWAITOVERFLOW) when inet_twsk_alloc() returns NULL.',
    'ip-sysctl still says a warning is printed; no printk exists in 4.2–6.18 (kernel-facts.md §1a).',
  ],
  references: ['https://docs.kernel.org/networking/ip-sysctl.html'],
  messages: {
    overflowed:
      'TcpExt TCPTimeWaitOverflow = {overflow}: that many connections skipped TIME_WAIT because tcp_max_tw_buckets{limit} was full (counted since boot)',
  },
  check({ facts, report }) {
    const c = facts.sockets.census;
    const overflow = c?.counters['TcpExt.TCPTimeWaitOverflow'] ?? 0;
    if (!c || overflow <= 0) return;
    const max = c.limits.timeWait.max;
    report('overflowed', { overflow: fmtN(overflow), limit: max === null ? '' : ` (${fmtN(max)})` }, { key: KEY, current: max === null ? null : String(max) });
  },
});
