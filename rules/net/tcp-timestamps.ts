// tcp_timestamps=0 silently disables tcp_tw_reuse and PAWS.
import { rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { plainValue, toInt } from '../../src/core/values.js';

const TS = 'net.ipv4.tcp_timestamps';
const REUSE = 'net.ipv4.tcp_tw_reuse';

export default defineRule({
  id: 'net/tcp-timestamps',
  keys: [TS, REUSE],
  severity: 'warning',
  requires: [TS],
  summary: 'TCP timestamps are off while TIME_WAIT reuse is wanted: reuse silently does nothing',
  explanation:
    'tcp_tw_reuse may only take over a TIME_WAIT 4-tuple whose connection carried the peer\'s timestamps ' +
    '(the kernel checks the remembered timestamp before reusing), so with tcp_timestamps=0 every reuse attempt is ' +
    'refused and outgoing connections wait the full 60 s again — with no error anywhere. Turning timestamps off ' +
    'also loses PAWS (protection against wrapped sequence numbers on fast links) and RTT measurement quality. ' +
    'Value 1 uses a random offset per connection (since 4.10), value 2 none; both enable the option. Reported when ' +
    'timestamps are 0 and tcp_tw_reuse is 1, or 2 (loopback only, the default since 4.18), or a chosen profile ' +
    'wants reuse.',
  tradeoffs:
    'Timestamps add 12 bytes to every segment and, with value 2, expose an uptime-derived clock; value 1 (the ' +
    'default) randomises it per connection. Disabling them to hide uptime or save bytes costs PAWS and tw_reuse.',
  history: [
    '4.10: random timestamp offsets per connection (95a22caee396); value 2 (no offset) meaningful since.',
    '4.18: tcp_tw_reuse default 2 (loopback only), which also needs timestamps (79e9fed46038).',
  ],
  myth: '"Turn off tcp_timestamps behind NAT" — the NAT breakage came from tcp_tw_recycle (removed in 4.12); timestamps themselves are what makes tcp_tw_reuse safe.',
  references: ['https://docs.kernel.org/networking/ip-sysctl.html', 'man 7 tcp', 'https://www.rfc-editor.org/rfc/rfc7323'],
  messages: {
    reuseInert:
      'tcp_timestamps is 0 while tcp_tw_reuse is {reuse}{scope}: reuse needs timestamps on both ends, so it silently does nothing, and PAWS protection is lost; set tcp_timestamps to 1',
    profileWantsReuse:
      'tcp_timestamps is 0 but profile {profile} wants tcp_tw_reuse = {target}: without timestamps reuse never happens and PAWS protection is lost; set tcp_timestamps to 1',
  },
  check({ facts, profile, report }) {
    const ts = toInt(facts.sysctl[TS]?.live);
    if (ts !== 0) return;
    const change = rejectReason(TS, '1', facts.kernel.version) === null ? { kind: 'sysctl' as const, key: TS, value: '1' } : undefined;
    const extra = { key: TS, current: '0', recommended: '1', ...(change ? { change } : {}) };
    const reuse = toInt(facts.sysctl[REUSE]?.live);
    if (reuse === 1 || reuse === 2) {
      report('reuseInert', { reuse, scope: reuse === 2 ? ' (loopback connections only, the default since 4.18)' : ' (all outgoing connections)' }, extra);
      return;
    }
    const want = profile.sysctl[REUSE];
    if (want && plainValue(want.values) !== '0') {
      report('profileWantsReuse', { profile: want.profile, target: plainValue(want.values) }, extra);
    }
  },
});
