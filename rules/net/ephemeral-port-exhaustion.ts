// TIME_WAIT towards one destination eating the ephemeral port range: connect() starts failing with EADDRNOTAVAIL.
import { rejectReason, tcpTwReuseMode } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { fields, fold, toInt } from '../../src/core/values.js';

const RANGE = 'net.ipv4.ip_local_port_range';
const RESERVED = 'net.ipv4.ip_local_reserved_ports';
const REUSE = 'net.ipv4.tcp_tw_reuse';
const TS = 'net.ipv4.tcp_timestamps';
const TIME_WAIT_SECONDS = 60;

function reservedInside(list: string, low: number, high: number): number {
  let n = 0;
  for (const p of fold(list).replace(/\s/g, '').split(',').filter(Boolean)) {
    const [a, b] = p.split('-').map(Number);
    if (a === undefined || !Number.isInteger(a)) continue;
    const from = Math.max(a, low);
    const to = Math.min(b ?? a, high);
    if (to >= from) n += to - from + 1;
  }
  return n;
}

export default defineRule({
  id: 'net/ephemeral-port-exhaustion',
  keys: [RANGE, RESERVED, REUSE, TS],
  severity: 'warning',
  requires: [RANGE],
  summary: 'TIME_WAIT sockets towards one destination hold most of the ephemeral port range',
  explanation:
    'An outgoing TCP connection is identified by (source IP, source port, destination IP, destination port). When ' +
    'this host closes first, the 4-tuple stays in TIME_WAIT for 60 s (fixed), so towards ONE destination ip:port ' +
    'at most (ports in ip_local_port_range − reserved ports) ÷ 60 s new connections per second can be opened ' +
    'without reuse: 28,232 ÷ 60 ≈ 470/s with the default range. Beyond it connect() fails with EADDRNOTAVAIL. ' +
    'Other destinations can reuse the same local ports — for a plain connect(); a socket bound to an address with ' +
    'port 0 before connect() (nginx proxy_bind, HAProxy source, many clients) reserves its port against every ' +
    'destination unless it sets IP_BIND_ADDRESS_NO_PORT (4.2), which defers the port choice to connect(). Each local ' +
    'source address has its own range: a proxy that spreads backend connections over N source IPs (HAProxy `source` ' +
    'per server, nginx proxy_bind with a variable) gets N × the pool per destination. As the range fills, connect() ' +
    'itself gets slower: __inet_hash_connect() walks candidate ports from a hashed offset, checking each against the ' +
    'bind and established hashes under their locks, so a nearly full range costs many probes per connect() before ' +
    'EADDRNOTAVAIL. This rule compares the TIME_WAIT count per destination ' +
    '(outgoing connections only) with the pool: more than 50% is a warning, more than 90% critical.',
  tradeoffs:
    'Fixes, best first: connection pooling / HTTP keep-alive (no TIME_WAIT per request); tcp_tw_reuse=1 (outgoing ' +
    'only, needs timestamps on both ends, recycles after ~1 s); a wider ip_local_port_range with service ports in ' +
    'ip_local_reserved_ports; more destination addresses or ports (each is its own pool); letting the server close ' +
    'first. Never tcp_tw_recycle: it broke clients behind NAT and is gone since 4.12. SO_LINGER {1,0} avoids TIME_WAIT ' +
    'by sending RST, at the cost of discarding unsent data.',
  history: [
    '__inet_hash_connect(): ports tried from port_offset over the range, each checked in the bind hash and by __inet_check_established() (net/ipv4/inet_hashtables.c@6.12.0); IP_BIND_ADDRESS_NO_PORT in 4.2 (90c337da1524 "inet: add IP_BIND_ADDRESS_NO_PORT to overcome bind(0) limitations"; include/uapi/linux/in.h: absent @4.1.5, present @4.2.8).',
    'TIME_WAIT length is TCP_TIMEWAIT_LEN = 60 s, not tunable (include/net/tcp.h).',
    '4.2: default range 32768–60999 (28,232 ports) (07f4c90062f8).',
    '4.18: tcp_tw_reuse default 2 = loopback only, so remote destinations get no reuse by default (79e9fed46038); before 4.18 any non-zero value means all destinations.',
    '4.2: IP_BIND_ADDRESS_NO_PORT defers the port choice of bind(addr, 0) to connect() (include/uapi/linux/in.h: absent@4.1.5, present@4.2.8).',
  ],
  myth: '"TIME_WAIT sockets waste memory" — 10,000 of them cost about 2.5 MB; the real limit is 4-tuples per destination.',
  references: [
    'https://docs.kernel.org/networking/ip-sysctl.html',
    'https://vincent.bernat.ch/en/blog/2014-tcp-time-wait-state-linux',
  ],
  messages: {
    portsExhausting:
      '{count} TIME_WAIT sockets towards {peer} hold {percent}% of the {ports} usable ephemeral ports: each lasts 60 s, so new connections to this one destination top out at about {rate}/s ({ports} ÷ 60 s) and connect() then fails with EADDRNOTAVAIL. What helps: connection pooling or keep-alive; tcp_tw_reuse=1 for outgoing connections{reuseNote}; a wider ip_local_port_range (currently {range}) with service ports in ip_local_reserved_ports; more destination addresses, or more source addresses (each has its own range); a client that binds before connect() should set IP_BIND_ADDRESS_NO_PORT, or each bound port is taken from every destination. Not tcp_tw_recycle (removed in 4.12, broke NAT clients)',
  },
  check({ facts, report }) {
    if (!facts.sockets.available) return;
    const range = facts.sysctl[RANGE]?.live ?? null;
    if (range === null) return;
    const [low, high] = fields(range).map(Number) as [number, number];
    if (!Number.isInteger(low) || !Number.isInteger(high) || high < low) return;
    const reservedLive = facts.sysctl[RESERVED]?.live ?? '';
    const ports = high - low + 1 - reservedInside(reservedLive, low, high);
    if (ports <= 0) return;
    const reuse = toInt(facts.sysctl[REUSE]?.live);
    const ts = toInt(facts.sysctl[TS]?.live);
    const mode = tcpTwReuseMode(reuse, facts.kernel.version);
    const reuseNote =
      mode === 'all'
        ? ts === 0
          ? ' (already 1, but tcp_timestamps is 0, so it cannot work)'
          : ` (already ${reuse}${reuse === 1 ? '' : ', which on this kernel means all destinations'}: this destination may not send timestamps, or connections are opened faster than 1 s reuse allows)`
        : ` (now ${reuse ?? 'unknown'}${mode === 'loopback' ? ', loopback only' : ''})`;
    const canSetReuse = mode !== 'all' && ts !== 0 && rejectReason(REUSE, '1', facts.kernel.version) === null;
    const rate = Math.floor(ports / TIME_WAIT_SECONDS);
    const sorted = [...facts.sockets.timeWaitByDestination].sort((a, b) => b.count - a.count || a.peer.localeCompare(b.peer));
    for (const { peer, count } of sorted) {
      const share = count / ports;
      if (share <= 0.5) continue;
      report(
        'portsExhausting',
        { count, peer, percent: Math.round(share * 100), ports, rate, reuseNote, range },
        {
          key: canSetReuse ? REUSE : RANGE,
          current: canSetReuse ? String(reuse ?? '') : range,
          recommended: canSetReuse ? '1' : null,
          severity: share > 0.9 ? 'critical' : 'warning',
          ...(canSetReuse ? { change: { kind: 'sysctl' as const, key: REUSE, value: '1' } } : {}),
        },
      );
    }
  },
});
