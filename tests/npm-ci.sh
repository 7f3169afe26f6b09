#!/usr/bin/env bash
# Installs the npm packages a test suite pins, exactly: `npm ci` from the
# suite's package.json and package-lock.json into a directory of the build
# tree, again only when the lock file changed since the last install there
# or a package is missing. Suites running in parallel on one directory take
# turns (flock).
#
#   tests/npm-ci.sh SUITE_DIR NPM_DIR PACKAGE...
#
# SUITE_DIR holds package.json and package-lock.json; each PACKAGE must be
# in NPM_DIR/node_modules afterwards. Exit status 1 when npm ci fails.
set -euo pipefail

suite_dir="$1"
npm_dir="$2"
shift 2

mkdir -p "$npm_dir"
exec 9>"$npm_dir/.lock"
flock -w 300 9 || { echo "npm ci: could not lock $npm_dir" >&2; exit 1; }

current=1
cmp -s "$suite_dir/package-lock.json" "$npm_dir/package-lock.json" || current=0
for package in "$@"; do
  [ -f "$npm_dir/node_modules/$package/package.json" ] || current=0
done
if [ "$current" = 0 ]; then
  cp "$suite_dir/package.json" "$suite_dir/package-lock.json" "$npm_dir/"
  echo "npm ci ($* from package-lock.json) in $npm_dir"
  (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error) || {
    echo "npm ci failed: cannot install the pinned $*" >&2
    exit 1
  }
fi
