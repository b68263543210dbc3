#!/usr/bin/env bash
# with-keyring.sh runs a command inside a private D-Bus session that has an
# unlocked gnome-keyring answering as the Secret Service, so that go-keyring
# works on a headless Linux box (CI, containers).
#
# Usage:  with-keyring.sh COMMAND [ARG...]
#   e.g.  EGIDE_REQUIRE_KEYRING=1 vault/keyring/realtest/with-keyring.sh go test ./...
#
# - Installs dbus and gnome-keyring with apt-get (through sudo when not root)
#   if they are missing. Never dbus-x11: its dbus-launch leaks daemons.
# - The keyring lives in a throw-away XDG_DATA_HOME, and gnome-keyring gets
#   a throw-away XDG_RUNTIME_DIR so it cannot reach a desktop's own keyring;
#   both are removed on exit. The bus and the daemon end with the session.
# - Exits with COMMAND's exit code; 125 when the session could not be set up.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

fail() { echo "with-keyring.sh: $*" >&2; exit 125; }

if ! command -v dbus-run-session >/dev/null || ! command -v dbus-send >/dev/null ||
   ! command -v gnome-keyring-daemon >/dev/null; then
  command -v apt-get >/dev/null || fail "dbus and gnome-keyring are missing and apt-get is not available"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "installing dbus and gnome-keyring needs root or sudo"
    sudo=sudo
  fi
  echo "with-keyring.sh: installing dbus gnome-keyring" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get update -qq >/dev/null ||
    fail "apt-get update failed"
  $sudo env DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq --no-install-recommends \
    dbus gnome-keyring >/dev/null || fail "apt-get install dbus gnome-keyring failed"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -m 700 "$tmp/data" "$tmp/run"
export XDG_DATA_HOME="$tmp/data"   # keyrings/login.keyring lands here
export XDG_RUNTIME_DIR="$tmp/run"

# Not exec: the trap must still remove $tmp. "|| rc=$?" keeps set -e from
# swallowing the command's exit code.
rc=0
dbus-run-session -- bash -c '
  set -u
  printf %s egide-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null ||
    { echo "with-keyring.sh: gnome-keyring-daemon --unlock failed" >&2; exit 125; }
  # Wait until the daemon owns org.freedesktop.secrets; calling earlier
  # could D-Bus-activate a second, locked daemon.
  for _ in $(seq 50); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
         org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
         grep -q "boolean true"; then
      exec "$@"
    fi
    sleep 0.1
  done
  echo "with-keyring.sh: org.freedesktop.secrets did not appear on the session bus" >&2
  exit 125
' with-keyring.sh "$@" || rc=$?
exit "$rc"
