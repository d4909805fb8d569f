// Commander wiring (src/cli/program.ts): main() declares only the command being run,
// which must not change what that command accepts, prints or rejects.

import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { commandOf } from '../../src/cli/command-word.js';
import type { Io } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { EXAMPLES, createProgram } from '../../src/cli/program.js';

function capture(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
    isTTY: false,
    stdinTTY: false,
    color: false,
    env: {},
  };
  return io;
}

describe('declaring one command', () => {
  it('every command has an example, which is also the list main() checks a command word against', () => {
    const all = createProgram(capture(), () => {});
    expect(all.commands.map((c) => c.name()).sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  it('gives each command the same help, options and arguments as the full program', () => {
    const all = createProgram(capture(), () => {});
    for (const name of Object.keys(EXAMPLES)) {
      const one = createProgram(capture(), () => {}, name);
      expect(one.commands.map((c) => c.name())).toEqual([name]);
      const [a, b] = [all, one].map((p) => p.commands.find((c) => c.name() === name)!) as [Command, Command];
      expect(b.helpInformation()).toBe(a.helpInformation());
    }
  });

  it('keeps usage errors and --help the same through main()', async () => {
    const bogus = capture();
    expect(await main(['node', 'knobs', 'sockets', '--topp', '3'], bogus)).toBe(1);
    expect(bogus.stderr).toBe("knobs: unknown option '--topp'\n  hint: did you mean --top? (run `knobs sockets --help` for usage)\n");
    const help = capture();
    expect(await main(['node', 'knobs', '--root', '/nonexistent', 'sockets', '--help'], help)).toBe(0);
    expect(help.stdout).toMatch(/^Usage: knobs sockets \[options\]\n[\s\S]*--watch \[seconds\][\s\S]*Example:\n  knobs sockets --top 5 --watch 2\n+$/);
    const top = capture();
    expect(await main(['node', 'knobs', '--help'], top)).toBe(0);
    for (const name of Object.keys(EXAMPLES)) expect(top.stdout).toContain(`  ${name}`);
    const unknown = capture();
    expect(await main(['node', 'knobs', 'socket'], unknown)).toBe(1);
    expect(unknown.stderr).toBe("knobs: unknown command 'socket'\n  hint: did you mean sockets? (run `knobs --help` for usage)\n");
  });

  it('reads the command word past --root DIR and options', () => {
    expect(commandOf(['sockets', '--json'])).toBe('sockets');
    expect(commandOf(['--root', '/tmp/sockets', 'audit'])).toBe('audit');
    expect(commandOf(['--root=/x', 'sockets'])).toBe('sockets');
    expect(commandOf(['--', 'sockets'])).toBe('sockets');
    expect(commandOf(['--help'])).toBeUndefined();
  });
});
