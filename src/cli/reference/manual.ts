// The parts of the manual that are not in the commander program: what knobs is,
// exit codes, files and environment variables. The man page (man.ts) prints all of
// it, the README its exit-code table (readme.ts); test/reference.test.ts checks
// that every environment variable the sources read is listed here.

export const DESCRIPTION = [
  'knobs reads the live host (/proc/sys, the kernel version, every sysctl.d file and which one wins at boot, limits.conf and limits.d, systemd limits, the TCP socket table), matches it against role profiles and a rule engine that knows each kernel\'s keys, defaults and history, explains every finding, and writes the fix as reviewable files, applied atomically with a journal that rolls back files and live values.',
  'Three ways it is used: interactively over SSH (`knobs wizard`); as a dry-run diff in config review (`knobs plan`, against the live host or a snapshot from `knobs facts --json`); and non-interactively from provisioning (`knobs apply --yes --json`), where exit codes and JSON are the interface.',
  'With `--json`, stdout carries one JSON document with `schemaVersion` and nothing else; diagnostics go to stderr. Text output wraps at the terminal\'s width (80 when unknown), never inside a word.',
];

export interface Entry {
  name: string;
  text: string;
}

export const EXIT_STATUS: Entry[] = [
  { name: '0', text: 'clean, nothing to change, or done' },
  {
    name: '1',
    text: 'error: usage, unreadable or invalid input, refused unsafe action, or an apply that failed and was rolled back. One line naming file, line and key; never a stack trace (a stack means a bug).',
  },
  { name: '2', text: 'findings at or above `--fail-on` (audit, default `warning`), or changes pending (plan)' },
  {
    name: '3',
    text: 'apply or rollback failed and could not restore a consistent state: the message gives the journal path and the exact commands to finish by hand',
  },
  { name: '130', text: 'Ctrl+C at an interactive prompt' },
];

export const FILES: Entry[] = [
  { name: '/etc/knobs/knobs.ini', text: 'the accept list: `[accept]` then `rule-id = reason` lines; an accepted finding is shown but never fails the audit, and its change is not planned' },
  { name: '/etc/knobs/profiles/NAME.ini', text: 'user profiles; they add to or replace the shipped ones (load-balancer, web-node, db-client, nat-facing) by name' },
  { name: '/var/lib/knobs/journal/ID/', text: 'one journal per transaction: the previous content, mode and existence of every file and the previous live value of every key, written before anything changes; `knobs rollback` reads it' },
  { name: '/var/lib/knobs/lock', text: 'one apply or rollback at a time per root' },
  { name: '/var/lib/knobs/counters.json', text: 'the kernel counters the last audit saw (written only where /var/lib/knobs exists); the next audit of the same boot judges their increase, not their total since boot' },
  { name: '/etc/sysctl.d/NN-knobs.conf', text: 'the sysctl file knobs writes; NN is 90, 99 or 99-zz, the first name that sorts after every file setting the same keys' },
  { name: '/etc/security/limits.d/NN-knobs.conf', text: 'the login limits file knobs writes (read by pam_limits at the next login)' },
  { name: '/etc/systemd/system/UNIT.service.d/90-knobs.conf', text: 'the `LimitNOFILE=` drop-in written with `--service UNIT`' },
  {
    name: '/proc/sys/, /etc/sysctl.conf, {/etc,/run,/usr/local/lib,/usr/lib,/lib}/sysctl.d/',
    text: 'live values and the boot-time sysctl configuration, read as systemd-sysctl (when /run/systemd/system exists) or `sysctl --system` would',
  },
  { name: '/etc/security/limits.conf, /etc/security/limits.d/, /etc/systemd/', text: 'login and service limits, read as pam_limits and systemd would' },
  { name: '/proc/net/, /proc/PID/', text: 'the socket tables (when netlink sock_diag cannot be used) and the processes owning sockets' },
  {
    name: '/usr/share/knobs/profiles/',
    text: 'the shipped profiles, for reading and copying (Debian package); knobs uses the copies built into it. From npm they are in the package\'s profiles/ directory',
  },
  { name: '/usr/lib/knobs/sock_diag.node', text: 'the socket addon of the Debian package, loaded by /usr/bin/knobs when root owns it and nobody else may write it' },
];

export const ENVIRONMENT: Entry[] = [
  { name: 'NO_COLOR', text: 'set and not empty: no colour (colour is used only when stdout is a terminal)' },
  { name: 'TERM', text: '`dumb`: no colour; `dumb` or unset: the wizard asks numbered questions and pages without less' },
  { name: 'COLUMNS', text: 'the width to wrap text at when stdout is not a terminal (default 80, never below 40)' },
  { name: 'LINES', text: 'the wizard\'s screen height when the terminal does not say (default 24)' },
  { name: 'LC_ALL, LC_CTYPE, LANG', text: 'the first one set decides the character set: not UTF-8, the wizard writes ASCII only' },
  { name: 'PAGER', text: 'the wizard shows long text (the diff) through it; empty or `cat`: no pager; unset: `less -R` when on PATH' },
  { name: 'LESS', text: 'options for less; unset, the wizard gives it FRXK' },
  { name: 'PATH', text: 'where the wizard looks for less' },
  { name: 'SUDO_USER', text: 'recorded as the user of a transaction run through sudo (`knobs history`)' },
  {
    name: 'TMPDIR, XDG_RUNTIME_DIR',
    text: 'the single executable writes its socket addon to a private temporary file there (then /dev/shm) to load it, and removes it at once; where none allows executing it, sockets are read from /proc and the report says why',
  },
  {
    name: 'KNOBS_TEST_CRASH_AT, KNOBS_TEST_FAIL_AT, KNOBS_TEST_SIGNAL_AT, KNOBS_TEST_PAUSE_AT',
    text: 'test hooks of the applier (SIGKILL, an I/O error, SIGTERM or a pause at a named step); never set them on a real host',
  },
  { name: 'KNOBS_CODE_CACHE_REPORT', text: 'set: say on stderr whether V8 accepted the code cache of the bundle that runs (`accepted`, `rejected`: another Node.js, or `missing`)' },
  { name: 'KNOBS_WRITE_CODE_CACHE', text: 'build step only: write the V8 code cache of a bundle' },
  { name: 'KNOBS_REPORT_WORKERS', text: '`knobs report`: how many threads read the snapshots (0 or 1: one); by default one per core, up to 4, when there is more than 8 MB of them' },
  { name: 'KNOBS_REQUIRE_NATIVE', text: 'at install from npm: `1` makes a socket addon that does not build an error instead of a warning' },
];

export const SEE_ALSO = ['sysctl(8)', 'sysctl.d(5)', 'systemd-sysctl(8)', 'limits.conf(5)', 'pam_limits(8)', 'systemd.exec(5)', 'ss(8)'];
