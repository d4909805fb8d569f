// Integer constant expressions of C, evaluated with BigInt (fs.file-max's bound is
// LONG_MAX, beyond JavaScript numbers). Identifiers go to a resolver (macros,
// static constants, enum values); anything it cannot resolve makes the whole
// expression non-constant (undefined). Assumes x86_64: long is 64 bits.

const TYPE_SIZES = {
  char: 1n, u8: 1n, s8: 1n, __u8: 1n, bool: 1n,
  short: 2n, u16: 2n, s16: 2n, __u16: 2n, __be16: 2n,
  int: 4n, u32: 4n, s32: 4n, __u32: 4n, __be32: 4n, unsigned: 4n, gid_t: 4n, kgid_t: 4n, uid_t: 4n, kuid_t: 4n,
  long: 8n, u64: 8n, s64: 8n, __u64: 8n, size_t: 8n, ssize_t: 8n, loff_t: 8n, atomic_t: 4n, atomic_long_t: 8n,
};

export const BUILTINS = {
  INT_MAX: 2147483647n, INT_MIN: -2147483648n, UINT_MAX: 4294967295n,
  LONG_MAX: 9223372036854775807n, LONG_MIN: -9223372036854775808n, ULONG_MAX: 18446744073709551615n,
  LLONG_MAX: 9223372036854775807n, ULLONG_MAX: 18446744073709551615n,
  SHRT_MAX: 32767n, USHRT_MAX: 65535n, U8_MAX: 255n, S8_MAX: 127n, U16_MAX: 65535n, S16_MAX: 32767n,
  U32_MAX: 4294967295n, S32_MAX: 2147483647n, U64_MAX: 18446744073709551615n, S64_MAX: 9223372036854775807n,
  PAGE_SIZE: 4096n, PAGE_SHIFT: 12n, BITS_PER_LONG: 64n, BITS_PER_BYTE: 8n,
  // HZ cancels out for the jiffies handlers (value / HZ); 1000 keeps the divisions exact.
  HZ: 1000n, USER_HZ: 100n, MSEC_PER_SEC: 1000n, USEC_PER_SEC: 1000000n, NSEC_PER_SEC: 1000000000n, NSEC_PER_MSEC: 1000000n, USEC_PER_MSEC: 1000n,
  true: 1n, false: 0n, NULL: 0n,
  // x86_64 configuration choices that size some bounds (PID_MAX_LIMIT).
  CONFIG_BASE_SMALL: 0n,
};

function tokenize(s) {
  const toks = [];
  const re = /\s*(0[xX][0-9a-fA-F]+|\d+)([uUlL]*)|\s*([A-Za-z_]\w*)|\s*(<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%()~!<>&|^?:,])|\s*(\S)/gy;
  let m;
  while ((m = re.exec(s))) {
    if (m[1] !== undefined) {
      const t = m[1];
      const v = /^0[xX]/.test(t) ? BigInt(t) : t.length > 1 && t.startsWith('0') ? BigInt('0o' + t.slice(1)) : BigInt(t);
      toks.push({ k: 'num', v, unsigned: /u/i.test(m[2]), bits: /l/i.test(m[2]) ? 64n : 32n });
    } else if (m[3] !== undefined) toks.push({ k: 'id', v: m[3] });
    else if (m[4] !== undefined) toks.push({ k: 'op', v: m[4] });
    else if (m[5] !== undefined) toks.push({ k: 'bad', v: m[5] });
    if (re.lastIndex >= s.length) break;
  }
  return toks;
}

class NotConstant extends Error {}

const TYPE_WORDS = new Set(['unsigned', 'signed', 'int', 'long', 'short', 'char', 'const', 'volatile', ...Object.keys(TYPE_SIZES)]);

/**
 * Evaluates `expr`; `resolve(name)` returns a BigInt, a string (an expression to
 * evaluate in its place) or undefined. Returns a BigInt or undefined.
 */
export function evaluate(expr, resolve, depth = 0) {
  if (depth > 20) return undefined;
  // Unsigned all-ones without modelling C's unsigned types.
  expr = expr
    .replace(/~\s*\(\s*(?:size_t|unsigned\s+long(?:\s+long)?|u64|__u64)\s*\)\s*0\b/g, ' ULONG_MAX ')
    .replace(/~\s*\(\s*(?:unsigned(?:\s+int)?|u32|__u32)\s*\)\s*0\b/g, ' UINT_MAX ');
  const toks = tokenize(expr);
  if (toks.some((t) => t.k === 'bad')) return undefined;
  let i = 0;
  const peek = () => toks[i];
  const take = (v) => {
    const t = toks[i];
    if (!t || (v !== undefined && t.v !== v)) throw new NotConstant();
    i++;
    return t;
  };
  const isTypeStart = (j) => {
    // `( type words [*] )` followed by an operand.
    if (toks[j]?.v !== '(') return false;
    let k = j + 1;
    let words = 0;
    while (toks[k] && toks[k].k === 'id' && (TYPE_WORDS.has(toks[k].v) || /_t$/.test(toks[k].v))) {
      k++;
      words++;
    }
    while (toks[k]?.v === '*') k++;
    const next = toks[k + 1];
    return words > 0 && toks[k]?.v === ')' && next !== undefined && (next.k === 'num' || next.k === 'id' || ['(', '-', '~', '!'].includes(next.v));
  };
  const primary = () => {
    const t = peek();
    if (!t) throw new NotConstant();
    if (t.k === 'num') {
      i++;
      return t.v;
    }
    if (t.v === '(') {
      if (isTypeStart(i)) {
        // Cast: skip the type, keep the value (unsigned casts of negative values are rare in bounds).
        while (peek().v !== ')') i++;
        i++;
        return unary();
      }
      i++;
      const v = ternary();
      take(')');
      return v;
    }
    if (t.k === 'id') {
      i++;
      if (t.v === 'sizeof') {
        const open = take('(');
        void open;
        const words = [];
        while (peek() && peek().v !== ')') words.push(take().v);
        take(')');
        const sized = words.filter((w) => w !== 'unsigned' && w !== 'signed' && w !== 'const' && w !== 'struct');
        if (words.includes('*')) return 8n;
        const size = sized.length === 1 ? TYPE_SIZES[sized[0]] : words.every((w) => TYPE_WORDS.has(w)) ? (words.includes('long') ? 8n : words.includes('short') ? 2n : words.includes('char') ? 1n : 4n) : undefined;
        if (size === undefined) throw new NotConstant();
        return size;
      }
      if (peek()?.v === '(') {
        // A few helper macros with obvious meaning.
        const name = t.v;
        i++;
        const args = [];
        let depthP = 0;
        let start = i;
        while (i < toks.length) {
          const v = toks[i].v;
          if (v === '(') depthP++;
          else if (v === ')') {
            if (depthP === 0) break;
            depthP--;
          } else if (v === ',' && depthP === 0) {
            args.push(toks.slice(start, i));
            start = i + 1;
          }
          i++;
        }
        args.push(toks.slice(start, i));
        take(')');
        const ev = (ts) => {
          const sub = ts.map((x) => (x.k === 'num' ? x.v.toString() : x.v)).join(' ');
          const v = evaluate(sub, resolve, depth + 1);
          if (v === undefined) throw new NotConstant();
          return v;
        };
        switch (name) {
          case 'max': case 'MAX': case '__const_max': { const [a, b] = args.map(ev); return a > b ? a : b; }
          case 'min': case 'MIN': case '__const_min': { const [a, b] = args.map(ev); return a < b ? a : b; }
          case 'max_t': { const [a, b] = args.slice(1).map(ev); return a > b ? a : b; }
          case 'min_t': { const [a, b] = args.slice(1).map(ev); return a < b ? a : b; }
          case 'BIT': case 'BIT_ULL': return 1n << ev(args[0]);
          case 'DIV_ROUND_UP': { const [a, b] = args.map(ev); return (a + b - 1n) / b; }
          case 'msecs_to_jiffies': return ev(args[0]); // HZ=1000 above
          case 'secs_to_jiffies': return ev(args[0]) * 1000n;
          case 'make_kgid': case 'make_kuid': return ev(args[1]);
          case 'KGIDT_INIT': case 'KUIDT_INIT': return ev(args[0]);
          case 'ATOMIC_INIT': case 'ATOMIC_LONG_INIT': return ev(args[0]);
          default: {
            const r = resolve(name + '()');
            if (typeof r === 'function') return r(args.map(ev));
            throw new NotConstant();
          }
        }
      }
      let v = BUILTINS[t.v];
      if (v === undefined) v = resolve(t.v);
      if (typeof v === 'string') v = evaluate(v, resolve, depth + 1);
      if (typeof v !== 'bigint') throw new NotConstant();
      return v;
    }
    throw new NotConstant();
  };
  const unary = () => {
    const t = peek();
    if (t?.v === '-') { i++; return -unary(); }
    if (t?.v === '+') { i++; return unary(); }
    if (t?.v === '~') {
      i++;
      const n = peek();
      // ~0U is UINT_MAX, not -1.
      if (n?.k === 'num' && n.unsigned) { i++; return ((1n << n.bits) - 1n) ^ n.v; }
      return ~unary();
    }
    if (t?.v === '!') { i++; return unary() === 0n ? 1n : 0n; }
    return primary();
  };
  const BIN = [
    ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%'],
  ];
  const binary = (level) => {
    if (level >= BIN.length) return unary();
    let left = binary(level + 1);
    while (peek() && peek().k === 'op' && BIN[level].includes(peek().v)) {
      const op = take().v;
      const right = binary(level + 1);
      switch (op) {
        case '||': left = left !== 0n || right !== 0n ? 1n : 0n; break;
        case '&&': left = left !== 0n && right !== 0n ? 1n : 0n; break;
        case '|': left |= right; break;
        case '^': left ^= right; break;
        case '&': left &= right; break;
        case '==': left = left === right ? 1n : 0n; break;
        case '!=': left = left !== right ? 1n : 0n; break;
        case '<': left = left < right ? 1n : 0n; break;
        case '>': left = left > right ? 1n : 0n; break;
        case '<=': left = left <= right ? 1n : 0n; break;
        case '>=': left = left >= right ? 1n : 0n; break;
        case '<<': left <<= right; break;
        case '>>': left >>= right; break;
        case '+': left += right; break;
        case '-': left -= right; break;
        case '*': left *= right; break;
        case '/': if (right === 0n) throw new NotConstant(); left /= right; break;
        case '%': if (right === 0n) throw new NotConstant(); left %= right; break;
      }
    }
    return left;
  };
  const ternary = () => {
    const c = binary(0);
    if (peek()?.v === '?') {
      i++;
      const a = ternary();
      take(':');
      const b = ternary();
      return c !== 0n ? a : b;
    }
    return c;
  };
  try {
    const v = ternary();
    if (i !== toks.length) return undefined;
    return v;
  } catch (e) {
    if (e instanceof NotConstant) return undefined;
    throw e;
  }
}
