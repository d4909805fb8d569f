// TCP's machine-wide memory (tcp_mem, in pages) and orphan limit, from sockstat and
// the TcpExt counters, with the kernel log lines they cause.
import { counterWindow } from '../../src/core/counter-window.js';
import { defineRule } from '../../src/core/define-rule.js';
import { toInt } from '../../src/core/values.js';

const MEM = 'net.ipv4.tcp_mem';
const ORPHANS = 'net.ipv4.tcp_max_orphans';

function mib(pages: number): string {
  return `${Math.round((pages * 4096) / 1048576)} MiB`;
}

export default defineRule({
  id: 'net/tcp-memory',
  keys: [MEM, ORPHANS],
  severity: 'warning',
  requires: [MEM],
  summary: 'TCP is near or over its memory limit (tcp_mem, in pages), or reset connections for lack of memory',
  explanation:
    'tcp_mem holds three thresholds in pages (4 KiB on x86_64), not bytes, for all TCP sockets of the machine: above ' +
    'the second TCP is under memory pressure and trims buffers (throughput drops), above the third a socket that needs ' +
    'more memory fails and, when it is being closed or the limit is hit hard, is reset: the kernel logs "TCP: out of ' +
    'memory -- consider tuning tcp_mem" and counts TcpExt TCPAbortOnMemory. An orphan is a socket the application ' +
    'closed that still holds data or waits in FIN_WAIT; above tcp_max_orphans they are reset with "TCP: too many ' +
    'orphaned sockets" (orphans near the limit are reported by sockets/orphans-near-limit). sockstat\'s "TCP: … mem N" is the current use in the same pages. The boot defaults are a share ' +
    'of RAM (about 1/16, 1/10, 1/7 with limit = free pages / 16); raising tcp_mem is right when the memory is really ' +
    'there, but the usual cause is buffers set too large (tcp_rmem/tcp_wmem max, SO_RCVBUF) times many connections, or ' +
    'peers that do not read. The TcpExt counter runs since boot: knobs keeps the counters of its last audit of this boot in /var/lib/knobs/counters.json (where that directory exists) and judges the increase since then; without a sample the finding counts since boot and says so. The usage figures are ' +
    'the current ones.',
  tradeoffs:
    'A higher tcp_mem lets TCP take memory other users (page cache, applications) would have; it is not reserved. A ' +
    'higher tcp_max_orphans costs up to ~64 KiB of unswappable memory per orphan (ip-sysctl.rst).',
  history: [
    'tcp_check_oom(): net_info_ratelimited("too many orphaned sockets") and ("out of memory -- consider tuning tcp_mem") with pr_fmt "TCP: "; the resets count LINUX_MIB_TCPABORTONMEMORY (net/ipv4/tcp.c, net/ipv4/tcp_timer.c@6.12.0).',
    'tcp_init_mem(): limit = nr_free_buffer_pages() / 16, tcp_mem = 3/4, 1, 3/2 × limit (net/ipv4/tcp.c@6.12.0); sockstat prints proto_memory_allocated(&tcp_prot) as "mem" (net/ipv4/proc.c@6.12.0).',
    'Documentation/networking/ip-sysctl.rst@6.12.0, tcp_max_orphans: "each orphan eats up to ~64K of unswappable memory".',
  ],
  references: ['https://docs.kernel.org/networking/ip-sysctl.html'],
  messages: {
    underPressure:
      'TCP uses {used} pages ({usedMiB}) against tcp_mem {mem}: {state}. Look for oversized buffers (tcp_rmem/tcp_wmem max × connections) or peers that do not read before raising tcp_mem',
    abortedOnMemory:
      '{aborts} connections were reset for lack of TCP memory or over the orphan limit {window} (TcpExt TCPAbortOnMemory); the kernel log says "TCP: out of memory -- consider tuning tcp_mem" or "TCP: too many orphaned sockets" (dmesg). Now: {used} of {high} pages, {orphans} of {maxOrphans} orphans',
  },
  check({ facts, report }) {
    const memLive = facts.sysctl[MEM]?.live ?? null;
    const fields = (memLive ?? '').trim().split(/\s+/).map(Number);
    if (fields.length !== 3 || fields.some((n) => !Number.isFinite(n) || n <= 0)) return;
    const [, pressure, high] = fields as [number, number, number];
    const c = facts.sockets.counters;
    const used = c['sockstat.mem'];
    const orphans = c['sockstat.orphan'];
    const maxOrphans = toInt(facts.sysctl[ORPHANS]?.live);
    if (used !== undefined && used > pressure) {
      const critical = used >= high * 0.9;
      report(
        'underPressure',
        { used, usedMiB: mib(used), mem: memLive!.trim().replace(/\s+/g, ' '), state: critical ? `at ${Math.round((100 * used) / high)}% of the third threshold, where allocations fail` : 'above the second threshold, under memory pressure (buffers are trimmed)' },
        { key: MEM, current: memLive, severity: critical ? 'critical' : 'warning' },
      );
    }
    const aborts = counterWindow(facts, 'TcpExt.TCPAbortOnMemory', c['TcpExt.TCPAbortOnMemory'] ?? 0);
    if (aborts.count > 0) {
      report('abortedOnMemory', { aborts: aborts.count, window: aborts.window, used: used ?? '?', high, orphans: orphans ?? '?', maxOrphans: maxOrphans ?? '?' }, { key: MEM, current: memLive });
    }
  },
});
