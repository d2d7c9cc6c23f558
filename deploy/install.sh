#!/usr/bin/env bash
# Installs meter-gateway on Raspberry Pi OS or Debian (arm64, armhf, amd64) with Node.js 20.
# Idempotent: run it again to upgrade; an existing /etc/meter-gateway/config.yaml and the data in
# /var/lib/meter-gateway are kept.
#
#   sudo deploy/install.sh              # from a checkout of the repository
#   deploy/install.sh --root /tmp/r --no-systemctl --no-user --skip-build   # into a test prefix
set -euo pipefail

root=/
app_dir=/opt/meter-gateway
do_systemctl=1
do_user=1
do_build=1
usage() {
  sed -n '2,9p' "$0"
  echo "options: --root DIR  --app-dir DIR  --no-systemctl  --no-user  --skip-build"
}
while (($#)); do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --app-dir) app_dir=$2; shift 2 ;;
    --no-systemctl) do_systemctl=0; shift ;;
    --no-user) do_user=0; shift ;;
    --skip-build) do_build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

src=$(cd "$(dirname "$0")/.." && pwd)
r() { printf '%s%s' "${root%/}" "$1"; }
say() { printf 'install: %s\n' "$*"; }

node_bin=$(command -v node || true)
if [[ -z "$node_bin" ]]; then
  echo "install: Node.js 20 is required: sudo apt-get install -y nodejs (or NodeSource's node_20.x)" >&2
  exit 1
fi
node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  echo "install: Node.js $("$node_bin" --version) is too old; meter-gateway needs 20 or later" >&2
  exit 1
fi

if ((do_build)); then
  say "building in $src (native modules compile here; about a minute on a Pi 4)"
  (cd "$src" && npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund)
fi
[[ -d "$src/dist" ]] || { echo "install: $src/dist is missing: build first (npm ci && npm run build)" >&2; exit 1; }

if ((do_user)); then
  if ! id meter-gateway >/dev/null 2>&1; then
    say "creating system user meter-gateway (group dialout for the serial ports)"
    useradd --system --no-create-home --home-dir /var/lib/meter-gateway --shell /usr/sbin/nologin --user-group meter-gateway
  fi
  usermod -a -G dialout meter-gateway
fi

say "installing the application in $(r "$app_dir")"
mkdir -p "$(r "$app_dir")"
for item in dist bin node_modules package.json package-lock.json README.md; do
  rm -rf "$(r "$app_dir")/$item"
  cp -a "$src/$item" "$(r "$app_dir")/$item"
done
mkdir -p "$(r "$app_dir")/protocols/profiles"
rm -rf "$(r "$app_dir")/protocols/profiles/builtin"
cp -a "$src/protocols/profiles/builtin" "$(r "$app_dir")/protocols/profiles/builtin"

mkdir -p "$(r /etc/meter-gateway)" "$(r /var/lib/meter-gateway)" "$(r /usr/local/bin)"
if [[ -f "$(r /etc/meter-gateway/config.yaml)" ]]; then
  say "keeping the existing /etc/meter-gateway/config.yaml"
else
  say "writing /etc/meter-gateway/config.yaml from the annotated example: edit it, then check-config"
  sed -e 's|^  dataDir: .*|  dataDir: /var/lib/meter-gateway|' "$src/gateway/config/example.yaml" > "$(r /etc/meter-gateway/config.yaml)"
fi
cp "$src/gateway/config/example.yaml" "$(r /etc/meter-gateway/config.example.yaml)"
cp "$src/deploy/99-meter-gateway-rs485.rules.example" "$(r /etc/meter-gateway/99-meter-gateway-rs485.rules.example)"
chmod 0750 "$(r /var/lib/meter-gateway)" "$(r /etc/meter-gateway)"
if ((do_user)); then
  chown -R meter-gateway:meter-gateway "$(r /var/lib/meter-gateway)"
  chown root:meter-gateway "$(r /etc/meter-gateway)" "$(r /etc/meter-gateway/config.yaml)"
  chmod 0640 "$(r /etc/meter-gateway/config.yaml)"
fi
ln -sf "$app_dir/bin/meter-gateway.js" "$(r /usr/local/bin/meter-gateway)"
ln -sf "$app_dir/bin/meter-sim.js" "$(r /usr/local/bin/meter-sim)"

mkdir -p "$(r /etc/systemd/system)"
sed -e "s|@APP_DIR@|$app_dir|g" -e "s|@NODE@|$node_bin|g" "$src/deploy/meter-gateway.service" > "$(r /etc/systemd/system/meter-gateway.service)"
say "systemd unit /etc/systemd/system/meter-gateway.service written"

if ((do_systemctl)) && [[ "$root" == "/" ]]; then
  systemctl daemon-reload
  systemctl enable meter-gateway.service
  say "enabled; start it with: sudo systemctl start meter-gateway"
fi
say "done. Next: edit /etc/meter-gateway/config.yaml, run 'meter-gateway check-config -c /etc/meter-gateway/config.yaml', then 'meter-gateway doctor -c /etc/meter-gateway/config.yaml'"
