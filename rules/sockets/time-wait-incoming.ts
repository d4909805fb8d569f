// TIME_WAIT on listening ports: this host closed first as the server. Cheap, and no sysctl is the answer.
import { defineRule } from '../../src/core/define-rule.js';
import { fmtN } from '../../src/core/socket-census.js';

export default defineRule({
  id: 'sockets/time-wait-incoming',
  keys: ['net.ipv4.tcp_max_tw_buckets'],
  severity: 'info',
  needs: ['socketCensus'],
  summary: 'This host closes incoming connections first: TIME_WAIT sockets on its listening ports',
  explanation:
    'A TIME_WAIT socket whose local port has a listener is one where this host was the server and closed first ' +
    '(HTTP/1.0 without keep-alive, a server-side idle timeout, a proxy that closes after each response). Such ' +
    'entries use no local port: each client connects from its own port, which is part of the 4-tuple, so they ' +
    'cannot exhaust anything but the TIME_WAIT table itself (tcp_max_tw_buckets) and a few hundred bytes of ' +
    'memory each. tcp_tw_reuse does not apply to them (it is consulted only when this host connects). A client ' +
    'that reconnects from the same port while the entry lives is accepted anyway when its sequence number or ' +
    'timestamp is newer (RFC 1122 4.2.2.13), so TIME_WAIT does not block returning clients.',
  tradeoffs:
    'Letting clients close first (keep-alive, the client ending idle connections) moves TIME_WAIT to them. It is ' +
    'harmless here unless sockstat tw nears tcp_max_tw_buckets (sockets/tw-buckets-near-limit).',
  history: [
    'Linux 6.18.32 (codesnas/linux-6.18.y e3187436e): tcp_twsk_unique() (net/ipv4/tcp_ipv4.c), where tcp_tw_reuse is read, runs only from the connect() path (__inet_check_established); an incoming SYN on a TIME_WAIT 4-tuple is handled by tcp_timewait_state_process() (TCP_TW_SYN) in net/ipv4/tcp_minisocks.c.',
    'Memory: tw_sock_TCP slab objects of 256 bytes on a 6.18 x86_64 host (kernel-facts.md §2.8).',
  ],
  references: ['https://vincent.bernat.ch/en/blog/2014-tcp-time-wait-state-linux', 'RFC 1122 section 4.2.2.13'],
  messages: {
    incomingTimeWait:
      '{count} TIME_WAIT socket(s) on listening ports ({ports}): we were the server and closed first. These cost a few hundred bytes each and use no local ports (the client\'s port is part of each 4-tuple); tcp_tw_reuse has no effect on them. To avoid them let clients close first (keep-alive) — harmless unless sockstat tw nears tcp_max_tw_buckets',
  },
  check({ facts, report }) {
    const incoming = facts.sockets.census?.timeWait.incoming;
    if (!incoming || incoming.count === 0) return;
    const ports = incoming.byLocalPort.slice(0, 3).map((p) => p.port).join(', ');
    report('incomingTimeWait', { count: fmtN(incoming.count), ports }, { key: null, current: String(incoming.count) });
  },
});
