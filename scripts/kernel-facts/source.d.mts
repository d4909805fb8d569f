// Types for source.mjs as the tests use it.
export class DirTree {
  constructor(dir: string);
}
export class GitTree {
  constructor(gitDir: string, rev: string);
}
