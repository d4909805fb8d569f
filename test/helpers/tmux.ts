// A real pseudo-terminal for interactive commands: a tmux session of a given size
// on a tmux server of its own (-L: other test files may run tmux at the same time),
// driven with send-keys and read with capture-pane, as an operator's SSH session.

import { spawnSync } from 'node:child_process';
import os from 'node:os';

export interface TmuxOptions {
  width?: number;
  height?: number;
  /** The whole environment of the command (nothing else is inherited). */
  env: Record<string, string>;
}

let count = 0;

export class Tmux {
  readonly socket = `knobs-test-${process.pid}-${++count}`;
  readonly session = 'wizard';

  constructor(command: string[], opts: TmuxOptions) {
    const env = Object.entries(opts.env).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
    // The shell stays after the command so its exit code and last screen can be read.
    const script = `env -i ${env} ${command.map(quote).join(' ')}; echo "exit=$?"; sleep 600`;
    const r = this.tmux('new-session', '-d', '-s', this.session, '-x', String(opts.width ?? 80), '-y', String(opts.height ?? 24), script);
    if (r.status !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`);
  }

  tmux(...args: string[]) {
    // The server's socket goes under the run's TMPDIR, which the test run removes.
    return spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env: { ...process.env, TMUX_TMPDIR: os.tmpdir() } });
  }

  /** The visible screen; `history`: everything since the start; `join`: wrapped lines joined back; `escapes`: colour codes kept. */
  screen(o: { history?: boolean; join?: boolean; escapes?: boolean } = {}): string {
    const args = ['capture-pane', '-p', '-t', this.session];
    if (o.history) args.push('-S', '-');
    if (o.join) args.push('-J');
    if (o.escapes) args.push('-e');
    return this.tmux(...args).stdout;
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  /** Literal text (no key names). */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.session, '-l', text);
  }

  /** Waits until the visible screen matches (polling; the limit only stops a hung run). */
  async waitFor(re: RegExp, ms = 30_000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const s = this.screen();
      if (re.test(s)) return s;
      if (Date.now() > end) throw new Error(`timed out waiting for ${re}; screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async exitCode(): Promise<number> {
    const s = await this.waitFor(/^exit=\d+$/m);
    return Number(/^exit=(\d+)$/m.exec(s)![1]);
  }

  close(): void {
    this.tmux('kill-server');
  }
}

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
