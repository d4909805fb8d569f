// Types for compact.mjs, which the tests import to check table.ts against the JSON files.
export interface Compact {
  versions: string[];
  sources: string[];
  table: Record<string, unknown[][]>;
}
export function compareVersions(a: string, b: string): number;
export function runtimeFields(fact: Record<string, unknown>): unknown[];
export function buildCompact(dir: string): Compact;
export function renderCompact(c: Compact): string;
export function writeCompact(dir: string): void;
