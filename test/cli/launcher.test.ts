// The shipped executable: dist/knobs.cjs loads dist/knobs-cli.cjs through the V8
// code cache written by the build (src/launcher.ts, src/bundle-loader.ts).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, REPO, knobs } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

/**
 * A copy of the launcher and the bundles inside the package (so node_modules and
 * profiles resolve), each with `cache` as its code cache; `own`: also copy the
 * commands' own bundles.
 */
function copyOfDist(cache: Buffer | null, own = true): string {
  const dir = fs.mkdtempSync(path.join(REPO, 'dist', 'launcher-test-'));
  temps.push(dir);
  fs.copyFileSync(BIN, path.join(dir, 'knobs.cjs'));
  const bundles = ['knobs-cli.cjs', ...(own ? ['knobs-sockets.cjs'] : [])];
  for (const b of bundles) {
    fs.copyFileSync(path.join(REPO, 'dist', b), path.join(dir, b));
    if (cache) fs.writeFileSync(path.join(dir, `${b}.cache`), cache);
  }
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

  it('the bundle is pure ASCII, so the loader holds it as a one-byte string; other text still decodes as UTF-8', async () => {
    const bytes = fs.readFileSync(path.join(REPO, 'dist/knobs-cli.cjs'));
    const { isAscii } = await import('node:buffer');
    expect(isAscii(bytes)).toBe(true);
    // the build escapes the characters esbuild leaves in comments (src/host/sockets.ts has one)
    expect(bytes.toString('latin1')).toContain('peer id \\u2192 tracking slot');
    const { sourceText } = await import(path.join(REPO, 'dist/src/bundle-loader.js'));
    expect(sourceText(Buffer.from('const s = "→ ≤ ×"; // ü'))).toBe('const s = "→ ≤ ×"; // ü');
    expect(sourceText(Buffer.from('plain'))).toBe('plain');
  });

  it('knobs sockets runs from its own, smaller bundle; other commands from the shared one', async () => {
    const { OWN_BUNDLE_COMMANDS, bundleFor, commandOf } = await import(path.join(REPO, 'dist/src/bundle-loader.js'));
    expect(commandOf(['--root', '/srv', '--json', 'sockets'])).toBe('sockets'); // more cases: test/cli/program.test.ts
    const dist = path.join(REPO, 'dist');
    const shared = path.join(dist, 'knobs-cli.cjs');
    expect(bundleFor(dist, 'audit')).toBe(shared);
    expect(bundleFor(dist, undefined)).toBe(shared);
    expect(OWN_BUNDLE_COMMANDS).toContain('sockets');
    const own = bundleFor(dist, 'sockets');
    expect(own).toBe(path.join(dist, 'knobs-sockets.cjs'));
    // written by the build, its cache accepted by this Node.js, and both much smaller
    const probe = (bundle: string) =>
      spawnSync(process.execPath, ['--input-type=module', '-e',
        `import { loadBundle } from ${JSON.stringify(path.join(REPO, 'dist/src/bundle-loader.js'))};
         process.stdout.write(loadBundle(${JSON.stringify(bundle)}).cache);`], { encoding: 'utf8' }).stdout;
    expect(probe(own)).toBe('accepted');
    expect(fs.statSync(own).size).toBeLessThan(fs.statSync(shared).size * 0.6);
    expect(fs.statSync(`${own}.cache`).size).toBeLessThan(fs.statSync(`${shared}.cache`).size * 0.6);
    // the other commands are left out of it
    const text = fs.readFileSync(own, 'latin1');
    expect(text).toContain('./commands/audit.js is not in the sockets bundle');
    expect(text).not.toContain('function runAudit(');
  });

  it('a rejected or missing cache only costs the compile: same output', () => {
    // explain runs from the shared bundle, sockets from its own
    const fixture = path.join(REPO, 'test/fixtures/proc-net/root');
    for (const args of [['explain', 'net.ipv4.tcp_fin_timeout'], ['sockets', '--json', '--root', fixture]]) {
      const want = knobs(args);
      expect(want.code).toBe(0);
      // a broken or missing cache; and without the command's own bundle, the shared one
      for (const [cache, own] of [[Buffer.from('not a V8 code cache'), true], [null, true], [null, false]] as const) {
        const dir = copyOfDist(cache, own);
        const got = run(path.join(dir, 'knobs.cjs'), args);
        const strip = (s: string) => s.replace(/"elapsedMs": [\d.]+/, '');
        expect({ code: got.status, stdout: strip(got.stdout), stderr: got.stderr }).toEqual({ code: 0, stdout: strip(want.stdout), stderr: '' });
      }
    }
  });

  it('a missing bundle is one line and exit 1, not a stack trace', () => {
    const dir = copyOfDist(null);
    fs.rmSync(path.join(dir, 'knobs-cli.cjs'));
    const r = run(path.join(dir, 'knobs.cjs'), ['audit']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^knobs: cannot load .*knobs-cli\.cjs: ENOENT.*\n  hint: npm run build\n$/);
  });

  it('writes all of a large output into a non-blocking pipe that is read late (EAGAIN)', () => {
    // 5,000 TIME_WAIT peers and --top 5000: about 2 MB of JSON, far more than a pipe holds.
    const root = tempDir('knobs-eagain-');
    temps.push(root);
    fs.mkdirSync(path.join(root, 'proc/net'), { recursive: true });
    const lines = ['  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'];
    for (let i = 0; i < 5000; i++) {
      const peer = (0x0a000000 + i).toString(16).toUpperCase().padStart(8, '0');
      lines.push(`${String(i).padStart(4)}: 0100007F:${(33000 + i).toString(16).toUpperCase()} ${peer}:01BB 06 00000000:00000000 03:00001747 00000000     0        0 0 3 0000000000000000`);
    }
    fs.writeFileSync(path.join(root, 'proc/net/tcp'), lines.join('\n') + '\n');
    fs.writeFileSync(path.join(root, 'proc/net/tcp6'), lines[0] + '\n');
    const py = `
import os, subprocess, sys, time
r, w = os.pipe()
os.set_blocking(w, False)
p = subprocess.Popen([sys.argv[1], sys.argv[2], 'sockets', '--json', '--top', '5000', '--root', sys.argv[3]], stdout=w)
os.close(w)
time.sleep(0.5)  # knobs fills the pipe and meets EAGAIN meanwhile
data = b''
while True:
    chunk = os.read(r, 1 << 16)
    if not chunk: break
    data += chunk
open(sys.argv[4], 'wb').write(data)
print(p.wait())
`;
    const got = path.join(root, 'out.json');
    const r = spawnSync('python3', ['-c', py, process.execPath, BIN, root, got], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('0');
    expect(fs.statSync(got).size).toBeGreaterThan(1 << 20);
    const direct = spawnSync(process.execPath, [BIN, 'sockets', '--json', '--top', '5000', '--root', root], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const comparable = (text: string) => ({ ...JSON.parse(text), elapsedMs: 0 });
    expect(comparable(fs.readFileSync(got, 'utf8'))).toEqual(comparable(direct.stdout));
  });

  it('output into a pipe the reader already closed ends quietly with the command exit code', () => {
    // `true` exits at once, so every write of knobs meets a closed pipe (EPIPE).
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" explain net.ipv4.tcp_fin_timeout | true; echo "rc=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('rc=0\n');
  });
});
