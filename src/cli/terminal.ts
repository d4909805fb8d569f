// What the operator's terminal can show, for the interactive commands: its size,
// colour (never with NO_COLOR or TERM=dumb), whether it can move the cursor
// (TERM=dumb cannot: prompts then ask for a line of text), and whether the locale
// is UTF-8 (otherwise no box drawing, arrows or other non-ASCII characters: they
// are transliterated, see toAscii).

import type { Io } from './io.js';
import { terminalWidth } from './format/wrap.js';

export interface Terminal {
  width: number;
  rows: number;
  color: boolean;
  /** The locale's character set is UTF-8 (LC_ALL, else LC_CTYPE, else LANG). */
  unicode: boolean;
  /** No cursor movement: TERM unset or dumb. */
  dumb: boolean;
}

export function localeIsUtf8(env: NodeJS.ProcessEnv): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale);
}

export function isDumb(env: NodeJS.ProcessEnv): boolean {
  return !env.TERM || env.TERM === 'dumb';
}

/** Rows of the terminal: the TTY's, else $LINES, else 24. */
export function terminalRows(rows: number | undefined, env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env.LINES);
  const r = rows && rows > 0 ? rows : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 24;
  return Math.max(10, r);
}

export function terminalOf(io: Io): Terminal {
  return {
    width: io.width ?? terminalWidth(undefined, io.env),
    rows: terminalRows(io.rows, io.env),
    color: io.color,
    unicode: localeIsUtf8(io.env),
    dumb: isDumb(io.env),
  };
}

const ASCII: Record<string, string> = {
  '→': '->', '←': '<-', '↑': '^', '↓': 'v', '⏎': 'enter', '—': '--', '–': '-', '…': '...', '×': 'x', '÷': '/',
  '≥': '>=', '≤': '<=', '≈': '~', '•': '*', '‘': "'", '’': "'", '“': '"', '”': '"', '✔': 'v', '✖': 'x', '❯': '>',
  '◉': '(*)', '◯': '( )', '·': '.', 'µ': 'u', '±': '+-', '\u00a0': ' ', '§': 'S',
};

/** Text an ASCII-only terminal shows as meant: common symbols spelled out, anything else `?`. */
export function toAscii(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[^\x00-\x7f]/gu, (c) => ASCII[c] ?? '?');
}

/** An Io for this terminal: output transliterated to ASCII when the locale is not UTF-8. */
export function terminalIo(io: Io, term: Terminal): Io {
  if (term.unicode) return io;
  return {
    out: (t) => io.out(toAscii(t)),
    err: (t) => io.err(toAscii(t)),
    get isTTY() {
      return io.isTTY;
    },
    get stdinTTY() {
      return io.stdinTTY;
    },
    get color() {
      return io.color;
    },
    env: io.env,
    width: term.width,
    rows: term.rows,
  };
}
