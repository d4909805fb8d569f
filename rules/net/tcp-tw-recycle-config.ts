// A leftover tcp_tw_recycle line on a kernel that no longer has the key: boot logs an error, `sysctl -p` fails.
import { configLines } from '../../src/core/config-lines.js';
import { defineRule } from '../../src/core/define-rule.js';

const KEY = 'net.ipv4.tcp_tw_recycle';

export default defineRule({
  id: 'net/tcp-tw-recycle-config',
  keys: [KEY],
  severity: 'warning',
  kernel: '>=4.12.0',
  requiresAbsent: [KEY],
  summary: 'A sysctl file still sets tcp_tw_recycle, which this kernel no longer has',
  explanation:
    'tcp_tw_recycle was removed in Linux 4.12, so /proc/sys/net/ipv4/tcp_tw_recycle does not exist. A line that ' +
    'sets it does nothing except fail: procps `sysctl -p` / `sysctl --system` print "cannot stat ' +
    '/proc/sys/net/ipv4/tcp_tw_recycle: No such file or directory" and exit non-zero (scripts and configuration ' +
    'management that check the exit status stop there), and systemd-sysctl logs "Couldn\'t write \'1\' to ' +
    '\'net/ipv4/tcp_tw_recycle\', ignoring" at every boot (or fails with --strict on recent systemd). The line usually ' +
    'survives from a tuning guide written for kernels before 4.12. Only files the active boot loader reads count ' +
    '(masked and shadowed files are skipped). A line written `-net.ipv4.tcp_tw_recycle = …` asks the loader to ' +
    'ignore the failure; it is reported as info because it is dead, not harmful.',
  tradeoffs:
    'Deleting the line costs nothing: the setting it names has no effect on this kernel. For TIME_WAIT pressure on ' +
    'outgoing connections see net/ephemeral-port-exhaustion (pooling, tcp_tw_reuse=1, a wider port range).',
  history: [
    '4.10: per-connection timestamp offsets (95a22caee396); the 4396e46187ca commit message calls tw_recycle "broken for all types of connections" after it.',
    '4.12: removed (4396e46187ca "tcp: remove tcp_tw_recycle"); writing the key fails with ENOENT.',
    'systemd-sysctl logs a missing key as "Couldn\'t write …, ignoring" at notice (v239), info (v245–v250) or warning (v252+) level, and fails only with --strict (src/sysctl/sysctl.c at those tags); procps sysctl reports an error and a non-zero exit.',
  ],
  myth: '"Add net.ipv4.tcp_tw_recycle = 1 to sysctl.conf to fix TIME_WAIT" — the key is gone since 4.12 and broke NAT clients before that.',
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=4396e46187ca',
    'https://www.freedesktop.org/software/systemd/man/latest/sysctl.d.html',
    'man 8 sysctl',
    'man 7 tcp',
  ],
  messages: {
    removedKey:
      '{file}:{line} sets tcp_tw_recycle = {value}, but the key was removed in Linux 4.12 and this kernel ({release}) has none: this line makes `sysctl -p`/`sysctl --system` fail and is logged at every boot by systemd-sysctl (a warning from systemd 252, info or notice before; an error only with --strict); delete it',
    ignoredLine:
      '{file}:{line} sets -tcp_tw_recycle = {value}: the key was removed in Linux 4.12, and the leading "-" only hides the failure; the line does nothing, delete it',
  },
  check({ facts, report }) {
    for (const { file, entry: e } of configLines(facts, KEY)) {
      const data = { file, line: e.line, value: e.value, release: facts.kernel.release };
      if (e.ignoreFailure) {
        report('ignoredLine', data, { key: KEY, current: e.value, severity: 'info' });
      } else {
        report('removedKey', data, { key: KEY, current: e.value });
      }
    }
  },
});
