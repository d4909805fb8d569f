// What a --root tree holds, to prove that a failed or rolled-back apply left it
// byte for byte as it was. Also compiled into the applier tests' child runner
// (test/apply/_helpers.ts), so it imports nothing but Node.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Every entry under root except knobs' own state: path, type, mode, content hash or link target. */
export function treeListing(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const r = path.join(rel, name);
      if (r === 'var/lib/knobs') continue;
      const abs = path.join(root, r);
      const st = fs.lstatSync(abs);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out.push(`d ${mode} ${r}`);
        walk(r);
      } else if (st.isSymbolicLink()) {
        out.push(`l ${r} -> ${fs.readlinkSync(abs)}`);
      } else {
        out.push(`f ${mode} ${r} ${createHash('sha256').update(fs.readFileSync(abs)).digest('hex').slice(0, 16)}`);
      }
    }
  };
  walk('');
  return out;
}

/** sha256 of treeListing(root). */
export function treeChecksum(root: string): string {
  return createHash('sha256').update(treeListing(root).join('\n')).digest('hex');
}
