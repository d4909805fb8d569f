// Extracts the sysctls of one kernel source tree: every `struct ctl_table` in the
// scanned C files, where each table is registered (path; per network namespace or
// not), and per entry its handler, bounds (extra1/extra2, or the bounds a custom
// handler applies through a temporary table) and the default when the variable
// behind it gets a constant in the init code.
//
// What is mechanical and what is not, so a reader can judge the data:
// - Tables, entries, handlers, modes and bounds are read from the source as written.
// - Paths follow register_*sysctl*() calls, one level of wrapper functions, `.child`
//   nesting (old kernels), `struct ctl_path` arrays and "net/ipv4/conf/%s"-style
//   paths (the device becomes `*`).
// - Scope: a table registered for every namespace (not `&init_net`) is per
//   namespace for entries whose data lives in `struct net` (`init_net.…`, re-pointed
//   per namespace, or looked up by the handler); an entry there whose data is a
//   plain global variable is one value for the machine (nf_conntrack_max).
// - Defaults: the static initialiser or the assignments found for the variable
//   (or the `struct net` field); a value is given only when every assignment is
//   the same constant. Jiffies handlers are converted to what /proc shows.
import { conditionsAt, callArgs, definesAt, expandMacros, inIfZero, lineAt, matchBracket, preprocess, splitTopLevel, stringValue } from './cparse.mjs';
import { evaluate } from './evaluate.mjs';

export const WANTED_PREFIXES = ['net.ipv4.', 'net.ipv6.', 'net.core.', 'net.netfilter.', 'fs.', 'vm.', 'kernel.'];

// Files that can hold the tables we want. Other architectures and most drivers only
// register dev.* or arch-specific keys.
export const SCAN_PATHSPECS = [
  '*.c',
  ':(exclude)arch/alpha', ':(exclude)arch/arc', ':(exclude)arch/arm', ':(exclude)arch/arm64', ':(exclude)arch/csky',
  ':(exclude)arch/hexagon', ':(exclude)arch/ia64', ':(exclude)arch/loongarch', ':(exclude)arch/m68k', ':(exclude)arch/microblaze',
  ':(exclude)arch/mips', ':(exclude)arch/nios2', ':(exclude)arch/openrisc', ':(exclude)arch/parisc', ':(exclude)arch/powerpc',
  ':(exclude)arch/riscv', ':(exclude)arch/s390', ':(exclude)arch/sh', ':(exclude)arch/sparc', ':(exclude)arch/um',
  ':(exclude)arch/xtensa', ':(exclude)arch/avr32', ':(exclude)arch/blackfin', ':(exclude)arch/cris', ':(exclude)arch/frv',
  ':(exclude)arch/h8300', ':(exclude)arch/m32r', ':(exclude)arch/metag', ':(exclude)arch/mn10300', ':(exclude)arch/score',
  ':(exclude)arch/tile', ':(exclude)arch/unicore32', ':(exclude)arch/c6x', ':(exclude)arch/nds32',
  ':(exclude)tools', ':(exclude)samples', ':(exclude)Documentation', ':(exclude)scripts',
  ':(exclude)drivers/gpu', ':(exclude)drivers/net', ':(exclude)drivers/scsi', ':(exclude)drivers/infiniband',
  ':(exclude)drivers/staging', ':(exclude)drivers/md', ':(exclude)drivers/parport', ':(exclude)drivers/cdrom',
  ':(exclude)drivers/hv', ':(exclude)drivers/xen', ':(exclude)drivers/macintosh', ':(exclude)drivers/s390',
];
const DEFINE_PATHSPECS = ['include', 'arch/x86/include', 'net', 'kernel', 'mm', 'fs', 'ipc', 'security', 'drivers/char', 'drivers/tty', 'lib', 'init', 'block'];
const DEFAULT_PATHSPECS = ['*.c', ...SCAN_PATHSPECS.slice(1), ':(exclude)drivers'];

// register function → which argument is which.
const REGISTRARS = {
  register_net_sysctl: { net: 0, path: 1, table: 2 },
  register_net_sysctl_sz: { net: 0, path: 1, table: 2 },
  register_sysctl: { path: 0, table: 1 },
  register_sysctl_sz: { path: 0, table: 1 },
  register_sysctl_init: { path: 0, table: 1 },
  __register_sysctl_init: { path: 0, table: 1 },
  register_sysctl_paths: { ctlpath: 0, table: 1 },
  register_sysctl_table: { table: 0 },
  __register_sysctl_base: { table: 0 },
  register_sysctl_base: { table: 0, tableSuffix: '_base_table' },
};

const INT_HANDLER = /^proc_do(u?int|u8|ulong)vec|jiffies/;

/** Boot and per-namespace init code: `__init`/`__net_init` functions, or named so. */
function isInitFunction(fn) {
  return /\b__(?:net_)?init\b/.test(fn.header) || /init/i.test(fn.name);
}

class CFile {
  constructor(path, src) {
    this.path = path;
    const pp = preprocess(src);
    this.text = pp.text;
    this.directives = pp.directives;
    this.defineLists = pp.defines;
    this.lineStarts = [0];
    for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    this.scanTopLevel();
  }

  line(pos) {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  defs(pos = Infinity) {
    return definesAt(this.defineLists, pos);
  }

  /** Top-level blocks: functions (name, params, body) and initialisers (header text, body). */
  scanTopLevel() {
    this.functions = [];
    this.initialisers = [];
    this.structs = new Map();
    const t = this.text;
    let stmtStart = 0;
    let i = 0;
    while (i < t.length) {
      const c = t[i];
      if (c === '"' || c === "'") {
        i++;
        while (i < t.length && t[i] !== c) {
          if (t[i] === '\\') i++;
          i++;
        }
        i++;
        continue;
      }
      if (c === ';') {
        stmtStart = i + 1;
        i++;
        continue;
      }
      if (c === '{') {
        const end = matchBracket(t, i);
        if (end < 0) break;
        const header = t.slice(stmtStart, i);
        const fm = /(\w+)\s*\(((?:[^()]|\([^()]*\))*)\)\s*(?:__\w+(?:\([^)]*\))?\s*)*$/.exec(header);
        if (fm && !/=\s*$/.test(header) && !/\bstruct\s+\w+\s*$/.test(header)) {
          const params = splitTopLevel(fm[2]).map((p) => (/(\w+)\s*(\[[^\]]*\])?\s*$/.exec(p.text)?.[1] ?? ''));
          this.functions.push({ name: fm[1], params, start: i, end, header });
          stmtStart = end;
          i = end;
          continue;
        }
        const sm = /\bstruct\s+(\w+)\s*$/.exec(header);
        if (sm && !/=/.test(header)) {
          this.structs.set(sm[1], t.slice(i + 1, end - 1));
        } else if (/=\s*$/.test(header)) {
          this.initialisers.push({ header, start: i, end });
        }
        // Skip past the block and its declarator tail up to ';'.
        i = end;
        continue;
      }
      i++;
    }
  }

  functionAt(pos) {
    return this.functions.find((f) => f.start <= pos && pos < f.end) ?? null;
  }

  functionNamed(name) {
    return this.functions.find((f) => f.name === name) ?? null;
  }
}

/** The struct type a function declares `name` with (`struct nf_proto_net *pn` → nf_proto_net). */
function varType(f, fn, name) {
  const text = fn.header + f.text.slice(fn.start, fn.end);
  return new RegExp(`\\bstruct\\s+(\\w+)\\s*\\*\\s*(?:const\\s+)?${name}\\b`).exec(text)?.[1] ?? null;
}

/** Splits `.field = value` designated initialisers of one brace block. */
function fieldsOf(block) {
  const inner = block.trim().replace(/^\{/, '').replace(/\}$/, '');
  const out = {};
  for (const p of splitTopLevel(inner)) {
    const m = /^\s*\.(\w+)\s*=\s*([\s\S]*)$/.exec(p.text);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

export class TreeExtractor {
  constructor(tree, { log = () => {} } = {}) {
    this.tree = tree;
    this.log = log;
    this.files = new Map();
    this.headerDefines = new Map(); // name → body
    this.missing = new Set();
    this.missingGlobals = new Set();
  }

  load() {
    const paths = this.tree.filesMatching('ctl_table', SCAN_PATHSPECS);
    this.log(`${paths.length} files with ctl_table`);
    this.tree.readMany(paths);
    for (const p of paths) {
      const src = this.tree.read(p);
      if (src !== null) this.files.set(p, new CFile(p, src));
    }
    // sysctl_vals / sysctl_long_vals (the SYSCTL_* bound constants) live in one of these.
    for (const f of ['kernel/sysctl.c', 'fs/proc/proc_sysctl.c']) {
      if (!this.files.has(f) && this.tree.exists(f)) this.files.set(f, new CFile(f, this.tree.read(f)));
    }
    this.indexTables();
  }

  indexTables() {
    this.tables = new Map(); // name → [{file, name, start, end, entries}]
    for (const f of this.files.values()) {
      this.addBaseTables(f);
      const memberTables = new Map(); // struct type → member names of ctl_table arrays
      for (const [type, body] of f.structs) {
        const members = [...body.matchAll(/\b(?:struct\s+)?ctl_table\s+(\w+)\s*\[/g)].map((m) => m[1]);
        if (members.length) memberTables.set(type, members);
      }
      for (const init of f.initialisers) {
        const tm = /\b(?:struct\s+)?ctl_table\s+(\w+)\s*\[[^\]]*\]\s*(?:__\w+\s*)*=\s*$/.exec(init.header);
        if (tm) {
          this.addTable(f, tm[1], init.start, init.end);
          continue;
        }
        const sm =
          /\bstruct\s+(\w+)\s+(?:__\w+\s+)*(\w+)\s*(?:__\w+\s*)*=\s*$/.exec(init.header) ??
          /\bstruct\s+(\w+)\s*\{[\s\S]*\}\s*(?:__\w+\s*)*(\w+)\s*(?:__\w+\s*)*=\s*$/.exec(init.header);
        if (sm && memberTables.has(sm[1])) {
          const body = f.text.slice(init.start, init.end);
          for (const member of memberTables.get(sm[1])) {
            const mm = new RegExp(`\\.${member}\\s*=\\s*\\{`).exec(body);
            if (!mm) continue;
            const open = init.start + mm.index + mm[0].length - 1;
            const close = matchBracket(f.text, open);
            if (close > 0) this.addTable(f, `${sm[2]}.${member}`, open, close);
          }
        }
      }
    }
  }

  /**
   * 6.1 declares the roots of kernel/, vm/, fs/ through a header macro,
   * DECLARE_SYSCTL_BASE(kernel, kern_table): a one-entry table `kernel_base_table`
   * whose child is kern_table.
   */
  addBaseTables(f) {
    for (const m of f.text.matchAll(/\bDECLARE_SYSCTL_BASE\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)/g)) {
      const entry = { index: 0, designator: null, procname: m[1], fields: { procname: `"${m[1]}"`, mode: '0555', child: m[2] }, pos: m.index, conditions: conditionsAt(f.directives, m.index) };
      const list = this.tables.get(`${m[1]}_base_table`) ?? [];
      list.push({ file: f, name: `${m[1]}_base_table`, start: m.index, end: m.index + m[0].length, entries: [entry] });
      this.tables.set(`${m[1]}_base_table`, list);
    }
  }

  addTable(f, name, start, end) {
    if (inIfZero(f.directives, start)) return;
    const inner = f.text.slice(start + 1, end - 1);
    const defs = f.defs(start);
    const entries = [];
    let index = 0;
    for (const part of splitTopLevel(inner)) {
      const pos = start + 1 + part.offset + (part.text.length - part.text.trimStart().length);
      if (inIfZero(f.directives, pos)) continue;
      let text = part.text.trim();
      let designator = null;
      const dm = /^\[([^\]]+)\]\s*=\s*/.exec(text);
      if (dm) {
        designator = dm[1].trim();
        text = text.slice(dm[0].length);
      }
      if (!text.startsWith('{')) text = expandMacros(text, defs).trim();
      // A macro may expand to several entries.
      for (const sub of text.startsWith('{') ? splitTopLevel(text).map((p) => p.text.trim()) : []) {
        if (!sub.startsWith('{')) continue;
        const fields = fieldsOf(expandMacros(sub, defs));
        const procname = fields.procname !== undefined ? stringValue(expandMacros(fields.procname, defs, { objectLike: true })) : null;
        entries.push({
          index: index,
          designator,
          procname,
          fields,
          pos,
          conditions: conditionsAt(f.directives, pos).filter((c) => !/^!?\(?defined\(_+\w+_H\)\)?$/.test(c)),
        });
        index++;
      }
    }
    const list = this.tables.get(name) ?? [];
    list.push({ file: f, name, start, end, entries });
    this.tables.set(name, list);
  }

  /** A table by name, preferring the one in `file`. */
  table(name, file) {
    const list = this.tables.get(name);
    if (!list) return null;
    return list.find((t) => t.file === file) ?? (list.length === 1 ? list[0] : list[0]);
  }

  // ---------------------------------------------------------------- registrations

  /**
   * Registration sites: {file, fn, pos, roles}, each role {expr, file, fn, pos}
   * naming where its expression must be read (a wrapper's own locals are read in
   * the wrapper, its parameters at the call).
   */
  registrations() {
    const direct = [];
    let wrappers = new Map(); // function name → {roles, params: role → param index}
    const names = Object.keys(REGISTRARS);
    const callRe = new RegExp(`\\b(${names.join('|')})\\s*\\(`, 'g');
    const paramIndex = (fn, expr) => {
      const id = /^&?\s*(\w+)$/.exec(expr.replace(/^\([^()]*\*\)\s*/, '').trim())?.[1];
      return id !== undefined ? fn.params.indexOf(id) : -1;
    };
    const classify = (fn, roles, site) => {
      // A function that passes its own path or table parameter on is a wrapper;
      // the namespace argument alone does not make one.
      const params = {};
      for (const [r, v] of Object.entries(roles)) params[r] = v.fn === fn ? paramIndex(fn, v.expr) : -1;
      if (['path', 'table', 'ctlpath'].some((r) => params[r] >= 0) && !names.includes(fn.name)) wrappers.set(fn.name, { roles, params });
      else direct.push(site);
    };
    for (const f of this.files.values()) {
      for (const m of f.text.matchAll(callRe)) {
        const fn = f.functionAt(m.index);
        if (!fn || names.includes(fn.name) || inIfZero(f.directives, m.index)) continue; // a definition, or the library itself
        const call = callArgs(f.text, m.index + m[0].length - 1);
        if (!call) continue;
        const spec = REGISTRARS[m[1]];
        const roles = {};
        for (const role of ['net', 'path', 'table', 'ctlpath']) {
          if (spec[role] === undefined) continue;
          let expr = call.args[spec[role]]?.text ?? '';
          if (role === 'table' && spec.tableSuffix) expr += spec.tableSuffix;
          roles[role] = { expr, file: f, fn, pos: m.index };
        }
        if (spec.path === undefined && spec.ctlpath === undefined) roles.path = { expr: '""', file: f, fn, pos: m.index };
        classify(fn, roles, { file: f, fn, pos: m.index, roles });
      }
    }
    for (let level = 0; level < 3 && wrappers.size; level++) {
      const current = wrappers;
      wrappers = new Map();
      const wRe = new RegExp(`\\b(${[...current.keys()].join('|')})\\s*\\(`, 'g');
      for (const f of this.files.values()) {
        for (const m of f.text.matchAll(wRe)) {
          const fn = f.functionAt(m.index);
          if (!fn || fn.name === m[1]) continue;
          const call = callArgs(f.text, m.index + m[0].length - 1);
          if (!call) continue;
          const w = current.get(m[1]);
          const roles = {};
          for (const [r, v] of Object.entries(w.roles)) {
            roles[r] = w.params[r] >= 0 ? { expr: call.args[w.params[r]]?.text ?? '', file: f, fn, pos: m.index } : v;
          }
          classify(fn, roles, { file: f, fn, pos: m.index, roles, via: m[1] });
        }
      }
    }
    return direct;
  }

  /** Assignments `NAME = rhs;` in a function body (rhs texts). */
  assignmentsIn(f, fn, name) {
    const body = f.text.slice(fn.start, fn.end);
    const re = new RegExp(`(?<![\\w.>])${name.replace(/[.[\]]/g, '\\$&')}\\s*=(?!=)\\s*([^;]+);`, 'g');
    return [...body.matchAll(re)].map((m) => m[1].trim());
  }

  resolvePath(site) {
    if (site.roles.ctlpath) {
      const { expr, file: f, fn } = site.roles.ctlpath;
      const name = expr.replace(/^&/, '').trim();
      const inFn = new RegExp(`\\b${name}\\s*\\[[^\\]]*\\]\\s*=\\s*\\{`).exec(f.text.slice(fn.start, fn.end));
      let open = -1;
      if (inFn) open = fn.start + inFn.index + inFn[0].length - 1;
      else {
        const init = f.initialisers.find((i) => new RegExp(`\\b${name}\\s*\\[[^\\]]*\\]\\s*(?:__\\w+\\s*)*=\\s*$`).test(i.header));
        if (init) open = init.start;
      }
      if (open < 0) return [];
      const body = f.text.slice(open, matchBracket(f.text, open));
      const parts = [...body.matchAll(/\.procname\s*=\s*("(?:[^"\\]|\\.)*")/g)].map((m) => stringValue(m[1]));
      return [parts.join('/')];
    }
    const { expr, file: f, fn, pos } = site.roles.path;
    const lit = stringValue(expandMacros(expr, f.defs(pos), { objectLike: true }));
    if (lit !== null) return [lit];
    const member = /^\w+\s*->\s*(\w+)$/.exec(expr.trim())?.[1];
    if (member) {
      const found = new Set();
      for (const cf of this.files.values()) {
        for (const mm of cf.text.matchAll(new RegExp(`\\.${member}\\s*=\\s*("(?:[^"\\\\]|\\\\.)*")`, 'g'))) found.add(stringValue(mm[1]));
      }
      if (found.size === 1) return [...found];
      return [];
    }
    // A buffer filled by snprintf()/kasprintf(): the %s parts are device or protocol names.
    const id = /^(\w+)$/.exec(expr.trim())?.[1];
    if (!id) return [];
    const body = f.text.slice(fn.start, fn.end);
    const sp = new RegExp(`snprintf\\s*\\(\\s*${id}\\s*,[^,]+,\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(body);
    const ka = new RegExp(`\\b${id}\\s*=\\s*kasprintf\\s*\\([^,]+,\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(body);
    const fmt = stringValue((sp ?? ka)?.[1] ?? '');
    if (fmt === null) return [];
    if (/^net\/%s\/neigh\/%s$/.test(fmt)) return ['net/ipv4/neigh/*', 'net/ipv6/neigh/*'];
    return [fmt.replace(/%s/g, '*')];
  }

  /** The table a registration's table argument names: {table, variable, file, fn} */
  resolveTable(site) {
    const { expr, file: f, fn } = site.roles.table;
    const seen = new Set();
    const resolve = (e0, depth) => {
      if (depth > 4) return null;
      let e = e0.trim().replace(/^\(\s*(?:const\s+)?struct\s+ctl_table\s*\*\s*\)\s*/, '').replace(/^&/, '').replace(/\[0\]$/, '').trim();
      e = e.replace(/^\((.*)\)$/, '$1').trim();
      const direct = this.table(e, f);
      if (direct) return { table: direct, variable: null };
      const member = /^(\w+)\s*(?:->|\.)\s*(\w+)$/.exec(e);
      if (member) {
        for (const rhs of this.assignmentsIn(f, fn, member[1])) {
          const src = /kmemdup\s*\(\s*&?\s*(\w+)/.exec(rhs)?.[1] ?? /^&?\s*(\w+)$/.exec(rhs)?.[1];
          if (src) {
            const t = this.table(`${src}.${member[2]}`, f);
            if (t) return { table: t, variable: member[1] };
          }
        }
        const t = this.table(`${member[1]}.${member[2]}`, f);
        if (t) return { table: t, variable: null };
        // Filled elsewhere (conntrack protocols, IPVS schedulers): every table any file
        // copies into that member of an object of the same struct type.
        const type = varType(f, fn, member[1]);
        const tables = [];
        const re = new RegExp(`\\b(\\w+)\\s*(?:->|\\.)\\s*${member[2]}\\s*=\\s*(?:kmemdup\\s*\\(\\s*)?&?\\s*(\\w+)`, 'g');
        for (const cf of this.files.values()) {
          for (const mm of cf.text.matchAll(re)) {
            const afn = cf.functionAt(mm.index);
            if (type && afn && varType(cf, afn, mm[1]) !== type) continue;
            const tt = this.table(mm[2], cf);
            if (tt && !tables.includes(tt)) tables.push(tt);
          }
        }
        return tables.length ? { table: tables[0], more: tables.slice(1), variable: null } : null;
      }
      const id = /^(\w+)$/.exec(e)?.[1];
      if (!id || seen.has(id)) return null;
      seen.add(id);
      for (const rhs of this.assignmentsIn(f, fn, id)) {
        const src = /kmemdup\s*\(\s*([^,]+),/.exec(rhs)?.[1] ?? rhs;
        const r = resolve(src, depth + 1);
        if (r) return r.file ? r : { table: r.table, variable: id };
        // `tbl = ipv6_route_sysctl_init(net)`: the table that function copies.
        const callee = /^(\w+)\s*\(/.exec(rhs)?.[1];
        for (const cf of callee ? this.files.values() : []) {
          const cfn = cf.functionNamed(callee);
          if (!cfn) continue;
          const body = cf.text.slice(cfn.start, cfn.end);
          const copied = /(\w+)\s*=\s*kmemdup\s*\(\s*&?\s*(\w+)/.exec(body);
          const t = copied && this.table(copied[2], cf);
          if (t) return { table: t, variable: copied[1], file: cf, fn: cfn };
        }
      }
      return null;
    };
    const r = resolve(expr, 0);
    return r ? { file: f, fn, ...r } : null;
  }

  // ---------------------------------------------------------------- constants

  resolver(f, pos = Infinity) {
    const defs = f.defs(pos);
    const resolve = (name) => {
      if (name.endsWith('()')) return undefined;
      const d = defs.get(name);
      if (d && d.params === null) return d.body === '' ? undefined : d.body;
      const enumValue = this.enumValue(f, name);
      if (enumValue !== undefined) return enumValue;
      const sv = this.staticScalar(f, name);
      if (sv !== undefined) return sv;
      if (this.headerDefines.has(name)) return this.headerDefines.get(name);
      this.missing.add(name);
      return undefined;
    };
    return resolve;
  }

  evalIn(f, expr, pos) {
    return evaluate(expandMacros(expr, f.defs(pos)), this.resolver(f, pos));
  }

  enumValue(f, name) {
    if (!f.enums) {
      f.enums = new Map(); // while parsing, enumerators resolve only to earlier ones
      this.parseEnums(f, f.enums);
    }
    return f.enums.get(name);
  }

  parseEnums(f, out) {
    for (const m of f.text.matchAll(/\benum\s*\w*\s*\{/g)) {
      const open = m.index + m[0].length - 1;
      const close = matchBracket(f.text, open);
      if (close < 0) continue;
      let next = 0n;
      for (const p of splitTopLevel(f.text.slice(open + 1, close - 1))) {
        const em = /^\s*(\w+)\s*(?:=\s*([\s\S]+))?$/.exec(p.text);
        if (!em) break;
        if (em[2] !== undefined) {
          const v = evaluate(em[2], (n) => out.get(n) ?? f.defs().get(n)?.body ?? this.headerDefines.get(n));
          if (v === undefined) break;
          next = v;
        }
        out.set(em[1], next.toString());
        next += 1n;
      }
    }
    return out;
  }

  /** A file-level variable's initialiser (`static int x = 5;` / `int y[] = {1, 2};`): {array, values, pos}. */
  staticInit(f, name) {
    f.statics ??= this.indexStatics(f);
    return f.statics.get(name) ?? null;
  }

  /** Every file-level declaration with an initialiser, indexed once per file. */
  indexStatics(f) {
    const out = new Map();
    const t = f.text;
    const fnAt = new Map(f.functions.map((fn) => [fn.start, fn.end]));
    let stmtStart = 0;
    const declare = (stmt, stmtPos) => {
      const zero = /^\s*(?:static\s+)?(?:const\s+)?(?:unsigned\s+|signed\s+)?(?:int|long|long\s+long|short|u8|u16|u32|u64|s32|s64|bool)\s+(?!__)([A-Za-z_]\w*)\s*(?:__\w+(?:\([^)]*\))?\s*)*$/.exec(stmt);
      if (zero) {
        if (!out.has(zero[1])) out.set(zero[1], { array: false, values: ['0'], pos: stmtPos, zeroInit: true });
        return;
      }
      const eq = /^([\s\S]*?)\b(?!__)([A-Za-z_]\w*)\s*(\[[^\]]*\])?\s*(?:__\w+(?:\([^)]*\))?\s*)*=(?!=)\s*([\s\S]*)$/.exec(stmt);
      if (!eq || /[(){};]/.test(eq[1]) || out.has(eq[2])) return;
      const valuePos = stmtPos + stmt.length - eq[4].length;
      const init = eq[4].trim();
      if (init.startsWith('{')) {
        const end = matchBracket(init, 0);
        out.set(eq[2], { array: true, values: splitTopLevel(init.slice(1, end - 1)).map((p) => p.text.trim()), pos: valuePos });
      } else out.set(eq[2], { array: false, values: [init], pos: valuePos });
    };
    for (let i = 0; i < t.length; i++) {
      const c = t[i];
      if (c === '"' || c === "'") {
        i++;
        while (i < t.length && t[i] !== c) {
          if (t[i] === '\\') i++;
          i++;
        }
        continue;
      }
      if (c === '{') {
        const fnEnd = fnAt.get(i);
        if (fnEnd !== undefined) {
          i = fnEnd - 1;
          stmtStart = fnEnd;
          continue;
        }
        const end = matchBracket(t, i);
        if (end < 0) break;
        i = end - 1;
        continue;
      }
      if (c === ';') {
        declare(t.slice(stmtStart, i), stmtStart);
        stmtStart = i + 1;
      }
    }
    return out;
  }

  staticScalar(f, name) {
    const s = this.staticInit(f, name);
    if (!s || s.array) return undefined;
    return s.values[0];
  }

  /** Numeric value(s) an extra1/extra2 pointer points at: {values:[bigint]} | {ref} | null. */
  bound(f, expr, pos) {
    if (!expr) return null;
    let e = expandMacros(expr, f.defs(pos), { objectLike: false }).trim();
    for (let guard = 0; guard < 6; guard++) {
      const prev = e;
      e = e.replace(/^\(\s*void\s*\*\s*\)\s*/, '').replace(/^\(\s*(?:const\s+)?(?:unsigned\s+)?\w+\s*\*\s*\)\s*/, '').trim();
      if (/^\(.*\)$/.test(e) && matchBracket(e, 0) === e.length) e = e.slice(1, -1).trim();
      const macro = /^(\w+)$/.exec(e)?.[1];
      if (macro) {
        const d = f.defs(pos).get(macro) ?? (this.headerDefines.has(macro) ? { params: null, body: this.headerDefines.get(macro) } : undefined);
        if (d && d.params === null) e = d.body.trim();
        else if (/^SYSCTL_/.test(macro)) this.missing.add(macro);
      }
      if (e === prev) break;
    }
    const m = /^&\s*(\w+)\s*(?:\[\s*([^\]]+)\s*\])?$/.exec(e) ?? /^(\w+)$/.exec(e);
    if (!m) return { ref: expr.trim() };
    const name = m[1];
    const idx = m[2];
    let init = null;
    let initFile = f;
    if (name === 'sysctl_vals' || name === 'sysctl_long_vals') {
      for (const file of ['kernel/sysctl.c', 'fs/proc/proc_sysctl.c']) {
        const cf = this.files.get(file);
        const s = cf && this.staticInit(cf, name);
        if (s) {
          init = s;
          initFile = cf;
          break;
        }
      }
    } else {
      init = this.staticInit(f, name);
      if (!init) {
        // A global defined in another file (fs.nr_open's bounds live in fs/file.c).
        for (const cf of this.files.values()) {
          const s = cf !== f && this.staticInit(cf, name);
          if (s) {
            init = s;
            initFile = cf;
            break;
          }
        }
        if (!init) this.missingGlobals.add(name);
      }
    }
    if (!init) return { ref: name };
    // A bound variable the init code overwrites (fs.nr_open's maximum in files_init()).
    if (!init.array && name !== 'sysctl_vals' && name !== 'sysctl_long_vals') {
      const later = [...initFile.text.matchAll(new RegExp(`(?<![\\w.>])${name}\\s*=(?!=)\\s*([^;]+);`, 'g'))].filter((mm) => initFile.functionAt(mm.index));
      if (later.length) {
        const vals = later.map((mm) => this.evalIn(initFile, mm[1], mm.index));
        if (vals.every((v) => v !== undefined && v === vals[0])) return { values: [vals[0]] };
        return { ref: name };
      }
    }
    const resolve = this.resolver(initFile);
    const values = init.values.map((v) => evaluate(expandMacros(v, initFile.defs(init.pos), {}), resolve));
    if (idx !== undefined) {
      const i = evaluate(idx, resolve);
      const v = i === undefined ? undefined : values[Number(i)];
      return v === undefined ? { ref: name } : { values: [v] };
    }
    if (values.some((v) => v === undefined)) return { ref: name };
    return { values };
  }

  // ---------------------------------------------------------------- extraction

  extract() {
    const sites = this.registrations();
    const keys = new Map();
    const unresolved = [];
    const visit = (path, table, perNet, site, variable, depth) => {
      if (depth > 6) return;
      for (const entry of table.entries) {
        if (!entry.procname) continue;
        const child = entry.fields.child;
        const full = path ? `${path}/${entry.procname}` : entry.procname;
        if (child) {
          const name = child.replace(/^&/, '').trim();
          const t = this.table(name, table.file);
          if (t) visit(full, t, perNet, site, null, depth + 1);
          else unresolved.push(`${full}: child table ${name}`);
          continue;
        }
        const key = full.replace(/\//g, '.');
        if (!WANTED_PREFIXES.some((p) => key.startsWith(p))) continue;
        const fact = this.describe(key, table, entry, perNet, site, variable);
        const prev = keys.get(key);
        // The same key registered twice (an #ifdef'd alternative): keep the first, note the other.
        if (prev) {
          if (prev.handler !== fact.handler) prev.alternatives = [...(prev.alternatives ?? []), { handler: fact.handler, at: fact.source }];
          continue;
        }
        keys.set(key, fact);
      }
    };
    for (const site of sites) {
      const paths = this.resolvePath(site);
      const t = this.resolveTable(site);
      if (!t || paths.length === 0) {
        unresolved.push(`${site.file.path}:${site.file.line(site.pos)} ${site.fn.name}(): path ${(site.roles.path ?? site.roles.ctlpath).expr} table ${site.roles.table.expr}`);
        continue;
      }
      const perNet = site.roles.net !== undefined && site.roles.net.expr.replace(/\s/g, '') !== '&init_net';
      for (const p of paths) for (const tt of [t.table, ...(t.more ?? [])]) visit(p, tt, perNet, site, t, 0);
    }
    const names = new Set();
    for (const fact of keys.values()) {
      const d = fact.pending.data?.replace(/^\(\s*void\s*\*\s*\)\s*/, '').trim();
      const m = d && (/^&?\s*init_net\s*\.\s*[\w.]*?(\w+)\s*(?:\[\s*\w+\s*\])?$/.exec(d) ?? /^&?\s*(\w+)\s*(?:\[\s*0\s*\])?$/.exec(d));
      if (m) names.add(m[1]);
    }
    this.mentions([...names]);
    this.tree.readMany([...new Set([...this.mentionCache.values()].flat().map((h) => h.file))]);
    for (const fact of keys.values()) {
      const { key, entry, f, data, handler } = fact.pending;
      const d = this.defaultOf(key, entry, f, data, handler, fact.handlerBase);
      if (d) Object.assign(fact, d);
    }
    return { keys, unresolved };
  }

  describe(key, table, entry, perNet, site, variable) {
    const f = table.file;
    const F = entry.fields;
    const handler = (F.proc_handler ?? '').replace(/^&/, '').trim() || null;
    const fact = {
      file: f.path,
      line: f.line(entry.pos),
      table: table.name,
      registeredBy: `${site.file.path}:${site.file.line(site.pos)}`,
      handler,
      mode: F.mode ? (this.evalIn(f, F.mode, entry.pos)?.toString(8).padStart(4, '0') ?? F.mode) : null,
      scope: 'global',
    };
    if (entry.conditions.length) fact.conditions = entry.conditions;
    // Scope.
    const data = F.data && F.data.trim() !== 'NULL' ? F.data.trim() : null;
    fact.data = data;
    if (perNet) {
      if (data === null || /\binit_net\b|->|\bnet\b/.test(data)) fact.scope = 'netns';
      else {
        const moved = this.repointed(site, variable, entry);
        fact.scope = moved ? 'netns' : 'global';
        if (!moved) fact.scopeNote = 'per-namespace table, machine-wide variable';
      }
    }
    // Handler and its base.
    const hfile = [...this.files.values()].find((cf) => cf.functionNamed(handler ?? '')) ?? null;
    let hfn = null;
    if (handler && hfile) {
      hfn = hfile.functionNamed(handler);
      const body = hfile.text.slice(hfn.start, hfn.end);
      const base = /\b(proc_do\w+|proc_dou8vec_minmax)\s*\(/.exec(body)?.[1];
      // A library handler's own helpers (proc_doulongvec_minmax → …_conv) are not a base.
      if (base && !base.startsWith(handler)) fact.handlerBase = base;
    }
    // Bounds: the entry's extras, else a temporary table inside a custom handler.
    const asBounds = (b) => (b && b.values ? b.values : null);
    let min = asBounds(this.bound(f, F.extra1, entry.pos));
    let max = asBounds(this.bound(f, F.extra2, entry.pos));
    if (!F.extra1 && !F.extra2 && hfn && hfile) {
      const body = hfile.text.slice(hfn.start, hfn.end);
      const e1 = /\.extra1\s*=\s*([^,}\n]+)/.exec(body)?.[1];
      const e2 = /\.extra2\s*=\s*([^,}\n]+)/.exec(body)?.[1];
      const b1 = e1 && !/table\s*->/.test(e1) ? asBounds(this.bound(hfile, e1, hfn.start)) : null;
      const b2 = e2 && !/table\s*->/.test(e2) ? asBounds(this.bound(hfile, e2, hfn.start)) : null;
      if (b1 || b2) {
        min = b1;
        max = b2;
        fact.boundsFrom = `${hfile.path}:${hfile.line(hfn.start)} ${handler}()`;
      }
    }
    const fmt = (vals) => (vals ? (vals.every((v) => v === vals[0]) ? vals[0].toString() : vals.map(String).join(' ')) : undefined);
    if (min) fact.min = fmt(min);
    if (max) fact.max = fmt(max);
    if (F.extra1 && !min && !/^&?\s*(init_net|ipv4_devconf|ipv6_devconf|net)\b/.test(F.extra1.trim())) fact.extra1 = F.extra1.trim();
    if (F.extra2 && !max && !/^&?\s*(init_net|ipv4_devconf|ipv6_devconf|net)\b/.test(F.extra2.trim())) fact.extra2 = F.extra2.trim();
    // The default is filled in a second pass (one tree-wide grep for every variable).
    Object.defineProperty(fact, 'pending', { value: { key, entry, f, data, handler }, enumerable: false });
    return fact;
  }

  /** Whether the registering function re-points entry.data into struct net. */
  repointed(site, t, entry) {
    const variable = t?.variable;
    if (!variable) return false;
    const body = t.file.text.slice(t.fn.start, t.fn.end);
    const expanded = expandMacros(body, t.file.defs(t.fn.start));
    // A loop moving data pointers by a per-device offset (`+= (char *)p - (char *)&ipv4_devconf`)
    // re-points the entries whose data lies in that template object; a loop moving by
    // (net - &init_net) only concerns init_net-based data, handled before this.
    const base = /^&?\s*\(?\s*(\w+)/.exec(entry.fields.data ?? '')?.[1];
    for (const m of expanded.matchAll(new RegExp(`\\b${variable}\\s*(?:->\\s*\\w+\\s*)?\\[\\s*\\w+\\s*\\]\\s*\\.data\\s*\\+=\\s*([^;]+);`, 'g'))) {
      if (base && new RegExp(`\\b${base}\\b`).test(m[1])) return true;
    }
    const re = new RegExp(`\\b${variable}\\s*\\[\\s*([^\\]]+?)\\s*\\]\\s*\\.data\\s*=\\s*([^;]+);`, 'g');
    for (const m of expanded.matchAll(re)) {
      const idx = m[1];
      const matches = entry.designator !== null ? idx === entry.designator : String(this.evalIn(t.file, idx, t.fn.start)) === String(entry.index);
      if (matches && /\bnet\b|->/.test(m[2])) return true;
    }
    // A loop that moves every data pointer by (net - &init_net) only moves init_net-based data.
    return false;
  }

  // ---------------------------------------------------------------- defaults

  defaultOf(key, entry, f, data, handler, base) {
    const h = base && !/^proc_do/.test(handler ?? '') ? base : handler;
    const scale = (v) => {
      if (v === undefined) return undefined;
      const hn = h ?? '';
      if (/userhz_jiffies/.test(hn)) return v % 10n === 0n ? (v * 100n) / 1000n : undefined;
      if (/ms_jiffies/.test(hn)) return v;
      if (/jiffies/.test(hn)) return v % 1000n === 0n ? v / 1000n : undefined;
      return v;
    };
    // conntrack protocol timeouts: data set at run time from the protocol's timeout array.
    const ct = /^net\.netfilter\.nf_conntrack_tcp_timeout_(\w+)$/.exec(key);
    if (ct) return this.conntrackTcpTimeout(ct[1], scale);
    if (data === null) return null;
    const d = data.replace(/^\(\s*void\s*\*\s*\)\s*/, '').trim();
    // `.data = &init_net`: the handler finds its field itself (6.x ip_local_port_range
    // reads net->ipv4.ip_local_ports.range); other such handlers have no default here.
    if (/^&?\s*init_net$/.test(d)) {
      return handler === 'ipv4_local_port_range' ? this.fieldDefault('ipv4.ip_local_ports.range', undefined, scale, key, handler) : null;
    }
    let m = /^&?\s*init_net\s*\.\s*([\w.]+?)\s*(?:\[\s*(\w+)\s*\])?$/.exec(d);
    if (m) return this.fieldDefault(m[1], m[2], scale, key, handler);
    m = /^&?\s*(\w+)\s*(?:\[\s*0\s*\])?$/.exec(d);
    if (m) return this.globalDefault(m[1], scale, h);
    return null;
  }

  /** Lines mentioning any of `names` (word match) in the scanned directories, cached per tree. */
  mentions(names) {
    this.mentionCache ??= new Map();
    const want = [...new Set(names)].filter((n) => !this.mentionCache.has(n));
    if (want.length) {
      for (const n of want) this.mentionCache.set(n, []);
      const wanted = new Set(want);
      for (const hit of this.tree.grepFixed(want, DEFAULT_PATHSPECS)) {
        for (const w of new Set(hit.text.match(/\w+/g) ?? [])) if (wanted.has(w)) this.mentionCache.get(w).push(hit);
      }
    }
    return names.flatMap((n) => this.mentionCache.get(n));
  }

  fileFor(path) {
    if (!this.files.has(path)) {
      const src = this.tree.read(path);
      if (src === null) return null;
      this.files.set(path, new CFile(path, src));
    }
    return this.files.get(path);
  }

  /** Every assignment of a `struct net` field (`->ipv4.sysctl_x = …`, `.range[1] = …`). */
  fieldDefault(chain, index, scale, key, handler) {
    const parts = chain.split('.');
    const last = parts[parts.length - 1];
    const prev = parts.length >= 2 ? parts[parts.length - 2] : null;
    const hits = this.mentions([last]);
    const byIndex = new Map();
    const sources = [];
    let nonConstant = null;
    // Reached through its parent member (`ipv4.sysctl_x`, `ip_local_ports.range[1]`), so a
    // designated initialiser of another struct with a field of the same name does not count.
    const re = new RegExp(`${prev ? `\\b${prev}\\s*(?:->|\\.)` : '(?:->|\\.)'}\\s*${last}\\s*(?:\\[\\s*(\\w+)\\s*\\])?\\s*=(?!=)\\s*(.*)$`);
    for (const hit of hits) {
      const m = re.exec(hit.text);
      if (!m) continue;
      const file = this.fileFor(hit.file);
      if (!file) continue;
      const at = file.lineStarts[hit.line - 1] ?? 0;
      const fn = file.functionAt(at);
      // Only the init code sets a default; a proc handler or a helper storing what
      // was written does not.
      if (!fn || !isInitFunction(fn)) continue;
      let rhs = m[2];
      if (!rhs.includes(';')) {
        const semi = file.text.indexOf(';', at);
        rhs = file.text.slice(at, semi).replace(/^[\s\S]*?=(?!=)/, '');
      } else rhs = rhs.slice(0, rhs.indexOf(';'));
      rhs = rhs.trim();
      // The per-namespace copy from init_net is not a default.
      if (/\binit_net\b/.test(rhs)) continue;
      sources.push(`${hit.file}:${hit.line}`);
      if (handler === 'proc_do_large_bitmap' && /\bkzalloc\b|\bbitmap_zalloc\b/.test(rhs)) {
        byIndex.set('', new Set(['']));
        continue;
      }
      const v = scale(this.evalIn(file, rhs, at));
      if (v === undefined) {
        nonConstant ??= { expr: rhs, at: `${hit.file}:${hit.line}` };
        continue;
      }
      const idx = m[1] ?? (index ?? '');
      const list = byIndex.get(idx) ?? new Set();
      list.add(v.toString());
      byIndex.set(idx, list);
    }
    return this.compose(byIndex, nonConstant, sources, key, 'struct net field');
  }

  compose(byIndex, nonConstant, sources, key, what) {
    if (nonConstant) return { defaultExpr: nonConstant.expr, defaultFrom: nonConstant.at };
    if (byIndex.size === 0) return { defaultFrom: `no assignment found (${what})` };
    for (const s of byIndex.values()) if (s.size !== 1) return { defaultExpr: [...s].join(' | '), defaultFrom: sources.join(', ') };
    const idxs = [...byIndex.keys()];
    let value;
    if (idxs.length === 1 && idxs[0] === '') value = [...byIndex.get('')][0];
    else {
      const n = idxs.every((i) => /^\d+$/.test(i)) ? idxs.map(Number).sort((a, b) => a - b) : null;
      if (!n || n.some((x, i) => x !== i)) return { defaultFrom: sources.join(', '), defaultExpr: 'per-field assignments not all constant' };
      value = n.map((i) => [...byIndex.get(String(i))][0]).join(' ');
    }
    if (key === 'net.ipv4.ip_local_port_range' && !value.includes(' ')) {
      // 6.x packs the range in one u32: high << 16 | low.
      const v = BigInt(value);
      value = `${v & 0xffffn} ${v >> 16n}`;
    }
    return { default: value, defaultFrom: sources.join(', ') };
  }

  /** A global variable: its initialiser and every other assignment. */
  globalDefault(name, scale, handler) {
    const hits = this.mentions([name]);
    const byIndex = new Map();
    const sources = [];
    let nonConstant = null;
    let defined = false;
    let intTyped = false;
    for (const hit of hits) {
      const file = this.fileFor(hit.file);
      if (!file) continue;
      const at = file.lineStarts[hit.line - 1] ?? 0;
      const def = /^(?!\s)(?!extern\b)(?!return\b)[\w\s*]*\b(?!__)(\w+)\b\s*(\[[^\]]*\])?\s*(?:__\w+(?:\([^)]*\))?\s*)*(=\s*(.*)|;)/.exec(hit.text);
      if (def && def[1] === name && !file.functionAt(at)) {
        defined = true;
        intTyped ||= /\b(int|long|unsigned|u8|u16|u32|u64|s32|s64|bool|short)\b/.test(hit.text.slice(0, hit.text.indexOf(name))) && !/\bstruct\b/.test(hit.text);
        if (def[3] === ';' || def[3] === undefined) continue;
        const s = this.staticInit(file, name);
        if (!s) {
          nonConstant ??= { expr: def[4] ?? '?', at: `${hit.file}:${hit.line}` };
          continue;
        }
        sources.push(`${hit.file}:${hit.line}`);
        const vals = s.values.map((v) => scale(this.evalIn(file, v, s.pos)));
        if (s.array) {
          if (vals.some((v) => v === undefined)) nonConstant ??= { expr: s.values.join(', '), at: `${hit.file}:${hit.line}` };
          else vals.forEach((v, i) => byIndex.set(String(i), new Set([...(byIndex.get(String(i)) ?? []), v.toString()])));
        } else if (vals[0] === undefined) nonConstant ??= { expr: s.values[0], at: `${hit.file}:${hit.line}` };
        else byIndex.set('', new Set([...(byIndex.get('') ?? []), vals[0].toString()]));
        continue;
      }
      const asg = new RegExp(`(?<![\\w.>])${name}\\s*(?:\\[\\s*(\\w+)\\s*\\])?\\s*=(?!=)\\s*([^;]*)`).exec(hit.text);
      const fn = file.functionAt(at);
      // Only the init code sets a default (see fieldDefault).
      if (!asg || !fn || !isInitFunction(fn)) continue;
      const rhs = asg[2].trim();
      const v = scale(this.evalIn(file, rhs, at));
      sources.push(`${hit.file}:${hit.line}`);
      if (v === undefined) {
        nonConstant ??= { expr: rhs, at: `${hit.file}:${hit.line}` };
        continue;
      }
      const idx = asg[1] ?? '';
      byIndex.set(idx, new Set([...(byIndex.get(idx) ?? []), v.toString()]));
    }
    if (!nonConstant && byIndex.size === 0 && defined && intTyped && INT_HANDLER.test(handler ?? '')) {
      return { default: '0', defaultFrom: 'static storage, no initialiser or assignment' };
    }
    return this.compose(byIndex, nonConstant, sources, null, 'global');
  }

  conntrackTcpTimeout(state, scale) {
    const file = this.fileFor('net/netfilter/nf_conntrack_proto_tcp.c');
    if (!file) return null;
    const s = this.staticInit(file, 'tcp_timeouts');
    if (!s) return null;
    const idx = `TCP_CONNTRACK_${state.toUpperCase()}`;
    for (const v of s.values) {
      const m = /^\[\s*(\w+)\s*\]\s*=\s*([\s\S]+)$/.exec(v);
      if (m && m[1] === idx) {
        const value = scale(evaluate(expandMacros(m[2], file.defs(s.pos), { objectLike: true }), this.resolver(file, s.pos)));
        if (value !== undefined) return { default: value.toString(), defaultFrom: `net/netfilter/nf_conntrack_proto_tcp.c:${file.line(s.pos)} tcp_timeouts[${idx}]` };
      }
    }
    return null;
  }

  /** Looks up #defines the last pass could not resolve; true when anything new was found. */
  fetchMissingDefines() {
    const names = [...this.missing].filter((n) => !this.headerDefines.has(n) && /^[A-Za-z_]\w*$/.test(n));
    this.missing.clear();
    if (names.length === 0) return false;
    let found = false;
    for (const hit of this.tree.grepFixed(names, DEFINE_PATHSPECS, '^\\s*#\\s*define\\s+')) {
      const name = /^\s*#\s*define\s+(\w+)/.exec(hit.text)?.[1];
      if (!name || !names.includes(name) || this.headerDefines.has(name)) continue;
      let body;
      if (/\\\s*$/.test(hit.text)) {
        // Continued over several lines: read it whole from the file.
        this.headerFiles ??= new Map();
        if (!this.headerFiles.has(hit.file)) {
          const src = this.tree.read(hit.file);
          this.headerFiles.set(hit.file, src === null ? null : preprocess(src));
        }
        const d = this.headerFiles.get(hit.file)?.defines.get(name)?.find((x) => !x.undef && x.params === null);
        body = d?.body;
      } else {
        const m = /^\s*#\s*define\s+(\w+)\s+(.+?)\s*$/.exec(hit.text.replace(/\/\*.*?(\*\/|$)/g, '').replace(/\/\/.*$/, ''));
        body = m?.[2];
      }
      if (body === undefined) continue;
      this.headerDefines.set(name, body);
      found = true;
    }
    for (const n of names) if (!this.headerDefines.has(n)) this.headerDefines.set(n, undefined);
    return found;
  }
}

export function runExtraction(tree, log) {
  const x = new TreeExtractor(tree, { log });
  x.load();
  let result;
  for (let round = 0; round < 6; round++) {
    for (const f of x.files.values()) f.statics = undefined;
    result = x.extract();
    const globals = [...x.missingGlobals];
    x.missingGlobals.clear();
    let more = false;
    if (globals.length) {
      const before = x.files.size;
      for (const hit of x.mentions(globals)) x.fileFor(hit.file);
      more = x.files.size > before;
    }
    if (!x.fetchMissingDefines() && !more) break;
  }
  return result;
}
