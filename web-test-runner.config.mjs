// @web/test-runner configuration for rerun-video.
//
// Runs test/**/*.test.ts in Chromium, Firefox and WebKit (WebKitGTK MiniBrowser), one test
// file at a time in each browser. `npm test` (scripts/test.sh) runs it twice, by phase
// (RERUN_VIDEO_PHASE): `shared`, the files that do not mind a busy machine, with the three
// browsers side by side (most of their time is waiting on timers, the network, teardown
// delays: side by side that phase takes half as long on the 2 cores); then `alone`, one
// browser at a time, the files that time things or decode heavily (ALONE, reasons there).
// Without RERUN_VIDEO_PHASE: every file, one browser at a time.
//
//   npm test                          all three browsers (under xvfb-run, see scripts/test.sh)
//   BROWSERS=chromium npm test        one browser; comma-separate several:
//   BROWSERS=firefox,webkit npm test  names: chromium, firefox, webkit
//   npm run test:chromium / test:firefox / test:webkit
//   npm test -- --files test/foo.test.ts     one file (extra args go to web-test-runner)
//
// Static files: /<path> is the project root, /corpus/<file> ../shared/corpus/<file>; media
// are served with byte ranges, no-store and optional faults (?throttle=, ?norange, ...):
// test/server/ranges.mjs and faults.mjs. Server commands: `request-log`
// (test/server/request-log.mjs), `corpus-result`, `fuzz-config`, `fuzz-result`
// (test/server/commands.mjs). Browser launchers: scripts/launchers.mjs.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { defaultReporter } from '@web/test-runner';
import { esbuildPlugin } from '@web/dev-server-esbuild';

import { launchers } from './scripts/launchers.mjs';
import { reactEsmPlugin } from './scripts/react-esm.mjs';
import { corpusResultPlugin, FUZZ_FINISH_TIMEOUT, fuzzPlugin } from './test/server/commands.mjs';
import { rangeMiddleware } from './test/server/ranges.mjs';
import { requestLogMiddleware, requestLogPlugin } from './test/server/request-log.mjs';
import { summaryReporter } from './test/reporters/summary-reporter.mjs';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * Never beside another browser. Measured with all three side by side: playback and media-chrome
 * count frames painted and dropped against the wall clock (5 dropped where 2 may be); loading
 * times first frames against a throttled server (2124 ms where 1826 may be); MediaRecorder
 * records in real time and then left out 11 of 40 frames (Firefox). The rest decode many files
 * and check every picture: beside the other browsers WebKitGTK's canvas then read back black or
 * another frame after a paint that seek() had reported (corpus: 3026x1386 H.264 and 10-bit HEVC;
 * lifecycle: one of 16 elements; webm: AV1 code 2 for 28), and a lazy docs page's element that
 * was scrolled to never loaded. Docs, edge-cases and encode show videos in WebKit and go with them;
 * long-head times a paint against a table read, as loading times its first frames; presenter
 * plays for its frames (once, beside the other browsers, 30 frame events did not come in 10 s).
 */
const ALONE = [
  'test/playback.test.ts',
  'test/media-chrome.test.ts',
  'test/loading.test.ts',
  'test/long-head.test.ts',
  'test/presenter.test.ts',
  'test/lifecycle.test.ts',
  'test/webm.test.ts',
  'test/rerun-video.test.ts',
  'test/fallback.test.ts',
  'test/docs.test.ts',
  'test/edge-cases.test.ts',
  'test/encode.test.ts',
  'test/corpus.test.ts',
  // last: WebKitGTK's WebDriver session once dropped during it here, and every file after it was lost
  'test/webm-recorder.test.ts',
];
const PHASE = process.env.RERUN_VIDEO_PHASE;
if (PHASE && PHASE !== 'shared' && PHASE !== 'alone') throw new Error(`RERUN_VIDEO_PHASE=${PHASE}: want shared or alone`);
const FILES = {
  shared: ['test/**/*.test.ts', ...ALONE.map((file) => `!${file}`)],
  alone: ALONE,
};

export default {
  rootDir: ROOT,
  files: PHASE ? FILES[PHASE] : ['test/**/*.test.ts'],
  nodeResolve: true,

  browsers: await launchers(process.env.BROWSERS),
  concurrency: 1,
  concurrentBrowsers: PHASE === 'shared' ? 3 : 1,

  browserStartTimeout: 120_000, // MiniBrowser / Firefox cold start on a busy 2-core box
  testsStartTimeout: 120_000, // first esbuild transform + module graph load
  testsFinishTimeout: FUZZ_FINISH_TIMEOUT ?? 300_000, // per test file (fuzzing: see commands.mjs)

  testFramework: {
    config: {
      ui: 'bdd',
      timeout: 20_000, // per test: video decoding is slow on 2 cores
    },
  },

  // Lit's dev build (picked by nodeResolve's "development" condition) warns once per file
  filterBrowserLogs: ({ args }) => !(typeof args[0] === 'string' && args[0].startsWith('Lit is in dev mode')),

  // the log first: it must see every request and the bytes of every answer
  middleware: [requestLogMiddleware, rangeMiddleware(ROOT)],

  plugins: [
    // src uses Lit legacy decorators (experimentalDecorators, useDefineForClassFields: false):
    // esbuild reads those from tsconfig.json's compilerOptions.
    esbuildPlugin({ ts: true, tsconfig: path.join(ROOT, 'tsconfig.json'), target: 'es2022' }),
    // react and react-dom are CommonJS only (test/react.test.ts)
    reactEsmPlugin(ROOT),
    requestLogPlugin(),
    corpusResultPlugin(ROOT),
    fuzzPlugin(ROOT),
  ],

  reporters: [defaultReporter(), summaryReporter()],
};
