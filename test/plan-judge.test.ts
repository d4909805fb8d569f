// The judge's model of the host after a plan (src/core/plan-judge.ts), as pure functions.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/core/engine.js';
import { factsAfterPlan, makePlan } from '../src/core/plan-judge.js';
import { emptyPlan, type PlanInput } from '../src/core/planner.js';
import { rules } from '../rules/index.js';
import { confFile, host } from './helpers/host.js';
import { profileFor } from './helpers/rule-tester.js';

const KNOBS = '/etc/sysctl.d/90-knobs.conf';

describe('factsAfterPlan', () => {
  it('planned live values, boot values and files replace the ones of today; nothing else moves', () => {
    const facts = host('6.1', {
      sysctl: { 'net.core.somaxconn': '1024' },
      configFiles: [confFile('/etc/sysctl.d/10-a.conf', { 'net.core.somaxconn': '1024' }), confFile('/etc/sysctl.d/95-z.conf', { 'net.ipv4.tcp_fin_timeout': '30' })],
      pam: [{ file: '/etc/security/limits.conf', domain: '*', type: 'soft', item: 'nofile', value: '4096' }],
    });
    const plan = emptyPlan(['web-node'], []);
    plan.runtime = [{ key: 'net.core.somaxconn', from: '1024', to: '8192' }];
    plan.boot = { 'net.core.somaxconn': { value: '8192', file: KNOBS, line: 6 } };
    plan.files = [
      { path: KNOBS, before: null, after: '# Managed by knobs\nnet.core.somaxconn = 8192\n', afterSysctls: false },
      { path: '/etc/security/limits.d/90-knobs.conf', before: null, after: '*  hard  nofile  65536\n', afterSysctls: true },
    ];
    const after = factsAfterPlan(facts, plan);
    expect(after.sysctl['net.core.somaxconn']).toMatchObject({ live: '8192', boot: { value: '8192', file: KNOBS } });
    expect(after.sysctl['net.ipv4.tcp_fin_timeout']).toEqual(facts.sysctl['net.ipv4.tcp_fin_timeout']);
    expect(after.sysctlConfig.files.map((f) => f.path)).toEqual(['/etc/sysctl.d/10-a.conf', KNOBS, '/etc/sysctl.d/95-z.conf']);
    expect(after.limits.pam.map((l) => `${l.file}:${l.type}:${l.value}`)).toEqual([
      '/etc/security/limits.conf:soft:4096',
      '/etc/security/limits.d/90-knobs.conf:hard:65536',
    ]);
    expect(facts.sysctl['net.core.somaxconn']!.live).toBe('1024'); // the input is not touched
  });

  it('a managed line whose write resets other keys sets them at boot too, unless a later file does', () => {
    const facts = host('6.1', {
      sysctl: { 'net.ipv4.conf.all.forwarding': '0', 'net.ipv4.conf.lo.forwarding': '0', 'net.ipv4.conf.all.accept_redirects': '1' },
      boot: { 'net.ipv4.conf.all.accept_redirects': { value: '1', file: '/etc/sysctl.d/99-zz-site.conf' } },
    });
    const plan = emptyPlan(['nat-facing'], []);
    plan.runtime = [{ key: 'net.ipv4.ip_forward', from: '0', to: '1' }];
    plan.boot = { 'net.ipv4.ip_forward': { value: '1', file: KNOBS, line: 5 } };
    plan.sideEffects = [
      { cause: 'net.ipv4.ip_forward', key: 'net.ipv4.conf.lo.forwarding', from: '0', to: '1', certain: true },
      { cause: 'net.ipv4.ip_forward', key: 'net.ipv4.conf.all.accept_redirects', from: '1', to: '0', certain: true },
    ];
    const after = factsAfterPlan(facts, plan);
    expect(after.sysctl['net.ipv4.conf.lo.forwarding']).toMatchObject({ live: '1', boot: { value: '1', file: KNOBS } });
    // 99-zz-site.conf is read after 90-knobs.conf: its value stays the boot value.
    expect(after.sysctl['net.ipv4.conf.all.accept_redirects']).toMatchObject({ live: '0', boot: { value: '1', file: '/etc/sysctl.d/99-zz-site.conf' } });
  });
});

describe('makePlan', () => {
  const input = (facts: ReturnType<typeof host>, names: string[], only: string[] = []): PlanInput => {
    const profile = profileFor(names);
    return {
      facts,
      profile,
      findings: evaluate(facts, profile, rules).findings,
      ruleIds: rules.map((r) => r.id),
      only,
      services: [],
      managed: { sysctl: [], limits: [], dropIns: {} },
    };
  };
  const judge = (names: string[]) => (f: ReturnType<typeof host>) => evaluate(f, profileFor(names), rules).findings;

  it('folds in the fix its own result calls for (a listener inside the widened range)', () => {
    const facts = host('6.1', { sockets: { listenPorts: [27017] } });
    const plan = makePlan(input(facts, ['load-balancer']), judge(['load-balancer']));
    expect(plan.refusals).toEqual([]);
    expect(plan.runtime).toContainEqual({ key: 'net.ipv4.ip_local_reserved_ports', from: '', to: '27017' });
  });

  it('refuses what it cannot fold, and never refuses what was already there', () => {
    const facts = host('6.1', { sockets: { listenPorts: [27017] } });
    const refused = makePlan(input(facts, ['load-balancer'], ['net.ipv4.ip_local_port_range']), judge(['load-balancer']));
    expect(refused.refusals.map((r) => r.id)).toEqual(['net/ip-local-port-range']);
    // The same listener already inside today's range: the finding exists before the plan, the fix is planned.
    const already = host('6.1', { sockets: { listenPorts: [40000] } });
    const plan = makePlan(input(already, ['web-node'], ['net.core.*']), judge(['web-node']));
    expect(plan.refusals).toEqual([]);
  });
});

describe('the side effects are shown wherever the plan is', () => {
  it('knobs plan and the wizard review list them, with "may" for conf.default copies', async () => {
    const { renderPlan } = await import('../src/cli/commands/plan.js');
    const { renderDiff } = await import('../src/cli/wizard/screens.js');
    const plain = { bold: (s: string) => s, green: (s: string) => s, red: (s: string) => s, yellow: (s: string) => s, dim: (s: string) => s, cyan: (s: string) => s };
    const plan = emptyPlan(['nat-facing'], []);
    plan.runtime = [{ key: 'net.ipv4.ip_forward', from: '0', to: '1' }];
    plan.sideEffects = [
      { cause: 'net.ipv4.ip_forward', key: 'net.ipv4.conf.eth0.forwarding', from: '0', to: '1', certain: true },
      { cause: 'net.ipv4.conf.default.rp_filter', key: 'net.ipv4.conf.eth0.rp_filter', from: '0', to: '2', certain: false },
    ];
    for (const text of [renderPlan(plan, plain as never, 100), renderDiff(plan, plain as never, 100, true)]) {
      expect(text).toMatch(/The kernel changes these too/);
      expect(text).toMatch(/net\.ipv4\.conf\.eth0\.forwarding\s+0 → 1\s+\(net\.ipv4\.ip_forward\)/);
      expect(text).toMatch(/net\.ipv4\.conf\.eth0\.rp_filter\s+0 → 2 \(where not set explicitly\)/);
    }
  });
});
