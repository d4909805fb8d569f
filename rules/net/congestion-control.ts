// BBR and fq for hosts that send to the internet, and how much unsent data a proxy
// may queue per socket (tcp_notsent_lowat).
import { defineRule } from '../../src/core/define-rule.js';
import { versionAtLeast } from '../../src/core/kernel-version.js';
import { toInt } from '../../src/core/values.js';

const CC = 'net.ipv4.tcp_congestion_control';
const QDISC = 'net.core.default_qdisc';
const LOWAT = 'net.ipv4.tcp_notsent_lowat';
const SSAI = 'net.ipv4.tcp_slow_start_after_idle';
/** TCP paces by itself (a high-resolution timer per socket) from here; before, BBR relied on fq (218af599fa63). */
const INTERNAL_PACING = '4.13.0';
/** BBR entered the kernel here (0f8782ea1497). */
const BBR_SINCE = '4.9.0';
/** Cloudflare's HTTP/2 prioritisation setting: enough to keep the link busy, small enough to reorder streams. */
const LOWAT_PROPOSAL = '16384';

export default defineRule({
  id: 'net/congestion-control',
  keys: [CC, QDISC, LOWAT, SSAI],
  severity: 'info',
  requires: [CC],
  summary: 'BBR without fq on a kernel that cannot pace, and how much a proxy queues per stream',
  explanation:
    'The congestion control decides how fast TCP sends. cubic (the default) grows until packets are lost, which fills the ' +
    'buffers on the path (bufferbloat) and collapses on lossy links; BBR models the bottleneck bandwidth and round-trip time ' +
    'and paces packets at that rate, which gives internet clients on long or lossy paths more throughput and lower latency. ' +
    'BBR needs pacing: up to 4.12 only the fq qdisc paced (tcp_bbr.c: "BBR *must* be used with the fq qdisc"), so bbr with ' +
    'any other default_qdisc sends in bursts; from 4.13 TCP paces by itself when the qdisc does not, with a timer per ' +
    'socket, and fq remains the cheaper place to pace. default_qdisc applies only to devices brought up after the change ' +
    '(or after `tc qdisc replace`), not to the ones already running. load-balancer (and web-node facing clients directly): ' +
    'bbr with fq is the usual choice; this is advice, not a target, because it is a trade-off. tcp_notsent_lowat: by ' +
    'default a socket stays writable however much unsent data it holds, so an HTTP/2 proxy pushes megabytes of one ' +
    'stream into the kernel and a later, more urgent stream waits behind them; a limit such as 16 KiB (what Cloudflare runs for HTTP/2 prioritisation, see references) keeps only what ' +
    'the link needs queued and lets the proxy\'s priorities work (load-balancer). tcp_slow_start_after_idle=1 (the ' +
    'default) collapses the congestion window after an idle period, so each response on a keep-alive connection starts ' +
    'in slow start again: 0 is a target of the web-node and db-client profiles, and advice for load balancers.',
  tradeoffs:
    'BBR (v1, in mainline) competes unfairly with cubic flows on shared bottlenecks and tolerates loss that cubic would ' +
    'back off from (more retransmissions on shallow-buffered paths); inside one data centre cubic or dctcp often does as ' +
    'well. fq costs a little CPU per packet and is a per-flow scheduler, not an AQM like fq_codel. A small ' +
    'tcp_notsent_lowat means more wake-ups of the sending process (more syscalls, some CPU) for less queued data.',
  history: [
    '4.9: BBR added (0f8782ea1497 "tcp_bbr: add BBR congestion control"); net/ipv4/tcp_bbr.c@4.12.0 says "BBR *must* be used with the fq qdisc ("man tc-fq") with pacing enabled".',
    '4.13: TCP internal pacing (218af599fa63 "tcp: internal implementation for pacing"): bbr_init() sets sk_pacing_status = SK_PACING_NEEDED and tcp_internal_pacing() paces when the qdisc does not (net/ipv4/tcp_bbr.c and tcp_output.c@4.14.5; absent @4.12.0); the comment becomes "BBR might be used with the fq qdisc".',
    '4.15: tcp_congestion_control per network namespace; a new namespace starts with the initial one\'s algorithm (net/ipv4/sysctl_net_ipv4.c@4.15.0).',
    '3.12: default_qdisc and tcp_notsent_lowat added (6da7c8fcbcbd, c9bee3b7fdec).',
  ],
  myth: '"BBR needs fq" — true up to 4.12 only; from 4.13 TCP paces by itself, fq is then the cheaper way, not a requirement.',
  references: [
    'https://docs.kernel.org/networking/ip-sysctl.html',
    'https://blog.cloudflare.com/http-2-prioritization-with-nginx/',
    'https://queue.acm.org/detail.cfm?id=3022184',
    'man 8 tc-fq',
  ],
  messages: {
    bbrWithoutPacing:
      'tcp_congestion_control is bbr but default_qdisc is {qdisc}: on this kernel ({version}, before 4.13) only fq paces, so BBR sends in bursts. Set net.core.default_qdisc = fq and re-create the root qdiscs (`tc qdisc replace dev <if> root fq`, or reboot)',
    bbrInternalPacing:
      'tcp_congestion_control is bbr with default_qdisc {qdisc}: TCP paces by itself (a timer per socket, 4.13+); fq paces in the qdisc for less CPU. Optional: net.core.default_qdisc = fq',
    considerBbr:
      'tcp_congestion_control is {cc}: for clients across the internet, bbr with default_qdisc fq usually gives more throughput on long or lossy paths and less queueing; weigh it against its unfairness to cubic flows (see explain)',
    slowStartAfterIdle:
      'tcp_slow_start_after_idle is 1: every keep-alive connection (clients and backends) that idles for an RTO restarts in slow start, so the next response is sent at a small window. 0 keeps the window (RFC 2861 behaviour off)',
    notsentUnlimited:
      'tcp_notsent_lowat is unlimited ({current}): an HTTP/2 proxy can queue megabytes of one stream in the kernel ahead of urgent ones. {proposal} bytes keeps the link busy and lets the proxy\'s priorities work',
  },
  check({ facts, profile, report }) {
    const lb = profile.names.includes('load-balancer');
    if (!lb && !profile.names.includes('web-node')) return;
    const version = facts.kernel.version;
    const cc = facts.sysctl[CC]?.live?.trim() ?? null;
    const qdiscFact = facts.sysctl[QDISC];
    const qdisc = qdiscFact?.state === 'present' ? (qdiscFact.live?.trim() ?? null) : null;
    if (cc === 'bbr' && qdisc !== null && qdisc !== 'fq') {
      const extra = { key: QDISC, current: qdisc, recommended: 'fq', change: { kind: 'sysctl' as const, key: QDISC, value: 'fq' } };
      if (version !== null && !versionAtLeast(version, INTERNAL_PACING)) report('bbrWithoutPacing', { qdisc, version }, { ...extra, severity: 'warning' });
      else report('bbrInternalPacing', { qdisc }, extra);
    } else if (lb && cc !== null && cc !== 'bbr' && (version === null || versionAtLeast(version, BBR_SINCE))) {
      report('considerBbr', { cc }, { key: CC, current: cc, recommended: 'bbr' });
    }
    if (lb && toInt(facts.sysctl[SSAI]?.live) === 1) report('slowStartAfterIdle', {}, { key: SSAI, current: '1', recommended: '0' });
    const lowatLive = facts.sysctl[LOWAT]?.live ?? null;
    const lowat = toInt(lowatLive);
    // -1: what proc_dointvec shows for UINT_MAX before 4.10.
    if (lb && lowat !== undefined && (lowat === -1 || lowat >= 2 ** 31)) {
      // Advice: the right figure depends on the proxy (a per-socket TCP_NOTSENT_LOWAT is an alternative).
      report('notsentUnlimited', { current: lowatLive!, proposal: LOWAT_PROPOSAL }, { key: LOWAT, current: lowatLive, recommended: LOWAT_PROPOSAL });
    }
  },
});
