#!/usr/bin/env bash
# Receives one codec over RTP/UDP on 127.0.0.1, decrypts and decodes it.
#   pipelines/receive.sh CODEC KEY_FILE [SINK]
# SINK defaults to autovideosink/autoaudiosink; use fakesink on a headless
# machine. Prints the gst-launch line it runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/codecs.sh"
codec=${1:?codec}; key=${2:?key file}
e2ee_codec_setup "$codec"
if [ -n "${3:-}" ]; then sink=$3
elif [ "$codec" = opus ]; then sink=autoaudiosink
else sink=autovideosink; fi
line="udpsrc address=127.0.0.1 port=$PORT caps=$CAPS ! rtpjitterbuffer latency=100 ! $DEPAY ! e2eedecrypt key-file=$key ! $DECODE ! $sink"
echo "gst-launch-1.0 $line"
exec gst-launch-1.0 ${GST_LAUNCH_OPTS:-} $line
