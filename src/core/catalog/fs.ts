// Catalogue entries for fs.* keys that real configurations and tuned profiles set.
// Bounds, existence and constant defaults come from the extracted kernel data
// (scripts/kernel-facts/catalog-skeleton.mjs) and are checked against it by
// test/kernel-data.test.ts. fs.* is one value for the whole machine.
import type { KeyInfo } from '../catalog.js';

const FS_RST = 'Documentation/admin-guide/sysctl/fs.rst';
const PROTECTED = 'systemd\'s sysctl.d/50-default.conf and Debian\'s procps 99-protect-links.conf set the protected_* keys (both in the test corpus).';

export const fsEntries: KeyInfo[] = [
  {
    key: 'fs.aio-max-nr',
    meaning: 'Most asynchronous I/O requests (io_setup() contexts\' events) in flight system-wide; io_setup() fails with EAGAIN beyond it. Databases (Oracle, ScyllaDB, Ceph OSDs) raise it.',
    kind: 'int',
    defaults: [{ since: '0', value: '65536' }],
    scope: 'global',
    history: ['Handler proc_doulongvec_minmax, no bounds (kernel/sysctl.c@3.10.99, fs/aio.c@7.1.3).', `${FS_RST}: aio-nr shows the current count.`],
  },
  {
    key: 'fs.inotify.max_user_instances',
    meaning: 'Most inotify instances (inotify_init() file descriptors) per user. Kubernetes nodes and hosts with many file-watching processes raise it.',
    kind: 'int',
    bounds: [{ since: '0', min: '0' }, { since: '5.15.0', min: '0', max: '2147483647' }],
    defaults: [{ since: '0', value: '128' }],
    scope: 'global',
    history: [
      'Handler proc_dointvec_minmax, 0..… (fs/notify/inotify/inotify_user.c@3.10.99…5.10.89).',
      'Between 5.10 and 5.15: proc_doulongvec_minmax, 0..INT_MAX (fs/notify/inotify/inotify_user.c@5.15.135).',
      'Counted per user (ucounts); the sysctl is the initial user namespace\'s limit (.data = &init_user_ns.ucount_max[UCOUNT_INOTIFY_INSTANCES] in fs/notify/inotify/inotify_user.c@6.1.158).',
    ],
  },
  {
    key: 'fs.inotify.max_user_watches',
    meaning: 'Most inotify watches per user; each watch costs kernel memory (about 1 KiB on 64-bit). IDEs, file sync tools and Kubernetes nodes raise it.',
    kind: 'int',
    bounds: [{ since: '0', min: '0' }, { since: '5.15.0', min: '0', max: '2147483647' }],
    defaults: [{ since: '0', value: '8192' }, { since: '5.11.0', value: null }],
    defaultNote: 'from 5.11: 1% of RAM divided by the cost of a watch, between 8192 and 1048576 (inotify_user_setup() in fs/notify/inotify/inotify_user.c@6.1.158); 8192 before.',
    scope: 'global',
    history: [
      'Handler proc_dointvec_minmax, 0..… (fs/notify/inotify/inotify_user.c@3.10.99…5.10.89).',
      'Between 5.10 and 5.15: proc_doulongvec_minmax, 0..INT_MAX (fs/notify/inotify/inotify_user.c@5.15.135).',
      '5.11: default scaled with RAM (92890123749b "inotify: Increase default inotify.max_user_watches limit to 1048576"; watches_max = clamp(…, 8192, 1048576) in inotify_user_setup()@6.1.158).',
    ],
  },
  {
    key: 'fs.protected_fifos',
    meaning: 'Refuse O_CREAT opens of FIFOs in world-writable sticky directories (/tmp) owned by someone else: 0 off, 1 for world-writable directories, 2 also group-writable ones.',
    kind: 'int',
    bounds: [{ since: '0', min: '0', max: '2' }],
    defaults: [{ since: '0', value: '0' }],
    scope: 'global',
    addedIn: '4.19.0',
    history: ['4.19: added with protected_regular (30aba6656f61 "namei: allow restricted O_CREAT of FIFOs and regular files"; kernel/sysctl.c: absent@4.18.0, present@4.19.78).', 'Handler proc_dointvec_minmax, 0..2 (kernel/sysctl.c@4.19.78, fs/namei.c@7.1.3).', PROTECTED],
  },
  {
    key: 'fs.protected_hardlinks',
    meaning: '1: users may only hard-link files they own or can read and write, closing /tmp hard-link attacks.',
    kind: 'int',
    bounds: [{ since: '0', min: '0', max: '1' }],
    defaults: [{ since: '0', value: '0' }],
    scope: 'global',
    history: ['Handler proc_dointvec_minmax, 0..1 (kernel/sysctl.c@3.10.99, fs/namei.c@7.1.3).', PROTECTED],
  },
  {
    key: 'fs.protected_regular',
    meaning: 'Like protected_fifos for regular files: refuse O_CREAT opens of existing files in sticky world-writable (1) or also group-writable (2) directories owned by someone else.',
    kind: 'int',
    bounds: [{ since: '0', min: '0', max: '2' }],
    defaults: [{ since: '0', value: '0' }],
    scope: 'global',
    addedIn: '4.19.0',
    history: ['4.19: added with protected_fifos (30aba6656f61; kernel/sysctl.c: absent@4.18.0, present@4.19.78).', 'Handler proc_dointvec_minmax, 0..2 (kernel/sysctl.c@4.19.78, fs/namei.c@7.1.3).', PROTECTED],
  },
  {
    key: 'fs.protected_symlinks',
    meaning: '1: in sticky world-writable directories, follow a symlink only if its owner is the follower or the directory\'s owner, closing /tmp symlink races.',
    kind: 'int',
    bounds: [{ since: '0', min: '0', max: '1' }],
    defaults: [{ since: '0', value: '0' }],
    scope: 'global',
    history: ['Handler proc_dointvec_minmax, 0..1 (kernel/sysctl.c@3.10.99, fs/namei.c@7.1.3).', PROTECTED],
  },
  {
    key: 'fs.suid_dumpable',
    meaning: 'Core dumps of setuid or otherwise privileged processes: 0 none, 1 dumped like any other (debug only), 2 readable by root only (needs an absolute core_pattern or a pipe).',
    kind: 'int',
    bounds: [{ since: '0', min: '0', max: '2' }],
    defaults: [{ since: '0', value: '0' }],
    scope: 'global',
    history: ['Handler proc_dointvec_minmax_coredump → proc_dointvec_minmax, 0..2 (kernel/sysctl.c@3.10.99, fs/exec.c@7.1.3).', 'systemd-coredump\'s 50-coredump.conf sets 2 (in the test corpus).'],
  },
];
