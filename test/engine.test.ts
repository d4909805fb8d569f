import { describe, expect, it } from 'vitest';
import { evaluate, failing } from '../src/core/engine.js';
import { rules } from '../rules/index.js';
import { host } from './helpers/host.js';
import { profileFor } from './helpers/rule-tester.js';

describe('engine', () => {
  it('a specific rule that restates a profile target replaces the generic finding', () => {
    const facts = host('6.1', { sysctl: { 'net.ipv4.ip_forward': '0' } });
    const ev = evaluate(facts, profileFor(['nat-facing']), rules);
    const forward = ev.findings.filter((f) => f.key === 'net.ipv4.ip_forward');
    expect(forward.map((f) => f.id)).toEqual(['net/conntrack']);
    // Other unmet targets of the profile are still reported by the generic rule.
    expect(ev.findings.some((f) => f.id === 'profile/sysctl-target' && f.key === 'net.netfilter.nf_conntrack_tcp_timeout_established')).toBe(true);
  });

  it('is deterministic and sorts by severity, then id', () => {
    const facts = host('4.4', { sysctl: { 'net.ipv4.tcp_tw_recycle': '1', 'net.core.somaxconn': '128' } });
    const a = evaluate(facts, profileFor(['load-balancer']), rules);
    expect(evaluate(structuredClone(facts), profileFor(['load-balancer']), rules)).toEqual(a);
    expect(a.findings[0]).toMatchObject({ id: 'net/tcp-tw-recycle', severity: 'critical' });
    const ranks = a.findings.map((f) => ['critical', 'warning', 'info'].indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
  });

  it('--fail-on counts only unaccepted findings at or above the threshold', () => {
    const facts = host('4.4', { sysctl: { 'net.ipv4.tcp_tw_recycle': '1' } });
    const ev = evaluate(facts, profileFor(['nat-facing']), rules, { accept: { 'net/tcp-tw-recycle': 'lab' } });
    expect(failing(ev.findings, 'critical')).toEqual([]);
    expect(failing(ev.findings, 'warning').length).toBeGreaterThan(0);
  });
});
