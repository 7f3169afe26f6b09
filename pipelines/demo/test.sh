#!/usr/bin/env bash
# The `demo` test (suite demo): the demo's call, as scripts/demo.sh runs it
# (run.sh), then its picture checked from the file: picture.py selftest
# reads the PNG back, samples the SMPTE bars of each panel (Chromium's and
# the keyed receiver's must show the sender's seven bars, the keyless
# receiver's must not), and checks that copies of the picture with one
# wrong panel fail.
#
#   pipelines/demo/test.sh --png PATH [run.sh options]
#
# Exit status: run.sh's when the call was not verified (77: skipped, no
# network namespace or no browser here), else selftest's.
set -uo pipefail

here="$(cd "${0%/*}" && pwd)"
png=""
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --png) png="$2"; shift 2 ;;
    *) shift ;;
  esac
done
if [ -z "$png" ]; then
  echo "usage: $0 --png PATH [run.sh options]" >&2
  exit 2
fi
rm -f "$png"
"$here/run.sh" "${args[@]}" || exit $?
echo "picture check (picture.py selftest $png):"
exec /usr/bin/python3 "$here/picture.py" selftest "$png"
