import { describe, expect, it } from 'vitest';
import rule from '../../../rules/net/tcp-tw-reuse.js';
import { tcpTwReuseApplies, tcpTwReuseMode } from '../../../src/core/catalog.js';
import type { SysctlConfFile } from '../../../src/core/types.js';
import { confFile, host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'net.ipv4.tcp_tw_reuse';
const line = (value: string) => confFile('/etc/sysctl.d/90-reuse.conf', { [KEY]: value });
const masked: SysctlConfFile = { ...line('2'), masked: true, readBy: [] };

ruleTester.run(rule, {
  valid: [
    { name: '2 is loopback-only on 6.1', host: host('6.1', { configFiles: [line('2')] }) },
    { name: '2 is loopback-only on 5.4', host: host('5.4', { configFiles: [line('2')] }) },
    { name: '1 on 4.4 means every destination, as written', host: host('4.4', { sysctl: { [KEY]: '1' }, configFiles: [line('1')] }) },
    { name: '0 on 3.10', host: host('3.10', { configFiles: [line('0')] }) },
    { name: '2 in a masked file on 4.4 is never applied', host: host('4.4', { configFiles: [masked] }) },
  ],
  invalid: [
    {
      name: '2 copied onto 4.15: accepted by proc_dointvec and means ALL destinations, not loopback',
      host: host('4.15', { sysctl: { [KEY]: '2' }, configFiles: [line('2')] }),
      findings: [{ messageId: 'allDestinationsHere', current: '2', recommended: '0', change: null, includes: ['/etc/sysctl.d/90-reuse.conf:1', 'ALL outgoing connections', 'from 4.18', 'Write 1'] }],
    },
    {
      name: '2 on 3.10 (RHEL 7): same, reported once for the line that explains the live value',
      host: host('3.10', { sysctl: { [KEY]: '2' }, configFiles: [line('2')] }),
      findings: [{ messageId: 'allDestinationsHere', includes: ['3.10.0-1160.el7.x86_64'] }],
    },
    {
      name: 'a live 2 on 4.4 that no config line explains (set by hand or a tool)',
      host: host('4.4', { sysctl: { [KEY]: '2' } }),
      findings: [{ messageId: 'liveAllDestinations', current: '2', recommended: '0', includes: ['ALL outgoing connections, not loopback only'] }],
    },
    {
      name: '-1 on 4.15 is accepted too, and is on',
      host: host('4.15', { sysctl: { [KEY]: '-1' }, configFiles: [line('-1')] }),
      findings: [{ messageId: 'allDestinationsHere', current: '-1' }],
    },
    {
      name: '3 on 6.12 is rejected; recommend the 6.12 default 2',
      host: host('6.12', { configFiles: [line('3')] }),
      findings: [{ messageId: 'rejectedValue', current: '3', recommended: '2', includes: ['valid values: 0, 1, 2', 'above the maximum 2', 'stays 2'] }],
    },
    {
      name: '3 on 4.18 is rejected (bounds 0..2 since 79e9fed46038)',
      host: host('4.18.0-513.el8.x86_64', { configFiles: [line('3')] }),
      findings: [{ messageId: 'rejectedValue', current: '3' }],
    },
  ],
  notApplicable: [{ name: 'key absent', host: host('6.1', { sysctl: { [KEY]: null } }) }],
});

describe('tcpTwReuseMode: what a tcp_tw_reuse value does on a kernel', () => {
  it('before 4.18 every non-zero value is "all destinations"', () => {
    for (const v of ['1', '2', '7', '-1', 2]) expect(tcpTwReuseMode(v, '4.15.0')).toBe('all');
    expect(tcpTwReuseMode('0', '3.10.0')).toBe('off');
    expect(tcpTwReuseMode('2', '4.17.19')).toBe('all');
  });
  it('from 4.18: 0 off, 1 all, 2 loopback, anything else impossible (null)', () => {
    expect(tcpTwReuseMode('0', '4.18.0')).toBe('off');
    expect(tcpTwReuseMode('1', '5.4.0')).toBe('all');
    expect(tcpTwReuseMode('2', '4.18.0')).toBe('loopback');
    expect(tcpTwReuseMode('3', '6.1.0')).toBeNull();
  });
  it('an unknown version is read as a current kernel; no value, no mode', () => {
    expect(tcpTwReuseMode('2', null)).toBe('loopback');
    expect(tcpTwReuseMode(null, '6.1.0')).toBeNull();
    expect(tcpTwReuseMode('x', '6.1.0')).toBeNull();
  });
  it('tcpTwReuseApplies: 2 reaches a remote peer only before 4.18', () => {
    expect(tcpTwReuseApplies('2', '4.15.0', false)).toBe(true);
    expect(tcpTwReuseApplies('2', '5.4.0', false)).toBe(false);
    expect(tcpTwReuseApplies('2', '5.4.0', true)).toBe(true);
    expect(tcpTwReuseApplies('0', '3.10.0', true)).toBe(false);
  });
});
