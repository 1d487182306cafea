#!/usr/bin/env bash
# The static checks CI applies before the browser tests: types (src and tests, strict),
# lint, the custom-elements manifest is current, the bundle builds within its budget, React
# and Vue apps type-check against the built package (and their mistakes do not), the package
# holds what it must, it imports and server-renders in Node, and every locked package accepts
# the Node versions package.json's engines promises.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/tsc --noEmit -p tsconfig.json
node_modules/.bin/tsc -p test/tsconfig.json
node_modules/.bin/eslint src test bench scripts
npm run --silent build >/dev/null
# after the build: the manifest's module paths must be files the package ships
node scripts/check-manifest.mjs
node scripts/check-bundle.mjs
node scripts/check-types.mjs
node scripts/check-package.mjs
node scripts/check-engines.mjs
# every entry imports in plain Node; @lit-labs/ssr renders the element's shell
node scripts/check-node.mjs
# rerun-video-encode round-trips (needs the user's ffmpeg, as the command does)
if command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null; then
  node scripts/check-encode.mjs
else
  echo "rerun-video-encode check skipped: ffmpeg/ffprobe not installed (apt-get install -y ffmpeg)"
fi
