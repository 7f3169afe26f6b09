#!/usr/bin/env bash
# Sets up a Debian/Ubuntu machine for gst-e2ee and builds it into ./build.
#
# Installs the Debian packages that are missing when run as root (apt-get),
# otherwise prints the exact apt-get command to run and stops. Safe to run
# again: it installs nothing that is already there and reuses ./build.
set -euo pipefail

cd "$(dirname "$0")/.."

# Build tools and libraries, then the GStreamer plugins the tests and the
# demo run real media through (encoders, payloaders, decoders, pngenc).
packages=(
  meson ninja-build pkg-config gcc
  libglib2.0-dev libsodium-dev libssl-dev libjson-glib-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gobject-introspection libgirepository1.0-dev python3-gi gir1.2-glib-2.0
  gir1.2-gstreamer-1.0
)
# The browser suite (tests/browser/): real WebRTC calls between Chromium
# running LiveKit's worker and a webrtcbin peer (ICE: gstreamer1.0-nice;
# PyGObject's GstWebRTC/GstSdp: gir1.2-gst-plugins-bad-1.0), through Janus;
# each in a network namespace made with iproute2 and util-linux's unshare.
packages+=(
  chromium janus gstreamer1.0-nice gir1.2-gst-plugins-base-1.0
  gir1.2-gst-plugins-bad-1.0 iproute2
)
# The interop suite runs LiveKit's own client code in Node.js.
if [ "${E2EE_SKIP_NODE:-0}" != 1 ] && ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: these Debian packages are missing; install them with:" >&2
    echo "  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -f build/build.ninja ]; then
  meson setup build
fi
meson compile -C build
