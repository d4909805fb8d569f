// `knobs limits [--user U] [--service UNIT] [--pid PID] [--json]`: effective nofile/nproc
// for logins (pam_limits), for services (systemd) and for running processes, each value
// with the file:line it comes from. "Too many open files" usually ends here: limits.conf
// was raised, but the service is started by systemd, which never reads it.

import type { LimitLine, RLimit } from '../../core/types.js';
import { HostFs } from '../../host/host-fs.js';
import {
  listPids, readIdentity, readManagerLayers, readNrOpen, readPamConfig,
  readProc, readProcLimits, readUnitLayers, type ProcInfo,
} from '../../host/limits.js';
import { detectPamModule } from '../../host/pam-module.js';
import { pamBehaviour, type PamBehaviour } from '../../core/pam-module.js';
import { readListeningSockets } from '../../host/sockets.js';
import { resolvePamLimits, type PamIdentity, type ValueSource } from '../../core/pam-resolve.js';
import { builtinDefaultNofile, effectiveNofile, normalizeUnitName, resolveSetting } from '../../core/systemd-unit.js';
import { inputError, UserError } from '../../errors.js';
import { checkedUnitName } from '../../core/unit-name.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type Io } from '../io.js';

export interface LimitsOptions {
  root: string;
  user?: string;
  service?: string[];
  pid?: number[];
  json: boolean;
}

// ---- the JSON document (schemaVersion is added by printJson) ---------------------

/** One value and where it comes from. */
export interface SourcedValue {
  /** Kernel units (files for nofile, processes for nproc, bytes for sizes); null = unlimited. */
  value: number | null;
  /** `"/etc/security/limits.conf:12"`, `"inherited"` (no line sets it) or `"default"`. */
  source: string;
  /** pam_limits lowered the soft value to the hard one. */
  clamped?: boolean;
}

export interface LimitsReport {
  logins: {
    /** The login examined; null = "a user no line names by user or group" (only `*` lines apply). */
    user: string | null;
    uid: number | null;
    gid: number | null;
    /** Every group of the user (primary first as in etc/group order). */
    groups: string[];
    /** Where values no line sets come from (PID 1's limits on Debian, else the caller's). */
    base: string;
    /** The pam_limits build this host runs and what it does (detected from files under the root). */
    pam: Omit<PamBehaviour, 'summary'> & { summary: string; evidence: string[]; binary: string | null };
    /** Whether a session opens: false (with failures, each naming file:line), true, or null when it depends on the unknown build. */
    session: { opens: boolean | null; failures: { id: string; message: string; file?: string; line?: number; uncertain?: boolean }[] };
    /** What pam_limits asks for nofile, when the session does not get it (setrlimit failed). */
    requestedNofile: { soft: SourcedValue; hard: SourcedValue } | null;
    /** A matching `<domain> -` line: pam_limits sets nothing for this user. */
    exempt: { file: string; line: number } | null;
    nofile: { soft: SourcedValue; hard: SourcedValue };
    nproc: { soft: SourcedValue; hard: SourcedValue };
    /** Every item some line sets for this user (nofile, nproc, memlock, ...). */
    items: Record<string, { soft: SourcedValue; hard: SourcedValue }>;
    /** Every usable line of limits.conf + limits.d in reading order, with what it does for this user. */
    lines: (LimitLine & {
      /** wins | overridden | outranked | not-matching | ignored. */
      verdict: string;
      /** The halves (soft/hard) whose effective value this line provides. */
      provides: ('soft' | 'hard')[];
      note?: string;
    })[];
  };
  /** systemd manager defaults for every service without its own LimitNOFILE=. */
  defaults: {
    nofile: { soft: number; hard: number; source: string };
    /** run/systemd/system exists: systemd is PID 1 here. */
    systemdIsInit: boolean;
  };
  services: {
    unit: string;
    /** Host path of the unit file; null when not found under the root. */
    unitFile: string | null;
    masked: boolean;
    /** Drop-in files read, in the order applied. */
    dropins: string[];
    /** The unit file has a fatal error (or is a dangling link): systemd does not load the unit. */
    loadError: string | null;
    /** What the service gets: its LimitNOFILE= (infinity → fs.nr_open) or the manager default. */
    nofile: { soft: number; hard: number; source: string; raw: string | null };
    /** Only a unit with PAMName= opens a PAM session and so reads limits.conf. */
    readsLimitsConf: boolean;
  }[];
  processes: {
    pid: number;
    comm: string | null;
    /** systemd unit from proc/<pid>/cgroup. */
    unit: string | null;
    /** Why it is listed: listening TCP ports, a --service name match, or --pid. */
    why: string[];
    nofile: RLimit | null;
    /** Entries in proc/<pid>/fd; null when unreadable. */
    open: number | null;
    /** open / soft nofile, rounded to 3 decimals; null when unknown. */
    share: number | null;
  }[];
  /** fs.nr_open: the ceiling for any hard nofile (what `unlimited`/`infinity` become). */
  nrOpen: number;
  warnings: { id: string; message: string; file?: string; line?: number }[];
  notes: string[];
}

const SERVICES_NOTE = 'services started by systemd do not read limits.conf; LimitNOFILE= in a drop-in sets it';

function sourced(v: ValueSource): SourcedValue {
  const out: SourcedValue = { value: v.value, source: v.source };
  if (v.clamped) out.clamped = true;
  return out;
}

function inheritedOnly(base: RLimit | undefined, source: string): { soft: SourcedValue; hard: SourcedValue } {
  return { soft: { value: base?.soft ?? null, source }, hard: { value: base?.hard ?? null, source } };
}

export function collectLimits(hfs: HostFs, opts: Omit<LimitsOptions, 'json' | 'root'>): LimitsReport {
  const warnings: LimitsReport['warnings'] = [];
  const nrOpen = readNrOpen(hfs);

  // ---- logins ------------------------------------------------------------------
  let who: PamIdentity = { name: null, uid: null, gid: null, groups: [], gids: [] };
  if (opts.user !== undefined) {
    const id = readIdentity(hfs, opts.user);
    if (!id) throw inputError('/etc/passwd', null, opts.user, 'no such user', '--user takes a login name listed in etc/passwd under --root');
    who = id;
  }
  const module = detectPamModule(hfs);
  const behaviour = pamBehaviour(module);
  const pam = readPamConfig(hfs, behaviour);
  for (const p of pam.problems) warnings.push({ id: 'limits.conf-invalid-line', message: p.message, file: p.file, line: p.line });
  const debian = behaviour.debianPatches === true;
  const pid1 = readProcLimits(hfs, 1);
  const { limits: caller, desc: callerDesc } = loginServiceLimits(hfs);
  const res = resolvePamLimits(pam.lines, who, {
    nrOpen, base: caller, pid1, exempt: pam.exempt, behaviour, files: pam.opened, chrootDirs: pam.chrootDirs,
  });
  warnings.push(...res.warnings);
  const baseDesc = debian ? (pid1 ? '/proc/1/limits (Debian pam_limits starts from PID 1; soft nofile capped at 1024)' : "PAM's built-in defaults (/proc/1/limits unreadable)") : callerDesc;
  const inherited = `inherited from ${baseDesc}`;
  const item = (name: string) => {
    const l = res.limits[name];
    if (!l) return inheritedOnly(undefined, inherited);
    return {
      soft: sourced({ ...l.soft, source: l.soft.source === 'inherited' ? inherited : l.soft.source }),
      hard: sourced({ ...l.hard, source: l.hard.source === 'inherited' ? inherited : l.hard.source }),
    };
  };
  const got = (name: string) => {
    const asked = item(name);
    const outcome = res.setrlimit[name];
    if (outcome === 'eperm-skipped' || outcome === 'eperm-unknown') {
      const e = res.effective[name];
      const why = `not applied: setrlimit fails with EPERM${outcome === 'eperm-skipped' ? ' and this pam_limits skips it' : ''}; the session keeps ${callerDesc}`;
      return { soft: { value: e?.soft ?? null, source: why }, hard: { value: e?.hard ?? null, source: why } };
    }
    return asked;
  };
  const setItems = new Set(res.lines.filter((o) => o.provides.length > 0).map((o) => o.line.item));
  const items: LimitsReport['logins']['items'] = {};
  for (const n of [...setItems].sort()) items[n] = got(n);

  // ---- systemd defaults ------------------------------------------------------------
  const mgr = readManagerLayers(hfs);
  for (const p of mgr.problems) warnings.push({ id: 'systemd.config-problem', message: p.message, file: p.file, ...(p.line !== null ? { line: p.line } : {}) });
  const dflt = resolveSetting(mgr.layers, 'Manager', 'DefaultLimitNOFILE');
  for (const inv of dflt.invalid) warnings.push({ id: 'systemd.invalid-value', message: inv.message, file: inv.file, line: inv.line });
  const defaults: LimitsReport['defaults'] = {
    nofile: dflt.winner
      ? { ...effectiveNofile(dflt.winner.setting, nrOpen), source: `${dflt.winner.file}:${dflt.winner.line}` }
      : { ...builtinDefaultNofile(nrOpen), source: 'default' },
    systemdIsInit: hfs.exists('/run/systemd/system'),
  };

  // ---- processes -------------------------------------------------------------------
  const wantedPids = new Map<number, string[]>();
  const why = (pid: number, w: string) => {
    const l = wantedPids.get(pid) ?? [];
    if (!l.includes(w)) l.push(w);
    wantedPids.set(pid, l);
  };
  const listen = readListeningSockets(hfs);
  const serviceNames = (opts.service ?? []).map(normalizeUnitName);
  const commNames = new Set(serviceNames.map((u) => u.replace(/\.[a-z]+$/, '').replace(/@.*$/, '')));
  const infos = new Map<number, ProcInfo>();
  for (const pid of listPids(hfs)) {
    if (pid === process.pid && hfs.root === '/') continue;
    const info = readProc(hfs, pid, listen.size > 0);
    const ports = [...new Set(info.sockets.filter((s) => listen.has(s)).map((s) => listen.get(s)!))].sort((a, b) => a - b);
    if (ports.length > 0) why(pid, `listens on ${ports.join(', ')}`);
    if (info.comm !== null && commNames.has(info.comm)) why(pid, `comm ${info.comm}`);
    if (info.unit !== null && serviceNames.includes(info.unit)) why(pid, `in ${info.unit}`);
    if (wantedPids.has(pid)) infos.set(pid, info);
  }
  for (const pid of opts.pid ?? []) {
    if (!hfs.exists(`/proc/${pid}`)) throw new UserError(`--pid ${pid}: no such process${hfs.root === '/' ? '' : ` under ${hfs.root}`}`);
    why(pid, '--pid');
    if (!infos.has(pid)) infos.set(pid, readProc(hfs, pid));
  }
  const processes: LimitsReport['processes'] = [...infos.values()]
    .sort((a, b) => a.pid - b.pid)
    .map((p) => {
      const nofile = p.limits?.nofile ?? null;
      const share = nofile && nofile.soft !== null && nofile.soft > 0 && p.open !== null ? Math.round((p.open / nofile.soft) * 1000) / 1000 : null;
      return { pid: p.pid, comm: p.comm, unit: p.unit, why: wantedPids.get(p.pid) ?? [], nofile, open: p.open, share };
    });
  for (const p of processes) {
    if (p.share !== null && p.share >= 0.8) {
      warnings.push({
        id: 'limits.process-near-nofile',
        message: `pid ${p.pid} (${p.comm ?? '?'}) has ${p.open} of ${p.nofile?.soft} open files (${Math.round(p.share * 100)}%): "Too many open files" is near`,
      });
    }
  }

  // ---- services -------------------------------------------------------------------
  const units = [...serviceNames];
  for (const p of processes) if (p.unit && !units.includes(p.unit)) units.push(p.unit);
  const services: LimitsReport['services'] = units.map((unit) => {
    const u = readUnitLayers(hfs, unit);
    for (const p of u.problems) warnings.push({ id: 'systemd.config-problem', message: p.message, file: p.file, ...(p.line !== null ? { line: p.line } : {}) });
    const s = resolveSetting(u.layers, 'Service', 'LimitNOFILE');
    for (const inv of s.invalid) warnings.push({ id: 'systemd.invalid-value', message: inv.message, file: inv.file, line: inv.line });
    const pamName = resolvePamName(u.layers);
    const nofile = s.winner
      ? { ...effectiveNofile(s.winner.setting, nrOpen), source: `${s.winner.file}:${s.winner.line}`, raw: s.winner.raw }
      : { soft: defaults.nofile.soft, hard: defaults.nofile.hard, source: `DefaultLimitNOFILE (${defaults.nofile.source})`, raw: null };
    if (u.unitFile === null && opts.service?.some((n) => normalizeUnitName(n) === unit)) {
      warnings.push({ id: 'systemd.unit-not-found', message: `${unit}: no unit file in the unit search path (/etc, /run, /usr/local/lib, /lib and /usr/lib systemd/system)` });
    }
    if (u.loadError) warnings.push({ id: 'systemd.unit-load-error', message: `${unit} does not load: ${u.loadError}` });
    const dropins = u.dropins;
    for (const p of processes.filter((x) => x.unit === unit && x.nofile)) {
      if (p.nofile!.soft !== nofile.soft || p.nofile!.hard !== nofile.hard) {
        warnings.push({
          id: 'limits.process-not-restarted',
          message: `pid ${p.pid} (${p.comm ?? '?'}) of ${unit} runs with nofile ${fmt(p.nofile!.soft)}:${fmt(p.nofile!.hard)} but the unit files say ${nofile.soft}:${nofile.hard}: run systemctl daemon-reload and restart ${unit}`,
        });
      }
    }
    return { unit, unitFile: u.unitFile, masked: u.masked, dropins, loadError: u.loadError, nofile, readsLimitsConf: pamName };
  });

  const notes = [SERVICES_NOTE];
  const pamNofile = pam.lines.filter((l) => l.item === 'nofile');
  for (const s of services) {
    if (s.readsLimitsConf || pamNofile.length === 0 || s.nofile.raw !== null) continue;
    notes.push(
      `${s.unit} gets nofile ${s.nofile.soft}:${s.nofile.hard} from ${s.nofile.source}; the nofile lines in limits.conf/limits.d (${pamNofile.map((l) => `${l.file}:${l.line}`).join(', ')}) do not apply to it`,
    );
  }

  return {
    logins: {
      user: who.name,
      uid: who.uid,
      gid: who.gid,
      groups: who.groups,
      base: baseDesc,
      pam: { ...behaviour, evidence: module.evidence, binary: module.binary ?? null },
      session: { opens: res.opens, failures: res.failures.map((f) => ({ ...f })) },
      requestedNofile: res.setrlimit.nofile === 'eperm-skipped' || res.setrlimit.nofile === 'eperm-unknown' ? item('nofile') : null,
      exempt: res.exemptBy ? { file: res.exemptBy.file, line: res.exemptBy.line } : null,
      nofile: got('nofile'),
      nproc: got('nproc'),
      items,
      lines: res.lines.map((o) => ({
        ...lineFields(o.line),
        verdict: o.verdict,
        provides: o.provides,
        ...(o.note ? { note: o.note } : {}),
      })),
    },
    defaults,
    services,
    processes,
    nrOpen,
    warnings,
    notes,
  };
}

/**
 * Limits of the process that opens login sessions — what an item keeps when pam_limits'
 * setrlimit fails: sshd's when it runs, else what systemd gives services, else knobs' own.
 */
function loginServiceLimits(hfs: HostFs): { limits: Record<string, RLimit>; desc: string } {
  for (const pid of listPids(hfs)) {
    const comm = hfs.readText(`/proc/${pid}/comm`)?.trim();
    if (comm !== 'sshd') continue;
    const l = readProcLimits(hfs, pid);
    if (l) return { limits: l, desc: `the login service's own limits (sshd, pid ${pid})` };
  }
  return { limits: readProcLimits(hfs, 'self') ?? {}, desc: "the login service's own limits (knobs' own shown: no sshd found)" };
}

function lineFields(l: LimitLine) {
  return { file: l.file, line: l.line, domain: l.domain, type: l.type, item: l.item, value: l.value };
}

function resolvePamName(layers: { entries: { section: string; key: string; value: string }[] }[]): boolean {
  let v = '';
  for (const l of layers) for (const e of l.entries) if (e.section === 'Service' && e.key === 'PAMName') v = e.value;
  return v !== '';
}

function fmt(v: number | null | undefined): string {
  return v === null ? 'unlimited' : v === undefined ? '?' : String(v);
}

export async function runLimits(opts: LimitsOptions, io: Io): Promise<number> {
  for (const pid of opts.pid ?? []) {
    if (!Number.isInteger(pid) || pid <= 0) {
      io.err(`knobs limits: --pid takes a process id (got ${pid})\n`);
      return EXIT.error;
    }
  }
  // Unit names become paths under etc/systemd/system: validated as systemd does (`../../x` is not a unit).
  for (const s of opts.service ?? []) {
    try {
      checkedUnitName(s);
    } catch (err) {
      throw new UserError(`--service: ${(err as Error).message}`, 'a systemd unit name such as nginx or nginx.service');
    }
  }
  if (opts.user === '') throw new UserError('--user: empty value');
  const hfs = new HostFs(opts.root);
  const { user, service, pid } = opts;
  const report = collectLimits(hfs, { ...(user !== undefined ? { user } : {}), ...(service ? { service } : {}), ...(pid ? { pid } : {}) });
  if (opts.json) {
    printJson(io, report);
    return EXIT.ok;
  }
  const pc = (await import('picocolors')).default.createColors(io.color);
  io.out(renderText(report, pc));
  return EXIT.ok;
}

interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

export function renderText(r: LimitsReport, p: Paint): string {
  const out: string[] = [];
  const L = r.logins;
  const who = L.user === null ? 'any user (only `*` lines; --user NAME for one user)' : `${L.user} (uid ${L.uid}, gid ${L.gid}; groups ${L.groups.join(', ') || '-'})`;
  out.push(p.bold('Logins (pam_limits: /etc/security/limits.conf, limits.d/*.conf)'));
  out.push(`  for ${who}`);
  out.push(p.dim(`  pam_limits: ${L.pam.summary}`));
  if (L.session.opens === false) {
    for (const f of L.session.failures.filter((x) => !x.uncertain)) out.push(p.yellow(`  ! the session FAILS: ${f.message}`));
  } else if (L.session.opens === null) {
    for (const f of L.session.failures) out.push(p.yellow(`  ! the session may fail: ${f.message}`));
  }
  if (L.requestedNofile) {
    out.push(p.yellow(`  ! pam_limits asks for nofile ${fmt(L.requestedNofile.soft.value)}:${fmt(L.requestedNofile.hard.value)} (${L.requestedNofile.hard.source}) but setrlimit fails with EPERM: ${L.pam.epermFatal === false ? 'the session opens without it' : 'the session outcome depends on the pam build'}`));
  }
  if (L.exempt) out.push(p.yellow(`  '${L.user} -' at ${L.exempt.file}:${L.exempt.line}: no limits are set for this user`));
  const row = (name: string, v: { soft: SourcedValue; hard: SourcedValue }) => {
    out.push(`  ${name.padEnd(8)} soft ${fmt(v.soft.value).padEnd(10)} ${p.dim(v.soft.source)}${v.soft.clamped ? p.yellow(' (lowered to hard)') : ''}`);
    out.push(`  ${''.padEnd(8)} hard ${fmt(v.hard.value).padEnd(10)} ${p.dim(v.hard.source)}`);
  };
  row('nofile', L.nofile);
  row('nproc', L.nproc);
  for (const [n, v] of Object.entries(L.items)) if (n !== 'nofile' && n !== 'nproc') row(n, v);
  if (L.lines.length > 0) {
    out.push('  lines, in the order pam_limits reads them:');
    for (const l of L.lines) {
      const what = l.verdict === 'wins' ? `sets ${l.provides.join('+')}` : l.verdict;
      out.push(`    ${`${l.file}:${l.line}`.padEnd(44)} ${`${l.domain} ${l.type} ${l.item} ${l.value}`.padEnd(30)} ${l.verdict === 'wins' ? p.cyan(what) : p.dim(what)}${l.note ? p.dim(` — ${l.note}`) : ''}`);
    }
  } else {
    out.push(p.dim('  no limits lines'));
  }
  out.push('');
  out.push(p.bold('Services (systemd)'));
  out.push(`  ${p.yellow(SERVICES_NOTE)}`);
  out.push(`  ${'DefaultLimitNOFILE'.padEnd(24)} ${`${r.defaults.nofile.soft}:${r.defaults.nofile.hard}`.padEnd(18)} ${p.dim(r.defaults.nofile.source === 'default' ? 'default (systemd ≥ 240 built-in 1024:524288)' : r.defaults.nofile.source)}`);
  if (!r.defaults.systemdIsInit) out.push(p.dim('  (systemd is not PID 1 under this root: these apply only where systemd runs)'));
  for (const s of r.services) {
    const src = s.masked ? 'masked' : s.unitFile === null ? 'no unit file found' : s.nofile.source;
    out.push(`  ${s.unit.padEnd(24)} ${`${s.nofile.soft}:${s.nofile.hard}`.padEnd(18)} ${p.dim(src)}${s.nofile.raw === 'infinity' ? p.dim(' (infinity = fs.nr_open)') : ''}`);
    if (s.loadError) out.push(p.yellow(`  ${''.padEnd(24)} does not load: ${s.loadError}`));
    for (const d of s.dropins) out.push(p.dim(`  ${''.padEnd(24)} drop-in ${d}`));
    if (s.readsLimitsConf) out.push(p.dim(`  ${''.padEnd(24)} PAMName= set: this service opens a PAM session and does read limits.conf`));
  }
  if (r.services.length === 0) out.push(p.dim('  (no unit given: --service UNIT)'));
  out.push('');
  out.push(p.bold('Processes'));
  if (r.processes.length === 0) out.push(p.dim('  none selected (listening sockets, --service, --pid)'));
  else {
    out.push(p.dim(`  ${'PID'.padStart(7)}  ${'COMM'.padEnd(16)} ${'OPEN'.padStart(7)} ${'SOFT'.padStart(9)} ${'HARD'.padStart(9)} ${'USED'.padStart(6)}  WHY`));
    for (const x of r.processes) {
      const used = x.share === null ? '?' : `${(x.share * 100).toFixed(x.share < 0.1 ? 1 : 0)}%`;
      const line = `  ${String(x.pid).padStart(7)}  ${(x.comm ?? '?').padEnd(16)} ${fmt(x.open ?? undefined).padStart(7)} ${fmt(x.nofile?.soft).padStart(9)} ${fmt(x.nofile?.hard).padStart(9)} ${used.padStart(6)}  ${x.why.join('; ')}${x.unit ? ` [${x.unit}]` : ''}`;
      out.push(x.share !== null && x.share >= 0.8 ? p.yellow(line) : line);
    }
  }
  if (r.warnings.length > 0 || r.notes.length > 1) {
    out.push('');
    out.push(p.bold('Warnings'));
    for (const w of r.warnings) out.push(`  ${p.yellow('!')} ${w.file ? `${w.file}${w.line ? `:${w.line}` : ''}: ` : ''}${w.message}`);
    for (const n of r.notes.slice(1)) out.push(`  ${p.yellow('!')} ${n}`);
  }
  out.push(p.dim(`fs.nr_open ${r.nrOpen} (ceiling for every hard nofile)`));
  return out.join('\n') + '\n';
}
