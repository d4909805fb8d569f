// The pure model of what a sysctl write changes besides itself (src/core/kernel-side-effects.ts).
// Checked against the real kernel in test/cli/side-effects-netns.test.ts.
import { describe, expect, it } from 'vitest';
import { hasSideEffects, interfaceNames, sideEffectGlobs, writeSideEffects } from '../src/core/kernel-side-effects.js';

const IFACES = { ipv4: ['eth0', 'lo', 'eth0/100'], ipv6: ['eth0', 'lo'] };
const keys = (key: string, value: string, previous: string | null) => writeSideEffects(key, value, previous, IFACES).map((e) => `${e.key}=${e.value}${e.certain ? '' : '?'}`);

describe('kernel side effects of a sysctl write', () => {
  it('ip_forward (= conf.all.forwarding): every forwarding, and accept_redirects = !on', () => {
    expect(keys('net.ipv4.ip_forward', '1', '0')).toEqual([
      'net.ipv4.conf.all.forwarding=1',
      'net.ipv4.conf.all.accept_redirects=0',
      'net.ipv4.conf.default.forwarding=1',
      'net.ipv4.conf.eth0.forwarding=1',
      'net.ipv4.conf.lo.forwarding=1',
      'net.ipv4.conf.eth0/100.forwarding=1',
    ]);
    expect(keys('net.ipv4.conf.all.forwarding', '0', '1')).toContain('net.ipv4.ip_forward=0');
    expect(keys('net.ipv4.conf.all.forwarding', '0', '1')).toContain('net.ipv4.conf.all.accept_redirects=1');
  });

  it('writing the value it already has changes nothing (devinet_sysctl_forward compares)', () => {
    expect(keys('net.ipv4.ip_forward', '1', '1')).toEqual([]);
    expect(keys('net.ipv4.ip_forward', '1', null)).toHaveLength(6); // unknown before: assume it changes
  });

  it('conf.default.X is copied to interfaces that never had X written: "may change"', () => {
    expect(keys('net.ipv4.conf.default.rp_filter', '2', '0')).toEqual([
      'net.ipv4.conf.eth0.rp_filter=2?',
      'net.ipv4.conf.lo.rp_filter=2?',
      'net.ipv4.conf.eth0/100.rp_filter=2?',
    ]);
    // disable_policy is a FLUSHING entry (ipv4_doint_and_flush): not copied.
    expect(keys('net.ipv4.conf.default.disable_policy', '1', '0')).toEqual([]);
    expect(keys('net.ipv4.conf.default.forwarding', '1', '0')).toEqual([]);
  });

  it('IPv6 all.forwarding sets default and every interface; 0 also clears force_forwarding', () => {
    expect(keys('net.ipv6.conf.all.forwarding', '0', '1')).toEqual([
      'net.ipv6.conf.default.forwarding=0',
      'net.ipv6.conf.eth0.forwarding=0',
      'net.ipv6.conf.lo.forwarding=0',
      'net.ipv6.conf.eth0.force_forwarding=0',
      'net.ipv6.conf.lo.force_forwarding=0',
    ]);
    expect(keys('net.ipv6.conf.default.forwarding', '1', '0')).toEqual([]);
  });

  it('keys that do not exist on the host are left out', () => {
    const some = writeSideEffects('net.ipv4.ip_forward', '1', '0', IFACES, (k) => !k.includes('eth0/100'));
    expect(some.map((e) => e.key)).not.toContain('net.ipv4.conf.eth0/100.forwarding');
  });

  it('ordinary keys have none; interface names keep their dots as slashes', () => {
    expect(hasSideEffects('net.core.somaxconn')).toBe(false);
    expect(hasSideEffects('net.ipv4.ip_forward')).toBe(true);
    expect(writeSideEffects('net.core.somaxconn', '8192', '4096', IFACES)).toEqual([]);
    expect(interfaceNames(['all', 'default', 'lo', 'eth0.100'])).toEqual(['lo', 'eth0/100']);
    expect(sideEffectGlobs('net.ipv4.ip_forward')).toContain('net.ipv4.conf.*.forwarding');
    expect(sideEffectGlobs('net.core.somaxconn')).toEqual([]);
  });
});
