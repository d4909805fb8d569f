// tcp_tw_reuse means different things before and after 4.18: a `2` copied from a
// newer host turns reuse on for every destination on an older kernel, and newer
// kernels reject anything but 0, 1 and 2.
import { defaultFor, rejectReason, tcpTwReuseMode } from '../../src/core/catalog.js';
import { configLines } from '../../src/core/config-lines.js';
import { defineRule } from '../../src/core/define-rule.js';
import { versionAtLeast } from '../../src/core/kernel-version.js';
import { fold } from '../../src/core/values.js';

const KEY = 'net.ipv4.tcp_tw_reuse';

export default defineRule({
  id: 'net/tcp-tw-reuse',
  keys: [KEY],
  severity: 'warning',
  requires: [KEY],
  summary: 'tcp_tw_reuse is set to a value this kernel rejects, or to one that means "all destinations" here',
  explanation:
    'tcp_tw_reuse lets connect() take over a 4-tuple that is still in TIME_WAIT once the entry is old enough (1 s; ' +
    'tcp_tw_reuse_delay from 6.14). It is only consulted on the connect() path, so it helps outgoing connections (a ' +
    'proxy or pool connecting to backends) and does nothing for inbound/server-side TIME_WAIT. It needs TCP ' +
    'timestamps on both ends: the reused entry must have carried the peer\'s timestamps so PAWS can tell old ' +
    'duplicates from the new connection. From Linux 4.18 the values are 0 off, 1 every destination, 2 loopback only ' +
    '(the default), and anything else is rejected: such a line fails at boot and leaves the previous value. Before ' +
    '4.18 the handler is proc_dointvec, which stores any integer, and the kernel only tests whether it is non-zero: ' +
    '2 (or 7, or -1) turns reuse on for every destination. A `2` copied from a newer host, meant as "loopback only", ' +
    'therefore does the opposite on an older kernel. sysctl cannot tell whether a distribution kernel older than 4.18 ' +
    'carries the loopback backport, so knobs goes by the upstream behaviour of the version.',
  tradeoffs:
    '1: outgoing connections recycle ports after about 1 s instead of 60 s; safe behind NAT because timestamps ' +
    'protect the reuse. Off (0): a client that opens many short connections to one destination is limited to about ' +
    'ports ÷ 60 s per second. 2 (the default from 4.18) only covers loopback connections.',
  history: [
    '4.10: per network namespace (net/ipv4/sysctl_net_ipv4.c: ipv4_table@4.9.0, ipv4_net_table@4.10.1).',
    'Before 4.18: proc_dointvec and `if (tcptw->tw_ts_recent_stamp && (!twp || (sysctl_tcp_tw_reuse && …)))` in tcp_twsk_unique() (net/ipv4/tcp_ipv4.c@4.15.0): any non-zero value is "all destinations".',
    '4.18: bounds 0..2, value 2 (loopback only) added and made the default (79e9fed46038).',
    '6.14: the 1 s reuse delay became tunable as tcp_tw_reuse_delay (milliseconds) (net/ipv4/sysctl_net_ipv4.c: absent@6.13.7, present@6.14.0 per kernel-facts.md).',
    'tcp(7) in man-pages 6.03 still says "Boolean; default: disabled" — stale since 4.18.',
  ],
  myth: '"tcp_tw_reuse makes the server reuse TIME_WAIT sockets" — it only applies to connect(), and only with timestamps on both ends.',
  references: [
    'https://docs.kernel.org/networking/ip-sysctl.html',
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=79e9fed46038',
    'https://vincent.bernat.ch/en/blog/2014-tcp-time-wait-state-linux',
  ],
  messages: {
    rejectedValue:
      '{file}:{line} sets tcp_tw_reuse = {value}, which this kernel ({release}) rejects ({reason}); valid values: 0, 1, 2. The write fails at boot and the live value stays {live}',
    allDestinationsHere:
      '{file}:{line} sets tcp_tw_reuse = {value}: on this kernel ({release}, before 4.18) any non-zero value turns reuse on for ALL outgoing connections — "2 = loopback only" exists only from 4.18. Write 1 if reuse for every destination is wanted, 0 (this kernel\'s default) if the line was copied from a newer host',
    liveAllDestinations:
      'tcp_tw_reuse is {value} on this kernel ({release}, before 4.18), where any non-zero value means reuse for ALL outgoing connections, not loopback only; write 1 or 0 to say which is meant',
  },
  check({ facts, report }) {
    const version = facts.kernel.version;
    const old = version !== null && !versionAtLeast(version, '4.18.0');
    const live = facts.sysctl[KEY]?.live ?? null;
    const dflt = defaultFor(KEY, version);
    let explained = false;
    for (const { file, entry: e } of configLines(facts, KEY)) {
      const v = fold(e.value);
      const reason = rejectReason(KEY, v, version);
      if (reason) {
        report(
          'rejectedValue',
          { file, line: e.line, value: v, release: facts.kernel.release, reason, live: live ?? 'unknown' },
          { key: KEY, current: v, recommended: dflt ?? null },
        );
        continue;
      }
      if (old && /^-?\d+$/.test(v) && v !== '0' && v !== '1') {
        report('allDestinationsHere', { file, line: e.line, value: v, release: facts.kernel.release }, { key: KEY, current: v, recommended: dflt ?? '0' });
        if (live !== null && fold(live) === v) explained = true;
      }
    }
    if (!explained && old && live !== null && tcpTwReuseMode(live, version) === 'all' && fold(live) !== '1') {
      report('liveAllDestinations', { value: fold(live), release: facts.kernel.release }, { key: KEY, current: fold(live), recommended: dflt ?? '0' });
    }
  },
});
