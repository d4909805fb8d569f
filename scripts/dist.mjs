// npm run dist: the three ways knobs reaches a server, in dist/release/:
//
//   knobs-<version>-linux-x64   a single executable (Node.js single executable
//                               application): needs no Node.js, npm or compiler
//   knobs_<version>_amd64.deb   a Debian package of that executable, with the
//                               profiles, man page, completions and /etc/knobs
//   knobs-<version>.tgz         the npm package (npm install -g ./knobs-<version>.tgz)
//   SHA256SUMS
//
// `node scripts/dist.mjs sea` builds only the single executable (npm run bench
// measures its start-up).
//
// Runs after `npm run build` (dist/*.cjs, their code caches, dist/man/knobs.1) and
// needs the sock_diag addon built (npm ci builds it), strip (binutils), dpkg-deb
// and dpkg-shlibdeps (dpkg-dev); scripts/install-test-deps.sh installs them.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import { bundleFor, OWN_BUNDLE_COMMANDS } from '../dist/src/bundle-loader.js';
import { ASSETS } from '../dist/src/shipped.js';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const { version } = pkg;
const RELEASE = 'dist/release';
const WORK = 'dist/release-work';
const SEA_NAME = `knobs-${version}-linux-x64`;
const DEB_NAME = `knobs_${version}_amd64.deb`;
const ADDON = 'build/Release/sock_diag.node';

function fail(message) {
  process.stderr.write(`dist: ${message}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) fail(`${cmd}: ${r.error.message}${r.error.code === 'ENOENT' ? ' (bash scripts/install-test-deps.sh installs it)' : ''}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

if (process.platform !== 'linux' || process.arch !== 'x64') fail(`the single executable is built from this Node.js, which is ${process.platform}-${process.arch}, not linux-x64`);
for (const f of ['dist/knobs.cjs', 'dist/knobs-sea.cjs', 'dist/man/knobs.1', 'dist/bundled-packages.json']) if (!fs.existsSync(f)) fail(`${f} is missing: run npm run build first`);
if (!fs.existsSync(ADDON)) run(process.execPath, ['scripts/build-native.mjs'], { env: { ...process.env, KNOBS_REQUIRE_NATIVE: '1' } });

const seaOnly = process.argv[2] === 'sea';
if (!seaOnly) fs.rmSync(RELEASE, { recursive: true, force: true });
fs.rmSync(WORK, { recursive: true, force: true });
fs.mkdirSync(RELEASE, { recursive: true });
fs.mkdirSync(WORK, { recursive: true });

// Reproducible dates: the last commit's, as for the man page (scripts/docs.mjs).
const epoch = Number(process.env.SOURCE_DATE_EPOCH || run('git', ['log', '-1', '--format=%ct']).trim() || Math.floor(Date.now() / 1000));

const shippedProfiles = fs.readdirSync('profiles').filter((f) => f.endsWith('.ini')).sort();

const timed = (what, step) => {
  const t0 = Date.now();
  step();
  process.stdout.write(`dist: ${what} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
};
timed(SEA_NAME, buildSingleExecutable);
if (!seaOnly) {
  timed(DEB_NAME, buildDeb);
  timed(`knobs-${version}.tgz`, buildNpmPackage);
}
writeChecksums();
fs.rmSync(WORK, { recursive: true, force: true });
process.stdout.write(`dist: ${fs.readdirSync(RELEASE).map((f) => path.join(RELEASE, f)).join(', ')}\n`);

function buildSingleExecutable() {
  // Assets: the CLI bundles and their code caches (the npm package's very files),
  // the prompts bundle, the profiles and the addon (src/shipped.ts reads them).
  const assets = {};
  for (const command of [undefined, ...OWN_BUNDLE_COMMANDS]) {
    const name = path.basename(bundleFor('dist', command));
    assets[name] = path.resolve('dist', name);
    assets[`${name}.cache`] = path.resolve('dist', `${name}.cache`);
  }
  assets['knobs-prompts.cjs'] = path.resolve('dist/knobs-prompts.cjs');
  const profiles = Object.fromEntries(shippedProfiles.map((f) => [f.slice(0, -4), fs.readFileSync(path.join('profiles', f), 'utf8')]));
  fs.writeFileSync(path.join(WORK, ASSETS.profiles), JSON.stringify(profiles));
  assets[ASSETS.profiles] = path.resolve(WORK, ASSETS.profiles);
  assets[ASSETS.addon] = path.resolve(ADDON);
  for (const [key, file] of Object.entries(assets)) if (!fs.existsSync(file)) fail(`asset ${key}: ${file} is missing: run npm run build`);
  const config = {
    main: path.resolve('dist/knobs-sea.cjs'),
    output: path.resolve(WORK, 'sea.blob'),
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    assets,
  };
  fs.writeFileSync(path.join(WORK, 'sea-config.json'), JSON.stringify(config, null, 2));
  run(process.execPath, ['--experimental-sea-config', path.join(WORK, 'sea-config.json')]);

  // This Node.js, without its symbols (98 → 86 MB), with the blob injected.
  const exe = path.join(WORK, 'knobs');
  fs.copyFileSync(fs.realpathSync(process.execPath), exe);
  fs.chmodSync(exe, 0o755);
  run('strip', ['--strip-all', '--remove-section=.comment', exe]);
  const postject = require.resolve('postject/dist/cli.js');
  run(process.execPath, [postject, exe, 'NODE_SEA_BLOB', config.output, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2']);
  const out = run(exe, ['--version']).trim();
  if (out !== version) fail(`the single executable says ${JSON.stringify(out)} to --version, not ${version}`);
  fs.copyFileSync(exe, path.join(RELEASE, SEA_NAME));
  fs.chmodSync(path.join(RELEASE, SEA_NAME), 0o755);
}

function buildDeb() {
  const root = path.join(WORK, 'deb');
  const put = (rel, content, mode = 0o644) => {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
    fs.writeFileSync(p, content);
    fs.chmodSync(p, mode);
  };
  const exe = path.join(RELEASE, SEA_NAME);
  const completion = (shell) => run(exe, ['completion', shell]);
  const gz = (text) => zlib.gzipSync(text, { level: 9 }); // no name or time in the header: reproducible

  put('usr/bin/knobs', fs.readFileSync(exe), 0o755);
  // Loaded directly by the executable (src/shipped.ts): no temporary file, and it
  // works where every temporary directory is mounted noexec.
  put('usr/lib/knobs/sock_diag.node', fs.readFileSync(ADDON));
  run('strip', ['--strip-unneeded', '--remove-section=.comment', path.join(root, 'usr/lib/knobs/sock_diag.node')]);
  for (const f of shippedProfiles) put(`usr/share/knobs/profiles/${f}`, fs.readFileSync(path.join('profiles', f)));
  put('etc/knobs/knobs.ini', fs.readFileSync('packaging/knobs.ini'));
  fs.mkdirSync(path.join(root, 'etc/knobs/profiles'), { recursive: true });
  fs.mkdirSync(path.join(root, 'var/lib/knobs'), { recursive: true });
  fs.chmodSync(path.join(root, 'var/lib/knobs'), 0o700); // the journal holds copies of /etc files
  put('usr/share/man/man1/knobs.1.gz', gz(fs.readFileSync('dist/man/knobs.1')));
  put('usr/share/bash-completion/completions/knobs', completion('bash'));
  put('usr/share/zsh/vendor-completions/_knobs', completion('zsh'));
  put('usr/share/doc/knobs/copyright', debianCopyright());
  put('usr/share/doc/knobs/changelog.gz', gz(debianChangelog()));
  put('usr/share/lintian/overrides/knobs', fs.readFileSync('packaging/lintian-overrides'));
  for (const dir of walk(root).filter((p) => fs.statSync(p).isDirectory() && !p.endsWith('var/lib/knobs'))) fs.chmodSync(dir, 0o755);

  const files = walk(root).filter((p) => fs.statSync(p).isFile());
  const installedKb = Math.ceil(files.reduce((n, p) => n + fs.statSync(p).size, 0) / 1024);
  put(
    'DEBIAN/md5sums',
    files
      .filter((p) => !path.relative(root, p).startsWith('etc/'))
      .map((p) => `${crypto.createHash('md5').update(fs.readFileSync(p)).digest('hex')}  ${path.relative(root, p)}\n`)
      .sort()
      .join(''),
  );
  put('DEBIAN/conffiles', '/etc/knobs/knobs.ini\n');
  put(
    'DEBIAN/control',
    [
      'Package: knobs',
      `Version: ${version}`,
      'Architecture: amd64',
      `Maintainer: ${pkg.author}`,
      `Installed-Size: ${installedKb}`,
      `Depends: ${sharedLibraryDepends(root)}`,
      'Section: admin',
      'Priority: optional',
      ...(pkg.homepage ? [`Homepage: ${pkg.homepage}`] : []),
      'Description: Linux sysctl and limits tuning advisor and applier',
      ' knobs reads the live host (/proc/sys, every sysctl.d file and which one',
      ' wins at boot, limits.conf and limits.d, systemd limits, the TCP socket',
      ' table), matches it against role profiles (load-balancer, web-node,',
      ' db-client, nat-facing) and kernel-aware rules, explains every finding,',
      ' and writes fixes as reviewable files, applied atomically with a journal',
      ' that rolls back files and live values.',
      ' .',
      ' /usr/bin/knobs is a single executable: the Node.js runtime and knobs in',
      ' one file, with nothing else to install.',
      '',
    ].join('\n'),
  );
  // Every file and directory owned by root, times clamped to the commit's.
  for (const p of walk(root)) fs.utimesSync(p, epoch, epoch);
  // xz at level 1: 26 MB in ~25 s here, against 22 MB in ~170 s at dpkg's default 6
  // (the 86 MB executable is most of it). DPKG_DEB_COMPRESSOR_TYPE / _LEVEL choose otherwise.
  run('dpkg-deb', ['--root-owner-group', '--build', root, path.join(RELEASE, DEB_NAME)], {
    env: {
      DPKG_DEB_COMPRESSOR_TYPE: 'xz',
      DPKG_DEB_COMPRESSOR_LEVEL: '1',
      ...process.env,
      SOURCE_DATE_EPOCH: String(epoch),
    },
  });
}

/** The executable's and the addon's shared-library dependencies, as dpkg-shlibdeps finds them. */
function sharedLibraryDepends(root) {
  const dir = path.join(WORK, 'shlibdeps');
  fs.mkdirSync(path.join(dir, 'debian'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'debian/control'), 'Source: knobs\n\nPackage: knobs\nArchitecture: amd64\n');
  const out = run('dpkg-shlibdeps', ['-O', `-e${path.resolve(root, 'usr/bin/knobs')}`, `-e${path.resolve(root, 'usr/lib/knobs/sock_diag.node')}`], { cwd: dir });
  const m = /^shlibs:Depends=(.*)$/m.exec(out);
  if (!m) fail(`dpkg-shlibdeps printed no dependencies: ${out}`);
  return m[1];
}

/**
 * debian/copyright in the machine-readable format: knobs (Expat), and in
 * /usr/bin/knobs the Node.js runtime (its LICENSE, which covers V8, OpenSSL,
 * ICU, libuv and the rest) and every npm package the bundles contain, each with
 * its version, licence and copyright notice; then the full licence texts.
 */
function debianCopyright() {
  const text = (t) =>
    t
      .trim()
      .split('\n')
      .map((l) => (l.trim() === '' ? ' .' : ` ${l.replace(/\s+$/, '')}`))
      .join('\n');
  const isNotice = (l) => /^\s*(copyright\b|\(c\)|\u00a9)/i.test(l);
  const notices = (t) => t.split('\n').filter(isNotice).map((l) => l.trim().replace(/^copyright\s*(\(c\)|\u00a9)?\s*/i, ''));
  const withoutNotices = (t) => t.split('\n').filter((l) => !isNotice(l)).join('\n').replace(/^\s*(The )?(MIT|ISC) Licen[cs]e\s*(\(MIT\))?\s*\n/i, '');
  const debianName = (spdx) => (spdx === 'MIT' ? 'Expat' : spdx);
  const packages = JSON.parse(fs.readFileSync('dist/bundled-packages.json', 'utf8'));
  const licences = [...new Set(packages.map((p) => p.license))];
  const knobsLicence = fs.readFileSync('LICENSE', 'utf8');
  const stanzas = [
    ['Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/', 'Upstream-Name: knobs'].join('\n'),
    ['Files: *', `Copyright: ${notices(knobsLicence).join('\n ')}`, 'License: Expat'].join('\n'),
    [
      'Files: usr/bin/knobs',
      `Copyright: ${notices(knobsLicence).join('\n ')}`,
      ' Node.js contributors and the authors of the projects in its licence',
      ' the authors of the npm packages listed below',
      `License: Expat and Node.js and ${licences.filter((l) => l !== 'MIT').map(debianName).join(' and ')}`,
      'Comment: /usr/bin/knobs is a Node.js single executable application: the',
      ` Node.js ${process.version} runtime with the knobs JavaScript bundles injected.`,
      ' The bundles contain these npm packages (name, version, licence, copyright):',
      ...packages.map((p) => ` ${p.name} ${p.version}, ${debianName(p.license)}: ${notices(fs.readFileSync(p.licenseFile, 'utf8')).join('; ') || `the ${p.name} authors`}`),
    ].join('\n'),
    ['License: Expat', text(withoutNotices(knobsLicence))].join('\n'),
    ['License: Node.js', text(findNodeLicense())].join('\n'),
    ...licences
      .filter((l) => l !== 'MIT')
      .map((l) => [`License: ${debianName(l)}`, text(withoutNotices(fs.readFileSync(packages.find((p) => p.license === l).licenseFile, 'utf8')))].join('\n')),
  ];
  return stanzas.join('\n\n') + '\n';
}

/** Node.js's own LICENSE (it covers V8, OpenSSL, ICU, libuv and the rest), from this Node.js's installation. */
function findNodeLicense() {
  const prefix = path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..');
  const candidates = ['share/doc/node/LICENSE', 'share/doc/nodejs/LICENSE', 'LICENSE'].map((p) => path.join(prefix, p));
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) fail(`no LICENSE of this Node.js (looked at ${candidates.join(', ')}): the package must carry it`);
  return fs.readFileSync(found, 'utf8');
}

function debianChangelog() {
  const date = new Date(epoch * 1000).toUTCString().replace(/GMT$/, '+0000');
  return `knobs (${version}) unstable; urgency=medium\n\n  * Release ${version}: see /usr/share/doc/knobs/ and knobs(1).\n\n -- ${pkg.author}  ${date}\n`;
}

function buildNpmPackage() {
  const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', RELEASE]);
  const [info] = JSON.parse(out);
  if (info.filename !== `knobs-${version}.tgz`) fail(`npm pack wrote ${info.filename}`);
}

function writeChecksums() {
  const sums = fs
    .readdirSync(RELEASE)
    .filter((f) => f !== 'SHA256SUMS')
    .sort()
    .map((f) => `${crypto.createHash('sha256').update(fs.readFileSync(path.join(RELEASE, f))).digest('hex')}  ${f}\n`);
  fs.writeFileSync(path.join(RELEASE, 'SHA256SUMS'), sums.join(''));
}

function walk(dir) {
  const out = [dir];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}
