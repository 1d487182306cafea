// @web/test-runner configuration for rerun-video.
//
// Runs test/**/*.test.ts in Chromium, Firefox and WebKit (WebKitGTK MiniBrowser),
// one test file at a time and one browser at a time (the machines have 2 cores and
// video decoding is CPU bound).
//
//   npm test                          all three browsers (under xvfb-run, see scripts/test.sh)
//   BROWSERS=chromium npm test        one browser; comma-separate several:
//   BROWSERS=firefox,webkit npm test  names: chromium, firefox, webkit
//   npm run test:chromium / test:firefox / test:webkit
//   npm test -- --files test/foo.test.ts     one file (extra args go to web-test-runner)
//
// Static files:
//   /<path>            the project root (e.g. /test/fixtures/media/h264-bframes.mp4)
//   /corpus/<file>     ../shared/corpus/<file> (override the dir with RERUN_VIDEO_CORPUS)
//   Media/binary files and everything under /corpus/ are served by our own middleware
//   with single HTTP byte-range support (206 / 416, Accept-Ranges: bytes) and
//   `Cache-Control: no-store` so every fetch really reaches the server.
//
// Server command `request-log` (plugin below) -- the paths the dev server received:
//
//   import { executeServerCommand } from '@web/test-runner-commands';
//   await executeServerCommand('request-log', { clear: true });        // returns log, then empties it
//   ... do things ...
//   const paths = (await executeServerCommand('request-log')) as string[]; // e.g. ['/test/fixtures/media/vp9.mp4']
//   await executeServerCommand('request-log', { match: '.mp4' });      // only requests whose URL contains '.mp4'
//   await executeServerCommand('request-log', { details: true });
//       // -> [{ method, path, url, range, status }] instead of plain paths
//
//   Payload (all optional): { clear?: boolean, match?: string, details?: boolean }.
//   The log is global to the server (not per browser); it is safe because only one
//   test file runs at a time (concurrency 1, concurrentBrowsers 1). Clear it at the
//   start of a test. The test runner's own URLs (/__web-test-runner__*, /__web-dev-server__*,
//   /__wds-*) are not logged.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { puppeteerLauncher } from '@web/test-runner-puppeteer';
import { webdriverLauncher } from '@web/test-runner-webdriver';
import { esbuildPlugin } from '@web/dev-server-esbuild';

import {
  CHROMIUM_ARGS,
  CHROMIUM_BIN,
  FIREFOX_BIN,
  FIREFOX_PREFS,
  MINIBROWSER_BIN,
  WEBKIT_DRIVER_BIN,
} from './scripts/browsers.mjs';
import { summaryReporter } from './test/reporters/summary-reporter.mjs';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const CORPUS_DIR = path.resolve(ROOT, process.env.RERUN_VIDEO_CORPUS ?? '../shared/corpus');
const TSCONFIG = path.join(ROOT, 'tsconfig.json');


// ---------------------------------------------------------------------------
// Browser selection
// ---------------------------------------------------------------------------

const ALL_BROWSERS = ['chromium', 'firefox', 'webkit'];
const ALIASES = { chrome: 'chromium', ff: 'firefox', minibrowser: 'webkit', safari: 'webkit' };
const selected = (process.env.BROWSERS ?? ALL_BROWSERS.join(','))
  .split(/[\s,]+/)
  .map(s => s.trim().toLowerCase())
  .filter(Boolean)
  .map(s => ALIASES[s] ?? s);
for (const name of selected) {
  if (!ALL_BROWSERS.includes(name)) {
    throw new Error(`BROWSERS: unknown browser "${name}" (known: ${ALL_BROWSERS.join(', ')})`);
  }
}
if (selected.length === 0) throw new Error('BROWSERS is empty');

// ---------------------------------------------------------------------------
// Chromium: puppeteer-core (the copy bundled with @web/test-runner-chrome) + Debian chromium
// ---------------------------------------------------------------------------

function chromium() {
  const launcher = chromeLauncher({
    launchOptions: {
      executablePath: CHROMIUM_BIN,
      headless: true,
      args: CHROMIUM_ARGS,
    },
    // A page opened as a new *window*, not a background tab: background tabs never
    // load media. CreatePageOptions.type exists in the puppeteer-core 25.16 that
    // @web/test-runner-chrome bundles (and in the top-level 24.43). In new-headless
    // mode plain tabs also report visibilityState 'visible'; this is belt and braces.
    createPage: ({ context }) => context.newPage({ type: 'window' }),
  });
  launcher.name = 'Chromium';
  return launcher;
}

// ---------------------------------------------------------------------------
// Firefox: puppeteer (WebDriver BiDi) + Debian firefox-esr
// ---------------------------------------------------------------------------

function firefox() {
  return puppeteerLauncher({
    launchOptions: {
      browser: 'firefox',
      executablePath: FIREFOX_BIN,
      headless: true,
      extraPrefsFirefox: FIREFOX_PREFS,
    },
  });
}

// ---------------------------------------------------------------------------
// WebKit: WebKitGTK MiniBrowser driven by WebKitWebDriver (started here) + webdriverio.
// MiniBrowser (GTK port, 2.50) has no --headless flag ("Unknown option"): the runner must
// run under `xvfb-run -a`. There is no page console over WebDriver, but test console
// output still shows up: web-test-runner captures console.* inside the page itself.
// MiniBrowser's own stderr (GStreamer/ALSA noise) goes to the driver log file.
// ---------------------------------------------------------------------------

function findFreePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForDriver(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`WebKitWebDriver did not answer on port ${port} within ${timeoutMs} ms`);
}

async function startWebKitDriver() {
  for (const bin of [WEBKIT_DRIVER_BIN, MINIBROWSER_BIN]) {
    if (!fs.existsSync(bin)) {
      throw new Error(`${bin} is missing: run scripts/ensure-browsers.sh (Debian: webkit2gtk-driver)`);
    }
  }
  if (!process.env.DISPLAY) {
    throw new Error('WebKit (MiniBrowser) needs an X display: run the tests under `xvfb-run -a`');
  }
  const port = await findFreePort();
  const logFile = path.join(os.tmpdir(), `rerun-video-webkitwebdriver-${port}.log`);
  const logFd = fs.openSync(logFile, 'w');
  // The driver runs behind a tiny shell guard, in a process group of its own, that
  // kills the whole group (driver, MiniBrowser and its web/network processes) as soon
  // as our stdin pipe closes, i.e. when this node process exits for whatever reason,
  // even SIGKILL. The driver's and MiniBrowser's output go to logFile, never to stdout.
  const child = spawn(
    'sh',
    ['-c', '"$0" --port="$1" --host=local & cat >/dev/null; trap "" TERM; kill -TERM 0', WEBKIT_DRIVER_BIN, String(port)],
    { stdio: ['pipe', logFd, logFd], detached: true },
  );
  child.unref();
  child.stdin.unref?.();
  fs.closeSync(logFd);
  const stop = () => {
    try {
      child.stdin.destroy();
    } catch {
      // already gone
    }
  };
  process.once('exit', code => {
    stop();
    // keep the driver/MiniBrowser log only when something failed
    if (code === 0) fs.rmSync(logFile, { force: true });
  });
  for (const sig of ['SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      stop();
      process.kill(process.pid, sig);
    });
  }
  await waitForDriver(port, child, 15000).catch(err => {
    stop();
    throw new Error(`${err.message} (log: ${logFile})`);
  });
  return port;
}

async function webkit() {
  const port = await startWebKitDriver();
  const launcher = webdriverLauncher({
    hostname: '127.0.0.1',
    port,
    path: '/',
    logLevel: 'error',
    connectionRetryTimeout: 120000,
    connectionRetryCount: 1,
    capabilities: {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': {
        binary: MINIBROWSER_BIN,
        args: ['--automation', '--autoplay-policy=allow'],
      },
      // webdriverio 9 asks for a BiDi session by default; WebKitWebDriver refuses it
      'wdio:enforceWebDriverClassic': true,
    },
  });
  // the label would otherwise be the capability's browserName, "MiniBrowser"
  const initialize = launcher.initialize.bind(launcher);
  launcher.initialize = async (...args) => {
    await initialize(...args);
    launcher.name = 'WebKit';
  };
  return launcher;
}

const browsers = [];
for (const name of selected) {
  if (name === 'chromium') browsers.push(chromium());
  if (name === 'firefox') browsers.push(firefox());
  if (name === 'webkit') browsers.push(await webkit());
}

// ---------------------------------------------------------------------------
// Request log (middleware + `request-log` server command)
// ---------------------------------------------------------------------------

const INTERNAL_PATH = /^\/(__web-test-runner__|__web-dev-server__|__wds-)/;
let requestLog = [];

async function requestLogMiddleware(ctx, next) {
  const entry = INTERNAL_PATH.test(ctx.path)
    ? undefined
    : {
        method: ctx.method,
        path: ctx.path,
        url: ctx.url,
        range: ctx.get('range') || undefined,
        status: undefined,
      };
  if (entry) requestLog.push(entry);
  try {
    await next();
  } finally {
    if (entry) entry.status = ctx.status;
  }
}

function requestLogPlugin() {
  return {
    name: 'request-log',
    executeCommand({ command, payload }) {
      if (command !== 'request-log') return undefined;
      const { clear = false, match, details = false } = payload ?? {};
      let entries = requestLog.slice();
      if (typeof match === 'string') entries = entries.filter(e => e.url.includes(match));
      if (clear) requestLog = [];
      return details ? entries.map(e => ({ ...e })) : entries.map(e => e.path);
    },
  };
}

// ---------------------------------------------------------------------------
// `corpus-result` server command: test/corpus.test.ts appends one JSON line per corpus file
// and browser to test/corpus-results.jsonl (WebKit has no page console over WebDriver);
// scripts/corpus-table.mjs turns the newest line per file x browser into a table.
// ---------------------------------------------------------------------------

function corpusResultPlugin() {
  return {
    name: 'corpus-result',
    executeCommand({ command, payload }) {
      if (command !== 'corpus-result') return undefined;
      fs.appendFileSync(path.join(ROOT, 'test/corpus-results.jsonl'), JSON.stringify(payload) + '\n');
      return true;
    },
  };
}

// ---------------------------------------------------------------------------
// Static files with byte ranges: /corpus/* -> CORPUS_DIR, media/binary files in ROOT
// ---------------------------------------------------------------------------

// Extensions that plugins transform (or that the runner itself serves) are left to the
// dev server; anything else that exists on disk is served here.
const DEV_SERVER_EXT = new Set(['', '.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.jsx', '.html', '.htm', '.css', '.map']);

function resolveInside(base, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = path.resolve(base, '.' + path.posix.normalize('/' + decoded));
  return full === base || full.startsWith(base + path.sep) ? full : undefined;
}

function parseRange(header, size) {
  // single range only; anything else -> undefined (serve the whole file, as RFC 9110 allows)
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start;
  let end;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined; // invalid -> ignore
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

async function staticRangeMiddleware(ctx, next) {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
  let filePath;
  const isCorpus = ctx.path === '/corpus' || ctx.path.startsWith('/corpus/');
  if (isCorpus) {
    filePath = resolveInside(CORPUS_DIR, ctx.path.slice('/corpus'.length));
  } else if (!DEV_SERVER_EXT.has(path.extname(ctx.path).toLowerCase()) && !INTERNAL_PATH.test(ctx.path)) {
    filePath = resolveInside(ROOT, ctx.path);
  } else {
    return next();
  }
  let stat;
  try {
    stat = filePath ? await fs.promises.stat(filePath) : undefined;
  } catch {
    stat = undefined;
  }
  if (!stat?.isFile()) {
    if (isCorpus) {
      ctx.status = 404;
      ctx.body = `Not found in corpus (${CORPUS_DIR}): ${ctx.path}`;
      return undefined;
    }
    return next();
  }

  const size = stat.size;
  ctx.set('Accept-Ranges', 'bytes');
  // no-store: every fetch must reach the server (request-log counts them). The test
  // runner's own cacheMiddleware, which wraps ours, would set `public, max-age=31536000`
  // on the way out and Chromium then answers later (range) requests from its cache;
  // shadow response.set for this one request so that header cannot be overridden.
  ctx.set('Cache-Control', 'no-store');
  const set = ctx.response.set;
  ctx.response.set = function (field, val) {
    if (typeof field === 'string' && field.toLowerCase() === 'cache-control') return;
    set.call(this, field, val);
  };
  ctx.set('Last-Modified', stat.mtime.toUTCString());

  const rangeHeader = ctx.get('range');
  const range = rangeHeader ? parseRange(rangeHeader, size) : undefined;
  if (range === 'unsatisfiable') {
    ctx.status = 416;
    ctx.set('Content-Range', `bytes */${size}`);
    ctx.body = '';
    return undefined;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  if (range) ctx.set('Content-Range', `bytes ${start}-${end}/${size}`);
  if (ctx.method === 'HEAD' || size === 0) {
    ctx.body = null; // koa turns this into 204: set the status afterwards
  } else {
    ctx.body = fs.createReadStream(filePath, { start, end });
  }
  ctx.status = range ? 206 : 200;
  ctx.type = path.extname(filePath) || 'application/octet-stream';
  ctx.length = size === 0 ? 0 : end - start + 1;
  return undefined;
}

// ---------------------------------------------------------------------------

export default {
  rootDir: ROOT,
  files: ['test/**/*.test.ts'],
  nodeResolve: true,

  browsers,
  concurrency: 1,
  concurrentBrowsers: 1,

  browserStartTimeout: 120_000, // MiniBrowser / Firefox cold start on a busy 2-core box
  testsStartTimeout: 120_000, // first esbuild transform + module graph load
  testsFinishTimeout: 300_000, // per test file

  testFramework: {
    config: {
      ui: 'bdd',
      timeout: 20_000, // per test: video decoding is slow on 2 cores
    },
  },

  // Lit's dev build (picked by nodeResolve's "development" condition) warns once per file
  filterBrowserLogs: ({ args }) => !(typeof args[0] === 'string' && args[0].startsWith('Lit is in dev mode')),

  middleware: [requestLogMiddleware, staticRangeMiddleware],

  plugins: [
    // src uses Lit legacy decorators (experimentalDecorators, useDefineForClassFields: false):
    // esbuild reads those from tsconfig.json's compilerOptions.
    esbuildPlugin({ ts: true, tsconfig: TSCONFIG, target: 'es2022' }),
    requestLogPlugin(),
    corpusResultPlugin(),
  ],

  reporters: [defaultReporter(), summaryReporter()],
};
