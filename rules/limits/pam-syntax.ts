// Lines of limits.conf / limits.d that pam_limits drops or reads differently from how they look.
import { defineRule } from '../../src/core/define-rule.js';
import { pamBehaviour } from '../../src/core/pam-module.js';

export default defineRule({
  id: 'limits/pam-syntax',
  keys: [],
  severity: 'warning',
  summary: 'A limits.conf / limits.d line that pam_limits drops, or reads as another value than it seems to say',
  explanation:
    'pam_limits is a forgiving parser, and mostly a silent one. A line without four fields is logged ("invalid ' +
    'line … - skipped") and dropped; so is a bad uid/gid range. An unknown item, an unknown type or a value it ' +
    'cannot read is dropped with a message at DEBUG level only — nobody sees it without the `debug` option. Values ' +
    'are read with strtoull/strtol, which stop at the first character that is not a digit: `4096k` is 4096, ' +
    '`0x1000` is 0, `65536,` is 65536, and a negative number wraps around (`-2` is 18446744073709551614; only `-1` ' +
    'means unlimited). Up to Linux-PAM 1.5.x a fifth field is ignored and a line longer than 1023 bytes is read ' +
    'as several lines; from 1.6.0 the value is the whole rest of the line. `%` domains set maxlogins only. The ' +
    'finding names the file and line, and what pam_limits does with it on this host\'s build.',
  tradeoffs: 'None: fix the line so that it says what pam_limits does, or delete it.',
  history: [
    'linux-pam pam_limits.c parse_config_file()/process_limit(), read at v1.1.8, v1.3.1, v1.4.0, v1.5.2 (+ Debian 1.5.2-6+deb12u1), v1.5.3, v1.6.0, v1.6.1 and v1.7.0.',
    'Checked against the real pam_limits of Debian 12 through su: test/oracle/pam-limits.test.ts.',
  ],
  references: ['man 5 limits.conf', 'https://github.com/linux-pam/linux-pam/blob/v1.5.2/modules/pam_limits/pam_limits.c'],
  messages: {
    line: '{file}:{line}: {message}{logged}',
  },
  check({ facts, report }) {
    const cfg = facts.limits.pamConfig;
    if (!cfg) return;
    const b = pamBehaviour(cfg.module);
    for (const p of cfg.problems) {
      const logged = p.logged === 'warning' ? ' (pam_limits logs a warning)' : '';
      const build = !b.splitKnown && (p.kind === 'ignored-text' || p.kind === 'split') ? ' — as Linux-PAM ≤ 1.5.x reads it; knobs could not tell the version' : '';
      report('line', { file: p.file, line: p.line, message: p.message + build, logged }, p.kind === 'ignored-text' || p.kind === 'split' || p.kind === 'build' ? { severity: 'info' } : {});
    }
  },
});
