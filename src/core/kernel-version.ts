import semver from 'semver';

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

export function versionAtLeast(version: string, min: string): boolean {
  return semver.gte(version, min);
}

export function versionSatisfies(version: string, range: string): boolean {
  return semver.satisfies(version, range);
}
