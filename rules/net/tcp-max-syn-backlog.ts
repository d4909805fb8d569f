// Raising tcp_max_syn_backlog while syncookies are on: the kernel never reads it then.
import { configLines } from '../../src/core/config-lines.js';
import { defineRule } from '../../src/core/define-rule.js';
import { describeTarget, toInt } from '../../src/core/values.js';

const KEY = 'net.ipv4.tcp_max_syn_backlog';
const COOKIES = 'net.ipv4.tcp_syncookies';

export default defineRule({
  id: 'net/tcp-max-syn-backlog',
  keys: [KEY, COOKIES],
  severity: 'info',
  // Before 4.4 reqsk_queue_alloc() also sized each listener's SYN table with it (net/core/request_sock.c@4.2.8).
  kernel: '>=4.4.0',
  summary: 'tcp_max_syn_backlog is raised while SYN cookies are on, where the kernel does not consult it',
  explanation:
    'From Linux 4.4, in tcp_conn_request() the SYN (request) queue counts as full when it reaches the listener\'s backlog, which is ' +
    'min(listen() backlog, somaxconn); then, with tcp_syncookies=1, the kernel answers with a cookie. ' +
    'tcp_max_syn_backlog is only read on the syncookies-off path: once less than a quarter of it is free, SYNs ' +
    'from peers not proven alive are dropped. So with cookies on, raising it changes nothing; the knobs that size ' +
    'the queue are the application\'s backlog and somaxconn. Reported for each config line that sets it and for a ' +
    'profile target, while tcp_syncookies is not 0. Before 4.4 (RHEL 7\'s 3.10) the key also capped each listener\'s ' +
    'SYN table, so raising it did something there and the rule does not apply.',
  tradeoffs:
    'Harmless to keep (for example so that switching cookies off for testing does not shrink the half-open ' +
    'queue); this finding only corrects the expectation.',
  history: [
    'tcp_conn_request() reads sysctl_max_syn_backlog only when syncookies are off (net/ipv4/tcp_input.c@4.4.155 … 7.1.3).',
    'Before 4.4, reqsk_queue_alloc() sized the per-listener SYN table min(backlog, tcp_max_syn_backlog) (net/core/request_sock.c@3.10.99, @4.2.8; gone@4.4.155; 4.3 not checked), so on RHEL 7 (3.10) raising it does enlarge the SYN table: the rule applies from 4.4.',
    'tcp(7) in man-pages 6.03 gives stale defaults (256/1024/128); the default is max(128, tcp_ehash_entries / 256) before 5.4 and / 128 from 5.4 (tcp_sk_init()@4.19.78 vs @5.4.286).',
  ],
  myth: '"Raise tcp_max_syn_backlog to enlarge the SYN queue" — with syncookies on (the default) the queue is bounded by min(backlog, somaxconn).',
  references: ['https://docs.kernel.org/networking/ip-sysctl.html', 'https://blog.cloudflare.com/syn-packet-handling-in-the-wild/'],
  messages: {
    whileCookies:
      '{source} sets tcp_max_syn_backlog to {value}, but tcp_syncookies is {cookies}: it only matters with syncookies off; the SYN queue is bounded by min(listen backlog, somaxconn)',
  },
  check({ facts, profile, report }) {
    if (facts.sysctl[KEY]?.state !== 'present') return;
    const cookies = toInt(facts.sysctl[COOKIES]?.live);
    if (cookies === undefined || cookies === 0) return;
    for (const { file, entry: e } of configLines(facts, KEY)) {
      report('whileCookies', { source: `${file}:${e.line}`, value: e.value, cookies }, { key: KEY, current: e.value });
    }
    const target = profile.sysctl[KEY];
    if (target) {
      report('whileCookies', { source: `profile ${target.profile}`, value: describeTarget(target), cookies }, { key: KEY, current: facts.sysctl[KEY]?.live ?? null });
    }
  },
});
