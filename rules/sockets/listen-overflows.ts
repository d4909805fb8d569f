// Accept queues that overflowed: what the listeners and somaxconn have to do with it.
import { defineRule } from '../../src/core/define-rule.js';
import { fmtN } from '../../src/core/socket-census.js';

const KEY = 'net.core.somaxconn';

export default defineRule({
  id: 'sockets/listen-overflows',
  keys: [KEY],
  severity: 'warning',
  needs: ['socketCensus'],
  summary: 'Accept queues overflowed: connections were dropped because an application did not accept() fast enough',
  explanation:
    'A listening socket queues completed connections until the application calls accept(). The queue holds ' +
    'min(backlog passed to listen(), net.core.somaxconn): listen() silently cuts a larger backlog. When it is full ' +
    'the handshake\'s last ACK is dropped and TcpExt.ListenOverflows counts it (ListenDrops also counts other ' +
    'drops); clients see retransmitted SYN-ACKs, latency or timeouts. The counters are cumulative since boot, so ' +
    'the finding stays after the burst has passed; the listeners with a queue right now (Recv-Q of a LISTEN socket) ' +
    'are named, which is current evidence.',
  tradeoffs:
    'Raising somaxconn alone does nothing unless the application asks for a larger backlog (nginx `listen … ' +
    'backlog=N`, 511 by default; Node 511; HAProxy `backlog`). A larger queue absorbs bursts at the cost of ' +
    'queueing delay; an application that accepts too slowly needs more workers. net/somaxconn in `audit` reports ' +
    'the same counter with the somaxconn default of the kernel.',
  history: [
    'Linux 6.18.32 (codesnas/linux-6.18.y e3187436e) net/socket.c __sys_listen_socket(): backlog = min(backlog, somaxconn); net/ipv4/tcp_ipv4.c tcp_v4_syn_recv_sock(): LINUX_MIB_LISTENOVERFLOWS when the accept queue is full.',
    '5.4: somaxconn default 128 → 4096 (ip-sysctl: "Was 128 before linux-5.4").',
  ],
  myth: '"Raise somaxconn to fix dropped connections" — it is only a cap; the application\'s listen() backlog must be raised too.',
  references: ['https://docs.kernel.org/networking/ip-sysctl.html', 'man 2 listen'],
  messages: {
    overflowed:
      'Accept queues overflowed since boot: ListenOverflows {overflows}, ListenDrops {drops}. The application does not accept() fast enough or its backlog is small: the queue limit is min(listen() backlog, net.core.somaxconn{somaxconn}); raising somaxconn alone does nothing unless the application asks for a bigger backlog.{queued}',
  },
  check({ facts, report }) {
    const c = facts.sockets.census;
    if (!c) return;
    const overflows = c.counters['TcpExt.ListenOverflows'] ?? 0;
    const drops = c.counters['TcpExt.ListenDrops'] ?? 0;
    if (overflows <= 0 && drops <= 0) return;
    const queued = c.listeners.filter((l) => l.acceptQueue > 0).map((l) => `${l.local} (${fmtN(l.acceptQueue)} waiting)`);
    const somaxconn = c.limits.somaxconn;
    report(
      'overflowed',
      {
        overflows: fmtN(overflows),
        drops: fmtN(drops),
        somaxconn: somaxconn === null ? '' : ` = ${somaxconn}`,
        queued: queued.length ? ` Listeners with a queue now: ${queued.slice(0, 5).join(', ')}.` : '',
      },
      { key: KEY, current: somaxconn === null ? null : String(somaxconn) },
    );
  },
});
