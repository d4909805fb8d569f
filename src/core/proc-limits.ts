// /proc/<pid>/limits (fs/proc/base.c proc_pid_limits): a header line, then one row
// per rlimit printed as "%-25s %-20s %-20s %-10s" — name, soft, hard, unit. Names
// contain spaces and two rows (nice, realtime priority) have no unit, so rows are
// matched by their known names rather than split on whitespace. Pure.

import type { RLimit } from './types.js';

/** Kernel row names → the short item names limits.conf uses. */
export const PROC_LIMIT_NAMES: Readonly<Record<string, string>> = {
  'Max cpu time': 'cpu',
  'Max file size': 'fsize',
  'Max data size': 'data',
  'Max stack size': 'stack',
  'Max core file size': 'core',
  'Max resident set': 'rss',
  'Max processes': 'nproc',
  'Max open files': 'nofile',
  'Max locked memory': 'memlock',
  'Max address space': 'as',
  'Max file locks': 'locks',
  'Max pending signals': 'sigpending',
  'Max msgqueue size': 'msgqueue',
  'Max nice priority': 'nice',
  'Max realtime priority': 'rtprio',
  'Max realtime timeout': 'rttime',
};

/** Units the kernel prints per row (bytes for sizes, seconds for cpu, us for rttime). */
export const PROC_LIMIT_UNITS: Readonly<Record<string, string>> = {
  cpu: 'seconds', fsize: 'bytes', data: 'bytes', stack: 'bytes', core: 'bytes', rss: 'bytes',
  nproc: 'processes', nofile: 'files', memlock: 'bytes', as: 'bytes', locks: 'locks',
  sigpending: 'signals', msgqueue: 'bytes', nice: '', rtprio: '', rttime: 'us',
};

function limitValue(s: string): number | null | undefined {
  if (s === 'unlimited') return null;
  if (/^\d+$/.test(s)) return Number(s);
  return undefined;
}

/**
 * Parse /proc/<pid>/limits text into `{ nofile: {soft, hard}, ... }` (null = unlimited).
 * Unknown rows (a future kernel) are kept under a name derived from the row text.
 */
export function parseProcLimits(text: string): Record<string, RLimit> {
  const out: Record<string, RLimit> = {};
  for (const row of text.split('\n')) {
    if (row.trim() === '' || row.startsWith('Limit ')) continue;
    let name: string | undefined;
    let rest: string;
    const known = Object.keys(PROC_LIMIT_NAMES).find((n) => row.startsWith(n + ' '));
    if (known !== undefined) {
      name = PROC_LIMIT_NAMES[known];
      rest = row.slice(known.length);
    } else {
      // Fixed columns: name in the first 25 characters.
      const raw = row.slice(0, 25).trim();
      if (raw === '') continue;
      name = raw.replace(/^Max /, '').toLowerCase().replace(/\s+/g, '_');
      rest = row.slice(25);
    }
    const [softS = '', hardS = ''] = rest.trim().split(/\s+/);
    const soft = limitValue(softS);
    const hard = limitValue(hardS);
    if (name === undefined || soft === undefined || hard === undefined) continue;
    out[name] = { soft, hard };
  }
  return out;
}
