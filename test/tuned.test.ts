// The tuned profiles in the corpus, read with the same target syntax as knobs profiles.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../src/profiles/parse.js';
import { parseTunedProfile, tunedToKnobsProfile } from '../src/profiles/tuned.js';
import { knobs } from './helpers/cli.js';
import { corpusPath } from './helpers/corpus.js';

const DIR = corpusPath('tuned');
const read = (f: string) => fs.readFileSync(path.join(DIR, f), 'utf8');
const compact = (f: string) => parseTunedProfile(read(f)).sysctl.map((s) => `${s.key} ${s.op} ${s.values.join('|')}`);

const expected: Record<string, { summary: RegExp; include: string; sysctl: string[]; skipped: string[]; other: string[] }> = {
  'debian-tuned-2.20__latency-performance.tuned.conf': {
    summary: /^Optimize for deterministic performance/,
    include: '',
    sysctl: ['vm.dirty_ratio exact 10', 'vm.dirty_background_ratio exact 3', 'vm.swappiness exact 10'],
    skipped: [],
    other: ['cpu'],
  },
  'debian-tuned-2.20__network-latency.tuned.conf': {
    summary: /focused on low latency network performance$/,
    include: 'latency-performance',
    sysctl: ['net.core.busy_read exact 50', 'net.core.busy_poll exact 50', 'net.ipv4.tcp_fastopen exact 3', 'kernel.numa_balancing exact 0'],
    skipped: [],
    other: ['vm', 'bootloader'],
  },
  'debian-tuned-2.20__network-throughput.tuned.conf': {
    summary: /^Optimize for streaming network throughput/,
    include: 'throughput-performance',
    sysctl: ['net.ipv4.tcp_rmem exact 4096 87380 16777216', 'net.ipv4.tcp_wmem exact 4096 16384 16777216'],
    skipped: [],
    other: [],
  },
  'debian-tuned-2.20__openshift.tuned.conf': {
    summary: /^Optimize systems running OpenShift/,
    include: '${f:virt_check:virtual-guest:throughput-performance}',
    sysctl: [
      'net.ipv4.ip_forward exact 1', 'kernel.pid_max atLeast 4194304', 'fs.aio-max-nr atLeast 1048576',
      'net.netfilter.nf_conntrack_max exact 1048576', 'net.ipv4.conf.all.arp_announce exact 2',
      'net.ipv4.neigh.default.gc_thresh1 exact 8192', 'net.ipv4.neigh.default.gc_thresh2 exact 32768',
      'net.ipv4.neigh.default.gc_thresh3 exact 65536', 'net.ipv6.neigh.default.gc_thresh1 exact 8192',
      'net.ipv6.neigh.default.gc_thresh2 exact 32768', 'net.ipv6.neigh.default.gc_thresh3 exact 65536',
      'vm.max_map_count exact 262144',
    ],
    skipped: [],
    other: ['selinux', 'net', 'sysfs', 'scheduler'],
  },
  'debian-tuned-2.20__oracle.tuned.conf': {
    summary: /^Optimize for Oracle RDBMS$/,
    include: 'throughput-performance',
    sysctl: [
      'vm.swappiness exact 10', 'vm.dirty_background_ratio exact 3', 'vm.dirty_ratio exact 40',
      'vm.dirty_expire_centisecs exact 500', 'vm.dirty_writeback_centisecs exact 100', 'kernel.shmmax exact 4398046511104',
      'kernel.shmall exact 1073741824', 'kernel.shmmni exact 4096', 'kernel.sem exact 250 32000 100 128',
      'fs.file-max exact 6815744', 'fs.aio-max-nr exact 1048576', 'net.ipv4.ip_local_port_range exact 9000 65499',
      'net.core.rmem_default exact 262144', 'net.core.rmem_max exact 4194304', 'net.core.wmem_default exact 262144',
      'net.core.wmem_max exact 1048576', 'kernel.panic_on_oops exact 1', 'kernel.numa_balancing exact 0',
    ],
    skipped: [],
    other: ['vm'],
  },
  'debian-tuned-2.20__postgresql.tuned.conf': {
    summary: /^Optimize for PostgreSQL server$/,
    include: 'throughput-performance',
    sysctl: [
      'vm.dirty_background_ratio exact 0', 'vm.dirty_ratio exact 0', 'vm.dirty_background_bytes exact 67108864',
      'vm.dirty_bytes exact 536870912', 'vm.swappiness exact 3', 'kernel.sched_autogroup_enabled exact 0',
    ],
    skipped: [],
    other: ['cpu', 'vm', 'scheduler'],
  },
  'debian-tuned-2.20__throughput-performance.tuned.conf': {
    summary: /^Broadly applicable tuning/,
    include: '',
    sysctl: ['vm.dirty_ratio exact 40', 'vm.dirty_background_ratio exact 10', 'vm.swappiness exact 10', 'net.core.somaxconn atLeast 2048'],
    skipped: ['kernel.numa_balancing'],
    other: ['cpu', 'vm.thunderx', 'disk'],
  },
  'tuned-upstream-v2.28.0-rc.1__throughput-performance.tuned.conf': {
    summary: /^Broadly applicable tuning/,
    include: '',
    sysctl: ['vm.swappiness exact 10', 'net.core.somaxconn atLeast 2048'],
    skipped: ['kernel.numa_balancing'],
    other: ['cpu', 'acpi', 'vm', 'vm.thunderx', 'disk', 'video'],
  },
};

describe('tuned profiles from the corpus', () => {
  it('has an expectation for every file', () => {
    expect(fs.readdirSync(DIR).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [file, want] of Object.entries(expected)) {
    it(file, () => {
      const t = parseTunedProfile(read(file));
      expect(t.summary).toMatch(want.summary);
      expect(t.include).toBe(want.include);
      expect(compact(file)).toEqual(want.sysctl);
      expect(t.skipped.map((s) => s.key)).toEqual(want.skipped);
      expect(t.otherSections).toEqual(want.other);
    });
  }

  it('keeps the comment above a setting as its rationale', () => {
    const s = parseTunedProfile(read('debian-tuned-2.20__latency-performance.tuned.conf')).sysctl.find((x) => x.key === 'vm.swappiness')!;
    expect(s.comment).toMatch(/^The swappiness parameter controls/);
    expect(s.line).toBe(34);
  });

  it('converts to a knobs profile that parses back, carrying over only keys knobs knows', () => {
    const t = parseTunedProfile(read('debian-tuned-2.20__oracle.tuned.conf'));
    const { text, skipped } = tunedToKnobsProfile('oracle', 'oracle/tuned.conf', t);
    const p = parseProfile('oracle', 'oracle.ini', text);
    // Every key of oracle's [sysctl] is in the catalogue now, in tuned's order.
    expect(p.sysctl.map((s) => `${s.key} ${s.op} ${s.values[0]}`)).toEqual(compact('debian-tuned-2.20__oracle.tuned.conf'));
    expect(skipped).toEqual([]);
    // What the catalogue still does not know is skipped and said, never guessed.
    const unknown = tunedToKnobsProfile('x', 'x', parseTunedProfile('[sysctl]\nvm.swappiness=10\nkernel.no_such_key=1\n'));
    expect(parseProfile('x', 'x.ini', unknown.text).sysctl.map((s) => s.key)).toEqual(['vm.swappiness']);
    expect(unknown.skipped).toEqual([{ key: 'kernel.no_such_key', line: 3, reason: 'knobs has no knowledge of this key' }]);
    const tp = tunedToKnobsProfile('tp', 'tp', parseTunedProfile(read('debian-tuned-2.20__throughput-performance.tuned.conf')));
    expect(parseProfile('tp', 'tp.ini', tp.text).sysctl.find((t) => t.key === 'net.core.somaxconn')).toMatchObject({ op: 'atLeast', values: ['2048'] });
  });

  it('knobs profiles --from-tuned prints the profile and lists what it left out', () => {
    const r = knobs(['profiles', '--from-tuned', path.join(DIR, 'debian-tuned-2.20__throughput-performance.tuned.conf')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('net.core.somaxconn = >2048');
    expect(r.stdout).toContain('vm.swappiness = 10');
    expect(r.stderr).toMatch(/skipped kernel\.numa_balancing \(line 71\): conditional unit \[sysctl\.thunderx\]/);
  });

  // The three profiles most hosts start from keep every key now that the catalogue knows vm.*, kernel.* and busy polling.
  it.each([
    ['debian-tuned-2.20__latency-performance.tuned.conf', ['vm.dirty_ratio = 10', 'vm.dirty_background_ratio = 3', 'vm.swappiness = 10'], []],
    ['debian-tuned-2.20__network-latency.tuned.conf', ['net.core.busy_read = 50', 'net.core.busy_poll = 50', 'net.ipv4.tcp_fastopen = 3', 'kernel.numa_balancing = 0'], []],
    ['debian-tuned-2.20__throughput-performance.tuned.conf', ['vm.dirty_ratio = 40', 'vm.dirty_background_ratio = 10', 'vm.swappiness = 10', 'net.core.somaxconn = >2048'], ['kernel.numa_balancing']],
  ])('knobs profiles --from-tuned %s keeps the keys the catalogue knows', (file, kept, skipped) => {
    const r = knobs(['profiles', '--from-tuned', path.join(DIR, file)]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^[a-z].* = /.test(l) && !l.startsWith('summary'))).toEqual(kept);
    expect([...r.stderr.matchAll(/^skipped (\S+)/gm)].map((m) => m[1])).toEqual(skipped);
    // The output is a profile knobs itself accepts.
    expect(parseProfile('t', 't.ini', r.stdout).sysctl.length).toBe(kept.length);
  });

  it('says when a tuned profile includes another, whose settings are not carried over', () => {
    const r = knobs(['profiles', '--from-tuned', path.join(DIR, 'debian-tuned-2.20__network-latency.tuned.conf')]);
    expect(r.stderr).toContain('includes latency-performance');
  });
});
