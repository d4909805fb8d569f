// `--only GLOB[,GLOB]`: which keys a plan may touch. Globs match whole sysctl keys
// (`net.*` crosses dots) and limit items as `limits.<item>` (`limits.nofile`).

export function globToKeyRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Empty list = everything allowed. */
export function makeOnlyMatcher(globs: readonly string[]): (key: string) => boolean {
  if (!globs.length) return () => true;
  const res = globs.map(globToKeyRegExp);
  return (key) => res.some((r) => r.test(key));
}
