#!/usr/bin/env bash
# npm test: browsers present -> build -> fixtures -> static checks and web-test-runner in Chromium, Firefox
# and WebKit under a virtual X display (WebKitGTK's MiniBrowser has no headless mode).
#   BROWSERS=chromium npm test             one browser (chromium, firefox, webkit; comma list)
#   npm test -- --files test/foo.test.ts   extra arguments go to web-test-runner (one run, one browser at a time)
#
# Without extra arguments the runner runs twice (web-test-runner.config.mjs, RERUN_VIDEO_PHASE):
# the `shared` phase with the browsers side by side and scripts/check.sh beside it, then the
# `alone` phase (timing and heavy decoding) one browser at a time. Each phase prints its own
# labelled count; the last line is their sum, `N passed, N failed[, N skipped]`, and the exit
# status is non-zero if a test or the static checks failed. A test file that failed is run once
# more, when time allows, and counted from that run (scripts/test-summary.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-browsers.sh
# the docs pages load dist/: built (when stale) before any test reads it
bash scripts/check.sh --build
[ ! -f test/fixtures/make-fixtures.sh ] || bash test/fixtures/make-fixtures.sh

runner() {
  if [ -n "${DISPLAY:-}" ] && [ "${RERUN_VIDEO_NO_XVFB:-}" = 1 ]; then
    node_modules/.bin/web-test-runner "$@"
  else
    xvfb-run -a -s "-screen 0 1280x1024x24" node_modules/.bin/web-test-runner "$@"
  fi
}

if [ "$#" -gt 0 ]; then
  bash scripts/check.sh
  runner "$@"
  exit
fi

# RERUN_VIDEO_COUNTS_DIR keeps the phases' JSON (each file's counts and test time) for a look after
if [ -n "${RERUN_VIDEO_COUNTS_DIR:-}" ]; then
  counts_dir=$RERUN_VIDEO_COUNTS_DIR
  mkdir -p "$counts_dir"
  rm -f "$counts_dir"/*.json
else
  counts_dir=$(mktemp -d)
  trap 'rm -rf "$counts_dir"' EXIT
fi
# The static checks run beside the shared phase, at the lowest priority: they take the CPU the
# browsers leave while their tests wait (a CI run at normal priority saw WebKit paint nothing
# once and MediaRecorder drop frames). Their output is printed once both are done.
nice -n 19 bash scripts/check.sh >"$counts_dir/check.log" 2>&1 &
check_pid=$!
# Each run's counts go to $counts_dir (a run that writes none counts as failed): its exit status adds nothing.
RERUN_VIDEO_PHASE=shared RERUN_VIDEO_SUMMARY_LABEL="shared phase" RERUN_VIDEO_SUMMARY_FILE="$counts_dir/shared.json" \
  runner || true
check_status=0
wait "$check_pid" || check_status=$?
echo "--- scripts/check.sh (static checks, run beside the shared phase) ---"
cat "$counts_dir/check.log"
if [ "$check_status" -ne 0 ]; then
  echo "npm test: the static checks failed (exit $check_status), see above; counted as 1 failed"
  echo '{"passed":0,"failed":1,"skipped":0}' >"$counts_dir/check.json"
fi
RERUN_VIDEO_PHASE=alone RERUN_VIDEO_SUMMARY_LABEL="alone phase" RERUN_VIDEO_SUMMARY_FILE="$counts_dir/alone.json" \
  runner || true
# A test file that failed runs once more in its browser when the time left allows it
# (scripts/test-summary.mjs says why: WebKitGTK's WebDriver session drops now and then); the
# last line counts it from that run, and lists it.
retries=$(node scripts/test-summary.mjs retry "$counts_dir" "$SECONDS" "${RERUN_VIDEO_TIME_BUDGET:-780}") || retries=""
while read -r -u 3 browser files; do
  [ -n "$browser" ] || continue
  echo "--- npm test: running again in $browser: $files ---"
  # shellcheck disable=SC2086 # the file list is word-split on purpose
  BROWSERS=$browser RERUN_VIDEO_SUMMARY_LABEL="second run in $browser" RERUN_VIDEO_SUMMARY_FILE="$counts_dir/retry-$browser.json" \
    runner --files $files || true
done 3<<<"$retries"
# the last line, and the exit status (set -e: a failure ends the script with it, after the trap)
node scripts/test-summary.mjs total "$counts_dir"
