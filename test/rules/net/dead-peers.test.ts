import { describe, expect, it } from 'vitest';
import rule, { connectGiveUpMs, modelTimeoutMs } from '../../../rules/net/dead-peers.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const R2 = 'net.ipv4.tcp_retries2';
const SYN = 'net.ipv4.tcp_syn_retries';
const LINEAR = 'net.ipv4.tcp_syn_linear_timeouts';

describe('the retransmission model (net/ipv4/tcp_timer.c@6.6.9)', () => {
  it('turns tcp_retries2 into a time: 15 → 924.6 s, 8 → 102.2 s', () => {
    expect(modelTimeoutMs(15, 200)).toBe(924_600);
    expect(modelTimeoutMs(8, 200)).toBe(102_200);
    expect(modelTimeoutMs(9, 200)).toBe(204_600);
  });
  it('gives connect() 127 s with 6 SYN retries, 131 s with the 6.5 linear start', () => {
    expect(connectGiveUpMs(6, 0)).toBe(127_000);
    expect(connectGiveUpMs(6, 4)).toBe(131_000);
    expect(connectGiveUpMs(5, 0)).toBe(63_000);
    expect(connectGiveUpMs(3, 4)).toBe(19_000);
  });
});

ruleTester.run(rule, {
  valid: [
    { name: 'web-node on 6.1 with defaults: not a client role', host: host('6.1'), profiles: ['web-node'] },
    { name: 'db-client on 6.1 with retries2 8 and syn_retries 4', host: host('6.1', { sysctl: { [R2]: '8', [SYN]: '4' } }), profiles: ['db-client'] },
    { name: 'load-balancer on 6.12 with retries2 8 and syn_retries 3 (19 s with the linear start)', host: host('6.12', { sysctl: { [R2]: '8', [SYN]: '3' } }), profiles: ['load-balancer'] },
  ],
  invalid: [
    {
      name: 'db-client on 6.1 with defaults: ~15 min for a write, 127 s for connect()',
      host: host('6.1'),
      profiles: ['db-client'],
      findings: [
        { messageId: 'slowWriteFailure', key: R2, current: '15', recommended: '8', change: null, severity: 'info', includes: ['924.6 s (about 15 min)', 'TCP_USER_TIMEOUT', '102.2 s', 'keepalive does not probe'] },
        { messageId: 'slowConnectFailure', key: SYN, current: '6', recommended: null, change: null, includes: ['127 s (about 2 min)', 'connect timeout'] },
      ],
    },
    {
      name: 'load-balancer on 6.12: the linear SYN start makes it 131 s',
      host: host('6.12', { sysctl: { [R2]: '8' } }),
      profiles: ['load-balancer'],
      findings: [{ messageId: 'slowConnectFailure', includes: ['131 s', 'tcp_syn_linear_timeouts, 6.5+'] }],
    },
    {
      name: '6.12 with tcp_syn_linear_timeouts read as 0: back to 127 s',
      host: host('6.12', { sysctl: { [R2]: '8', [LINEAR]: '0' } }),
      profiles: ['db-client'],
      findings: [{ messageId: 'slowConnectFailure', includes: ['127 s'] }],
    },
    {
      name: 'RHEL 7 (3.10): same 15 and 6',
      host: host('3.10'),
      profiles: ['db-client'],
      findings: [
        { messageId: 'slowWriteFailure', recommended: '8', includes: ['924.6 s'] },
        { messageId: 'slowConnectFailure', includes: ['127 s'] },
      ],
    },
    {
      name: '4.4 with retries2 raised to 20: 1524.6 s',
      host: host('4.4', { sysctl: { [R2]: '20', [SYN]: '2' } }),
      profiles: ['load-balancer'],
      findings: [{ messageId: 'slowWriteFailure', current: '20', includes: ['1524.6 s (about 25 min)'] }],
    },
  ],
  notApplicable: [{ name: 'tcp_retries2 absent', host: host('6.1', { sysctl: { [R2]: null } }), profiles: ['db-client'] }],
});
