#!/usr/bin/env bash
# Runs before `npm test` (npm "pretest"). Integration tests drive real programs: mosquitto (broker),
# socat (pseudo-terminal pairs), mbpoll (Modbus master), openssl (test certificates) and faketime
# (libfaketime, for wall-clock steps under a running gateway) and chromium (a real headless browser for
# the web page's tests, driven over the DevTools protocol).
# Missing ones are installed when we are root with apt-get; otherwise we say exactly what to run and
# fail, because tests never skip for a missing tool.
# The tests start their own mosquitto on a free loopback port: a system mosquitto service is neither
# needed nor touched, and may be stopped or absent.
# Keep the list in step with test/helpers/tools.ts and .ci/run.
set -euo pipefail

tools=(mosquitto socat mbpoll openssl faketime chromium)
# Debian package for each tool, same order.
packages=(mosquitto socat mbpoll openssl faketime chromium)
install_hint="sudo apt-get update && sudo apt-get install -y ${packages[*]}"

# Debian puts mosquitto in /usr/sbin, which a non-root PATH often lacks.
have_tool() {
  command -v "$1" >/dev/null 2>&1 && return 0
  local dir
  for dir in /usr/sbin /usr/local/sbin /sbin; do
    [[ -x "$dir/$1" ]] && return 0
  done
  return 1
}

missing_tools() {
  local i
  for i in "${!tools[@]}"; do
    have_tool "${tools[$i]}" || printf '%s\n' "${tools[$i]}"
  done
}

mapfile -t missing < <(missing_tools)
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "ensure-tools: missing: ${missing[*]}" >&2

if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  to_install=()
  for i in "${!tools[@]}"; do
    have_tool "${tools[$i]}" || to_install+=("${packages[$i]}")
  done
  echo "ensure-tools: installing Debian packages: ${to_install[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${to_install[@]}"
  mapfile -t missing < <(missing_tools)
  if ((${#missing[@]} == 0)); then
    echo "ensure-tools: all tools present" >&2
    exit 0
  fi
  echo "ensure-tools: still missing after apt-get install: ${missing[*]}" >&2
  exit 1
fi

cat >&2 <<EOF
ensure-tools: the integration tests need these programs, which were not found on PATH or in /usr/sbin:
  ${missing[*]}
Install them with:
  ${install_hint}
EOF
exit 1
