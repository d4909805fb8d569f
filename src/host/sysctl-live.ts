// Live sysctl values from proc/sys. An absent key is a fact ("absent"), not an
// error; so is a key that cannot be read (some are root-only or write-only).

import { keyToProcPath } from '../core/sysctl-conf.js';
import type { KeyState } from '../core/types.js';
import { fold } from '../core/values.js';
import type { HostFs } from './host-fs.js';

export interface LiveValue {
  live: string | null;
  state: KeyState;
  readOnly?: boolean;
}

export function procSysPath(key: string): string {
  return `/proc/sys/${keyToProcPath(key)}`;
}

export function readLive(fs: HostFs, key: string): LiveValue {
  const path = procSysPath(key);
  const r = fs.tryReadText(path);
  if ('text' in r) {
    const st = fs.stat(path);
    const readOnly = st !== null && (st.mode & 0o222) === 0;
    return { live: fold(r.text), state: 'present', ...(readOnly ? { readOnly: true } : {}) };
  }
  // ECONFINE: a key whose path leaves /proc/sys (`net/../../etc/shadow`) names no sysctl.
  if (r.error === 'ENOENT' || r.error === 'ENOTDIR' || r.error === 'EISDIR' || r.error === 'ECONFINE') return { live: null, state: 'absent' };
  return { live: null, state: 'unreadable' };
}
