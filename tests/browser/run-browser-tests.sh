#!/usr/bin/env bash
# The browser suite's test command (meson suite `browser`): checks what the
# suite needs, installs the pinned npm packages (livekit-client 2.23.0,
# playwright-core) with `npm ci` into the build directory when the lock file
# changed, then runs one group of cases inside a network namespace of its
# own (tests/netns/run-in-netns.sh).
#
#   run-browser-tests.sh --npm-dir BUILD/npm \
#       --group media|keys|janus|examples|keyframe \
#       [--timeout SECONDS] [browser-tests.mjs options]
#
# Exit status 77 (meson's "skipped"), with the reason, when something the
# group needs is missing; scripts/setup.sh installs all of it from Debian.
set -euo pipefail

here="$(cd "${0%/*}" && pwd)"
netns="$here/../netns/run-in-netns.sh"
npm_dir=""
group=""
timeout_s=300
rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --npm-dir) npm_dir="$2"; shift 2 ;;
    --group) group="$2"; shift 2 ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    *) rest+=("$1"); shift ;;
  esac
done
if [ -z "$npm_dir" ] || [ -z "$group" ]; then
  echo "usage: $0 --npm-dir DIR --group GROUP [--timeout S] [options]" >&2
  exit 2
fi

skip() { echo "SKIP: $*"; exit 77; }

# The GStreamer side: PyGObject with GstWebRTC, webrtcbin and its ICE
# (libnice) and DTLS/SRTP/SCTP plugins, the codecs, and our typelib.
/usr/bin/python3 "$here/check-gst-peer.py" vp9enc ||
  skip "the GStreamer WebRTC peer cannot start (see above; scripts/setup.sh installs its packages)"

if [ "$group" != keyframe ]; then
  for tool in node npm; do
    command -v "$tool" >/dev/null 2>&1 ||
      skip "$tool is not installed (Debian packages nodejs, npm)"
  done
  chromium="${E2EE_CHROMIUM:-/usr/bin/chromium}"
  [ -x "$chromium" ] || skip "$chromium is missing (Debian package chromium)"
  if [ "$group" = janus ] || [ "$group" = examples ]; then
    command -v janus >/dev/null 2>&1 || skip "janus is missing (Debian package janus)"
  fi

  # npm ci installs exactly what package-lock.json pins, again only when the
  # lock file changed. Groups run in parallel: one installs, the others wait.
  "$here/../npm-ci.sh" "$here" "$npm_dir" livekit-client playwright-core
  cmd=(node "$here/browser-tests.mjs" --npm-dir "$npm_dir" --group "$group")
else
  cmd=(/usr/bin/python3 "$here/keyframe_recovery.py")
fi

exec "$netns" --timeout "$timeout_s" --name "browser-$group" -- \
  "${cmd[@]}" "${rest[@]}"
