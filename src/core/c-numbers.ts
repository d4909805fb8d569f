// The C number parsers the loaders use, reproduced exactly (pure, BigInt so that
// 2^64-1 stays exact): pam_limits reads limits.conf values with glibc strtoull()/strtol()
// (modules/pam_limits/pam_limits.c process_limit, Linux-PAM 1.1.8 .. 1.7.x), systemd reads
// LimitNOFILE= with safe_atou64() (src/basic/parse-util.c safe_atollu_full, v252).
//
// glibc strto[u]l[l] (stdlib/strtol_l.c): skip isspace(), one optional sign, for base 16
// an optional "0x"/"0X", for base 0 the base from the prefix ("0x" 16, "0" 8, else 10),
// then digits of the base. No digit at all: the result is 0 and the end pointer is the
// START of the string (callers test `endptr == s`). Overflow: the maximum and ERANGE.
// strtoull with a leading '-' returns the negation modulo 2^64 ("-5" is 2^64-5), unless
// the unsigned value itself overflowed (then ULLONG_MAX).

export const ULLONG_MAX = (1n << 64n) - 1n;
export const LONG_MAX = (1n << 63n) - 1n;
export const LONG_MIN = -(1n << 63n);
/** RLIM_INFINITY on Linux (rlim_t is 64 bits): ~0UL. */
export const RLIM_INFINITY = ULLONG_MAX;

/** isspace() in the C locale. */
const C_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r']);
export const isCSpace = (c: string | undefined): boolean => c !== undefined && C_SPACE.has(c);

export interface CParse {
  value: bigint;
  /** Characters consumed; 0 when no digit was found (endptr == nptr). */
  consumed: number;
  /** errno was set to ERANGE. */
  erange: boolean;
}

function digitValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 87;
  if (code >= 65 && code <= 90) return code - 55;
  return 99;
}

interface Scan {
  negative: boolean;
  magnitude: bigint;
  digitsEnd: number;
  found: boolean;
}

function scan(s: string, base: number): Scan {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  let b = base;
  const hexPrefix = (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X'));
  if ((b === 0 || b === 16) && hexPrefix && digitValue(s[i + 2] ?? '') < 16) {
    i += 2;
    b = 16;
  } else if (b === 0) {
    b = s[i] === '0' ? 8 : 10;
  }
  let magnitude = 0n;
  const start = i;
  while (i < s.length && digitValue(s[i]!) < b) {
    magnitude = magnitude * BigInt(b) + BigInt(digitValue(s[i]!));
    i++;
  }
  return { negative, magnitude, digitsEnd: i, found: i > start };
}

/** glibc strtoull(s, &end, base). */
export function strtoull(s: string, base = 10): CParse {
  const r = scan(s, base);
  if (!r.found) return { value: 0n, consumed: 0, erange: false };
  if (r.magnitude > ULLONG_MAX) return { value: ULLONG_MAX, consumed: r.digitsEnd, erange: true };
  const value = r.negative ? (ULLONG_MAX + 1n - r.magnitude) & ULLONG_MAX : r.magnitude;
  return { value, consumed: r.digitsEnd, erange: false };
}

/** glibc strtol(s, &end, base) on LP64 (long is 64 bits). */
export function strtol(s: string, base = 10): CParse {
  const r = scan(s, base);
  if (!r.found) return { value: 0n, consumed: 0, erange: false };
  const v = r.negative ? -r.magnitude : r.magnitude;
  if (v > LONG_MAX) return { value: LONG_MAX, consumed: r.digitsEnd, erange: true };
  if (v < LONG_MIN) return { value: LONG_MIN, consumed: r.digitsEnd, erange: true };
  return { value: v, consumed: r.digitsEnd, erange: false };
}

/** systemd's WHITESPACE (src/basic/string-util.h): what safe_ato*() skip in front. */
const SD_WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/**
 * systemd safe_atou64() = safe_atollu_full(s, 0, ...) at v252: leading WHITESPACE
 * skipped, "0b"/"0B" binary and "0o"/"0O" octal prefixes (mangle_base), then strtoull
 * with base 0 ("0x" hex, "0" octal, else decimal); the whole rest must be consumed, and
 * a negative number other than 0 is ERANGE ("-0" is 0).
 */
export function safeAtou64(s: string): { ok: true; value: bigint } | { ok: false; errno: 'EINVAL' | 'ERANGE' } {
  let i = 0;
  while (i < s.length && SD_WHITESPACE.has(s[i]!)) i++;
  let rest = s.slice(i);
  let base = 0;
  if (/^0[bB]/.test(rest)) {
    base = 2;
    rest = rest.slice(2);
  } else if (/^0[oO]/.test(rest)) {
    base = 8;
    rest = rest.slice(2);
  }
  const r = strtoull(rest, base);
  if (r.erange) return { ok: false, errno: 'ERANGE' };
  if (r.consumed === 0 || r.consumed !== rest.length) return { ok: false, errno: 'EINVAL' };
  if (r.value !== 0n && rest[0] === '-') return { ok: false, errno: 'ERANGE' };
  return { ok: true, value: r.value };
}

/** A 64-bit count as a JS number for display and comparison (exact up to 2^53). */
export const toNumber = (v: bigint): number => Number(v);
