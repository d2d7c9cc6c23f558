#!/usr/bin/env bash
# Removes meter-gateway: stops and disables the service, removes the app, the unit and the commands.
# Keeps /var/lib/meter-gateway (readings, ledger, audit trail, backups) and /etc/meter-gateway unless
# --purge is given; --purge asks on the terminal before deleting them, or needs --yes (without a
# terminal and without --yes it refuses and prints the command to run).
#
#   sudo deploy/uninstall.sh                 # keep data and config
#   sudo deploy/uninstall.sh --purge         # asks, then deletes data, backups and config too
#   deploy/uninstall.sh --root /tmp/r --no-systemctl --no-user --purge --yes   # in a test prefix
#
# Options:
#   --root DIR        uninstall under DIR instead of / (a test prefix)
#   --app-dir DIR     where the application is (default /opt/meter-gateway)
#   --purge           also delete the data (ledger, readings, backups), the config and the user
#   --yes             with --purge: do not ask
#   --no-user         do not delete the meter-gateway user
#   --no-systemctl    do not call systemctl
#   --systemctl CMD   the systemctl to call (default systemctl; under --root only when given)
#   -h, --help        this text
set -euo pipefail
root=/
app_dir=/opt/meter-gateway
purge=0
yes=0
do_systemctl=1
systemctl_cmd=systemctl
systemctl_given=0
do_user=1
given=("$@")
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --app-dir) app_dir=$2; shift 2 ;;
    --purge) purge=1; shift ;;
    --yes) yes=1; shift ;;
    --no-systemctl) do_systemctl=0; shift ;;
    --systemctl) systemctl_cmd=$2; systemctl_given=1; shift 2 ;;
    --no-user) do_user=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
r() { printf '%s%s' "${root%/}" "$1"; }
say() { printf 'uninstall: %s\n' "$*"; }
use_systemctl=0
if ((do_systemctl)) && { [[ "$root" == "/" ]] || ((systemctl_given)); }; then use_systemctl=1; fi
service() { "$systemctl_cmd" "$@"; }

data=$(r /var/lib/meter-gateway)
config=$(r /etc/meter-gateway)

# Before anything is removed: a refused purge changes nothing.
confirm_purge() {
  local backups=0 what answer rerun
  if [[ -d "$data/backups" ]]; then backups=$(find "$data/backups" -type f | wc -l); fi
  what="--purge deletes the ledger, readings and audit trail in $data (with its $backups backup file(s) in $data/backups) and the config in $config; they cannot be recovered"
  if [[ -t 0 ]]; then
    printf 'uninstall: %s.\nType yes to delete them: ' "$what"
    read -r answer || answer=""
    if [[ "$answer" != "yes" ]]; then
      say "nothing removed (the answer was not yes)"
      exit 1
    fi
  else
    rerun=$(printf '%q ' "$0" "${given[@]}" --yes)
    if ((EUID != 0)); then rerun="sudo $rerun"; fi
    say "$what." >&2
    say "there is no terminal to ask on, so nothing was removed. To delete them, run:" >&2
    printf '  %s\n' "${rerun% }" >&2
    exit 1
  fi
}
if ((purge && !yes)); then confirm_purge; fi

if ((use_systemctl)); then service disable --now meter-gateway.service 2>/dev/null || true; fi
rm -f "$(r /etc/systemd/system/meter-gateway.service)" "$(r /usr/local/bin/meter-gateway)" "$(r /usr/local/bin/meter-sim)"
rm -rf "$(r "$app_dir")"
if ((use_systemctl)); then service daemon-reload; fi
if ((purge)); then
  rm -rf "$data" "$config"
  if ((do_user)) && id meter-gateway >/dev/null 2>&1; then userdel meter-gateway; fi
  say "removed; data, backups and config purged"
else
  say "removed; kept $data and $config (use --purge to delete them)"
fi
