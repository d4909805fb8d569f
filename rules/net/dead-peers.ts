// How long a client needs to notice a peer that vanished: a write to it (tcp_retries2)
// and a connect() to it (tcp_syn_retries). Keepalive does not help while data is in flight.
import { defaultFor } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { versionAtLeast } from '../../src/core/kernel-version.js';
import { toInt } from '../../src/core/values.js';

const RETRIES2 = 'net.ipv4.tcp_retries2';
const SYN = 'net.ipv4.tcp_syn_retries';
const LINEAR = 'net.ipv4.tcp_syn_linear_timeouts';
const ROLES = ['db-client', 'load-balancer'];

/** Above this, a write to a dead peer is reported (5 min; the default is ~15 min). */
const WRITE_LIMIT_S = 300;
/** The proposed tcp_retries2: 102.2 s, the shortest above RFC 1122's "at least 100 seconds" for R2. */
const RETRIES2_PROPOSAL = 8;
/** Above this, a connect() to a dead host is reported. */
const CONNECT_LIMIT_S = 60;

const RTO_MIN_MS = 200;
const RTO_MAX_MS = 120_000;
const SYN_RTO_MS = 1000;

/** tcp_model_timeout() (net/ipv4/tcp_timer.c@6.6.9): the time `boundary` backoffs from `base` take, in ms. */
export function modelTimeoutMs(boundary: number, base: number): number {
  const thresh = Math.floor(Math.log2(RTO_MAX_MS / base));
  if (boundary <= thresh) return ((2 << boundary) - 1) * base;
  return ((2 << thresh) - 1) * base + (boundary - thresh) * RTO_MAX_MS;
}

/**
 * When connect() to a host that never answers fails, in ms: the SYN retransmission
 * timer as tcp_retransmit_timer()/tcp_write_timeout() run it (tcp_timer.c@6.6.9). The
 * first `linear` retransmissions keep the initial 1 s RTO (6.5+), then it doubles up to
 * 120 s; each firing gives up when syn_retries + linear retransmissions were sent or
 * the time the model allows for syn_retries has passed.
 */
export function connectGiveUpMs(synRetries: number, linear: number): number {
  const maxRetransmits = synRetries + linear;
  const limit = modelTimeoutMs(synRetries, SYN_RTO_MS);
  let t = 0;
  let rto = SYN_RTO_MS;
  for (let sent = 0; ; sent++) {
    t += rto;
    if (sent >= maxRetransmits || t >= limit) return t;
    if (sent + 1 > linear) rto = Math.min(rto * 2, RTO_MAX_MS);
  }
}

function human(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  return s < 120 ? `${s} s` : `${s} s (about ${Math.round(s / 60)} min)`;
}

export default defineRule({
  id: 'net/dead-peers',
  keys: [RETRIES2, SYN, LINEAR],
  severity: 'info',
  requires: [RETRIES2],
  summary: 'A write to a dead peer takes ~15 minutes to fail, a connect() to a dead host ~2 minutes',
  explanation:
    'When a peer disappears without a RST (a crashed host, a failover that moved its address, a NAT or firewall entry ' +
    'that expired), nothing tells this host. A connection with unacknowledged data retransmits with exponential backoff ' +
    'until the time tcp_retries2 stands for has passed: the kernel turns the count into a time from a 200 ms RTO doubling ' +
    'to 120 s, so the default 15 means about 924.6 s, some 15 minutes, during which the application\'s write() succeeds ' +
    'and its read() blocks. Keepalive does not shorten this: the keepalive timer skips a socket that has data in flight ' +
    'and only probes idle ones. A connect() to a host that does not answer retransmits its SYN tcp_syn_retries times from a ' +
    '1 s RTO: about 127 s with the default 6; from 6.5 the first tcp_syn_linear_timeouts (4) retransmissions do not back ' +
    'off, which makes it about 131 s. db-client (a pool holding a connection to a database that failed over) and ' +
    'load-balancer (connections to backends): lower tcp_retries2 to 8 (about 102 s, still above RFC 1122\'s 100 s), and ' +
    'better, set TCP_USER_TIMEOUT on the sockets that talk to backends: it bounds, per socket, how long data may stay ' +
    'unacknowledged (and how long keepalive probes may go unanswered) whatever tcp_retries2 says. For connect(), set a ' +
    'connect timeout in the application or driver (or TCP_SYNCNT) rather than lowering tcp_syn_retries for every socket.',
  tradeoffs:
    'A lower tcp_retries2 applies to every connection of the host: on a lossy or congested path, or across a long ' +
    'outage (a link flap, a switch reboot) a connection that would have recovered is reset instead. Below 8 it breaks ' +
    'RFC 1122 (R2 at least 100 s). TCP_USER_TIMEOUT and connect timeouts touch only the sockets that set them. ' +
    'Other roles pass: long-lived server connections usually gain nothing from failing earlier.',
  history: [
    'tcp_write_timeout(): an established socket gives up when retransmits_timed_out(sk, tcp_retries2, icsk_user_timeout) holds; tcp_model_timeout() makes 15 backoffs from TCP_RTO_MIN (200 ms) capped at TCP_RTO_MAX (120 s) = 924.6 s (net/ipv4/tcp_timer.c@6.6.9, include/net/tcp.h@6.6.9).',
    'tcp_keepalive_timer() reschedules without probing while packets_out or the write queue is not empty (net/ipv4/tcp_timer.c@6.6.9).',
    '2.6.37: TCP_USER_TIMEOUT (dca43c75e7e5 "tcp: Add TCP_USER_TIMEOUT socket option"); tcp_clamp_rto_to_user_timeout() and the keepalive timer honour it (tcp_timer.c@6.6.9).',
    '3.7: tcp_syn_retries default 5 → 6 (tcp(7)); a SYN_SENT socket gives up after tcp_syn_retries retransmissions from a 1 s RTO (TCP_TIMEOUT_INIT): 1+2+4+8+16+32+64 = 127 s.',
    '6.5: tcp_syn_linear_timeouts (ccce324dabfe "tcp: make the first N SYN RTO backoffs linear", default 4): max_retransmits = tcp_syn_retries + tcp_syn_linear_timeouts for SYN_SENT and no backoff while icsk_backoff ≤ it (tcp_write_timeout(), tcp_retransmit_timer() in net/ipv4/tcp_timer.c@6.6.9; absent in 6.1.158): 5 × 1 + 2+4+8+16+32+64 = 131 s.',
  ],
  myth: '"Keepalive will notice the dead database within tcp_keepalive_time" — not while a query or a write is waiting for an acknowledgement; then only tcp_retries2 or TCP_USER_TIMEOUT ends it.',
  references: [
    'https://docs.kernel.org/networking/ip-sysctl.html',
    'https://datatracker.ietf.org/doc/html/rfc1122#section-4.2.3.5',
    'https://datatracker.ietf.org/doc/html/rfc5482',
    'man 7 tcp',
  ],
  messages: {
    slowWriteFailure:
      'tcp_retries2 is {retries2}: a write to a peer that vanished without a RST fails only after {time}, and keepalive does not probe while the data is unacknowledged. Set TCP_USER_TIMEOUT on backend/database sockets (per socket, preferred), or lower tcp_retries2 to {proposal} ({proposalTime}) for the whole host',
    slowConnectFailure:
      'tcp_syn_retries is {syn}{linearNote}: connect() to a host that does not answer fails after {time}. Give the application or driver a connect timeout (or TCP_SYNCNT per socket) rather than lowering tcp_syn_retries for every connection',
  },
  check({ facts, profile, report }) {
    if (!ROLES.some((r) => profile.names.includes(r))) return;
    const version = facts.kernel.version;
    const retries2Live = facts.sysctl[RETRIES2]?.live ?? null;
    const retries2 = toInt(retries2Live);
    if (retries2 !== undefined && retries2 >= 0) {
      const ms = modelTimeoutMs(retries2, RTO_MIN_MS);
      if (ms > WRITE_LIMIT_S * 1000) {
        // Advice, not a change in the plan: the per-socket TCP_USER_TIMEOUT is the better fix,
        // and a host-wide value is the operator's call (`knobs set`, or a profile target).
        report(
          'slowWriteFailure',
          { retries2, time: human(ms), proposal: RETRIES2_PROPOSAL, proposalTime: human(modelTimeoutMs(RETRIES2_PROPOSAL, RTO_MIN_MS)) },
          { key: RETRIES2, current: retries2Live, recommended: String(RETRIES2_PROPOSAL) },
        );
      }
    }
    const synLive = facts.sysctl[SYN]?.live ?? null;
    const syn = toInt(synLive ?? defaultFor(SYN, version));
    if (syn === undefined || syn < 1) return;
    const linearFact = facts.sysctl[LINEAR];
    // A snapshot that did not read the key: the kernel's default where it exists (6.5+).
    const linear = linearFact?.state === 'present'
      ? (toInt(linearFact.live) ?? 0)
      : linearFact === undefined && version !== null && versionAtLeast(version, '6.5.0') ? 4 : 0;
    const ms = connectGiveUpMs(syn, linear);
    if (ms > CONNECT_LIMIT_S * 1000) {
      report(
        'slowConnectFailure',
        { syn, linearNote: linear > 0 ? ` (after ${linear} retransmissions at a fixed 1 s: tcp_syn_linear_timeouts, 6.5+)` : '', time: human(ms) },
        { key: SYN, current: synLive },
      );
    }
  },
});
