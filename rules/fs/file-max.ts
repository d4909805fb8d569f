// The system-wide file table smaller than one process may open, or nearly full.
import { rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { comparableLimit } from '../../src/core/limits-conf.js';
import { fields, toInt } from '../../src/core/values.js';

const KEY = 'fs.file-max';
const NR = 'fs.file-nr';
const NR_OPEN = 'fs.nr_open';

export default defineRule({
  id: 'fs/file-max',
  keys: [KEY, NR, NR_OPEN],
  severity: 'warning',
  requires: [KEY],
  summary: 'fs.file-max is below a hard nofile limit, or the system file table is more than 80% used',
  explanation:
    'fs.file-max caps open file structures for the whole machine; when it is reached, open(), socket() and accept() ' +
    'fail with ENFILE for every process (except with CAP_SYS_ADMIN) and the kernel logs "VFS: file-max limit N ' +
    'reached". The per-process hard nofile limit (limits.conf lines, or this session\'s own limit) says how many one ' +
    'process may open; a system cap below that means one busy process can exhaust the table for everyone. ' +
    'fs.file-nr reports allocated handles, 0, and the maximum; above 80% use the table is close to full. The default ' +
    'is about one file per 10 KiB of RAM, and systemd may raise it at boot.',
  tradeoffs: 'A file structure is a few hundred bytes of kernel memory and only costs when used: raising the cap is cheap; it is a safety net against one runaway process, not a quota.',
  history: [
    'fs.file-nr: the second field is always 0 since 2.6 (Documentation/admin-guide/sysctl/fs.rst).',
    '4.19: fs.file-max accepts 0..LONG_MAX (2^63−1) (kernel/sysctl.c@4.19.78); systemd ≥ 240 writes LONG_MAX at boot (bump_file_max_and_nr_open(), src/core/main.c@v240), compared here as an exact integer.',
  ],
  references: ['https://docs.kernel.org/admin-guide/sysctl/fs.html', 'man 5 proc'],
  messages: {
    belowHardNofile:
      'fs.file-max {fileMax} is below the hard nofile limit {hard} ({source}): one process may open more files than the whole system allows, and then every process gets ENFILE; raise fs.file-max to at least {hard}',
    nearlyFull:
      'the system file table is {percent}% used ({allocated} of {fileMax} in fs.file-nr): at 100% open() fails with ENFILE everywhere',
  },
  check({ facts, profile, report }) {
    const version = facts.kernel.version;
    const live = facts.sysctl[KEY]?.live ?? null;
    // systemd writes LONG_MAX (2^63−1): compare as exact integers, never as JavaScript numbers.
    const fileMax = live !== null && /^\d+$/.test(live.trim()) ? BigInt(live.trim()) : undefined;
    if (fileMax === undefined) return;
    const nrOpen = toInt(facts.sysctl[NR_OPEN]?.live) ?? 1048576;
    let hard = 0;
    let source = '';
    for (const l of facts.limits.pam) {
      if (l.item !== 'nofile' || l.type === 'soft') continue;
      const v = comparableLimit('nofile', l.value, nrOpen);
      if (v !== undefined && v > hard) {
        hard = v;
        source = `${l.file}:${l.line}`;
      }
    }
    // What the chosen profiles will set: the file table must hold what one process may then open.
    for (const t of profile.limits) {
      if (t.item !== 'nofile' || t.type !== 'hard') continue;
      const v = comparableLimit('nofile', t.value, nrOpen);
      if (v !== undefined && v > hard) {
        hard = v;
        source = `profile ${t.profile} (${t.domain} hard nofile)`;
      }
    }
    const self = facts.limits.self['nofile'];
    if (self) {
      const v = self.hard ?? nrOpen;
      if (v > hard) {
        hard = v;
        source = 'this session\'s hard limit';
      }
    }
    const withChange = (value: bigint) => {
      const s = value.toString();
      const ok = rejectReason(KEY, s, version) === null;
      return { key: KEY, current: live, recommended: s, ...(ok ? { change: { kind: 'sysctl' as const, key: KEY, value: s } } : {}) };
    };
    if (BigInt(hard) > fileMax) report('belowHardNofile', { fileMax: fileMax.toString(), hard, source }, withChange(BigInt(hard)));
    const nr = fields(facts.sysctl[NR]?.live ?? '');
    const allocated = toInt(nr[0]);
    if (allocated !== undefined && fileMax > 0n && BigInt(allocated) * 10n > fileMax * 8n) {
      const doubled = fileMax * 2n;
      report(
        'nearlyFull',
        { percent: Math.round((allocated / Number(fileMax)) * 100), allocated, fileMax: fileMax.toString() },
        withChange(doubled > BigInt(hard) ? doubled : BigInt(hard)),
      );
    }
  },
});
