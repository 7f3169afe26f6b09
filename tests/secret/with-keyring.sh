#!/usr/bin/env bash
# Runs COMMAND against a real gnome-keyring-daemon: a D-Bus session of its
# own (dbus-run-session), a keyring in a temporary HOME, its login
# collection created and unlocked non-interactively (the password on
# standard input, as PAM would hand it over). Nothing of the user's own
# keyring or session bus is touched; the daemon ends with the session bus.
# COMMAND finds the temporary directory in E2EE_TEST_TMP.
#   with-keyring.sh COMMAND [ARGS...]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: with-keyring.sh COMMAND [ARGS...]" >&2; exit 2; }
for program in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$program" >/dev/null; then
    echo "with-keyring: SKIP, $program is not installed (scripts/setup.sh installs it)"
    exit 77
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/run"
chmod 700 "$tmp/run"
export HOME=$tmp/home XDG_DATA_HOME=$tmp/home/.local/share \
  XDG_CONFIG_HOME=$tmp/home/.config XDG_CACHE_HOME=$tmp/home/.cache \
  XDG_RUNTIME_DIR=$tmp/run E2EE_TEST_TMP=$tmp
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL

# Inside the session: start and unlock the keyring, then COMMAND. --unlock
# reads the login password from standard input and creates the login
# collection (the default one) when there is none.
timeout 300 dbus-run-session -- bash -c '
  set -euo pipefail
  printf "%s" "e2ee-test-login-password" |
    gnome-keyring-daemon --unlock --components=secrets > "$E2EE_TEST_TMP/daemon.env"
  exec "$@"
' with-keyring "$@"
