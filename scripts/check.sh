#!/usr/bin/env bash
# The static checks CI applies before the browser tests: types (src and tests, strict),
# lint, the custom-elements manifest is current, and the bundle builds within its budget.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/tsc --noEmit -p tsconfig.json
node_modules/.bin/tsc -p test/tsconfig.json
node_modules/.bin/eslint src test bench scripts
node scripts/check-manifest.mjs
npm run --silent build >/dev/null
node scripts/check-bundle.mjs
node scripts/check-package.mjs
