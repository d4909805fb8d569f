// argv → exit code. Expected failures (UserError) print one line and a hint;
// anything else is a bug and prints its stack. Nothing here calls process.exit:
// pending output is flushed and the code is returned to the launcher (src/launcher.ts).

import { CommanderError } from 'commander';
import { ExitError, UserError } from '../errors.js';
import { HostReadError } from '../host/host-fs.js';
import { EXIT } from './exit-codes.js';
import { nodeIo, type Io } from './io.js';
import { commandOf } from './command-word.js';
import { EXAMPLES, createProgram } from './program.js';

export async function main(argv: string[], io: Io = nodeIo()): Promise<number> {
  let code: number = EXIT.ok;
  // A known command word: declare only that command (help, options and errors are the same).
  const word = commandOf(argv.slice(2));
  const only = word !== undefined && Object.hasOwn(EXAMPLES, word) ? word : undefined;
  const program = createProgram(io, (c) => (code = c), only);
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    return report(err, io);
  }
}

export function report(err: unknown, io: Io): number {
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof CommanderError) {
    // --help and --version are not errors; commander already printed the usage error.
    return err.exitCode === 0 ? EXIT.ok : EXIT.error;
  }
  if (err instanceof UserError) {
    io.err(`knobs: ${err.message}\n`);
    if (err.hint) io.err(`  hint: ${err.hint}\n`);
    return err.exitCode;
  }
  if (err instanceof HostReadError) {
    io.err(`knobs: cannot read ${err.message}\n`);
    return EXIT.error;
  }
  const e = err as Error;
  io.err(`knobs: internal error: ${e?.message ?? String(err)}\nThis is a bug in knobs; please report it with the output below.\n${e?.stack ?? ''}\n`);
  return EXIT.error;
}

/**
 * Entry point of knobs' worker threads (src/cli/report-workers.ts): a worker loads
 * this bundle as a module and runs one job. Imported lazily, like the commands.
 */
export async function worker(job: string, data: unknown): Promise<unknown> {
  if (job === 'report') return (await import('./commands/report.js')).reportShard(data as never);
  throw new Error(`unknown worker job ${job}`);
}
