// What a knobs installation carries with it: the shipped profiles, the sock_diag
// addon and the prompts bundle. From an npm install or a checkout they are files
// of the package (package.json's directory); in the single executable (a Node.js
// single executable application, scripts/dist.mjs) they are assets inside it.
//
// Why one module: the single executable has no package directory, and every
// place that finds a shipped file must make the same choice.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { packageRoot } from './package-root.js';

/** The subset of node:sea knobs uses (Node.js ≥ 20.12). */
interface Sea {
  isSea(): boolean;
  getRawAsset(key: string): ArrayBuffer | string;
}

let sea: Sea | null | undefined;

/** node:sea when running as the single executable, else null. */
export function singleExecutable(): Sea | null {
  if (sea !== undefined) return sea;
  try {
    const mod = createRequire(import.meta.url)('node:sea') as Sea;
    sea = mod.isSea() ? mod : null;
  } catch {
    sea = null; // a Node.js 20 before 20.12 has no node:sea: never a single executable
  }
  return sea;
}

/** An asset of the single executable, as bytes (no copy). */
export function asset(key: string): Buffer {
  const s = singleExecutable();
  if (!s) throw new Error(`not a single executable: no asset ${key}`);
  const raw = s.getRawAsset(key);
  return typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw);
}

/** Asset names, shared with scripts/dist.mjs, which packs them. */
export const ASSETS = {
  /** {"<name>": "<text of profiles/<name>.ini>"} */
  profiles: 'profiles.json',
  addon: 'sock_diag.node',
} as const;

export interface ShippedProfile {
  name: string;
  /** Where it comes from, as shown to the user: `profiles/<name>.ini`. */
  file: string;
  read(): string;
}

/** The profiles that ship with knobs, by name. */
export function shippedProfiles(): ShippedProfile[] {
  if (singleExecutable()) {
    const texts = JSON.parse(asset(ASSETS.profiles).toString('utf8')) as Record<string, string>;
    return Object.keys(texts)
      .sort()
      .map((name) => ({ name, file: `profiles/${name}.ini`, read: () => texts[name]! }));
  }
  const dir = path.join(packageRoot(), 'profiles');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ini'))
    .sort()
    .map((f) => ({ name: f.slice(0, -4), file: `profiles/${f}`, read: () => fs.readFileSync(path.join(dir, f), 'utf8') }));
}

/** Where the npm install and the checkout keep the addon, relative to the package. */
export const ADDON_FILE = 'build/Release/sock_diag.node';

/**
 * Loads the sock_diag addon: its exports, or a sentence saying why not.
 *
 * In the single executable the addon is an asset, and the dynamic loader needs a
 * file: it is written to a private temporary file (a fresh 0700 directory from
 * mkdtemp, the file created with O_EXCL | O_NOFOLLOW, mode 0500), loaded, and
 * removed at once, directory included, whatever happened. A Debian install also
 * has it as /usr/lib/knobs/sock_diag.node beside the executable, which is loaded
 * directly when it is root's (no temporary file, and it works where every
 * temporary directory is mounted noexec).
 */
export function loadAddon(): { exports: unknown } | string {
  if (!singleExecutable()) {
    const file = path.join(packageRoot(), ADDON_FILE);
    try {
      return dlopen(file);
    } catch (err) {
      return fs.existsSync(file) ? `${file}: ${(err as Error).message}` : `not built (${ADDON_FILE}: npm run build:native)`;
    }
  }
  const installed = installedAddon();
  if (installed) {
    try {
      return dlopen(installed);
    } catch {
      // fall through to the copy inside the executable
    }
  }
  return dlopenFromTemporaryFile(asset(ASSETS.addon));
}

function dlopen(file: string): { exports: unknown } {
  const mod = { exports: {} as unknown };
  process.dlopen(mod, file);
  return mod;
}

/**
 * <dir of the executable>/../lib/knobs/sock_diag.node (/usr/bin/knobs →
 * /usr/lib/knobs/), when it and its directory belong to root or to this user and
 * nobody else may write them: otherwise another user could plant code in it.
 */
function installedAddon(): string | null {
  let exe: string;
  try {
    exe = fs.realpathSync(process.execPath);
  } catch {
    return null;
  }
  const file = path.join(path.dirname(exe), '..', 'lib', 'knobs', 'sock_diag.node');
  const uid = process.geteuid?.() ?? 0;
  for (const p of [file, path.dirname(file)]) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return null;
    }
    if (st.isSymbolicLink() || (st.uid !== 0 && st.uid !== uid) || (st.mode & 0o022) !== 0) return null;
  }
  return file;
}

function dlopenFromTemporaryFile(bytes: Buffer): { exports: unknown } | string {
  const tried: string[] = [];
  for (const base of temporaryDirs()) {
    let dir: string;
    try {
      dir = fs.mkdtempSync(path.join(base, 'knobs-'));
    } catch (err) {
      tried.push(`${base}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      continue;
    }
    const file = path.join(dir, 'sock_diag.node');
    try {
      const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
      const fd = fs.openSync(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o500);
      try {
        fs.writeFileSync(fd, bytes);
      } finally {
        fs.closeSync(fd);
      }
      return dlopen(file);
    } catch (err) {
      // A noexec mount refuses to map the file: say so, try the next directory.
      const why = (err as Error).message.split('\n')[0]!.replace(`${file}: `, '');
      tried.push(`${base}: ${why}${/failed to map segment/.test(why) ? ' (mounted noexec?)' : ''}`);
    } finally {
      // The loaded library stays mapped; its name goes at once.
      try {
        fs.rmSync(file, { force: true });
        fs.rmdirSync(dir);
      } catch {
        // left behind: a 0700 directory only this user can enter
      }
    }
  }
  return `inside the single executable could not be loaded from a temporary file (${tried.join('; ')})`;
}

/** Where a private temporary file may go: $TMPDIR (or /tmp), then $XDG_RUNTIME_DIR and /dev/shm. */
function temporaryDirs(): string[] {
  const dirs = [os.tmpdir(), process.env.XDG_RUNTIME_DIR, '/dev/shm'].filter((d): d is string => Boolean(d));
  return [...new Set(dirs)];
}

/**
 * A CommonJS bundle shipped beside the running one (dist/<name>), or as an asset
 * of the single executable: the build makes `@inquirer/prompts` such a bundle
 * (scripts/bundle.mjs), loaded on the first prompt only.
 */
export function requireShippedBundle(name: string, besideDir: string): unknown {
  const file = path.join(singleExecutable() ? path.dirname(process.execPath) : besideDir, name);
  const require = createRequire(file);
  if (!singleExecutable()) return require(file);
  const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${asset(name).toString('latin1')}\n})`, { filename: file });
  const mod = { exports: {} as unknown };
  (wrapper as (...args: unknown[]) => void)(mod.exports, require, mod, file, path.dirname(file));
  return mod.exports;
}
