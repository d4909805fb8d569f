// Servers without SYN cookies drop connections when the SYN queue fills.
import { rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { toInt } from '../../src/core/values.js';

const KEY = 'net.ipv4.tcp_syncookies';
const SERVER_ROLES = ['load-balancer', 'web-node'];

export default defineRule({
  id: 'net/tcp-syncookies',
  keys: [KEY],
  severity: 'warning',
  requires: [KEY],
  summary: 'SYN cookies are off on a server role: a SYN burst or flood drops new connections',
  explanation:
    'With tcp_syncookies=1 (the default) a listener whose SYN queue is full answers with a SYN cookie instead of ' +
    'dropping the SYN, so legitimate clients still connect during a flood or a burst (deploys, health-check storms). ' +
    'With 0 the excess SYNs are dropped and, once less than a quarter of tcp_max_syn_backlog is free, SYNs from ' +
    'peers not seen before are dropped too. Cookies are a fallback: a connection made from a cookie keeps window ' +
    'scaling, SACK and ECN only when the client sends timestamps (Linux encodes them in the timestamp); without ' +
    'timestamps those options are lost, and the MSS is always rounded to one of a few values. Only reported when a ' +
    'server role (load-balancer, web-node) is chosen; other hosts pass.',
  tradeoffs:
    '1: a full SYN queue degrades to cookies (a coarser MSS, and window scaling/SACK lost for clients without ' +
    'timestamps) instead of drops. ' +
    '0: only useful for testing queue sizing. 2 sends cookies unconditionally (testing only).',
  history: [
    'ip-sysctl: syncookies are a fallback facility and must not be used to help highly loaded servers stand against a legal connection rate.',
    'tcp_conn_request() clears the TCP options of a cookie connection only when the SYN had no timestamp (`if (want_cookie && !tmp_opt.saw_tstamp) tcp_clear_options()`), and cookie_init_timestamp() carries wscale/SACK/ECN in the timestamp (net/ipv4/tcp_input.c, syncookies.c@7.1.3).',
    '4.6: per network namespace (kubernetes.io kernel-version-requirements; ipv4_table@4.4.155, ipv4_net_table@4.6.2).',
  ],
  references: ['https://docs.kernel.org/networking/ip-sysctl.html', 'https://cr.yp.to/syncookies.html'],
  messages: {
    offOnServer:
      'tcp_syncookies is 0 on a {role} host: when a listener\'s SYN queue fills (flood or burst) new SYNs are dropped instead of answered with cookies; set it to 1',
  },
  check({ facts, profile, report }) {
    const role = profile.names.find((n) => SERVER_ROLES.includes(n));
    if (!role) return;
    if (toInt(facts.sysctl[KEY]?.live) !== 0) return;
    const ok = rejectReason(KEY, '1', facts.kernel.version) === null;
    report('offOnServer', { role }, { key: KEY, current: '0', recommended: '1', ...(ok ? { change: { kind: 'sysctl' as const, key: KEY, value: '1' } } : {}) });
  },
});
