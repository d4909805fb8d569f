// CLOSE_WAIT sockets nobody could be named for: the processes that may hold them could not be inspected.
import { defineRule } from '../../src/core/define-rule.js';
import { fmtN } from '../../src/core/socket-census.js';

export default defineRule({
  id: 'sockets/close-wait-uninspectable',
  keys: [],
  severity: 'info',
  needs: ['socketCensus'],
  summary: 'CLOSE_WAIT sockets have no known owner because some processes could not be inspected',
  explanation:
    '`knobs sockets` names the process behind each CLOSE_WAIT socket the way `ss -p` does: it reads the links in ' +
    '/proc/<pid>/fd and matches `socket:[inode]` against the socket table. Reading another process\'s descriptors ' +
    'needs ptrace read access to it (PTRACE_MODE_READ_FSCREDS): a user who is not root is refused other users\' ' +
    'processes and those that are not dumpable, and even root is refused a process that is not dumpable or lives ' +
    'in another user namespace when it lacks CAP_SYS_PTRACE over it (a container\'s root). This rule says how many ' +
    'CLOSE_WAIT sockets are left without an owner and why, so the report\'s table of holders is not read as complete.',
  tradeoffs:
    'Run knobs as root to name every holder on an ordinary host; inside a container, run it where the processes ' +
    'are visible with the capability (the host, or `nsenter` into their namespaces).',
  history: [
    'Linux 6.18.32 (codesnas/linux-6.18.y e3187436e) fs/proc/base.c: proc_pid_readlink(), which reads the /proc/<pid>/fd links, fails with EACCES unless proc_fd_access_allowed(), i.e. ptrace_may_access(task, PTRACE_MODE_READ_FSCREDS).',
  ],
  references: ['man 5 proc (/proc/pid/fd)', 'man 2 ptrace (ptrace access mode checking)'],
  messages: {
    unowned:
      '{unowned} CLOSE_WAIT socket(s) have no known owner: {processes} process(es) could not be inspected ({why})',
  },
  check({ facts, report }) {
    const cw = facts.sockets.census?.closeWait;
    if (!cw || cw.unowned === 0 || cw.uninspectable.length === 0) return;
    report(
      'unowned',
      { unowned: fmtN(cw.unowned), processes: cw.uninspectable.length, why: cw.uninspectable[0]!.why },
      { key: null, current: String(cw.unowned) },
    );
  },
});
