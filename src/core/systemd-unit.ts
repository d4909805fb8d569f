// systemd unit files and manager config (system.conf): the parser and the LimitNOFILE=
// rules. Pure; src/host/limits.ts finds and reads the files.
//
// Syntax (systemd src/shared/conf-parser.c): `[Section]` headers, `Key=Value` with
// whitespace around both trimmed, lines whose first non-blank character is `#` or `;`
// are comments (also in the middle of a continuation), a line ending in an unescaped
// `\` continues on the next line (the backslash becomes a space). Assignments outside a
// section and lines without `=` are ignored with a warning, as systemd does.
//
// Values (src/basic/rlimit-util.c rlimit_parse): `N` sets soft and hard, `S:H` each,
// `infinity` no limit; soft > hard is rejected. An invalid value is ignored (the earlier
// setting stays); an EMPTY value resets the setting to "not set" (manager default).

export interface UnitEntry {
  section: string;
  key: string;
  value: string;
  /** First physical line of the (possibly continued) assignment. */
  line: number;
}

export interface ParsedUnit {
  entries: UnitEntry[];
  problems: { line: number; message: string }[];
}

export function parseUnitFile(text: string): ParsedUnit {
  const entries: UnitEntry[] = [];
  const problems: ParsedUnit['problems'] = [];
  const rows = text.replace(/^\uFEFF/, '').split('\n');
  if (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  let section: string | null = null;
  let cont: string | null = null;
  let contStart = 0;
  rows.forEach((rawRow, idx) => {
    const lineNo = idx + 1;
    const row = rawRow.replace(/\r$/, '');
    const lead = row.trimStart();
    if (lead.startsWith('#') || lead.startsWith(';')) return;
    const p = cont === null ? row : cont + row;
    if (cont === null) contStart = lineNo;
    // Unescaped trailing backslash: count the run of backslashes at the end.
    const tail = /\\+$/.exec(p);
    if (tail && tail[0].length % 2 === 1) {
      cont = p.slice(0, -1) + ' ';
      return;
    }
    cont = null;
    const l = p.trim();
    if (l === '') return;
    if (l.startsWith('[')) {
      if (!l.endsWith(']')) {
        problems.push({ line: contStart, message: `invalid section header '${l}'` });
        return;
      }
      section = l.slice(1, -1);
      return;
    }
    if (section === null) {
      problems.push({ line: contStart, message: 'assignment outside of a section, ignored' });
      return;
    }
    const eq = l.indexOf('=');
    if (eq < 0) {
      problems.push({ line: contStart, message: `missing '=', ignored: '${l}'` });
      return;
    }
    entries.push({ section, key: l.slice(0, eq).trim(), value: l.slice(eq + 1).trim(), line: contStart });
  });
  // TypeScript cannot see the assignment inside the callback above.
  const tail = cont as string | null;
  if (tail !== null) {
    // A continuation at end of file is still parsed by systemd.
    const l = tail.trim();
    const eq = l.indexOf('=');
    if (section !== null && eq > 0) entries.push({ section, key: l.slice(0, eq).trim(), value: l.slice(eq + 1).trim(), line: contStart });
  }
  return { entries, problems };
}

/** A parsed `LimitX=` value; null = infinity. */
export interface RlimitSetting {
  soft: number | null;
  hard: number | null;
}

const SIZE_ITEMS = new Set(['FSIZE', 'DATA', 'STACK', 'CORE', 'RSS', 'MEMLOCK', 'AS', 'MSGQUEUE']);
const SUFFIX: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5, E: 1024 ** 6 };

function parseOne(v: string, resource: string): number | null | undefined {
  if (v === 'infinity') return null;
  if (SIZE_ITEMS.has(resource)) {
    const m = /^(\d+(?:\.\d+)?)\s*([KMGTPE]?)B?$/i.exec(v);
    if (!m) return undefined;
    return Math.floor(Number(m[1]) * (SUFFIX[(m[2] ?? '').toUpperCase()] ?? 1));
  }
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * `LimitNOFILE=` / `DefaultLimitNOFILE=` value (`resource` is the name after `Limit`,
 * `NOFILE` by default). Returns `{ reset: true }` for an empty value.
 */
export function parseRlimitSetting(value: string, resource = 'NOFILE'): RlimitSetting | { reset: true } | { error: string } {
  const v = value.trim();
  if (v === '') return { reset: true };
  const parts = v.split(':');
  if (parts.length > 2) return { error: `'${value}' is not N, SOFT:HARD or infinity` };
  const soft = parseOne(parts[0]!.trim(), resource);
  const hard = parts.length === 2 ? parseOne(parts[1]!.trim(), resource) : soft;
  if (soft === undefined || hard === undefined) return { error: `'${value}' is not N, SOFT:HARD or infinity` };
  if (hard !== null && (soft === null || soft > hard)) return { error: `soft limit above hard limit in '${value}'` };
  return { soft, hard };
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
  /** The assignment in effect; null when none (or the last one was an empty reset). */
  winner: SettingSource | null;
  /** `file:line` of an empty assignment that reset an earlier one (when it is the last word). */
  resetBy?: { file: string; line: number };
  /** Assignments overridden by a later one, in order. */
  shadowed: SettingSource[];
  /** Assignments systemd ignores (invalid values). */
  invalid: { file: string; line: number; message: string }[];
}

/** The effective `key=` in `section` over layers applied in order (later wins, empty resets). */
export function resolveSetting(layers: UnitLayer[], section: string, key: string, resource = 'NOFILE'): SettingResolution {
  const out: SettingResolution = { winner: null, shadowed: [], invalid: [] };
  for (const layer of layers) {
    for (const e of layer.entries) {
      if (e.section !== section || e.key !== key) continue;
      const s = parseRlimitSetting(e.value, resource);
      if ('error' in s) {
        out.invalid.push({ file: layer.file, line: e.line, message: `${key}=${e.value}: ${s.error} (systemd ignores it)` });
        continue;
      }
      if (out.winner) out.shadowed.push(out.winner);
      if ('reset' in s) {
        out.winner = null;
        out.resetBy = { file: layer.file, line: e.line };
        continue;
      }
      out.winner = { setting: s, raw: e.value, file: layer.file, line: e.line };
      delete out.resetBy;
    }
  }
  return out;
}

/** systemd ≥ 240 built-in DefaultLimitNOFILE: soft 1024, hard 524288 (HIGH_RLIMIT_NOFILE, at most fs.nr_open). */
export const SYSTEMD_DEFAULT_NOFILE_SOFT = 1024;
export const SYSTEMD_DEFAULT_NOFILE_HARD = 524288;

export function builtinDefaultNofile(nrOpen: number): { soft: number; hard: number } {
  return { soft: SYSTEMD_DEFAULT_NOFILE_SOFT, hard: Math.min(SYSTEMD_DEFAULT_NOFILE_HARD, nrOpen) };
}

/** What a service actually gets for a setting: `infinity` becomes fs.nr_open (PID 1's ceiling). */
export function effectiveNofile(s: RlimitSetting, nrOpen: number): { soft: number; hard: number } {
  const hard = s.hard === null ? nrOpen : Math.min(s.hard, nrOpen);
  const soft = s.soft === null ? hard : Math.min(s.soft, hard);
  return { soft, hard };
}

/**
 * Names systemd looks up drop-ins for, most specific first: the unit, its template
 * (`foo@.service` for `foo@bar.service`), the dash prefixes (`a-b-.service` ...
 * `a-.service`, systemd ≥ 239) and the type (`service`).
 */
export function dropinNames(unit: string): string[] {
  const dot = unit.lastIndexOf('.');
  const type = unit.slice(dot + 1);
  const stem = unit.slice(0, dot);
  const names = [unit];
  const at = stem.indexOf('@');
  if (at >= 0 && at < stem.length - 1) names.push(`${stem.slice(0, at + 1)}.${type}`);
  const base = at >= 0 ? stem.slice(0, at) : stem;
  const parts = base.split('-');
  for (let i = parts.length - 1; i >= 1; i--) {
    const prefix = parts.slice(0, i).join('-');
    if (prefix !== '') names.push(`${prefix}-.${type}`);
  }
  names.push(type);
  return names;
}

/** `nginx` → `nginx.service`; names with a known unit suffix are kept. */
export function normalizeUnitName(name: string): string {
  return /\.(service|socket|mount|swap|target|timer|path|slice|scope|automount|device)$/.test(name) ? name : `${name}.service`;
}
