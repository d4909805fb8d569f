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

function compare(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

const COMPARATOR = /^(<=|>=|<|>|=)?(\d+\.\d+\.\d+)$/;

/**
 * Plain comparator ranges (`<4.12.0`, `>=4.6.0 <5.4.0`, `a || b`) on coerced
 * versions are evaluated here exactly; anything richer goes to semver, whose
 * range code costs ~16 ms of start-up and is therefore loaded on first use.
 */
export function versionSatisfies(version: string, range: string): boolean {
  const alternatives = range.split('||').map((alt) => alt.trim().split(/\s+/).filter(Boolean));
  const simple = alternatives.every((alt) => alt.length > 0 && alt.every((c) => COMPARATOR.test(c)));
  if (!simple) return semverSatisfies(version, range);
  return alternatives.some((alt) =>
    alt.every((c) => {
      const [, op = '=', v] = COMPARATOR.exec(c)!;
      const d = compare(version, v!);
      return op === '<' ? d < 0 : op === '<=' ? d <= 0 : op === '>' ? d > 0 : op === '>=' ? d >= 0 : d === 0;
    }),
  );
}

let semverFn: ((v: string, range: string) => boolean) | undefined;

function semverSatisfies(version: string, range: string): boolean {
  semverFn ??= createRequire(import.meta.url)('semver/functions/satisfies') as (v: string, r: string) => boolean;
  return semverFn(version, range);
}
