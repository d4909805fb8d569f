// What a command may touch of the terminal. Commands write through Io so tests can
// capture output, and colour is decided once: only on a TTY, never with NO_COLOR.

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal (colour, in-place refresh). */
  isTTY: boolean;
  /** stdin is a terminal (prompts allowed). */
  stdinTTY: boolean;
  color: boolean;
  env: NodeJS.ProcessEnv;
}

/** The reader of stdout went away (`knobs explain … | head -1`). */
let stdoutGone = false;
let guarded = false;

/**
 * A closed pipe is the reader's choice, not an error of knobs: stop writing to
 * it, keep the exit code, print no stack trace. Any other write error still is one.
 */
function guardStdout(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stdoutGone = true;
  });
}

export function nodeIo(): Io {
  const isTTY = Boolean(process.stdout.isTTY);
  const env = process.env;
  guardStdout();
  return {
    out: (t) => void (stdoutGone || process.stdout.write(t)),
    err: (t) => void process.stderr.write(t),
    isTTY,
    stdinTTY: Boolean(process.stdin.isTTY),
    color: isTTY && !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb',
    env,
  };
}

/** Print one JSON document (the contract: nothing else on stdout). */
export function printJson(io: Io, doc: object): void {
  io.out(JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...doc }, null, 2) + '\n');
}

export const SCHEMA_VERSION = 1;
