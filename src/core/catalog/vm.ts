// Catalogue entries for vm.* keys that real configurations and tuned profiles set.
// Bounds, existence and constant defaults come from the extracted kernel data
// (scripts/kernel-facts/catalog-skeleton.mjs) and are checked against it by
// test/kernel-data.test.ts. vm.* is one value for the whole machine, containers included.
import type { KeyInfo } from '../catalog.js';

const VM_RST = 'Documentation/admin-guide/sysctl/vm.rst';
const WB = 'kernel/sysctl.c@3.10.99, mm/page-writeback.c@7.1.3';
const RATIO_OR_BYTES = 'Setting the _bytes key zeroes the _ratio key and the other way round (dirty_*_handler in mm/page-writeback.c): only the last one written counts.';

export const vmEntries: KeyInfo[] = [
  {
    key: 'vm.dirty_background_bytes',
    meaning: 'Dirty page cache, in bytes, at which background writeback starts. 0 means dirty_background_ratio is used instead.',
    kind: 'int',
    unit: 'bytes',
    bounds: [{ since: '0', min: '1' }],
    defaults: [{ since: '0', value: '0' }],
    scope: 'global',
    history: [`Handler dirty_background_bytes_handler → proc_doulongvec_minmax, 1..… (${WB}); 0 is the default but cannot be written.`, RATIO_OR_BYTES],
  },
  {
    key: 'vm.dirty_background_ratio',
    meaning: 'Dirty page cache, as a percentage of available memory, at which background writeback (flusher threads) starts.',
    kind: 'int',
    unit: '%',
    bounds: [{ since: '0', min: '0', max: '100' }],
    defaults: [{ since: '0', value: '10' }],
    scope: 'global',
    history: [`Handler dirty_background_ratio_handler → proc_dointvec_minmax, 0..100 (${WB}).`, RATIO_OR_BYTES],
  },
  {
    key: 'vm.dirty_bytes',
    meaning: 'Dirty page cache, in bytes, at which a process writing is made to write back itself (throttled). 0 means dirty_ratio is used instead.',
    kind: 'int',
    unit: 'bytes',
    bounds: [{ since: '0', min: '8192' }],
    defaults: [{ since: '0', value: '0' }],
    scope: 'global',
    history: [`Handler dirty_bytes_handler → proc_doulongvec_minmax, 8192..… (${WB}): at least two pages.`, RATIO_OR_BYTES],
  },
  {
    key: 'vm.dirty_expire_centisecs',
    meaning: 'Age (hundredths of a second) after which dirty data is old enough to be written out by the next flusher wake-up.',
    kind: 'int',
    unit: 'cs',
    bounds: [{ since: '0', min: '0' }],
    defaults: [{ since: '0', value: '3000' }],
    scope: 'global',
    history: [`Handler proc_dointvec_minmax, 0..… (${WB}).`],
  },
  {
    key: 'vm.dirty_ratio',
    meaning: 'Dirty page cache, as a percentage of available memory, at which processes writing are throttled and write back themselves.',
    kind: 'int',
    unit: '%',
    bounds: [{ since: '0', min: '0', max: '100' }],
    defaults: [{ since: '0', value: '20' }],
    scope: 'global',
    history: [`Handler dirty_ratio_handler → proc_dointvec_minmax, 0..100 (${WB}).`, RATIO_OR_BYTES],
  },
  {
    key: 'vm.dirty_writeback_centisecs',
    meaning: 'Interval (hundredths of a second) at which the flusher threads wake to write old dirty data; 0 disables periodic writeback.',
    kind: 'int',
    unit: 'cs',
    defaults: [{ since: '0', value: '500' }],
    saneRange: { min: '0', why: 'proc_dointvec takes any integer' },
    scope: 'global',
    history: [`Handler dirty_writeback_centisecs_handler → proc_dointvec, no bounds (${WB}).`],
  },
  {
    key: 'vm.max_map_count',
    meaning:
      'Most memory map areas (mmap regions) a process may have. Elasticsearch/OpenSearch, JVMs with many mapped files and some databases need more than the default.',
    kind: 'int',
    bounds: [{ since: '0', min: '0' }],
    defaults: [{ since: '0', value: '65530' }],
    scope: 'global',
    history: [
      'Handler proc_dointvec_minmax, 0..… (kernel/sysctl.c@3.10.99, mm/mmap.c@7.1.3).',
      'Default DEFAULT_MAX_MAP_COUNT = USHRT_MAX - MAPCOUNT_ELF_CORE_MARGIN = 65530 (include/linux/mm.h).',
      `${VM_RST}: each map costs about 128 bytes of kernel memory only when used.`,
    ],
  },
  {
    key: 'vm.overcommit_memory',
    meaning: 'Memory overcommit policy: 0 heuristic (refuse only obvious overcommits), 1 always allow, 2 strict (commit limit = swap + overcommit_ratio% of RAM).',
    kind: 'int',
    bounds: [{ since: '0', min: '0', max: '2' }],
    defaults: [{ since: '0', value: '0' }],
    scope: 'global',
    history: [
      'Handler proc_dointvec_minmax, 0..2 (kernel/sysctl.c@3.10.99, mm/util.c@7.1.3; overcommit_policy_handler in later trees).',
      'Redis and the EKS AMI (99-amazon.conf, in the test corpus) set 1.',
    ],
  },
  {
    key: 'vm.page-cluster',
    meaning: 'Swap readahead: 2^n pages are read from swap at once (0 reads one page; low values help SSD/zram).',
    kind: 'int',
    bounds: [{ since: '0', min: '0' }, { since: '6.6.0', min: '0', max: '31' }],
    defaultNote: '3 (8 pages), or 2 on machines with less than 16 MiB of RAM (swap_setup() in mm/swap.c).',
    typical: [{ since: '0', value: '3' }],
    scope: 'global',
    history: ['Handler proc_dointvec_minmax, 0..… (kernel/sysctl.c@3.10.99…6.1.158).', 'Between 6.1 and 6.6: 0..31 (kernel/sysctl.c@6.6.9).'],
  },
  {
    key: 'vm.swappiness',
    meaning:
      'How readily the kernel reclaims anonymous memory (swaps) rather than page cache: 0 avoids swapping as long as possible, 100 treats both alike, up to 200 favours swapping (from 5.8).',
    kind: 'int',
    bounds: [{ since: '0', min: '0', max: '100' }, { since: '5.8.0', min: '0', max: '200' }],
    defaults: [{ since: '0', value: '60' }],
    scope: 'global',
    history: [
      'Handler proc_dointvec_minmax, 0..100 (kernel/sysctl.c@3.10.99…5.4.286).',
      '5.8: 0..200 (c843966c556d "mm: allow swappiness that prefers reclaiming anon over the file workingset"; kernel/sysctl.c: 0..100@5.4.286, 0..200@5.10.89).',
      'With cgroup v2 there is no per-cgroup swappiness: every cgroup uses this value (mem_cgroup_swappiness() in include/linux/swap.h@6.1.158).',
    ],
  },
  {
    key: 'vm.unprivileged_userfaultfd',
    meaning: 'Whether unprivileged processes may create userfaultfd objects (used by QEMU post-copy migration and CRIU). 0 limits them to faults from user mode.',
    kind: 'int',
    bounds: [{ since: '0', min: '0', max: '1' }],
    defaults: [{ since: '0', value: '1' }, { since: '5.11.0', value: '0' }],
    scope: 'global',
    addedIn: '5.2.0',
    history: [
      '5.2: added, default 1 (cefdca0a86be "userfaultfd/sysctl: add vm.unprivileged_userfaultfd"; kernel/sysctl.c: absent@4.19.78, present@5.4.286).',
      '5.11: default 1 → 0 with the user-mode-only behaviour of 0 (d0d4730ac2e4 "userfaultfd: add user-mode only option to unprivileged_userfaultfd sysctl knob"; fs/userfaultfd.c: 1@5.10.89, 0@5.15.135).',
    ],
  },
  {
    key: 'vm.vfs_cache_pressure',
    meaning:
      'How hard the kernel reclaims dentry and inode caches relative to page cache: 100 fair, lower keeps them longer, 0 never (can run out of memory), above 100 prefers reclaiming them.',
    kind: 'int',
    bounds: [{ since: '0' }, { since: '5.4.0', min: '0' }],
    defaults: [{ since: '0', value: '100' }],
    scope: 'global',
    history: [
      'Handler proc_dointvec with extra1 = 0, which proc_dointvec does not check (kernel/sysctl.c@3.10.99…4.19.78); between 4.19 and 5.4 proc_dointvec_minmax, 0..… (kernel/sysctl.c@5.4.286, fs/dcache.c@7.1.3).',
      `${VM_RST}: "Increasing vfs_cache_pressure significantly beyond 100 may have negative performance impact."`,
    ],
  },
];
