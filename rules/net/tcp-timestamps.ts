// tcp_timestamps=0 silently disables tcp_tw_reuse and PAWS.
import { rejectReason, tcpTwReuseMode } from '../../src/core/catalog.js';
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
    'Value 1 adds a random offset to the clock (per source/destination address pair from 4.11 through 6.17; per ' +
    'connection in 4.10 and again in 7.x and recent 6.12.y/6.18.y stable kernels), value 2 sends the raw clock; both ' +
    'enable the option. Reported when timestamps are 0 and tcp_tw_reuse is on (1; 2 from 4.18 means loopback only, ' +
    'before 4.18 any non-zero value means every destination), or a chosen profile wants reuse.',
  tradeoffs:
    'Timestamps add 12 bytes to every segment. Value 2 exposes an uptime-derived clock to every peer; value 1 (the ' +
    'default) hides it behind a random offset. Disabling them to hide uptime or save bytes costs PAWS and tw_reuse.',
  history: [
    '4.10: random timestamp offsets per connection (95a22caee396); value 2 (no offset) meaningful since (tcp(7)).',
    '4.11: offsets per source/destination address pair (28ee1b746f49; secure_tcp_ts_off(saddr, daddr) in net/core/secure_seq.c@4.12.0 … 6.18-rc1); per connection again in 6.18.17+ and 7.1.3 (secure_tcp_seq_and_ts_off()).',
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
    const mode = tcpTwReuseMode(reuse, facts.kernel.version);
    if (mode === 'all' || mode === 'loopback') {
      const scope =
        mode === 'loopback' ? ' (loopback connections only, the default since 4.18)' : reuse === 1 ? ' (all outgoing connections)' : ' (all outgoing connections: before 4.18 any non-zero value means that)';
      report('reuseInert', { reuse: reuse!, scope }, extra);
      return;
    }
    const want = profile.sysctl[REUSE];
    if (want && plainValue(want.values) !== '0') {
      report('profileWantsReuse', { profile: want.profile, target: plainValue(want.values) }, extra);
    }
  },
});
