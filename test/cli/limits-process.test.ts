// A real process with a known limit (prlimit) and N open descriptors: `knobs limits
// --pid` and `knobs audit` both see the limit and the count (read-only on the host).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knobs } from '../helpers/cli.js';
import { requires } from '../helpers/requires.js';

const NEEDS = requires('prlimit');
const OPEN = 97; // + stdin/stdout/stderr = 100 of a soft limit of 100 → critical

describe.skipIf(NEEDS.skip)(NEEDS.title('a real process near its nofile limit'), () => {
  let child: ReturnType<typeof spawn>;
  beforeAll(async () => {
    // python3, not node: node raises its own soft nofile to the hard limit at start-up.
    const code = `import os, sys, time\nfds = [os.open('/dev/null', os.O_RDONLY) for _ in range(${OPEN})]\nprint('ready', flush=True)\ntime.sleep(120)`;
    child = spawn('prlimit', ['--nofile=100:200', 'python3', '-c', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  });
  afterAll(() => void child.kill('SIGKILL'));

  it('knobs limits --pid shows the limit and the count', () => {
    const doc = knobs(['limits', '--pid', String(child.pid), '--json']).json();
    const p = doc.processes.find((x: any) => x.pid === child.pid);
    expect(p.nofile).toMatchObject({ soft: 100, hard: 200 });
    expect(p.open).toBeGreaterThanOrEqual(OPEN);
  });

  it('knobs audit reports it, naming the pid', () => {
    const r = knobs(['audit', '--json']);
    const f = r.json().findings.find((x: any) => x.id === 'limits/process-nofile' && x.message.includes(`pid ${child.pid} `));
    expect(f).toBeDefined();
    expect(f.severity).toBe('critical');
    expect(f.current).toMatch(/^\d+\/100$/);
  });
});
