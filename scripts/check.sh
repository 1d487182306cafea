#!/usr/bin/env bash
# The static checks CI applies before the browser tests: types (src and tests, strict),
# lint, the custom-elements manifest is current, the bundle builds within its budget, React
# and Vue apps type-check against the built package (and their mistakes do not), the package
# holds what it must, it imports and server-renders in Node, and every locked package accepts
# the Node versions package.json's engines promises.
#
# Two lanes run side by side (the machines have 2 cores): the test type-check (src included,
# test/tsconfig.json) and lint in one, the build and what reads dist/ in the other. The build's
# own `tsc -p tsconfig.json` is the strict type-check of src; it is skipped when dist/ is newer
# than every input (`npm ci` has just run `prepare`), so CI does not build three times.
set -euo pipefail
cd "$(dirname "$0")/.."

build_is_current() {
  [ -f dist/rerun-video.min.js ] && [ -f dist/index.d.ts ] || return 1
  [ -z "$(find src rollup.config.mjs tsconfig.json package.json -type f -newer dist/rerun-video.min.js -print -quit)" ]
}

build_if_stale() {
  if build_is_current; then echo "check.sh: dist/ is newer than src/, not rebuilt"; else npm run --silent build >/dev/null; fi
}

# `scripts/check.sh --build`: only build when dist/ is stale (scripts/test.sh, before tests read dist/)
if [ "${1:-}" = --build ]; then
  build_if_stale
  exit
fi

# Each step of a lane runs whatever the one before did, and the lane fails if any step did. (Not
# `set -e`: bash ignores it inside a function or subshell whose status is tested, as `|| x` does.)
step() {
  "$@" || {
    local status=$?
    echo "check.sh: \`$*\` failed (exit $status)" >&2
    failed=1
  }
}

lane_types() {
  local failed=0
  step node_modules/.bin/tsc -p test/tsconfig.json
  step node_modules/.bin/eslint src test bench scripts
  return "$failed"
}

lane_package() {
  local failed=0
  step build_if_stale
  # after the build: the manifest's module paths must be files the package ships
  step node scripts/check-manifest.mjs
  step node scripts/check-bundle.mjs
  step node scripts/check-types.mjs
  step node scripts/check-package.mjs
  step node scripts/check-engines.mjs
  # every entry imports in plain Node; @lit-labs/ssr renders the element's shell
  step node scripts/check-node.mjs
  # rerun-video-encode round-trips (needs the user's ffmpeg, as the command does)
  if command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null; then
    step node scripts/check-encode.mjs
  else
    echo "rerun-video-encode check skipped: ffmpeg/ffprobe not installed (apt-get install -y ffmpeg)"
  fi
  return "$failed"
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The type lane's output is held and printed after, so the two lanes' lines do not interleave.
lane_types >"$log" 2>&1 &
types_pid=$!
package_status=0
lane_package || package_status=$?
types_status=0
wait "$types_pid" || types_status=$?
cat "$log"
if [ "$types_status" -ne 0 ]; then echo "check.sh: the type-check or lint failed (exit $types_status)" >&2; fi
if [ "$package_status" -ne 0 ]; then echo "check.sh: the build or a package check failed (exit $package_status)" >&2; fi
[ "$types_status" -eq 0 ] && [ "$package_status" -eq 0 ]
