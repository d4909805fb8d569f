// Per-interface families in the catalogue: one entry per key with the interface as a
// parameter, found from any interface's key, with the all/default semantics the kernel
// source gives (src/core/catalog/families.ts), and the same validation everywhere a
// single key has it.
import { describe, expect, it } from 'vitest';
import { defaultFor, familyKey, familyMember, handlerBounds, keyInfo, knownFamilies, knownKeys, rejectReason, scopeFor } from '../src/core/catalog.js';
import { familySemantics } from '../src/core/catalog/families.js';
import { kernelDocFor } from '../src/core/kernel-docs.js';
import { mayKnobsSet } from '../src/core/managed-paths.js';
import { parseProfile } from '../src/profiles/parse.js';

describe('family lookup', () => {
  it('any interface, all and default find the one family entry', () => {
    for (const k of ['net.ipv4.conf.eth0.rp_filter', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter', 'net.ipv4.conf.eth0/200.rp_filter', 'net.ipv4.conf.*.rp_filter']) {
      expect(keyInfo(k)?.key, k).toBe('net.ipv4.conf.*.rp_filter');
    }
    expect(keyInfo('net.ipv6.neigh.default.gc_thresh3')?.key).toBe('net.ipv6.neigh.*.gc_thresh3');
    expect(familyKey('net.ipv4.conf.eth0.rp_filter')).toBe('net.ipv4.conf.*.rp_filter');
    expect(familyMember('net.ipv4.conf.eth0/200.rp_filter')).toBe('eth0/200');
    expect(familyKey('net.ipv4.tcp_rmem')).toBe('net.ipv4.tcp_rmem');
    expect(familyMember('net.ipv4.tcp_rmem')).toBeNull();
  });

  it('an interface key the catalogue has no family for stays unknown', () => {
    expect(keyInfo('net.ipv4.conf.eth0.no_such_thing')).toBeUndefined();
    expect(keyInfo('net.ipv4.conf.eth0')).toBeUndefined();
  });

  it('knownKeys lists single keys, knownFamilies the patterns', () => {
    expect(knownKeys().some((k) => k.includes('*'))).toBe(false);
    expect(knownFamilies()).toContain('net.ipv6.conf.*.accept_ra');
    expect(knownFamilies().every((k) => keyInfo(k)!.family)).toBe(true);
  });

  it('defaults, bounds and scope answer for a member as for a single key', () => {
    // conf.all starts at 0, conf.default (and so every new interface) at 1 (ipv4_devconf vs ipv4_devconf_dflt).
    expect(defaultFor('net.ipv4.conf.all.accept_source_route', '6.1.0')).toBe('0');
    expect(defaultFor('net.ipv4.conf.eth0.accept_source_route', '6.1.0')).toBe('1');
    expect(defaultFor('net.ipv6.conf.eth0.router_solicitations', '4.4.0')).toBe('3');
    expect(defaultFor('net.ipv6.conf.eth0.router_solicitations', '6.1.0')).toBe('-1');
    expect(handlerBounds('net.ipv4.neigh.default.gc_thresh3', '3.10.0')).toEqual({});
    expect(rejectReason('net.ipv4.neigh.default.gc_thresh3', '-1', '6.1.0')).toMatch(/below the minimum 0/);
    expect(rejectReason('net.ipv4.neigh.default.gc_thresh3', '-1', '3.10.0')).toBeNull();
    expect(scopeFor('net.ipv6.conf.all.forwarding', '3.10.0')).toBe('netns');
  });

  it('says which of all and the interface wins, per key, from the kernel source', () => {
    const combine = (k: string) => keyInfo(k)!.family!.combine;
    expect(combine('net.ipv4.conf.eth0.rp_filter')).toBe('max');
    expect(combine('net.ipv4.conf.eth0.arp_announce')).toBe('max');
    expect(combine('net.ipv4.conf.eth0.log_martians')).toBe('or');
    expect(combine('net.ipv4.conf.eth0.send_redirects')).toBe('or');
    expect(combine('net.ipv4.conf.eth0.accept_source_route')).toBe('and');
    expect(combine('net.ipv4.conf.eth0.accept_redirects')).toBe('redirects');
    expect(combine('net.ipv6.conf.eth0.accept_ra')).toBe('interface');
    expect(combine('net.ipv6.conf.eth0.forwarding')).toBe('propagates');
    expect(combine('net.ipv6.conf.eth0.accept_source_route')).toBe('and');
    expect(combine('net.ipv4.neigh.default.gc_thresh1')).toBe('table');
    expect(familySemantics(keyInfo('net.ipv4.conf.*.rp_filter')!).join(' ')).toMatch(/larger of conf\.all\.rp_filter and conf\.<if>\.rp_filter.*devinet_copy_dflt_conf/);
    // promote_secondaries' handler (ipv4_doint_and_flush) copies nothing from default.
    expect(familySemantics(keyInfo('net.ipv4.conf.*.promote_secondaries')!).join(' ')).toMatch(/changes no existing interface/);
    for (const f of knownFamilies()) expect(keyInfo(f)!.family!.source, f).toMatch(/@\d+\.\d+/);
  });
});

describe('families and never-written keys in the rest of knobs', () => {
  it('the applier and journals accept family members, never kernel.core_pattern', () => {
    expect(mayKnobsSet('net.ipv4.neigh.default.gc_thresh3')).toBe(true);
    expect(mayKnobsSet('net.ipv6.conf.eth0.accept_ra')).toBe(true);
    expect(mayKnobsSet('net.ipv4.conf.*.rp_filter')).toBe(false);
    expect(mayKnobsSet('vm.swappiness')).toBe(true);
    expect(mayKnobsSet('kernel.core_pattern')).toBe(false);
  });

  it('a profile may name a family member but not a pattern, and never kernel.core_pattern', () => {
    const ok = parseProfile('p', 'p.ini', '[main]\nsummary = s\n[sysctl]\n; loose\nnet.ipv4.conf.all.rp_filter = 2\n');
    expect(ok.sysctl.map((t) => t.key)).toEqual(['net.ipv4.conf.all.rp_filter']);
    expect(() => parseProfile('p', 'p.ini', '[main]\nsummary = s\n[sysctl]\nnet.ipv4.conf.*.rp_filter = 2\n')).toThrow(/p\.ini:4: net\.ipv4\.conf\.\*\.rp_filter: a profile names one key/);
    expect(() => parseProfile('p', 'p.ini', '[main]\nsummary = s\n[sysctl]\nkernel.core_pattern = core\n')).toThrow(/knobs never writes kernel\.core_pattern/);
    expect(() => parseProfile('p', 'p.ini', '[main]\nsummary = s\n[sysctl]\nnet.ipv4.neigh.default.gc_thresh3 = -5\n')).toThrow(/below the minimum 0/);
  });

  it('points at the kernel document by prefix', () => {
    expect(kernelDocFor('net.ipv4.conf.eth0.rp_filter')).toBe('Documentation/networking/ip-sysctl.rst');
    expect(kernelDocFor('net.netfilter.nf_conntrack_max')).toBe('Documentation/networking/nf_conntrack-sysctl.rst');
    expect(kernelDocFor('net.core.somaxconn')).toBe('Documentation/admin-guide/sysctl/net.rst');
    expect(kernelDocFor('kernel.pid_max')).toBe('Documentation/admin-guide/sysctl/kernel.rst');
    expect(kernelDocFor('fs.file-max')).toBe('Documentation/admin-guide/sysctl/fs.rst');
    expect(kernelDocFor('vm.swappiness')).toBe('Documentation/admin-guide/sysctl/vm.rst');
    expect(kernelDocFor('dev.tty.ldisc_autoload')).toBeNull();
  });
});
