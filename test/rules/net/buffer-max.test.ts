import { describe, expect, it } from 'vitest';
import rule from '../../../rules/net/buffer-max.js';
import { defaultFor } from '../../../src/core/catalog.js';
import { evaluate } from '../../../src/core/engine.js';
import type { ResolvedProfile } from '../../../src/core/types.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const RMEM = 'net.ipv4.tcp_rmem';
const WMEM = 'net.ipv4.tcp_wmem';
const RMAX = 'net.core.rmem_max';
const WMAX = 'net.core.wmem_max';
const bootRmem = (value: string) => ({ sysctl: { [RMEM]: value }, boot: { [RMEM]: { value, file: '/etc/sysctl.d/60-buffers.conf', line: 2 } } });

ruleTester.run(rule, {
  valid: [
    { name: 'kernel defaults are left alone even where tcp_rmem[2] > rmem_max (6.1)', host: host('6.1') },
    { name: 'raised tcp_rmem with rmem_max raised to match (5.4)', host: host('5.4', { ...bootRmem('4096 131072 16777216'), sysctl: { [RMEM]: '4096 131072 16777216', [RMAX]: '16777216' } }) },
    { name: 'boot tcp_rmem max below rmem_max (6.12)', host: host('6.12', { ...bootRmem('4096 131072 131072') }) },
  ],
  invalid: [
    {
      name: 'boot file raises tcp_rmem to 16 MiB, rmem_max at the 6.1 default',
      host: host('6.1', bootRmem('4096 131072 16777216')),
      findings: [{
        messageId: 'appCapBelowAutotune',
        severity: 'info',
        key: RMAX,
        current: defaultFor(RMAX, '6.1.0'),
        recommended: '16777216',
        change: { kind: 'sysctl', key: RMAX, value: '16777216' },
        includes: ['/etc/sysctl.d/60-buffers.conf:2', 'does not cap autotuning', 'SO_RCVBUF'],
      }],
    },
    {
      name: 'boot file raises tcp_wmem on 4.4',
      host: host('4.4', { boot: { [WMEM]: { value: '4096 16384 8388608', file: '/etc/sysctl.conf' } } }),
      findings: [{ messageId: 'appCapBelowAutotune', key: WMAX, change: { kind: 'sysctl', key: WMAX, value: '8388608' }, includes: ['SO_SNDBUF', 'send autotuning'] }],
    },
  ],
  notApplicable: [],
});

describe('net/buffer-max with a profile that sets tcp_rmem', () => {
  const profile: ResolvedProfile = {
    names: ['bulk'],
    sysctl: { [RMEM]: { key: RMEM, op: 'atLeast', values: ['4096 131072 33554432'], rationale: 'long fat pipes', profile: 'bulk' } },
    limits: [],
  };
  it('recommends raising rmem_max to the profile max (3.10: default 212992)', () => {
    const { findings } = evaluate(host('3.10'), profile, [rule as never]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('profile bulk raises net.ipv4.tcp_rmem max to 33554432');
    expect(findings[0]!.change).toEqual({ kind: 'sysctl', key: RMAX, value: '33554432' });
  });
  it('is quiet when rmem_max already reaches it', () => {
    expect(evaluate(host('6.12', { sysctl: { [RMAX]: '33554432' } }), profile, [rule as never]).findings).toEqual([]);
  });
});
