#!/usr/bin/env bash
# Installs gst-e2ee into a temporary prefix and uses it as a user would,
# with nothing but the one variable each use needs:
#   GST_PLUGIN_PATH   gst-inspect-1.0 e2eeencrypt finds and loads the plugin
#                     (which finds libe2ee-keyring through its RPATH);
#   GI_TYPELIB_PATH   `from gi.repository import E2ee` works (the installed
#                     typelib names the library by its path in the prefix);
#   PKG_CONFIG_PATH   a C program builds against e2ee-keyring-1.0 and runs;
# and the installed e2ee-key tool runs with no variable at all.
#   test-prefix-install.sh SOURCE_DIR
set -euo pipefail
src=${1:?source dir}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail () { echo "not ok - $*"; exit 1; }

echo "# configure and install into $prefix"
meson setup "$tmp/build" "$src" --prefix="$prefix" -Dtests=disabled \
  -Dexamples=disabled -Dfuzzing=disabled ${E2EE_INSTALL_TEST_OPTIONS:-} \
  > "$tmp/setup.log" 2>&1 || { tail -30 "$tmp/setup.log"; fail "meson setup"; }
meson compile -C "$tmp/build" -j 2 > "$tmp/compile.log" 2>&1 ||
  { tail -30 "$tmp/compile.log"; fail "meson compile"; }
meson install -C "$tmp/build" > "$tmp/install.log" 2>&1 ||
  { tail -30 "$tmp/install.log"; fail "meson install"; }
libdir=$(meson introspect --buildoptions "$tmp/build" |
  /usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "libdir"))')
echo "ok - installed (libdir $libdir)"

# A clean environment: no LD_LIBRARY_PATH, GST_PLUGIN_PATH_1_0 or
# GI_TYPELIB_PATH from the test runner, a HOME (and so a registry) of its own.
clean () {
  env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$tmp/home" "$@"
}
mkdir -p "$tmp/home"

plugins=$prefix/$libdir/gstreamer-1.0
out=$(clean GST_PLUGIN_PATH="$plugins" gst-inspect-1.0 e2eeencrypt 2>&1) ||
  { echo "$out" | head -20; fail "GST_PLUGIN_PATH alone: gst-inspect-1.0 e2eeencrypt"; }
echo "$out" | grep -q "Filename *$plugins/libgste2ee.so" ||
  fail "gst-inspect-1.0 e2eeencrypt does not load $plugins/libgste2ee.so"
echo "$out" | grep -q 'key-provider' || fail "e2eeencrypt shows no properties"
echo "ok - GST_PLUGIN_PATH alone: gst-inspect-1.0 e2eeencrypt"

typelibs=$prefix/$libdir/girepository-1.0
clean GI_TYPELIB_PATH="$typelibs" /usr/bin/python3 - "$prefix" <<'PY' ||
import sys
import gi
gi.require_version("E2ee", "1.0")
from gi.repository import E2ee, GIRepository  # noqa: E402

prefix = sys.argv[1]
repo = GIRepository.Repository.get_default()
typelib = repo.get_typelib_path("E2ee")
library = repo.get_shared_library("E2ee")
assert typelib.startswith(prefix), typelib
assert library.startswith(prefix + "/"), library
provider = E2ee.KeyProvider(shared_key=False)
provider.set_passphrase("alice", "installed", 0, True)
assert provider.has_key("alice", 0)
print("# typelib %s, library %s" % (typelib, library))
PY
  fail "GI_TYPELIB_PATH alone: from gi.repository import E2ee"
echo "ok - GI_TYPELIB_PATH alone: from gi.repository import E2ee"

cat > "$tmp/app.c" <<'C'
#include <keyring/e2ee.h>

int
main (void)
{
  E2eeKeyProvider *provider = e2ee_key_provider_new ();
  GError *error = NULL;

  if (!e2ee_key_provider_set_passphrase (provider, NULL, "installed", 0,
          TRUE, &error))
    return 1;
  g_print ("keys: %u\n", e2ee_key_provider_get_n_keys (provider));
  g_object_unref (provider);
  return 0;
}
C
pcdir=$prefix/$libdir/pkgconfig
cflags=$(clean PKG_CONFIG_PATH="$pcdir" pkg-config --cflags e2ee-keyring-1.0) ||
  fail "pkg-config --cflags e2ee-keyring-1.0"
libs=$(clean PKG_CONFIG_PATH="$pcdir" pkg-config --libs e2ee-keyring-1.0)
pclibdir=$(clean PKG_CONFIG_PATH="$pcdir" pkg-config --variable=libdir e2ee-keyring-1.0)
# shellcheck disable=SC2086
cc -o "$tmp/app" "$tmp/app.c" $cflags $libs -Wl,-rpath,"$pclibdir" ||
  fail "a C program does not build against pkg-config e2ee-keyring-1.0"
[ "$(clean "$tmp/app")" = "keys: 1" ] || fail "the C program does not run"
echo "ok - a C program builds against pkg-config e2ee-keyring-1.0 and runs"

if [ -x "$prefix/bin/e2ee-key" ]; then
  clean "$prefix/bin/e2ee-key" new "$tmp/k" >/dev/null ||
    fail "the installed e2ee-key does not run"
  clean "$prefix/bin/e2ee-key" fingerprint "$tmp/k" >/dev/null ||
    fail "e2ee-key fingerprint"
  echo "ok - the installed e2ee-key runs"
else
  fail "e2ee-key is not installed in $prefix/bin"
fi

if [ -n "${E2EE_EXPECT_DOCS:-}" ]; then
  index=$prefix/share/doc/e2ee-1.0/index.html
  [ -f "$index" ] || fail "no API docs installed ($index)"
  [ -f "$prefix/share/doc/e2ee-1.0/plugin-e2ee.html" ] ||
    fail "no plugin page installed"
  echo "ok - API docs installed in $prefix/share/doc/e2ee-1.0"
fi
echo "prefix install: all checks passed"
