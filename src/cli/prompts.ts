// Everything an interactive command asks of the operator goes through here, so a
// test can script the answers (vi.mock of this module) and a terminal that cannot
// do more still works. Two ways to ask:
//  - a terminal that can move its cursor: @inquirer/prompts (≈80 ms to load, so
//    imported only when a prompt is shown), one line per choice (never cut in half
//    by paging, no wrap-around that makes a list look shuffled), colour only when
//    the terminal has it, ASCII marks when the locale is not UTF-8;
//  - TERM=dumb: numbered lists answered with a line of text (prompt-line.ts).
// Ctrl+C throws Interrupted (exit 130); the end of input, Interrupted (exit 1).

import fs from 'node:fs';
import pc from 'picocolors';
import { visibleLength, wrap } from './format/wrap.js';
import { Interrupted } from './interrupted.js';
import { nodeIo } from './io.js';
import { pagerCommand, runPager } from './pager.js';
import { lineCheckbox, lineConfirm, lineInput, linePage, lineSelect } from './prompt-line.js';
import { terminalOf, toAscii, type Terminal } from './terminal.js';

export interface Choice<T extends string> {
  value: T;
  name: string;
  /** Shown after the question once answered (default: the value). */
  short?: string;
  /** Shown under the list while the choice is highlighted (numbered lists: under the choice). */
  description?: string;
  checked?: boolean;
}

function terminal(): Terminal {
  return terminalOf(nodeIo());
}

/**
 * Inquirer draws the question, clears it when answered or interrupted
 * (clearPromptOnDone: a Ctrl+C must not leave a menu on the screen), and the
 * question with its answer is written here instead, wrapped at the width.
 */
async function guard<T>(term: Terminal, msg: string, p: Promise<T>, answer: (v: T) => string): Promise<T> {
  let v: T;
  try {
    v = await p;
  } catch (err) {
    if ((err as Error)?.name === 'ExitPromptError') throw new Interrupted('interrupt');
    throw err;
  }
  const paint = (f: (s: string) => string, t: string) => (term.color ? f(t) : t);
  const line = `${paint(pc.green, term.unicode ? '✔' : '+')} ${msg} ${paint(pc.cyan, answer(v))}`;
  fs.writeSync(1, text(term, wrap(line, term.width, '  ', '')) + '\n');
  return v;
}

const CLEAR = { clearPromptOnDone: true };

function text(term: Terminal, s: string): string {
  return term.unicode ? s : toAscii(s);
}

/** One line of at most `max` columns, cut at a word with an ellipsis. */
export function fitLine(s: string, max: number, unicode: boolean): string {
  if (visibleLength(s) <= max) return s;
  const dots = unicode ? '…' : '...';
  const room = max - dots.length;
  const cut = s.slice(0, room);
  const space = cut.lastIndexOf(' ');
  return (space > room / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '') + dots;
}

function theme(term: Terminal) {
  const paint = (f: (s: string) => string) => (term.color ? f : (s: string) => s);
  const key = (k: string) => (term.unicode ? k : k === '↑↓' ? 'up/down' : k === '⏎' ? 'enter' : toAscii(k));
  return {
    prefix: { idle: paint(pc.blue)('?'), done: paint(pc.green)(term.unicode ? '✔' : '+') },
    style: {
      answer: paint(pc.cyan),
      message: paint(pc.bold),
      error: (s: string) => paint(pc.red)(`> ${text(term, s)}`),
      defaultAnswer: (s: string) => paint(pc.dim)(`(${s})`),
      help: paint(pc.dim),
      highlight: paint(pc.cyan),
      key: (s: string) => paint(pc.cyan)(`<${s}>`),
      description: (s: string) => paint(pc.cyan)(text(term, s)),
      disabled: (s: string) => paint(pc.dim)(`- ${s}`),
      disabledChoice: (s: string) => paint(pc.dim)(`- ${s}`),
      keysHelpTip: (keys: [string, string][]) => keys.map(([k, a]) => `${key(k)} ${a}`).join(term.unicode ? ' • ' : ', '),
    },
    icon: {
      cursor: term.unicode ? '❯' : '>',
      checked: paint(pc.green)(term.unicode ? '◉' : '[x]'),
      unchecked: term.unicode ? '◯' : '[ ]',
    },
    helpMode: 'always' as const,
  };
}

/** The question, wrapped so that the `? ` in front of it and the answer after it fit. */
function message(term: Terminal, m: string): string {
  return text(term, wrap(m, term.width - 2, '  ', ''));
}

function lines<T extends string>(term: Terminal, choices: readonly Choice<T>[], overhead: number) {
  return choices.map((c) => ({
    value: c.value,
    name: fitLine(text(term, c.name), term.width - overhead, term.unicode),
    short: text(term, c.short ?? c.value),
    ...(c.description ? { description: text(term, wrap(c.description, term.width)) } : {}),
    ...(c.checked !== undefined ? { checked: c.checked } : {}),
  }));
}

const pageSize = (term: Terminal, n: number) => Math.max(3, Math.min(n, term.rows - 8));

export async function select<T extends string>(msg: string, choices: Choice<T>[], opts: { default?: T } = {}): Promise<T> {
  const term = terminal();
  if (term.dumb) return lineSelect(term, msg, choices, opts.default);
  const { select: ask } = await import('@inquirer/prompts');
  const shown = lines(term, choices, 3);
  return guard(
    term,
    msg,
    ask<T>(
      {
        message: message(term, msg),
        choices: shown,
        loop: false,
        pageSize: pageSize(term, choices.length),
        ...(opts.default !== undefined ? { default: opts.default } : {}),
        theme: theme(term),
      },
      CLEAR,
    ),
    (v) => shown.find((c) => c.value === v)?.short ?? v,
  );
}

export async function checkbox<T extends string>(msg: string, choices: Choice<T>[]): Promise<T[]> {
  const term = terminal();
  if (term.dumb) return lineCheckbox(term, msg, choices);
  const { checkbox: ask } = await import('@inquirer/prompts');
  const shown = lines(term, choices, term.unicode ? 4 : 6);
  return guard(
    term,
    msg,
    ask<T>(
      {
        message: message(term, msg),
        choices: shown,
        loop: false,
        pageSize: pageSize(term, choices.length),
        theme: theme(term),
      },
      CLEAR,
    ),
    (v) => (v.length ? v.map((x) => shown.find((c) => c.value === x)?.short ?? x).join(', ') : 'none'),
  );
}

export async function confirm(msg: string, dflt = false): Promise<boolean> {
  const term = terminal();
  if (term.dumb) return lineConfirm(term, msg, dflt);
  const { confirm: ask } = await import('@inquirer/prompts');
  return guard(term, msg, ask({ message: message(term, msg), default: dflt, theme: theme(term) }, CLEAR), (v) => (v ? 'yes' : 'no'));
}

/** A line of text; `validate` returns why a value cannot be used, or null. */
export async function input(msg: string, opts: { default?: string; validate?: (v: string) => string | null } = {}): Promise<string> {
  const term = terminal();
  if (term.dumb) return lineInput(term, msg, opts.default, opts.validate);
  const { input: ask } = await import('@inquirer/prompts');
  const validate = opts.validate;
  const v = await guard(
    term,
    msg,
    ask(
      {
        message: message(term, msg),
        ...(opts.default !== undefined ? { default: opts.default } : {}),
        ...(validate ? { validate: (x: string) => validate(x.trim()) ?? true } : {}),
        theme: theme(term),
      },
      CLEAR,
    ),
    (x) => x.trim(),
  );
  return v.trim();
}

/** Shows `body` so that none of it scrolls away unread (see pager.ts). */
export async function page(body: string): Promise<void> {
  const term = terminal();
  const shown = text(term, body);
  const out = (s: string) => void fs.writeSync(1, s);
  if (shown.split('\n').length <= term.rows - 2) return void out(shown);
  const cmd = pagerCommand(process.env);
  if (cmd === '') return void out(shown);
  if (cmd === null) return linePage(term, shown);
  await runPager(cmd, shown, process.env);
}
