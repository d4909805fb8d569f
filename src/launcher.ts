// The `knobs` executable (bundled to dist/knobs.cjs): loads the CLI bundle
// (dist/knobs-cli.cjs) with V8's code cache and runs it.
//
// Why: start-up is most of what a `knobs audit` or `knobs sockets` costs over SSH
// and in loops over a fleet. As CommonJS, knobs skips the ES module loader (~7 ms
// measured on the benchmark machine), and with a code cache written at build time
// (scripts/bundle.mjs) V8 neither parses nor compiles the bundle again: another
// ~10 ms. A cache V8 rejects (a different Node.js, changed flags) or a missing one
// costs only that compile; the result is the same.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { Io } from './cli/io.js';

type Main = (argv: string[], io?: Io) => Promise<number>;

const here = path.dirname(fileURLToPath(import.meta.url));
const bundle = path.join(here, 'knobs-cli.cjs');
export const CODE_CACHE = `${bundle}.cache`;

function load(): { main: Main; script: vm.Script } {
  const source = fs.readFileSync(bundle, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(CODE_CACHE);
  } catch {
    // no cache: compile as usual
  }
  // The CommonJS wrapper, as Node's own loader would add it.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    ...(cachedData ? { cachedData } : {}),
  });
  const mod = { exports: {} as { main?: Main } };
  (script.runInThisContext() as (...args: unknown[]) => void)(mod.exports, createRequire(bundle), mod, bundle, here);
  if (typeof mod.exports.main !== 'function') throw new Error(`${bundle}: no main export (rebuild with npm run build)`);
  return { main: mod.exports.main, script };
}

/**
 * Build step (scripts/bundle.mjs): KNOBS_WRITE_CODE_CACHE holds a JSON list of
 * argv lists; each runs with output discarded, then the cache is written with
 * every function those runs compiled.
 */
async function writeCodeCache(spec: string): Promise<number> {
  fs.rmSync(CODE_CACHE, { force: true });
  const { main, script } = load();
  const quiet: Io = { out: () => {}, err: () => {}, isTTY: false, stdinTTY: false, color: false, env: process.env };
  for (const args of JSON.parse(spec) as string[][]) await main(['node', 'knobs', ...args], quiet);
  fs.writeFileSync(CODE_CACHE, script.createCachedData());
  return 0;
}

async function run(): Promise<number> {
  const spec = process.env.KNOBS_WRITE_CODE_CACHE;
  if (spec) return writeCodeCache(spec);
  let main: Main;
  try {
    main = load().main;
  } catch (err) {
    process.stderr.write(`knobs: cannot load ${bundle}: ${(err as Error).message}\n  hint: npm run build\n`);
    return 1;
  }
  return main(process.argv);
}

void run().then((code) => {
  process.exitCode = code;
});
