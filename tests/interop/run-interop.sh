#!/usr/bin/env bash
# Runs the LiveKit interop suite: installs the pinned livekit-client with
# `npm ci` into the build directory, then runs interop.mjs.
#
#   run-interop.sh --bridge PATH/e2ee-interop-bridge --npm-dir BUILD/npm \
#       [interop.mjs options]
#
# Exit status 77 (meson's "skipped") when Node.js or npm is not installed;
# scripts/setup.sh installs both from Debian where they are missing.
set -euo pipefail

here="$(cd "${0%/*}" && pwd)"
bridge=""
npm_dir=""
rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bridge) bridge="$2"; shift 2 ;;
    --npm-dir) npm_dir="$2"; shift 2 ;;
    *) rest+=("$1"); shift ;;
  esac
done
if [ -z "$bridge" ] || [ -z "$npm_dir" ]; then
  echo "usage: $0 --bridge PATH --npm-dir DIR [options]" >&2
  exit 2
fi

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed; the interop suite runs LiveKit's" \
      "client code in Node.js (scripts/setup.sh installs nodejs and npm)."
    exit 77
  fi
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
  echo "SKIP: Node.js $(node --version) is too old; LiveKit's worker needs" \
    "WebCrypto and WHATWG streams (Node.js 18 or newer)."
  exit 77
fi

# npm ci installs exactly what package-lock.json pins, again only when the
# lock file changed since the last install into this build dir.
"$here/../npm-ci.sh" "$here" "$npm_dir" livekit-client

exec node "$here/interop.mjs" --bridge "$bridge" \
  --node-modules "$npm_dir/node_modules" "${rest[@]}"
