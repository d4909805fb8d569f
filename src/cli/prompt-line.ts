// Prompts for a terminal that cannot move its cursor (TERM=dumb, an Emacs shell, a
// serial console): every question is printed once and answered with a line of
// text: a number from a numbered list, y or n, a value. The terminal stays in its
// normal line mode, so its own echo and editing work, Ctrl+C arrives as SIGINT
// and Ctrl+D on an empty line ends the input.

import fs from 'node:fs';
import readline from 'node:readline';
import { wrap } from './format/wrap.js';
import { Interrupted } from './interrupted.js';
import type { Terminal } from './terminal.js';
import { toAscii } from './terminal.js';

export interface LineChoice<T extends string> {
  value: T;
  name: string;
  description?: string;
  checked?: boolean;
}

function write(term: Terminal, text: string): void {
  fs.writeSync(1, term.unicode ? text : toAscii(text));
}

/** One line from stdin; Ctrl+C and end of input end the session. */
export function readLine(term: Terminal, prompt: string): Promise<string> {
  write(term, prompt);
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: process.stdin, terminal: false });
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      process.off('SIGINT', onSigint);
      rl.close();
      f();
    };
    const onSigint = () => finish(() => reject(new Interrupted('interrupt')));
    process.on('SIGINT', onSigint);
    rl.once('line', (line) => finish(() => resolve(line)));
    rl.once('close', () => finish(() => reject(new Interrupted('end-of-input'))));
  });
}

function header(term: Terminal, message: string): string {
  return wrap(message, term.width, '  ', '? ') + '\n';
}

function list<T extends string>(term: Terminal, choices: readonly LineChoice<T>[], mark?: (c: LineChoice<T>) => string): string {
  const w = String(choices.length).length;
  return (
    choices
      .map((c, i) => {
        const lead = `  ${String(i + 1).padStart(w)}) ${mark ? mark(c) : ''}`;
        const name = wrap(c.name, term.width, ' '.repeat(lead.length), lead);
        // A description the name already says in full (numbered lists do not cut names) is left out.
        return c.description && !c.name.includes(c.description) ? `${name}\n${wrap(c.description, term.width, ' '.repeat(lead.length))}` : name;
      })
      .join('\n') + '\n'
  );
}

export async function lineSelect<T extends string>(term: Terminal, message: string, choices: readonly LineChoice<T>[], dflt?: T): Promise<T> {
  const d = Math.max(0, choices.findIndex((c) => c.value === dflt));
  write(term, header(term, message) + list(term, choices));
  for (;;) {
    const a = (await readLine(term, `Choose 1-${choices.length} [${d + 1}]: `)).trim();
    if (a === '') return choices[d]!.value;
    const n = Number(a);
    if (Number.isInteger(n) && n >= 1 && n <= choices.length) return choices[n - 1]!.value;
    write(term, `  Enter a number from 1 to ${choices.length}.\n`);
  }
}

export async function lineCheckbox<T extends string>(term: Terminal, message: string, choices: readonly LineChoice<T>[]): Promise<T[]> {
  const dflt = choices.map((c, i) => (c.checked ? i + 1 : 0)).filter(Boolean);
  write(term, header(term, message) + list(term, choices, (c) => (c.checked ? '[x] ' : '[ ] ')));
  for (;;) {
    const a = (await readLine(term, `Numbers separated by spaces, or none [${dflt.join(' ') || 'none'}]: `)).trim();
    if (a === '') return dflt.map((i) => choices[i - 1]!.value);
    if (/^(none|0)$/i.test(a)) return [];
    const picks = a.split(/[\s,]+/).map(Number);
    if (picks.every((n) => Number.isInteger(n) && n >= 1 && n <= choices.length)) {
      return [...new Set(picks)].sort((x, y) => x - y).map((n) => choices[n - 1]!.value);
    }
    write(term, `  Enter numbers from 1 to ${choices.length}, separated by spaces, or none.\n`);
  }
}

export async function lineConfirm(term: Terminal, message: string, dflt: boolean): Promise<boolean> {
  for (;;) {
    const a = (await readLine(term, wrap(`? ${message} ${dflt ? '[Y/n]' : '[y/N]'}`, term.width, '  ') + ' ')).trim().toLowerCase();
    if (a === '') return dflt;
    if (a === 'y' || a === 'yes') return true;
    if (a === 'n' || a === 'no') return false;
    write(term, '  Answer y or n.\n');
  }
}

export async function lineInput(term: Terminal, message: string, dflt: string | undefined, validate?: (v: string) => string | null): Promise<string> {
  for (;;) {
    const a = (await readLine(term, wrap(`? ${message}${dflt ? ` [${dflt}]` : ''}:`, term.width, '  ') + ' ')).trim();
    const v = a === '' && dflt !== undefined ? dflt : a;
    const problem = validate?.(v) ?? null;
    if (problem === null) return v;
    write(term, wrap(problem, term.width, '    ', '  ! ') + '\n');
  }
}

/** A screen at a time: Enter shows the next one, q the end. */
export async function linePage(term: Terminal, text: string): Promise<void> {
  const lines = text.replace(/\n$/, '').split('\n');
  const per = Math.max(5, term.rows - 1);
  for (let i = 0; i < lines.length; i += per) {
    write(term, lines.slice(i, i + per).join('\n') + '\n');
    if (i + per >= lines.length) return;
    const a = await readLine(term, `-- more: ${Math.min(lines.length, i + per)} of ${lines.length} lines (Enter: next page, q: stop) -- `);
    if (a.trim().toLowerCase() === 'q') return;
  }
}
