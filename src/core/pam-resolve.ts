// What pam_limits does when a user opens a session: the soft/hard value it asks for per
// item and the line each comes from, what setrlimit() then does with it, and whether the
// session opens at all. Pure; mirrors pam_sm_open_session() of pam_limits.c (read at
// v1.5.2 with Debian 1.5.2-6+deb12u1's patches, and v1.1.8 .. v1.7.0; see pam-module.ts
// for what differs between builds):
//
// - Files are read in order (limits.conf, then limits.d/*.conf); a file that cannot be
//   opened ends everything with PAM_SERVICE_ERR ("Error in service module") — up to 1.5.2
//   also a missing one; a matching `<domain> -` line ends everything with success and
//   nothing set.
// - Domain match (parse_config_file): the user's name → USER; `@group`/`@gid`/`@min:max`
//   (primary gid for ranges) → GROUP; `%`/`%group` → ALL/ALLGROUP (maxlogins only); `*` →
//   DEFAULT; `uid`, `:uid`, `min:`, `min:max` → USER. Debian (patch 027): for uid 0 the
//   `@`, `%` and `*` branches are skipped — so `@:0`, `@0:`, `%:0` fall through to the uid
//   branch and match root as USER lines.
// - A line sets a half (soft/hard) only if it is at least as specific as what set it
//   before (`if (src < source) return`), so user beats @group beats `*` whatever the order,
//   and among equals the later line wins. For a `-` line pam checks soft first and RETURNS
//   when a more specific line holds the soft value, so the hard half is skipped as well.
// - Starting values: upstream, the calling process's own limits, and only items some line
//   touched are set; Debian, every item from /proc/1/limits (soft nofile capped at 1024).
// - setup_limits(): soft above hard is lowered to hard, then setrlimit(). EPERM (hard
//   nofile above fs.nr_open; raising a hard limit without CAP_SYS_RESOURCE): upstream the
//   session is refused ("Permission denied"); Debian (patch 032) skips the item, which
//   then keeps the caller's soft AND hard value. maxlogins/maxsyslogins 0 refuse every
//   session but root's. Debian's `chroot` into a missing directory refuses the session.

import { RLIM_INFINITY } from './c-numbers.js';
import type { PamBehaviour } from './pam-module.js';
import { cLower, isRlimitItem, parseDomainRange, pamKernelValue, pamValue, type LimitsExemption } from './limits-conf.js';
import type { LimitLine, PamFileState, RLimit } from './types.js';

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
const KERNEL_RANK = 5;
const NONE_RANK = 6;

/** su fails to open the session when the soft nofile is at most this (measured with su on Debian 12). */
export const LOCKOUT_SOFT_NOFILE = 3;

export interface ValueSource {
  /** Kernel units (bytes for sizes, seconds for cpu); null = unlimited (RLIM_INFINITY). */
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
  /** pam ignores it for rlimits (`%` domains, Debian root rule, an exemption...). */
  | 'ignored'
  /** Applies, but it is a login count, priority, nonewprivs or chroot line. */
  | 'login-setting';

export interface LineOutcome {
  line: LimitLine;
  /** How the domain matched (null when it does not). */
  matchedAs: Specificity | null;
  verdict: LineVerdict;
  /** Which halves of the value this line ended up providing. */
  provides: ('soft' | 'hard')[];
  note?: string;
}

/** What setrlimit() does with the values pam asks for. */
export type SetrlimitOutcome =
  /** Applied. */
  | 'ok'
  /** EPERM, and this build refuses the session. */
  | 'eperm-fatal'
  /** EPERM, and this build skips the item (Debian): the caller's values stay. */
  | 'eperm-skipped'
  /** EPERM, and knobs does not know which build this is. */
  | 'eperm-unknown'
  /** Not set at all (upstream: no line touches the item). */
  | 'not-set';

export interface SessionFailure {
  id: 'config-unreadable' | 'nofile-eperm' | 'eperm' | 'maxlogins-zero' | 'nofile-too-low' | 'chroot-missing';
  message: string;
  file?: string;
  line?: number;
  /** The failure happens on some builds only (upstream vs Debian unknown). */
  uncertain?: boolean;
}

export interface PamResolution {
  /** The matching `<domain> -` line, if any: then nothing below is applied. */
  exemptBy: LimitsExemption | null;
  /** What pam_limits asks for, per item (every item in `base` plus any a line sets). */
  limits: Record<string, EffectiveLimit>;
  /** What setrlimit() does per item pam sets. */
  setrlimit: Record<string, SetrlimitOutcome>;
  /** What the session ends up with per item, when it opens (a skipped item keeps the caller's value). */
  effective: Record<string, RLimit>;
  /** Whether the session opens: false with `failures`, null when it depends on the unknown build. */
  opens: boolean | null;
  failures: SessionFailure[];
  /** maxlogins / maxsyslogins in effect for this user (null = none), and the line. */
  loginLimit: { value: number; kind: 'maxlogins' | 'maxsyslogins'; line: LimitLine } | null;
  lines: LineOutcome[];
  /** Things that surprise the operator, with file:line. */
  warnings: { id: string; message: string; file?: string; line?: number }[];
}

export interface ResolveOptions {
  /** fs.nr_open: `nofile unlimited` becomes this (≥ 1.5.2), and a hard nofile above it is EPERM. */
  nrOpen: number;
  /**
   * Limits of the process that opens the session (sshd, login, su): where upstream starts
   * and what an item keeps when setrlimit fails.
   */
  base: Record<string, RLimit>;
  /** /proc/1/limits (Debian starts from it; null/absent: PAM's built-in defaults). */
  pid1?: Record<string, RLimit> | null;
  exempt?: LimitsExemption[];
  /** The pam_limits build (pamBehaviour()); default: Debian's, what this machine runs. */
  behaviour?: Pick<PamBehaviour, 'debianPatches' | 'epermFatal' | 'unlimitedNofileIsNrOpen' | 'missingFileFatal' | 'rootByNameOnly' | 'chrootItem'>;
  /** Files in reading order with their open state (to find configs that fail the session). */
  files?: { path: string; state: PamFileState }[];
  /** The caller may raise hard limits (CAP_SYS_RESOURCE). Default true: sshd, login and su run as root. */
  canRaiseHard?: boolean;
  /** Debian `chroot` directories → exist. */
  chrootDirs?: Record<string, boolean>;
  /** @deprecated use behaviour.rootByNameOnly. */
  rootByNameOnly?: boolean;
}

const DEBIAN_DEFAULT: NonNullable<ResolveOptions['behaviour']> = {
  debianPatches: true, epermFatal: false, unlimitedNofileIsNrOpen: true, missingFileFatal: true, rootByNameOnly: true, chrootItem: true,
};

/** PAM's built-in defaults when /proc/1/limits is unreadable (Debian patch 027). */
const PAM_DEFAULTS: Record<string, RLimit> = {
  cpu: { soft: null, hard: null }, fsize: { soft: null, hard: null }, data: { soft: null, hard: null },
  rss: { soft: null, hard: null }, nproc: { soft: null, hard: null }, as: { soft: null, hard: null },
  locks: { soft: null, hard: null }, memlock: { soft: 65536, hard: 65536 }, sigpending: { soft: 16382, hard: 16382 },
  msgqueue: { soft: 819200, hard: 819200 }, core: { soft: 0, hard: null }, stack: { soft: 8388608, hard: null },
  nofile: { soft: 1024, hard: 1024 },
};

/** How `domain` matches `who` for a four-field line, as parse_config_file decides; null = no match. */
export function matchDomain(domain: string, who: PamIdentity, rootByNameOnly = false): Specificity | null {
  const range = parseDomainRange(domain);
  if (range === null) return null;
  if (who.name !== null && domain === who.name) return 'user';
  const root = rootByNameOnly && who.uid === 0;
  if (domain.startsWith('@') && !root) {
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
  if (domain.startsWith('%') && !root) {
    if (range.kind === 'none') return domain === '%' ? 'all' : who.groups.includes(domain.slice(1)) ? 'allgroup' : null;
    if (range.kind === 'one') return who.gids.includes(range.id) ? 'allgroup' : null;
    return null; // "range unsupported for %group matching - ignored"
  }
  switch (range.kind) {
    case 'none':
      return domain === '*' && !root ? 'default' : null;
    case 'one':
      return who.uid !== null && who.uid === range.id ? 'user' : null;
    case 'min':
      return who.uid !== null && who.uid >= range.min ? 'user' : null;
    case 'range':
      return who.uid !== null && who.uid >= range.min && who.uid <= range.max ? 'user' : null;
  }
}

/** Whether a two-field `<domain> -` line exempts `who` (the i == 2 branch of parse_config_file). */
export function exemptionMatches(domain: string, who: PamIdentity): boolean {
  const range = parseDomainRange(domain);
  if (range === null) return false;
  if (who.name !== null && domain === who.name) return true;
  if (domain.startsWith('@')) {
    switch (range.kind) {
      case 'none':
        return who.groups.includes(domain.slice(1));
      case 'one':
        return who.gids.includes(range.id);
      case 'range':
        return who.gid !== null && who.gid <= range.max && who.gid >= range.min;
      case 'min':
        return who.gid !== null && who.gid >= range.min;
    }
  }
  // `*`, `%`, a plain name: skipped; `%` with a range falls through to the uid checks (sic).
  switch (range.kind) {
    case 'none':
      return false;
    case 'one':
      return who.uid !== null && who.uid === range.id;
    case 'range':
      return who.uid !== null && who.uid <= range.max && who.uid >= range.min;
    case 'min':
      return who.uid !== null && who.uid >= range.min;
  }
}

/** The value a line sets, in kernel units (null = unlimited), as process_limit computes it. */
export function lineValue(item: string, raw: string, nrOpen: number, unlimitedIsNrOpen = true): number | null | undefined {
  const v = pamKernelValue(item, raw, nrOpen, unlimitedIsNrOpen);
  if (v === undefined) return undefined;
  return v === RLIM_INFINITY ? null : Number(v);
}

const where = (l: { file: string; line: number }) => `${l.file}:${l.line}`;
const gt = (a: number | null, b: number | null): boolean => (a === null ? b !== null : b !== null && a > b);

export function resolvePamLimits(lines: LimitLine[], who: PamIdentity, opts: ResolveOptions): PamResolution {
  const b = { ...DEBIAN_DEFAULT, ...(opts.rootByNameOnly !== undefined ? { rootByNameOnly: opts.rootByNameOnly, debianPatches: opts.rootByNameOnly } : {}), ...opts.behaviour };
  const debian = b.debianPatches === true;
  const rootRule = b.rootByNameOnly === true;
  const unlimitedIsNrOpen = b.unlimitedNofileIsNrOpen !== false;
  const warnings: PamResolution['warnings'] = [];
  const failures: SessionFailure[] = [];

  // ---- which files are read, and does one end it all -----------------------------
  const exempts = opts.exempt ?? [];
  let exemptBy: LimitsExemption | null = null;
  const readFiles = new Set<string>();
  const fileOrder = opts.files ?? [...new Set([...lines.map((l) => l.file), ...exempts.map((e) => e.file)])].map((path) => ({ path, state: 'read' as PamFileState }));
  for (const f of fileOrder) {
    const fatal =
      f.state === 'loop' || f.state === 'unreadable' || f.state === 'special' || (f.state === 'missing' && b.missingFileFatal !== false);
    if (fatal) {
      failures.push({
        id: 'config-unreadable',
        message:
          f.state === 'missing'
            ? `${f.path} ${f.path.endsWith('/limits.conf') ? 'does not exist' : 'is a link to nothing'}: pam_limits cannot open it and fails with PAM_SERVICE_ERR ("su: cannot open session: Error in service module")${b.missingFileFatal === null ? ' — from Linux-PAM 1.5.3 a missing file is accepted; knobs could not tell the version' : ''}`
            : f.state === 'special'
              ? `${f.path} is not a regular file (a FIFO, socket or device): pam_limits' fopen() blocks or fails, and logins hang or fail`
              : `${f.path}: ${f.state === 'loop' ? 'a symlink loop' : 'cannot be read'}: pam_limits fails with PAM_SERVICE_ERR ("Error in service module")`,
        file: f.path,
        ...(f.state === 'missing' && b.missingFileFatal === null ? { uncertain: true } : {}),
      });
      break;
    }
    readFiles.add(f.path);
    const ex = exempts.find((e) => e.file === f.path && exemptionMatches(e.domain, who));
    if (ex) {
      exemptBy = ex;
      break;
    }
  }
  const inScope = (l: { file: string; line: number }) =>
    readFiles.has(l.file) && !(exemptBy && l.file === exemptBy.file && l.line > exemptBy.line);

  // ---- starting values --------------------------------------------------------------
  interface Slot { value: number | null; rank: number; line?: LimitLine }
  const state = new Map<string, { soft: Slot; hard: Slot }>();
  const start: Record<string, RLimit> = {};
  let startRank = NONE_RANK;
  if (debian) {
    startRank = opts.pid1 ? KERNEL_RANK : SPECIFICITY_RANK.default;
    Object.assign(start, opts.pid1 ? opts.pid1 : PAM_DEFAULTS);
    // pam-limits-nofile-fd-setsize-cap: the soft nofile read from PID 1 is capped at FD_SETSIZE.
    const nf = start.nofile;
    if (opts.pid1 && nf && (nf.soft === null || nf.soft > 1024)) start.nofile = { soft: 1024, hard: nf.hard };
  }
  const slot = (item: string) => {
    let s = state.get(item);
    if (!s) {
      const v = start[item] ?? opts.base[item];
      const rank = start[item] ? startRank : NONE_RANK;
      s = { soft: { value: v ? v.soft : null, rank }, hard: { value: v ? v.hard : null, rank } };
      state.set(item, s);
    }
    return s;
  };
  for (const item of Object.keys(start)) slot(item);
  for (const item of Object.keys(opts.base)) slot(item);

  let login: { value: number; rank: number; kind: 'maxlogins' | 'maxsyslogins'; line: LimitLine } | null = null;
  let chroot: LimitLine | null = null;
  const outcomes: LineOutcome[] = [];
  for (const line of lines) {
    const matchedAs = matchDomain(line.domain, who, rootRule);
    const o: LineOutcome = { line, matchedAs, verdict: 'not-matching', provides: [] };
    outcomes.push(o);
    if (!inScope(line)) {
      o.verdict = 'ignored';
      o.note = exemptBy ? `'${exemptBy.domain} -' (${where(exemptBy)}) exempts this user: nothing after it is read` : 'pam_limits stops before this file';
      continue;
    }
    if (matchedAs === null) {
      if (rootRule && who.uid === 0 && /^[@%*]/.test(line.domain) && parseDomainRange(line.domain)?.kind === 'none') {
        o.verdict = 'ignored';
        o.note = 'group and wildcard lines do not apply to root (Debian pam_limits); name root explicitly';
      }
      continue;
    }
    const item = cLower(line.item);
    const value = pamValue(item, line.value);
    if (value.kind === 'invalid') {
      o.verdict = 'ignored';
      o.note = 'pam_limits cannot read the value';
      continue;
    }
    if ((matchedAs === 'all' || matchedAs === 'allgroup') && item !== 'maxlogins') {
      o.verdict = 'ignored';
      o.note = "'%' domains apply to maxlogins only";
      continue;
    }
    const rank = SPECIFICITY_RANK[matchedAs];
    if (item === 'maxlogins' || item === 'maxsyslogins') {
      o.verdict = 'login-setting';
      if (login && login.rank < rank) {
        o.note = 'a more specific line holds the login limit';
        continue;
      }
      login = { value: value.kind === 'unlimited' ? -1 : Number(value.n), rank, kind: item, line };
      continue;
    }
    if (item === 'chroot') {
      o.verdict = 'login-setting';
      if (b.chrootItem === false) o.note = 'chroot is Debian-only; this pam_limits drops the line';
      else chroot = line; // no specificity check: the last matching line wins
      continue;
    }
    if (!isRlimitItem(item)) {
      o.verdict = 'login-setting';
      continue;
    }
    const v = pamKernelValue(item, line.value, opts.nrOpen, unlimitedIsNrOpen)!;
    const kv = v === RLIM_INFINITY ? null : Number(v);
    const s = slot(item);
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
      s[h] = { value: kv, rank, line };
      applied = true;
    }
    o.verdict = applied ? 'wins' : 'outranked';
  }

  for (const o of outcomes) {
    if (o.verdict !== 'wins') continue;
    const s = state.get(cLower(o.line.item));
    if (s?.soft.line === o.line) o.provides.push('soft');
    if (s?.hard.line === o.line) o.provides.push('hard');
    if (o.provides.length === 0) o.verdict = 'overridden';
  }

  // ---- setup_limits ------------------------------------------------------------------
  const limits: Record<string, EffectiveLimit> = {};
  const setrlimit: Record<string, SetrlimitOutcome> = {};
  const effective: Record<string, RLimit> = {};
  const canRaise = opts.canRaiseHard !== false;
  for (const [item, s] of state) {
    const touched = s.soft.rank !== NONE_RANK || s.hard.rank !== NONE_RANK;
    const soft: ValueSource = { value: s.soft.value, source: s.soft.line ? where(s.soft.line) : 'inherited' };
    if (s.soft.line) soft.line = s.soft.line;
    const hard: ValueSource = { value: s.hard.value, source: s.hard.line ? where(s.hard.line) : 'inherited' };
    if (s.hard.line) hard.line = s.hard.line;
    if (touched && gt(soft.value, hard.value)) {
      soft.value = hard.value;
      soft.clamped = true;
    }
    limits[item] = { soft, hard };
    const caller = opts.base[item] ?? { soft: null, hard: null };
    if (!touched || exemptBy) {
      setrlimit[item] = 'not-set';
      effective[item] = caller;
      continue;
    }
    const epermNrOpen = item === 'nofile' && gt(hard.value, opts.nrOpen);
    const epermCap = !canRaise && gt(hard.value, caller.hard);
    if (!epermNrOpen && !epermCap) {
      setrlimit[item] = 'ok';
      effective[item] = { soft: soft.value, hard: hard.value };
      continue;
    }
    setrlimit[item] = b.epermFatal === true ? 'eperm-fatal' : b.epermFatal === false ? 'eperm-skipped' : 'eperm-unknown';
    effective[item] = caller;
    if (b.epermFatal !== false) {
      const from = hard.line ? ` (${where(hard.line)})` : ` (inherited from ${debian ? '/proc/1/limits' : 'the caller'})`;
      failures.push({
        id: epermNrOpen ? 'nofile-eperm' : 'eperm',
        message: epermNrOpen
          ? `hard nofile ${hard.value ?? 'unlimited (RLIM_INFINITY)'}${from} is above fs.nr_open (${opts.nrOpen}): setrlimit fails with EPERM and pam_limits refuses the session ("su: cannot open session: Permission denied")`
          : `hard ${item} ${hard.value ?? 'unlimited'}${from} is above the caller's ${caller.hard ?? 'unlimited'} and the caller lacks CAP_SYS_RESOURCE: setrlimit fails with EPERM and the session is refused`,
        ...(hard.line ? { file: hard.line.file, line: hard.line.line } : {}),
        ...(b.epermFatal === null ? { uncertain: true } : {}),
      });
    }
  }

  // ---- session-ending settings ----------------------------------------------------------
  const nofile = limits.nofile;
  if (nofile && !exemptBy && setrlimit.nofile === 'ok' && nofile.soft.value !== null && nofile.soft.value <= LOCKOUT_SOFT_NOFILE) {
    const l = nofile.soft.line ?? nofile.hard.line;
    failures.push({
      id: 'nofile-too-low',
      message: `soft nofile ${nofile.soft.value}${l ? ` (${where(l)}${nofile.soft.clamped ? ', lowered to the hard limit' : ''})` : ''}: the login cannot open a file beyond stdin/stdout/stderr ("su: cannot open session: System error")`,
      ...(l ? { file: l.file, line: l.line } : {}),
    });
  }
  if (login && !exemptBy && login.value === 0 && who.uid !== 0) {
    failures.push({
      id: 'maxlogins-zero',
      message: `${login.kind} 0 (${where(login.line)}): pam_limits refuses every session of this user ("There were too many logins"; su: Permission denied)`,
      file: login.line.file,
      line: login.line.line,
    });
  }
  if (chroot && !exemptBy && b.chrootItem !== false) {
    const dir = chroot.value;
    const exists = opts.chrootDirs?.[dir];
    if (exists === false) {
      failures.push({
        id: 'chroot-missing',
        message: `chroot ${dir} (${where(chroot)}): the directory does not exist, chroot() fails and pam_limits refuses the session`,
        file: chroot.file,
        line: chroot.line,
        ...(b.chrootItem === null ? { uncertain: true } : {}),
      });
    }
  }
  const certain = failures.filter((f) => !f.uncertain);
  const opens = certain.length > 0 ? false : failures.length > 0 ? null : true;

  // ---- warnings ------------------------------------------------------------------------------
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
  if (setrlimit.nofile === 'eperm-skipped') {
    const h = limits.nofile!.hard;
    warnings.push({
      id: 'limits.nofile-not-applied',
      message: `hard nofile ${h.value ?? 'unlimited'} (${h.source}) is above ${gt(h.value, opts.nrOpen) ? `fs.nr_open (${opts.nrOpen})` : "the caller's hard limit"}: setrlimit fails with EPERM, this pam_limits (Debian patch 032) logs it and opens the session with the nofile limit NOT applied`,
      ...(h.line ? { file: h.line.file, line: h.line.line } : {}),
    });
  }
  for (const f of failures) warnings.push({ id: `limits.session-${f.id}`, message: f.message, ...(f.file ? { file: f.file } : {}), ...(f.line ? { line: f.line } : {}) });
  if (exemptBy) {
    warnings.push({
      id: 'limits.exempt',
      message: `'${exemptBy.domain} -' at ${where(exemptBy)}: pam_limits sets no limits at all for this user`,
      file: exemptBy.file,
      line: exemptBy.line,
    });
  }
  return {
    exemptBy,
    limits,
    setrlimit,
    effective,
    opens,
    failures,
    loginLimit: login && login.value >= 0 ? { value: login.value, kind: login.kind, line: login.line } : null,
    lines: outcomes,
    warnings,
  };
}
