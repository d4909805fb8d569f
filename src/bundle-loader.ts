// Loading a CLI bundle (dist/knobs-cli.cjs, or a command's own) through V8's code
// cache; used by the launcher (src/launcher.ts), the build (scripts/bundle.mjs) and
// its tests.

import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type { Io } from './cli/io.js';

export { commandOf } from './cli/command-word.js';

export type Main = (argv: string[], io?: Io) => Promise<number>;

export interface LoadedBundle {
  main: Main;
  script: vm.Script;
  /** 'accepted', 'rejected' (another Node.js or V8 flags: compiled as usual) or 'missing'. */
  cache: 'accepted' | 'rejected' | 'missing';
}

/**
 * Commands with a bundle of their own (dist/knobs-<command>.cjs, with its code
 * cache), holding only that command: V8 deserializes a whole cache, one entry per
 * function of the bundle, before running anything (~2.2 ms for the shared one,
 * measured), and `knobs sockets` runs in monitoring loops.
 */
export const OWN_BUNDLE_COMMANDS: readonly string[] = ['sockets'];

/** The bundle that runs `command`: its own, or the shared dist/knobs-cli.cjs. */
export function bundleFor(distDir: string, command: string | undefined): string {
  const own = command !== undefined && OWN_BUNDLE_COMMANDS.includes(command);
  return path.join(distDir, own ? `knobs-${command}.cjs` : 'knobs-cli.cjs');
}

export function loadBundle(bundlePath: string, cacheFile = `${bundlePath}.cache`): LoadedBundle {
  const bundle = path.resolve(bundlePath);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // no cache: compile as usual
  }
  return runBundle(fs.readFileSync(bundle), cachedData, bundle, createRequire(bundle));
}

/**
 * Runs a bundle's text as Node's CommonJS loader would, with `require` for its
 * requires: from a file (above), or from the single executable's assets
 * (src/sea-launcher.ts).
 */
export function runBundle(bytes: Buffer, cachedData: Buffer | undefined, filename: string, require: NodeJS.Require): LoadedBundle {
  // The CommonJS wrapper, as Node's own loader would add it.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${sourceText(bytes)}\n})`, {
    filename,
    ...(cachedData ? { cachedData } : {}),
  });
  const mod = { exports: {} as { main?: Main } };
  (script.runInThisContext() as (...args: unknown[]) => void)(mod.exports, require, mod, filename, path.dirname(filename));
  if (typeof mod.exports.main !== 'function') throw new Error(`${filename}: no main export (rebuild with npm run build)`);
  const cache = cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
  return { main: mod.exports.main, script, cache };
}

/**
 * The bundle's text. The build keeps it pure ASCII (scripts/bundle.mjs), so it is
 * decoded as Latin-1 into a one-byte V8 string: a single non-ASCII character would
 * make V8 hold the whole source as two-byte, and decoding and loading it cost ~2 ms
 * more (measured on 500 KB). Anything else is still decoded as UTF-8.
 */
export function sourceText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
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
