// topK: the k best of n without sorting all n (src/core/top-k.ts), checked against a full sort.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topK } from '../src/core/top-k.js';

describe('topK', () => {
  it('equals sorting everything and taking the first k, for any counts, ties and k', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 200 }), fc.integer({ min: 0, max: 30 }), (counts, k) => {
        // most first, ties by index: a strict total order
        const before = (a: number, b: number) => counts[a]! > counts[b]! || (counts[a] === counts[b] && a < b);
        const keep = (i: number) => counts[i]! > 0;
        const want = counts
          .map((_, i) => i)
          .filter(keep)
          .sort((a, b) => (before(a, b) ? -1 : 1))
          .slice(0, k);
        expect(topK(counts.length, k, before, keep)).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });

  it('handles k = 0, k > n and an empty input', () => {
    const before = (a: number, b: number) => a < b;
    expect(topK(5, 0, before)).toEqual([]);
    expect(topK(3, 10, before)).toEqual([0, 1, 2]);
    expect(topK(0, 3, before)).toEqual([]);
    expect(topK(6, 2, (a, b) => a > b)).toEqual([5, 4]);
  });
});
