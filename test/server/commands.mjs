// The other server commands of the test suite.
//
// `corpus-result`: test/corpus.test.ts appends one JSON line per corpus file and browser to
// test/corpus-results.jsonl (WebKit has no page console over WebDriver);
// scripts/corpus-table.mjs turns the newest line per file x browser into a table.
//
// Fuzzing (test/fuzz.test.ts, driven by scripts/fuzz.mjs / `npm run fuzz`):
//   `fuzz-config`  -> { cases, seed, replay, formats } from FUZZ_CASES, FUZZ_SEED, FUZZ_REPLAY, FUZZ_FORMATS (unset: null,
//                     the test then uses its own fixed defaults)
//   `fuzz-result`  -> appends the payload, plus the browser's name, as one JSON line to the file
//                     FUZZ_RESULTS names (relative to the project root); without FUZZ_RESULTS a no-op.
// With FUZZ_CASES set the per-file time limit grows with it (FUZZ_FINISH_TIMEOUT): a case takes
// at most ~15 s.

import fs from 'node:fs';
import path from 'node:path';

export function corpusResultPlugin(root) {
  return {
    name: 'corpus-result',
    executeCommand({ command, payload }) {
      if (command !== 'corpus-result') return undefined;
      fs.appendFileSync(path.join(root, 'test/corpus-results.jsonl'), JSON.stringify(payload) + '\n');
      return true;
    },
  };
}

const FUZZ_CASES = process.env.FUZZ_CASES ? Number(process.env.FUZZ_CASES) : undefined;

/** testsFinishTimeout for a fuzzing run, undefined otherwise. */
const FUZZ_FORMATS = (process.env.FUZZ_FORMATS || 'mp4,webm').split(',').filter(Boolean).length;
export const FUZZ_FINISH_TIMEOUT = FUZZ_CASES > 0 ? Math.max(300_000, 60_000 + FUZZ_CASES * FUZZ_FORMATS * 20_000) : undefined;

export function fuzzPlugin(root) {
  return {
    name: 'fuzz',
    executeCommand({ command, payload, session }) {
      if (command === 'fuzz-config') {
        const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
        return {
          cases: FUZZ_CASES ?? null,
          seed: Number.isFinite(seed) ? seed : null,
          replay: process.env.FUZZ_REPLAY || null,
          formats: process.env.FUZZ_FORMATS || null,
        };
      }
      if (command === 'fuzz-result') {
        if (!process.env.FUZZ_RESULTS) return true;
        const file = path.resolve(root, process.env.FUZZ_RESULTS);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.appendFileSync(file, JSON.stringify({ browser: session?.browser?.name, ...payload }) + '\n');
        return true;
      }
      return undefined;
    },
  };
}
