#!/usr/bin/env bash
# The native suite's test command (meson suite `native`): checks what the
# suite needs, installs the pinned npm packages (@livekit/rtc-node 1.1.0 and
# its prebuilt FFI library, @livekit/protocol, ws) with `npm ci` into the
# build directory when the lock file changed, then runs the cases inside a
# network namespace of its own (tests/netns/run-in-netns.sh).
#
#   run-native-tests.sh --npm-dir BUILD/npm [--timeout SECONDS] [native-tests.mjs options]
#
# Exit status 77 (meson's "skipped"), with the reason, when something the
# suite needs is missing; scripts/setup.sh installs all of it from Debian.
set -euo pipefail

here="$(cd "${0%/*}" && pwd)"
netns="$here/../netns/run-in-netns.sh"
npm_dir=""
timeout_s=280
rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --npm-dir) npm_dir="$2"; shift 2 ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    *) rest+=("$1"); shift ;;
  esac
done
if [ -z "$npm_dir" ]; then
  echo "usage: $0 --npm-dir DIR [--timeout S] [options]" >&2
  exit 2
fi

skip() { echo "SKIP: $*"; exit 77; }

# The GStreamer side: gst_peer.py's PyGObject, webrtcbin and its plugins,
# the codecs, and our typelib.
/usr/bin/python3 "$here/../browser/check-gst-peer.py" e2eertph264pay ||
  skip "the GStreamer WebRTC peer cannot start (see above; scripts/setup.sh installs its packages)"
for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 ||
    skip "$tool is not installed (Debian packages nodejs, npm)"
done

# npm ci installs exactly what package-lock.json pins, again only when the
# lock file changed.
"$here/../npm-ci.sh" "$here" "$npm_dir" @livekit/rtc-node @livekit/protocol ws \
  @livekit/rtc-ffi-bindings-linux-x64-gnu

export E2EE_NATIVE_NPM_DIR="$npm_dir"
exec "$netns" --timeout "$timeout_s" --name native -- \
  node "$here/native-tests.mjs" "${rest[@]}"
