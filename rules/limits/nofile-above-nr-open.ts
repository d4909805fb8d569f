// A hard nofile above fs.nr_open: upstream/RHEL pam_limits refuses the session (nobody in
// that domain can log in or su); Debian/Ubuntu's opens it with the limit silently not applied.
import { rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { RLIM_INFINITY } from '../../src/core/c-numbers.js';
import { comparableLimit, pamValue } from '../../src/core/limits-conf.js';
import { pamBehaviour } from '../../src/core/pam-module.js';
import { toInt } from '../../src/core/values.js';
import type { LimitLine } from '../../src/core/types.js';

const KEY = 'fs.nr_open';
const NR_OPEN_MAX = 2147483584;

export default defineRule({
  id: 'limits/nofile-above-nr-open',
  keys: [KEY],
  severity: 'critical',
  requires: [KEY],
  summary: 'A hard nofile limit above fs.nr_open: logins fail (upstream/RHEL pam) or get no limit at all (Debian/Ubuntu pam)',
  explanation:
    'fs.nr_open is the largest number of file descriptors a process may have, and the ceiling for the hard ' +
    'RLIMIT_NOFILE: setrlimit() with a hard value above it fails with EPERM (kernel/sys.c do_prlimit). pam_limits ' +
    'applies limits.conf and limits.d when a session opens, and what happens next depends on the build. Upstream ' +
    'Linux-PAM and RHEL 7/8/9 add the failure to the module\'s status and refuse the session ("Could not set limit ' +
    'for \'nofile\'", `su: cannot open session: Permission denied`): with "session required pam_limits.so" (the usual ' +
    'setup) every login, ssh session and `su` for that domain fails. Debian and Ubuntu carry patch ' +
    '032_pam_limits_EPERM_NOT_FATAL: the EPERM is logged and the session opens with the nofile limit NOT applied — ' +
    'the session keeps the login service\'s own soft and hard value, so the raise the line was written for silently ' +
    'does not happen. knobs reads which build this host runs from its package database, changelog, os-release and ' +
    'the strings in pam_limits.so. `unlimited`, `infinity` and `-1` become fs.nr_open from Linux-PAM 1.5.2 (and in ' +
    'RHEL 8.6+/9 by backport); older builds pass RLIM_INFINITY, which is above fs.nr_open too. A negative number is ' +
    'not skipped: strtoull reads `-2` as 18446744073709551614. A soft value above the hard value of the same domain ' +
    'is also reported: pam_limits silently lowers soft to hard.',
  tradeoffs:
    'Lowering the line to fs.nr_open loses nothing (no process can exceed nr_open anyway). Raising fs.nr_open ' +
    'first (up to 2147483584 on 64-bit) lets processes open more files; each open descriptor costs kernel memory ' +
    'and the per-process fd table grows with it. Apply the sysctl before the limits line, or the lockout happens ' +
    'in between.',
  history: [
    'kernel/sys.c do_prlimit(): RLIMIT_NOFILE with rlim_max > sysctl_nr_open → -EPERM (3.10 and 6.18).',
    'fs.nr_open default 1048576; maximum min(INT_MAX, SIZE_MAX/sizeof(void *)) & -64 = 2147483584 on 64-bit (fs/file.c).',
    'linux-pam modules/pam_limits/pam_limits.c setup_limits() (v1.1.8 .. v1.7.0): "Could not set limit for \'%s\'", status |= res → PAM_PERM_DENIED.',
    'Debian pam 1.5.2-6+deb12u1 debian/patches-applied/032_pam_limits_EPERM_NOT_FATAL: `if (res == -1 && errno == EPERM) continue;` (also in 1.1.8-3.6, 1.3.1-5, 1.4.0-9, 1.5.3-7); verified with the real su on Debian 12.',
    'linux-pam 3234488f (v1.5.2): unlimited nofile → /proc/sys/fs/nr_open; RHEL backports pam-1.3.1-16.el8 (#2047655), pam-1.5.1-9.el9 (#1989900).',
  ],
  myth: '"Set nofile to 99999999 to never run out" — above fs.nr_open it raises nothing: it makes every login fail, or (Debian/Ubuntu) leaves the old limit in place without a word.',
  references: [
    'https://docs.kernel.org/admin-guide/sysctl/fs.html',
    'https://github.com/linux-pam/linux-pam/blob/v1.5.2/modules/pam_limits/pam_limits.c',
    'https://salsa.debian.org/vorlon/pam/-/blob/debian/1.5.2-6+deb12u1/debian/patches-applied/032_pam_limits_EPERM_NOT_FATAL',
    'man 5 limits.conf',
    'man 2 setrlimit',
  ],
  messages: {
    hardAboveNrOpen:
      '{file}:{line}: {domain} {type} nofile {value} is {asRead}above fs.nr_open ({nrOpen}): setrlimit fails with EPERM and {outcome}. {fix}',
    softAboveHard:
      '{softAt}: {domain} soft nofile {soft} is above the hard limit {hard} ({hardAt}): pam_limits silently lowers soft to {hard}',
  },
  check({ facts, report }) {
    const nrLive = facts.sysctl[KEY]?.live ?? null;
    const nrOpen = toInt(nrLive);
    if (nrOpen === undefined) return;
    const b = pamBehaviour(facts.limits.pamConfig?.module);
    const version = facts.kernel.version;
    const where = (l: LimitLine) => `${l.file}:${l.line}`;
    // Per domain, the line whose hard (and soft) value is in effect: among lines of one domain the later wins.
    const last = new Map<string, { soft?: LimitLine; hard?: LimitLine }>();
    for (const l of facts.limits.pam) {
      if (l.item !== 'nofile') continue;
      const slot = last.get(l.domain) ?? {};
      if (l.type === 'soft' || l.type === '-') slot.soft = l;
      if (l.type === 'hard' || l.type === '-') slot.hard = l;
      last.set(l.domain, slot);
    }
    for (const [domain, { hard }] of last) {
      if (!hard) continue;
      const parsed = pamValue('nofile', hard.value);
      if (parsed.kind === 'invalid') continue;
      const isUnlimitedWord = parsed.kind === 'unlimited' || (parsed.kind === 'number' && parsed.n === RLIM_INFINITY);
      // unlimited: nr_open on ≥ 1.5.2; RLIM_INFINITY (above any nr_open) before; unknown build: say both.
      if (isUnlimitedWord && b.unlimitedNofileIsNrOpen === true) continue;
      const v = parsed.kind === 'number' ? parsed.n : RLIM_INFINITY;
      if (!isUnlimitedWord && v <= BigInt(nrOpen)) continue;
      const unlimitedUnknown = isUnlimitedWord && b.unlimitedNofileIsNrOpen === null;
      const asNumber = isUnlimitedWord ? null : Number(v);
      const raisable = asNumber !== null && asNumber <= NR_OPEN_MAX && rejectReason(KEY, String(asNumber), version) === null;
      const outcome =
        b.epermFatal === true
          ? `this pam_limits (${b.summary}) refuses the session: logins, ssh and su for ${domain} fail`
          : b.epermFatal === false
            ? `this pam_limits (${b.summary}, Debian patch 032) logs it and opens the session with the nofile limit NOT applied: ${domain} keeps the login service's own soft and hard nofile`
            : `upstream Linux-PAM and RHEL refuse the session (logins, ssh and su for ${domain} fail) while Debian and Ubuntu open it with the limit not applied — knobs could not tell which pam_limits this host runs (${b.summary})`;
      const asRead = unlimitedUnknown
        ? 'RLIM_INFINITY on Linux-PAM before 1.5.2 (RHEL 7, RHEL 8 before 8.6, Debian 11, Ubuntu 20.04/22.04), and so '
        : isUnlimitedWord
          ? 'RLIM_INFINITY for this pam_limits (no nr_open substitution before Linux-PAM 1.5.2), '
          : parsed.kind === 'number' && hard.value.trim().startsWith('-')
            ? `read by strtoull as ${v}, `
            : '';
      const fix = isUnlimitedWord
        ? `Write a number up to ${nrOpen} instead.`
        : `Lower it to ${nrOpen}${raisable ? `, or raise fs.nr_open to at least ${asNumber} first` : ` (fs.nr_open cannot go above ${NR_OPEN_MAX}, so only lowering works)`}.`;
      const severity = unlimitedUnknown ? 'warning' : b.epermFatal === false ? 'warning' : 'critical';
      report(
        'hardAboveNrOpen',
        { file: hard.file, line: hard.line, domain, type: hard.type, value: hard.value, nrOpen, asRead, outcome, fix },
        {
          key: KEY,
          current: nrLive,
          recommended: raisable ? String(asNumber) : null,
          severity,
          ...(raisable ? { change: { kind: 'sysctl' as const, key: KEY, value: String(asNumber) } } : {}),
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
