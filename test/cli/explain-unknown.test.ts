// `knobs explain` on keys outside the catalogue and on per-interface families: an
// unknown key is said to be unknown, with what the host says (live value, the boot
// file and line that set it) and the kernel's own documentation; a family key
// (net.ipv4.conf.eth0.rp_filter) finds its family's entry and says how conf.all,
// conf.default and the interface combine.
import { describe, expect, it } from 'vitest';
import { knobs } from '../helpers/cli.js';
import { fakeRoot } from '../helpers/fake-root.js';

const flat = (s: string) => s.replace(/\s+/g, ' ');

describe('knobs explain: a key knobs does not know', () => {
  const root = fakeRoot({
    kernel: '6.1',
    sysctl: { 'net.ipv4.tcp_plb_enabled': '1', 'vm.watermark_boost_factor': '0' },
    files: { '/etc/sysctl.d/60-tuning.conf': '# keep boosts off\nvm.watermark_boost_factor = 0\nnet.bridge.bridge-nf-call-arptables = 1\n' },
  });

  it('says so plainly, shows the live value, the boot file and line, and the kernel document', () => {
    const r = knobs(['explain', 'vm.watermark_boost_factor', '--root', root]);
    expect(r.code).toBe(0);
    const text = flat(r.stdout);
    expect(text).toContain('knobs does not know this key');
    expect(text).toContain('Kernel documentation: Documentation/admin-guide/sysctl/vm.rst');
    expect(text).toContain('Live: 0');
    expect(text).toMatch(/Boot: 0 — set by \/etc\/sysctl\.d\/60-tuning\.conf:2/);
    const doc = knobs(['explain', 'vm.watermark_boost_factor', '--root', root, '--json']).json();
    expect(doc).toMatchObject({ known: false, meaning: null, documentation: 'Documentation/admin-guide/sysctl/vm.rst', value: { live: '0', boot: { file: '/etc/sysctl.d/60-tuning.conf', line: 2 } } });
  });

  it('a live key no file sets: live value, no boot line, ip-sysctl.rst for net.ipv4', () => {
    const r = knobs(['explain', 'net.ipv4.tcp_plb_enabled', '--root', root]);
    expect(r.code).toBe(0);
    const text = flat(r.stdout);
    expect(text).toContain('knobs does not know this key');
    expect(text).toContain('Documentation/networking/ip-sysctl.rst');
    expect(text).toContain('Boot: no sysctl config file sets it');
  });

  it('a key this kernel lacks but a boot file sets is still explained (a module not loaded yet)', () => {
    const r = knobs(['explain', 'net.bridge.bridge-nf-call-arptables', '--root', root]);
    expect(r.code).toBe(0);
    const text = flat(r.stdout);
    expect(text).toContain('Live: absent on this kernel');
    // The loader's write fails on this kernel, so the line is named as not taken.
    expect(text).toMatch(/not taken at boot: 1 at \/etc\/sysctl\.d\/60-tuning\.conf:3/);
    // The kernel documents no net.bridge key, so no document is named.
    expect(text).not.toContain('Kernel documentation');
  });

  it('a key neither known, present nor set anywhere is an error with a suggestion (exit 1)', () => {
    const r = knobs(['explain', 'vm.swapiness', '--root', root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^knobs: explain: "vm\.swapiness" is neither a rule id nor a sysctl key on this host\n {2}hint: did you mean vm\.swappiness\?/);
  });

  it('a key knobs knows names its kernel document too', () => {
    const doc = knobs(['explain', 'vm.swappiness', '--root', root, '--json']).json();
    expect(doc).toMatchObject({ known: true, documentation: 'Documentation/admin-guide/sysctl/vm.rst', default: '60' });
  });
});

describe('knobs explain: per-interface families', () => {
  const root = fakeRoot({
    kernel: '6.1',
    sysctl: { 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.default.rp_filter': '2', 'net.ipv4.conf.eth0.rp_filter': '1', 'net.ipv6.conf.all.accept_ra': '1', 'net.ipv6.conf.default.accept_ra': '1', 'net.ipv6.conf.eth0.accept_ra': '0' },
    files: { '/etc/sysctl.d/50-default.conf': 'net.ipv4.conf.default.rp_filter = 2\nnet.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter\n' },
  });

  it('an interface key finds the family entry and says which of all and the interface wins (rp_filter: the larger)', () => {
    const r = knobs(['explain', 'net.ipv4.conf.eth0.rp_filter', '--root', root]);
    expect(r.code).toBe(0);
    const text = flat(r.stdout);
    expect(text).toContain('Reverse-path filter');
    expect(text).toContain('the kernel uses the larger of conf.all.rp_filter and conf.<if>.rp_filter');
    expect(text).toContain('IN_DEV_MAXCONF');
    // all, default and the interface, each with its live and boot value.
    expect(text).toMatch(/net\.ipv4\.conf\.all\.rp_filter Live: 0/);
    expect(text).toMatch(/net\.ipv4\.conf\.default\.rp_filter Live: 2 Boot: 2 — set by \/etc\/sysctl\.d\/50-default\.conf:1 /);
    expect(text).toMatch(/net\.ipv4\.conf\.eth0\.rp_filter Live: 1 Boot: 2 — set by \/etc\/sysctl\.d\/50-default\.conf:2 \(glob\)/);
    const doc = knobs(['explain', 'net.ipv4.conf.eth0.rp_filter', '--root', root, '--json']).json();
    expect(doc).toMatchObject({ known: true, default: '0', scope: 'netns', family: { entry: 'net.ipv4.conf.*.rp_filter', combine: 'max' } });
    expect(Object.keys(doc.instances)).toEqual(['net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter', 'net.ipv4.conf.eth0.rp_filter']);
  });

  it('the family itself (`*`) shows all and default', () => {
    const doc = knobs(['explain', 'net.ipv4.conf.*.rp_filter', '--root', root, '--json']).json();
    expect(doc).toMatchObject({ known: true, family: { combine: 'max' } });
    expect(Object.keys(doc.instances)).toEqual(['net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter']);
  });

  it('IPv6 accept_ra: only the interface counts; conf.all alone changes nothing', () => {
    const text = flat(knobs(['explain', 'net.ipv6.conf.eth0.accept_ra', '--root', root]).stdout);
    expect(text).toContain('Only conf.<if>.accept_ra counts; writing conf.all.accept_ra changes no interface by itself');
  });

  it('accept_source_route: conf.all starts at 0, interfaces at 1', () => {
    expect(knobs(['explain', 'net.ipv4.conf.all.accept_source_route', '--root', root, '--json']).json()).toMatchObject({ default: '0', family: { combine: 'and' } });
    expect(knobs(['explain', 'net.ipv4.conf.eth0.accept_source_route', '--root', root, '--json']).json()).toMatchObject({ default: '1' });
  });
});
