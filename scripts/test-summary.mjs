// The counts of `npm test` (scripts/test.sh), from the JSON files the summary reporter writes
// (test/reporters/summary-reporter.mjs) into one directory: shared.json, alone.json (the two
// phases), check.json (only when the static checks failed) and retry-<browser>.json.
//
//   node scripts/test-summary.mjs retry DIR ELAPSED_S BUDGET_S
//       prints "browser file file ..." for each browser with a test file that failed, when
//       running those files again fits in the time left (BUDGET_S - ELAPSED_S); says why not
//       on stderr otherwise.
//   node scripts/test-summary.mjs total DIR
//       prints the last line, `N passed, N failed[, N skipped]`, and exits 1 if anything
//       failed. A file run again is counted from its second run (both runs are printed above
//       it); a file that failed twice counts as failed.
//
// Why a second run: on this 2-core machine the WebDriver session of WebKitGTK's MiniBrowser
// sometimes drops mid-file ("browser disconnected", "invalid session id"), and WebKitGTK's
// canvas has read back black once in a few hundred pictures under load; neither reproduces
// on its own. A real fault fails both runs.

import { readFileSync } from 'node:fs';

/** Files a second run is for at most (a disconnect loses the browser's files after it). */
const MAX_RETRIED_FILES = 12;
/** A browser start and the first module graph, on top of a file's own test time. */
const START_MS = 20_000;

const [command, dir, ...rest] = process.argv.slice(2);
if ((command !== 'retry' && command !== 'total') || !dir) {
  console.error('usage: test-summary.mjs retry DIR ELAPSED_S BUDGET_S | total DIR');
  process.exit(2);
}

function readJson(name) {
  try {
    return JSON.parse(readFileSync(`${dir}/${name}.json`, 'utf8'));
  } catch {
    return null;
  }
}

const launcherName = (browser) => browser.toLowerCase();

/** The two phases' counts and sessions, read once (one that wrote nothing or ran nothing counts 1 failed). */
const phases = ['shared', 'alone'].map((phase) => {
  const counts = readJson(phase);
  if (counts?.sessions?.length) return { phase, counts, sessions: counts.sessions };
  const why = counts ? 'ran no test file' : 'reported no counts (the runner did not finish)';
  if (command === 'total') console.error(`npm test: the ${phase} phase ${why}: counted as 1 failed`);
  return { phase, counts: { passed: 0, failed: 1, skipped: 0 }, sessions: [] };
});

if (command === 'retry') {
  const [elapsed, budget] = rest.map(Number);
  const failed = phases.flatMap(({ sessions }) => sessions.filter((s) => s.failed > 0));
  // a phase that did not finish is no flake to run again
  if (failed.length === 0 || phases.some(({ sessions, counts }) => sessions.length === 0 && counts.failed > 0)) process.exit(0);
  const files = failed.map((s) => `${s.browser} ${s.file}`).join(', ');
  if (failed.length > MAX_RETRIED_FILES) {
    console.error(`npm test: ${failed.length} test files failed (${files}): more than ${MAX_RETRIED_FILES}, not run again`);
    process.exit(0);
  }
  // A file that never ran (the browser went away before it) takes what it took the others.
  const longest = new Map();
  for (const { sessions } of phases) for (const s of sessions) longest.set(s.file, Math.max(longest.get(s.file) ?? 0, s.ms));
  const browsers = new Map();
  for (const s of failed) {
    const entry = browsers.get(s.browser) ?? { files: [], ms: START_MS };
    entry.files.push(s.file);
    entry.ms += Math.max(s.ms, longest.get(s.file) ?? 0);
    browsers.set(s.browser, entry);
  }
  const needed = [...browsers.values()].reduce((sum, b) => sum + b.ms, 0) / 1000;
  if (elapsed + needed > budget) {
    console.error(`npm test: failed files (${files}) would take ~${Math.round(needed)} s to run again, past the ${budget} s budget (${Math.round(elapsed)} s gone): not run again`);
    process.exit(0);
  }
  for (const [browser, { files: list }] of browsers) console.log(`${launcherName(browser)} ${list.join(' ')}`);
} else {
  const total = { passed: 0, failed: 0, skipped: 0 };
  const add = (counts, sign = 1) => {
    for (const key of Object.keys(total)) total[key] += sign * (counts[key] ?? 0);
  };
  const retried = [];
  for (const { phase, counts, sessions } of phases) {
    add(counts);
    for (const session of sessions) {
      if (session.failed === 0) continue;
      const again = readJson(`retry-${launcherName(session.browser)}`)?.sessions?.find((s) => s.file === session.file);
      if (!again) continue;
      add(session, -1);
      add(again);
      retried.push(
        `  ${session.browser} ${session.file} (${phase} phase): ${session.failed} failed the first time; ` +
          `run again: ${again.passed} passed, ${again.failed} failed` + (again.failed ? '' : ' (counted)'),
      );
    }
  }
  const check = readJson('check');
  if (check) add(check);
  if (retried.length) console.log(`\nrun a second time, after a failure (the first run's output is above):\n${retried.join('\n')}`);
  console.log(`\n${total.passed} passed, ${total.failed} failed` + (total.skipped ? `, ${total.skipped} skipped` : ''));
  process.exit(total.failed > 0 ? 1 : 0);
}
