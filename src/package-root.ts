// Where the installed package lives: its profiles/ and its native addon are found from here.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The nearest ancestor with package.json (works from src/ under vitest, from dist/src and from the dist/ bundles). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return (root = dir);
}
