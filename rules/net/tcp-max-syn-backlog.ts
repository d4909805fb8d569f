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
  // Verified in the 4.6.2 and 6.18 tcp_conn_request(); older kernels also sized the per-listener SYN table with it.
  kernel: '>=4.6.0',
  summary: 'tcp_max_syn_backlog is raised while SYN cookies are on, where the kernel does not consult it',
  explanation:
    'In tcp_conn_request() the SYN (request) queue counts as full when it reaches the listener\'s backlog, which is ' +
    'min(listen() backlog, somaxconn); then, with tcp_syncookies=1, the kernel answers with a cookie. ' +
    'tcp_max_syn_backlog is only read on the syncookies-off path: once less than a quarter of it is free, SYNs ' +
    'from peers not proven alive are dropped. So with cookies on, raising it changes nothing; the knobs that size ' +
    'the queue are the application\'s backlog and somaxconn. Reported for each config line that sets it and for a ' +
    'profile target, while tcp_syncookies is not 0.',
  tradeoffs:
    'Harmless to keep (for example so that switching cookies off for testing does not shrink the half-open ' +
    'queue); this finding only corrects the expectation.',
  history: [
    'Verified: 4.6.2 and 6.18 tcp_conn_request() read sysctl_max_syn_backlog only when syncookies are off.',
    'Before the 4.x listener rework the per-listener SYN table was sized min(backlog, tcp_max_syn_backlog) ' +
      '(net/core/request_sock.c); the release that changed this is UNVERIFIED, so the rule applies from 4.6.',
    'tcp(7) in man-pages 6.03 gives stale defaults (256/1024/128); the default is max(128, ehash entries / 128).',
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
