// Builds what `knobs` runs: dist/knobs.cjs (src/launcher.ts), which loads the
// CLI bundle dist/knobs-cli.cjs (src/cli/main.ts and everything it imports) with
// the V8 code cache dist/knobs-cli.cjs.cache written here.
// Why: `knobs audit` and `knobs sockets` run over SSH and in fleet loops, where
// start-up dominates. One CommonJS bundle skips both resolving ~60 ES modules and
// the ES module loader itself; the code cache skips parsing and compiling it
// (see src/launcher.ts). tsc still type-checks and emits dist/src for the tests.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Outputs of earlier layouts (an ES module bundle with chunks).
fs.rmSync('dist/chunks', { recursive: true, force: true });
fs.rmSync('dist/cli.js', { force: true });

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // import.meta.url in the sources (package root, lazy require of semver) → this file's URL.
  define: { 'import.meta.url': '__knobsUrl' },
  banner: { js: "const __knobsUrl = require('node:url').pathToFileURL(__filename).href;" },
  // import() of a dependency becomes require(): nothing in the bundle needs the ES module loader.
  supported: { 'dynamic-import': false },
};

// commander requires node:child_process (and with it net, dgram and the stream
// modules: ~3 ms) when it is loaded, only for git-style executable subcommands,
// which knobs does not have: it gets a proxy that loads the module on first use.
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(`${path.sep}node_modules${path.sep}commander${path.sep}`) ? { path: 'child_process', namespace: 'lazy' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/knobs-cli.cjs',
  // ≈80 ms to load and only the wizard and confirmations need it: required from node_modules on first use.
  external: ['@inquirer/prompts'],
  plugins: [lazyChildProcessForCommander],
});
// esbuild escapes non-ASCII characters in strings and regular expressions but not in
// the comments it keeps; escaping those too keeps the bundle pure ASCII, which the
// loader reads as a one-byte string (src/bundle-loader.ts: ~2 ms less per start).
const cli = fs.readFileSync('dist/knobs-cli.cjs', 'utf8');
fs.writeFileSync('dist/knobs-cli.cjs', cli.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
await build({
  ...common,
  entryPoints: ['src/launcher.ts'],
  outfile: 'dist/knobs.cjs',
  banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
});
fs.chmodSync('dist/knobs.cjs', 0o755);

// The code cache: run the common paths once (output discarded) against a tiny
// fake host, so the cache holds the functions they compile, not just the top level.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knobs-cache-'));
try {
  const put = (p, text) => {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  };
  put('proc/sys/kernel/osrelease', '6.1.0\n');
  put('proc/sys/net/ipv4/ip_local_port_range', '32768\t60999\n');
  const line = (sl, st, rest) => `${String(sl).padStart(4)}: 0100007F:1F90 0200007F:D431 ${st} ${rest}`.padEnd(149) + '\n';
  put(
    'proc/net/tcp',
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'.padEnd(149) + '\n' +
      line(0, '0A', '00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0') +
      line(1, '01', '00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 20 4 30 10 -1') +
      line(2, '06', '00000000:00000000 03:00001747 00000000     0        0 0 3 0000000000000000') +
      line(3, '08', '00000000:00000001 00:00000000 00000000     0        0 1003 1 0000000000000000 20 4 30 10 -1'),
  );
  put('proc/net/tcp6', '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n');
  const runs = [
    ['sockets', '--json', '--root', root],
    ['sockets', '--root', root],
    ['audit', '--root', root, '--profile', 'web-node'],
    ['explain', 'net.ipv4.tcp_fin_timeout'],
  ];
  const r = spawnSync(process.execPath, ['dist/knobs.cjs'], {
    env: { ...process.env, KNOBS_WRITE_CODE_CACHE: JSON.stringify(runs) },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`writing the code cache failed (${r.status}): ${r.stderr}`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
