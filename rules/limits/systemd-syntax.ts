// What systemd's config parser warns about in system.conf / system.conf.d (DefaultLimitNOFILE= and friends).
import { defineRule } from '../../src/core/define-rule.js';

export default defineRule({
  id: 'limits/systemd-syntax',
  keys: [],
  severity: 'warning',
  summary: 'systemd ignores a line of system.conf, a system.conf.d drop-in or a running service\'s unit file (LimitNOFILE= and friends)',
  explanation:
    'PID 1 reads /etc/systemd/system.conf and then the system.conf.d drop-ins (/etc, /run, /usr/local/lib, ' +
    '/usr/lib, /lib) in file-name order. A value it cannot parse is logged once at boot ("Failed to parse resource ' +
    'value, ignoring") and the EARLIER setting stays: an empty `DefaultLimitNOFILE=` does not reset anything ' +
    '(rlimit_parse("") is -EINVAL), `4096 : 8192` (blanks before the colon) and `18446744073709551615` are rejected, ' +
    '`0x100` is 256 and `010` is 8. A section header that does not end in `]`, or invalid UTF-8, stops the parse ' +
    'of the file, and no later drop-in is read at all. The same holds for the unit files and drop-ins of the ' +
    'services knobs finds running (a broken section header in a unit file: the unit does not load at all). The ' +
    'finding names the file and line as systemd would.',
  tradeoffs: 'None: fix the line, or the setting you meant is not the one in effect.',
  history: [
    'systemd v252 src/shared/conf-parser.c config_parse()/parse_line()/config_parse_rlimit(), src/basic/rlimit-util.c rlimit_parse(), src/basic/parse-util.c safe_atollu_full().',
    'Checked against `systemd --test` 252.38 (Debian 12): test/oracle/systemd-limitnofile.test.ts.',
  ],
  references: ['man 5 systemd-system.conf', 'man 5 systemd.exec'],
  messages: {
    problem: '{where}: {message}{unit}',
  },
  check({ facts, report }) {
    for (const p of facts.limits.systemd?.problems ?? []) {
      report('problem', { where: p.line !== null ? `${p.file}:${p.line}` : p.file, message: p.message, unit: p.unit ? ` (${p.unit})` : '' });
    }
  },
});
