// What a command may touch of the terminal. Commands write through Io so tests can
// capture output, and colour is decided once: only on a TTY, never with NO_COLOR.

import fs from 'node:fs';
import { terminalWidth } from './format/wrap.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal (colour, in-place refresh). */
  isTTY: boolean;
  /** stdin is a terminal (prompts allowed). */
  stdinTTY: boolean;
  color: boolean;
  env: NodeJS.ProcessEnv;
  /** Columns to wrap text at (see format/wrap.ts): the terminal's, $COLUMNS, or 80. */
  width?: number;
  /** stdout's reader has gone (a write failed with EPIPE): a command that loops (`--watch`) stops. */
  readonly stdoutClosed?: boolean;
  /** Rows of the terminal (interactive commands page by it); unknown when undefined. */
  rows?: number;
}

/** The reader of stdout went away (`knobs explain … | head -1`), or stdout itself failed. */
let stdoutGone = false;
let stderrGone = false;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `text` to fd 1 or 2 with write(2), blocking. Not process.stdout:
 * creating that stream loads Node's stream modules (~3 ms of every command's
 * start-up; more on a TTY). A descriptor left non-blocking by whoever started knobs
 * gets EAGAIN: wait 1 ms and go on. A closed pipe (EPIPE) is the reader's choice,
 * not an error of knobs: stdout stops quietly, the exit code stays the command's.
 * Any other error (EIO from a dropped SSH session, ENOSPC on a redirected file) ends
 * output the same way, with one line on stderr: by then a transaction may have been
 * committed, and the exit code must say what happened to the host, not to the
 * terminal (the journal holds the rest: `knobs history`).
 */
function writeAll(fd: 1 | 2, text: string): void {
  if (fd === 1 && stdoutGone) return;
  if (fd === 2 && stderrGone) return;
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      else if (code === 'EPIPE') {
        if (fd === 1) stdoutGone = true;
        else stderrGone = true;
        return;
      } else {
        if (fd === 2) {
          stderrGone = true;
          return;
        }
        stdoutGone = true;
        writeAll(2, `knobs: cannot write to standard output (${code ?? 'error'}); the rest of the output is lost, the exit code still tells what happened (\`knobs history\` shows transactions)\n`);
        return;
      }
    }
  }
}

export function nodeIo(): Io {
  const env = process.env;
  // Asked on first use only: process.stdout and process.stdin create their stream
  // objects when touched (~3 ms of start-up each), which `--json` output never needs.
  let isTTY: boolean | undefined;
  const stdoutTTY = () => (isTTY ??= Boolean(process.stdout.isTTY));
  return {
    out: (t) => writeAll(1, t),
    err: (t) => writeAll(2, t),
    get isTTY() {
      return stdoutTTY();
    },
    get stdinTTY() {
      return Boolean(process.stdin.isTTY);
    },
    get color() {
      return stdoutTTY() && !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
    },
    get width() {
      return terminalWidth(stdoutTTY() ? process.stdout.columns : undefined, env);
    },
    get stdoutClosed() {
      return stdoutGone;
    },
    get rows() {
      return stdoutTTY() ? process.stdout.rows : undefined;
    },
    env,
  };
}

/** Print one JSON document (the contract: nothing else on stdout). */
export function printJson(io: Io, doc: object): void {
  io.out(JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...doc }, null, 2) + '\n');
}

export const SCHEMA_VERSION = 1;

/** Columns to wrap at for this output (80 when the Io does not say). */
export function widthOf(io: Io): number {
  return io.width ?? terminalWidth(undefined, io.env);
}
