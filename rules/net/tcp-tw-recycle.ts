// tcp_tw_recycle: the NAT-breaking TIME_WAIT shortcut, removed in Linux 4.12.
import { defineRule } from '../../src/core/define-rule.js';

const KEY = 'net.ipv4.tcp_tw_recycle';
const NAT_ROLES = ['nat-facing', 'load-balancer'];

export default defineRule({
  id: 'net/tcp-tw-recycle',
  keys: [KEY],
  severity: 'warning',
  kernel: '<4.12.0',
  requires: [KEY],
  summary: 'tcp_tw_recycle is enabled: clients behind NAT lose connections',
  explanation:
    'tcp_tw_recycle shortened TIME_WAIT to about 3.5×RTO and remembered the last TCP timestamp seen from each ' +
    'remote IP address, dropping any SYN whose timestamp was older. Hosts behind one NAT address have unrelated ' +
    'timestamp clocks, so all but the one with the fastest clock see their SYNs silently dropped: intermittent ' +
    'connect timeouts that only affect some clients. Clients whose own stack randomises the timestamp offset per ' +
    'connection are dropped even without NAT: Linux 4.10.0, Linux 7.x and recent 6.12.y/6.18.y stable kernels, and ' +
    'other systems (Linux 4.11 through 6.17 use one offset per address pair, which tw_recycle tolerates).',
  tradeoffs:
    'Turning it off costs nothing but the shortcut: TIME_WAIT lasts its fixed 60 s again. For port exhaustion on ' +
    'outgoing connections use tcp_tw_reuse=1 (safe with NAT), connection pooling, or a wider ip_local_port_range.',
  history: [
    '4.10: per-connection timestamp offsets (95a22caee396); the 4396e46187ca commit message calls tw_recycle "broken for all types of connections" after it.',
    '4.11: offsets per source/destination address pair again (28ee1b746f49), so a single client without NAT is not dropped by a 4.11 server.',
    '4.11: per network namespace (net/ipv4/sysctl_net_ipv4.c: ipv4_table@4.10.1, ipv4_net_table@4.11.0).',
    '4.12: removed (4396e46187ca "tcp: remove tcp_tw_recycle").',
  ],
  myth: '"tcp_tw_recycle = 1 fixes TIME_WAIT" — it breaks clients behind NAT and was removed from the kernel.',
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=4396e46187ca',
    'https://vincent.bernat.ch/en/blog/2014-tcp-time-wait-state-linux',
    'man 7 tcp',
  ],
  messages: {
    enabled: 'tcp_tw_recycle is {value}: SYNs from clients behind NAT are dropped{roleNote}; set it to 0',
  },
  check({ facts, profile, report }) {
    const live = facts.sysctl[KEY]?.live;
    if (live === undefined || live === null || live === '0') return;
    const natRole = profile.names.find((n) => NAT_ROLES.includes(n));
    report(
      'enabled',
      { value: live, roleNote: natRole ? ` (profile ${natRole} serves such clients)` : '' },
      {
        current: live,
        recommended: '0',
        severity: natRole ? 'critical' : 'warning',
        change: { kind: 'sysctl', key: KEY, value: '0' },
      },
    );
  },
});
