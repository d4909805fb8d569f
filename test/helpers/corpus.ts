// The real-world config corpus, copied byte-exact into test/fixtures/corpus
// (SOURCES.md there says where each file comes from and under which licence).
// Every test reaches it through here, so no test names a path outside the repository.
import fs from 'node:fs';
import path from 'node:path';

export const CORPUS = path.resolve(import.meta.dirname, '../fixtures/corpus');

/** Absolute path of a corpus file or folder: corpusPath('sysctl', 'x.conf'). */
export function corpusPath(...parts: string[]): string {
  return path.join(CORPUS, ...parts);
}

/** A corpus file's text. */
export function readCorpus(...parts: string[]): string {
  return fs.readFileSync(corpusPath(...parts), 'utf8');
}
