// Types for extract-tree.mjs as the tests use it.
export const WANTED_PREFIXES: string[];
export function runExtraction(tree: unknown, log: (m: string) => void): { keys: Map<string, Record<string, unknown>>; unresolved: string[] };
