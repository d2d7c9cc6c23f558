#!/usr/bin/env bash
# Removes meter-gateway. Keeps /var/lib/meter-gateway (readings, ledger, audit) and
# /etc/meter-gateway unless --purge is given.
#   sudo deploy/uninstall.sh [--purge]      deploy/uninstall.sh --root /tmp/r --no-systemctl --no-user
set -euo pipefail
root=/
app_dir=/opt/meter-gateway
purge=0
do_systemctl=1
do_user=1
while (($#)); do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --app-dir) app_dir=$2; shift 2 ;;
    --purge) purge=1; shift ;;
    --no-systemctl) do_systemctl=0; shift ;;
    --no-user) do_user=0; shift ;;
    *) echo "uninstall.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
r() { printf '%s%s' "${root%/}" "$1"; }
if ((do_systemctl)) && [[ "$root" == "/" ]]; then
  systemctl disable --now meter-gateway.service 2>/dev/null || true
fi
rm -f "$(r /etc/systemd/system/meter-gateway.service)" "$(r /usr/local/bin/meter-gateway)" "$(r /usr/local/bin/meter-sim)"
rm -rf "$(r "$app_dir")"
if ((do_systemctl)) && [[ "$root" == "/" ]]; then systemctl daemon-reload; fi
if ((purge)); then
  rm -rf "$(r /var/lib/meter-gateway)" "$(r /etc/meter-gateway)"
  if ((do_user)) && id meter-gateway >/dev/null 2>&1; then userdel meter-gateway; fi
  echo "uninstall: removed, data and config purged"
else
  echo "uninstall: removed; kept $(r /var/lib/meter-gateway) and $(r /etc/meter-gateway) (use --purge to delete them)"
fi
