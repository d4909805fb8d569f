// A --root tree that mirrors this host: proc/sys values of every key knobs knows,
// copied from the live /proc/sys, so apply/plan benchmarks see real values.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { knownKeys } from '../src/core/catalog.js';
import { keyToProcPath } from '../src/core/sysctl-conf.js';

export function mirrorHostRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knobs-bench-root-'));
  const put = (p: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  };
  put('proc/sys/kernel/osrelease', fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8'));
  for (const key of knownKeys()) {
    const rel = `proc/sys/${keyToProcPath(key)}`;
    try {
      put(rel, fs.readFileSync(`/${rel}`, 'utf8'));
    } catch {
      /* absent on this kernel: absent in the mirror too */
    }
  }
  for (const f of ['tcp', 'tcp6', 'sockstat', 'netstat']) {
    try {
      put(`proc/net/${f}`, fs.readFileSync(`/proc/net/${f}`, 'utf8'));
    } catch {
      /* not available */
    }
  }
  put('proc/self/limits', fs.readFileSync('/proc/self/limits', 'utf8'));
  fs.mkdirSync(path.join(root, 'etc/sysctl.d'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc/security/limits.d'), { recursive: true });
  fs.mkdirSync(path.join(root, 'var/lib'), { recursive: true });
  return root;
}
