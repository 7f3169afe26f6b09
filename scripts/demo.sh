#!/usr/bin/env bash
# Sets up, builds, and runs the demo: a real end-to-end encrypted call in a
# network namespace of its own. A GStreamer sender (VP8 and Opus through
# e2eeencrypt) publishes to a Janus VideoRoom; headless Chromium running
# LiveKit's own E2EE worker, a GStreamer receiver with the key and one
# without it subscribe. Prints the figures it verified and writes
# demo-output/e2ee-demo.png: the sender's frame, Chromium's screenshot, the
# keyed receiver's frame and what the keyless one decodes.
#
#   scripts/demo.sh [--no-browser] [-v]
#
# --no-browser: the loopback demo instead (RTP/UDP on 127.0.0.1 to a
# receiver with the key and one without): no Chromium, Janus, Node.js or
# network namespace needed, and setup installs none of them.
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
  [ "$arg" != --no-browser ] || export E2EE_SKIP_BROWSER=1 E2EE_SKIP_NODE=1
done
scripts/setup.sh
exec pipelines/demo/run.sh "$@"
