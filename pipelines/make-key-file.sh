#!/usr/bin/env bash
# Writes 32 random bytes of key material to FILE (default: e2ee.key),
# readable by its owner only. Both ends of a call need the same file; the
# elements derive the AES key from it with HKDF, as LiveKit does for raw keys.
set -euo pipefail
file=${1:-e2ee.key}
umask 077
head -c 32 /dev/urandom > "$file"
chmod 600 "$file"
echo "wrote $file (32 bytes, mode 600)"
