// Loading the CLI bundle (dist/knobs-cli.cjs) through V8's code cache; used by
// the launcher (src/launcher.ts), the build (scripts/bundle.mjs) and its tests.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type { Io } from './cli/io.js';

export type Main = (argv: string[], io?: Io) => Promise<number>;

export interface LoadedBundle {
  main: Main;
  script: vm.Script;
  /** 'accepted', 'rejected' (another Node.js or V8 flags: compiled as usual) or 'missing'. */
  cache: 'accepted' | 'rejected' | 'missing';
}

export function loadBundle(bundlePath: string, cacheFile = `${bundlePath}.cache`): LoadedBundle {
  const bundle = path.resolve(bundlePath);
  const source = fs.readFileSync(bundle, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // no cache: compile as usual
  }
  // The CommonJS wrapper, as Node's own loader would add it.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    ...(cachedData ? { cachedData } : {}),
  });
  const mod = { exports: {} as { main?: Main } };
  (script.runInThisContext() as (...args: unknown[]) => void)(mod.exports, createRequire(bundle), mod, bundle, path.dirname(bundle));
  if (typeof mod.exports.main !== 'function') throw new Error(`${bundle}: no main export (rebuild with npm run build)`);
  const cache = cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
  return { main: mod.exports.main, script, cache };
}

/**
 * Runs each argv list (output discarded), then writes the code cache with every
 * function those runs compiled, not just the top level.
 */
export async function writeCodeCache(bundle: string, runs: string[][], cacheFile = `${bundle}.cache`): Promise<void> {
  fs.rmSync(cacheFile, { force: true });
  const { main, script } = loadBundle(bundle, cacheFile);
  const quiet: Io = { out: () => {}, err: () => {}, isTTY: false, stdinTTY: false, color: false, env: process.env };
  for (const args of runs) await main(['node', 'knobs', ...args], quiet);
  fs.writeFileSync(cacheFile, script.createCachedData());
}
