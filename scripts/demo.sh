#!/usr/bin/env bash
# Sets up, builds, and runs the demo: an encrypted audio and video call on
# loopback. Prints what it verified and writes demo-output/e2ee-demo.png
# (the decrypted picture beside what a receiver without the key decodes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p demo-output
GST_PLUGIN_PATH="$PWD/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}" \
  /usr/bin/python3 pipelines/demo.py --png demo-output/e2ee-demo.png "$@"
