// The TIME_WAIT table nearly full: beyond tcp_max_tw_buckets, closing sockets skip TIME_WAIT.
import { defineRule } from '../../src/core/define-rule.js';
import { fmtN } from '../../src/core/socket-census.js';

export const WARN_PERCENT = 80;
export const CRITICAL_PERCENT = 95;
const KEY = 'net.ipv4.tcp_max_tw_buckets';

export default defineRule({
  id: 'sockets/tw-buckets-near-limit',
  keys: [KEY],
  severity: 'warning',
  needs: ['socketCensus'],
  summary: 'TIME_WAIT entries are close to tcp_max_tw_buckets: beyond it sockets close without TIME_WAIT',
  explanation:
    'tcp_max_tw_buckets caps the timewait entries of a network namespace (sockstat `tw`, which also counts ' +
    'orphaned FIN_WAIT2 minisockets). When it is reached, inet_twsk_alloc() returns nothing, the closing socket ' +
    'skips TIME_WAIT and TcpExt.TCPTimeWaitOverflow counts it: the protection TIME_WAIT gives (delayed segments of ' +
    'the old connection, a retransmitted last ACK) is gone for it. This rule compares sockstat tw with the limit: ' +
    'from 80% a warning, from 95% critical, so the churn is seen before the first overflow.',
  tradeoffs:
    'Do not lower the limit ("you must not lower the limit artificially", ip-sysctl); raising it is cheap (about 256 ' +
    'bytes per entry). The lasting fix is less churn: connection reuse, or letting the other side close first.',
  history: [
    'Linux 6.18.32 (codesnas/linux-6.18.y e3187436e) net/ipv4/inet_timewait_sock.c inet_twsk_alloc(): returns NULL once tw_refcount − 1 ≥ sysctl_max_tw_buckets; net/ipv4/tcp_minisocks.c tcp_time_wait() then counts LINUX_MIB_TCPTIMEWAITOVERFLOW.',
    'The default is computed at boot (half the established hash), per network namespace (kernel-facts.md §1a).',
  ],
  myth: '"Lower tcp_max_tw_buckets to get rid of TIME_WAIT sockets" — they disappear, and so does the protection TIME_WAIT provides.',
  references: ['https://docs.kernel.org/networking/ip-sysctl.html'],
  messages: {
    nearLimit:
      'sockstat tw {current} is {percent}% of tcp_max_tw_buckets {max}: beyond it sockets close without TIME_WAIT (TCPTimeWaitOverflow). Do not lower the limit; reduce the churn (connection reuse)',
  },
  check({ facts, report }) {
    const lt = facts.sockets.census?.limits.timeWait;
    if (!lt || lt.current === null || lt.max === null || lt.max <= 0) return;
    // Exact, not the rounded percentage shown (79.99% is not 80%).
    const share = (100 * lt.current) / lt.max;
    if (share < WARN_PERCENT) return;
    report(
      'nearLimit',
      { current: fmtN(lt.current), percent: lt.percent!, max: fmtN(lt.max) },
      { key: KEY, current: String(lt.max), severity: share >= CRITICAL_PERCENT ? 'critical' : 'warning' },
    );
  },
});
