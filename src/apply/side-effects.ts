// Before a transaction writes a sysctl whose handler changes other keys too
// (src/core/kernel-side-effects.ts), read the before-values of every key it can
// change, so that undo can put them back: rolling back net.ipv4.ip_forward = 1
// must also give net.ipv4.conf.all.accept_redirects its old value, which the
// kernel reset when ip_forward was written (and resets again when it is restored).

import fs from 'node:fs';
import path from 'node:path';
import { hasSideEffects, interfaceNames, writeSideEffects, type Interfaces } from '../core/kernel-side-effects.js';
import { foldValue, readSysctl, sysctlAbsPath } from './atomic-write.js';
import type { JournalSysctl } from './types.js';

function confEntries(root: string, family: 'ipv4' | 'ipv6'): string[] {
  try {
    return fs.readdirSync(path.join(root, 'proc/sys/net', family, 'conf'));
  } catch {
    return [];
  }
}

export function readInterfaces(root: string): Interfaces {
  return { ipv4: interfaceNames(confEntries(root, 'ipv4')), ipv6: interfaceNames(confEntries(root, 'ipv6')) };
}

/**
 * The keys `planned` writes change as a side effect, with their values now (each key
 * once, in the order first met). Keys that cannot be read are recorded with a null
 * previous value: undo then reports them instead of guessing.
 */
export function inspectSideEffects(root: string, planned: readonly { key: string; value: string; previous: string | null }[]): JournalSysctl[] {
  if (!planned.some((p) => hasSideEffects(p.key))) return [];
  const ifaces = readInterfaces(root);
  const exists = (key: string) => {
    try {
      return fs.statSync(sysctlAbsPath(root, key)).isFile();
    } catch {
      return false;
    }
  };
  const out: JournalSysctl[] = [];
  const seen = new Set<string>();
  for (const p of planned) {
    for (const e of writeSideEffects(p.key, p.value, p.previous, ifaces, exists)) {
      if (seen.has(e.key)) continue;
      seen.add(e.key);
      const live = readSysctl(root, e.key);
      out.push({
        key: e.key,
        previous: 'value' in live ? live.value : null,
        previousRaw: 'value' in live ? live.raw : null,
        value: foldValue(e.value),
        sideEffectOf: p.key,
      });
    }
  }
  return out;
}
