#!/usr/bin/env bash
# Runs the demo on a built tree (scripts/demo.sh sets up and builds first).
#
#   pipelines/demo/run.sh [--no-browser] [--png PATH] [--npm-dir DIR]
#                         [--seconds S] [-v]
#
# By default: a real encrypted call through Janus to Chromium running
# LiveKit's own E2EE worker and to two GStreamer receivers, with and without
# the key (call.mjs), inside a network namespace of its own
# (tests/netns/run-in-netns.sh); the npm packages it needs (livekit-client,
# playwright-core) come from tests/browser/package-lock.json with npm ci.
# --no-browser: the loopback demo instead (loopback.py: RTP/UDP on
# 127.0.0.1, no Chromium, Janus, Node or namespace needed).
#
# Writes the picture to PATH (default demo-output/e2ee-demo.png) and ends
# with its VERIFIED line. Exit status 0 only when verified.
set -euo pipefail

here="$(cd "${0%/*}" && pwd)"
root="$(cd "$here/../.." && pwd)"
png="$root/demo-output/e2ee-demo.png"
npm_dir="$root/build/tests/browser/npm"
browser=1
rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-browser) browser=0; shift ;;
    --png) png="$2"; shift 2 ;;
    --npm-dir) npm_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) rest+=("$1"); shift ;;
  esac
done
mkdir -p "$(dirname "$png")"
png="$(cd "$(dirname "$png")" && pwd)/$(basename "$png")"

# The plugin and the key provider's typelib from ./build, unless the
# caller (meson test) has said where they are.
export GST_PLUGIN_PATH="$root/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export GI_TYPELIB_PATH="${GI_TYPELIB_PATH:-$root/build/keyring}"
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-$root/build/keyring}"

if [ $browser = 0 ]; then
  exec /usr/bin/python3 "$here/loopback.py" --png "$png" ${rest[@]+"${rest[@]}"}
fi

# What the call needs beyond the loopback demo (scripts/setup.sh installs
# all of it from Debian): exit 77, meson's "skipped", when one is missing.
missing () {
  echo "demo: $1 is missing (Debian package $2); scripts/setup.sh installs it, or run the loopback demo with --no-browser"
  exit 77
}
chromium="${E2EE_CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || missing "$chromium" chromium
command -v janus >/dev/null 2>&1 || missing janus janus
command -v node >/dev/null 2>&1 || missing node nodejs
command -v npm >/dev/null 2>&1 || missing npm npm

"$root/tests/npm-ci.sh" "$root/tests/browser" "$npm_dir" livekit-client playwright-core
rc=0
"$root/tests/netns/run-in-netns.sh" --timeout 150 --name demo -- \
  node "$here/call.mjs" --npm-dir "$npm_dir" --png "$png" ${rest[@]+"${rest[@]}"} || rc=$?
if [ $rc = 77 ]; then
  echo "demo: no network namespace here (see above); scripts/demo.sh --no-browser runs the loopback demo"
elif [ $rc = 124 ]; then
  echo "NOT VERIFIED: the call did not end within 150 s"
fi
exit $rc
