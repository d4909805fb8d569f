// What pam_limits would set for one user: the effective soft/hard value of every
// rlimit item and the line it comes from. Pure; mirrors pam_limits.c (Linux-PAM 1.5.x):
//
// - Lines are read in order (limits.conf, then limits.d/*.conf in C order).
// - Each matching line has a specificity: user (name, or a uid range) 0, @group
//   (membership by name or `@:gid`; `@min:max` / `@min:` compare the PRIMARY gid) 1,
//   `*` 4. (`%group` 2 and `%` 3 exist but pam applies them to maxlogins only.)
// - A line sets a value only if it is at least as specific as the line that set it
//   before (`if (src < source) return`), so user beats @group beats `*` whatever the
//   order, and among equals the later line wins.
// - Quirk kept on purpose: for a `-` line pam checks soft first and RETURNS when the
//   soft value is held by a more specific line, so the hard half is not applied either.
// - `nofile unlimited` becomes fs.nr_open; size items are KiB (x1024), cpu minutes (x60),
//   nice is stored as 20 - nice.
// - Values no line sets keep `base`: upstream, what the calling process had; Debian
//   (patch 027) starts from /proc/1/limits. soft > hard is clamped to hard.
// - Debian (patch 027): `@group`/`%`/`*` lines do not apply to root. Debian (patch 032):
//   an EPERM from setrlimit is not fatal — the item silently keeps the caller's value.
// - A matching `<domain> -` line means "no limits": pam sets nothing at all.

import type { LimitLine, RLimit } from './types.js';
import { KB_ITEMS, isRlimitItem, parseDomainRange, parseLimitValue, type LimitsExemption } from './limits-conf.js';

export interface PamIdentity {
  /** Login name; null = "any user no line names": only `*` lines match. */
  name: string | null;
  uid: number | null;
  /** Primary gid. */
  gid: number | null;
  /** Every group the user is in (primary and supplementary), by name. */
  groups: string[];
  /** Their gids. */
  gids: number[];
}

export type Specificity = 'user' | 'group' | 'allgroup' | 'all' | 'default';
/** pam_limits' LIMITS_DEF_* order: lower = more specific. */
export const SPECIFICITY_RANK: Record<Specificity, number> = { user: 0, group: 1, allgroup: 2, all: 3, default: 4 };

export interface ValueSource {
  /** Kernel units (bytes for sizes, seconds for cpu); null = unlimited. */
  value: number | null;
  /** `/etc/security/limits.d/x.conf:3`, or `inherited` (no line sets it). */
  source: string;
  /** The winning line, when a line sets it. */
  line?: LimitLine;
  /** The soft value was above the hard one and pam lowered it. */
  clamped?: boolean;
}

export interface EffectiveLimit {
  soft: ValueSource;
  hard: ValueSource;
}

export type LineVerdict =
  /** The line applies to this user and its value is in effect (soft, hard or both). */
  | 'wins'
  /** Applies, but a later line of equal or greater specificity replaced it. */
  | 'overridden'
  /** Applies, but a more specific line already holds the value. */
  | 'outranked'
  /** The domain does not match this user. */
  | 'not-matching'
  /** pam ignores it for rlimits (`%` domains, maxlogins/priority/... items). */
  | 'ignored';

export interface LineOutcome {
  line: LimitLine;
  /** How the domain matched (null when it does not). */
  matchedAs: Specificity | null;
  verdict: LineVerdict;
  /** Which halves of the value this line ended up providing. */
  provides: ('soft' | 'hard')[];
  note?: string;
}

export interface PamResolution {
  /** The matching `<domain> -` line, if any: then nothing below is applied. */
  exemptBy: LimitsExemption | null;
  /** Effective limits per item (every item in `base` plus any a line sets). */
  limits: Record<string, EffectiveLimit>;
  lines: LineOutcome[];
  /** Things that make the login fail or surprise the operator. */
  warnings: { id: string; message: string; file?: string; line?: number }[];
}

export interface ResolveOptions {
  /** fs.nr_open: `nofile unlimited` becomes this, and a hard nofile above it fails the login. */
  nrOpen: number;
  /** Limits of the process that opens the session (sshd, login, su): the starting point. */
  base: Record<string, RLimit>;
  exempt?: LimitsExemption[];
  /**
   * Debian/Ubuntu patch 027: `@group`, `%` and `*` lines do not apply to uid 0 (only lines
   * naming root do). Default true (Debian is what this machine and most fleets run).
   */
  rootByNameOnly?: boolean;
}

/** How `domain` matches `who`, as parse_config_file decides; null = no match. */
export function matchDomain(domain: string, who: PamIdentity): Specificity | null {
  const range = parseDomainRange(domain);
  if (range === null) return null;
  if (who.name !== null && domain === who.name) return 'user';
  if (domain.startsWith('@')) {
    switch (range.kind) {
      case 'none':
        return who.groups.includes(domain.slice(1)) ? 'group' : null;
      case 'one':
        return who.gids.includes(range.id) ? 'group' : null;
      case 'min':
        return who.gid !== null && who.gid >= range.min ? 'group' : null;
      case 'range':
        return who.gid !== null && who.gid >= range.min && who.gid <= range.max ? 'group' : null;
    }
  }
  if (domain.startsWith('%')) {
    if (domain === '%') return 'all';
    if (range.kind === 'none') return who.groups.includes(domain.slice(1)) ? 'allgroup' : null;
    if (range.kind === 'one') return who.gids.includes(range.id) ? 'allgroup' : null;
    return null; // "range unsupported for %group matching - ignored"
  }
  switch (range.kind) {
    case 'none':
      return domain === '*' ? 'default' : null;
    case 'one':
      return who.uid !== null && who.uid === range.id ? 'user' : null;
    case 'min':
      return who.uid !== null && who.uid >= range.min ? 'user' : null;
    case 'range':
      return who.uid !== null && who.uid >= range.min && who.uid <= range.max ? 'user' : null;
  }
}

/** The value a line sets, in kernel units (null = unlimited), as process_limit computes it. */
export function lineValue(item: string, raw: string, nrOpen: number): number | null | undefined {
  const v = parseLimitValue(item, raw);
  if ('error' in v) return undefined;
  if (v.unlimited) return item === 'nofile' ? nrOpen : null;
  if (KB_ITEMS.has(item)) return v.n * 1024;
  if (item === 'cpu') return v.n * 60;
  if (item === 'nice') return 20 - Math.min(19, Math.max(-20, v.n));
  return v.n;
}

const where = (l: LimitLine) => `${l.file}:${l.line}`;

export function resolvePamLimits(lines: LimitLine[], who: PamIdentity, opts: ResolveOptions): PamResolution {
  const warnings: PamResolution['warnings'] = [];
  const rootByNameOnly = opts.rootByNameOnly ?? true;
  const exemptBy =
    (opts.exempt ?? []).find((e) => {
      const m = matchDomain(e.domain, who);
      // pam honours `<name> -`, `@group -` and uid ranges; `*`/`%` two-field lines are skipped.
      return m === 'user' || m === 'group';
    }) ?? null;

  interface Slot { value: number | null; rank: number; line?: LimitLine }
  const state = new Map<string, { soft: Slot; hard: Slot }>();
  const NONE = 6; // LIMITS_DEF_NONE
  const slot = (item: string) => {
    let s = state.get(item);
    if (!s) {
      const b = opts.base[item];
      s = { soft: { value: b ? b.soft : null, rank: NONE }, hard: { value: b ? b.hard : null, rank: NONE } };
      state.set(item, s);
    }
    return s;
  };
  for (const item of Object.keys(opts.base)) slot(item);

  const outcomes: LineOutcome[] = [];
  for (const line of lines) {
    const matchedAs = matchDomain(line.domain, who);
    const o: LineOutcome = { line, matchedAs, verdict: 'not-matching', provides: [] };
    outcomes.push(o);
    if (matchedAs === null) continue;
    if (rootByNameOnly && who.uid === 0 && matchedAs !== 'user') {
      o.verdict = 'ignored';
      o.note = 'group and wildcard lines do not apply to root (Debian pam_limits); name root explicitly';
      continue;
    }
    if (!isRlimitItem(line.item)) {
      o.verdict = 'ignored';
      o.note = `${line.item} is not a resource limit`;
      continue;
    }
    const value = lineValue(line.item, line.value, opts.nrOpen);
    if (value === undefined) {
      o.verdict = 'ignored';
      o.note = 'invalid value';
      continue;
    }
    if (matchedAs === 'all' || matchedAs === 'allgroup') {
      o.verdict = 'ignored';
      o.note = "'%' domains apply to maxlogins only";
      continue;
    }
    if (exemptBy) {
      o.verdict = 'ignored';
      o.note = `'${exemptBy.domain} -' (${exemptBy.file}:${exemptBy.line}) exempts this user`;
      continue;
    }
    const rank = SPECIFICITY_RANK[matchedAs];
    const s = slot(line.item);
    const halves: ('soft' | 'hard')[] = line.type === '-' ? ['soft', 'hard'] : [line.type];
    let applied = false;
    for (const h of halves) {
      // process_limit: `if (src < source) return;` — also skips the hard half of a `-` line.
      if (s[h].rank < rank) {
        o.note =
          line.type === '-' && h === 'soft'
            ? 'a more specific line holds the soft value, so pam_limits skips the whole line (hard too)'
            : `a more specific line holds the ${h} value`;
        break;
      }
      s[h] = { value, rank, line };
      applied = true;
    }
    o.verdict = applied ? 'wins' : 'outranked';
  }

  // Final verdicts: a line "wins" only for the halves it still holds.
  for (const o of outcomes) {
    if (o.verdict !== 'wins') continue;
    const s = state.get(o.line.item);
    if (s?.soft.line === o.line) o.provides.push('soft');
    if (s?.hard.line === o.line) o.provides.push('hard');
    if (o.provides.length === 0) o.verdict = 'overridden';
  }

  const limits: Record<string, EffectiveLimit> = {};
  for (const [item, s] of state) {
    const touched = s.soft.rank !== NONE || s.hard.rank !== NONE;
    const soft: ValueSource = { value: s.soft.value, source: s.soft.line ? where(s.soft.line) : 'inherited' };
    if (s.soft.line) soft.line = s.soft.line;
    const hard: ValueSource = { value: s.hard.value, source: s.hard.line ? where(s.hard.line) : 'inherited' };
    if (s.hard.line) hard.line = s.hard.line;
    if (touched && hard.value !== null && (soft.value === null || soft.value > hard.value)) {
      soft.value = hard.value;
      soft.clamped = true;
    }
    limits[item] = { soft, hard };
  }

  const nofile = limits.nofile;
  if (nofile && nofile.hard.line && (nofile.hard.value === null || nofile.hard.value > opts.nrOpen)) {
    warnings.push({
      id: 'limits.nofile-above-nr-open',
      message: `hard nofile ${nofile.hard.value ?? 'unlimited'} is above fs.nr_open (${opts.nrOpen}): setrlimit fails with EPERM and pam_limits denies the session (logins, su, sudo fail)`,
      file: nofile.hard.line.file,
      line: nofile.hard.line.line,
    });
  }
  for (const [item, l] of Object.entries(limits)) {
    if (l.soft.clamped && l.soft.line) {
      warnings.push({
        id: 'limits.soft-above-hard',
        message: `soft ${item} from ${l.soft.source} is above the hard limit (${l.hard.value}); pam_limits lowers it to the hard limit`,
        file: l.soft.line.file,
        line: l.soft.line.line,
      });
    }
  }
  if (exemptBy) {
    warnings.push({
      id: 'limits.exempt',
      message: `'${exemptBy.domain} -' at ${exemptBy.file}:${exemptBy.line}: pam_limits sets no limits at all for this user`,
      file: exemptBy.file,
      line: exemptBy.line,
    });
  }
  return { exemptBy, limits, lines: outcomes, warnings };
}
