#!/bin/sh
# Installs the system tools the tests and benchmarks use (Debian/Ubuntu).
# Fast when everything is already present: apt runs only if something is missing.
#   ss, ip (iproute2)  netstat (net-tools)  sysctl (procps)  unshare, prlimit (util-linux)
#   gcc (bench socket generator)  python3 (namespace helpers)  jq  /usr/bin/time (time)
#   make, g++ (with gcc and python3: node-gyp building the sock_diag addon at npm ci)
#   packaging (npm run dist and its tests): strip (binutils), dpkg-deb (dpkg),
#   dpkg-shlibdeps (dpkg-dev), lintian, groff (groff-base: man page warnings), zsh
#   su, setpriv (util-linux), pam_limits.so (libpam-modules): the pam_limits oracle
#   systemd: `systemd --test` for the LimitNOFILE= oracle (it is not started, only run as a parser)
#   tmux, less (the wizard driven in a real 80x24 terminal, its pager)
#   chromium (the HTML fleet report loaded in a real headless browser)
#   ansible-core, ansible (ansible.posix for the benchmark), ansible-lint, openssh-server
#     (the Ansible collection run against --root hosts and one host over a real sshd on 127.0.0.1)
#   python3-voluptuous, python3-pycodestyle, yamllint (ansible-test's validate-modules, pep8 and
#     yamllint scripts, which it would otherwise feed from PyPI)
set -eu
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need ss iproute2
need ip iproute2
need netstat net-tools
need sysctl procps
need unshare util-linux
need prlimit util-linux
need gcc gcc
need g++ g++
need make make
need python3 python3
need jq jq
need strip binutils
need dpkg-deb dpkg
need dpkg-shlibdeps dpkg-dev
need lintian lintian
need groff groff-base
need zsh zsh
need su util-linux
need setpriv util-linux
need systemd systemd
[ -e /lib/x86_64-linux-gnu/security/pam_limits.so ] || [ -e /usr/lib/x86_64-linux-gnu/security/pam_limits.so ] || [ -e /lib/security/pam_limits.so ] || missing="$missing libpam-modules"
need tmux tmux
need less less
[ -x /usr/bin/time ] || missing="$missing time"
need chromium chromium
need ansible-playbook ansible-core
need ansible-lint ansible-lint
[ -d /usr/lib/python3/dist-packages/ansible_collections/ansible/posix ] || missing="$missing ansible"
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
need yamllint yamllint
/usr/bin/python3 -c 'import voluptuous' 2>/dev/null || missing="$missing python3-voluptuous"
/usr/bin/python3 -c 'import pycodestyle' 2>/dev/null || missing="$missing python3-pycodestyle"
if [ -z "$missing" ]; then
  exit 0
fi
# shellcheck disable=SC2086
pkgs=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')
echo "install-test-deps: installing $pkgs" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Installing openssh-server must not start an sshd on port 22: the tests start
# their own on 127.0.0.1. Services stay down while apt runs (invoke-rc.d policy).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 0755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq $pkgs
