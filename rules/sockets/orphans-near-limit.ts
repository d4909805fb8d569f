// Orphaned sockets close to tcp_max_orphans: the kernel starts resetting connections, earlier than the limit suggests.
import { defineRule } from '../../src/core/define-rule.js';
import { fmtN } from '../../src/core/socket-census.js';

export const WARN_PERCENT = 50;
export const CRITICAL_PERCENT = 80;
const KEY = 'net.ipv4.tcp_max_orphans';

export default defineRule({
  id: 'sockets/orphans-near-limit',
  keys: [KEY],
  severity: 'warning',
  needs: ['socketCensus'],
  summary: 'Orphaned sockets are close to tcp_max_orphans: the kernel resets connections beyond it',
  explanation:
    'An orphan is a socket the application has closed that is still finishing (FIN_WAIT1, FIN_WAIT2, LAST_ACK, ' +
    'CLOSING: sockstat `orphan`). Each may hold unsent data, unswappable. Above tcp_max_orphans the kernel resets ' +
    'orphans instead of finishing them and logs "too many orphaned sockets". The check is stricter than the limit ' +
    'reads: an orphan that has not sent anything for two retransmission timeouts counts the total twice, and one ' +
    'that also received a soft ICMP error four times, so resets start at half (or a quarter) of the limit. Hence ' +
    'a warning from 50% and critical from 80%. tcp_max_orphans is one value for the whole machine (not per ' +
    'network namespace), while sockstat counts all orphans.',
  tradeoffs:
    'Raising tcp_max_orphans costs memory (each orphan can pin up to about 64 KB of buffers, ip-sysctl) and hides an ' +
    'overload: many orphans mean peers that do not acknowledge the close (slow or dead clients, a SYN-flood-like ' +
    'pattern). A lower tcp_orphan_retries or tcp_fin_timeout ends them sooner; the docs warn against lowering ' +
    'tcp_max_orphans "artificially".',
  history: [
    'Linux 6.18.32 (codesnas/linux-6.18.y e3187436e) net/ipv4/tcp.c tcp_too_many_orphans(): orphan count << shift > sysctl_tcp_max_orphans; tcp_check_oom() logs "too many orphaned sockets".',
    'Same tree, net/ipv4/tcp_timer.c tcp_out_of_resources(): shift++ when nothing was sent for 2×RTO (or no reset is due), shift++ again on a soft error; then the orphan is reset and TCPAbortOnMemory counts it.',
  ],
  references: ['https://docs.kernel.org/networking/ip-sysctl.html'],
  messages: {
    nearLimit:
      '{current} orphaned sockets (closed by the application, still finishing) = {percent}% of tcp_max_orphans {max}; beyond it the kernel resets connections ("too many orphaned sockets"), and an orphan that is slow or got an ICMP error counts twice or four times',
  },
  check({ facts, report }) {
    const lo = facts.sockets.census?.limits.orphans;
    if (!lo || lo.current === null || lo.max === null || lo.max <= 0) return;
    // Exact, not the rounded percentage shown (79.99% is not 80%).
    const share = (100 * lo.current) / lo.max;
    if (share < WARN_PERCENT) return;
    report(
      'nearLimit',
      { current: fmtN(lo.current), percent: lo.percent!, max: fmtN(lo.max) },
      { key: KEY, current: String(lo.max), severity: share >= CRITICAL_PERCENT ? 'critical' : 'warning' },
    );
  },
});
