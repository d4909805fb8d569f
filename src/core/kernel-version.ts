import { createRequire } from 'node:module';

/**
 * `4.18.0-513.el8.x86_64` → `4.18.0`. A raw release string parses as a semver
 * prerelease, and a prerelease never satisfies a plain range
 * (`semver.satisfies('4.9.0-19-amd64', '<4.12.0')` is false), so always coerce.
 */
export function coerceKernelVersion(release: string): string | null {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release.trim());
  if (!m) return null;
  return `${Number(m[1])}.${Number(m[2])}.${Number(m[3] ?? 0)}`;
}

function parts(v: string): number[] {
  return v.split('.').map(Number);
}

/** Both arguments are coerced `x.y.z` versions, so a numeric compare is exact. */
export function versionAtLeast(version: string, min: string): boolean {
  const a = parts(version);
  const b = parts(min);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

// semver's range code costs ~16 ms of start-up, and most runs never need it
// (key presence decides applicability), so it is loaded on first use.
let satisfiesFn: ((v: string, range: string) => boolean) | undefined;

export function versionSatisfies(version: string, range: string): boolean {
  satisfiesFn ??= createRequire(import.meta.url)('semver/functions/satisfies') as (v: string, r: string) => boolean;
  return satisfiesFn(version, range);
}
