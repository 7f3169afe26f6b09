#!/usr/bin/env bash
# Writes a key file FILE (default: e2ee.key): 32 random bytes as hex text,
# readable by its owner only, never over an existing file. Both ends of a
# call need the same file; the elements derive the AES key from it with
# HKDF, as LiveKit does for raw keys.
#
# This is e2ee-key new (the installed tool; see `e2ee-key --help` for
# fingerprints, ratchets and the Secret Service); the script finds it in
# the build tree when it is not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
file=${1:-e2ee.key}
if command -v e2ee-key >/dev/null 2>&1; then
  exec e2ee-key new "$file"
fi
for tool in "$here/../build/tools/e2ee-key" "${MESON_BUILD_ROOT:-}/tools/e2ee-key"; do
  [ -x "$tool" ] && exec "$tool" new "$file"
done
echo "make-key-file: e2ee-key is not built (meson compile -C build) or installed" >&2
exit 1
