// What kind of machine this is: distribution, uptime, and the files that show a
// container, a container host or a Kubernetes node. Only reading here: which
// paths count as signs, and what they mean, is decided in src/core/recommend.ts.

import { ENVIRONMENT_PATHS } from '../core/recommend.js';
import type { SystemFacts } from '../core/types.js';
import type { HostFs } from './host-fs.js';

/** `KEY=value` / `KEY="value"` lines of os-release(5). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    const q = /^"(.*)"$|^'(.*)'$/.exec(v);
    if (q) v = (q[1] ?? q[2] ?? '').replace(/\\(["$`\\])/g, '$1');
    out[m[1]!] = v;
  }
  return out;
}

/** Interface names from /proc/net/dev (two header lines, then `  name: counters`). */
export function parseNetDev(text: string): string[] {
  return text
    .split('\n')
    .slice(2)
    .map((l) => /^\s*([^:\s]+):/.exec(l)?.[1])
    .filter((n): n is string => Boolean(n));
}

function text(fs: HostFs, p: string): string | null {
  const r = fs.tryReadText(p);
  return 'text' in r ? r.text : null;
}

export function readSystemFacts(fs: HostFs): SystemFacts {
  const os = text(fs, '/etc/os-release') ?? text(fs, '/usr/lib/os-release');
  const uptime = Number((text(fs, '/proc/uptime') ?? '').split(/\s+/)[0]);
  const dev = text(fs, '/proc/net/dev');
  return {
    osRelease: os === null ? null : parseOsRelease(os),
    uptimeSeconds: Number.isFinite(uptime) && uptime > 0 ? uptime : null,
    present: ENVIRONMENT_PATHS.filter((p) => fs.exists(p)),
    initCgroup: text(fs, '/proc/1/cgroup')?.trim() ?? null,
    containerManager: text(fs, '/run/systemd/container')?.trim() || null,
    interfaces: dev === null ? [] : parseNetDev(dev),
  };
}
