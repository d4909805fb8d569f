// What knobs may ever write, in one place: the applier refuses a plan naming
// anything else, and a journal naming anything else is refused before rollback
// restores a byte from it (a journal is only data on disk; if someone else could
// write it, it could name /etc/shadow or kernel.core_pattern).

import { knownKeys } from './catalog.js';
import { LIMITS_DIR, NAME_CANDIDATES, SYSCTL_DIR, UNIT_DIR } from './planner.js';
import { isValidUnitName } from './unit-name.js';

const NAMES: readonly string[] = NAME_CANDIDATES;

/** `/etc/sysctl.d/90-knobs.conf`, `/etc/security/limits.d/99-knobs.conf`, `/etc/systemd/system/<unit>.d/90-knobs.conf`. */
export function isManagedPath(p: string): boolean {
  const slash = p.lastIndexOf('/');
  const dir = p.slice(0, slash);
  const name = p.slice(slash + 1);
  if (!NAMES.includes(name)) return false;
  if (dir === SYSCTL_DIR || dir === LIMITS_DIR) return true;
  if (!dir.startsWith(`${UNIT_DIR}/`) || !dir.endsWith('.d')) return false;
  const unit = dir.slice(UNIT_DIR.length + 1, -2);
  return !unit.includes('/') && isValidUnitName(unit);
}

let catalogue: Set<string> | null = null;

/**
 * Keys knobs may set or restore: the catalogue's, and per-interface settings under
 * net.ipv4.conf / net.ipv6.conf (what a write to ip_forward or conf.default.* changes
 * as a side effect). Network keys are private to a network namespace; nothing else
 * (kernel.core_pattern, vm.*, …) is ever touched by a journal.
 */
export function mayKnobsSet(key: string): boolean {
  catalogue ??= new Set(knownKeys());
  if (catalogue.has(key)) return true;
  return /^net\.ipv[46]\.conf\.[^.\s]+\.[a-z0-9_]+$/.test(key);
}

/** `/etc/sysctl.d` for `/etc/sysctl.d/90-knobs.conf`: the directories a transaction may create and remove again. */
export function mayCreateDir(file: string, dir: string): boolean {
  return file.startsWith(`${dir}/`) && !dir.split('/').includes('..') && (dir === '/etc' || dir.startsWith('/etc/'));
}
