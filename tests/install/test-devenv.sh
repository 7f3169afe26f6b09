#!/usr/bin/env bash
# `meson devenv -C build`: with nothing set by hand (no LD_LIBRARY_PATH,
# GI_TYPELIB_PATH or GST_PLUGIN_PATH), the elements and E2ee come from the
# build tree, and pipelines/webrtc/*.py start (their --help imports
# everything they use: Gst, E2ee, the peer).
#   test-devenv.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=${1:?build dir}; src=${2:?source dir}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
clean () { env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$tmp" "$@"; }
fail () { echo "not ok - $*"; exit 1; }

clean meson devenv -C "$build" /usr/bin/python3 - "$build" <<'PY' ||
import os, sys
import gi
gi.require_version("Gst", "1.0")
gi.require_version("E2ee", "1.0")
from gi.repository import E2ee, GIRepository, Gst  # noqa: E402

build = os.path.realpath(sys.argv[1])
Gst.init(None)
for name in ("e2eeencrypt", "e2eedecrypt", "e2eertpvp8pay"):
    factory = Gst.ElementFactory.find(name)
    assert factory is not None, name
    plugin = factory.get_plugin().get_filename()
    assert os.path.realpath(plugin).startswith(build), plugin
typelib = GIRepository.Repository.get_default().get_typelib_path("E2ee")
assert os.path.realpath(typelib).startswith(build), typelib
E2ee.KeyProvider.new()
print("# devenv: plugin %s, typelib %s" % (plugin, typelib))
PY
  fail "meson devenv: E2ee and the elements from the build tree"
echo "ok - meson devenv: Gst finds the elements and E2ee in $build"

for script in browser-call.py janus-videoroom.py; do
  clean meson devenv -C "$build" /usr/bin/python3 \
    "$src/pipelines/webrtc/$script" --help > "$tmp/out" 2>&1 ||
    { cat "$tmp/out"; fail "meson devenv: pipelines/webrtc/$script --help"; }
  echo "ok - meson devenv: pipelines/webrtc/$script starts"
done
echo "devenv: all checks passed"
