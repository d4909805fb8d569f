// A hard nofile above fs.nr_open makes pam_limits fail the session: nobody in that domain can log in or su.
import { rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { comparableLimit } from '../../src/core/limits-conf.js';
import { toInt } from '../../src/core/values.js';
import type { LimitLine } from '../../src/core/types.js';

const KEY = 'fs.nr_open';
const NR_OPEN_MAX = 2147483584;


export default defineRule({
  id: 'limits/nofile-above-nr-open',
  keys: [KEY],
  severity: 'critical',
  requires: [KEY],
  summary: 'A hard nofile limit above fs.nr_open locks users out (login and su fail)',
  explanation:
    'fs.nr_open is the largest number of file descriptors a process may have, and the ceiling for the hard ' +
    'RLIMIT_NOFILE: setrlimit() with a hard value above it fails with EPERM. pam_limits applies limits.conf and ' +
    'limits.d at session start; when setrlimit fails it logs "Could not set limit for \'nofile\': Operation not ' +
    'permitted" and returns an error, so with "session required pam_limits.so" (the usual setup) every login, ' +
    'ssh session and `su` for that domain is refused — often discovered only when nobody can log in. ' +
    '`unlimited`, `infinity` and `-1` are fine: pam_limits turns them into fs.nr_open. A `-` line sets soft and ' +
    'hard together. A soft value above the hard value of the same domain is also reported: pam_limits silently ' +
    'lowers soft to hard, so the soft value written is not what processes get.',
  tradeoffs:
    'Lowering the line to fs.nr_open loses nothing (no process can exceed nr_open anyway). Raising fs.nr_open ' +
    'first (up to 2147483584 on 64-bit) lets processes open more files; each open descriptor costs kernel memory ' +
    'and the per-process fd table grows with it. Apply the sysctl before the limits line, or the lockout happens ' +
    'in between.',
  history: [
    'kernel/sys.c: setrlimit(RLIMIT_NOFILE) with rlim_max > sysctl_nr_open → EPERM.',
    'fs.nr_open default 1048576; maximum min(INT_MAX, SIZE_MAX/sizeof(void *)) & -64 = 2147483584 on 64-bit (fs/file.c).',
    'Linux-PAM pam_limits: "Could not set limit for \'%s\': %m" then LIMIT_ERR; rlim_cur > rlim_max is clamped to rlim_max.',
  ],
  myth: '"Set nofile to 99999999 to never run out" — above fs.nr_open it does not raise anything, it makes every login fail.',
  references: [
    'https://docs.kernel.org/admin-guide/sysctl/fs.html',
    'man 5 limits.conf',
    'man 8 pam_limits',
    'man 2 setrlimit',
  ],
  messages: {
    hardAboveNrOpen:
      '{file}:{line}: {domain} {type} nofile {value} is above fs.nr_open ({nrOpen}): setrlimit fails with EPERM, pam_limits logs "Could not set limit for \'nofile\'" and refuses the session — logins and su for {domain} fail. Lower it to {nrOpen}{raiseNote}',
    softAboveHard:
      '{softAt}: {domain} soft nofile {soft} is above the hard limit {hard} ({hardAt}): pam_limits silently lowers soft to {hard}',
  },
  check({ facts, report }) {
    const nrLive = facts.sysctl[KEY]?.live ?? null;
    const nrOpen = toInt(nrLive);
    if (nrOpen === undefined) return;
    const version = facts.kernel.version;
    const where = (l: LimitLine) => `${l.file}:${l.line}`;
    const last = new Map<string, { soft?: LimitLine; hard?: LimitLine }>();
    for (const l of facts.limits.pam) {
      if (l.item !== 'nofile') continue;
      const slot = last.get(l.domain) ?? {};
      if (l.type === 'soft' || l.type === '-') slot.soft = l;
      if (l.type === 'hard' || l.type === '-') slot.hard = l;
      last.set(l.domain, slot);
      if (l.type === 'soft') continue;
      const v = comparableLimit('nofile', l.value, nrOpen);
      if (v === undefined || v <= nrOpen) continue;
      const raisable = v <= NR_OPEN_MAX && rejectReason(KEY, String(v), version) === null;
      report(
        'hardAboveNrOpen',
        {
          file: l.file,
          line: l.line,
          domain: l.domain,
          type: l.type,
          value: l.value,
          nrOpen,
          raiseNote: raisable ? `, or raise fs.nr_open to at least ${v} first` : ` (fs.nr_open cannot go above ${NR_OPEN_MAX}, so only lowering works)`,
        },
        {
          key: KEY,
          current: nrLive,
          recommended: raisable ? String(v) : null,
          ...(raisable ? { change: { kind: 'sysctl' as const, key: KEY, value: String(v) } } : {}),
        },
      );
    }
    for (const [domain, { soft, hard }] of last) {
      if (!soft || !hard || soft === hard) continue;
      const s = comparableLimit('nofile', soft.value, nrOpen);
      const h = comparableLimit('nofile', hard.value, nrOpen);
      if (s === undefined || h === undefined || s <= h) continue;
      report(
        'softAboveHard',
        { softAt: where(soft), domain, soft: soft.value, hard: hard.value, hardAt: where(hard) },
        { key: null, current: soft.value, recommended: hard.value, severity: 'warning' },
      );
    }
  },
});
