// tcp_tw_reuse accepts 0/1 before 4.18 and 0/1/2 since: a value copied from a newer host fails at boot.
import { defaultFor, keyInfo, rejectReason } from '../../src/core/catalog.js';
import { configLines } from '../../src/core/config-lines.js';
import { defineRule } from '../../src/core/define-rule.js';
import { fold } from '../../src/core/values.js';

const KEY = 'net.ipv4.tcp_tw_reuse';

export default defineRule({
  id: 'net/tcp-tw-reuse',
  keys: [KEY],
  severity: 'warning',
  requires: [KEY],
  summary: 'A sysctl file sets tcp_tw_reuse to a value this kernel rejects',
  explanation:
    'tcp_tw_reuse lets connect() take over a 4-tuple that is still in TIME_WAIT once the entry is at least 1 s old ' +
    '(tcp_tw_reuse_delay, tunable since 6.14). It is only consulted on the connect() path, so it helps outgoing ' +
    'connections (a proxy or pool connecting to backends) and does nothing for inbound/server-side TIME_WAIT. It ' +
    'needs TCP timestamps on both ends: the reused entry must have carried the peer\'s timestamps so PAWS can tell ' +
    'old duplicates from the new connection. Values: 0 off, 1 all outgoing connections, 2 loopback only. Value 2 ' +
    '(and the default 2) exist since Linux 4.18; before, the handler accepts 0 and 1 and the default is 0. A line ' +
    'with a value the kernel rejects fails at boot and leaves the previous value in place. A live value of 2 on an ' +
    'older version number proves a backport, and 2 is then accepted.',
  tradeoffs:
    '1: outgoing connections recycle ports after about 1 s instead of 60 s; safe behind NAT because timestamps ' +
    'protect the reuse. Off (0): a client that opens many short connections to one destination is limited to about ' +
    'ports ÷ 60 s per second. 2 (the modern default) only covers loopback connections.',
  history: [
    '4.11: per network namespace.',
    '4.18: value 2 (loopback only) added and made the default (79e9fed46038); before, a boolean with default 0.',
    '6.14: the 1 s reuse delay became tunable as tcp_tw_reuse_delay (milliseconds).',
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
      '{file}:{line} sets tcp_tw_reuse = {value}, which this kernel ({release}) rejects ({reason}); valid values: {valid}. The write fails at boot and the live value stays {live}{hint}',
  },
  check({ facts, report }) {
    const version = facts.kernel.version;
    const live = facts.sysctl[KEY]?.live ?? null;
    const base = keyInfo(KEY)?.allowed?.(version) ?? [0, 1, 2];
    // The running kernel is the authority: a live value proves the handler accepts it (backports).
    const liveInt = live !== null && /^\d+$/.test(fold(live)) ? Number(fold(live)) : null;
    const valid = liveInt !== null && !base.includes(liveInt) ? [...base, liveInt].sort() : base;
    const dflt = defaultFor(KEY, version);
    for (const { file, entry: e } of configLines(facts, KEY)) {
      const v = fold(e.value);
      if (/^\d+$/.test(v) && valid.includes(Number(v))) continue;
      const reason = rejectReason(KEY, v, version) ?? `not one of ${valid.join(', ')}`;
      const hint =
        v === '2' && !valid.includes(2)
          ? '. 2 (loopback only) exists since Linux 4.18; here choose 0 (off, the default) or 1 (all outgoing connections, needs timestamps on both ends)'
          : '';
      const recommended = dflt !== undefined && rejectReason(KEY, dflt, version) === null ? dflt : null;
      report(
        'rejectedValue',
        { file, line: e.line, value: v, release: facts.kernel.release, reason, valid: valid.join(', '), live: live ?? 'unknown', hint },
        { key: KEY, current: v, recommended },
      );
    }
  },
});
