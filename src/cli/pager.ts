// Long output in an interactive session goes through a pager, so that nothing the
// operator must read (a diff before "Apply?") scrolls off an 80x24 screen: $PAGER
// when set (empty or `cat`: none), else `less -R` when installed, else a screen at
// a time (prompt-line.ts). less gets LESS=FRXK unless the operator has a LESS of
// their own: quit when the text fits one screen (F), leave it on the screen after
// quitting (X: the diff stays in view above the question), Ctrl+C quits (K).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isDumb } from './terminal.js';

function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(':').some((dir) => {
    try {
      fs.accessSync(path.join(dir || '.', name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The pager to run: a shell command, '' for none (print it), null for knobs' own paging. */
export function pagerCommand(env: NodeJS.ProcessEnv): string | null {
  const p = env.PAGER;
  if (p !== undefined) return p.trim() === '' || p.trim() === 'cat' ? '' : p;
  if (isDumb(env)) return null; // less on a terminal without cursor movement is worse than a screen at a time
  return onPath('less', env) ? 'less -R' : null;
}

/** Runs the pager on `text` and waits for it; a pager that quits early is not an error. */
export function runPager(command: string, text: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], {
      stdio: ['pipe', 'inherit', 'inherit'],
      env: { ...env, LESS: env.LESS ?? 'FRXK' },
    });
    child.stdin.on('error', () => {}); // EPIPE: the operator quit before the end
    child.on('error', () => resolve());
    child.on('close', () => resolve());
    child.stdin.end(text);
  });
}
