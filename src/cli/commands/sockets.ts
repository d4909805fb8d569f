// `knobs sockets [--top N] [--watch [SECONDS]] [--json] [--fail-on SEVERITY]`: TCP
// state census, CLOSE_WAIT owners, TIME_WAIT peers, port-exhaustion math, and the
// findings of the socket rules (rules/sockets/*) on it. This module only renders:
// the reading is src/host/sockets.ts, the census src/core/socket-census.ts.
// Kept light on imports: it should start about as fast as `node -e 0` (it has its
// own bundle, see src/bundle-loader.ts), so it loads the socket rules only.

import { evaluate, failing } from '../../core/engine.js';
import { EMPTY_PROFILE } from '../../core/combine.js';
import { fmtN, type SocketCensus, type Uninspectable } from '../../core/socket-census.js';
import { SEVERITIES, TCP_STATES, type Finding, type Severity, type TcpState } from '../../core/types.js';
import { UserError } from '../../errors.js';
import { HostFs } from '../../host/host-fs.js';
import { SockDiagError } from '../../host/sock-diag.js';
import { SOCKET_SOURCES, collectSocketView, nowMs, type SocketSourceOption } from '../../host/sockets.js';
import { loadConfig, today } from '../../profiles/config.js';
import { EXIT } from '../exit-codes.js';
import { SCHEMA_VERSION, printJson, widthOf, type Io } from '../io.js';
import { SOCKET_RULES, acceptableRuleId } from '../socket-rules.js';
import { findingJson } from '../format/findings.js';
import { wrapBlock, wrap as wrapText } from '../format/wrap.js';

export interface SocketsOptions {
  root: string;
  top: number;
  /** Refresh interval in seconds (WATCH_MIN_SECONDS..WATCH_MAX_SECONDS); undefined = print once. */
  watch?: number;
  json: boolean;
  /** Where the socket tables come from (default auto: netlink sock_diag on the live host, else /proc). */
  source?: SocketSourceOption;
  /** Exit 2 when a finding not accepted reaches this severity; undefined: never (exit 0). */
  failOn?: Severity;
  /** Ends --watch (tests); SIGINT does the same. */
  signal?: AbortSignal;
}

/**
 * Bounds of --watch. Below 0.1 s (procps `watch` has the same floor) the census
 * would run back to back; above a day, Node's timer (at most 2^31-1 ms, ~24.8 days)
 * is far, and nobody means it.
 */
export const WATCH_MIN_SECONDS = 0.1;
export const WATCH_MAX_SECONDS = 86400;
export const WATCH_DEFAULT_SECONDS = 2;

const watchRange = `between ${WATCH_MIN_SECONDS} and ${WATCH_MAX_SECONDS}`;

/** `--watch [SECONDS]` as given (true: no value) → seconds; a UserError for anything but a decimal number in range. */
export function parseWatchSeconds(value: string | true): number {
  if (value === true) return WATCH_DEFAULT_SECONDS;
  const text = value.trim();
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text)) throw new UserError(`--watch takes a number of seconds ${watchRange} (got "${value}")`, 'for example: knobs sockets --watch 2');
  return checkWatch(Number(text), `"${value}"`);
}

function checkWatch(seconds: number, shown: string | number = seconds): number {
  if (!(Number.isFinite(seconds) && seconds >= WATCH_MIN_SECONDS && seconds <= WATCH_MAX_SECONDS)) {
    throw new UserError(`--watch takes a number of seconds ${watchRange} (got ${shown})`, 'for example: knobs sockets --watch 2');
  }
  return seconds;
}

interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

const plain: Paint = { bold: (s) => s, dim: (s) => s, red: (s) => s, yellow: (s) => s, green: (s) => s, cyan: (s) => s };

/** Per-state change since the previous sample (watch mode). */
export interface StateDelta {
  seconds: number;
  delta: Record<TcpState, number>;
  ratePerSecond: Record<TcpState, number>;
}

/** One look at the sockets: the census and what the socket rules find in it. */
export interface SocketsSample {
  census: SocketCensus;
  findings: Finding[];
}

export async function runSockets(opts: SocketsOptions, io: Io): Promise<number> {
  if (!Number.isInteger(opts.top) || opts.top < 0) throw new UserError(`--top must be a non-negative integer (got ${opts.top})`);
  if (opts.watch !== undefined) checkWatch(opts.watch);
  const source = opts.source ?? 'auto';
  if (!SOCKET_SOURCES.includes(source)) throw new UserError(`--source is one of ${SOCKET_SOURCES.join(', ')} (got ${source})`);
  if (opts.failOn !== undefined && !SEVERITIES.includes(opts.failOn)) throw new UserError(`--fail-on is one of ${SEVERITIES.join(', ')} (got ${opts.failOn})`);
  const hfs = new HostFs(opts.root);
  const { accept } = loadConfig(hfs, acceptableRuleId, today());
  const ruleKeys = [...new Set(SOCKET_RULES.flatMap((r) => [...r.keys, ...(r.requires ?? []), ...(r.requiresAbsent ?? [])]))];
  let paint = plain;
  if (!opts.json && io.color) {
    const pc = (await import('picocolors')).default;
    paint = pc;
  }

  const sample = (): SocketsSample => {
    let view: ReturnType<typeof collectSocketView>;
    try {
      // Synchronous on purpose: procfs returns ~4 KiB per read() and netlink one
      // datagram (≤ 32 KiB), so thread-pool reads would cost a round trip each
      // (measured on procfs: 3× slower than readSync).
      view = collectSocketView(hfs, { top: opts.top, source }, ruleKeys);
    } catch (err) {
      // netlink refused or unusable, or a table the kernel would not let us read: an
      // expected failure, one line. Anything else is a bug and keeps its stack.
      if (err instanceof UserError) throw err;
      if (err instanceof SockDiagError || typeof (err as NodeJS.ErrnoException).code === 'string') {
        throw new UserError((err as Error).message);
      }
      throw err;
    }
    if (view.census.error !== null) throw new UserError(view.census.error);
    return { census: view.census, findings: evaluate(view.facts, EMPTY_PROFILE, SOCKET_RULES, { accept }).findings };
  };
  const exitFor = (s: SocketsSample) => (opts.failOn !== undefined && failing(s.findings, opts.failOn).length > 0 ? EXIT.findings : EXIT.ok);

  if (opts.watch === undefined) {
    const s = sample();
    if (opts.json) printJson(io, socketsDocument(s, opts.top, opts.failOn));
    else io.out(formatSockets(s.census, opts.top, paint, null, widthOf(io), s.findings, opts.failOn));
    return exitFor(s);
  }

  // ---- watch ----
  const intervalMs = opts.watch * 1000;
  let stopped = false;
  let wake: (() => void) | null = null;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.on('SIGINT', stop);
  opts.signal?.addEventListener('abort', stop);
  if (opts.signal?.aborted) stopped = true;
  let prev: { states: Record<TcpState, number>; t: number } | null = null;
  let code: number = EXIT.ok;
  try {
    do {
      const s = sample();
      const c = s.census;
      const now = nowMs();
      const d = prev ? stateDelta(prev.states, c.states, (now - prev.t) / 1000) : null;
      prev = { states: c.states, t: now };
      code = exitFor(s);
      if (opts.json) {
        // One compact document per line (JSON Lines), each complete with schemaVersion.
        io.out(JSON.stringify({ schemaVersion: SCHEMA_VERSION, time: new Date().toISOString(), ...socketsDocument(s, opts.top, opts.failOn), watch: d }) + '\n');
      } else {
        const head = paint.dim(`knobs sockets — every ${opts.watch}s — ${new Date().toTimeString().slice(0, 8)}${io.isTTY ? ' — Ctrl+C to stop' : ''}`);
        const body = formatSockets(c, opts.top, paint, d, widthOf(io), s.findings, opts.failOn);
        if (io.isTTY) io.out(`\x1b[H\x1b[2J${head}\n${body}`);
        else io.out(`${head}\n${body}\n`);
      }
      // Whoever read stdout has gone (`| head -c 100`): nothing more can be shown.
      if (stopped || io.stdoutClosed) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    } while (!stopped);
  } finally {
    process.removeListener('SIGINT', stop);
    opts.signal?.removeEventListener('abort', stop);
  }
  return code;
}

export function stateDelta(before: Record<TcpState, number>, after: Record<TcpState, number>, seconds: number): StateDelta {
  const delta = {} as Record<TcpState, number>;
  const ratePerSecond = {} as Record<TcpState, number>;
  for (const s of TCP_STATES) {
    delta[s] = after[s] - before[s];
    ratePerSecond[s] = seconds > 0 ? Math.round((delta[s] / seconds) * 10) / 10 : 0;
  }
  return { seconds: Math.round(seconds * 1000) / 1000, delta, ratePerSecond };
}

/**
 * The JSON document (without schemaVersion, added by printJson): the census, and
 * `advice`, the socket rules' findings (as in `audit`: id, severity, key, current,
 * recommended, message, accepted?), with `failOn` (null: never fails).
 */
export function socketsDocument(s: SocketsSample, top: number, failOn?: Severity): object {
  const c = s.census;
  return {
    ...c,
    timeWait: {
      ...c.timeWait,
      outgoing: { ...c.timeWait.outgoing, byDestination: c.timeWait.outgoing.byDestination.slice(0, top) },
    },
    listeners: c.listeners.slice(0, Math.max(top, 0) || c.listeners.length),
    advice: s.findings.map(findingJson),
    failOn: failOn ?? null,
  };
}

// ---- text ---------------------------------------------------------------------------

const n = fmtN;

/** `Could not inspect 2 process(es): a[1], b[2]: <why>`, one line per distinct reason. */
export function uninspectableLines(list: readonly Uninspectable[]): string[] {
  const byWhy = new Map<string, Uninspectable[]>();
  for (const u of list) {
    const same = byWhy.get(u.why);
    if (same) same.push(u);
    else byWhy.set(u.why, [u]);
  }
  return [...byWhy].map(([why, procs]) => {
    const names = procs.slice(0, 10).map((u) => `${u.comm ?? '?'}[${u.pid}]`).join(', ') + (procs.length > 10 ? ', …' : '');
    return `Could not inspect ${procs.length} process(es): ${names}: ${why}`;
  });
}


const signed = (x: number) => (x > 0 ? `+${n(x)}` : x < 0 ? `−${n(-x)}` : '0');

export function formatSockets(
  c: SocketCensus,
  top: number,
  p: Paint = plain,
  d: StateDelta | null = null,
  width = 80,
  findings: readonly Finding[] = [],
  failOn?: Severity,
): string {
  const wrap = (t: string, indent: string) => wrapText(t, width, indent);
  const out: string[] = [];
  const t6 = c.source === 'proc' ? c.files[1] : undefined;
  const v6 = t6?.skipped
    ? p.dim('IPv6 0: none in use, proc/net/tcp6 not read')
    : t6?.error === 'ENOENT'
      ? p.dim('IPv6: no proc/net/tcp6, IPv6 is off in this kernel or namespace')
      : t6?.error
        ? p.yellow(`IPv6: proc/net/tcp6 unreadable (${t6.error}), not counted`)
        : `IPv6 ${n(c.families.ipv6)}`;
  out.push(p.bold(`TCP sockets: ${n(c.total)}`) + ` (IPv4 ${n(c.families.ipv4)}, ${v6})`);
  if (c.sourceNote !== null) out.push(p.dim(wrap(c.sourceNote, '  ')));
  const w = Math.max(...TCP_STATES.map((s) => n(c.states[s]).length));
  const cells = TCP_STATES.map((s) => {
    let cell = `${s.padEnd(11)} ${n(c.states[s]).padStart(w)}`;
    if (d) {
      const delta = d.delta[s];
      const txt = `${signed(delta)} (${d.ratePerSecond[s] > 0 ? '+' : ''}${d.ratePerSecond[s]}/s)`;
      cell += ' ' + (delta > 0 ? p.yellow(txt.padEnd(20)) : delta < 0 ? p.green(txt.padEnd(20)) : p.dim(txt.padEnd(20)));
    }
    return cell;
  });
  const cols = d ? 2 : 3;
  for (let i = 0; i < cells.length; i += cols) out.push('  ' + cells.slice(i, i + cols).join('   '));
  const o = c.orphans;
  if (o.finWait2Minisocks + o.closedByApp + o.halfOpen > 0) {
    out.push(
      p.dim(
        `  held by no process: ${n(o.finWait2Minisocks)} orphaned FIN_WAIT2 (timewait minisocks, counted in sockstat tw), ` +
          `${n(o.closedByApp)} closed by the application and still finishing, ${n(o.halfOpen)} half-open SYN_RECV`,
      ),
    );
  }

  // Processes whose descriptors could not be read: said once, under the first
  // section that has a socket without an owner.
  let uninspectableShown = c.closeWait.uninspectable.length === 0;
  const showUninspectable = () => {
    if (uninspectableShown) return;
    uninspectableShown = true;
    for (const line of uninspectableLines(c.closeWait.uninspectable)) out.push(p.yellow(wrap(line, '  ')));
  };

  // listeners
  if (c.listeners.length > 0) {
    out.push('');
    out.push(p.bold(`Listening (${c.listeners.length}):`));
    for (const l of c.listeners.slice(0, top || c.listeners.length)) {
      const owner = l.owners.length ? l.owners.map((x) => `${x.comm ?? '?'}[${x.pid}]`).join(', ') : p.dim('owner unknown');
      const q = l.acceptQueue > 0 ? p.yellow(`  accept queue ${n(l.acceptQueue)}`) : '';
      out.push(`  ${l.local.padEnd(24)} ${owner}${q}`);
    }
    if (top && c.listeners.length > top) out.push(p.dim(`  … ${c.listeners.length - top} more (--top)`));
    if (c.listeners.some((l) => l.owners.length === 0)) showUninspectable();
  }

  // CLOSE_WAIT
  const cw = c.closeWait;
  out.push('');
  if (cw.count === 0) {
    out.push(p.bold('CLOSE_WAIT: none'));
  } else {
    out.push(p.bold(p.red(`CLOSE_WAIT: ${n(cw.count)}`)) + ' — the peer closed and the owning process never called close()');
    for (const proc of cw.byProcess) {
      const peers =
        proc.peerAddresses.length > 0 && proc.peerAddresses.length < proc.peers.length
          ? proc.peerAddresses.slice(0, 3).map((x) => `${x.ip} (${n(x.count)})`).join(', ')
          : proc.peers.slice(0, 3).map((x) => `${x.peer} (${n(x.count)})`).join(', ');
      const ports = proc.localPorts.slice(0, 8).join(', ') + (proc.localPorts.length > 8 ? ', …' : '');
      out.push(`  pid ${p.bold(String(proc.pid))} ${p.cyan(proc.comm ?? '?')}: ${n(proc.count)} socket(s), local port ${ports}; peers ${peers}`);
      if (proc.cmdline) {
        // eslint-disable-next-line no-control-regex
        const cmd = proc.cmdline.replace(/[\x00-\x1f\x7f]+/g, ' ');
        out.push(p.dim(`      ${cmd.length > 120 ? cmd.slice(0, 117) + '...' : cmd}`));
      }
    }
    if (cw.unowned > 0) out.push(`  ${n(cw.unowned)} socket(s) with no owner found`);
    out.push(
      wrap(
        'No sysctl fixes this: the application must close() the socket (when read() returns 0, on error paths, when returning it to a pool). ' +
          'Keepalive only helps if the application enabled SO_KEEPALIVE, and then only once the peer stops answering.',
        '  ',
      ),
    );
    if (cw.unowned > 0) showUninspectable();
  }

  // TIME_WAIT
  const tw = c.timeWait;
  out.push('');
  if (tw.count === 0) {
    out.push(p.bold('TIME_WAIT: none'));
  } else {
    out.push(
      p.bold(`TIME_WAIT: ${n(tw.count)}`) +
        ` (${tw.seconds} s each, fixed) — we closed first as client: ${n(tw.closedFirst.asClient)}, as server: ${n(tw.closedFirst.asServer)}`,
    );
    // Incoming entries are one per client port: summarised below instead of listed.
    for (const x of tw.byPeer) {
      if (x.direction === 'incoming' && x.count === 1) continue;
      out.push(`  ${x.peer.padEnd(28)} ${n(x.count).padStart(8)}  ${x.direction}`);
    }
    if (tw.incoming.count > 0) {
      out.push(
        `  as server on port(s) ${tw.incoming.byLocalPort.map((x) => `${x.port} (${n(x.count)})`).join(', ')}; ` +
          `top clients ${tw.incoming.byClient.slice(0, 5).map((x) => `${x.ip} (${n(x.count)})`).join(', ')}`,
      );
    }
  }

  // ports
  const pt = c.ports;
  out.push('');
  out.push(
    p.bold('Ephemeral ports:') +
      ` range ${pt.range[0]}-${pt.range[1]}${pt.rangeSource === 'default' ? ' (default; not readable)' : ''} = ${n(pt.size)}` +
      (pt.reserved ? `, ${n(pt.reserved)} reserved` : '') +
      ` → capacity ${pt.capacityPerSecond} new connections/s per destination when we close first (ports ÷ ${pt.timeWaitSeconds} s)` +
      `; tcp_tw_reuse ${pt.twReuse ?? '?'}, tcp_timestamps ${pt.timestamps ?? '?'}`,
  );
  if (pt.destinations.length === 0) {
    out.push('  no outgoing connections');
  } else {
    for (const x of pt.destinations) {
      const pct = x.usedPercent >= 80 ? p.red(`${x.usedPercent}%`) : x.usedPercent >= 50 ? p.yellow(`${x.usedPercent}%`) : `${x.usedPercent}%`;
      out.push(
        `  ${x.peer.padEnd(28)} ${n(x.localPorts).padStart(7)} ports (${pct})  TIME_WAIT ${n(x.timeWait)}, open ${n(x.open)}; ` +
          `turnover ${x.turnoverPerSecond}/s of ${x.capacityPerSecond}/s` +
          (x.twReuseApplies ? p.dim(' [tw_reuse applies]') : ''),
      );
    }
  }

  // limits
  const lim = c.limits;
  const frac = (cur: number | null, max: number | null, pct: number | null) =>
    `${cur === null ? '?' : n(cur)} / ${max === null ? 'n/a' : n(max)}${pct === null ? '' : ` (${pct}%)`}`;
  out.push('');
  out.push(p.bold('Limits:'));
  out.push(`  sockstat tw vs tcp_max_tw_buckets   ${frac(lim.timeWait.current, lim.timeWait.max, lim.timeWait.percent)}`);
  out.push(`  orphans vs tcp_max_orphans          ${frac(lim.orphans.current, lim.orphans.max, lim.orphans.percent)}`);
  const ctr = (k: string) => (c.counters[`TcpExt.${k}`] === undefined ? '?' : n(c.counters[`TcpExt.${k}`]!));
  out.push(
    `  TcpExt since boot: ListenOverflows ${ctr('ListenOverflows')}, ListenDrops ${ctr('ListenDrops')}, ` +
      `TCPTimeWaitOverflow ${ctr('TCPTimeWaitOverflow')}`,
  );

  if (findings.length > 0) {
    out.push('');
    out.push(p.bold('What to do:') + p.dim(' (`knobs explain <rule>` says why)'));
    for (const f of findings) {
      const tag = f.severity === 'critical' ? p.red('[critical]') : f.severity === 'warning' ? p.yellow('[warning]') : p.cyan('[info]');
      out.push(`  ${tag} ${f.id}${f.accepted !== undefined ? p.green(' [accepted]') : ''}`);
      out.push(wrap(f.message, '    '));
      if (f.accepted !== undefined) out.push(p.dim(wrap(`accepted in /etc/knobs/knobs.ini: ${f.accepted}`, '    ')));
    }
  }
  if (failOn !== undefined) {
    const failed = failing(findings, failOn).length;
    out.push('');
    out.push(failed > 0 ? p.bold(`${failed} finding(s) at or above ${failOn}: exit 2 (--fail-on ${failOn})`) : p.dim(`nothing at or above ${failOn} (--fail-on ${failOn})`));
  }
  return wrapBlock(out.join('\n'), width) + '\n';
}
