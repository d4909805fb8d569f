// Two spellings of one sysctl value: what the kernel stores is the same.

import { keyInfo } from './catalog.js';
import { fields, fold } from './values.js';

/** The value as the kernel would print it back: whitespace folded, integers by value, port lists without spaces. */
export function canonicalValue(key: string, value: string): string {
  const v = fold(value);
  if (keyInfo(key)?.kind === 'portlist') return v.replace(/\s/g, '');
  // Integers compare by value ("08" and "8", "+1" and "1" are written the same way by the kernel).
  return fields(v)
    .map((f) => (/^[+-]?\d+$/.test(f) ? String(Number(f)) : f))
    .join(' ');
}

export function sameValue(key: string, a: string, b: string): boolean {
  return canonicalValue(key, a) === canonicalValue(key, b);
}
