#!/usr/bin/env bash
# npm test: browsers present -> static checks -> fixtures built -> web-test-runner in Chromium, Firefox and
# WebKit under a virtual X display (WebKitGTK's MiniBrowser has no headless mode).
#   BROWSERS=chromium npm test             one browser (chromium, firefox, webkit; comma list)
#   npm test -- --files test/foo.test.ts   extra arguments go to web-test-runner
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-browsers.sh
bash scripts/check.sh
[ ! -f test/fixtures/make-fixtures.sh ] || bash test/fixtures/make-fixtures.sh

if [ -n "${DISPLAY:-}" ] && [ "${RERUN_VIDEO_NO_XVFB:-}" = 1 ]; then
  exec node_modules/.bin/web-test-runner "$@"
fi
exec xvfb-run -a -s "-screen 0 1280x1024x24" node_modules/.bin/web-test-runner "$@"
