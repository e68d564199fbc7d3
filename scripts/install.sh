#!/usr/bin/env bash
# Installs Flatline on a systemd machine: the executable to /usr/local/bin/flatline, the unit to
# /etc/systemd/system/flatline.service and, only if it does not exist yet, /etc/flatline/flatline.env
# (root-only, from .env.example, with a generated JWT_SECRET). Safe to run again: files that are
# already up to date are left alone and an existing env file is never touched.
#
#   sudo scripts/install.sh [--binary PATH] [--prefix DIR]
#
# --binary  the executable to install (default: artifacts/publish/flatline, made by scripts/build)
# --prefix  install under DIR instead of / (also read from DESTDIR); nothing is started then
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
binary="$root/artifacts/publish/flatline"
prefix="${DESTDIR:-}"

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="${2:?--binary needs a path}"; shift 2 ;;
    --binary=*) binary="${1#--binary=}"; shift ;;
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
prefix="${prefix%/}"

[ -x "$binary" ] || { echo "install.sh: no executable at $binary; run scripts/build first or pass --binary" >&2; exit 1; }
[ -f "$here/flatline.service" ] || { echo "install.sh: $here/flatline.service is missing" >&2; exit 1; }
[ -f "$root/.env.example" ] || { echo "install.sh: $root/.env.example is missing" >&2; exit 1; }
if [ -z "$prefix" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (sudo), or pass --prefix DIR to install into a staging tree" >&2
  exit 1
fi

changed=0
# Copies $1 to $2 with mode $3 unless $2 already has the same content and mode.
place() {
  local source="$1" target="$2" mode="$3"
  mkdir -p "$(dirname "$target")"
  if [ -f "$target" ] && cmp -s "$source" "$target" && [ "$(stat -c %a "$target")" = "${mode#0}" ]; then
    echo "unchanged  $target"
    return
  fi
  install -m "$mode" "$source" "$target.new"
  mv -f "$target.new" "$target"
  changed=1
  echo "installed  $target"
}

place "$binary" "$prefix/usr/local/bin/flatline" 0755
place "$here/flatline.service" "$prefix/etc/systemd/system/flatline.service" 0644

env_file="$prefix/etc/flatline/flatline.env"
if [ -e "$env_file" ]; then
  echo "kept       $env_file (never overwritten)"
else
  mkdir -p "$(dirname "$env_file")"
  chmod 0750 "$(dirname "$env_file")"
  secret="$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')"
  (
    umask 077
    sed -e "s|^JWT_SECRET=.*|JWT_SECRET=$secret|" \
        -e "s|^DATABASE_URL=.*|DATABASE_URL=sqlite:/var/lib/flatline/flatline.db|" \
        -e "s|^FLATLINE_ADDRESS=.*|FLATLINE_ADDRESS=127.0.0.1:3000|" \
        "$root/.env.example" > "$env_file.new"
  )
  chmod 0600 "$env_file.new"
  if [ "$(id -u)" -eq 0 ]; then chown root:root "$env_file.new" "$(dirname "$env_file")"; fi
  mv "$env_file.new" "$env_file"
  changed=1
  echo "created    $env_file (mode 0600, with a generated JWT_SECRET)"
fi

if [ -z "$prefix" ] && [ "$changed" -eq 1 ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
fi

cat <<EOF

Next:
  1. Edit /etc/flatline/flatline.env: set PUBLIC_URL to the https URL your reverse proxy serves
     (Flatline listens on 127.0.0.1:3000; see "Deploying on a VPS" in README.md).
  2. sudo systemctl enable --now flatline
  3. Find the one-time setup URL to create the owner account:
       sudo journalctl -u flatline | grep 'Flatline setup'
EOF
if [ "$changed" -eq 1 ] && [ -z "$prefix" ]; then
  echo "  (after an upgrade: sudo systemctl restart flatline)"
fi
