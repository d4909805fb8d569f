// argv → exit code, and the one error format. Every expected failure — a UserError
// from any command, a usage error from commander, a file the OS refuses — prints
//   knobs: <message>
//     hint: <what to do>
// on stderr, and with --json also one document on stdout,
//   {"schemaVersion": 1, "error": {"message": …, "hint": …}}
// unless the command already printed its document (a refused plan carries
// `status: "refused"` and `refusals[]`). Anything else is a bug and prints its
// stack. Nothing here calls process.exit: pending output is flushed and the code is
// returned to the launcher (src/launcher.ts).

import { CommanderError } from 'commander';
import { ExitError, UserError } from '../errors.js';
import { describeErrno, HostReadError } from '../host/host-fs.js';
import { EXIT } from './exit-codes.js';
import { nodeIo, printJson, type Io } from './io.js';
import { commandOf } from './command-word.js';
import { EXAMPLES, createProgram } from './program.js';

export async function main(argv: string[], io: Io = nodeIo()): Promise<number> {
  let code: number = EXIT.ok;
  const args = argv.slice(2);
  // A known command word: declare only that command (help, options and errors are the same).
  const word = commandOf(args);
  const only = word !== undefined && Object.hasOwn(EXAMPLES, word) ? word : undefined;
  const out = trackStdout(io);
  const program = createProgram(out.io, (c) => (code = c), only);
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    return report(err, out.io, { json: wantsJson(args), stdoutUsed: out.used(), command: only });
  }
}

/** `--json` among the options (not after `--`). */
function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).includes('--json');
}

/** The same Io, remembering whether anything reached stdout (then no second JSON document). */
function trackStdout(io: Io): { io: Io; used: () => boolean } {
  let used = false;
  const tracked: Io = Object.create(io, {
    out: {
      value: (t: string) => {
        if (t.length) used = true;
        io.out(t);
      },
    },
  });
  return { io: tracked, used: () => used };
}

export interface ReportContext {
  json?: boolean;
  /** The command printed to stdout already (its own JSON document, with --json). */
  stdoutUsed?: boolean;
  /** The command word, for the usage hint. */
  command?: string | undefined;
}

interface Failure {
  message: string;
  hint?: string;
  exitCode: number;
}

/** An expected failure as one message and hint, or null for a bug. */
function describe(err: unknown, ctx: ReportContext): Failure | null {
  if (err instanceof UserError) return { message: err.message, ...(err.hint ? { hint: err.hint } : {}), exitCode: err.exitCode };
  if (err instanceof HostReadError) return { message: `cannot read ${err.message}`, exitCode: EXIT.error };
  if (err instanceof CommanderError) {
    // "error: unknown option '--topp'\n(Did you mean --top?)" → message and hint.
    const [first = '', ...rest] = err.message.replace(/^error: /, '').split('\n');
    const guess = rest.join(' ').replace(/^\((.*)\)$/, '$1').replace(/^Did you/, 'did you');
    const usage = `run \`knobs ${ctx.command ? `${ctx.command} ` : ''}--help\` for usage`;
    return { message: first, hint: guess ? `${guess} (${usage})` : usage, exitCode: EXIT.error };
  }
  // The operating system refused something (permissions, a full or read-only disk):
  // not a bug of knobs, and one line says it.
  const e = err as NodeJS.ErrnoException;
  if (e instanceof Error && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && typeof e.syscall === 'string') {
    const denied = e.code === 'EACCES' || e.code === 'EPERM';
    return {
      message: `${e.path ? `${e.path}: ` : ''}${describeErrno(e.code)} (${e.syscall})`,
      ...(denied ? { hint: 'knobs needs root for this: try sudo knobs …' } : {}),
      exitCode: EXIT.error,
    };
  }
  return null;
}

export function report(err: unknown, io: Io, ctx: ReportContext = {}): number {
  if (err instanceof ExitError) return err.exitCode;
  // --help and --version are not errors.
  if (err instanceof CommanderError && err.exitCode === 0) return EXIT.ok;
  const f = describe(err, ctx);
  if (f === null) {
    const e = err as Error;
    const message = `internal error: ${e?.message ?? String(err)}`;
    if (ctx.json && !ctx.stdoutUsed) printJson(io, { error: { message } });
    io.err(`knobs: ${message}\nThis is a bug in knobs; please report it with the output below.\n${e?.stack ?? ''}\n`);
    return EXIT.error;
  }
  if (ctx.json && !ctx.stdoutUsed) printJson(io, { error: { message: f.message, ...(f.hint ? { hint: f.hint } : {}) } });
  io.err(`knobs: ${f.message}\n`);
  if (f.hint) io.err(`  hint: ${f.hint}\n`);
  return f.exitCode;
}

/**
 * Entry point of knobs' worker threads (src/cli/report-workers.ts): a worker loads
 * this bundle as a module and runs one job. Imported lazily, like the commands.
 */
export async function worker(job: string, data: unknown): Promise<unknown> {
  if (job === 'report') return (await import('./commands/report.js')).reportShard(data as never);
  throw new Error(`unknown worker job ${job}`);
}
