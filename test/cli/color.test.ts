// Colour only on a terminal, and never with NO_COLOR: checked on a real TTY (tmux).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { fakeRoot } from '../helpers/fake-root.js';
import { requires } from '../helpers/requires.js';

const NEEDS = requires('tmux');

async function onTty(env: string): Promise<string> {
  const root = fakeRoot({ kernel: '4.15', sysctl: { 'net.core.somaxconn': '128' } });
  const session = `knobs-color-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', `env ${env} TERM=xterm-256color ${process.execPath} ${BIN} audit --root ${root} --profile web-node; echo done-$?; sleep 30`);
  try {
    const end = Date.now() + 15_000;
    while (Date.now() < end) {
      const screen = tmux('capture-pane', '-p', '-e', '-t', session).stdout;
      if (/done-\d/.test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('timed out');
  } finally {
    tmux('kill-session', '-t', session);
  }
}

describe.skipIf(NEEDS.skip)(NEEDS.title('colour'), () => {
  it('is used on a terminal', async () => {
    expect(await onTty('-u NO_COLOR')).toMatch(/\x1b\[[0-9;]*m/);
  });
  it('is never used with NO_COLOR', async () => {
    const screen = await onTty('NO_COLOR=1');
    expect(screen).toContain('WARNING');
    expect(screen).not.toMatch(/\x1b\[[0-9;]*m/);
  });
});
