// Just enough of C to read sysctl tables: comments out, preprocessor directives
// recorded (with the #if nesting each position sits in) and blanked, #define
// bodies kept for expansion, balanced brackets, top-level comma splits.
// Positions are preserved (blanked text keeps its length and newlines) so line
// numbers stay right.

/** Replaces comments with spaces (newlines kept); string and char literals untouched. */
export function stripComments(src) {
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === '/' && d === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '/' && d === '/') {
      let end = src.indexOf('\n', i);
      if (end < 0) end = n;
      out += ' '.repeat(end - i);
      i = end;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c) {
        if (src[j] === '\\') j++;
        if (src[j] === '\n') break;
        j++;
      }
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function lineAt(text, pos) {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Preprocessor lines: returns {text, directives, defines}. `text` has every directive
 * line (with its continuations) blanked; `directives` lists {pos, kind, arg};
 * `defines` maps a name to {params|null, body}.
 */
export function preprocess(src) {
  const text = stripComments(src);
  const directives = [];
  const defines = new Map();
  let out = '';
  let i = 0;
  const n = text.length;
  let lineStart = true;
  // Only the first branch of each conditional is kept (and none of `#if 0`): both
  // branches together often open a brace twice and close it once.
  const branches = [];
  const live = () => branches.every((b) => b.live);
  while (i < n) {
    if (lineStart) {
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
      if (text[j] === '#') {
        // Directive up to an unescaped newline.
        let k = j;
        let body = '';
        while (k < n) {
          if (text[k] === '\\' && text[k + 1] === '\n') {
            body += ' ';
            k += 2;
            continue;
          }
          if (text[k] === '\\' && text[k + 1] === '\r' && text[k + 2] === '\n') {
            body += ' ';
            k += 3;
            continue;
          }
          if (text[k] === '\n') break;
          body += text[k];
          k++;
        }
        const m = /^#\s*(\w+)\s*(.*)$/s.exec(body.trim());
        if (m) {
          const kind = m[1];
          const arg = m[2].trim();
          directives.push({ pos: i, kind, arg });
          if (kind === 'if' || kind === 'ifdef' || kind === 'ifndef') {
            const zero = kind === 'if' && /^0\b/.test(arg);
            branches.push({ live: !zero, taken: !zero });
          } else if (kind === 'elif' || kind === 'else') {
            const b = branches[branches.length - 1];
            if (b) {
              b.live = !b.taken;
              b.taken = true;
            }
          } else if (kind === 'endif') {
            branches.pop();
          } else if (kind === 'define' && live()) {
            const dm = /^(\w+)(\(([^)]*)\))?\s*(.*)$/s.exec(arg);
            if (dm) {
              const params = dm[2] !== undefined ? dm[3].split(',').map((p) => p.trim()).filter(Boolean) : null;
              if (!defines.has(dm[1])) defines.set(dm[1], []);
              defines.get(dm[1]).push({ pos: i, params, body: dm[4].trim() });
            }
          } else if (kind === 'undef' && live()) {
            const name = arg.split(/\s/)[0];
            if (!defines.has(name)) defines.set(name, []);
            defines.get(name).push({ pos: i, undef: true });
          }
        }
        out += text.slice(i, k).replace(/[^\n]/g, ' ');
        i = k;
        continue;
      }
    }
    const c = text[i];
    out += live() || c === '\n' ? c : ' ';
    lineStart = c === '\n';
    i++;
  }
  return { text: out, directives, defines };
}

/**
 * The definitions in force at `pos` (the last #define before it, unless #undef'd),
 * as a Map-like {get(name)}. Conditional branches are not evaluated: the last
 * textual definition wins, which is what the tables in the kernel need.
 */
export function definesAt(defines, pos) {
  return {
    get(name) {
      const list = defines.get(name);
      if (!list) return undefined;
      let found;
      for (const d of list) {
        if (d.pos > pos) break;
        found = d.undef ? undefined : d;
      }
      // A macro defined only after `pos` (tables may use macros defined later is
      // impossible in C, but helper lookups at file level pass pos = Infinity).
      return found;
    },
  };
}

/** The #if conditions enclosing `pos`, outermost first (e.g. ['CONFIG_SYN_COOKIES', '!CONFIG_X']). */
export function conditionsAt(directives, pos) {
  const stack = [];
  for (const d of directives) {
    if (d.pos >= pos) break;
    if (d.kind === 'if' || d.kind === 'ifdef' || d.kind === 'ifndef') {
      const cond = d.kind === 'ifdef' ? `defined(${d.arg})` : d.kind === 'ifndef' ? `!defined(${d.arg})` : d.arg;
      stack.push(cond);
    } else if (d.kind === 'elif') {
      if (stack.length) stack[stack.length - 1] = d.arg;
    } else if (d.kind === 'else') {
      if (stack.length) stack[stack.length - 1] = `!(${stack[stack.length - 1]})`;
    } else if (d.kind === 'endif') {
      stack.pop();
    }
  }
  return stack;
}

/** True when `pos` sits inside an `#if 0` block. */
export function inIfZero(directives, pos) {
  return conditionsAt(directives, pos).some((c) => c.trim() === '0');
}

const OPEN = { '{': '}', '(': ')', '[': ']' };

/** Index just past the bracket that closes the one at `start`. String literals are skipped. */
export function matchBracket(text, start) {
  const stack = [];
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (OPEN[c]) stack.push(OPEN[c]);
    else if (c === '}' || c === ')' || c === ']') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i + 1;
    }
  }
  return -1;
}

/** Splits on commas that are not inside brackets or strings; returns [{text, offset}]. */
export function splitTopLevel(text, sep = ',') {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth--;
    else if (c === sep && depth === 0) {
      parts.push({ text: text.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  parts.push({ text: text.slice(start), offset: start });
  return parts.filter((p) => p.text.trim() !== '');
}

/** Arguments of the call whose '(' is at `open`: [{text, offset}] and the end index. */
export function callArgs(text, open) {
  const end = matchBracket(text, open);
  if (end < 0) return null;
  const inner = text.slice(open + 1, end - 1);
  return { args: splitTopLevel(inner).map((p) => ({ text: p.text.trim(), offset: open + 1 + p.offset })), end };
}

/**
 * Expands function-like macros from `defines` in `text` (rescanning the result),
 * with `#param` stringification and `##` pasting. Object-like macros are expanded
 * only when `objectLike` is true.
 */
export function expandMacros(text, defines, { objectLike = false, depth = 0, active = new Set() } = {}) {
  if (depth > 12) return text;
  let out = '';
  let changed = false;
  const re = /[A-Za-z_]\w*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[\s\S]/g;
  let m;
  while ((m = re.exec(text))) {
    const tok = m[0];
    const def = /^[A-Za-z_]/.test(tok) && !active.has(tok) ? defines.get(tok) : undefined;
    if (!def) {
      out += tok;
      continue;
    }
    if (def.params === null) {
      if (!objectLike) {
        out += tok;
        continue;
      }
      out += ' ' + expandMacros(def.body, defines, { objectLike, depth: depth + 1, active: new Set([...active, tok]) }) + ' ';
      changed = true;
      continue;
    }
    let j = re.lastIndex;
    while (j < text.length && /\s/.test(text[j])) j++;
    if (text[j] !== '(') {
      out += tok;
      continue;
    }
    const call = callArgs(text, j);
    if (!call) {
      out += tok;
      continue;
    }
    const args = call.args.map((a) => a.text);
    // A macro called with no arguments has one empty argument.
    let body = def.body;
    const params = def.params;
    const variadic = params[params.length - 1] === '...';
    const argOf = (name) => {
      if (name === '__VA_ARGS__' && variadic) return args.slice(params.length - 1).join(', ');
      const idx = params.indexOf(name);
      return idx >= 0 ? (args[idx] ?? '') : null;
    };
    // Stringification and pasting first, then plain substitution.
    body = body.replace(/#\s*([A-Za-z_]\w*)/g, (whole, name, off, str) => {
      if (str[off + 1] === '#' || (off > 0 && str[off - 1] === '#')) return whole;
      const a = argOf(name);
      return a === null ? whole : JSON.stringify(a.trim());
    });
    body = body.replace(/[A-Za-z_]\w*/g, (name) => {
      const a = argOf(name);
      return a === null ? name : a;
    });
    body = body.replace(/\s*##\s*/g, '');
    out += ' ' + expandMacros(body, defines, { objectLike, depth: depth + 1, active: new Set([...active, tok]) }) + ' ';
    re.lastIndex = call.end;
    changed = true;
  }
  return changed ? out : text;
}

/** Adjacent string literals joined: `"net/" "ipv4"` → 'net/ipv4'. Null when `expr` is not only string literals. */
export function stringValue(expr) {
  const parts = [...expr.trim().matchAll(/"((?:[^"\\]|\\.)*)"/g)];
  if (parts.length === 0) return null;
  const rest = expr.replace(/"((?:[^"\\]|\\.)*)"/g, '').trim();
  if (rest !== '') return null;
  return parts.map((p) => p[1].replace(/\\(.)/g, '$1')).join('');
}
