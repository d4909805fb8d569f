// The single executable's main script (a Node.js single executable application,
// built by scripts/dist.mjs): the same as src/launcher.ts, but the CLI bundles and
// their V8 code caches are assets inside the executable instead of files beside it.
//
// The bundles are the very files the npm package ships, and their caches were
// written by the same Node.js binary the executable is made of, so V8 accepts
// them: `knobs audit` starts as fast from the single file as from the npm install
// (measured in `npm run bench`).

import { createRequire } from 'node:module';
import path from 'node:path';
import { bundleFor, commandOf, runBundle } from './bundle-loader.js';
import { asset } from './shipped.js';

function run(): Promise<number> {
  const args = process.argv.slice(2);
  // Asset names are the bundles' file names (bundleFor with an empty directory).
  const name = bundleFor('', commandOf(args));
  const shared = bundleFor('', undefined);
  let source: Buffer;
  let chosen = name;
  try {
    source = asset(name);
  } catch {
    chosen = shared;
    source = asset(shared);
  }
  let cache: Buffer | undefined;
  try {
    cache = asset(`${chosen}.cache`);
  } catch {
    // no cache: compile as usual
  }
  // A file name beside the executable: what __filename and import.meta.url say in the bundle.
  const filename = path.join(path.dirname(process.execPath), chosen);
  // Built-in modules only: the bundles hold everything else (the build checks it).
  const loaded = runBundle(source, cache, filename, createRequire(filename));
  if (process.env.KNOBS_CODE_CACHE_REPORT) process.stderr.write(`knobs: ${chosen}: code cache ${loaded.cache}\n`);
  return loaded.main(process.argv);
}

// As src/launcher.ts: exit as soon as the command is done (all output went out with write(2)).
run().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`knobs: cannot start: ${err.message}\n`);
    process.exit(1);
  },
);
