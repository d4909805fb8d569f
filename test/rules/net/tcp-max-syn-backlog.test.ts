import { describe, expect, it } from 'vitest';
import rule from '../../../rules/net/tcp-max-syn-backlog.js';
import { evaluate } from '../../../src/core/engine.js';
import type { ResolvedProfile } from '../../../src/core/types.js';
import { confFile, host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'net.ipv4.tcp_max_syn_backlog';
const COOKIES = 'net.ipv4.tcp_syncookies';
const raised = confFile('/etc/sysctl.d/80-syn.conf', { 'net.core.somaxconn': '65535', [KEY]: '65536' });

ruleTester.run(rule, {
  valid: [
    { name: 'nothing sets it on 6.1', host: host('6.1') },
    { name: 'raised with syncookies off on 5.4: then it matters', host: host('5.4', { sysctl: { [COOKIES]: '0' }, configFiles: [raised] }) },
    { name: 'shipped server profiles no longer set it (6.12, web-node + load-balancer)', host: host('6.12'), profiles: ['web-node', 'load-balancer'] },
  ],
  invalid: [
    {
      name: 'config line raises it with syncookies on, 6.1',
      host: host('6.1', { configFiles: [raised] }),
      findings: [{ messageId: 'whileCookies', severity: 'info', current: '65536', change: null, includes: ['/etc/sysctl.d/80-syn.conf:2', 'syncookies is 1', 'only matters with syncookies off', 'min(listen backlog, somaxconn)'] }],
    },
    {
      name: 'from 4.4 the SYN queue is the listen backlog: raised with cookies on, 4.4',
      host: host('4.4', { configFiles: [raised] }),
      findings: [{ messageId: 'whileCookies', includes: ['/etc/sysctl.d/80-syn.conf:2'] }],
    },
    {
      name: 'config line with syncookies 2 (always cookies) on 4.15',
      host: host('4.15', { sysctl: { [COOKIES]: '2' }, configFiles: [raised] }),
      findings: [{ messageId: 'whileCookies', includes: ['syncookies is 2'] }],
    },
  ],
  notApplicable: [
    // RHEL 7: reqsk_queue_alloc() sizes each listener's SYN table min(backlog, tcp_max_syn_backlog), so raising it matters.
    { name: 'before 4.4 the key also sized the SYN table: 3.10', host: host('3.10', { configFiles: [raised] }) },
  ],
});

describe('net/tcp-max-syn-backlog with a profile target', () => {
  const profile: ResolvedProfile = {
    names: ['my-lb'],
    sysctl: { [KEY]: { key: KEY, op: 'atLeast', values: ['8192'], rationale: 'bigger SYN queue', profile: 'my-lb' } },
    limits: [],
  };
  it('reports a user profile that raises it while syncookies are on (5.4)', () => {
    const { findings } = evaluate(host('5.4'), profile, [rule as never]);
    expect(findings.map((f) => f.messageId)).toEqual(['whileCookies']);
    expect(findings[0]!.message).toContain('profile my-lb sets tcp_max_syn_backlog to at least 8192');
    expect(findings[0]!.change).toBeUndefined();
  });
  it('says nothing when syncookies are off (6.1)', () => {
    expect(evaluate(host('6.1', { sysctl: { [COOKIES]: '0' } }), profile, [rule as never]).findings).toEqual([]);
  });
});
