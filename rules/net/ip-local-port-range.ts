// The ephemeral port range: values the kernel rejects, parity, and collisions with listening services.
import { rejectReason } from '../../src/core/catalog.js';
import { configLines } from '../../src/core/config-lines.js';
import { defineRule } from '../../src/core/define-rule.js';
import { versionAtLeast } from '../../src/core/kernel-version.js';
import { fields, fold, toInt } from '../../src/core/values.js';

const KEY = 'net.ipv4.ip_local_port_range';
const RESERVED = 'net.ipv4.ip_local_reserved_ports';
const UNPRIV = 'net.ipv4.ip_unprivileged_port_start';

function parsePorts(list: string): [number, number][] {
  return fold(list)
    .replace(/\s/g, '')
    .split(',')
    .filter(Boolean)
    .map((p) => {
      const [a, b] = p.split('-');
      return [Number(a), Number(b ?? a)] as [number, number];
    })
    .filter(([a, b]) => Number.isInteger(a) && Number.isInteger(b));
}

function isReserved(port: number, ranges: [number, number][]): boolean {
  return ranges.some(([a, b]) => port >= a && port <= b);
}

/** Ports as a comma list with consecutive runs collapsed (`8080-8082,9000`). */
function formatPorts(ports: number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

export default defineRule({
  id: 'net/ip-local-port-range',
  keys: [KEY, RESERVED, UNPRIV],
  severity: 'warning',
  requires: [KEY],
  summary: 'The ephemeral port range (or the unprivileged port start) is rejected by the kernel, overlaps listening ports, or has an odd size',
  explanation:
    'ip_local_port_range is the pool connect() and bind(port 0) draw local ports from, for TCP and UDP. The kernel ' +
    'rejects a write unless low <= high and, since ip_unprivileged_port_start exists (4.11), low >= ' +
    'ip_unprivileged_port_start (1024 by default); a config line with such a value fails at boot and the range ' +
    'stays as it was. low = high is accepted but leaves one port. Since 4.2 connect() tries ports with the parity ' +
    'of the low end first and bind(0) (since 4.6) the other parity, so the kernel documentation says "better these ' +
    'numbers have different parity": an even count splits the range into equal halves. A listening service whose ' +
    'port lies inside the range can find it taken by an outgoing connection when it restarts (bind() fails with ' +
    'EADDRINUSE); ip_local_reserved_ports keeps such ports out of automatic assignment without affecting an ' +
    'explicit bind().',
  tradeoffs:
    'A wider range raises the per-destination connection ceiling (ports ÷ 60 s) but reaches into ports services ' +
    'use; reserve those. Reserved ports shrink the pool by their number.',
  history: [
    '4.2: default 32768–61000 → 32768–60999 for an even count; connect() prefers the parity of the low end (07f4c90062f8).',
    '4.2: writing a range whose ends have the same parity logs "ip_local_port_range: prefer different parity for start/end values." once per namespace (set_local_port_range(), net/ipv4/sysctl_net_ipv4.c@4.2.8 … @6.12.0; absent @4.1.5).',
    '4.6: bind(0) prefers the opposite parity (ea8add2b1903 "tcp/dccp: better use of ephemeral ports in bind()"; inet_csk_find_open_port(): absent@4.4.155, present@4.6.2).',
    '4.11: ip_unprivileged_port_start added; the range handler rejects a low end below it, and its own handler rejects a value above the range\'s low end (net/ipv4/sysctl_net_ipv4.c ipv4_local_port_range(), ipv4_privileged_ports()@4.12.0).',
  ],
  myth: '"Set ip_local_port_range = 1024 65535 for more ports" — it works, but puts every service port from 1024 up in the pool unless reserved, and an odd count (64512 is even; 1024 65000 is not) skews the parity halves.',
  references: [
    'https://docs.kernel.org/networking/ip-sysctl.html',
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=07f4c90062f8',
  ],
  messages: {
    rejectedLine:
      '{file}:{line} sets ip_local_port_range = {value}, which the kernel rejects ({reason}): the write fails at boot and the range stays {live}',
    singlePort:
      'ip_local_port_range is {value}: a single ephemeral port, so only one outgoing connection per destination can exist at a time and each one blocks the next for 60 s in TIME_WAIT',
    oddCount:
      'ip_local_port_range {value} holds an odd number of ports ({count}); the kernel documentation says "better these numbers have different parity": connect() uses ports of the low end\'s parity first and bind(0) the other, so the halves are unequal (the kernel logs "ip_local_port_range: prefer different parity for start/end values." once when such a range is written). Use {recommended}',
    unprivAboveRange:
      '{file}:{line} sets ip_unprivileged_port_start = {value}, which the kernel rejects while ip_local_port_range starts at {low} (ipv4_privileged_ports() refuses a value above the low end of the range): the write fails at boot and the value stays {live}',
    listenInRange:
      'listening port(s) {ports} lie inside ip_local_port_range {range} and are not in ip_local_reserved_ports: an outgoing connection can take one of them and the service then fails to bind it (EADDRINUSE) when it restarts; reserve them (ip_local_reserved_ports = {reserved})',
  },
  check({ facts, report }) {
    const version = facts.kernel.version;
    const live = facts.sysctl[KEY]?.live ?? null;
    const unpriv = toInt(facts.sysctl[UNPRIV]?.live);
    for (const { file, entry: e } of configLines(facts, KEY)) {
      const v = fold(e.value);
      let reason = rejectReason(KEY, v, version);
      const low = toInt(fields(v)[0]);
      if (reason === null && unpriv !== undefined && low !== undefined && low < unpriv) {
        reason = `the low end ${low} is below ip_unprivileged_port_start ${unpriv}`;
      }
      if (reason) report('rejectedLine', { file, line: e.line, value: v, reason, live: live ?? 'unknown' }, { key: KEY, current: v });
    }

    const liveLow = live === null ? undefined : toInt(fields(live)[0]);
    for (const { file, entry: e } of configLines(facts, UNPRIV)) {
      const v = toInt(e.value);
      if (v === undefined || liveLow === undefined || v <= liveLow || rejectReason(UNPRIV, String(v), version) !== null) continue;
      report('unprivAboveRange', { file, line: e.line, value: v, low: liveLow, live: facts.sysctl[UNPRIV]?.live ?? 'unknown' }, { key: UNPRIV, current: String(v) });
    }

    if (live === null) return;
    const [low, high] = fields(live).map(Number) as [number, number];
    if (!Number.isInteger(low) || !Number.isInteger(high)) return;
    if (low === high) {
      report('singlePort', { value: live }, { key: KEY, current: live });
    } else if ((high - low + 1) % 2 === 1 && version !== null && versionAtLeast(version, '4.2.0')) {
      const recommended = `${low} ${high - 1}`;
      const ok = rejectReason(KEY, recommended, version) === null;
      report(
        'oddCount',
        { value: live, count: high - low + 1, recommended },
        { key: KEY, current: live, recommended, severity: 'info', ...(ok ? { change: { kind: 'sysctl' as const, key: KEY, value: recommended } } : {}) },
      );
    }

    if (!facts.sockets.available) return;
    const reservedLive = facts.sysctl[RESERVED]?.live ?? null;
    if (reservedLive === null) return;
    const reserved = parsePorts(reservedLive);
    const clash = facts.sockets.listenPorts.filter((p) => p >= low && p <= high && !isReserved(p, reserved));
    if (clash.length === 0) return;
    const existing = fold(reservedLive).replace(/\s/g, '');
    const merged = [existing, formatPorts(clash)].filter(Boolean).join(',');
    const ok = rejectReason(RESERVED, merged, version) === null;
    report(
      'listenInRange',
      { ports: formatPorts(clash), range: live, reserved: merged },
      {
        key: RESERVED,
        current: reservedLive,
        recommended: merged,
        ...(ok ? { change: { kind: 'sysctl' as const, key: RESERVED, value: merged } } : {}),
      },
    );
  },
});
