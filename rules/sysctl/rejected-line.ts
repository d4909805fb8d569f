// A sysctl config line that does not do what it says at boot: the kernel refuses
// the value, the key does not exist, the loader cannot parse the line, or the
// kernel stores something other than the text.
import { defineRule } from '../../src/core/define-rule.js';
import { acceptValue, handlerSpecFor } from '../../src/core/kernel-handlers.js';
import type { HostFacts, RejectedLine } from '../../src/core/types.js';

/** Keys whose rejected lines a rule of their own explains (with the key's history); not repeated here. */
const EXPLAINED_ELSEWHERE: Record<string, string> = {
  'net.ipv4.tcp_tw_reuse': 'net/tcp-tw-reuse',
  'net.ipv4.ip_local_port_range': 'net/ip-local-port-range',
  'net.ipv4.tcp_tw_recycle': 'net/tcp-tw-recycle-config',
};

/** A key as written in a file may hold blanks or control bytes: show them. */
function shownKey(k: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\s\0-\x1f\x7f]/.test(k) ? quote(k) : k;
}

/** Above this many unknown keys in one file, one finding sums them up. */
const MANY = 5;

function loaderName(facts: HostFacts): string {
  return facts.sysctlConfig.loader === 'systemd' ? 'systemd-sysctl' : '`sysctl --system`';
}

/** What the key holds after boot instead: the accepted line that wins, or the kernel's own value. */
function keeps(facts: HostFacts, key: string): string {
  const f = facts.sysctl[key];
  const b = f?.boot;
  if (b) return `${b.value} from ${b.file}:${b.line}`;
  return f?.live !== null && f?.live !== undefined ? `the value the kernel already has (${f.live} now)` : 'the value the kernel already has';
}

/** The text between quotes, control bytes escaped, long texts cut. */
function quote(s: string): string {
  // eslint-disable-next-line no-control-regex
  const shown = s.replace(/["\\]/g, (c) => `\\${c}`).replace(/[\0-\x1f\x7f]/g, (c) => (c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return shown.length > 60 ? `"${shown.slice(0, 57)}..."` : `"${shown}"`;
}

export default defineRule({
  id: 'sysctl/rejected-line',
  keys: [],
  severity: 'warning',
  summary: 'A sysctl config line does not take effect at boot: the kernel rejects the value, the key does not exist, or the loader cannot parse the line',
  explanation:
    'Boot loaders (systemd-sysctl, `sysctl --system`) write each line\'s text to the key\'s file under /proc/sys, and the ' +
    'kernel\'s handler for that key decides what it stores. Integers are read with C prefixes (010 is octal 8, 0x10 is ' +
    '16) and only blanks may follow a number: `43 # comment` stores 43, but `605# x`, `"42"`, `+3`, an empty value ' +
    'and a trailing backslash are refused, and the key keeps its previous value — the line silently does nothing, ' +
    'while the file still reads as if it did. The two loaders also read lines differently: procps 4.0.2 keeps the ' +
    'blank of `- key = v` in the key, does not apply `key.` or `key/`, and does not simplify `a..b`; systemd-sysctl ' +
    '252 reads them all but refuses a key with `..`. knobs reads every file as the active loader does and runs each ' +
    'value through a model of the key\'s kernel handler (src/core/kernel-handlers.ts), verified against the real ' +
    'loaders and kernel. A line for a key this kernel lacks (a module not loaded yet, a removed key) does nothing either.',
  tradeoffs: 'Fix or remove the line. A line meant for another kernel or a module loaded later can stay; prefix it with `-` so the loader does not report it.',
  history: [
    'kernel/sysctl.c proc_get_long(): base-0 integers, only " \\t\\n" after a number (linux 6.18.32).',
    'procps 4.0.2 src/sysctl.c parse_setting_line(); systemd v252 src/sysctl/sysctl.c parse_file().',
    'systemd-sysctl logs a refused write as "Couldn\'t write …"; `sysctl --system` as "setting key …: Invalid argument" and a line without "=" as "invalid syntax".',
  ],
  references: ['https://www.kernel.org/doc/html/latest/admin-guide/sysctl/index.html', 'https://www.freedesktop.org/software/systemd/man/latest/sysctl.d.html', 'man 8 sysctl'],
  messages: {
    rejectedValue:
      '{file}:{line}: {key} = {value} is refused by the kernel ({reason}); {loader} leaves {key} at {keeps}{quiet}',
    partlyStored:
      '{file}:{line}: {key} = {value} fails part-way ({reason}): the kernel stores the fields before the error, so {key} becomes {stored}',
    notWritable: '{file}:{line}: {key}: {reason}; {loader} cannot write it and the line does nothing at boot',
    unknownKey: '{file}:{line}: {key}: {reason}; the line does nothing at boot{quiet}',
    unknownKeys: '{file}: {count} lines name keys this kernel does not have (lines {shown}, ...); they do nothing at boot',
    syntax: '{file}:{line}: {message}; {loader} skips the line',
    fileProblem: '{file}: {message}',
    storedDifferently: '{file}:{line}: {key} = {text} is read by the kernel as {value}{why}',
  },
  check({ facts, report }) {
    const loader = loaderName(facts);
    // Only files the active loader opens: a hidden or masked file's lines never run.
    const files = new Set(facts.sysctlConfig.files.filter((f) => f.readBy.includes(facts.sysctlConfig.loader)).map((f) => f.path));
    // Keys this kernel lacks come in bulk (a file for another kernel, per-VLAN settings for interfaces
    // that do not exist yet): more than MANY in one file make one finding for the file.
    const unknownByFile = new Map<string, RejectedLine[]>();
    for (const r of facts.sysctlConfig.rejected ?? []) {
      if (EXPLAINED_ELSEWHERE[r.key]) continue;
      if (r.kind === 'unknown-key') {
        const list = unknownByFile.get(r.file);
        if (list) list.push(r);
        else unknownByFile.set(r.file, [r]);
        continue;
      }
      reportRejected(r);
    }
    for (const [file, list] of unknownByFile) {
      if (list.length <= MANY) {
        for (const r of list) reportRejected(r);
        continue;
      }
      const shown = list.slice(0, MANY).map((r) => `${r.line}: ${shownKey(r.key)}`).join(', ');
      report('unknownKeys', { file, count: list.length, shown }, { key: null, severity: 'info' });
    }
    function reportRejected(r: RejectedLine) {
      const quiet = r.ignoreFailure ? ' (the line starts with "-", so the loader does not report it)' : '';
      const extra = { key: r.key, current: r.value, recommended: null, ...(r.ignoreFailure ? { severity: 'info' as const } : {}) };
      const key = shownKey(r.key);
      switch (r.kind) {
        case 'value': {
          const stored = facts.sysctl[r.key]?.boot;
          if (stored?.partial && stored.file === r.file && stored.line === r.line) {
            report('partlyStored', { file: r.file, line: r.line, key, value: quote(r.value), reason: r.reason, stored: stored.value }, extra);
            return;
          }
          report('rejectedValue', { file: r.file, line: r.line, key, value: quote(r.value), reason: r.reason, loader, keeps: keeps(facts, r.key), quiet }, extra);
          return;
        }
        case 'unknown-key':
          report('unknownKey', { file: r.file, line: r.line, key, reason: r.glob ? 'the glob matches no key' : r.reason, quiet }, { ...extra, severity: 'info' });
          return;
        default:
          report('notWritable', { file: r.file, line: r.line, key, reason: r.reason, loader }, extra);
      }
    }
    for (const f of facts.sysctlConfig.files) {
      if (!files.has(f.path)) continue;
      for (const p of f.problems ?? []) {
        if (p.line > 0) report('syntax', { file: f.path, line: p.line, message: p.message, loader }, { key: null, severity: 'warning' });
        else report('fileProblem', { file: f.path, message: p.message }, { key: null, severity: 'info' });
      }
    }
    // Accepted values the kernel reads otherwise than people do: octal, hex, trailing data.
    // (The engine sorts findings; no need to sort 100k keys here.)
    for (const key of Object.keys(facts.sysctl)) {
      const b = facts.sysctl[key]!.boot;
      if (!b || b.text === undefined || b.via || b.partial || b.unverified || EXPLAINED_ELSEWHERE[key]) continue;
      const spec = handlerSpecFor(key, facts.kernel.version, facts.kernel.hz !== undefined ? { hz: facts.kernel.hz } : {});
      if (!spec) continue;
      const r = acceptValue(spec, b.text, { current: b.value });
      const firstNumber = /^\s*(0[0-7]+|0x[0-9a-f]+)\b/i.exec(b.text);
      let why = '';
      if (firstNumber) why = firstNumber[1]!.toLowerCase().startsWith('0x') ? ' (0x is hexadecimal)' : ' (a leading 0 makes it octal)';
      else if (r.ok && r.ignored !== undefined && !/^[#;]/.test(r.ignored)) why = ` (the kernel ignores ${quote(r.ignored)} after it)`;
      if (why) report('storedDifferently', { file: b.file, line: b.line, key, text: quote(b.text), value: b.value, why }, { key, current: b.value, recommended: null, severity: 'info' });
    }
  },
});
