// The `knobs` executable (bundled to dist/knobs.cjs): loads the CLI bundle
// (dist/knobs-cli.cjs, or the command's own, see OWN_BUNDLE_COMMANDS) with V8's
// code cache and runs it.
//
// Why: start-up is most of what a `knobs audit` or `knobs sockets` costs over SSH
// and in loops over a fleet. As CommonJS, knobs skips the ES module loader (~7 ms
// measured on the benchmark machine), and with the code cache written at build time
// (scripts/bundle.mjs) V8 neither parses nor compiles the bundle again: `knobs
// sockets` on an empty root went from 42 to 25 ms over Node's own start-up. A cache
// V8 rejects (another Node.js) or a missing one costs only that compile.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFor, commandOf, loadBundle, writeCodeCache, type LoadedBundle } from './bundle-loader.js';

const dist = path.dirname(fileURLToPath(import.meta.url));

async function run(): Promise<number> {
  // Build step only: `{"bundle": file, "runs": [argv, ...]}`, the runs to warm its code cache with.
  const warmUp = process.env.KNOBS_WRITE_CODE_CACHE;
  if (warmUp) {
    const { bundle, runs } = JSON.parse(warmUp) as { bundle: string; runs: string[][] };
    await writeCodeCache(bundle, runs);
    return 0;
  }
  // A command's own bundle is only quicker: without it, the shared one runs every command.
  const own = bundleFor(dist, commandOf(process.argv.slice(2)));
  const bundle = existsSync(own) ? own : bundleFor(dist, undefined);
  let loaded: LoadedBundle;
  try {
    loaded = loadBundle(bundle);
  } catch (err) {
    process.stderr.write(`knobs: cannot load ${bundle}: ${(err as Error).message}\n  hint: npm run build\n`);
    return 1;
  }
  // Whether V8 took the code cache (a start-up ~10 ms slower says it did not).
  if (process.env.KNOBS_CODE_CACHE_REPORT) process.stderr.write(`knobs: ${path.basename(bundle)}: code cache ${loaded.cache}\n`);
  return loaded.main(process.argv);
}

// Exit as soon as the command is done: all output went out with write(2) (src/cli/io.ts),
// and waiting for the event loop to drain only ran V8's idle-time garbage collection
// first (measured: ~1.5 ms of `knobs sockets`).
void run().then((code) => process.exit(code));
