// Sockets piling up in CLOSE_WAIT: an application bug no sysctl can fix.
import { defineRule } from '../../src/core/define-rule.js';

export const WARN_AT = 100;
export const CRITICAL_AT = 1000;

export default defineRule({
  id: 'sockets/close-wait',
  keys: [],
  severity: 'warning',
  summary: 'Many sockets are stuck in CLOSE_WAIT: an application does not close() connections the peer has closed',
  explanation:
    'CLOSE_WAIT means the peer sent its FIN and the local application has not closed its end yet. The kernel has ' +
    'no timer that ends CLOSE_WAIT: the socket stays until the application calls close() or shutdown(), or the ' +
    'process exits. Each one holds a file descriptor and its buffers, so a leak ends in "Too many open files". ' +
    'Thresholds: 100 or more is a warning, 1000 or more critical (a handful is normal for a moment on a busy ' +
    'server; hundreds that persist are a leak). No sysctl fixes it: tcp_fin_timeout is for the other side ' +
    '(orphaned FIN_WAIT2), conntrack\'s close_wait timeout only expires the firewall entry, and keepalive only ' +
    'resets a CLOSE_WAIT socket whose application set SO_KEEPALIVE and whose peer no longer answers. ' +
    '`knobs sockets` names the process that holds them (needs root or the same user).',
  tradeoffs: 'Restarting the process releases the sockets; fixing the missing close() (often an error path or an unreturned pool connection) ends it.',
  history: ['CLOSE_WAIT has no kernel timeout on any Linux version (net/ipv4/tcp_timer.c keepalive timer only with SO_KEEPALIVE).'],
  myth: '"CLOSE_WAIT times out after 2 hours because of keepalive" — only with SO_KEEPALIVE and a peer that stopped answering; otherwise it lasts until close().',
  references: ['man 7 tcp', 'https://blog.cloudflare.com/this-is-strictly-a-violation-of-the-tcp-specification/'],
  messages: {
    closeWaitPileUp:
      '{count} sockets are in CLOSE_WAIT (threshold {threshold}): an application is not calling close() after the peer closed; no sysctl fixes it — `knobs sockets` names the process',
  },
  check({ facts, report }) {
    if (!facts.sockets.available) return;
    const count = facts.sockets.states.CLOSE_WAIT;
    if (count < WARN_AT) return;
    const critical = count >= CRITICAL_AT;
    report('closeWaitPileUp', { count, threshold: critical ? CRITICAL_AT : WARN_AT }, { key: null, current: String(count), severity: critical ? 'critical' : 'warning' });
  },
});
