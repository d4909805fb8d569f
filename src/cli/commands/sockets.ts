// `knobs sockets [--top N] [--watch [SECONDS]] [--json]`: TCP state census,
// CLOSE_WAIT owners, TIME_WAIT peers and port-exhaustion math.
// Kept light on imports: it should start about as fast as `node -e 0`.

import { TCP_STATES, type TcpState } from '../../core/types.js';
import { HostFs } from '../../host/host-fs.js';
import { SOCKET_SOURCES, collectSocketCensus, fmtN, nowMs, type SocketCensus, type SocketSourceOption, type Uninspectable } from '../../host/sockets.js';
import { EXIT } from '../exit-codes.js';
import { SCHEMA_VERSION, printJson, widthOf, type Io } from '../io.js';
import { wrapBlock, wrap as wrapText } from '../format/wrap.js';

export interface SocketsOptions {
  root: string;
  top: number;
  /** Refresh interval in seconds; undefined = print once. */
  watch?: number;
  json: boolean;
  /** Where the socket tables come from (default auto: netlink sock_diag on the live host, else /proc). */
  source?: SocketSourceOption;
  /** Ends --watch (tests); SIGINT does the same. */
  signal?: AbortSignal;
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

export async function runSockets(opts: SocketsOptions, io: Io): Promise<number> {
  if (!Number.isInteger(opts.top) || opts.top < 0) {
    io.err(`knobs sockets: --top must be a non-negative integer (got ${opts.top})\n`);
    return EXIT.error;
  }
  if (opts.watch !== undefined && !(Number.isFinite(opts.watch) && opts.watch > 0)) {
    io.err(`knobs sockets: --watch needs a positive number of seconds (got ${opts.watch})\n`);
    return EXIT.error;
  }
  const source = opts.source ?? 'auto';
  if (!SOCKET_SOURCES.includes(source)) {
    io.err(`knobs sockets: --source is one of ${SOCKET_SOURCES.join(', ')} (got ${source})\n`);
    return EXIT.error;
  }
  const hfs = new HostFs(opts.root);
  let paint = plain;
  if (!opts.json && io.color) {
    const pc = (await import('picocolors')).default;
    paint = pc;
  }

  const sample = (): SocketCensus | string => {
    try {
      // Synchronous on purpose: procfs returns ~4 KiB per read() and netlink one
      // datagram (≤ 32 KiB), so thread-pool reads would cost a round trip each
      // (measured on procfs: 3× slower than readSync).
      const c = collectSocketCensus(hfs, { top: opts.top, source });
      return c.error ?? c;
    } catch (err) {
      return (err as Error).message;
    }
  };

  if (opts.watch === undefined) {
    const c = sample();
    if (typeof c === 'string') {
      io.err(`knobs sockets: ${c}\n`);
      return EXIT.error;
    }
    if (opts.json) printJson(io, socketsDocument(c, opts.top));
    else io.out(formatSockets(c, opts.top, paint, null, widthOf(io)));
    return EXIT.ok;
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
  try {
    do {
      const c = sample();
      const now = nowMs();
      if (typeof c === 'string') {
        io.err(`knobs sockets: ${c}\n`);
        return EXIT.error;
      }
      const d = prev ? stateDelta(prev.states, c.states, (now - prev.t) / 1000) : null;
      prev = { states: c.states, t: now };
      if (opts.json) {
        // One compact document per line (JSON Lines), each complete with schemaVersion.
        io.out(JSON.stringify({ schemaVersion: SCHEMA_VERSION, time: new Date().toISOString(), ...socketsDocument(c, opts.top), watch: d }) + '\n');
      } else {
        const head = paint.dim(`knobs sockets — every ${opts.watch}s — ${new Date().toTimeString().slice(0, 8)}${io.isTTY ? ' — Ctrl+C to stop' : ''}`);
        const body = formatSockets(c, opts.top, paint, d, widthOf(io));
        if (io.isTTY) io.out(`\x1b[H\x1b[2J${head}\n${body}`);
        else io.out(`${head}\n${body}\n`);
      }
      if (stopped) break;
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
  return EXIT.ok;
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

/** The JSON document (without schemaVersion, added by printJson). */
export function socketsDocument(c: SocketCensus, top: number): object {
  return {
    ...c,
    timeWait: {
      ...c.timeWait,
      outgoing: { ...c.timeWait.outgoing, byDestination: c.timeWait.outgoing.byDestination.slice(0, top) },
    },
    listeners: c.listeners.slice(0, Math.max(top, 0) || c.listeners.length),
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

export function formatSockets(c: SocketCensus, top: number, p: Paint = plain, d: StateDelta | null = null, width = 80): string {
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

  if (c.advice.length > 0) {
    out.push('');
    out.push(p.bold('What to do:'));
    for (const a of c.advice) {
      const tag = a.severity === 'critical' ? p.red('[critical]') : a.severity === 'warning' ? p.yellow('[warning]') : p.cyan('[info]');
      out.push(`  ${tag} ${a.id}`);
      out.push(wrap(a.message, '    '));
    }
  }
  return wrapBlock(out.join('\n'), width) + '\n';
}
