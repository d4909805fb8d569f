// The sysctl.d parser against every real file in the shared corpus, plus the
// syntax no licensed real file carries (CRLF, `;` comments, empty values).

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  globMatches,
  globToRegExp,
  isGlob,
  keyToProcPath,
  LONG_LINE_MAX,
  normaliseSysctlKey,
  parseSysctlConf,
  parseSysctlLines,
  procPathToKey,
  systemdLinesFromProcps,
} from '../src/core/sysctl-conf.js';
import { mulberry32 } from './helpers/random.js';
import { randomCase } from './oracle/sysctl-grammar.js';
import { corpusPath } from './helpers/corpus.js';

const corpusDir = corpusPath('sysctl');
const corpus = (name: string) => parseSysctlConf(readFileSync(path.join(corpusDir, name), 'utf8'));
const kv = (name: string) => Object.fromEntries(corpus(name).entries.map((e) => [e.key, e.value]));

/** Entry count, problem count and a few exact key → value pairs per corpus file. */
const EXPECT: Record<string, { entries: number; problems: number; values: Record<string, string | null> }> = {
  'amazon-eks-ami-al2023__67-eks-reserved-ports.conf': {
    entries: 1,
    problems: 0,
    values: { 'net.ipv4.ip_local_reserved_ports': '2703,9808,9809,10249,10250,10256,61678,61679' },
  },
  'amazon-eks-ami-al2023__99-amazon.conf': {
    entries: 3,
    problems: 0,
    values: { 'vm.overcommit_memory': '1', 'kernel.panic': '10', 'kernel.panic_on_oops': '1' },
  },
  'amazon-eks-ami-al2023__99-kubernetes-cri.conf': {
    entries: 3,
    problems: 0,
    values: { 'net.bridge.bridge-nf-call-ip6tables': '1', 'net.bridge.bridge-nf-call-iptables': '1', 'net.ipv4.ip_forward': '1' },
  },
  'amazon-eks-ami-al2023__sysctl.conf': {
    entries: 4,
    problems: 0,
    values: { 'kernel.pid_max': '4194304', 'vm.max_map_count': '524288', 'fs.inotify.max_user_instances': '8192' },
  },
  'apache-cassandra__debian-cassandra-sysctl.conf': {
    entries: 2,
    problems: 0,
    values: { 'vm.max_map_count': '1048575', 'net.ipv4.tcp_keepalive_time': '300' },
  },
  'cachyos-settings__70-cachyos-settings.conf': {
    entries: 12,
    problems: 0,
    values: { 'vm.page-cluster': '0', 'kernel.printk': '3 3 3 3', 'vm.swappiness': '100', 'fs.file-max': '2097152' },
  },
  'debian-389-ds-base__70-dirsrv.conf': {
    entries: 6,
    problems: 0,
    values: { 'vm.swappiness': '20', 'net.ipv4.tcp_fastopen': '1027', 'net.core.default_qdisc': 'fq_codel' },
  },
  'debian-ceph-osd__30-ceph-osd.conf': {
    entries: 2,
    problems: 0,
    values: { 'fs.aio-max-nr': '1048576', 'kernel.pid_max': '4194304' },
  },
  'debian-libvirt-daemon-system__qemu-postcopy-migration.sysctl': {
    entries: 1,
    problems: 0,
    values: { 'vm.unprivileged_userfaultfd': '1' },
  },
  'debian-procps__99-protect-links.conf': {
    entries: 4,
    problems: 0,
    values: { 'fs.protected_fifos': '1', 'fs.protected_hardlinks': '1', 'fs.protected_regular': '2', 'fs.protected_symlinks': '1' },
  },
  // Prose: every non-blank line lacks "=". The host layer never opens it (not *.conf).
  'debian-procps__README.sysctl': { entries: 0, problems: 12, values: {} },
  // Everything commented out, with and without a space after `#`.
  'debian-procps__sysctl.conf': { entries: 0, problems: 0, values: {} },
  'debian-systemd-coredump__50-coredump.conf': {
    entries: 3,
    problems: 0,
    values: {
      'kernel.core_pattern': '|/lib/systemd/systemd-coredump %P %u %g %s %t 9223372036854775808 %h %d',
      'kernel.core_pipe_limit': '16',
      'fs.suid_dumpable': '2',
    },
  },
  'debian-systemd__50-pid-max.conf': { entries: 1, problems: 0, values: { 'kernel.pid_max': '4194304' } },
  'debian-ufw__ufw-sysctl.conf': {
    entries: 9,
    problems: 0,
    values: {
      'net.ipv4.conf.all.accept_redirects': '0',
      'net.ipv6.conf.default.accept_redirects': '0',
      'net.ipv4.icmp_echo_ignore_all': '0',
      'net.ipv4.conf.default.log_martians': '0',
    },
  },
  'flatcar-baselayout__60-baselayout.conf': {
    entries: 8,
    problems: 0,
    values: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.*.rp_filter': '0', 'kernel.kptr_restrict': '1', 'fs.protected_fifos': '0' },
  },
  'konstruktoid-hardening__sysctl.conf': {
    entries: 59,
    problems: 0,
    values: {
      'dev.tty.ldisc_autoload': '0',
      'net.ipv6.conf.eth0.accept_ra_rtr_pref': '0',
      'net.ipv4.tcp_challenge_ack_limit': '2147483647',
      'net.netfilter.nf_conntrack_tcp_loose': '0',
    },
  },
  'scylladb-agpl__99-scylla-filemax.conf': {
    entries: 2,
    problems: 0,
    // Kept as text: INT64_MAX does not survive a JS number.
    values: { 'fs.file-max': '9223372036854775807', 'fs.nr_open': '1073741816' },
  },
  'scylladb-agpl__99-scylla-vm.conf': { entries: 2, problems: 0, values: { 'vm.swappiness': '1', 'vm.vfs_cache_pressure': '2000' } },
  'systemd-upstream__50-default.conf': {
    entries: 17,
    problems: 0,
    values: {
      'kernel.sysrq': '16',
      'net.ipv4.conf.*.rp_filter': '2',
      'net.ipv4.ping_group_range': '0 2147483647',
      'net.core.default_qdisc': 'fq_codel',
      'fs.protected_fifos': '1',
    },
  },
};

describe('parseSysctlConf over the real corpus', () => {
  it('has an expectation for every corpus file', () => {
    expect(readdirSync(corpusDir).sort()).toEqual(Object.keys(EXPECT).sort());
  });

  for (const [name, want] of Object.entries(EXPECT)) {
    it(name, () => {
      const parsed = corpus(name);
      expect(parsed.entries).toHaveLength(want.entries);
      expect(parsed.problems).toHaveLength(want.problems);
      const values = kv(name);
      for (const [key, value] of Object.entries(want.values)) expect(values[key], key).toBe(value);
      // Nothing the loaders would treat as a comment leaks into keys or values.
      for (const e of parsed.entries) {
        expect(e.key).not.toMatch(/^[#;\s]|\s$/);
        if (e.value !== null) expect(e.value).toBe(e.value.trim());
      }
    });
  }

  it('systemd 50-default: globs, bare -key exclusions and -key = value lines', () => {
    const { entries } = corpus('systemd-upstream__50-default.conf');
    const pick = (line: number) => entries.find((e) => e.line === line);
    expect(pick(26)).toMatchObject({ key: 'net.ipv4.conf.*.rp_filter', value: '2', glob: true, exclude: false, ignoreFailure: false });
    expect(pick(27)).toMatchObject({ key: 'net.ipv4.conf.all.rp_filter', value: null, exclude: true, glob: false, ignoreFailure: false });
    expect(pick(45)).toMatchObject({ key: 'net.ipv4.ping_group_range', value: '0 2147483647', ignoreFailure: true, exclude: false });
    expect(pick(48)).toMatchObject({ key: 'net.core.default_qdisc', value: 'fq_codel', ignoreFailure: true });
    expect(entries.filter((e) => e.glob).map((e) => e.key)).toEqual([
      'net.ipv4.conf.*.rp_filter',
      'net.ipv4.conf.*.accept_source_route',
      'net.ipv4.conf.*.promote_secondaries',
    ]);
    expect(entries.filter((e) => e.exclude).map((e) => e.line)).toEqual([27, 32, 37]);
    // The comment block directly above, without the `#`.
    expect(pick(19)?.comment).toContain('Use kernel.sysrq = 1 to allow all keys.');
  });

  it('flatcar 60-baselayout: the same key set, globbed and excluded in one file', () => {
    const e = corpus('flatcar-baselayout__60-baselayout.conf').entries;
    expect(e.filter((x) => x.key === 'net.ipv4.conf.all.rp_filter').map((x) => [x.line, x.value, x.exclude])).toEqual([
      [11, '0', false],
      [14, null, true],
    ]);
    expect(e.find((x) => x.line === 13)).toMatchObject({ key: 'net.ipv4.conf.*.rp_filter', glob: true });
  });

  it('ufw: `/`-separated keys come out dotted, with their line numbers', () => {
    const e = corpus('debian-ufw__ufw-sysctl.conf').entries;
    expect(e.map((x) => x.line)).toEqual([17, 18, 19, 20, 23, 24, 25, 29, 30]);
    expect(e.every((x) => !x.key.includes('/'))).toBe(true);
    expect(e[0]).toMatchObject({ key: 'net.ipv4.conf.all.accept_redirects', value: '0', glob: false });
    // Commented `#net/ipv4/ip_forward=1` is not an entry.
    expect(e.some((x) => x.key === 'net.ipv4.ip_forward')).toBe(false);
  });

  it('libvirt: `-key = value` is an assignment that ignores failure, not an exclusion', () => {
    expect(corpus('debian-libvirt-daemon-system__qemu-postcopy-migration.sysctl').entries).toEqual([
      {
        line: 6,
        key: 'vm.unprivileged_userfaultfd',
        value: '1',
        ignoreFailure: true,
        exclude: false,
        glob: false,
        comment: expect.stringContaining('post-copy migration for QEMU'),
      },
    ]);
  });

  it('coredump: `|` and `%` survive, no spaces around `=`', () => {
    const e = corpus('debian-systemd-coredump__50-coredump.conf').entries[0]!;
    expect(e.line).toBe(16);
    expect(e.value!.startsWith('|/lib/systemd/systemd-coredump %P')).toBe(true);
  });

  it('389-ds: mixed `k = v` and `k=v`, trailing blank lines', () => {
    const e = corpus('debian-389-ds-base__70-dirsrv.conf').entries;
    expect(e.map((x) => x.line)).toEqual([19, 31, 35, 38, 41, 45]);
  });
});

describe('parseSysctlConf: hand-made syntax', () => {
  const both = (text: string, f: (r: ReturnType<typeof parseSysctlConf>, loader: 'systemd' | 'procps') => void) => {
    for (const loader of ['systemd', 'procps'] as const) f(parseSysctlConf(text, loader), loader);
  };

  it('CRLF line endings', () => {
    both('a.b = 1\r\n-c.d\r\n# x\r\ne.f=  2  3\r\n', (r) => {
      expect(r.problems).toEqual([]);
      expect(r.entries.map((e) => [e.line, e.key, e.value, e.exclude])).toEqual([
        [1, 'a.b', '1', false],
        [2, 'c.d', null, true],
        [4, 'e.f', '2  3', false],
      ]);
      expect(r.entries[2]!.comment).toBe('x');
    });
  });

  it('`;` comments, also indented; blank line ends a comment block', () => {
    both('; first\n  ;indented\nx.y=1\n; lost\n\nz.w=2\n', (r) => {
      expect(r.entries.map((e) => [e.key, e.comment])).toEqual([
        ['x.y', 'first\nindented'],
        ['z.w', undefined],
      ]);
    });
  });

  it('no-space and many-space `=`, tabs; the value is passed as written between its ends', () => {
    both('a.b=1\n\tc.d\t=\t4096   87380\t6291456 \nnet.ipv4.ip_local_port_range =1024 65000\n', (r) => {
      expect(r.entries.map((e) => [e.key, e.value])).toEqual([
        ['a.b', '1'],
        ['c.d', '4096   87380\t6291456'],
        ['net.ipv4.ip_local_port_range', '1024 65000'],
      ]);
    });
  });

  it('empty value is kept as "" (the loaders write "\\n" and the kernel decides), unlike `-key` (null)', () => {
    both('kernel.core_pattern =\nkernel.domainname=   \n-x.y\n', (r) => {
      expect(r.entries.map((e) => [e.key, e.value, e.exclude])).toEqual([
        ['kernel.core_pattern', '', false],
        ['kernel.domainname', '', false],
        ['x.y', null, true],
      ]);
    });
  });

  it('only the first `=` splits; a `#` after the value is part of it (neither loader strips it)', () => {
    both('a.b = x=y # not a comment\n', (r) => expect(r.entries[0]!.value).toBe('x=y # not a comment'));
  });

  it('a line without `=`: procps "invalid syntax", systemd "not an assignment"; both go on', () => {
    const p = parseSysctlConf('just words\na.b = 1\n', 'procps');
    const s = parseSysctlConf('just words\na.b = 1\n', 'systemd');
    expect(p.problems).toEqual([{ line: 1, message: 'invalid syntax (no "="), ignored: just words' }]);
    expect(s.problems).toEqual([{ line: 1, message: 'not an assignment, ignored: just words' }]);
    expect(p.entries.map((e) => e.key)).toEqual(['a.b']);
    expect(s.entries.map((e) => e.key)).toEqual(['a.b']);
  });

  it('an empty key is an entry whose write fails (the boot model reports it), not a parse problem', () => {
    both('= 5\n', (r) => expect(r.entries.map((e) => [e.key, e.value])).toEqual([['', '5']]));
  });

  it('procps skips lines under two bytes; systemd reports a one-letter line', () => {
    expect(parseSysctlConf('x', 'procps').problems).toEqual([]);
    expect(parseSysctlConf('x', 'systemd').problems).toHaveLength(1);
  });

  it('`- key = v`: systemd strips after the dash, procps 4.0.2 keeps the blank in the key', () => {
    expect(parseSysctlLines('- net.ipv4.tcp_fin_timeout = 5\n', 'systemd').lines[0]).toMatchObject({ rawKey: 'net.ipv4.tcp_fin_timeout', path: 'net/ipv4/tcp_fin_timeout', ignoreFailure: true });
    expect(parseSysctlLines('- net.ipv4.tcp_fin_timeout = 5\n', 'procps').lines[0]).toMatchObject({ rawKey: ' net.ipv4.tcp_fin_timeout', path: ' net/ipv4/tcp_fin_timeout', ignoreFailure: true });
  });

  it('`--key = v`: procps drops a second dash for the path, systemd keeps it', () => {
    expect(parseSysctlLines('--net.ipv4.tcp_fin_timeout = 5\n', 'procps').lines[0]!.path).toBe('net/ipv4/tcp_fin_timeout');
    expect(parseSysctlLines('--net.ipv4.tcp_fin_timeout = 5\n', 'systemd').lines[0]!.path).toBe('-net/ipv4/tcp_fin_timeout');
  });

  it('doubled and trailing separators: procps keeps the spelling, systemd simplifies', () => {
    const text = 'net.ipv4.conf..lo.rp_filter = 1\nnet.ipv4.tcp_fin_timeout. = 2\nnet/ipv4//tcp_syn_retries/ = 3\n';
    expect(parseSysctlLines(text, 'procps').lines.map((l) => l.path)).toEqual(['net/ipv4/conf//lo/rp_filter', 'net/ipv4/tcp_fin_timeout/', 'net/ipv4//tcp_syn_retries/']);
    expect(parseSysctlLines(text, 'systemd').lines.map((l) => l.path)).toEqual(['net/ipv4/conf/lo/rp_filter', 'net/ipv4/tcp_fin_timeout', 'net/ipv4/tcp_syn_retries']);
  });

  it('line ends: systemd also ends a line at a lone CR or a NUL; procps only at LF, and a NUL ends its string', () => {
    const text = 'a.b = 1\rc.d = 2\n\0x.y = 3\ne.f = 4\0 junk\n';
    expect(parseSysctlConf(text, 'systemd').entries.map((e) => [e.line, e.key, e.value])).toEqual([
      [1, 'a.b', '1'],
      [1, 'c.d', '2'],
      [2, 'x.y', '3'],
      [3, 'e.f', '4'],
    ]);
    expect(parseSysctlConf(text, 'systemd').problems).toEqual([{ line: 3, message: 'not an assignment, ignored: junk' }]);
    expect(parseSysctlConf(text, 'procps').entries.map((e) => [e.line, e.key, e.value])).toEqual([
      [1, 'a.b', '1\rc.d = 2'],
      [3, 'e.f', '4'],
    ]);
  });

  it('vertical tab and form feed: blanks to procps (isspace), text to systemd (strstrip " \\t\\n\\r")', () => {
    expect(parseSysctlConf('\va.b = 1\f\n', 'procps').entries.map((e) => [e.key, e.value])).toEqual([['a.b', '1']]);
    expect(parseSysctlConf('\va.b = 1\f\n', 'systemd').entries.map((e) => [e.key, e.value])).toEqual([['\va.b', '1\f']]);
  });

  it('a line of 1 MiB or more ends the file for systemd, not for procps', () => {
    const text = `a.b = 1\nc.d = ${'9'.repeat(LONG_LINE_MAX)}\ne.f = 3\n`;
    expect(parseSysctlConf(text, 'systemd').entries.map((e) => e.key)).toEqual(['a.b']);
    expect(parseSysctlConf(text, 'systemd').problems[0]!.message).toMatch(/stops reading/);
    expect(parseSysctlConf(text, 'procps').entries.map((e) => e.key)).toEqual(['a.b', 'c.d', 'e.f']);
  });

  it('empty text and comment-only text', () => {
    both('', (r) => expect(r).toEqual({ entries: [], problems: [] }));
    both('#\n;\n\n', (r) => expect(r).toEqual({ entries: [], problems: [] }));
  });
});

describe('key spelling', () => {
  it('first separator decides (systemd / procps rule)', () => {
    expect(normaliseSysctlKey('net/ipv4/conf/enp3s0.200/forwarding')).toBe('net.ipv4.conf.enp3s0/200.forwarding');
    expect(normaliseSysctlKey('net.ipv4.conf.enp3s0/200.forwarding')).toBe('net.ipv4.conf.enp3s0/200.forwarding');
    expect(normaliseSysctlKey('  net/ipv4/ip_forward ')).toBe('net.ipv4.ip_forward');
    expect(normaliseSysctlKey('/net//ipv4/./tcp_rmem/')).toBe('net.ipv4.tcp_rmem');
    expect(normaliseSysctlKey('kernel.pid_max')).toBe('kernel.pid_max');
  });

  it('key ↔ proc path', () => {
    expect(keyToProcPath('net.ipv4.conf.enp3s0/200.forwarding')).toBe('net/ipv4/conf/enp3s0.200/forwarding');
    expect(procPathToKey('net/ipv4/conf/enp3s0.200/forwarding')).toBe('net.ipv4.conf.enp3s0/200.forwarding');
  });
});

describe('globs over dotted keys', () => {
  it('isGlob', () => {
    expect(isGlob('net.ipv4.conf.*.rp_filter')).toBe(true);
    expect(isGlob('net.ipv?.x')).toBe(true);
    expect(isGlob('net.ipv[46].x')).toBe(true);
    expect(isGlob('net.ipv4.ip_forward')).toBe(false);
  });

  it('`*` stays inside one component', () => {
    expect(globMatches('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.eth0.rp_filter')).toBe(true);
    expect(globMatches('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.eth0/200.rp_filter')).toBe(true);
    expect(globMatches('net.ipv4.*', 'net.ipv4.conf.all.rp_filter')).toBe(false);
    expect(globMatches('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.all.arp_filter')).toBe(false);
  });

  it('`?`, ranges, negation, escapes', () => {
    expect(globMatches('net.ipv?.conf.all.forwarding', 'net.ipv6.conf.all.forwarding')).toBe(true);
    expect(globMatches('net.ipv[4].conf.all.forwarding', 'net.ipv6.conf.all.forwarding')).toBe(false);
    expect(globMatches('net.ipv4.conf.[!a]*.rp_filter', 'net.ipv4.conf.all.rp_filter')).toBe(false);
    expect(globMatches('net.ipv4.conf.[!a]*.rp_filter', 'net.ipv4.conf.lo.rp_filter')).toBe(true);
    expect(globMatches('net.ipv4.conf.[a-f]*.rp_filter', 'net.ipv4.conf.eth0.rp_filter')).toBe(true);
    expect(globMatches('a.\\*', 'a.*')).toBe(true);
    expect(globMatches('a.\\*', 'a.b')).toBe(false);
    expect(globToRegExp('a.[b').test('a.[b')).toBe(true);
  });
});

describe('systemd lines derived from procps parse (the run without details)', () => {
  it('equal systemd parse on every simple text the oracle grammar makes', () => {
    const r = mulberry32(4242);
    let compared = 0;
    for (let i = 0; i < 400; i++) {
      for (const body of Object.values(randomCase(r, `d${i}`).files)) {
        if (typeof body !== 'string') continue;
        const derived = systemdLinesFromProcps(body, parseSysctlLines(body, 'procps'));
        if (derived === null) continue;
        compared++;
        expect(derived, JSON.stringify(body)).toEqual(parseSysctlLines(body, 'systemd').lines);
      }
    }
    expect(compared).toBeGreaterThan(300);
  });
  it('declines texts whose line ends or blanks the tokenisers read differently', () => {
    for (const t of ['a.b = 1\r\n', 'a.b = 1\0', '\va.b = 1\n', 'a.b = 1\nx']) expect(systemdLinesFromProcps(t, parseSysctlLines(t, 'procps'))).toBeNull();
  });
});
