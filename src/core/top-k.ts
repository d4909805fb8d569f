// The k best of n items without sorting them all. The tables of `knobs sockets`
// show the top N of up to hundreds of thousands of peers or clients; sorting (and
// formatting) every one of them cost more than reading the socket table did.

/**
 * Indices in [0, n) of the k items that rank first, best first. `before(a, b)`: item
 * a ranks before item b (a strict total order); `keep(i)`: item i is a candidate at
 * all. O(n log k).
 */
export function topK(n: number, k: number, before: (a: number, b: number) => boolean, keep?: (i: number) => boolean): number[] {
  if (k <= 0) return [];
  // A heap with the worst kept item at the root: a newcomer only has to beat it.
  const heap: number[] = [];
  for (let i = 0; i < n; i++) {
    if (keep && !keep(i)) continue;
    if (heap.length < k) {
      heap.push(i);
      let j = heap.length - 1;
      while (j > 0) {
        const parent = (j - 1) >> 1;
        if (!before(heap[parent]!, heap[j]!)) break;
        [heap[parent], heap[j]] = [heap[j]!, heap[parent]!];
        j = parent;
      }
      continue;
    }
    if (!before(i, heap[0]!)) continue;
    heap[0] = i;
    let j = 0;
    for (;;) {
      const l = 2 * j + 1;
      const r = l + 1;
      let worst = j;
      if (l < heap.length && before(heap[worst]!, heap[l]!)) worst = l;
      if (r < heap.length && before(heap[worst]!, heap[r]!)) worst = r;
      if (worst === j) break;
      [heap[worst], heap[j]] = [heap[j]!, heap[worst]!];
      j = worst;
    }
  }
  return heap.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
}
