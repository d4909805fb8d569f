// Temporary --root trees that look like a host: proc/sys from the key catalogue
// for a chosen kernel, an empty socket table, limits, and whatever files a test adds.

import fs from 'node:fs';
import path from 'node:path';
import { keyToProcPath } from '../../src/core/sysctl-conf.js';
import { host, type KernelName } from './host.js';
import { tempDir } from './temp.js';

export { treeChecksum } from './tree-listing.js';

export interface FakeRootOptions {
  kernel?: KernelName | string;
  /** Live values; null removes the key. */
  sysctl?: Record<string, string | null>;
  /** Extra files: host path → content. */
  files?: Record<string, string>;
  /** Symlinks: host path → target. */
  links?: Record<string, string>;
  systemd?: boolean;
}

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const TCP6_HEADER = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const SELF_LIMITS =
  'Limit                     Soft Limit           Hard Limit           Units     \n' +
  'Max open files            1024                 524288               files     \n' +
  'Max processes             63704                63704                processes \n';

export function write(root: string, hostPath: string, content: string): void {
  const full = path.join(root, hostPath);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, content);
}

export function fakeRoot(o: FakeRootOptions = {}): string {
  const root = tempDir('knobs-root-');
  const facts = host(o.kernel ?? '6.12', { sysctl: o.sysctl ?? {} });
  write(root, '/proc/sys/kernel/osrelease', facts.kernel.release + '\n');
  for (const [key, f] of Object.entries(facts.sysctl)) {
    if (f.state === 'present' && f.live !== null) write(root, `/proc/sys/${keyToProcPath(key)}`, f.live.replace(/ /g, '\t') + '\n');
  }
  write(root, '/proc/net/tcp', TCP_HEADER);
  write(root, '/proc/net/tcp6', TCP6_HEADER);
  write(root, '/proc/self/limits', SELF_LIMITS);
  fs.mkdirSync(path.join(root, 'etc/sysctl.d'), { recursive: true });
  fs.mkdirSync(path.join(root, 'var/lib'), { recursive: true }); // as on any host: knobs keeps its journal in var/lib/knobs
  if (o.systemd) fs.mkdirSync(path.join(root, 'run/systemd/system'), { recursive: true });
  for (const [p, content] of Object.entries(o.files ?? {})) write(root, p, content);
  for (const [p, target] of Object.entries(o.links ?? {})) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.symlinkSync(target, path.join(root, p));
  }
  return root;
}

