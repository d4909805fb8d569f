#!/usr/bin/env bash
# Installs the system tools the tests use (a fresh Debian machine may lack some).
# Fast when everything is present: apt runs only for what is missing.
set -euo pipefail

need=()
check() { command -v "$1" >/dev/null 2>&1 || need+=("$2"); }
check ss iproute2
check ip iproute2
check netstat net-tools
check sysctl procps
check unshare util-linux
check prlimit util-linux
check su login
check gcc gcc
check python3 python3
check jq jq

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: missing ${need[*]}; run as root or install them" >&2
    exit 1
  fi
  echo "install-test-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u) >/dev/null
fi
