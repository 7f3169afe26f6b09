#!/usr/bin/env bash
# Runs the benchmark of issue 5 (tests/bench/README.md): builds ./build,
# installs the pinned livekit-client for part e (npm ci, as the interop
# suite does), then runs `meson test --benchmark --suite bench`.
#
#   scripts/bench.sh                    # the full run, about 2-3 minutes
#   scripts/bench.sh --quick            # a short smoke run
#   scripts/bench.sh --parts ab         # some parts only (a b c d e f)
#   E2EE_BENCH_JSON=/tmp/b.json scripts/bench.sh
#   E2EE_BENCH_BUILD_DIR=build-x scripts/bench.sh   # an existing build dir
#
# The table goes to the terminal; the JSON to <build dir>/bench.json unless
# E2EE_BENCH_JSON says otherwise. Without Node.js, part e is skipped.
set -euo pipefail

cd "$(dirname "$0")/.."
build="${E2EE_BENCH_BUILD_DIR:-build}"
if [ "$build" = build ]; then
  scripts/setup.sh
else
  ninja -C "$build"
fi

npm_dir="$build/tests/interop/npm"
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  if ! cmp -s tests/interop/package-lock.json "$npm_dir/package-lock.json" ||
      [ ! -f "$npm_dir/node_modules/livekit-client/package.json" ]; then
    mkdir -p "$npm_dir"
    cp tests/interop/package.json tests/interop/package-lock.json "$npm_dir/"
    (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error) ||
      echo "bench: npm ci failed; part e runs without LiveKit's worker" >&2
  fi
fi

args=()
if [ $# -gt 0 ]; then
  args=(--test-args "$*")
fi
exec meson test -C "$build" --benchmark --suite bench --verbose "${args[@]}"
