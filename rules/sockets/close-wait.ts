// Sockets piling up in CLOSE_WAIT: an application bug no sysctl can fix.
import { defineRule } from '../../src/core/define-rule.js';
import { fmtN, type SocketCensus } from '../../src/core/socket-census.js';

export const WARN_AT = 100;
export const CRITICAL_AT = 1000;

/** ` held by nginx (pid 12, 340), java (pid 40, 2)` from the census, or '' without one. */
function holders(census: SocketCensus | undefined): string {
  const who = (census?.closeWait.byProcess ?? []).slice(0, 3).map((p) => `${p.comm ?? '?'} (pid ${p.pid}, ${fmtN(p.count)})`);
  return who.length ? ` held by ${who.join(', ')}` : '';
}

export default defineRule({
  id: 'sockets/close-wait',
  keys: [],
  severity: 'warning',
  summary: 'Sockets are stuck in CLOSE_WAIT: an application does not close() connections the peer has closed',
  explanation:
    'CLOSE_WAIT means the peer sent its FIN and the local application has not closed its end yet. The kernel has ' +
    'no timer that ends CLOSE_WAIT: the socket stays until the application calls close() or shutdown(), or the ' +
    'process exits. Each one holds a file descriptor and its buffers, so a leak ends in "Too many open files". ' +
    'Thresholds: any is noted (info: a few for a moment are normal on a busy server), 100 or more is a warning, ' +
    '1000 or more critical (hundreds that persist are a leak). No sysctl fixes it: tcp_fin_timeout is for the ' +
    'other side (orphaned FIN_WAIT2), conntrack\'s close_wait timeout only expires the firewall entry, and ' +
    'keepalive only resets a CLOSE_WAIT socket whose application set SO_KEEPALIVE and whose peer no longer ' +
    'answers. `knobs sockets` names the process that holds them (needs root or the same user); `audit` counts them.',
  tradeoffs: 'Restarting the process releases the sockets; fixing the missing close() (often an error path or an unreturned pool connection) ends it.',
  history: [
    'CLOSE_WAIT has no kernel timeout on any Linux version (net/ipv4/tcp_timer.c keepalive timer only with SO_KEEPALIVE).',
    'Linux 6.18.32 (codesnas/linux-6.18.y e3187436e) net/ipv4/tcp_timer.c tcp_keepalive_timer(): runs in CLOSE_WAIT only when SO_KEEPALIVE is set (kernel-facts.md §3, experiment E3).',
  ],
  myth: '"CLOSE_WAIT times out after 2 hours because of keepalive" — only with SO_KEEPALIVE and a peer that stopped answering; otherwise it lasts until close().',
  references: ['man 7 tcp', 'https://blog.cloudflare.com/this-is-strictly-a-violation-of-the-tcp-specification/'],
  messages: {
    closeWaitPileUp:
      '{count} sockets are in CLOSE_WAIT (threshold {threshold}){holders}: an application is not calling close() after the peer closed; no sysctl fixes it. Fix the application (close the socket when read() returns 0, return connections to the pool, close on error paths); restarting the process releases them. tcp_keepalive_* only helps if the application enabled SO_KEEPALIVE, and then only ends it once the peer stops answering (about 2 h with the defaults){findOwner}',
    closeWaitFew:
      '{count} socket(s) in CLOSE_WAIT{holders}: the peer closed and the application has not called close() yet. A few for a moment are normal; if they stay or grow, the application leaks them, and no sysctl fixes that{findOwner}',
  },
  check({ facts, report }) {
    if (!facts.sockets.available) return;
    const count = facts.sockets.states.CLOSE_WAIT;
    if (count === 0) return;
    const census = facts.sockets.census;
    const data = { count: fmtN(count), holders: holders(census), findOwner: census ? '' : ' — `knobs sockets` names the process' };
    const extra = { key: null, current: String(count) };
    if (count < WARN_AT) {
      report('closeWaitFew', data, { ...extra, severity: 'info' });
      return;
    }
    const critical = count >= CRITICAL_AT;
    report('closeWaitPileUp', { ...data, threshold: critical ? CRITICAL_AT : WARN_AT }, { ...extra, severity: critical ? 'critical' : 'warning' });
  },
});
