// A raised tcp_rmem/tcp_wmem max with rmem_max/wmem_max left low: apps that set SO_RCVBUF/SO_SNDBUF get far less.
import { rejectReason } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { fields, plainValue, toInt } from '../../src/core/values.js';

const PAIRS = [
  { tcp: 'net.ipv4.tcp_rmem', core: 'net.core.rmem_max', opt: 'SO_RCVBUF', what: 'receive' },
  { tcp: 'net.ipv4.tcp_wmem', core: 'net.core.wmem_max', opt: 'SO_SNDBUF', what: 'send' },
] as const;

export default defineRule({
  id: 'net/buffer-max',
  keys: ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.core.rmem_max', 'net.core.wmem_max'],
  severity: 'info',
  summary: 'TCP buffer autotuning was raised, but the cap for applications that size their own buffers was not',
  explanation:
    'Two separate ceilings: tcp_rmem[2] / tcp_wmem[2] bound TCP autotuning, which applies to every socket that ' +
    'does not set its own buffer size; net.core.rmem_max / wmem_max bound what an application may request with ' +
    'setsockopt(SO_RCVBUF / SO_SNDBUF). rmem_max does NOT cap autotuning. But a socket that sets SO_RCVBUF turns ' +
    'autotuning off for itself and is capped at rmem_max (the kernel doubles the requested value for bookkeeping, ' +
    'socket(7)). So when a profile or a boot file raises tcp_rmem[2] above rmem_max, autotuned sockets get the big ' +
    'window while applications that size their buffers explicitly (many proxies, databases, iperf -w) stay small. ' +
    'Raise rmem_max/wmem_max to the same ceiling so both paths reach it. Reported only where a chosen profile or a ' +
    'sysctl file sets tcp_rmem/tcp_wmem; the kernel\'s own defaults are left alone.',
  tradeoffs:
    'A higher rmem_max/wmem_max lets any unprivileged application pin that much memory per socket; UDP-heavy ' +
    'applications (QUIC, DNS) also use it. Kernel-wide TCP memory is still bounded by tcp_mem (in pages).',
  history: [
    '6.16: tcp_rmem[2] default cap 6 MiB → 32 MiB (572be9bf9d0d).',
    '6.18: rmem_max/wmem_max default 212992 → 4 MiB ("net: set net.core.rmem_max and net.core.wmem_max to 4 MB"; SK_RMEM_MAX in net/core/sock.c@7.1.3).',
  ],
  myth: '"net.core.rmem_max limits the TCP window" — it only limits SO_RCVBUF requests; autotuning is bounded by tcp_rmem[2].',
  references: ['https://docs.kernel.org/networking/ip-sysctl.html', 'https://docs.kernel.org/admin-guide/sysctl/net.html', 'man 7 socket', 'man 7 tcp'],
  messages: {
    appCapBelowAutotune:
      '{source} raises {tcpKey} max to {tcpMax} but {coreKey} is {coreMax}: autotuned sockets can grow to {tcpMax} ({coreKey} does not cap autotuning), but an application that sets {opt} loses {what} autotuning and is capped at {coreMax}; raise {coreKey} to {tcpMax} so both reach the same ceiling',
  },
  check({ facts, profile, report }) {
    for (const p of PAIRS) {
      const target = profile.sysctl[p.tcp];
      const boot = facts.sysctl[p.tcp]?.boot ?? null;
      let source: string;
      let tcpMax: number | undefined;
      if (target) {
        source = `profile ${target.profile}`;
        tcpMax = toInt(fields(plainValue(target.values))[2]);
      } else if (boot) {
        source = `${boot.file}:${boot.line}`;
        tcpMax = toInt(fields(boot.value)[2]);
      } else continue;
      const coreFact = facts.sysctl[p.core];
      const coreMax = toInt(coreFact?.live);
      if (tcpMax === undefined || coreMax === undefined || tcpMax <= coreMax) continue;
      const value = String(tcpMax);
      const ok = !coreFact?.readOnly && rejectReason(p.core, value, facts.kernel.version) === null;
      report(
        'appCapBelowAutotune',
        { source, tcpKey: p.tcp, tcpMax, coreKey: p.core, coreMax, opt: p.opt, what: p.what },
        { key: p.core, current: String(coreMax), recommended: value, ...(ok ? { change: { kind: 'sysctl' as const, key: p.core, value } } : {}) },
      );
    }
  },
});
