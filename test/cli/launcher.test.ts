// The shipped executable: dist/knobs.cjs loads dist/knobs-cli.cjs through the V8
// code cache written by the build (src/launcher.ts, src/bundle-loader.ts).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, REPO, knobs } from '../helpers/cli.js';

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

/** A copy of the two bundles inside the package (so node_modules and profiles resolve) with `cache` as the code cache. */
function copyOfDist(cache: Buffer | null): string {
  const dir = fs.mkdtempSync(path.join(REPO, 'dist', 'launcher-test-'));
  temps.push(dir);
  fs.copyFileSync(BIN, path.join(dir, 'knobs.cjs'));
  fs.copyFileSync(path.join(REPO, 'dist/knobs-cli.cjs'), path.join(dir, 'knobs-cli.cjs'));
  if (cache) fs.writeFileSync(path.join(dir, 'knobs-cli.cjs.cache'), cache);
  return dir;
}

function run(bin: string, args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
}

describe('launcher and code cache', () => {
  it('the build writes a code cache that this Node.js accepts', () => {
    const script = `import { loadBundle } from ${JSON.stringify(path.join(REPO, 'dist/src/bundle-loader.js'))};
      process.stdout.write(loadBundle(${JSON.stringify(path.join(REPO, 'dist/knobs-cli.cjs'))}).cache);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('accepted');
  });

  it('a rejected or missing cache only costs the compile: same output', () => {
    const want = knobs(['explain', 'net.ipv4.tcp_fin_timeout']);
    expect(want.code).toBe(0);
    for (const cache of [Buffer.from('not a V8 code cache'), null]) {
      const dir = copyOfDist(cache);
      const got = run(path.join(dir, 'knobs.cjs'), ['explain', 'net.ipv4.tcp_fin_timeout']);
      expect({ code: got.status, stdout: got.stdout, stderr: got.stderr }).toEqual({ code: 0, stdout: want.stdout, stderr: '' });
    }
  });

  it('a missing bundle is one line and exit 1, not a stack trace', () => {
    const dir = copyOfDist(null);
    fs.rmSync(path.join(dir, 'knobs-cli.cjs'));
    const r = run(path.join(dir, 'knobs.cjs'), ['audit']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^knobs: cannot load .*knobs-cli\.cjs: ENOENT.*\n  hint: npm run build\n$/);
  });

  it('output into a pipe the reader already closed ends quietly with the command exit code', () => {
    // `true` exits at once, so every write of knobs meets a closed pipe (EPIPE).
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" explain net.ipv4.tcp_fin_timeout | true; echo "rc=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('rc=0\n');
  });
});
