#!/usr/bin/env bash
# Encrypts and sends one codec over RTP/UDP to 127.0.0.1.
#   pipelines/send.sh CODEC KEY_FILE [NUM_BUFFERS]
# CODEC is opus, vp8, vp9, h264 or h265. Without NUM_BUFFERS it runs until
# interrupted. Prints the gst-launch line it runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/codecs.sh"
codec=${1:?codec}; key=${2:?key file}; n=${3:--1}
e2ee_codec_setup "$codec"
line="$SOURCE num-buffers=$n ! $SOURCE_CAPS ! $ENCODE ! e2eeencrypt key-file=$key ! $PAY ! udpsink host=127.0.0.1 port=$PORT"
echo "gst-launch-1.0 -e $line"
exec gst-launch-1.0 -e $line
