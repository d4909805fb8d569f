// What a test needs from the machine that a checkout cannot bring: root, namespaces,
// a tool. A suite that lacks one is skipped with the reason in its title, so a
// contributor's run says what it could not check. Files of the repository are never
// a reason to skip: a missing fixture fails.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Need =
  | 'root'
  | 'unshare -n'
  | 'unshare -m'
  | 'unshare -m -n'
  | 'tmux'
  | 'less'
  | 'prlimit'
  | 'setpriv'
  | 'nobody runs the checkout'
  | 'su with pam_limits'
  | 'systemd-sysctl'
  | 'groff'
  | 'zsh'
  | 'packaging tools'
  | 'lintian'
  | 'systemd --test'
  | 'chromium'
  | 'ansible'
  | 'sshd';

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/** Debian's chromium (found on PATH), for tests of the HTML report in a real browser. */
export const CHROMIUM = (process.env.PATH ?? '').split(':').map((d) => `${d}/chromium`).find((p) => isExecutable(p));

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const SYSTEMD_BIN = ['/usr/bin/systemd', '/lib/systemd/systemd', '/usr/lib/systemd/systemd'].find((p) => fs.existsSync(p));
export const SYSTEMD_SYSCTL = ['/lib/systemd/systemd-sysctl', '/usr/lib/systemd/systemd-sysctl'].find((p) => fs.existsSync(p));

const PROBES: Record<Need, () => string | null> = {
  root: () => (process.getuid?.() === 0 ? null : 'needs root'),
  'unshare -n': () => (ok('unshare', ['-n', 'true']) ? null : 'unshare -n fails (needs root or user namespaces)'),
  'unshare -m': () => (ok('unshare', ['-m', '--propagation', 'private', 'true']) ? null : 'unshare -m fails (needs root)'),
  'unshare -m -n': () => (ok('unshare', ['-m', '-n', '--propagation', 'private', 'true']) ? null : 'unshare -m -n fails (needs root)'),
  tmux: () => (ok('tmux', ['-V']) ? null : 'tmux is not installed'),
  less: () => (ok('less', ['--version']) ? null : 'less is not installed'),
  prlimit: () => (ok('prlimit', ['--version']) ? null : 'prlimit is not installed'),
  setpriv: () => (ok('setpriv', ['--version']) ? null : 'setpriv is not installed'),
  // Tests that run dist/knobs.cjs as uid 65534: a checkout under a 0700 directory (mktemp -d) is closed to it.
  'nobody runs the checkout': () => {
    if (!ok('setpriv', ['--version'])) return 'setpriv is not installed';
    const bin = fileURLToPath(new URL('../../dist/knobs.cjs', import.meta.url));
    const probe = `require('fs').accessSync(${JSON.stringify(bin)}, require('fs').constants.R_OK)`;
    return ok('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', probe])
      ? null
      : 'uid 65534 cannot read this checkout (a directory above it is closed to others)';
  },
  'su with pam_limits': () => {
    const pam = fs.existsSync('/etc/pam.d/su') ? fs.readFileSync('/etc/pam.d/su', 'utf8') : '';
    if (!/^\s*session\s+\S+\s+pam_limits\.so/m.test(pam)) return '/etc/pam.d/su does not load pam_limits';
    if (!fs.existsSync('/etc/security/limits.conf')) return 'no /etc/security/limits.conf to bind over';
    return null;
  },
  'systemd-sysctl': () => (SYSTEMD_SYSCTL ? null : 'systemd-sysctl is not installed'),
  groff: () => (ok('groff', ['--version']) ? null : 'groff is not installed (scripts/install-test-deps.sh)'),
  zsh: () => (ok('zsh', ['--version']) ? null : 'zsh is not installed (scripts/install-test-deps.sh)'),
  // npm run dist: a single executable for linux-x64 made from this Node.js, and a .deb
  'packaging tools': () => {
    if (process.platform !== 'linux' || process.arch !== 'x64') return `the single executable is linux-x64, this is ${process.platform}-${process.arch}`;
    const lacking = ['strip', 'dpkg-deb', 'dpkg-shlibdeps', 'git'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
    return lacking.length ? `${lacking.join(', ')} not installed (scripts/install-test-deps.sh)` : null;
  },
  lintian: () => (ok('lintian', ['--version']) ? null : 'lintian is not installed (scripts/install-test-deps.sh)'),
  'systemd --test': () => {
    if (!SYSTEMD_BIN) return 'systemd is not installed';
    if (!ok('setpriv', ['--version'])) return 'setpriv is not installed (systemd --test refuses to run as root)';
    return ok(SYSTEMD_BIN, ['--version']) ? null : 'systemd --version fails';
  },
  ansible: () => (ok('ansible-playbook', ['--version']) && ok('ansible-galaxy', ['--version']) ? null : "ansible-playbook is not installed (Debian's ansible-core)"),
  sshd: () => (isExecutable('/usr/sbin/sshd') && isExecutable('/usr/bin/ssh-keygen') ? null : "sshd is not installed (Debian's openssh-server)"),
  chromium: () => (CHROMIUM ? null : "chromium is not installed (Debian's chromium package; scripts/install-test-deps.sh)"),
};

const seen = new Map<Need, string | null>();

/** Why the machine cannot give what `needs` names, or null when it can. */
export function missing(...needs: Need[]): string | null {
  for (const n of needs) {
    if (!seen.has(n)) seen.set(n, PROBES[n]());
    const why = seen.get(n);
    if (why) return why;
  }
  return null;
}

/** `describe.skipIf(r.skip)(r.title('…'), …)`: the title carries the reason when skipped. */
export function requires(...needs: Need[]): { skip: boolean; why: string | null; title: (t: string) => string } {
  const why = missing(...needs);
  return { skip: why !== null, why, title: (t) => (why ? `${t} — skipped: ${why}` : t) };
}
