#!/usr/bin/env bash
# Sets up a Debian/Ubuntu machine for gst-e2ee and builds it into ./build.
#
# Installs the Debian packages that are missing when run as root (apt-get),
# otherwise prints the exact apt-get command to run and stops. Then checks
# that every element, program and library the demo, the examples, the
# benchmark and the test suites use is really there, and stops with one line
# naming the first one that is not and the Debian package that ships it.
# Safe to run again: it installs nothing that is already there and reuses
# ./build.
set -euo pipefail

cd "$(dirname "$0")/.."

# What to install: build tools, libraries, the GStreamer plugin packages the
# demo, the examples and the tests run real media through, Python's GObject
# introspection for the demo and the Python tests, libsecret and
# gnome-keyring with a D-Bus session bus for keys from the Secret Service
# (suite secret runs a real gnome-keyring-daemon under dbus-run-session),
# gi-docgen for the API reference.
packages=(
  meson ninja-build pkg-config gcc
  libglib2.0-dev libsodium-dev libssl-dev libjson-glib-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-x
  gobject-introspection libgirepository1.0-dev
  python3 python3-gi gir1.2-glib-2.0 gir1.2-gstreamer-1.0
  libsecret-1-dev gnome-keyring dbus-daemon
  gi-docgen
)
# The demo's call, the browser suite (tests/browser/) and pipelines/webrtc/:
# real WebRTC calls between Chromium running LiveKit's worker and a
# webrtcbin peer (ICE: gstreamer1.0-nice; PyGObject's GstWebRTC/GstSdp/
# GstVideo), through Janus; each in a network namespace made with iproute2
# and util-linux's unshare. E2EE_SKIP_BROWSER=1 (scripts/demo.sh
# --no-browser) leaves them out, for the loopback demo.
browser_needed=1
[ "${E2EE_SKIP_BROWSER:-0}" = 1 ] && browser_needed=0
if [ $browser_needed = 1 ]; then
  packages+=(
    chromium janus gstreamer1.0-nice gir1.2-gst-plugins-base-1.0
    gir1.2-gst-plugins-bad-1.0 iproute2
  )
fi
# The interop suite and the benchmark run LiveKit's own client code in
# Node.js, the native suite LiveKit's Node SDK, whose prebuilt library
# (npm @livekit/rtc-ffi-bindings-linux-x64-gnu) needs only glibc, libstdc++6
# and libgcc-s1, which every Debian root has (apt itself links them). A machine that already has a node (NodeSource's, say) keeps it.
node_needed=1
[ "${E2EE_SKIP_NODE:-0}" = 1 ] && node_needed=0
if [ $node_needed = 1 ]; then
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

# What the project uses, one line each: how to check for it, its name, and
# the Debian package that ships it (named when the check fails). Checked
# after installing. A new dependency is a line here plus its package above.
#   element  a GStreamer element: gst-inspect-1.0 --exists, fresh registry
#   command  a program on PATH
#   pc       a pkg-config module that meson.build asks for
#   python   a module that /usr/bin/python3 imports
#   gi       a GObject-introspection namespace for /usr/bin/python3
needs='
command gcc                 gcc
command meson               meson
command ninja               ninja-build
command pkg-config          pkg-config
command g-ir-scanner        gobject-introspection
command gst-launch-1.0      gstreamer1.0-tools
command gst-inspect-1.0     gstreamer1.0-tools
pc      glib-2.0            libglib2.0-dev
pc      gobject-2.0         libglib2.0-dev
pc      gobject-introspection-1.0 libgirepository1.0-dev
pc      libsodium           libsodium-dev
pc      libcrypto           libssl-dev
pc      json-glib-1.0       libjson-glib-dev
pc      libsecret-1         libsecret-1-dev
command gnome-keyring-daemon gnome-keyring
command dbus-run-session    dbus-daemon
command gi-docgen           gi-docgen
command nm                  binutils
pc      gstreamer-1.0       libgstreamer1.0-dev
pc      gstreamer-base-1.0  libgstreamer1.0-dev
pc      gstreamer-check-1.0 libgstreamer1.0-dev
pc      gstreamer-rtp-1.0   libgstreamer-plugins-base1.0-dev
pc      gstreamer-app-1.0   libgstreamer-plugins-base1.0-dev
command /usr/bin/python3     python3
python  gi                  python3-gi
gi      GLib-2.0            gir1.2-glib-2.0
gi      Gst-1.0             gir1.2-gstreamer-1.0
element fakesink            libgstreamer1.0-0
element identity            libgstreamer1.0-0
element queue               libgstreamer1.0-0
element tee                 libgstreamer1.0-0
element appsink             gstreamer1.0-plugins-base
element appsrc              gstreamer1.0-plugins-base
element audioconvert        gstreamer1.0-plugins-base
element audioresample       gstreamer1.0-plugins-base
element audiotestsrc        gstreamer1.0-plugins-base
element opusdec             gstreamer1.0-plugins-base
element opusenc             gstreamer1.0-plugins-base
element videoconvert        gstreamer1.0-plugins-base
element videotestsrc        gstreamer1.0-plugins-base
element autoaudiosink       gstreamer1.0-plugins-good
element autovideosink       gstreamer1.0-plugins-good
element capssetter          gstreamer1.0-plugins-good
element filesink            libgstreamer1.0-0
element filesrc             libgstreamer1.0-0
element multifilesink       gstreamer1.0-plugins-good
element gdppay              gstreamer1.0-plugins-bad
element gdpdepay            gstreamer1.0-plugins-bad
element multiudpsink        gstreamer1.0-plugins-good
element pngenc              gstreamer1.0-plugins-good
element rtph264depay        gstreamer1.0-plugins-good
element rtph264pay          gstreamer1.0-plugins-good
element rtph265depay        gstreamer1.0-plugins-good
element rtph265pay          gstreamer1.0-plugins-good
element rtpjitterbuffer     gstreamer1.0-plugins-good
element rtpopusdepay        gstreamer1.0-plugins-good
element rtpopuspay          gstreamer1.0-plugins-good
element rtpvp8depay         gstreamer1.0-plugins-good
element rtpvp8pay           gstreamer1.0-plugins-good
element rtpvp9depay         gstreamer1.0-plugins-good
element rtpvp9pay           gstreamer1.0-plugins-good
element udpsink             gstreamer1.0-plugins-good
element udpsrc              gstreamer1.0-plugins-good
element vp8dec              gstreamer1.0-plugins-good
element vp8enc              gstreamer1.0-plugins-good
element vp9dec              gstreamer1.0-plugins-good
element vp9enc              gstreamer1.0-plugins-good
element h264parse           gstreamer1.0-plugins-bad
element h265parse           gstreamer1.0-plugins-bad
element openh264enc         gstreamer1.0-plugins-bad
element srtpdec             gstreamer1.0-plugins-bad
element srtpenc             gstreamer1.0-plugins-bad
element x265enc             gstreamer1.0-plugins-bad
element x264enc             gstreamer1.0-plugins-ugly
element avdec_h264          gstreamer1.0-libav
element avdec_h265          gstreamer1.0-libav
element textoverlay         gstreamer1.0-x
element timeoverlay         gstreamer1.0-x
element compositor          gstreamer1.0-plugins-base
element videoscale          gstreamer1.0-plugins-base
element imagefreeze         gstreamer1.0-plugins-good
element pngdec              gstreamer1.0-plugins-good
'
browser_needs='
element webrtcbin           gstreamer1.0-plugins-bad
element dtlssrtpenc         gstreamer1.0-plugins-bad
element dtlssrtpdec         gstreamer1.0-plugins-bad
element sctpenc             gstreamer1.0-plugins-bad
element sctpdec             gstreamer1.0-plugins-bad
element rtpbin              gstreamer1.0-plugins-good
element nicesrc             gstreamer1.0-nice
element nicesink            gstreamer1.0-nice
gi      GstWebRTC-1.0       gir1.2-gst-plugins-bad-1.0
gi      GstSdp-1.0          gir1.2-gst-plugins-base-1.0
gi      GstVideo-1.0        gir1.2-gst-plugins-base-1.0
command chromium            chromium
command janus               janus
command ip                  iproute2
command unshare             util-linux
'
if [ $browser_needed = 1 ]; then
  needs+="$browser_needs"
fi
if [ $node_needed = 1 ]; then
  needs+='
command node                nodejs
command npm                 npm
'
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # NodeSource's nodejs (where its apt source is set up) ships npm itself
    # and conflicts with Debian's npm package.
    if [[ " ${missing[*]} " == *" nodejs "* ]] &&
        apt-cache show --no-all-versions nodejs 2>/dev/null |
          grep -q '^Provides:.*\bnpm\b'; then
      for i in "${!missing[@]}"; do
        [ "${missing[$i]}" != npm ] || unset 'missing[i]'
      done
    fi
    echo "setup: installing ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # A test registry cached before this install may list a plugin as
    # unloadable; let the tests rebuild it.
    rm -f build/tests/registry.bin
  else
    echo "setup: these Debian packages are missing; install them with:" >&2
    echo "  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# Elements are looked up in a registry of their own, built now, so that a
# cached registry that saw a plugin before its libraries were installed
# cannot hide or fake one.
registry_dir=$(mktemp -d)
trap 'rm -rf "$registry_dir"' EXIT
has () {
  case "$1" in
    element)
      # --exists alone also asks for a plugin version >= GStreamer's own,
      # which libnice's plugin (0.1.x) is not.
      GST_REGISTRY_1_0="$registry_dir/registry.bin" \
        gst-inspect-1.0 --exists --atleast-version=0.0.0 "$2" 2>/dev/null ;;
    command) command -v "$2" >/dev/null 2>&1 ;;
    pc) pkg-config --exists "$2" 2>/dev/null ;;
    python) /usr/bin/python3 -c "import $2" 2>/dev/null ;;
    gi) /usr/bin/python3 -c "import gi; gi.require_version('${2%-*}', '${2##*-}')" \
          2>/dev/null ;;
    *) echo "setup: unknown kind '$1' in the needs table" >&2; return 1 ;;
  esac
}
while read -r kind name package; do
  [ -n "$kind" ] || continue
  if ! has "$kind" "$name"; then
    echo "setup: $kind $name is missing; it is in the Debian package $package (apt-get install $package)" >&2
    exit 1
  fi
done <<< "$needs"

if [ ! -f build/build.ninja ]; then
  meson setup build
fi
echo "setup: building in ./build"
meson compile -C build
echo "setup: built ./build"
