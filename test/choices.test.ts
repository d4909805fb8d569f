// The wizard's decisions as a plan sees them (src/core/choices.ts through the one
// plan function, buildPlan): skipped keys are left exactly as they are, entered
// values replace the proposed ones, and the same decisions saved as a user
// profile give another host the same plan.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { enteredValueProblem, NO_CHOICES, toProfileIni, type PlanChoices } from '../src/core/choices.js';
import { buildPlan } from '../src/cli/commands/plan.js';
import { HostFs } from '../src/host/host-fs.js';
import { ProfileSet } from '../src/profiles/load.js';
import { parseProfile } from '../src/profiles/parse.js';
import { fakeRoot, write } from './helpers/fake-root.js';

const choices = (c: Partial<PlanChoices>): PlanChoices => ({ ...NO_CHOICES, ...c });
const sysctlChanges = (root: string, profile: string, c?: PlanChoices, service?: string) =>
  Object.fromEntries(
    buildPlan({ root, profile, ...(c ? { choices: c } : {}), ...(service ? { service } : {}) })
      .plan.changes.filter((x) => x.kind === 'sysctl')
      .map((x) => [x.key, x.to]),
  );

describe('plan choices', () => {
  it('a skipped profile key is not planned; an entered value replaces the proposed one', () => {
    const root = fakeRoot({ kernel: '5.4', sysctl: { 'net.core.somaxconn': '128' } });
    expect(sysctlChanges(root, 'load-balancer')).toMatchObject({ 'net.core.somaxconn': '4096', 'net.ipv4.tcp_tw_reuse': '1' });
    const c = choices({ skip: ['net.ipv4.tcp_tw_reuse'], sysctl: { 'net.core.somaxconn': '8192' } });
    const planned = sysctlChanges(root, 'load-balancer', c);
    expect(planned['net.core.somaxconn']).toBe('8192');
    expect(planned).not.toHaveProperty('net.ipv4.tcp_tw_reuse');
    const file = buildPlan({ root, profile: 'load-balancer', choices: c }).plan.files[0]!.after!;
    expect(file).toContain('# profile/sysctl-target: load-balancer: Value entered by the operator (load-balancer wants at least 4096).');
    expect(file).not.toMatch(/^net\.ipv4\.tcp_tw_reuse =/m);
  });

  it('a skipped rule fix is not planned (tcp_tw_recycle on 4.4)', () => {
    const root = fakeRoot({ kernel: '4.4', sysctl: { 'net.ipv4.tcp_tw_recycle': '1' } });
    expect(sysctlChanges(root, 'web-node')['net.ipv4.tcp_tw_recycle']).toBe('0');
    expect(sysctlChanges(root, 'web-node', choices({ skip: ['net.ipv4.tcp_tw_recycle'] }))).not.toHaveProperty('net.ipv4.tcp_tw_recycle');
  });

  it('a key knobs set earlier keeps its line when skipped (left as it is, not removed)', () => {
    const root = fakeRoot({ kernel: '5.4', sysctl: { 'net.core.somaxconn': '4096' } });
    write(root, '/etc/sysctl.d/90-knobs.conf', '# Managed by knobs (sysctl.d).\n\n# profile/sysctl-target: web-node: x.\nnet.core.somaxconn = 4096\n');
    const { plan } = buildPlan({ root, profile: 'web-node', choices: choices({ skip: ['net.core.somaxconn'] }) });
    expect(plan.files[0]!.after).toContain('net.core.somaxconn = 4096');
  });

  it('skipping login limits keeps the LimitNOFILE drop-in of a chosen service; entered limits are used', () => {
    const root = fakeRoot({ kernel: '6.1', files: { '/lib/systemd/system/nginx.service': '[Service]\nExecStart=/usr/sbin/nginx\n' } });
    const skip = buildPlan({ root, profile: 'web-node', service: 'nginx', choices: choices({ skip: ['limits.nofile'] }) }).plan;
    expect(skip.changes.map((c) => c.kind)).not.toContain('limit');
    expect(skip.changes.find((c) => c.kind === 'systemd')?.to).toBe('65536:524288');
    const entered = buildPlan({ root, profile: 'web-node', choices: choices({ limits: { '*:soft:nofile': '32768' } }) }).plan;
    expect(entered.changes.find((c) => c.kind === 'limit' && c.type === 'soft')?.to).toBe('32768');
  });

  it('entered values are checked as profile values are, against this kernel', () => {
    expect(enteredValueProblem('net.core.somaxconn', '8192', '5.4.0', 1048576)).toBeNull();
    expect(enteredValueProblem('net.core.somaxconn', 'lots', '5.4.0', 1048576)).toBe('"lots" is not an integer');
    expect(enteredValueProblem('net.ipv4.ip_local_port_range', '60000 1024', '5.4.0', 1048576)).toBe('the low end must not exceed the high end');
    expect(enteredValueProblem('net.ipv4.tcp_tw_recycle', '0', '5.4.0', 1048576)).toBe('removed in Linux 4.12');
    expect(enteredValueProblem('net.ipv4.tcp_fin_timeout', '  ', '5.4.0', 1048576)).toMatch(/^enter a value/);
    expect(enteredValueProblem('limits.nofile', '2000000', null, 1048576)).toBe('2000000 is above fs.nr_open (1048576): pam_limits would refuse every login and su');
    expect(enteredValueProblem('limits.nofile', '65536 524288', null, 1048576)).toBeNull();
    expect(enteredValueProblem('limits.nofile', 'many', null, 1048576)).toBe('"many" is not a number or unlimited');
  });

  it('saved as a user profile, the choices give the same plan on another host', () => {
    const root = fakeRoot({ kernel: '5.4', sysctl: { 'net.core.somaxconn': '128' } });
    const c = choices({ skip: ['net.ipv4.tcp_tw_reuse'], sysctl: { 'net.core.somaxconn': '8192' }, limits: { '*:soft:nofile': '32768' } });
    const set = ProfileSet.load(new HostFs(root));
    const text = toProfileIni('edge-lb', 'Our edge load balancers', set.resolve(['load-balancer', 'nat-facing']), c);
    const parsed = parseProfile('edge-lb', '/etc/knobs/profiles/edge-lb.ini', text); // valid profile syntax, every key known
    expect(parsed.sysctl.map((t) => t.key)).not.toContain('net.ipv4.tcp_tw_reuse');
    expect(text).toContain('; Left as they are on purpose: net.ipv4.tcp_tw_reuse.');
    const other = fakeRoot({ kernel: '5.4', sysctl: { 'net.core.somaxconn': '128' } });
    fs.mkdirSync(path.join(other, 'etc/knobs/profiles'), { recursive: true });
    fs.writeFileSync(path.join(other, 'etc/knobs/profiles/edge-lb.ini'), text);
    const viaProfile = buildPlan({ root: other, profile: 'edge-lb' }).plan;
    const viaChoices = buildPlan({ root, profile: 'load-balancer,nat-facing', choices: c }).plan;
    const strip = (p: typeof viaProfile) => p.changes.map((x) => `${x.kind} ${x.key} ${x.type ?? ''} ${x.to}`).sort();
    expect(strip(viaProfile)).toEqual(strip(viaChoices));
  });
});
