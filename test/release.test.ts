// `npm run dist` (scripts/dist.mjs) and the three artifacts it writes, each used as
// a server would use it:
// - the single executable inside a mount namespace where node, npm and the
//   compilers are empty files and PATH holds nothing else: audit, plan, apply +
//   rollback on a --root tree, and sockets over netlink in a network namespace with
//   real sockets (and /proc, saying why, where no temporary directory allows
//   executing the addon);
// - the Debian package installed into a throwaway root (dpkg --root), never into
//   this machine's /usr: contents, owners, modes, conffiles, the man page and
//   completions, and lintian;
// - the npm tarball installed with `npm install -g --prefix <tmp>`, then run.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers/cli.js';
import { fakeRoot, treeChecksum } from './helpers/fake-root.js';
import { requires } from './helpers/requires.js';
import { tempDir } from './helpers/temp.js';

const VERSION = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version as string;
const RELEASE = path.join(REPO, 'dist/release');
const SEA = path.join(RELEASE, `knobs-${VERSION}-linux-x64`);
const DEB = path.join(RELEASE, `knobs_${VERSION}_amd64.deb`);
const TGZ = path.join(RELEASE, `knobs-${VERSION}.tgz`);
const MINUTES = 60_000;

const TOOLS = requires('packaging tools');

function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 10 * MINUTES, maxBuffer: 64 << 20, ...opts });
}

// Each test runs whole programs (namespaces, dpkg, npm, lintian) on a machine that may be busy.
describe.skipIf(TOOLS.skip)(TOOLS.title('npm run dist'), { timeout: 10 * MINUTES }, () => {
  beforeAll(() => {
    // KNOBS_TEST_REUSE_DIST=1: test what the last `npm run dist` wrote (while working on these tests)
    if (process.env.KNOBS_TEST_REUSE_DIST === '1' && fs.existsSync(RELEASE)) return;
    const r = sh(process.execPath, ['scripts/dist.mjs'], { cwd: REPO });
    if (r.status !== 0) throw new Error(`scripts/dist.mjs exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  }, 20 * MINUTES);

  it('writes the three artifacts and their checksums', () => {
    // (`npm run dist` also writes the Ansible collection there: test/ansible/sanity.test.ts checks it.)
    const artifacts = fs.readdirSync(RELEASE).filter((f) => !/^knobs-tuning-.*\.tar\.gz$/.test(f));
    expect(artifacts.sort()).toEqual(['SHA256SUMS', path.basename(TGZ), path.basename(SEA), path.basename(DEB)].sort());
    const check = sh('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: RELEASE });
    expect(check.stdout.trim().split('\n')).toHaveLength(3);
    expect(check.status).toBe(0);
    expect(fs.statSync(SEA).mode & 0o777).toBe(0o755);
    expect(sh(SEA, ['--version']).stdout).toBe(`${VERSION}\n`);
  });

  describe('the single executable, with no Node.js, npm or compiler on the host', () => {
    const NS = requires('root', 'unshare -m -n');

    /**
     * Runs `script` (bash) in fresh mount and network namespaces, where every node,
     * npm, npx, compiler and python3 on PATH is an empty file, npm's and Node's
     * directories are empty, and `knobs` (the single executable) runs with
     * PATH=$BIN, a directory holding only it (the script's own tools keep theirs). Real sockets are open on lo before
     * python3 is hidden. Returns what the script wrote to $OUT/<name>.
     */
    function inBareHost(script: string, env: Record<string, string> = {}): Record<string, string> {
      const work = tempDir('knobs-bare-');
      const out = path.join(work, 'out');
      const bin = path.join(work, 'bin');
      fs.mkdirSync(out);
      fs.mkdirSync(bin);
      fs.copyFileSync(SEA, path.join(bin, 'knobs'));
      fs.chmodSync(path.join(bin, 'knobs'), 0o755);
      const driver = String.raw`
set -eu
ip link set lo up
# Real sockets: a listener, 3 established connections, and 2 the peer closed that
# the server never closes (CLOSE_WAIT); then the server just waits.
python3 -c '
import socket, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 9300)); l.listen(16)
keep = []
for i in range(5):
    c = socket.create_connection(("127.0.0.1", 9300)); a, _ = l.accept(); keep += [c, a]
for c in keep[0:4:2]: c.close()
open("'"$OUT"'/sockets-ready", "w").close()
time.sleep(600)
' &
SERVER=$!
for i in $(seq 100); do [ -e "$OUT/sockets-ready" ] && break; sleep 0.1; done
[ -e "$OUT/sockets-ready" ]
sleep 0.2
# Hide the toolchain: every copy on PATH becomes an empty, non-executable file.
empty=$(mktemp "$WORK/empty.XXXXXX")
for t in node nodejs npm npx corepack node-gyp gcc cc c++ g++ clang make python3 python; do
  for p in $(type -ap "$t" 2>/dev/null); do mount --bind "$empty" "$(readlink -f "$p")"; done
done
for d in /usr/lib/node_modules /usr/local/lib/node_modules /usr/include/node /usr/local/include/node; do
  [ -d "$d" ] && mount -t tmpfs -o ro none "$d"
done
for t in node npm gcc make python3; do
  if "$t" --version >/dev/null 2>&1; then echo "$t still runs" >&2; exit 1; fi
done
# knobs runs with PATH=$BIN, a directory holding only it.
knobs() { PATH="$BIN" "$BIN/knobs" "$@"; }
cd "$WORK"
${script}
kill $SERVER
`;
      const r = sh('unshare', ['-m', '-n', '--propagation', 'private', 'bash', '-c', driver], {
        env: { ...process.env, ...env, OUT: out, BIN: bin, WORK: work },
      });
      if (r.status !== 0) throw new Error(`namespace script exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
      return Object.fromEntries(fs.readdirSync(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
    }

    it.skipIf(NS.skip)(NS.title('audit, plan, apply and rollback a --root tree'), () => {
      const tree = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
      const before = treeChecksum(tree);
      const o = inBareHost(
        String.raw`
run() { name=$1; shift; set +e; knobs "$@" > "$OUT/$name" 2> "$OUT/$name.err"; echo $? > "$OUT/$name.code"; set -e; }
run version --version
run audit --root "$TREE" audit --profile web-node --json
run plan --root "$TREE" plan --profile web-node
run apply --root "$TREE" apply --profile web-node --yes --json
cat "$TREE/proc/sys/net/core/somaxconn" > "$OUT/somaxconn-applied"
run replan --root "$TREE" plan --profile web-node --json
run rollback --root "$TREE" rollback --yes
run profiles profiles --json
run help audit --help
KNOBS_CODE_CACHE_REPORT=1 knobs --root "$TREE" audit > /dev/null 2> "$OUT/cache-audit" || true
KNOBS_CODE_CACHE_REPORT=1 knobs --root "$TREE" sockets > /dev/null 2> "$OUT/cache-sockets"
# On a terminal, apply asks first (the prompts bundle inside the executable): answer y.
mkfifo "$WORK/keys"
script -qfec "env PATH='$BIN' knobs --root '$TREE' apply --profile web-node --only net.core.somaxconn" /dev/null \
  < "$WORK/keys" > "$OUT/tty-apply" 2>&1 &
exec 3> "$WORK/keys"   # held open until the terminal's program is done
printf 'y\r' >&3
wait $!
exec 3>&-
cat "$TREE/proc/sys/net/core/somaxconn" > "$OUT/somaxconn-tty"
run rollback2 --root "$TREE" rollback --yes`,
        { TREE: tree },
      );
      expect(o['version']).toBe(`${VERSION}\n`);
      expect([o['audit.code'], o['audit.err']]).toEqual(['2\n', '']);
      const audit = JSON.parse(o['audit']!);
      expect(audit.profiles).toEqual(['web-node']);
      expect(audit.findings.map((f: { key: string }) => f.key)).toContain('net.core.somaxconn');
      expect(o['plan.code']).toBe('2\n');
      expect(o['plan']).toContain('+++ b/etc/sysctl.d/90-knobs.conf');
      // 4096 is the kernel's default here: the plan sets it live and writes no line (a target met at boot).
      expect(o['plan']).toMatch(/^\s+net\.core\.somaxconn\s+\S+ → 4096$/m);
      expect([o['apply.code'], JSON.parse(o['apply']!).status]).toEqual(['0\n', 'applied']);
      expect(o['somaxconn-applied']!.trim()).toBe('4096');
      expect(JSON.parse(o['replan']!).changes).toEqual([]);
      expect([o['rollback.code'], o['rollback.err']]).toEqual(['0\n', '']);
      expect(treeChecksum(tree)).toBe(before);
      // the shipped profiles travel inside the executable
      expect(JSON.parse(o['profiles']!).profiles.map((p: { name: string }) => p.name).sort()).toEqual(['db-client', 'load-balancer', 'nat-facing', 'web-node']);
      expect(o['help']).toContain('Exit: ');
      // the code caches inside it were written by the Node.js it is made of: V8 takes them
      expect(o['cache-audit']).toBe('knobs: knobs-cli.cjs: code cache accepted\n');
      expect(o['cache-sockets']).toBe('knobs: knobs-sockets.cjs: code cache accepted\n');
      expect(o['tty-apply']).toMatch(/Apply these changes\?[\s\S]*Applied transaction/);
      expect(o['somaxconn-tty']!.trim()).toBe('4096');
      expect(o['rollback2.code']).toBe('0\n');
    });

    it.skipIf(NS.skip)(NS.title('sockets: netlink through the addon inside it, from a private temporary file removed after loading'), () => {
      const o = inBareHost(String.raw`
knobs sockets --json > "$OUT/auto"
knobs sockets --json --source netlink > "$OUT/netlink"
knobs sockets --json --source proc > "$OUT/proc"
ls -A "$TMPDIR" > "$OUT/tmp-left"`,
        { TMPDIR: tempDir('knobs-sea-tmp-') },
      );
      const auto = JSON.parse(o['auto']!);
      expect([auto.source, auto.sourceNote, auto.error]).toEqual(['netlink', null, null]);
      // 5 connections to one listener; 2 closed by the client only: CLOSE_WAIT on the server's side
      expect([auto.states.LISTEN, auto.states.ESTABLISHED, auto.states.CLOSE_WAIT, auto.states.FIN_WAIT2]).toEqual([1, 6, 2, 2]);
      expect(auto.closeWait.byProcess.map((p: { comm: string; count: number }) => [p.comm, p.count])).toEqual([['python3', 2]]);
      const proc = JSON.parse(o['proc']!);
      expect(proc.source).toBe('proc');
      expect(proc.states).toEqual(auto.states);
      expect(JSON.parse(o['netlink']!).states).toEqual(auto.states);
      expect(o['tmp-left']).toBe('');
    });

    it.skipIf(NS.skip)(NS.title('sockets: /proc, saying why, where every temporary directory is noexec'), () => {
      const o = inBareHost(
        String.raw`
mount -t tmpfs -o noexec none "$TMPDIR"
mount -t tmpfs -o noexec none /dev/shm
set +e
XDG_RUNTIME_DIR= knobs sockets --json > "$OUT/auto"
XDG_RUNTIME_DIR= knobs sockets --json --source netlink > "$OUT/netlink" 2> "$OUT/netlink.err"
echo $? > "$OUT/netlink.code"
set -e
XDG_RUNTIME_DIR= knobs sockets > "$OUT/text"
ls -A "$TMPDIR" > "$OUT/tmp-left"
ls -A /dev/shm > "$OUT/shm-left"`,
        { TMPDIR: tempDir('knobs-noexec-') },
      );
      const auto = JSON.parse(o['auto']!);
      expect(auto.source).toBe('proc');
      expect(auto.sourceNote).toMatch(
        /^sock_diag addon inside the single executable could not be loaded from a temporary file \(\/.*knobs-noexec-\w+: failed to map segment from shared object \(mounted noexec\?\); \/dev\/shm: failed to map segment from shared object \(mounted noexec\?\)\): read \/proc\/net\/tcp instead$/,
      );
      expect(auto.states.CLOSE_WAIT).toBe(2);
      expect(o['text']).toContain('temporary file');
      expect(o['netlink.code']).toBe('1\n');
      expect(o['netlink.err']).toMatch(/^knobs: .*temporary file/);
      expect([o['tmp-left'], o['shm-left']]).toEqual(['', '']);
    });
  });

  describe('the Debian package', () => {
    const listing = () =>
      sh('dpkg-deb', ['--contents', DEB])
        .stdout.trim()
        .split('\n')
        .map((l) => {
          const [mode, owner, , , , ...rest] = l.split(/\s+/);
          return { mode: mode!, owner: owner!, path: rest.join(' ').replace(/^\.\//, '/').replace(/ -> .*$/, '') };
        });

    it('has the executable, addon, profiles, config, man page, completions, copyright; root-owned, with these modes', () => {
      const entries = listing();
      const mode = (p: string) => entries.find((e) => e.path === p)?.mode;
      for (const e of entries) expect(e.owner, e.path).toBe('root/root');
      expect(mode('/usr/bin/knobs')).toBe('-rwxr-xr-x');
      expect(mode('/usr/lib/knobs/sock_diag.node')).toBe('-rw-r--r--');
      expect(mode('/etc/knobs/knobs.ini')).toBe('-rw-r--r--');
      expect(mode('/etc/knobs/profiles/')).toBe('drwxr-xr-x');
      expect(mode('/var/lib/knobs/')).toBe('drwx------');
      const shipped = fs.readdirSync(path.join(REPO, 'profiles')).filter((f) => f.endsWith('.ini'));
      for (const f of shipped) expect(mode(`/usr/share/knobs/profiles/${f}`)).toBe('-rw-r--r--');
      for (const p of [
        '/usr/share/man/man1/knobs.1.gz',
        '/usr/share/bash-completion/completions/knobs',
        '/usr/share/zsh/vendor-completions/_knobs',
        '/usr/share/doc/knobs/copyright',
        '/usr/share/doc/knobs/changelog.gz',
      ])
        expect(mode(p), p).toBe('-rw-r--r--');
      for (const e of entries) if (e.mode.startsWith('d') && e.path !== '/var/lib/knobs/') expect(e.mode, e.path).toBe('drwxr-xr-x');
    });

    it('control: name, version, architecture, dependencies from dpkg-shlibdeps; /etc/knobs/knobs.ini a conffile', () => {
      const field = (f: string) => sh('dpkg-deb', ['--field', DEB, f]).stdout.trim();
      expect([field('Package'), field('Version'), field('Architecture')]).toEqual(['knobs', VERSION, 'amd64']);
      expect(field('Depends')).toMatch(/^libc6 \(>= [\d.]+\), libgcc-s1 \(>= [\d.]+\), libstdc\+\+6 \(>= [\d.]+\)$/);
      expect(Number(field('Installed-Size'))).toBeGreaterThan(50_000);
      const ctrl = tempDir('knobs-deb-control-');
      expect(sh('dpkg-deb', ['--control', DEB, ctrl]).status).toBe(0);
      expect(fs.readFileSync(path.join(ctrl, 'conffiles'), 'utf8')).toBe('/etc/knobs/knobs.ini\n');
      expect(fs.readFileSync(path.join(ctrl, 'md5sums'), 'utf8')).toMatch(/^[0-9a-f]{32} {2}usr\/bin\/knobs$/m);
      expect(fs.readdirSync(ctrl).sort()).toEqual(['conffiles', 'control', 'md5sums']); // no maintainer scripts
    });

    const ROOT = requires('root');
    it.skipIf(ROOT.skip)(ROOT.title('installs into a throwaway root, where /usr/bin/knobs runs'), () => {
      const inst = tempDir('knobs-deb-root-');
      fs.mkdirSync(path.join(inst, 'var/lib/dpkg/updates'), { recursive: true });
      fs.mkdirSync(path.join(inst, 'var/lib/dpkg/info'), { recursive: true });
      fs.writeFileSync(path.join(inst, 'var/lib/dpkg/status'), '');
      // --force-depends: the throwaway root has no libc6 package; the host's libraries run it
      const r = sh('dpkg', [`--root=${inst}`, '--force-depends', '--force-script-chrootless', '--install', DEB]);
      expect(r.status, r.stderr).toBe(0);
      const q = sh('dpkg-query', [`--admindir=${inst}/var/lib/dpkg`, '--show', '--showformat=${Status}|${Version}|${Conffiles}', 'knobs']);
      expect(q.stdout).toMatch(new RegExp(`^install ok installed\\|${VERSION.replace(/\./g, '\\.')}\\| /etc/knobs/knobs\\.ini [0-9a-f]{32}$`));
      expect(fs.statSync(path.join(inst, 'var/lib/knobs')).mode & 0o7777).toBe(0o700);
      const knobs = path.join(inst, 'usr/bin/knobs');
      expect(sh(knobs, ['--version']).stdout).toBe(`${VERSION}\n`);
      // its /etc/knobs/knobs.ini, a commented example, is read without complaint
      const tree = fakeRoot({ kernel: '6.1' });
      fs.mkdirSync(path.join(tree, 'etc/knobs'), { recursive: true });
      fs.copyFileSync(path.join(inst, 'etc/knobs/knobs.ini'), path.join(tree, 'etc/knobs/knobs.ini'));
      const audit = sh(knobs, ['--root', tree, 'audit', '--json']);
      expect(audit.stderr).toBe('');
      expect(JSON.parse(audit.stdout).schemaVersion).toBe(1);
      // the shipped profiles it installs for reading are the ones it carries
      const listed = JSON.parse(sh(knobs, ['profiles', '--json']).stdout).profiles.map((p: { name: string }) => `${p.name}.ini`);
      expect(fs.readdirSync(path.join(inst, 'usr/share/knobs/profiles')).sort()).toEqual(listed.sort());
      // man page and completions: the same as the program prints
      const man = zlib.gunzipSync(fs.readFileSync(path.join(inst, 'usr/share/man/man1/knobs.1.gz'))).toString();
      expect(man).toBe(fs.readFileSync(path.join(REPO, 'dist/man/knobs.1'), 'utf8'));
      expect(fs.readFileSync(path.join(inst, 'usr/share/bash-completion/completions/knobs'), 'utf8')).toBe(sh(knobs, ['completion', 'bash']).stdout);
      expect(fs.readFileSync(path.join(inst, 'usr/share/zsh/vendor-completions/_knobs'), 'utf8')).toBe(sh(knobs, ['completion', 'zsh']).stdout);
      const removed = sh('dpkg', [`--root=${inst}`, '--force-script-chrootless', '--purge', 'knobs']);
      expect(removed.status, removed.stderr).toBe(0);
      expect(fs.existsSync(knobs)).toBe(false);
      expect(fs.existsSync(path.join(inst, 'etc/knobs/knobs.ini'))).toBe(false);
    });

    const MOUNT = requires('root', 'unshare -m');
    it.skipIf(MOUNT.skip)(MOUNT.title('loads /usr/lib/knobs/sock_diag.node directly: netlink even where /tmp is noexec'), () => {
      const inst = tempDir('knobs-deb-x-');
      expect(sh('dpkg-deb', ['--extract', DEB, inst]).status).toBe(0);
      const r = sh(
        'unshare',
        [
          '-m',
          '--propagation',
          'private',
          'bash',
          '-c',
          'mount -t tmpfs -o noexec none "$TMPDIR" && mount -t tmpfs -o noexec none /dev/shm && XDG_RUNTIME_DIR= "$KNOBS" sockets --json --source netlink',
        ],
        { env: { ...process.env, KNOBS: path.join(inst, 'usr/bin/knobs'), TMPDIR: tempDir('knobs-noexec-') } },
      );
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).source).toBe('netlink');
    });

    it('its copyright file names knobs, the Node.js runtime and every bundled npm package with its licence', () => {
      const x = tempDir('knobs-deb-doc-');
      expect(sh('dpkg-deb', ['--extract', DEB, x]).status).toBe(0);
      const copyright = fs.readFileSync(path.join(x, 'usr/share/doc/knobs/copyright'), 'utf8');
      expect(copyright).toMatch(/^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/\n/);
      expect(copyright).toContain('Node.js is licensed for use as follows');
      const bundled = JSON.parse(fs.readFileSync(path.join(REPO, 'dist/bundled-packages.json'), 'utf8')) as { name: string; version: string; license: string }[];
      expect(bundled.map((p) => p.name)).toEqual(expect.arrayContaining(['commander', 'diff', 'ini', 'picocolors', 'semver', '@inquirer/prompts']));
      for (const p of bundled) expect(copyright).toMatch(new RegExp(`^ ${p.name.replace(/[/.]/g, '\\$&')} ${p.version.replace(/\./g, '\\.')}, ${p.license === 'MIT' ? 'Expat' : p.license}: `, 'm'));
      for (const l of new Set(bundled.map((p) => (p.license === 'MIT' ? 'Expat' : p.license)))) expect(copyright).toMatch(new RegExp(`^License: ${l}\n`, 'm'));
      const changelog = zlib.gunzipSync(fs.readFileSync(path.join(x, 'usr/share/doc/knobs/changelog.gz'))).toString();
      expect(changelog).toMatch(new RegExp(`^knobs \\(${VERSION.replace(/\./g, '\\.')}\\) unstable; urgency=medium\n`));
    });

    const LINTIAN = requires('lintian');
    it.skipIf(LINTIAN.skip)(
      LINTIAN.title('lintian reports no error or warning (what a non-archive package cannot fix is overridden, with the reason)'),
      () => {
        const r = sh('lintian', ['--fail-on', 'error,warning', '--no-tag-display-limit', DEB]);
        expect(r.stdout).toBe('');
        expect(r.status).toBe(0);
      },
      10 * MINUTES,
    );
  });

  describe('the npm tarball', () => {
    it('installs globally from the file, with no dependency to fetch, and runs', () => {
      const prefix = tempDir('knobs-npm-prefix-');
      const r = sh('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', TGZ]);
      expect(r.status, r.stderr).toBe(0);
      const pkgDir = path.join(prefix, 'lib/node_modules/knobs');
      expect(fs.existsSync(path.join(pkgDir, 'node_modules'))).toBe(false);
      const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
      expect(pkg.dependencies ?? {}).toEqual({});
      expect(fs.existsSync(path.join(prefix, 'share/man/man1/knobs.1'))).toBe(true);
      const knobs = path.join(prefix, 'bin/knobs');
      expect(sh(knobs, ['--version']).stdout).toBe(`${VERSION}\n`);
      const tree = fakeRoot({ kernel: '6.1', sysctl: { 'net.core.somaxconn': '128' } });
      const audit = sh(knobs, ['--root', tree, 'audit', '--profile', 'web-node', '--json']);
      expect([audit.status, audit.stderr]).toEqual([2, '']);
      expect(JSON.parse(audit.stdout).findings.length).toBeGreaterThan(0);
      // its install script built the addon (the tests' machine has a compiler): sockets over netlink
      if (fs.existsSync(path.join(pkgDir, 'build/Release/sock_diag.node'))) {
        const s = sh(knobs, ['sockets', '--json', '--source', 'netlink']);
        expect([s.status, s.stderr]).toEqual([0, '']);
      } else {
        expect(r.stderr).toContain('the sock_diag addon was not built');
      }
    }, 10 * MINUTES);
  });
});
