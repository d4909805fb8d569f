// systemd unit files and manager config (system.conf): the parser and the LimitNOFILE=
// rules, as systemd v252 implements them (read at systemd-stable v252.31, the branch
// Debian 12's 252.38 comes from; checked against `systemd --test` 252.38 in
// test/oracle/systemd-limitnofile.test.ts). Pure; src/host/limits.ts finds and reads files.
//
// Lines (src/basic/fileio.c read_line_full): `\n`, `\r`, `\r\n`, `\n\r` and NUL end a line;
// `\n\n` is two lines. (src/shared/conf-parser.c config_parse): a line whose first
// non-blank character is `#` or `;` is a comment — also in the middle of a continuation;
// a UTF-8 BOM is dropped; a line ending in an odd number of `\` continues on the next one
// (the backslash becomes a blank) and systemd reports it under the LAST physical line.
// (parse_line): blanks (" \t\n\r") stripped; invalid UTF-8, a `[` line not ending in `]`,
// or a section name with quotes/backslash/control characters is a FATAL error: the rest of
// the file is not read (a unit file: the unit fails to load; a drop-in: the rest of that
// drop-in is lost; system.conf: no later drop-in is read). Unknown sections are ignored
// with a warning (`X-` silently), assignments outside a section and lines without `=` or
// without a key are ignored with a warning; keys are case-sensitive.
//
// Values (src/basic/rlimit-util.c rlimit_parse): the text is cut at `:` with
// extract_first_word(":", EXTRACT_DONT_COALESCE_SEPARATORS) — `\` escapes the next
// character, quotes are literal — into soft and an optional hard; a third part is an
// error, a trailing `:` after the hard part is not. Each part (rlimit_parse_u64 for
// NOFILE/NPROC/...): `infinity`, or safe_atou64: leading blanks allowed, trailing ones
// not ("4096 : 8192" is rejected, "4096: 8192" is 4096:8192), 0x hex, 0 octal ("010" is
// 8, "08" is rejected), 0b/0o prefixes, "-0" is 0, values ≥ 2^64-1 rejected. Soft above
// hard is rejected. (conf-parser.c config_parse_rlimit): a value that does not parse —
// INCLUDING AN EMPTY ONE (test-rlimit-util.c: rlimit_parse("") is -EINVAL) — is logged
// "Failed to parse resource value, ignoring" and the earlier setting stays.

import { RLIM_INFINITY, safeAtou64 } from './c-numbers.js';

export interface UnitEntry {
  section: string;
  key: string;
  value: string;
  /** The physical line systemd reports (the last one of a continued assignment). */
  line: number;
}

export interface UnitProblem {
  line: number;
  message: string;
  /** systemd stops reading the file here. */
  fatal?: boolean;
}

export interface ParsedUnit {
  entries: UnitEntry[];
  problems: UnitProblem[];
  /** A fatal error stopped the parse at this line (entries before it were applied). */
  fatalAt?: number;
}

export interface ParseUnitOptions {
  /** Section names the file type knows ("Unit", "Service", "Install" for a service; "Manager" for system.conf). */
  sections?: readonly string[];
}

const SD_BLANK = /^[ \t\n\r]+|[ \t\n\r]+$/g;
const sdStrip = (s: string) => s.replace(SD_BLANK, '');
const BOM = '\u00ef\u00bb\u00bf'; // as latin1 bytes

/** read_line_full(): the lines of a file given as latin1 text (one char per byte). */
export function sdReadLines(bytes: string): string[] {
  const lines: string[] = [];
  let cur = '';
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const c = bytes[i]!;
    if (c !== '\n' && c !== '\r' && c !== '\0') {
      cur += c;
      i++;
      continue;
    }
    // A run of end-of-line markers: each kind at most once, a NUL ends the run.
    const seen = new Set<string>();
    while (i < n) {
      const d = bytes[i]!;
      if (d !== '\n' && d !== '\r' && d !== '\0') break;
      if (seen.has('\0') || seen.has(d)) break;
      seen.add(d);
      i++;
    }
    lines.push(cur);
    cur = '';
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

function isValidUtf8(latin1: string): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(latin1, 'latin1'));
    return true;
  } catch {
    return false;
  }
}
const fromLatin1 = (s: string) => Buffer.from(s, 'latin1').toString('utf8');

/** string_is_safe(): no control characters, quotes, backslash or DEL. */
const isSafe = (s: string) => !/[\x01-\x1f"'\\\x7f]/.test(s);

/**
 * Parse a unit file, drop-in or system.conf as config_parse() does. `input` is the
 * file's bytes, or a string (treated as already-decoded UTF-8).
 */
export function parseUnitFile(input: string | Uint8Array, opts: ParseUnitOptions = {}): ParsedUnit {
  const latin1 = typeof input === 'string' ? Buffer.from(input, 'utf8').toString('latin1') : Buffer.from(input).toString('latin1');
  const entries: UnitEntry[] = [];
  const problems: UnitProblem[] = [];
  const out: ParsedUnit = { entries, problems };
  let section: string | null = null;
  let sectionIgnored = false;
  let bomSeen = false;
  let cont: string | null = null;
  let lineNo = 0;

  const parseLine = (raw: string, at: number): boolean => {
    const l = sdStrip(raw);
    if (l === '') return true;
    if (!isValidUtf8(l)) {
      problems.push({ line: at, message: 'String is not UTF-8 clean, ignoring assignment (and systemd stops reading the file here)', fatal: true });
      return false;
    }
    const text = fromLatin1(l);
    if (text.startsWith('[')) {
      if (!text.endsWith(']')) {
        problems.push({ line: at, message: `Invalid section header '${text}': the rest of the file is not read`, fatal: true });
        return false;
      }
      const name = text.slice(1, -1);
      if (!isSafe(name)) {
        problems.push({ line: at, message: `Bad characters in section header '${text}': the rest of the file is not read`, fatal: true });
        return false;
      }
      if (opts.sections && !opts.sections.includes(name)) {
        if (!name.startsWith('X-')) problems.push({ line: at, message: `Unknown section '${name}'. Ignoring.` });
        section = null;
        sectionIgnored = true;
      } else {
        section = name;
        sectionIgnored = false;
      }
      return true;
    }
    if (section === null) {
      if (!sectionIgnored) problems.push({ line: at, message: 'Assignment outside of section. Ignoring.' });
      return true;
    }
    const eq = text.indexOf('=');
    if (eq < 0) {
      problems.push({ line: at, message: "Missing '=', ignoring line." });
      return true;
    }
    if (eq === 0) {
      problems.push({ line: at, message: "Missing key name before '=', ignoring line." });
      return true;
    }
    entries.push({ section, key: sdStrip(text.slice(0, eq)), value: sdStrip(text.slice(eq + 1)), line: at });
    return true;
  };

  for (const buf of sdReadLines(latin1)) {
    lineNo++;
    const lead = buf.replace(/^[ \t\n\r]+/, '');
    if (lead[0] === '#' || lead[0] === ';') continue;
    let l = buf;
    if (!bomSeen && l.startsWith(BOM)) {
      l = l.slice(BOM.length);
      bomSeen = true;
    }
    const p: string = cont === null ? l : cont + l;
    let escaped = false;
    for (const ch of p) escaped = escaped ? false : ch === '\\';
    if (escaped) {
      cont = p.slice(0, -1) + ' ';
      continue;
    }
    cont = null;
    if (!parseLine(p, lineNo)) {
      out.fatalAt = lineNo;
      return out;
    }
  }
  if (cont !== null && !parseLine(cont, ++lineNo)) out.fatalAt = lineNo;
  return out;
}

/** A parsed `LimitX=` value; null = infinity. */
export interface RlimitSetting {
  soft: number | null;
  hard: number | null;
  /** The same values as exact decimal strings (numbers above 2^53 lose digits as JS numbers). */
  exact?: { soft: string | null; hard: string | null };
}

const SIZE_ITEMS = new Set(['FSIZE', 'DATA', 'STACK', 'CORE', 'RSS', 'MEMLOCK', 'AS', 'MSGQUEUE']);
const SUFFIX: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5, E: 1024 ** 6 };

/** extract_first_word(p, ":", EXTRACT_DONT_COALESCE_SEPARATORS). */
function extractWord(p: string | null): { word: string | null; rest: string | null } | { error: string } {
  if (p === null) return { word: null, rest: null };
  let s = '';
  let i = 0;
  for (;;) {
    const c = p[i];
    if (c === undefined) return { word: s, rest: null };
    if (c === '\\') {
      const next = p[i + 1];
      if (next === undefined) return { error: 'a trailing backslash' };
      s += next;
      i += 2;
      continue;
    }
    if (c === ':') return { word: s, rest: p.slice(i + 1) };
    s += c;
    i++;
  }
}

/** rlimit_parse_one() for `resource`: RLIM_INFINITY as null, or why not. */
function parseOne(v: string, resource: string): { value: number | null; exact: string | null } | { error: string } {
  if (v === 'infinity') return { value: null, exact: null };
  if (SIZE_ITEMS.has(resource)) {
    // parse_size(…, 1024): approximated (knobs only reads LimitNOFILE= exactly).
    const m = /^[ \t\n\r]*(\d+(?:\.\d+)?)\s*([KMGTPE]?)B?$/i.exec(v);
    if (!m) return { error: `'${v}' is not a size` };
    const n = Math.floor(Number(m[1]) * (SUFFIX[(m[2] ?? '').toUpperCase()] ?? 1));
    return { value: n, exact: String(n) };
  }
  const r = safeAtou64(v);
  if (!r.ok) return { error: r.errno === 'ERANGE' ? `'${v}' is out of range` : `'${v}' is not a number` };
  if (r.value >= RLIM_INFINITY) return { error: `'${v}' is out of range (2^64-1 is RLIM_INFINITY: write infinity)` };
  return { value: Number(r.value), exact: r.value.toString() };
}

/**
 * `LimitNOFILE=` / `DefaultLimitNOFILE=` value as rlimit_parse() reads it (`resource` is
 * the name after `Limit`, `NOFILE` by default).
 */
export function parseRlimitSetting(value: string, resource = 'NOFILE'): RlimitSetting | { error: string } {
  if (value === '') return { error: 'empty value (systemd keeps the earlier setting; an empty LimitNOFILE= does not reset it)' };
  const a = extractWord(value);
  if ('error' in a) return { error: `${a.error} in '${value}'` };
  const soft = parseOne(a.word ?? '', resource);
  if ('error' in soft) return { error: soft.error };
  const b = extractWord(a.rest);
  if ('error' in b) return { error: `${b.error} in '${value}'` };
  if (b.rest !== null && b.rest !== '') return { error: `'${value}' has more than SOFT:HARD` };
  if (b.word === null) return { soft: soft.value, hard: soft.value, exact: { soft: soft.exact, hard: soft.exact } };
  const hard = parseOne(b.word, resource);
  if ('error' in hard) return { error: hard.error };
  if (hard.value !== null && (soft.value === null || soft.value > hard.value)) return { error: `soft limit above hard limit in '${value}'` };
  return { soft: soft.value, hard: hard.value, exact: { soft: soft.exact, hard: hard.exact } };
}

/** A config layer: one file's parsed entries, in the order systemd applies them. */
export interface UnitLayer {
  /** Host path (`/etc/systemd/system/nginx.service.d/override.conf`). */
  file: string;
  entries: UnitEntry[];
}

export interface SettingSource {
  setting: RlimitSetting;
  /** The raw value as written. */
  raw: string;
  file: string;
  line: number;
}

export interface SettingResolution {
  /** The assignment in effect; null when none. */
  winner: SettingSource | null;
  /** Assignments overridden by a later one, in order. */
  shadowed: SettingSource[];
  /** Assignments systemd ignores (values it cannot parse, empty ones included). */
  invalid: { file: string; line: number; message: string; raw: string }[];
}

/** The effective `key=` in `section` over layers applied in order: later wins, invalid (and empty) ones are ignored. */
export function resolveSetting(layers: UnitLayer[], section: string, key: string, resource = 'NOFILE'): SettingResolution {
  const out: SettingResolution = { winner: null, shadowed: [], invalid: [] };
  for (const layer of layers) {
    for (const e of layer.entries) {
      if (e.section !== section || e.key !== key) continue;
      const s = parseRlimitSetting(e.value, resource);
      if ('error' in s) {
        const what = s.error.startsWith('soft limit above hard') ? 'Soft resource limit chosen higher than hard limit, ignoring' : 'Failed to parse resource value, ignoring';
        out.invalid.push({ file: layer.file, line: e.line, raw: e.value, message: `${key}=${e.value}: ${what} (${s.error})` });
        continue;
      }
      if (out.winner) out.shadowed.push(out.winner);
      out.winner = { setting: s, raw: e.value, file: layer.file, line: e.line };
    }
  }
  return out;
}

/** systemd ≥ 240 built-in DefaultLimitNOFILE: soft 1024, hard 524288 (HIGH_RLIMIT_NOFILE, at most fs.nr_open). */
export const SYSTEMD_DEFAULT_NOFILE_SOFT = 1024;
export const SYSTEMD_DEFAULT_NOFILE_HARD = 524288;

/**
 * PID 1's fallback_rlimit_nofile() (src/core/main.c, v252): soft min(kernel soft, 1024),
 * hard min(fs.nr_open, max(kernel hard, 524288)); at boot the kernel gives 1024/4096.
 */
export function builtinDefaultNofile(nrOpen: number): { soft: number; hard: number } {
  return { soft: SYSTEMD_DEFAULT_NOFILE_SOFT, hard: Math.min(SYSTEMD_DEFAULT_NOFILE_HARD, nrOpen) };
}

/**
 * What a service actually gets for a setting: setrlimit_closest() lowers a hard limit
 * above PID 1's own (fs.nr_open, which PID 1 raises itself to) to it, and `infinity` with it.
 */
export function effectiveNofile(s: RlimitSetting, nrOpen: number): { soft: number; hard: number } {
  const hard = s.hard === null ? nrOpen : Math.min(s.hard, nrOpen);
  const soft = s.soft === null ? hard : Math.min(s.soft, hard);
  return { soft, hard };
}

function prefixOf(name: string): string {
  const dot = name.lastIndexOf('.');
  const stem = name.slice(0, dot);
  const at = stem.indexOf('@');
  return at >= 0 ? stem.slice(0, at) : stem;
}

/**
 * Drop-in directory names systemd looks in for `unit` within ONE unit directory, in
 * order (src/shared/dropin.c unit_file_find_dirs, v252): the name, for an instance its
 * template (and the template's dash prefixes), then the dash prefixes of the name
 * (`a-b-c.service` → `a-b-.service`, `a-.service`; for `a-b@x.service` → `a-@x.service`,
 * `a-@.service`). The type directory (`service.d`) comes after ALL unit directories.
 */
export function dropinNames(unit: string): string[] {
  const out: string[] = [];
  const visit = (name: string) => {
    out.push(name);
    const dot = name.lastIndexOf('.');
    const type = name.slice(dot + 1);
    const stem = name.slice(0, dot);
    const at = stem.indexOf('@');
    const isInstance = at > 0 && at < stem.length - 1;
    if (isInstance) visit(`${stem.slice(0, at + 1)}.${type}`);
    let prefix = prefixOf(name);
    let chopped = false;
    for (;;) {
      const dash = prefix.lastIndexOf('-');
      if (dash < 0 || dash === 0) return;
      if (dash + 1 < prefix.length || chopped) {
        prefix = prefix.slice(0, dash + 1);
        break;
      }
      prefix = prefix.slice(0, dash);
      chopped = true;
    }
    const instance = isInstance ? stem.slice(at + 1) : null;
    visit(`${prefix}${instance !== null ? `@${instance}` : ''}.${type}`);
  };
  visit(unit);
  return out;
}

/** `nginx` → `nginx.service`; names with a known unit suffix are kept. */
export function normalizeUnitName(name: string): string {
  return /\.(service|socket|mount|swap|target|timer|path|slice|scope|automount|device)$/.test(name) ? name : `${name}.service`;
}

/** Sections of a unit file by type (UNIT_VTABLE(u)->sections). */
export function unitSections(unit: string): string[] {
  const type = unit.slice(unit.lastIndexOf('.') + 1);
  const own: Record<string, string> = { service: 'Service', socket: 'Socket', mount: 'Mount', swap: 'Swap', timer: 'Timer', path: 'Path', slice: 'Slice', scope: 'Scope', automount: 'Automount' };
  return ['Unit', ...(own[type] ? [own[type]!] : []), 'Install'];
}

/**
 * A limits.conf-style value (`65536`, `unlimited`, `-1`) as LimitNOFILE= must spell it:
 * systemd knows only digits and `infinity` (rlimit_parse_u64), so `unlimited` or `-1`
 * written as is would be rejected and ignored. null when pam itself cannot read it.
 */
export function limitForSystemd(pamStyle: string): string | null {
  const v = pamStyle.trim().toLowerCase();
  if (v === 'unlimited' || v === 'infinity' || v === '-1' || v === '-') return 'infinity';
  if (!/^\d+$/.test(v)) return null;
  return BigInt(v).toString();
}
