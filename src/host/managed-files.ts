// The files knobs may own on this host: `*-knobs.conf` in the directories it writes.

import { LIMITS_DIR, SYSCTL_DIR, UNIT_DIR, unitName, type ExistingFile, type ManagedState } from '../core/planner.js';
import type { HostFs } from './host-fs.js';

function knobsFiles(fs: HostFs, dir: string): ExistingFile[] {
  return (fs.readdir(dir) ?? [])
    .filter((n) => n.endsWith('-knobs.conf'))
    .flatMap((n) => {
      const path = `${dir}/${n}`;
      const content = fs.readText(path);
      return content === null ? [] : [{ path, content }];
    });
}

export function readManagedState(fs: HostFs, services: readonly string[]): ManagedState {
  const dropIns: ManagedState['dropIns'] = {};
  for (const s of services) {
    const unit = unitName(s);
    dropIns[unit] = knobsFiles(fs, `${UNIT_DIR}/${unit}.d`);
  }
  return { sysctl: knobsFiles(fs, SYSCTL_DIR), limits: knobsFiles(fs, LIMITS_DIR), dropIns };
}
