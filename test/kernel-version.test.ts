import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { coerceKernelVersion, versionAtLeast, versionSatisfies } from '../src/core/kernel-version.js';

describe('kernel versions', () => {
  it.each([
    ['4.18.0-513.el8.x86_64', '4.18.0'],
    ['6.1.0-18-amd64', '6.1.0'],
    ['5.15.0-91-generic', '5.15.0'],
    ['4.4.0-21-generic', '4.4.0'],
    ['3.10.0-1160.el7.x86_64', '3.10.0'],
    ['6.18.44-fc-v669', '6.18.44'],
    ['6.8', '6.8.0'],
    ['garbage', null],
  ])('coerces %s', (release, version) => expect(coerceKernelVersion(release)).toBe(version));

  it('a raw release would fail a plain semver range; the coerced one does not', () => {
    expect(semver.satisfies('4.9.0-19-amd64', '<4.12.0')).toBe(false);
    expect(versionSatisfies(coerceKernelVersion('4.9.0-19-amd64')!, '<4.12.0')).toBe(true);
  });

  it('agrees with semver on comparator ranges and versionAtLeast agrees with gte', () => {
    const v = fc.tuple(fc.nat(7), fc.nat(20), fc.nat(200)).map((t) => t.join('.'));
    const op = fc.constantFrom('<', '<=', '>', '>=', '=', '');
    const range = fc.array(fc.array(fc.tuple(op, v).map(([o, x]) => o + x), { minLength: 1, maxLength: 2 }).map((a) => a.join(' ')), { minLength: 1, maxLength: 2 }).map((a) => a.join(' || '));
    fc.assert(
      fc.property(v, range, (version, r) => {
        expect(versionSatisfies(version, r)).toBe(semver.satisfies(version, r));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(v, v, (a, b) => {
        expect(versionAtLeast(a, b)).toBe(semver.gte(a, b));
      }),
    );
  });

  it('falls back to semver for richer ranges', () => {
    expect(versionSatisfies('4.19.2', '4.x')).toBe(true);
    expect(versionSatisfies('5.4.0', '^4.0.0')).toBe(false);
  });
});
