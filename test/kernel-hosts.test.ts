// Three hosts as they are found in the field, each on a kernel whose facts differ,
// with the findings a kernel engineer would sign pinned: RHEL 7 (3.10), Ubuntu 18.04
// (4.15) and Debian 12 (6.1) on a 4 GiB machine. The hosts are built from the
// catalogue (test/helpers/host.ts) plus what each case sets; only the net/ and fs/
// rules are run, so other areas' rules do not move these pins.
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { rejectReason, scopeFor } from '../src/core/catalog.js';
import { evaluate } from '../src/core/engine.js';
import type { Finding, HostFacts } from '../src/core/types.js';
import { confFile, host } from './helpers/host.js';
import { profileFor } from './helpers/rule-tester.js';

const netFs = rules.filter((r) => /^(net|fs)\//.test(r.id));

function findingsOf(h: HostFacts, profiles: string[]): Finding[] {
  return evaluate(h, profileFor(profiles), netFs).findings;
}
const pin = (f: Finding) => `${f.severity} ${f.id}:${f.messageId} ${f.key ?? '-'}`;

/** Config lines and the boot values they leave, as the loaders would. */
function booted(kernel: string, file: string, lines: Record<string, string>, live: Record<string, string>, comment?: string) {
  const boot = Object.fromEntries(Object.entries(lines).map(([key, value], i) => [key, { value, file, line: i + 1 }]));
  return host(kernel, { sysctl: live, boot, configFiles: [confFile(file, lines, comment)] });
}

describe('RHEL 7 (3.10): an old tuning guide behind a load balancer', () => {
  const guide = {
    'net.ipv4.tcp_tw_recycle': '1',
    'net.ipv4.tcp_tw_reuse': '2',
    'net.ipv4.tcp_fin_timeout': '15',
    'net.ipv4.tcp_max_syn_backlog': '65536',
  };
  const h = booted('3.10', '/etc/sysctl.d/99-tuning.conf', guide, { ...guide }, 'reduce TIME_WAIT');
  const findings = findingsOf(h, ['load-balancer']);

  it('reports tw_recycle as critical, the copied 2 as "all destinations", and fin_timeout as a myth — nothing about the SYN backlog', () => {
    expect(findings.map(pin)).toEqual([
      'critical net/tcp-tw-recycle:enabled net.ipv4.tcp_tw_recycle',
      'warning net/tcp-tw-reuse:allDestinationsHere net.ipv4.tcp_tw_reuse',
      'info net/congestion-control:slowStartAfterIdle net.ipv4.tcp_slow_start_after_idle',
      'info net/dead-peers:slowWriteFailure net.ipv4.tcp_retries2',
      'info net/dead-peers:slowConnectFailure net.ipv4.tcp_syn_retries',
      'info net/tcp-fin-timeout:notTimeWait net.ipv4.tcp_fin_timeout',
    ]);
    expect(findings.find((f) => f.id === 'net/tcp-tw-reuse')!.message).toContain('ALL outgoing connections');
    // On 3.10 tcp_max_syn_backlog still sizes each listener's SYN table: raising it is not a myth there.
    expect(findings.some((f) => f.id === 'net/tcp-max-syn-backlog')).toBe(false);
  });

  it('knows the 3.10 limits: somaxconn at most 65535, tcp_tw_reuse any integer, fs.file-max unbounded', () => {
    expect(rejectReason('net.core.somaxconn', '100000', '3.10.0')).toMatch(/above the maximum 65535/);
    expect(rejectReason('net.core.somaxconn', '100000', '4.15.0')).toBeNull();
    expect(rejectReason('net.ipv4.tcp_tw_reuse', '2', '3.10.0')).toBeNull();
    expect(rejectReason('fs.file-max', '9223372036854775807', '3.10.0')).toBeNull();
  });

  it('says "whole machine" for keys that only became per namespace later', () => {
    for (const k of ['net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_tw_reuse', 'net.ipv4.tcp_timestamps', 'net.ipv4.ip_local_port_range']) {
      expect(scopeFor(k, '3.10.0'), k).toBe('global');
    }
    expect(scopeFor('net.core.somaxconn', '3.10.0')).toBe('netns');
  });
});

describe('Ubuntu 18.04 (4.15): a file copied from a newer host, on a NAT gateway', () => {
  const copied = {
    'net.ipv4.tcp_tw_reuse': '2',
    'net.ipv4.tcp_max_tw_buckets': '65536',
    'net.netfilter.nf_conntrack_tcp_timeout_established': '3600',
  };
  // 4 GiB: tcp_max_orphans (the same default as tcp_max_tw_buckets) is 16384.
  const h = booted('4.15', '/etc/sysctl.d/60-net.conf', copied, { ...copied, 'net.ipv4.ip_forward': '1', 'net.ipv4.tcp_max_orphans': '16384' });
  const findings = findingsOf(h, ['nat-facing']);

  it('reuse 2 is all destinations here; keepalive belongs to the endpoints; a raised tw cap is not "lowered"', () => {
    expect(findings.map(pin)).toEqual([
      'warning net/keepalive:forwardedBeforeEndpointProbe net.netfilter.nf_conntrack_tcp_timeout_established',
      'warning net/tcp-tw-reuse:allDestinationsHere net.ipv4.tcp_tw_reuse',
    ]);
    expect(findings[0]!.message).toContain('never touch forwarded flows');
  });

  it('timestamps and tw_reuse: 2 with timestamps off is "all outgoing connections" on 4.15', () => {
    const off = findingsOf(booted('4.15', '/etc/sysctl.d/60-net.conf', { 'net.ipv4.tcp_tw_reuse': '2' }, { 'net.ipv4.tcp_tw_reuse': '2', 'net.ipv4.tcp_timestamps': '0' }), []);
    expect(off.map(pin)).toEqual(['warning net/tcp-timestamps:reuseInert net.ipv4.tcp_timestamps', 'warning net/tcp-tw-reuse:allDestinationsHere net.ipv4.tcp_tw_reuse']);
    expect(off[0]!.message).toContain('all outgoing connections: before 4.18');
  });
});

describe('Debian 12 (6.1) on 4 GiB: systemd defaults and a raised TIME_WAIT cap', () => {
  const h = booted(
    '6.1',
    '/etc/sysctl.d/70-web.conf',
    { 'net.ipv4.tcp_max_tw_buckets': '65536', 'net.core.somaxconn': '8192' },
    {
      'net.ipv4.tcp_max_tw_buckets': '65536',
      'net.core.somaxconn': '8192',
      'net.ipv4.tcp_ehash_entries': '32768',
      'net.ipv4.tcp_max_orphans': '16384',
      // systemd ≥ 240 raises it to LONG_MAX at boot.
      'fs.file-max': '9223372036854775807',
      'fs.file-nr': '2016 0 9223372036854775807',
    },
  );

  it('has nothing to report: 65536 is four times this host\'s own default, and LONG_MAX is a valid file-max', () => {
    expect(findingsOf(h, ['web-node']).map(pin)).toEqual([]);
  });

  it('reports a real lowering against tcp_ehash_entries / 2, and timestamps off while reuse is loopback-only', () => {
    const low = booted('6.1', '/etc/sysctl.d/70-web.conf', { 'net.ipv4.tcp_max_tw_buckets': '5000' }, { 'net.ipv4.tcp_max_tw_buckets': '5000', 'net.ipv4.tcp_ehash_entries': '32768', 'net.ipv4.tcp_timestamps': '0' });
    const f = findingsOf(low, []);
    expect(f.map(pin)).toEqual(['warning net/tcp-max-tw-buckets:loweredAtBoot net.ipv4.tcp_max_tw_buckets', 'warning net/tcp-timestamps:reuseInert net.ipv4.tcp_timestamps']);
    expect(f[0]!.message).toContain("below this host's default 16384 (tcp_ehash_entries 32768 / 2)");
    expect(f[0]!.recommended).toBe('16384');
    expect(f[1]!.message).toContain('loopback connections only');
  });

  it('per namespace on 6.1, with the first release for keys that were not', () => {
    expect(scopeFor('net.ipv4.tcp_fin_timeout', '6.1.0')).toBe('netns');
    expect(scopeFor('net.ipv4.tcp_max_orphans', '6.1.0')).toBe('global');
  });
});
