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
// RERUN_VIDEO_SUMMARY_LABEL the line is prefixed with it ("shared phase: 3 passed, 0 failed"). The
// file also lists each session (browser, test file, its counts, ms spent in its tests), from
// which scripts/test-summary.mjs picks the files to run again.

import { writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

function countSuite(suite, counts) {
  if (!suite) return;
  for (const test of suite.tests ?? []) {
    if (test.skipped) counts.skipped += 1;
    else if (test.passed) counts.passed += 1;
    else counts.failed += 1;
  }
  for (const child of suite.suites ?? []) countSuite(child, counts);
}

function suiteMilliseconds(suite) {
  if (!suite) return 0;
  let ms = 0;
  for (const test of suite.tests ?? []) ms += test.duration ?? 0;
  for (const child of suite.suites ?? []) ms += suiteMilliseconds(child);
  return ms;
}

/** The counts of one test file in one browser. */
export function countSession(session) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  countSuite(session.testResults, counts);
  counts.failed += session.errors?.length ?? 0;
  const finished = session.status === 'FINISHED';
  if (!finished || (session.passed === false && counts.failed === 0)) counts.failed += 1;
  return counts;
}

export function countSessions(sessions) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const session of sessions) {
    const one = countSession(session);
    for (const key of Object.keys(counts)) counts[key] += one[key];
  }
  return counts;
}

/** Each session's counts, browser, file (relative to the working directory) and time in its tests. */
export function describeSessions(sessions) {
  return sessions.map((session) => ({
    browser: session.browser?.name ?? '?',
    file: path.relative(process.cwd(), session.testFile),
    ...countSession(session),
    ms: Math.round(suiteMilliseconds(session.testResults)),
  }));
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
        writeFileSync(process.env.RERUN_VIDEO_SUMMARY_FILE, JSON.stringify({ ...counts, sessions: describeSessions(sessions) }));
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
