// Listen queues that overflowed: what somaxconn can and cannot do about it.
import { defaultFor, rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { counterWindow } from '../../src/core/counter-window.js';
import { toInt } from '../../src/core/values.js';

const KEY = 'net.core.somaxconn';

export default defineRule({
  id: 'net/somaxconn',
  keys: [KEY],
  severity: 'warning',
  requires: [KEY],
  summary: 'An accept queue overflowed: connections were dropped because the application did not accept() fast enough',
  explanation:
    'Every listening socket has an accept queue of completed connections waiting for accept(). Its limit is ' +
    'min(backlog passed to listen(), net.core.somaxconn): the kernel silently cuts a larger backlog to somaxconn. ' +
    'When the queue is full the final ACK of the handshake is dropped and TcpExt.ListenOverflows counts it (and ' +
    'ListenDrops, which also counts other drops); clients see retransmitted SYN-ACKs, latency spikes or connect ' +
    'timeouts. The counters are cumulative since boot: knobs keeps the counters of its last audit of this boot in /var/lib/knobs/counters.json (where that directory exists) and judges the increase since then; without a sample the finding counts since boot and says so. Raising somaxconn only helps if the application passes a ' +
    'larger backlog (nginx `listen … backlog=N` defaults to 511, Node 511, HAProxy `backlog`); otherwise the ' +
    'application itself accepts too slowly. A profile target for somaxconn is handled by profile/sysctl-target; this ' +
    'rule reports evidence of overflow. The default is 4096 since Linux 5.4 and 128 before.',
  tradeoffs:
    'A larger queue absorbs bursts at the cost of queueing delay (a client may wait in the queue rather than fail ' +
    'fast and retry elsewhere) and a little memory per queued connection.',
  history: ['5.4: default 128 → 4096 (ip-sysctl: "Was 128 before linux-5.4").'],
  myth: '"Raise somaxconn to fix dropped connections" — it is only a cap; the application\'s listen() backlog must be raised too.',
  references: ['https://docs.kernel.org/networking/ip-sysctl.html', 'man 2 listen'],
  messages: {
    listenOverflows:
      '{overflows} accept-queue overflows (TcpExt.ListenOverflows; ListenDrops {drops}) {window}. The limit is min(application backlog, somaxconn = {somaxconn}){defaultNote}; raising somaxconn only helps if the application passes a larger backlog to listen(){advice}',
  },
  check({ facts, report }) {
    if (!facts.sockets.available) return;
    const w = counterWindow(facts, 'TcpExt.ListenOverflows', facts.sockets.counters['TcpExt.ListenOverflows'] ?? 0);
    if (w.count <= 0) return;
    const overflows = w.count;
    const drops = counterWindow(facts, 'TcpExt.ListenDrops', facts.sockets.counters['TcpExt.ListenDrops'] ?? 0).count;
    const live = facts.sysctl[KEY]?.live ?? null;
    const somaxconn = toInt(live);
    if (live === null || somaxconn === undefined) return;
    const here = defaultFor(KEY, facts.kernel.version);
    const modern = defaultFor(KEY, null);
    const defaultNote = here !== undefined && live === here ? ` (this kernel's default${here !== modern ? `; ${modern} since Linux 5.4` : ''})` : '';
    const target = modern !== undefined && toInt(modern)! > somaxconn ? modern : undefined;
    const ok = target !== undefined && rejectReason(KEY, target, facts.kernel.version) === null;
    const advice = ok
      ? `; ${somaxconn} is below the modern default ${target}, so raise it together with the backlog`
      : '; check the backlog the application passes (ss -lnt shows it as Send-Q) and whether it accepts fast enough';
    report(
      'listenOverflows',
      { overflows, drops, somaxconn, defaultNote, advice, window: w.window },
      {
        key: KEY,
        current: live,
        recommended: ok ? target! : null,
        ...(ok ? { change: { kind: 'sysctl' as const, key: KEY, value: target! } } : {}),
      },
    );
  },
});
