// `--only GLOB[,GLOB]`: which keys a plan may touch. Globs match whole sysctl keys
// (`net.*` crosses dots) and limit items as `limits.<item>` (`limits.nofile`).
//
// Matched without regular expressions: `*`→`.*` lets a backtracking engine take
// exponential time on `**********x` (seconds to minutes). The greedy two-pointer
// match below remembers only the last `*`, so it is O(key × glob) at worst and
// linear for the globs people write.

/** Does `glob` (`*` any run, `?` any one character, everything else literal) match all of `key`? */
export function globMatch(glob: string, key: string): boolean {
  let g = 0;
  let k = 0;
  let star = -1; // position in glob just after the last `*` seen
  let mark = 0; // position in key where that `*` started matching
  while (k < key.length) {
    if (g < glob.length && (glob[g] === '?' || (glob[g] !== '*' && glob[g] === key[k]))) {
      g++;
      k++;
    } else if (g < glob.length && glob[g] === '*') {
      while (g < glob.length && glob[g] === '*') g++; // `**…*` is one `*`
      star = g;
      mark = k;
    } else if (star >= 0) {
      g = star;
      k = ++mark;
    } else return false;
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

/** Empty list = everything allowed. */
export function makeOnlyMatcher(globs: readonly string[]): (key: string) => boolean {
  if (!globs.length) return () => true;
  return (key) => globs.some((g) => globMatch(g, key));
}
