// Builds what `knobs` runs: dist/knobs.cjs (src/launcher.ts), which loads the
// CLI bundle dist/knobs-cli.cjs (src/cli/main.ts and everything it imports) with
// the V8 code cache dist/knobs-cli.cjs.cache written here, or for the commands in
// OWN_BUNDLE_COMMANDS their own smaller bundle dist/knobs-<command>.cjs and cache.
// Why: `knobs audit` and `knobs sockets` run over SSH and in fleet loops, where
// start-up dominates. One CommonJS bundle skips both resolving ~60 ES modules and
// the ES module loader itself; the code cache skips parsing and compiling it
// (see src/launcher.ts). tsc still type-checks and emits dist/src for the tests.
//
// The bundles hold every npm dependency: only Node.js built-in modules stay
// outside (checked below), so the npm package has no dependencies to install and
// the single executable (scripts/dist.mjs, src/sea-launcher.ts) runs the same
// files. dist/bundled-packages.json and dist/THIRD-PARTY-LICENSES.txt list what
// went in, with each package's licence.
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OWN_BUNDLE_COMMANDS, bundleFor, commandOf } from '../dist/src/bundle-loader.js';

// Outputs of earlier layouts (an ES module bundle with chunks; per-command caches).
fs.rmSync('dist/chunks', { recursive: true, force: true });
fs.rmSync('dist/cli.js', { force: true });
for (const f of fs.readdirSync('dist')) if (/^knobs-.*\.(cjs|cache)$|^knobs-cli\.[a-z]+\.cache$/.test(f)) fs.rmSync(path.join('dist', f));

const isBuiltin = (id) => builtinModules.includes(id.replace(/^node:/, '')) || id.startsWith('node:');

const common = {
  bundle: true,
  metafile: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // import.meta.url in the sources (package root, lazy require of semver) → this file's
  // URL, computed on first use.
  define: { 'import.meta.url': '__knobsMeta.url' },
  banner: {
    js:
      "const __knobsMeta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };\n" +
      'const __nodeBuiltin = (m) => ({ __proto__: m, default: m });',
  },
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

// src/ loads some dependencies on first use, as `createRequire(import.meta.url)('semver/…')`
// (ES modules have no require). esbuild does not follow that call, which would
// leave the package outside the bundle: it becomes a plain require(), which esbuild
// bundles and still runs on first use.
const bundleLazyRequires = {
  name: 'bundle-lazy-requires',
  setup(b) {
    b.onLoad({ filter: /[\\/](src|rules)[\\/].*\.ts$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      const contents = text.replace(/createRequire\(import\.meta\.url\)\((['"])([^'"]+)\1\)/g, (call, q, id) =>
        isBuiltin(id) ? call : `require(${q}${id}${q})`,
      );
      return { contents, loader: 'ts' };
    });
  },
};

// @inquirer/prompts costs ≈80 ms to load and only the wizard and confirmations need
// it: it is a bundle of its own, dist/knobs-prompts.cjs (or the single executable's
// asset), loaded on the first prompt (src/shipped.ts).
const PROMPTS_BUNDLE = 'knobs-prompts.cjs';
const promptsOnFirstUse = {
  name: 'prompts-on-first-use',
  setup(b) {
    b.onResolve({ filter: /^@inquirer\/prompts$/ }, () => ({ path: 'prompts', namespace: 'prompts-bundle' }));
    b.onLoad({ filter: /.*/, namespace: 'prompts-bundle' }, () => ({
      contents: `module.exports = require(${JSON.stringify(path.resolve('src/shipped.ts'))}).requireShippedBundle(${JSON.stringify(PROMPTS_BUNDLE)}, __dirname);`,
      loader: 'js',
      resolveDir: process.cwd(),
    }));
  },
};

// A command's own bundle: main() declares only the command being run, so the other
// command modules (imported lazily by src/cli/program.ts) are left out.
const onlyCommand = (command) => ({
  name: `only-${command}`,
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, (args) =>
      // program.ts imports the commands; main.ts's worker entry imports report.js (src/cli/report-workers.ts)
      (args.importer.endsWith(path.join('src', 'cli', 'program.ts')) || args.importer.endsWith(path.join('src', 'cli', 'main.ts'))) &&
      args.path !== `./commands/${command}.js`
        ? { path: args.path, namespace: 'left-out' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not in the ${command} bundle`)});`,
      loader: 'js',
    }));
  },
});

const cliBundle = (outfile, plugins) =>
  build({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile,
    plugins: [lazyChildProcessForCommander, bundleLazyRequires, promptsOnFirstUse, ...plugins],
  });
const bundles = [{ file: bundleFor('dist', undefined), command: undefined }];
for (const command of OWN_BUNDLE_COMMANDS) bundles.push({ file: bundleFor('dist', command), command });
const metafiles = [];
for (const { file, command } of bundles) metafiles.push((await cliBundle(file, command ? [onlyCommand(command)] : [])).metafile);
metafiles.push(
  (
    await build({
      ...common,
      stdin: { contents: "module.exports = require('@inquirer/prompts');", resolveDir: process.cwd(), loader: 'js' },
      outfile: path.join('dist', PROMPTS_BUNDLE),
    })
  ).metafile,
);
// esbuild escapes non-ASCII characters in strings and regular expressions but not in
// the comments it keeps; escaping those too keeps the bundle pure ASCII, which the
// loader reads as a one-byte string (src/bundle-loader.ts: ~2 ms less per start).
//
// esbuild also wraps each default or namespace import of a Node.js builtin in
// __toESM, which copies every export into a getter (node:fs: ~100, ~0.1 ms per
// import, ~30 imports). A builtin is a plain object: one whose prototype is the
// module (default: the module) reads the same values, in O(1).
function finishBundle(file, { builtinImports = true } = {}) {
  const text = fs.readFileSync(file, 'utf8');
  const builtinImport = /__toESM\((require\("node:[a-z_/]+"\)), ?1\)/g;
  if (builtinImports && !builtinImport.test(text)) throw new Error(`${file}: no __toESM(require("node:…"), 1) left to rewrite: has esbuild's output changed?`);
  const out = text
    .replace(builtinImport, '__nodeBuiltin($1)')
    .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  fs.writeFileSync(file, out);
}
for (const { file } of bundles) finishBundle(file);
finishBundle(path.join('dist', PROMPTS_BUNDLE), { builtinImports: false });
metafiles.push(
  (
    await build({
      ...common,
      entryPoints: ['src/launcher.ts'],
      outfile: 'dist/knobs.cjs',
      banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
    })
  ).metafile,
);
finishBundle('dist/knobs.cjs');
fs.chmodSync('dist/knobs.cjs', 0o755);
// The single executable's main script (scripts/dist.mjs makes the executable).
metafiles.push((await build({ ...common, entryPoints: ['src/sea-launcher.ts'], outfile: 'dist/knobs-sea.cjs' })).metafile);
finishBundle('dist/knobs-sea.cjs');

// Nothing but Node.js built-ins may stay outside the bundles: the npm package
// installs no dependencies and the single executable can require nothing else.
for (const meta of metafiles)
  for (const [out, { imports }] of Object.entries(meta.outputs))
    for (const imp of imports)
      if (imp.external && !isBuiltin(imp.path) && !(imp.kind === 'require-call' && imp.path === 'child_process'))
        throw new Error(`${out} requires ${imp.path} at run time: bundle it, or load it as src/shipped.ts does`);
writeBundledPackages(metafiles);

/** dist/bundled-packages.json and dist/THIRD-PARTY-LICENSES.txt: every npm package inside the bundles. */
function writeBundledPackages(metas) {
  const dirs = new Set();
  for (const meta of metas)
    for (const input of Object.keys(meta.inputs)) {
      const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (m) dirs.add(m[1]);
    }
  const packages = [...dirs]
    .map((dir) => {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const licenseFile = fs.readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
      if (!licenseFile) throw new Error(`${dir}: no LICENSE file to ship with it`);
      const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
      return { name: pkg.name, version: pkg.version, license: pkg.license, repository: repo ?? null, licenseFile: path.join(dir, licenseFile) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  fs.writeFileSync('dist/bundled-packages.json', JSON.stringify(packages, null, 2) + '\n');
  const notices = packages.map(
    (p) => `${p.name} ${p.version} (${p.license})${p.repository ? `\n${p.repository}` : ''}\n\n${fs.readFileSync(p.licenseFile, 'utf8').trim()}\n`,
  );
  fs.writeFileSync(
    'dist/THIRD-PARTY-LICENSES.txt',
    'The knobs bundles in this directory contain the following npm packages.\n\n' + notices.join('\n' + '-'.repeat(78) + '\n\n'),
  );
}

// The code cache: run the common paths once (output discarded) against a small
// fake host, so the cache holds the functions they compile, not just the top level.
// The host is the sockets test fixture (every TCP state, IPv6, sockstat, netstat,
// the port and limit sysctls) plus one process owning its CLOSE_WAIT and LISTEN
// sockets: code the warm-up never runs is compiled on first use at every start
// (measured: ~5 ms of a live `knobs sockets`, in the owner walk and the report).
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knobs-cache-'));
try {
  const put = (p, text) => {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  };
  fs.cpSync('test/fixtures/proc-net/root', root, { recursive: true });
  put('proc/sys/kernel/osrelease', '6.1.0\n');
  put('proc/4242/comm', 'server\n');
  put('proc/4242/cmdline', 'server\x00--port\x008080\x00');
  fs.mkdirSync(path.join(root, 'proc/4242/fd'));
  fs.symlinkSync('/dev/null', path.join(root, 'proc/4242/fd/0'));
  [6809, 6810, 6811, 6900, 7777, 1000, 7241].forEach((inode, i) => fs.symlinkSync(`socket:[${inode}]`, path.join(root, `proc/4242/fd/${i + 3}`)));
  const runs = [
    // This machine's own sockets, read-only: the netlink path (src/host/sock-diag.ts)
    // runs only on the live host; under --root below, the /proc one.
    ['sockets', '--json', '--top', '3'],
    ['sockets', '--json', '--root', root],
    ['sockets', '--root', root],
    ['audit', '--root', root, '--profile', 'web-node'],
    ['explain', 'net.ipv4.tcp_fin_timeout'],
  ];
  // The shared bundle's cache from every run; a command's own bundle's from its runs.
  for (const { file, command } of bundles) {
    const job = { bundle: file, runs: command ? runs.filter((argv) => commandOf(argv) === command) : runs };
    const r = spawnSync(process.execPath, ['dist/knobs.cjs'], {
      env: { ...process.env, KNOBS_WRITE_CODE_CACHE: JSON.stringify(job) },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`writing the code cache of ${file} failed (${r.status}): ${r.stderr}`);
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
