// A running process close to its own nofile limit: the next accept() or open() fails with EMFILE.
import { defineRule } from '../../src/core/define-rule.js';

export const WARN_SHARE = 0.8;
export const CRITICAL_SHARE = 0.95;

export default defineRule({
  id: 'limits/process-nofile',
  keys: [],
  severity: 'warning',
  summary: 'A running process uses most of its nofile limit: at 100% it fails with "Too many open files"',
  explanation:
    'Every socket, file and pipe a process holds is a descriptor, counted against its own soft RLIMIT_NOFILE ' +
    '(proc/<pid>/limits "Max open files"). At the limit, accept(), socket() and open() fail with EMFILE, "Too many ' +
    'open files": a server stops taking connections while the host looks idle. knobs compares the entries in ' +
    'proc/<pid>/fd with that soft limit: 80% is a warning, 95% critical. Services started by systemd get their ' +
    'limit from LimitNOFILE= (default 1024 soft, 524288 hard since systemd 240), never from limits.conf. A count that ' +
    'keeps growing while traffic does not is a leak, typically sockets left in CLOSE_WAIT: `knobs sockets` names them.',
  tradeoffs:
    'Raising the soft limit is cheap (a descriptor costs kernel memory only when used) but hides a leak for longer; ' +
    'programs that still use select() cannot handle descriptors above 1024, which is why systemd keeps the soft ' +
    'default at 1024 and lets programs raise it to the hard limit themselves.',
  history: [
    'systemd 240: default LimitNOFILE 1024 soft / 524288 hard (only the hard limit raised, for select() users).',
    'The kernel default RLIMIT_NOFILE is 1024 soft / 4096 hard (INR_OPEN_CUR / INR_OPEN_MAX).',
  ],
  references: ['man 5 proc (/proc/pid/limits)', 'man 2 getrlimit', 'man 5 systemd.exec (LimitNOFILE=)', 'https://0pointer.net/blog/file-descriptor-limits.html'],
  messages: {
    nearLimit:
      'pid {pid} ({comm}{unitNote}) has {open} of {soft} descriptors open ({percent}%): at 100% accept() and open() fail with EMFILE. {fix}',
  },
  check({ facts, report }) {
    for (const p of facts.limits.processes ?? []) {
      const soft = p.nofile?.soft;
      if (p.open === null || soft === null || soft === undefined || soft === 0) continue;
      const share = p.open / soft;
      if (share < WARN_SHARE) continue;
      const fix = p.unit
        ? `Raise LimitNOFILE for ${p.unit} (\`knobs plan --profile … --service ${p.unit}\` writes the drop-in), and check for a leak with \`knobs sockets\`.`
        : 'Raise its limit where it is started (limits.d for login sessions, LimitNOFILE= for services) and check for a leak with `knobs sockets`.';
      report(
        'nearLimit',
        { pid: p.pid, comm: p.comm ?? '?', unitNote: p.unit ? `, ${p.unit}` : '', open: p.open, soft, percent: Math.floor(share * 100), fix },
        { key: null, current: `${p.open}/${soft}`, severity: share >= CRITICAL_SHARE ? 'critical' : 'warning' },
      );
    }
  },
});
