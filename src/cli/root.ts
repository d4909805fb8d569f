// `--root DIR` must name a directory; checked before every command runs. Kept
// apart from context.ts so that the check costs no module loading at start-up.

import fs from 'node:fs';
import { UserError } from '../errors.js';

export function checkRoot(root: string): void {
  const st = fs.statSync(root, { throwIfNoEntry: false });
  if (!st) throw new UserError(`--root ${root}: no such directory`);
  if (!st.isDirectory()) throw new UserError(`--root ${root}: not a directory`, 'point --root at a directory laid out like / (proc/sys, etc, var/lib)');
}
