// What the kernel's own source says about a sysctl at a given version: its handler,
// bounds, scope and constant default, extracted from single-version kernel trees
// by scripts/kernel-facts/extract.mjs (see docs/kernel-data.md). The data lives in
// kernel-data/table.ts as one string with a line per key; a lookup finds the key's
// line and parses only that, so start-up pays nothing and a lookup a few microseconds.

import { SOURCES, TABLE, VERSIONS } from './kernel-data/table.js';

export interface KernelKeyFact {
  key: string;
  /** The covered kernel version this fact was read from (the nearest at or below the one asked). */
  version: string;
  /** The tree it was read from: `owner/repo@commit`. */
  source: string;
  /** The .proc_handler of the entry (`proc_dointvec_minmax`, `ipv4_local_port_range`, …). */
  handler: string | null;
  /** For a custom handler: the proc_do* function it calls. */
  handlerBase?: string;
  scope: 'netns' | 'global';
  /** First covered version where the key is per network namespace (absent when it always was). */
  netnsSince?: string;
  readOnly: boolean;
  /** Bounds the handler enforces (extra1/extra2 or its own temporary table), decimal strings; "1 1" per field. */
  min?: string;
  max?: string;
  /** The default when the init code gives it a constant, as /proc/sys shows it. */
  default?: string;
  /** First covered version with the key, when it is not in the oldest one. */
  addedIn?: string;
  /** First covered version without the key after it existed. */
  removedIn?: string;
}

type Variant = [mask: number, handler: string | null, base: string | null, scope: 'n' | 'g', mode: string | null, min: string | null, max: string | null, dflt: string | null];

const parsed = new Map<string, Variant[] | null>();

/** The variants of one table key, parsed from its line on first use. */
function lookup(name: string): Variant[] | null {
  let v = parsed.get(name);
  if (v === undefined) {
    const at = TABLE.indexOf(`\n${name}\t`);
    v = at < 0 ? null : (JSON.parse(TABLE.slice(at + name.length + 2, TABLE.indexOf('\n', at + 1))) as Variant[]);
    parsed.set(name, v);
  }
  return v;
}

function series(v: string): [number, number] {
  const [a = 0, b = 0] = v.split('.').map(Number);
  return [a, b];
}

/** Index of the covered version for `version`: the newest covered series at or below its series. */
function coveredIndex(version: string): number {
  const [a, b] = series(version);
  let found = -1;
  VERSIONS.forEach((v, i) => {
    const [x, y] = series(v);
    if (x < a || (x === a && y <= b)) found = i;
  });
  return found;
}

/** The table's entry for `key`, or for its device family (`net.ipv4.conf.eth0.x` → `net.ipv4.conf.*.x`). */
function variantsOf(key: string): { name: string; variants: Variant[] } | null {
  if (key.includes('\n') || key.includes('\t')) return null;
  const direct = lookup(key);
  if (direct) return { name: key, variants: direct };
  const parts = key.split('.');
  if (parts.length >= 5 && (parts[2] === 'conf' || parts[2] === 'neigh')) {
    const family = [...parts.slice(0, 3), '*', ...parts.slice(4)].join('.');
    const v = lookup(family);
    if (v) return { name: family, variants: v };
  }
  return null;
}

function variantAt(variants: Variant[], index: number): Variant | undefined {
  return variants.find((v) => Math.floor(v[0] / 2 ** index) % 2 === 1);
}

/**
 * What the kernel source says about `key` on `version` (a coerced `x.y.z`), from the
 * nearest covered release at or below it; null when the key does not exist there or
 * the version is older than every covered tree. Stable kernels carry backports, so a
 * covered 5.4.286 may show what a 5.4.0 did not have yet.
 */
export function kernelKeyFact(key: string, version: string): KernelKeyFact | null {
  const found = variantsOf(key);
  const index = coveredIndex(version);
  if (!found || index < 0) return null;
  const v = variantAt(found.variants, index);
  if (!v) return null;
  const present = VERSIONS.map((_, i) => variantAt(found.variants, i));
  const first = present.findIndex(Boolean);
  let removed = -1;
  for (let i = index + 1; i < VERSIONS.length; i++) {
    if (!present[i]) {
      removed = i;
      break;
    }
  }
  let netnsFrom = -1;
  if (v[3] === 'n') {
    netnsFrom = index;
    while (netnsFrom > 0 && present[netnsFrom - 1]?.[3] === 'n') netnsFrom--;
  }
  const fact: KernelKeyFact = {
    key,
    version: VERSIONS[index]!,
    source: SOURCES[index]!,
    handler: v[1],
    scope: v[3] === 'n' ? 'netns' : 'global',
    readOnly: v[4] !== null && !/[2367]/.test(v[4].slice(-3)),
  };
  if (v[2]) fact.handlerBase = v[2];
  if (netnsFrom > first) fact.netnsSince = VERSIONS[netnsFrom]!;
  if (v[5] !== null) fact.min = v[5];
  if (v[6] !== null) fact.max = v[6];
  if (v[7] !== null) fact.default = v[7];
  if (first > 0) fact.addedIn = VERSIONS[first]!;
  if (removed > 0) fact.removedIn = VERSIONS[removed]!;
  return fact;
}

/** The covered kernel versions, oldest first. */
export function kernelDataVersions(): readonly string[] {
  return VERSIONS;
}

/** Every key the data knows (device families with `*`). */
export function kernelDataKeys(): string[] {
  return [...TABLE.matchAll(/^([^\t\n]+)\t/gm)].map((m) => m[1]!);
}

/** Whether `key` exists at covered version `version` (exactly one of kernelDataVersions()). */
export function kernelKeyPresentAt(key: string, version: string): boolean {
  const found = variantsOf(key);
  const i = VERSIONS.indexOf(version);
  return Boolean(found && i >= 0 && variantAt(found.variants, i));
}
