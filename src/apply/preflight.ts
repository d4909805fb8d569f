// Checks before a transaction starts, so the common ways an apply cannot work
// (not root, a container's read-only /proc/sys or /etc) are one clear message
// instead of a failed-and-undone transaction.

import fs from 'node:fs';
import path from 'node:path';
import { sysctlAbsPath } from './atomic-write.js';
import { STATE_DIR } from './lock.js';
import type { ApplyScope, Problem } from './types.js';

export interface PreflightOptions {
  /** Effective uid; default process.getuid(). */
  uid?: number;
  /** Sysctl keys to probe for writability; default `net.ipv4.tcp_syncookies`. */
  keys?: string[];
  /** Host paths of the files to be written; default `/etc/sysctl.d/.`. */
  files?: string[];
}

export function preflight(root: string, scope: ApplyScope, opts: PreflightOptions = {}): Problem[] {
  const abs = path.resolve(root);
  const problems: Problem[] = [];
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  if (abs === '/' && uid !== 0) {
    problems.push({
      id: 'not-root',
      message: 'needs root to write /etc/sysctl.d and /proc/sys',
      hint: 'try: sudo knobs …',
    });
    return problems; // everything below would only repeat "permission denied"
  }
  if (scope.runtime) {
    const procSys = path.join(abs, 'proc/sys');
    if (!isDir(procSys)) {
      problems.push({
        id: 'proc-sys-missing',
        message: `${procSys} does not exist, so live values cannot be set`,
        hint: 'use --persist-only to write the files only',
      });
    } else {
      const probe = (opts.keys?.length ? opts.keys : ['net.ipv4.tcp_syncookies'])
        .map((k) => safeSysctlPath(abs, k))
        .find((p): p is string => p !== null && fs.existsSync(p));
      if (writeError(probe ?? procSys) === 'EROFS') {
        problems.push({
          id: 'proc-sys-read-only',
          message: '/proc/sys is mounted read-only (a container?), so live values cannot be set',
          hint: 'use --persist-only to write the files only (the host or the container runtime sets the values), or run knobs on the host',
        });
      }
    }
  }
  if (scope.persist) {
    const targets = opts.files?.length ? opts.files : ['/etc/sysctl.d/.'];
    const ro = targets.map((f) => path.join(abs, path.dirname(f))).find((d) => writeError(nearestExisting(d)) === 'EROFS');
    if (ro) {
      problems.push({
        id: 'etc-read-only',
        message: `${nearestExisting(ro)} is on a read-only file system, so the files cannot be written`,
        hint: 'use --runtime-only to set the live values only (they last until reboot)',
      });
    }
  }
  const state = nearestExisting(path.join(abs, STATE_DIR));
  if (writeError(state) === 'EROFS') {
    problems.push({
      id: 'state-read-only',
      message: `${state} is on a read-only file system, so knobs cannot keep its journal (${path.join('/', STATE_DIR)})`,
      hint: 'make /var/lib writable; knobs does not change anything it could not undo',
    });
  }
  return problems;
}

function safeSysctlPath(root: string, key: string): string | null {
  try {
    return sysctlAbsPath(root, key);
  } catch {
    return null;
  }
}

/** access(2) reports EROFS for a read-only mount even to root, without writing anything. */
function writeError(p: string): string | null {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

function nearestExisting(p: string): string {
  let cur = p;
  while (!fs.existsSync(cur) && path.dirname(cur) !== cur) cur = path.dirname(cur);
  return cur;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
