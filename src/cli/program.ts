// Commander wiring only: declare commands and options, then hand off to the
// command module, imported lazily so `knobs audit` never loads what it does not use.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { UserError } from '../errors.js';
import type { Io } from './io.js';
import type { SocketsOptions } from './commands/sockets.js';
import { checkRoot } from './root.js';

const SEVERITY_CHOICES = ['critical', 'warning', 'info'];

function int(name: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

function intList(v: string, prev: number[] = []): number[] {
  for (const part of v.split(',')) {
    if (!/^\d+$/.test(part.trim())) throw new InvalidArgumentError('expected a pid or a comma-separated list of pids');
    prev.push(Number(part));
  }
  return prev;
}

export const EXAMPLES: Record<string, string> = {
  audit: 'knobs audit --profile web-node,nat-facing --fail-on critical',
  explain: 'knobs explain net.ipv4.tcp_fin_timeout',
  profiles: 'knobs profiles --json',
  facts: 'knobs facts --json > host.json',
  plan: 'knobs plan --profile load-balancer --only "net.*"',
  apply: 'knobs apply --profile web-node --yes --json',
  rollback: 'knobs rollback --yes',
  history: 'knobs history --json',
  sockets: 'knobs sockets --top 5 --watch 2',
  limits: 'knobs limits --user www-data --service nginx',
  wizard: 'knobs wizard',
  recommend: 'knobs recommend --json',
  completion: 'knobs completion bash > /etc/bash_completion.d/knobs',
  report: 'knobs report hosts/ --html fleet.html',
  set: 'knobs set net.core.somaxconn=8192 --reason "accept queue overflows (OPS-12)" --yes',
  unset: 'knobs unset net.core.somaxconn --yes',
  persist: 'knobs persist net.ipv4.tcp_fin_timeout --yes',
};

/**
 * What each exit code means, per command: shown by `knobs <command> --help`, in the
 * man page and in the README's command table (src/cli/reference/).
 */
export const EXIT_CODES: Record<string, string> = {
  audit: '0 no finding at or above --fail-on, 2 findings at or above it, 1 error',
  explain: '0 done, 1 unknown key or rule, or error',
  profiles: '0 done, 1 invalid profile or error',
  facts: '0 done, 1 error',
  plan: '0 nothing to change, 2 changes pending, 1 error or refused',
  apply: '0 applied or nothing to change, 1 refused, or failed and rolled back, 3 manual action needed',
  rollback: '0 restored, 1 refused or error (nothing changed), 3 manual action needed',
  history: '0 done, 1 error',
  sockets: '0 done, 2 a socket finding at or above --fail-on, 1 error',
  limits: '0 done, 1 error',
  wizard: '0 done or quit, 1 error or end of input, 3 manual action needed after a failed apply, 130 Ctrl+C',
  recommend: '0 done, 1 error',
  completion: '0 done, 1 unknown shell',
  report: '0 done, 2 a host has a finding at or above --fail-on, 1 error',
  set: '0 applied or nothing to change, 1 refused, or failed and rolled back, 3 manual action needed; with --dry-run: 0 nothing to change, 2 changes pending, 1 error or refused',
  unset: '0 applied or nothing to change, 1 refused, or failed and rolled back, 3 manual action needed; with --dry-run: 0 nothing to change, 2 changes pending, 1 error or refused',
  persist: '0 applied or nothing to change, 1 refused, or failed and rolled back, 3 manual action needed; with --dry-run: 0 nothing to change, 2 changes pending, 1 error or refused',
};

/**
 * The commander program. `only`: register just that command (the one being run):
 * declaring all eleven costs ~0.5 ms at every start, and a subcommand's help,
 * options and errors do not depend on its siblings.
 */
export function createProgram(io: Io, setExit: (code: number) => void, only?: string): Command {
  const program = new Command('knobs')
    .description('Linux sysctl and limits tuning advisor: audit, explain, plan, apply, roll back')
    .version(VERSION)
    .option('--root <dir>', 'read and write every host path under DIR (test trees, chroots)', '/')
    // Usage errors are thrown (exitOverride) and printed by main in the one error format.
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s), outputError: () => {} })
    .exitOverride();
  program.addHelpText(
    'after',
    '\nExamples:\n' + Object.entries(EXAMPLES).map(([c, e]) => `  ${e.padEnd(62)} # ${c}`).join('\n') +
      '\n\nExit codes: 0 clean/done, 1 error, 2 findings or pending changes, 3 manual action needed.\n',
  );
  // An interrupted apply must be visible from any command, not only from history.
  program.hook('preAction', async (_program, action) => {
    const root = program.opts().root ?? '/';
    checkRoot(root);
    if (action.name() === 'rollback') return;
    if (!existsSync(join(root, 'var/lib/knobs/journal'))) return;
    const { findInterrupted } = await import('../apply/history.js');
    const { JournalUnreadableError } = await import('../apply/journal.js');
    try {
      const hit = findInterrupted(root);
      if (hit) io.err(`knobs: warning: ${hit.message}\n`);
    } catch (err) {
      // Not root: the journal is root's to read, and this command does not need it.
      if (err instanceof JournalUnreadableError) return;
      // An untrusted or damaged journal: say so here; apply, rollback and history refuse it.
      io.err(`knobs: warning: ${(err as Error).message}\n`);
    }
  });
  const run = (load: () => Promise<(opts: never, io: Io) => Promise<number>>) =>
    async function (this: Command, ...args: unknown[]) {
      const cmd = args[args.length - 1] as Command;
      rejectEmpty(program, cmd);
      const opts = { ...cmd.optsWithGlobals(), args: cmd.args };
      setExit(await (await load())(opts as never, io));
    };
  const sub = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .addHelpText('after', `${EXIT_CODES[name] ? `\nExit: ${EXIT_CODES[name]}\n` : ''}\nExample:\n  ${EXAMPLES[name]}\n`)
      .exitOverride();
  const wanted = (name: string) => only === undefined || only === name;

  if (wanted('audit'))
    sub('audit', 'read the host, evaluate the rules (and profiles), print findings grouped by severity')
      .option('--profile <names>', 'comma-separated role profiles to check against')
      .addOption(new Option('--fail-on <severity>', 'lowest severity that makes the exit code 2').choices(SEVERITY_CHOICES).default('warning'))
      .option('--facts <file>', 'evaluate a snapshot from `knobs facts --json` instead of the live host (- reads stdin)')
      .option('--json', 'print one JSON document')
      .option('--verbose', 'also list rules that passed or do not apply')
      .action(run(async () => (await import('./commands/audit.js')).runAudit));

  if (wanted('explain'))
    sub('explain', 'meaning, default, kernel history, trade-offs, live and boot value of a key or rule')
      .argument('<key-or-rule>', 'a sysctl key (net.core.somaxconn) or a rule id (net/tcp-tw-recycle)')
      .option('--json', 'print one JSON document')
      .action(run(async () => (await import('./commands/explain.js')).runExplain));

  if (wanted('profiles'))
    sub('profiles', 'list role profiles (shipped and user) with summaries')
      .option('--json', 'print one JSON document')
      .option('--from-tuned <file>', "print a knobs profile converted from a tuned profile's [sysctl] section")
      .action(run(async () => (await import('./commands/profiles.js')).runProfiles));

  if (wanted('facts'))
    sub('facts', 'print the host snapshot the rules see')
      .option('--json', 'print one JSON document')
      .option('--profile <names>', 'record the profiles this host is meant to have (knobs report judges it against them)')
      .action(run(async () => (await import('./commands/facts.js')).runFacts));

  if (wanted('plan'))
    sub('plan', 'dry run: unified diff of every file knobs would write, runtime changes, warnings')
      .option('--profile <names>', 'comma-separated role profiles')
      .option('--only <globs>', 'touch only matching keys: sysctl globs (net.*) and limits.<item>')
      .option('--service <units>', 'also write a LimitNOFILE= drop-in for these systemd units')
      .option('--pin', 'also write targets the host already meets at boot, with the target\'s own value')
      .addOption(new Option('--drift <action>', 'live values that differ from boot: persist them, or restore the boot value').choices(['persist', 'restore']))
      .option('--facts <file>', 'plan against a snapshot from `knobs facts --json` (- reads stdin)')
      .option('--json', 'print one JSON document')
      .action(run(async () => (await import('./commands/plan.js')).runPlan));

  if (wanted('apply'))
    sub('apply', 'write the files atomically, set live values, journal it (refuses without --yes off a TTY)')
      .option('--profile <names>', 'comma-separated role profiles')
      .option('--only <globs>', 'touch only matching keys: sysctl globs (net.*) and limits.<item>')
      .option('--service <units>', 'also write a LimitNOFILE= drop-in for these systemd units')
      .option('--pin', 'also write targets the host already meets at boot, with the target\'s own value')
      .addOption(new Option('--drift <action>', 'live values that differ from boot: persist them, or restore the boot value').choices(['persist', 'restore']))
      .option('--yes', 'do not ask (required when stdin is not a terminal)')
      .option('--persist-only', 'write the files only; leave live values for the next boot (read-only /proc/sys)')
      .option('--runtime-only', 'set live values only; write no files (lost at reboot)')
      .option('--restart', 'restart the --service units after writing their drop-ins')
      .option('--json', 'print one JSON document')
      .action(run(async () => (await import('./commands/apply.js')).runApply));

  if (wanted('rollback'))
    sub('rollback', 'restore files and live values from before a transaction (default: the latest)')
      .argument('[id]', 'transaction id from `knobs history` (a unique prefix is enough)')
      .option('--yes', 'do not ask (required when stdin is not a terminal)')
      .option('--force', 'overwrite managed files edited by hand since knobs wrote them')
      .option('--json', 'print one JSON document')
      .action(run(async () => (await import('./commands/rollback.js')).runRollback));

  if (wanted('history'))
    sub('history', 'list transactions, newest first')
      .option('--json', 'print one JSON document')
      .action(run(async () => (await import('./commands/history.js')).runHistory));

  if (wanted('sockets'))
    sub('sockets', 'TCP state census, CLOSE_WAIT owners, TIME_WAIT peers, port-exhaustion math, socket findings')
      .option('--top <n>', 'rows per table', int('--top'), 10)
      .option('--watch [seconds]', 'refresh every SECONDS (0.1 to 86400, default 2) until Ctrl+C or stdout closes')
      .option('--json', 'print one JSON document (with --watch: one per line)')
      .addOption(new Option('--source <from>', 'auto (netlink sock_diag on the live host, else /proc), netlink or proc').choices(['auto', 'netlink', 'proc']).default('auto'))
      .addOption(new Option('--fail-on <severity>', 'exit 2 when a socket finding reaches this severity (default: never)').choices(SEVERITY_CHOICES))
      .action(
        run(async () => {
          const { parseWatchSeconds, runSockets } = await import('./commands/sockets.js');
          return ((o: { watch?: string | true; root: string; top: number; json?: boolean; source: string; failOn?: string }, io: Io) => {
            const watch = o.watch === undefined ? undefined : parseWatchSeconds(o.watch);
            const source = o.source as SocketsOptions['source'];
            const failOn = o.failOn as SocketsOptions['failOn'];
            return runSockets({ root: o.root, top: o.top, json: Boolean(o.json), source, ...(watch !== undefined ? { watch } : {}), ...(failOn ? { failOn } : {}) }, io);
          }) as never;
        }),
      );

  if (wanted('limits'))
    sub('limits', 'effective nofile/nproc for logins (PAM), services (systemd) and running processes')
      .option('--user <name>', 'resolve login limits for this user (default: the caller)')
      .option('--service <units>', 'systemd units to resolve (comma-separated or repeated)', (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)])
      .option('--pid <pids>', 'processes to inspect (comma-separated or repeated)', intList)
      .option('--json', 'print one JSON document')
      .action(run(async () => (await import('./commands/limits.js')).runLimits));

  if (wanted('recommend'))
    sub('recommend', 'the roles this host looks like, each with its evidence (like tuned-adm recommend)')
      .option('--facts <file>', 'judge a snapshot from `knobs facts --json` instead of the live host (- reads stdin)')
      .option('--json', 'print one JSON document')
      .action(run(async () => (await import('./commands/recommend.js')).runRecommend));

  const keyOptions = (c: Command, what: { reason?: boolean; limits?: boolean } = {}) => {
    if (what.reason) c.option('--reason <text>', "why: written as the line's comment");
    if (what.limits) {
      c.option('--domain <domain>', "limits.* keys: the limits.conf domain (*, a user, @group; default '*')");
      c.option('--service <units>', 'limits.nofile: the LimitNOFILE= of these systemd units instead of login limits');
    }
    return c
      .option('--persist-only', 'write the files only; live values change at the next boot')
      .option('--dry-run', 'show the plan (as knobs plan does) and change nothing; exit 2 when something would change')
      .option('--yes', 'do not ask (required when stdin is not a terminal)')
      .option('--json', 'print one JSON document');
  };

  if (wanted('set'))
    keyOptions(
      sub('set', 'write KEY=VALUE into the managed sysctl.d (or limits.d) file and set it live, journaled like apply')
        .argument('<pairs...>', 'net.core.somaxconn=8192, or limits.nofile=SOFT:HARD (one value sets both)'),
      { reason: true, limits: true },
    ).action(run(async () => (await import('./commands/keys.js')).runSet));

  if (wanted('unset'))
    keyOptions(
      sub('unset', "remove knobs' line for KEY; the live value goes back to what the boot files give")
        .argument('[keys...]', 'sysctl keys, or limits.<item>')
        .option('--all', 'every line of every file knobs manages'),
      { limits: true },
    ).action(run(async () => (await import('./commands/keys.js')).runUnset));

  if (wanted('persist'))
    keyOptions(
      sub('persist', 'adopt the live value of KEY into the managed sysctl.d file (it survives the next boot)').argument('<keys...>', 'sysctl keys'),
      { reason: true },
    ).action(run(async () => (await import('./commands/keys.js')).runPersist));

  if (wanted('report'))
    sub('report', 'many `knobs facts --json` snapshots: which hosts fail each rule, how values spread, odd ones out')
      .argument('<paths...>', 'snapshot files, or directories of *.json snapshots (one per host, named after it)')
      .option('--profile <names>', "judge every host against these profiles (default: each snapshot's own)")
      .option('--html <file>', 'also write one self-contained HTML page (a host-by-rule matrix, value distributions)')
      .addOption(new Option('--fail-on <severity>', 'exit 2 when any host has a finding at or above this').choices(SEVERITY_CHOICES))
      .option('--json', 'print one JSON document')
      .action(run(async () => (await import('./commands/report.js')).runReport));

  if (wanted('wizard'))
    sub('wizard', 'interactive, over SSH: what knobs sees, roles with evidence, trade-off questions, each change, the diff, apply')
      .action(run(async () => (await import('./commands/wizard.js')).runWizard));

  if (wanted('completion'))
    sub('completion', 'print a completion script for bash or zsh: commands, options, profiles, rules, keys, transactions')
      .addArgument(new Argument('<shell>', 'the shell to complete for').choices(['bash', 'zsh']))
      .action(run(async () => (await import('./commands/completion.js')).runCompletion));

  return program;
}

export const VERSION = '0.1.0';

/**
 * An empty value given on the command line is an error, never "not given": a CI
 * variable that is unset must not turn `audit --facts "$F"` into an audit of the
 * live host, nor `rollback "$ID"` into a rollback of the latest transaction.
 */
function rejectEmpty(program: Command, cmd: Command): void {
  for (const c of [program, cmd]) {
    for (const o of c.options) {
      const name = o.attributeName();
      if (c.getOptionValueSource(name) === 'cli' && c.getOptionValue(name) === '') {
        throw new UserError(`${o.long ?? o.flags}: empty value`, `give a value, or leave the option out`);
      }
    }
  }
  if (cmd.args.some((a) => a === '')) throw new UserError(`${cmd.name()}: empty argument`, `see \`knobs ${cmd.name()} --help\``);
}
