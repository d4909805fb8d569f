// tcp_fin_timeout is set "to reduce TIME_WAIT", which it cannot do.
import { defaultFor } from '../../src/core/catalog.js';
import { configLines } from '../../src/core/config-lines.js';
import { defineRule } from '../../src/core/define-rule.js';
import { toInt } from '../../src/core/values.js';

const KEY = 'net.ipv4.tcp_fin_timeout';

export default defineRule({
  id: 'net/tcp-fin-timeout',
  keys: [KEY],
  severity: 'info',
  requires: [KEY],
  summary: 'tcp_fin_timeout is lowered, usually in the belief that it shortens TIME_WAIT; it does not',
  explanation:
    'tcp_fin_timeout is the lifetime of an orphaned socket in FIN_WAIT2: the application already closed it, our FIN ' +
    'was acknowledged, and the peer has not sent its own FIN yet. TIME_WAIT is a different state and lasts ' +
    'TCP_TIMEWAIT_LEN, hard-coded to 60 s; no sysctl changes it. tcp_fin_timeout also does not touch FIN_WAIT2 ' +
    'sockets the application still holds (shutdown(SHUT_WR) without close()). Orphaned FIN_WAIT2 entries are ' +
    'counted in sockstat "tw" together with TIME_WAIT, which is why lowering it can seem to help. This rule reports ' +
    'each config line (in a file the boot loader reads) that sets a value below the kernel default, and points out ' +
    'a comment that expects it to reduce TIME_WAIT.',
  tradeoffs:
    'Lower: orphaned half-closed connections to slow or dead peers are freed sooner (a little memory). The cost is ' +
    'small: a peer that still sends data after a long pause gets a RST. Keeping the line is harmless; its comment is ' +
    'what misleads the next reader.',
  history: [
    'Linux 2.2: default 180 s (tcp(7)); 60 s (TCP_FIN_TIMEOUT = TCP_TIMEWAIT_LEN) since.',
    'tcp_time_wait() forces the TIME_WAIT timer to TCP_TIMEWAIT_LEN (60 s) whatever tcp_fin_timeout says (net/ipv4/tcp_minisocks.c).',
  ],
  myth: '"tcp_fin_timeout = 30 halves TIME_WAIT" — TIME_WAIT stays 60 s; the key only limits orphaned FIN_WAIT2.',
  references: [
    'https://docs.kernel.org/networking/ip-sysctl.html',
    'man 7 tcp',
    'https://vincent.bernat.ch/en/blog/2014-tcp-time-wait-state-linux',
  ],
  messages: {
    notTimeWait:
      '{file}:{line} sets tcp_fin_timeout = {value} (default {default}){commentNote}: it only shortens orphaned FIN_WAIT2 (closed by the application, waiting for the peer\'s FIN); TIME_WAIT stays 60 s whatever any sysctl says',
  },
  check({ facts, report }) {
    const dflt = toInt(defaultFor(KEY, facts.kernel.version));
    if (dflt === undefined) return;
    for (const { file, entry: e } of configLines(facts, KEY)) {
      const v = toInt(e.value);
      if (v === undefined || v >= dflt) continue;
      const mentionsTw = e.comment !== undefined && /time[\s_-]?wait/i.test(e.comment);
      const commentNote = mentionsTw ? `; the comment above it ("${e.comment!.trim()}") expects fewer TIME_WAIT sockets, which will not happen` : '';
      report('notTimeWait', { file, line: e.line, value: v, default: dflt, commentNote }, { key: KEY, current: String(v) });
    }
  },
});
