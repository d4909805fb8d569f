// Kernel side effects of sysctl writes (src/core/boot-side-effects.ts), from
// net/ipv4/devinet.c 6.18.32. The boot model applies them (test/boot-order.test.ts)
// and the oracle checks the result against real loaders (test/oracle/).
import { describe, expect, it } from 'vitest';
import { devconfViewFromFacts, sideEffectsOfWrite, writtenMarks, type DevconfView } from '../src/core/boot-side-effects.js';

const view = (written: string[] = []): DevconfView => ({
  interfaces: ['eth0', 'lo'],
  value: () => '0',
  written: (k) => written.includes(k),
});

describe('sideEffectsOfWrite', () => {
  it('conf.default.X is copied to every interface whose X was never written', () => {
    expect(sideEffectsOfWrite('net.ipv4.conf.default.rp_filter', { before: '0', after: '2' }, view(['net.ipv4.conf.lo.rp_filter']))).toEqual([
      { key: 'net.ipv4.conf.eth0.rp_filter', value: '2', certain: true, why: 'devinet_copy_dflt_conf' },
    ]);
  });
  it('a rejected write to conf.default.X still copies its unchanged value', () => {
    expect(sideEffectsOfWrite('net.ipv4.conf.default.log_martians', { before: '1', after: '1' }, view()).map((e) => e.key)).toEqual([
      'net.ipv4.conf.eth0.log_martians',
      'net.ipv4.conf.lo.log_martians',
    ]);
  });
  it('flushing settings and forwarding are not copied from default', () => {
    expect(sideEffectsOfWrite('net.ipv4.conf.default.route_localnet', { before: '0', after: '1' }, view())).toEqual([]);
    expect(sideEffectsOfWrite('net.ipv4.conf.default.forwarding', { before: '0', after: '1' }, view())).toEqual([]);
    expect(writtenMarks('net.ipv4.conf.lo.route_localnet')).toEqual([]);
    expect(writtenMarks('net.ipv4.conf.lo.rp_filter')).toEqual(['net.ipv4.conf.lo.rp_filter']);
  });
  it('ip_forward is conf.all.forwarding; a change resets forwarding everywhere and all.accept_redirects', () => {
    expect(sideEffectsOfWrite('net.ipv4.ip_forward', { before: '0', after: '1' }, view())).toEqual([
      { key: 'net.ipv4.conf.all.forwarding', value: '1', certain: true, why: 'same variable' },
      { key: 'net.ipv4.conf.all.accept_redirects', value: '0', certain: true, why: 'inet_forward_change' },
      { key: 'net.ipv4.conf.default.forwarding', value: '1', certain: true, why: 'inet_forward_change' },
      { key: 'net.ipv4.conf.eth0.forwarding', value: '1', certain: true, why: 'inet_forward_change' },
      { key: 'net.ipv4.conf.lo.forwarding', value: '1', certain: true, why: 'inet_forward_change' },
    ]);
  });
  it('writing the value it already has changes nothing else', () => {
    expect(sideEffectsOfWrite('net.ipv4.conf.all.forwarding', { before: '1', after: '1' }, view())).toEqual([
      { key: 'net.ipv4.ip_forward', value: '1', certain: true, why: 'same variable' },
    ]);
  });
  it('on a live host the written bits are unknown: copies are uncertain', () => {
    const v = devconfViewFromFacts({ sysctl: { 'net.ipv4.conf.eth0.rp_filter': { live: '1' }, 'net.ipv4.conf.default.rp_filter': { live: '1' } } });
    expect(v.interfaces).toEqual(['eth0']);
    expect(sideEffectsOfWrite('net.ipv4.conf.default.rp_filter', { before: '1', after: '2' }, v)).toEqual([
      { key: 'net.ipv4.conf.eth0.rp_filter', value: '2', certain: false, why: 'devinet_copy_dflt_conf' },
    ]);
  });
});
