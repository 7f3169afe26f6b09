#!/usr/bin/env bash
# Runs receive.sh and send.sh for one codec on loopback and checks that the
# receiver decrypted and decoded what was sent.
#   pipelines/loopback.sh CODEC [NUM_BUFFERS]
# Makes a fresh key file in a temporary folder. Exits 0 when at least 90% of
# the frames came out of the decoder (UDP may lose a packet or two).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/codecs.sh"
codec=${1:?codec}; n=${2:-90}
e2ee_codec_setup "$codec" || exit 2
encoder=${ENCODE%% *}
if ! gst-inspect-1.0 "$encoder" >/dev/null 2>&1; then
  echo "$codec: SKIP, encoder $encoder is not installed"
  exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$here/make-key-file.sh" "$tmp/key" >/dev/null

GST_LAUNCH_OPTS=-v "$here/receive.sh" "$codec" "$tmp/key" "fakesink name=out silent=false" \
    > "$tmp/receiver.log" 2>&1 &
receiver=$!
# Send only once the receiver's socket is bound (it is by PLAYING); a busy
# machine can take seconds to get there.
for _ in $(seq 100); do
  grep -q 'Setting pipeline to PLAYING' "$tmp/receiver.log" && break
  sleep 0.1
done
"$here/send.sh" "$codec" "$tmp/key" "$n" > "$tmp/sender.log" 2>&1
sent=$?
sleep 1
kill -INT $receiver 2>/dev/null; wait $receiver 2>/dev/null

decoded=$(grep -c 'out: last-message = chain' "$tmp/receiver.log")
errors=$(grep -ciE 'ERROR|decryption-failed' "$tmp/receiver.log")
echo "$codec: sent $n frames (sender exit $sent), receiver decoded $decoded buffers, $errors errors"
if [ $sent -ne 0 ] || [ "$errors" -ne 0 ] || [ "$decoded" -lt $((n * 9 / 10)) ]; then
  echo "--- sender"; tail -20 "$tmp/sender.log"; echo "--- receiver"; tail -20 "$tmp/receiver.log"
  exit 1
fi
