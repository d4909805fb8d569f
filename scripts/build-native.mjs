// Builds build/Release/sock_diag.node (native/sock_diag.c) with node-gyp; run by
// `npm ci` / `npm install` (the package's install script) and `npm run build:native`.
//
// The addon only makes `knobs sockets` (and the socket facts of `audit`) read the
// live host through netlink sock_diag instead of /proc/net/tcp: ~3× less kernel
// time on a big table (src/host/sock-diag.ts). Without it knobs works the same,
// reading /proc, so a host with no compiler still installs: a failed build is a
// warning, not an error. KNOBS_REQUIRE_NATIVE=1 makes it an error (CI, tests).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// npm names its own node-gyp when it runs a script; otherwise look beside npm.
const candidates = [
  process.env.npm_config_node_gyp,
  path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter(Boolean);
const gyp = candidates.find((p) => fs.existsSync(p));

// Build against the headers of the Node.js that runs this, when it ships them
// (official builds and distribution packages do): no download.
const prefix = path.resolve(path.dirname(process.execPath), '..');
const args = fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];

function fail(why) {
  const required = process.env.KNOBS_REQUIRE_NATIVE === '1';
  process.stderr.write(
    `knobs: ${required ? 'error' : 'warning'}: the sock_diag addon was not built (${why}).\n` +
      `  knobs sockets reads /proc/net/tcp instead (slower on big tables); needs python3, make and a C compiler.\n`,
  );
  process.exit(required ? 1 : 0);
}

if (!gyp) fail('node-gyp not found: run this through npm, or install node-gyp');
const r = spawnSync(process.execPath, [gyp, 'rebuild', ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  const last = (r.stderr ?? '').trim().split('\n').filter((l) => !/^gyp (info|verb)/.test(l)).slice(-3).join(' | ');
  fail(`node-gyp rebuild exited ${r.status ?? r.signal}${last ? `: ${last}` : ''}`);
}
