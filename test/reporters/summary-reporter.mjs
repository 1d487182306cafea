// A @web/test-runner reporter that prints exactly one plain closing line:
//
//   N passed, N failed[, N skipped]
//
// summed over every test of every test file in every browser. Use it next to the
// default reporter:  reporters: [defaultReporter(), summaryReporter()].
//
// Counting rules:
//   * every test in the (nested) suites of session.testResults counts once per browser;
//   * a session error (file failed to load, uncaught error, hook failure, timeout,
//     browser crash/fail to start) counts as one failure per error, and a session that
//     did not pass but has neither failed tests nor errors still counts as one failure;
//   * a session that never finished (runner stopped/crashed mid-run) counts as a failure.
//
// The line is written from a process 'exit' listener with a synchronous write, so it is
// the LAST thing printed: the default reporter prints its final progress/summary after
// reporters' stop() hooks, and the runner exits right after that.
//
// scripts/test.sh runs the runner more than once (by phase) and prints the sum itself: with
// RERUN_VIDEO_SUMMARY_FILE set, the counts also go to that file as JSON, and with
// RERUN_VIDEO_SUMMARY_LABEL the line is prefixed with it ("shared phase: 3 passed, 0 failed").

import { writeFileSync, writeSync } from 'node:fs';

function countSuite(suite, counts) {
  if (!suite) return;
  for (const test of suite.tests ?? []) {
    if (test.skipped) counts.skipped += 1;
    else if (test.passed) counts.passed += 1;
    else counts.failed += 1;
  }
  for (const child of suite.suites ?? []) countSuite(child, counts);
}

export function countSessions(sessions) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const session of sessions) {
    const before = counts.failed;
    countSuite(session.testResults, counts);
    const errors = session.errors?.length ?? 0;
    counts.failed += errors;
    const finished = session.status === 'FINISHED';
    if (!finished || (session.passed === false && counts.failed === before)) {
      counts.failed += 1;
    }
  }
  return counts;
}

export function formatCounts({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : '');
}

export function summaryReporter() {
  let sessionManager;
  let finalSessions;
  let printed = false;

  const printLine = () => {
    if (printed) return;
    printed = true;
    const sessions = finalSessions ?? (sessionManager ? Array.from(sessionManager.all()) : []);
    const counts = countSessions(sessions);
    const label = process.env.RERUN_VIDEO_SUMMARY_LABEL;
    const line = (label ? `${label}: ` : '') + formatCounts(counts);
    if (process.env.RERUN_VIDEO_SUMMARY_FILE) {
      try {
        writeFileSync(process.env.RERUN_VIDEO_SUMMARY_FILE, JSON.stringify(counts));
      } catch {
        // the caller then finds no counts and says so
      }
    }
    // Leading newline: guarantee the line starts at column 0 even if something left
    // a partial line behind. Synchronous write: we are inside process 'exit'.
    try {
      writeSync(1, `\n${line}\n`);
    } catch {
      // stdout closed: nothing sensible to do
    }
  };

  return {
    start({ sessions }) {
      sessionManager = sessions;
      process.on('exit', printLine);
    },
    onTestRunFinished({ sessions }) {
      finalSessions = sessions;
    },
    stop({ sessions }) {
      finalSessions = sessions;
    },
  };
}

export default summaryReporter;
