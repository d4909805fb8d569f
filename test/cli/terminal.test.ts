// What the interactive commands make of the terminal: locale, TERM, size, the
// pager to run, ASCII for a non-UTF-8 locale, commands to copy, choices on one line.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { wrapCommand } from '../../src/cli/format/wrap.js';
import { pagerCommand, runPager } from '../../src/cli/pager.js';
import { fitLine } from '../../src/cli/prompts.js';
import { isDumb, localeIsUtf8, terminalOf, terminalRows, toAscii } from '../../src/cli/terminal.js';
import { tempDir } from '../helpers/temp.js';

describe('terminal', () => {
  it('the locale decides UTF-8: LC_ALL, then LC_CTYPE, then LANG', () => {
    expect(localeIsUtf8({ LANG: 'en_US.UTF-8' })).toBe(true);
    expect(localeIsUtf8({ LANG: 'C' })).toBe(false);
    expect(localeIsUtf8({})).toBe(false);
    expect(localeIsUtf8({ LC_ALL: 'C', LANG: 'en_US.UTF-8' })).toBe(false);
    expect(localeIsUtf8({ LC_CTYPE: 'de_DE.utf8', LANG: 'C' })).toBe(true);
  });

  it('TERM unset or dumb cannot move the cursor; rows from the TTY, $LINES, else 24', () => {
    expect(isDumb({ TERM: 'dumb' })).toBe(true);
    expect(isDumb({})).toBe(true);
    expect(isDumb({ TERM: 'screen-256color' })).toBe(false);
    expect(terminalRows(undefined, {})).toBe(24);
    expect(terminalRows(undefined, { LINES: '50' })).toBe(50);
    expect(terminalRows(40, { LINES: '50' })).toBe(40);
    const t = terminalOf({ out: () => {}, err: () => {}, isTTY: true, stdinTTY: true, color: false, env: { TERM: 'dumb', LANG: 'C', COLUMNS: '100' } });
    expect(t).toEqual({ width: 100, rows: 24, color: false, unicode: false, dumb: true });
  });

  it('ASCII for a terminal that is not UTF-8: symbols spelled out, anything else a ?', () => {
    expect(toAscii('128 → 4096 — at least ≥ 5 × 3 … ✔ ❯ ◉ ◯')).toBe('128 -> 4096 -- at least >= 5 x 3 ... v > (*) ( )');
    expect(toAscii('Größe')).toBe('Gr??e');
  });
});

describe('pager', () => {
  const withLess = tempDir('knobs-path-');
  fs.writeFileSync(path.join(withLess, 'less'), '#!/bin/sh\n', { mode: 0o755 });
  const empty = tempDir('knobs-path-');

  it('$PAGER wins (empty or cat: none); else less -R when installed, else knobs pages by screen', () => {
    expect(pagerCommand({ PAGER: 'more', TERM: 'xterm' })).toBe('more');
    expect(pagerCommand({ PAGER: '', TERM: 'xterm' })).toBe('');
    expect(pagerCommand({ PAGER: 'cat', TERM: 'xterm' })).toBe('');
    expect(pagerCommand({ TERM: 'xterm', PATH: `${empty}:${withLess}` })).toBe('less -R');
    expect(pagerCommand({ TERM: 'xterm', PATH: empty })).toBeNull();
    expect(pagerCommand({ TERM: 'dumb', PATH: withLess })).toBeNull(); // less on a dumb terminal: worse than screens
    expect(pagerCommand({ TERM: 'dumb', PAGER: 'more' })).toBe('more');
  });

  it('runs the pager with the text on its stdin, and LESS=FRXK unless the operator has a LESS', async () => {
    const out = path.join(tempDir('knobs-pager-'), 'seen');
    await runPager(`cat > ${out}; echo "LESS=$LESS" >> ${out}`, 'a diff\n', { PATH: process.env.PATH ?? '/usr/bin:/bin' });
    expect(fs.readFileSync(out, 'utf8')).toBe('a diff\nLESS=FRXK\n');
    await runPager(`echo "LESS=$LESS" > ${out}`, 'x'.repeat(1 << 20), { PATH: process.env.PATH ?? '/usr/bin:/bin', LESS: 'S' });
    expect(fs.readFileSync(out, 'utf8')).toBe('LESS=S\n'); // and a pager that quits before reading it all is no error
  });
});

describe('text for the operator', () => {
  it('a command wraps between words with a backslash continuation, never inside a word', () => {
    const cmd = 'knobs --root /srv/images/web-node-2024-11-02/root rollback 20241102T101112Z-ab12';
    const text = wrapCommand(cmd, 60);
    expect(text).toBe('  knobs --root /srv/images/web-node-2024-11-02/root \\\n    rollback 20241102T101112Z-ab12');
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(60);
    expect(text.replace(/ \\\n +/g, ' ').trim()).toBe(cmd); // what the shell reads back
    expect(wrapCommand('knobs rollback 1', 80)).toBe('  knobs rollback 1');
  });

  it('a choice fits one line, cut at a word with an ellipsis', () => {
    expect(fitLine('web-node  Application server behind a load balancer', 30, false)).toBe('web-node  Application...');
    expect(fitLine('short', 30, true)).toBe('short');
    expect(fitLine('web-node  Application server behind a load balancer', 30, true)).toBe('web-node  Application server…');
  });
});
