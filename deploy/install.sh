#!/usr/bin/env bash
# Installs or upgrades meter-gateway on Raspberry Pi OS or Debian (arm64, armhf, amd64), Node.js 20.
# The checkout it runs from is never changed: the app is built in a staging directory next to the
# target and moved into place. An existing /etc/meter-gateway/config.yaml and the data in
# /var/lib/meter-gateway are kept. An upgrade prints the old and new version and restarts the service
# if it was running.
#
#   sudo deploy/install.sh              # from a checkout of the repository
#   deploy/install.sh --root /tmp/r --no-systemctl --no-user --skip-build   # into a test prefix
#
# Options:
#   --root DIR        install under DIR instead of / (a test prefix)
#   --app-dir DIR     where the application goes (default /opt/meter-gateway)
#   --skip-build      use the checkout's built dist/ and its node_modules/ (copied, then pruned in the copy)
#   --no-user         do not create the meter-gateway user or change owners
#   --no-systemctl    do not call systemctl
#   --systemctl CMD   the systemctl to call (default systemctl; under --root only when given)
#   -h, --help        this text
set -euo pipefail

root=/
app_dir=/opt/meter-gateway
do_systemctl=1
systemctl_cmd=systemctl
systemctl_given=0
do_user=1
do_build=1
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --app-dir) app_dir=$2; shift 2 ;;
    --no-systemctl) do_systemctl=0; shift ;;
    --systemctl) systemctl_cmd=$2; systemctl_given=1; shift 2 ;;
    --no-user) do_user=0; shift ;;
    --skip-build) do_build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

src=$(cd "$(dirname "$0")/.." && pwd)
r() { printf '%s%s' "${root%/}" "$1"; }
say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: %s\n' "$*" >&2; exit 1; }
# A test prefix has no systemd of its own: systemctl runs there only through an explicit --systemctl.
use_systemctl=0
if ((do_systemctl)) && { [[ "$root" == "/" ]] || ((systemctl_given)); }; then use_systemctl=1; fi
service() { "$systemctl_cmd" "$@"; }

node_bin=$(command -v node || true)
[[ -n "$node_bin" ]] || die "Node.js 20 is required: sudo apt-get install -y nodejs (or NodeSource's node_20.x)"
node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
((node_major >= 20)) || die "Node.js $("$node_bin" --version) is too old; meter-gateway needs 20 or later"
version_of() { "$node_bin" -p 'require(process.argv[1]).version' "$1"; }

target=$(r "$app_dir")
mkdir -p "$(dirname "$target")"
# Staged next to the target so the final move stays on one file system; removed however we exit.
stage=$(mktemp -d "${target}.staging.XXXXXX")
trap 'rm -rf "$stage"' EXIT
build="$stage/build"
mkdir "$build"

if ((do_build)); then
  say "building in $build (the checkout is not changed; native modules compile here, about a minute on a Pi 4)"
  tar -C "$src" --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./test/artifacts -cf - . |
    tar -C "$build" --no-same-owner -xf -
  # npm ci runs the prepare script, which builds dist/ (deploy/build.ts: the bundles and their files).
  (cd "$build" && npm ci --no-audit --no-fund)
  [[ -f "$build/dist/meter-gateway.js" ]] || (cd "$build" && npm run build)
else
  [[ -f "$src/dist/meter-gateway.js" ]] || die "$src/dist/meter-gateway.js is missing: build first (npm ci && npm run build)"
  [[ -d "$src/node_modules" ]] || die "$src/node_modules is missing: run npm ci first"
  say "using the checkout's dist/ and node_modules/ (--skip-build), copied to $build"
  cp -a "$src/dist" "$src/bin" "$src/package.json" "$src/package-lock.json" "$src/README.md" "$build/"
  mkdir -p "$build/protocols/profiles"
  cp -a "$src/protocols/profiles/builtin" "$build/protocols/profiles/"
  # Copy the contents, never the link: node_modules may be a symlink, and the prune below must not
  # reach through it into the checkout.
  mkdir "$build/node_modules"
  cp -a "$src/node_modules/." "$build/node_modules/"
fi
say "removing development dependencies from the staged copy"
(cd "$build" && npm prune --omit=dev --no-audit --no-fund --offline >/dev/null)

app="$stage/app"
mkdir -p "$app/protocols/profiles"
for item in dist bin node_modules package.json package-lock.json README.md; do mv "$build/$item" "$app/$item"; done
mv "$build/protocols/profiles/builtin" "$app/protocols/profiles/builtin"
if ((do_user)); then chown -R root:root "$app"; fi

new_version=$(version_of "$app/package.json")
old_version=""
if [[ -f "$target/package.json" ]]; then old_version=$(version_of "$target/package.json"); fi
if [[ -z "$old_version" ]]; then
  say "installing meter-gateway $new_version in $target"
elif [[ "$old_version" == "$new_version" ]]; then
  say "reinstalling meter-gateway $new_version in $target (the installed version)"
else
  say "upgrading meter-gateway $old_version -> $new_version in $target"
fi
was_running=0
if ((use_systemctl)) && service is-active --quiet meter-gateway.service; then was_running=1; fi
if [[ -e "$target" ]]; then mv "$target" "$stage/previous"; fi
mv "$app" "$target"

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
  if ! id meter-gateway >/dev/null 2>&1; then
    say "creating system user meter-gateway (group dialout for the serial ports)"
    useradd --system --no-create-home --home-dir /var/lib/meter-gateway --shell /usr/sbin/nologin --user-group meter-gateway
  fi
  usermod -a -G dialout meter-gateway
  chown -R meter-gateway:meter-gateway "$(r /var/lib/meter-gateway)"
  chown root:meter-gateway "$(r /etc/meter-gateway)" "$(r /etc/meter-gateway/config.yaml)"
  chmod 0640 "$(r /etc/meter-gateway/config.yaml)"
fi
ln -sf "$app_dir/bin/meter-gateway.js" "$(r /usr/local/bin/meter-gateway)"
ln -sf "$app_dir/bin/meter-sim.js" "$(r /usr/local/bin/meter-sim)"

mkdir -p "$(r /etc/systemd/system)"
sed -e "s|@APP_DIR@|$app_dir|g" -e "s|@NODE@|$node_bin|g" "$src/deploy/meter-gateway.service" > "$(r /etc/systemd/system/meter-gateway.service)"
say "systemd unit /etc/systemd/system/meter-gateway.service written"

if ((use_systemctl)); then
  service daemon-reload
  service enable meter-gateway.service
  if ((was_running)); then
    service restart meter-gateway.service
    say "restarted meter-gateway (it was running): now version $new_version"
  else
    say "enabled; start it with: sudo systemctl start meter-gateway"
  fi
fi
say "done. Next: edit /etc/meter-gateway/config.yaml, run 'meter-gateway check-config -c /etc/meter-gateway/config.yaml', then 'meter-gateway doctor -c /etc/meter-gateway/config.yaml'"
say "other users read the config and use the CLI as members of the group meter-gateway: sudo usermod -aG meter-gateway \$USER"
