// Benchmark of `knobs sockets` (see benchSockets). Everything that touches the
// kernel runs inside a throwaway network namespace (`unshare -n`): the module
// re-executes itself there with `--inner`, brings `lo` up, sets only net.* keys
// (private to that namespace), creates ≥ 70,000 TIME_WAIT sockets plus some
// CLOSE_WAIT and ESTABLISHED with a small C generator, and times:
//   knobs  `node dist/knobs.cjs sockets --json` (netlink sock_diag; and/or
//          test/helpers/run-sockets.mjs), and the same with `--source proc`
//   ss     `ss -tan | awk '{print $1}' | sort | uniq -c`
//   netstat `netstat -tan | awk '/^tcp/ {++S[$NF]} END {for(a in S) print a, S[a]}'`
//   floor  `cat /proc/net/tcp /proc/net/tcp6 > /dev/null; node -e 0`
// (median wall clock of RUNS interleaved rounds). Then, outside the namespace, the
// peak RSS of `knobs sockets --json --root DIR` on a generated 1,000,000-line
// proc/net/tcp.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleavedSamples, median, pairedRatio } from './timing.js';

const SELF = fileURLToPath(import.meta.url);
/** dist/bench/sockets.js → repository root. */
const REPO = path.resolve(path.dirname(SELF), '..', '..');
const RUNNER = path.join(REPO, 'test/helpers/run-sockets.mjs');
const BIN = path.join(REPO, 'dist/knobs.cjs');

const RUNS = 15;
const DESTS = 3; // 127.0.0.2 .. 127.0.0.4, port 8080
const PER_DEST = 25_000;
const CLOSE_WAIT = 500;
const ESTABLISHED = 200;
const BIG_LINES = 1_000_000;

const TARGETS = { netstat: 1.0, ss: 1.3, floor: 1.2, rssMb: 150 };

interface InnerResult {
  timeWait: number;
  timeWaitAfter: number;
  closeWait: number;
  generatorMs: number;
  knobsStates: Record<string, number> | null;
  /** Where `knobs sockets` read them by default (netlink unless the addon is missing). */
  knobsSource: string;
  knobsProcStates: Record<string, number> | null;
  ssTimeWait: number;
  medians: Record<string, number>;
  samples: Record<string, number[]>;
  knobsCommand: string;
}

const C_GENERATOR = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static int listener(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s, (void *)&a, sizeof a) || listen(s, 4096)) { perror("listen"); exit(1); }
  return s;
}

static int dial(const char *ip, int port) {
  int c = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, ip, &a.sin_addr);
  if (c < 0) return -1;
  if (connect(c, (void *)&a, sizeof a)) { int e = errno; close(c); errno = e; return -1; }
  return c;
}

int main(int argc, char **argv) {
  int dests = atoi(argv[1]), per = atoi(argv[2]), cw = atoi(argv[3]), est = atoi(argv[4]);
  struct rlimit rl; getrlimit(RLIMIT_NOFILE, &rl); rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl);
  int l = listener(8080), lc = listener(9000);
  long made = 0;
  for (int d = 0; d < dests; d++) {
    char ip[32]; snprintf(ip, sizeof ip, "127.0.0.%d", d + 2);
    for (int i = 0; i < per; i++) {            /* bounded: per connections per destination */
      int c = dial(ip, 8080);
      if (c < 0) { fprintf(stderr, "connect %s: %s after %d\n", ip, strerror(errno), i); break; }
      int a = accept(l, NULL, NULL);
      close(c);                                 /* client closes first -> client TIME_WAIT */
      if (a >= 0) close(a);
      made++;
    }
  }
  for (int i = 0; i < cw; i++) {               /* server keeps the accepted socket: CLOSE_WAIT */
    int c = dial("127.0.0.1", 9000);
    if (c < 0) break;
    if (accept(lc, NULL, NULL) < 0) break;
    close(c);
  }
  for (int i = 0; i < est; i++) {              /* both ends open: ESTABLISHED pairs */
    int c = dial("127.0.0.1", 9000);
    if (c < 0) break;
    if (accept(lc, NULL, NULL) < 0) break;
  }
  printf("ready %ld\n", made); fflush(stdout);
  pause();
  return 0;
}
`;

function sh(cmd: string): { ms: number; status: number | null; stdout: string } {
  const t = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  return { ms, status: r.status, stdout: r.stdout };
}

/** Wall clock of each shell command, RUNS interleaved rounds (interleavedSamples). */
function timeInterleaved(cmds: Record<string, string>): Record<string, number[]> {
  return interleavedSamples(Object.fromEntries(Object.entries(cmds).map(([k, cmd]) => [k, () => sh(cmd).ms])), RUNS);
}

function sockstatTw(): number {
  const m = /tw (\d+)/.exec(fs.readFileSync('/proc/net/sockstat', 'utf8'));
  return m ? Number(m[1]) : 0;
}

function knobsCommands(): Record<string, string> {
  const cmds: Record<string, string> = {};
  const bin = spawnSync('node', [BIN, 'sockets', '--json'], { encoding: 'utf8' });
  if (bin.status === 0 && bin.stdout.includes('"schemaVersion"')) {
    cmds.knobs = `node ${BIN} sockets --json > /dev/null`;
    cmds.knobsProc = `node ${BIN} sockets --json --source proc > /dev/null`;
  }
  cmds[cmds.knobs ? 'runner' : 'knobs'] = `node ${RUNNER} sockets --json > /dev/null`;
  return cmds;
}

/** Runs inside `unshare -n`. */
function inner(): void {
  const mine = fs.readlinkSync('/proc/self/ns/net');
  let init = '';
  try {
    init = fs.readlinkSync('/proc/1/ns/net');
  } catch {
    /* not visible: assume fresh */
  }
  if (mine === init) throw new Error('bench inner: not in a private network namespace; refusing to write net.* sysctls');
  spawnSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'inherit' });
  // net.* only: private to this namespace.
  fs.writeFileSync('/proc/sys/net/ipv4/ip_local_port_range', '1024 65535');
  fs.writeFileSync('/proc/sys/net/ipv4/tcp_tw_reuse', '0'); // keep loopback TIME_WAIT from being reused
  fs.writeFileSync('/proc/sys/net/ipv4/tcp_max_tw_buckets', '262144');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knobs-bench-'));
  const gen = path.join(dir, 'gen');
  fs.writeFileSync(`${gen}.c`, C_GENERATOR);
  const cc = spawnSync('gcc', ['-O2', '-o', gen, `${gen}.c`], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc failed: ${cc.stderr}`);

  const t0 = Date.now();
  const child = spawnSync('sh', ['-c', `${gen} ${DESTS} ${PER_DEST} ${CLOSE_WAIT} ${ESTABLISHED} > ${dir}/out 2> ${dir}/err & echo $!`], {
    encoding: 'utf8',
  });
  const pid = Number(child.stdout.trim());
  try {
    const deadline = Date.now() + 45_000;
    while (!/ready/.test(fs.existsSync(`${dir}/out`) ? fs.readFileSync(`${dir}/out`, 'utf8') : '')) {
      if (Date.now() > deadline) throw new Error(`generator did not finish: ${fs.readFileSync(`${dir}/err`, 'utf8')}`);
      spawnSync('sleep', ['0.05']);
    }
    const generatorMs = Date.now() - t0;
    const timeWait = sockstatTw();

    const cmds: Record<string, string> = {
      ...knobsCommands(),
      ss: `ss -tan | awk '{print $1}' | sort | uniq -c > /dev/null`,
      netstat: `netstat -tan | awk '/^tcp/ {++S[$NF]} END {for(a in S) print a, S[a]}' > /dev/null`,
      floor: `cat /proc/net/tcp /proc/net/tcp6 > /dev/null; node -e 0`,
    };
    const samples = timeInterleaved(cmds);

    const knobsJson = spawnSync('node', [RUNNER, 'sockets', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const knobsProcJson = spawnSync('node', [RUNNER, 'sockets', '--json', '--source', 'proc'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const ssTw = sh('ss -tan state time-wait | tail -n +2 | wc -l');
    let knobsStates: Record<string, number> | null = null;
    let knobsSource = '?';
    let knobsProcStates: Record<string, number> | null = null;
    try {
      ({ states: knobsStates, source: knobsSource } = JSON.parse(knobsJson.stdout));
      knobsProcStates = JSON.parse(knobsProcJson.stdout).states;
    } catch {
      /* reported as null */
    }
    // The same with one IPv6 socket in use, so that knobs reads proc/net/tcp6 as well
    // (on a host without IPv6 TCP it skips it: see ipv6TableEmpty in src/host/sockets.ts).
    // A listener on a service port: one on a port that IPv4 connections here also used
    // as their local port (1024-65535) makes knobs move those to incoming after the
    // scan (reclassifyLateListeners), one more pass over the outgoing sockets (~5-10 ms).
    const v6 = spawnSync('sh', ['-c', `python3 -c 'import socket,time; s=socket.socket(socket.AF_INET6); s.bind(("::1", 443)); s.listen(); print("ready", flush=True); time.sleep(300)' > ${dir}/v6 2>&1 & echo $!`], { encoding: 'utf8' });
    const v6pid = Number(v6.stdout.trim());
    try {
      const deadline6 = Date.now() + 10_000;
      while (!/ready/.test(fs.existsSync(`${dir}/v6`) ? fs.readFileSync(`${dir}/v6`, 'utf8') : '') && Date.now() < deadline6) spawnSync('sleep', ['0.05']);
      if (/TCP6: inuse [1-9]/.test(fs.readFileSync('/proc/net/sockstat6', 'utf8'))) {
        const withV6 = timeInterleaved({ knobsIpv6: cmds.knobs!, ...(cmds.knobsProc ? { knobsProcIpv6: cmds.knobsProc } : {}), floorIpv6: cmds.floor! });
        Object.assign(samples, withV6);
      }
    } finally {
      if (v6pid > 0) spawnSync('kill', [String(v6pid)]);
    }
    const medians: Record<string, number> = {};
    for (const k of Object.keys(samples)) medians[k] = median(samples[k]!);

    const result: InnerResult = {
      timeWait,
      timeWaitAfter: sockstatTw(),
      closeWait: knobsStates?.CLOSE_WAIT ?? -1,
      generatorMs,
      knobsStates,
      knobsSource,
      knobsProcStates,
      ssTimeWait: Number(ssTw.stdout.trim()),
      medians,
      samples,
      knobsCommand: cmds.knobs!,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the 1,000,000-line file -------------------------------------------------------

function hexWord(a: number, b: number, c: number, d: number): string {
  // raw network-order bytes a.b.c.d printed as a little-endian u32
  return ((((d << 24) >>> 0) | (c << 16) | (b << 8) | a) >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

/** Writes a kernel-format proc/net/tcp with `lines` sockets under root; returns its size in bytes. */
export function writeBigProcNetTcp(root: string, lines: number): number {
  fs.mkdirSync(path.join(root, 'proc/net'), { recursive: true });
  fs.mkdirSync(path.join(root, 'proc/sys/net/ipv4'), { recursive: true });
  fs.writeFileSync(path.join(root, 'proc/sys/net/ipv4/ip_local_port_range'), '32768\t60999\n');
  fs.writeFileSync(path.join(root, 'proc/net/tcp6'), '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n');
  fs.writeFileSync(path.join(root, 'proc/net/sockstat'), `sockets: used 10\nTCP: inuse 10 orphan 0 tw ${lines} alloc 10 mem 1\n`);
  const fd = fs.openSync(path.join(root, 'proc/net/tcp'), 'w');
  const pad = (s: string) => s.padEnd(149) + '\n';
  let chunk = pad('  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode');
  let size = 0;
  const local = hexWord(10, 0, 0, 1);
  for (let i = 0; i < lines; i++) {
    const sl = String(i).padStart(4);
    const kind = i % 20;
    let line: string;
    if (kind === 0) {
      // inbound ESTABLISHED from many clients to :443
      const client = hexWord(10, 1 + ((i >> 16) & 0x7f), (i >> 8) & 0xff, i & 0xff);
      line = `${sl}: ${local}:01BB ${client}:${hex4(1024 + (i % 60000))} 01 00000000:00000000 00:00000000 00000000    33        0 ${100000 + i} 1 0000000000000000 20 4 30 10 -1`;
    } else if (kind === 1) {
      // CLOSE_WAIT towards a backend (we are the client, the backend closed)
      line = `${sl}: ${local}:${hex4(32768 + (i % 28232))} ${hexWord(10, 2, 0, 1 + (i % 50))}:1F90 08 00000000:00000001 00:00000000 00000000    33        0 ${100000 + i} 1 0000000000000000 20 4 30 10 -1`;
    } else {
      // outgoing TIME_WAIT to 200 backends
      const dst = hexWord(10, 3, (i >> 8) % 2, i % 100);
      line = `${sl}: ${local}:${hex4(32768 + (i % 28232))} ${dst}:1538 06 00000000:00000000 03:00001747 00000000     0        0 0 3 0000000000000000`;
    }
    chunk += pad(line);
    if (chunk.length > 1 << 20) {
      size += fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  size += fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  return size;
}

function measureBigFile(): { rssMb: number | null; wallMs: number; bytes: number; method: string; states: Record<string, number> | null } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knobs-bigtcp-'));
  try {
    const bytes = writeBigProcNetTcp(root, BIG_LINES);
    const useTime = fs.existsSync('/usr/bin/time');
    const t = process.hrtime.bigint();
    let rssKb: number | null = null;
    let out = '';
    if (useTime) {
      const r = spawnSync('/usr/bin/time', ['-v', 'node', RUNNER, 'sockets', '--json', '--root', root], { encoding: 'utf8', maxBuffer: 64 << 20 });
      out = r.stdout;
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
      rssKb = m ? Number(m[1]) : null;
    } else {
      const script = `const {spawnSync}=require('node:child_process');const r=spawnSync(process.execPath,${JSON.stringify([RUNNER, 'sockets', '--json', '--root', root])},{encoding:'utf8',maxBuffer:1<<26});process.stdout.write(JSON.stringify({out:r.stdout,rss:process.resourceUsage().maxRSS}))`;
      const r = spawnSync('node', ['-e', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const j = JSON.parse(r.stdout);
      out = j.out;
      rssKb = j.rss;
    }
    const wallMs = Number(process.hrtime.bigint() - t) / 1e6;
    let states: Record<string, number> | null = null;
    try {
      states = JSON.parse(out).states;
    } catch {
      /* null */
    }
    return { rssMb: rssKb === null ? null : rssKb / 1024, wallMs, bytes, method: useTime ? '/usr/bin/time -v' : 'resourceUsage().maxRSS (children)', states };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

// ---- the report -----------------------------------------------------------------------

const fmt = (x: number, d = 1) => x.toFixed(d);

export async function benchSockets(): Promise<void> {
  const log = (s = '') => process.stdout.write(s + '\n');
  log('## knobs sockets');
  if (!fs.existsSync(path.join(REPO, 'dist/src/cli/commands/sockets.js'))) {
    log('skipped: dist/ not built (npx tsc -p tsconfig.json)');
    return;
  }
  const missing = ['unshare', 'ss', 'netstat', 'gcc', 'ip'].filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
  const nsOk = spawnSync('unshare', ['-n', 'true']).status === 0;
  if (missing.length || !nsOk) {
    log(`namespace part skipped: ${missing.length ? `missing ${missing.join(', ')} (scripts/install-test-deps.sh)` : '`unshare -n` not permitted'}`);
  } else {
    const r = spawnSync('unshare', ['-n', 'node', SELF, '--inner'], { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 << 20 });
    if (r.status !== 0) {
      log(`namespace part failed (${r.status}): ${r.stderr.trim()}`);
    } else {
      const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as InnerResult;
      const m = res.medians;
      log(
        `inside unshare -n: ${res.timeWait.toLocaleString('en-US')} TIME_WAIT (sockstat tw; ${res.timeWaitAfter.toLocaleString('en-US')} after timing), ` +
          `${res.closeWait} CLOSE_WAIT, ${ESTABLISHED} ESTABLISHED pairs; generated in ${res.generatorMs} ms`,
      );
      log(
        `knobs TIME_WAIT ${res.knobsStates?.TIME_WAIT ?? '?'} (read from ${res.knobsSource}; ${res.knobsProcStates?.TIME_WAIT ?? '?'} with --source proc) ` +
          `vs ss ${res.ssTimeWait} (same moment, after timing)`,
      );
      log(`median of ${RUNS} runs, wall clock:`);
      log('| command | median ms | min ms | knobs ÷ this |');
      log('|---|---:|---:|---:|');
      const label: Record<string, string> = {
        knobs: res.knobsCommand.replace(/ > \/dev\/null$/, '').replace(REPO + '/', ''),
        knobsProc: res.knobsCommand.replace(/ > \/dev\/null$/, '').replace(REPO + '/', '') + ' --source proc',
        runner: 'node test/helpers/run-sockets.mjs sockets --json',
        ss: "ss -tan | awk '{print $1}' | sort | uniq -c",
        netstat: 'netstat -tan | awk … (per-state count)',
        floor: 'cat /proc/net/tcp /proc/net/tcp6 + node -e 0',
      };
      for (const k of Object.keys(m)) {
        if (k.endsWith('Ipv6')) continue;
        log(`| ${label[k] ?? k} | ${fmt(m[k]!)} | ${fmt(Math.min(...res.samples[k]!))} | ${fmt(m.knobs! / m[k]!, 2)} |`);
      }
      // Three decimals where two would print the target itself ("1.20× … MISS").
      const shown = (ratio: number, target: number) => (fmt(ratio, 2) === fmt(target, 2) && ratio !== target ? fmt(ratio, 3) : fmt(ratio, 2));
      const check = (name: string, ratio: number, target: number) => {
        const strict = name === 'netstat'; // "faster than netstat"
        const pass = strict ? ratio < target : ratio <= target;
        return `${name} ${shown(ratio, target)}× (target ${strict ? '<' : '≤'} ${target}) ${pass ? 'PASS' : 'MISS'}`;
      };
      log(
        [check('netstat', m.knobs! / m.netstat!, TARGETS.netstat), check('ss', m.knobs! / m.ss!, TARGETS.ss), check('floor', m.knobs! / m.floor!, TARGETS.floor)].join('; '),
      );
      const minOf = (k: string) => Math.min(...res.samples[k]!);
      const paired = (a: string, b: string) => fmt(pairedRatio(res.samples[a]!, res.samples[b]!), 2);
      log(`floor, other readings of the same runs: by fastest run ${fmt(minOf('knobs') / minOf('floor'), 2)}×, paired by round ${paired('knobs', 'floor')}×`);
      if (m.knobsProc !== undefined) {
        log(
          `knobs --source proc (reads proc/net/tcp like the floor does): ${check('floor', m.knobsProc / m.floor!, TARGETS.floor)}; ` +
            `by fastest run ${fmt(minOf('knobsProc') / minOf('floor'), 2)}×, paired by round ${paired('knobsProc', 'floor')}×`,
        );
      }
      if (m.knobsIpv6 !== undefined && m.floorIpv6 !== undefined) {
        log(
          `with one IPv6 socket in use (the floor and --source proc read proc/net/tcp6 too): knobs ${fmt(m.knobsIpv6)} ms, floor ${fmt(m.floorIpv6)} ms: ` +
            `${check('floor', m.knobsIpv6 / m.floorIpv6, TARGETS.floor)}; by fastest run ${fmt(minOf('knobsIpv6') / minOf('floorIpv6'), 2)}×, ` +
            `paired by round ${paired('knobsIpv6', 'floorIpv6')}×`,
        );
        if (m.knobsProcIpv6 !== undefined) {
          log(
            `  --source proc: ${fmt(m.knobsProcIpv6)} ms: ${check('floor', m.knobsProcIpv6 / m.floorIpv6, TARGETS.floor)}; ` +
              `by fastest run ${fmt(minOf('knobsProcIpv6') / minOf('floorIpv6'), 2)}×, paired by round ${paired('knobsProcIpv6', 'floorIpv6')}×`,
          );
        }
      } else {
        log('IPv6 run skipped: no IPv6 listener could be opened on ::1 (python3 or IPv6 missing)');
      }
    }
  }
  const big = measureBigFile();
  log(
    `1,000,000-line proc/net/tcp (${fmt(big.bytes / 1048576)} MiB) under --root: peak RSS ${big.rssMb === null ? '?' : fmt(big.rssMb)} MB ` +
      `(target < ${TARGETS.rssMb}) ${big.rssMb !== null && big.rssMb < TARGETS.rssMb ? 'PASS' : 'MISS'}, wall ${fmt(big.wallMs, 0)} ms ` +
      `[${big.method}]; TIME_WAIT ${big.states?.TIME_WAIT ?? '?'}, CLOSE_WAIT ${big.states?.CLOSE_WAIT ?? '?'}, ESTABLISHED ${big.states?.ESTABLISHED ?? '?'}`,
  );
}

if (process.argv[1] === SELF) {
  if (process.argv[2] === '--inner') inner();
  else await benchSockets();
}
