#!/bin/sh
# Installs the system tools the tests and benchmarks use (Debian/Ubuntu).
# Fast when everything is already present: apt runs only if something is missing.
#   ss, ip (iproute2)  netstat (net-tools)  sysctl (procps)  unshare, prlimit (util-linux)
#   gcc (bench socket generator)  python3 (namespace helpers)  jq  /usr/bin/time (time)
#   make, g++ (with gcc and python3: node-gyp building the sock_diag addon at npm ci)
#   tmux, less (the wizard driven in a real 80x24 terminal, its pager)
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
need tmux tmux
need less less
[ -x /usr/bin/time ] || missing="$missing time"
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
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq $pkgs
