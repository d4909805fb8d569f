// TIME_WAIT on our side of outgoing connections: how much of the ephemeral port range one destination uses, and what helps.
import { defineRule } from '../../src/core/define-rule.js';
import { fmtN, twReuseScope } from '../../src/core/socket-census.js';
import type { Severity } from '../../src/core/types.js';

export const WARN_PERCENT = 50;
export const CRITICAL_PERCENT = 80;

const RANGE = 'net.ipv4.ip_local_port_range';
const RECYCLE = 'net.ipv4.tcp_tw_recycle';

export default defineRule({
  id: 'sockets/time-wait-outgoing',
  keys: [RANGE, 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_tw_reuse', 'net.ipv4.tcp_timestamps', RECYCLE],
  severity: 'warning',
  needs: ['socketCensus'],
  summary: 'This host closes outgoing connections first: their TIME_WAIT sockets hold local ports towards each destination',
  explanation:
    'The side that closes a TCP connection first keeps it in TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN, not tunable). ' +
    'For an outgoing connection that side is us, and the entry holds its 4-tuple (source IP, source port, ' +
    'destination IP, destination port): towards ONE destination ip:port, at most (ports in ip_local_port_range − ' +
    'reserved ports) local ports exist, so without reuse at most that many ÷ 60 s new connections per second can ' +
    'be opened (28,232 ÷ 60 ≈ 470/s with the default range); beyond it connect() fails with EADDRNOTAVAIL. ' +
    '`knobs sockets` counts, for the busiest destinations, the distinct local ports in use (open and TIME_WAIT) ' +
    'against the usable range: below 50% this is information, from 50% a warning, from 80% critical. Other ' +
    'destinations have their own port space.',
  tradeoffs:
    'What helps, best first: reuse connections (HTTP keep-alive, connection pools), which removes the TIME_WAIT per ' +
    'request; net.ipv4.tcp_tw_reuse=1, which lets connect() take over a TIME_WAIT entry older than about 1 s for ' +
    'outgoing connections when the old connection carried timestamps (tcp_timestamps on both ends); a wider ' +
    'ip_local_port_range with service ports kept out by ip_local_reserved_ports; more destination addresses or ' +
    'ports, or more source addresses (each 4-tuple has its own space). Not tcp_tw_recycle (it broke clients behind ' +
    'NAT and was removed in 4.12), and not tcp_fin_timeout (it does not shorten TIME_WAIT). See also ' +
    'net/ephemeral-port-exhaustion, which `audit` runs on the TIME_WAIT counts alone.',
  history: [
    'TIME_WAIT length: include/net/tcp.h TCP_TIMEWAIT_LEN (60*HZ); tcp_time_wait() sets timeo = TCP_TIMEWAIT_LEN for TIME_WAIT (Linux 6.18.32, codesnas/linux-6.18.y e3187436e, net/ipv4/tcp_minisocks.c).',
    'tcp_tw_reuse is consulted only on the connect() path: tcp_twsk_unique() in net/ipv4/tcp_ipv4.c (6.18.32); value 2 (loopback only, the default) since 4.18 (79e9fed46038).',
    '4.2: default ip_local_port_range 32768–60999 (07f4c90062f8). 4.12: tcp_tw_recycle removed (4396e46187ca).',
  ],
  myth: '"Lower tcp_fin_timeout to get rid of TIME_WAIT" — it only shortens orphaned FIN_WAIT2; TIME_WAIT is always 60 s.',
  references: ['https://docs.kernel.org/networking/ip-sysctl.html', 'https://vincent.bernat.ch/en/blog/2014-tcp-time-wait-state-linux'],
  messages: {
    outgoingTimeWait:
      '{count} TIME_WAIT socket(s) where we were the client and closed first. Busiest destination {peer}: {used} of {usable} ephemeral ports in use ({percent}%), turnover {turnover}/s against a capacity of {capacity}/s (ports ÷ 60 s). What helps: (1) reuse connections (HTTP keep-alive, connection pooling) — the real fix; (2) net.ipv4.tcp_tw_reuse=1 lets connect() take over TIME_WAIT entries older than 1 s for outgoing connections, needs tcp_timestamps on both ends (here tcp_tw_reuse {reuse}, tcp_timestamps {timestamps}); {widen}(4) more destination addresses/ports, or more source addresses — each 4-tuple has its own port space. Never tcp_tw_recycle: it broke clients behind NAT and was removed in Linux 4.12{recycleNote}. tcp_fin_timeout does not shorten TIME_WAIT (fixed 60 s)',
  },
  check({ facts, report }) {
    const c = facts.sockets.census;
    const worst = c?.ports.worst;
    if (!c || !worst || c.timeWait.outgoing.count === 0 || worst.timeWait === 0) return;
    // Exact, not the rounded percentage shown (49.99% is not 50%).
    const used = c.ports.usable > 0 ? (100 * worst.localPorts) / c.ports.usable : 100;
    const severity: Severity = used >= CRITICAL_PERCENT ? 'critical' : used >= WARN_PERCENT ? 'warning' : 'info';
    const setting = (v: number | null) => (v === null ? 'unknown' : String(v));
    const reuse = c.ports.twReuse;
    const [lo, hi] = c.ports.range;
    const widen =
      lo <= 1024 && hi >= 65535
        ? `(3) the ephemeral range is already as wide as it goes (${lo}-${hi}); keep service ports out of it with net.ipv4.ip_local_reserved_ports; `
        : `(3) widen net.ipv4.ip_local_port_range (now ${lo}-${hi}; e.g. 1024 65535) and protect service ports with net.ipv4.ip_local_reserved_ports; `;
    report(
      'outgoingTimeWait',
      {
        count: fmtN(c.timeWait.outgoing.count),
        peer: worst.peer,
        used: fmtN(worst.localPorts),
        usable: fmtN(c.ports.usable),
        percent: worst.usedPercent,
        turnover: worst.turnoverPerSecond,
        capacity: worst.capacityPerSecond,
        reuse: setting(reuse) + (twReuseScope(reuse, facts.kernel.version) === 'loopback' ? ' = loopback only' : ''),
        timestamps: setting(c.ports.timestamps),
        widen,
        recycleNote: facts.sysctl[RECYCLE]?.state === 'present' ? ' (this kernel still has it: keep it 0)' : '',
      },
      { key: RANGE, current: `${lo} ${hi}`, severity },
    );
  },
});
