// Value handling shared by the engine, rules and profiles. Sysctl values are
// strings with whitespace folded; comparisons are per field.

import type { SysctlTarget, TargetOp } from './types.js';

export function fold(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

export function fields(value: string): string[] {
  const f = fold(value);
  return f === '' ? [] : f.split(' ');
}

/** Integer value of a single-field sysctl; undefined when absent or not an integer. */
export function toInt(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const f = fold(value);
  return /^-?\d+$/.test(f) ? Number(f) : undefined;
}

type FieldOp = 'exact' | 'atLeast' | 'atMost';

/** A field's own `>`/`<` prefix wins over the target's op. */
function splitField(want: string, op: TargetOp): { op: FieldOp; value: string } {
  if (want.startsWith('>')) return { op: 'atLeast', value: want.slice(1) };
  if (want.startsWith('<')) return { op: 'atMost', value: want.slice(1) };
  return { op: op === 'atLeast' || op === 'atMost' ? op : 'exact', value: want };
}

function fieldSatisfies(actual: string, wantRaw: string, targetOp: TargetOp): boolean {
  const { op, value: want } = splitField(wantRaw, targetOp);
  if (op === 'exact') return actual === want;
  const a = Number(actual);
  const w = Number(want);
  if (!Number.isFinite(a) || !Number.isFinite(w)) return actual === want;
  return op === 'atLeast' ? a >= w : a <= w;
}

/** The target's fields without `>`/`<` prefixes: the value knobs would write. */
export function plainValue(values: readonly string[]): string {
  return fields(values[0] ?? '').map((f) => f.replace(/^[<>]/, '')).join(' ');
}

/** Does `actual` meet the target? A stricter or larger-than-needed value does. */
export function satisfies(actual: string, op: TargetOp, values: readonly string[]): boolean {
  const act = fields(actual);
  if (op === 'oneOf') return values.some((v) => fold(v) === fold(actual));
  const want = fields(values[0] ?? '');
  if (act.length !== want.length) return false;
  return act.every((a, i) => fieldSatisfies(a, want[i]!, op));
}

/**
 * The smallest change that meets the target from `actual`: fields already good
 * are kept (a larger buffer max stays larger), the others take the target's field.
 */
export function nearestSatisfying(actual: string | null, op: TargetOp, values: readonly string[]): string {
  const want = fields(values[0] ?? '');
  const plain = want.map((w) => splitField(w, op).value);
  if (op === 'exact' || op === 'oneOf' || actual === null) return plain.join(' ');
  const act = fields(actual);
  if (act.length !== want.length) return plain.join(' ');
  return want.map((w, i) => (fieldSatisfies(act[i]!, w, op) ? act[i]! : plain[i]!)).join(' ');
}

export function describeTarget(t: Pick<SysctlTarget, 'op' | 'values'>): string {
  switch (t.op) {
    case 'atLeast':
      return `at least ${t.values[0]}`;
    case 'atMost':
      return `at most ${t.values[0]}`;
    case 'oneOf':
      return `one of ${t.values.join(' | ')}`;
    case 'exact':
      return `${t.values[0]}`;
    case 'perField':
      return fields(t.values[0] ?? '')
        .map((f) => (f.startsWith('>') ? `≥${f.slice(1)}` : f.startsWith('<') ? `≤${f.slice(1)}` : f))
        .join(' ');
  }
}
