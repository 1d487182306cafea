#!/usr/bin/env node
// The benchmark of issue 3: <rerun-video> against <video> and a bare WebCodecs decode of
// the same generated files, in real browsers, with the frame read back from the pixels.
//
//   npm run bench                                      Chromium + Firefox, all files
//   npm run bench -- --browsers chromium               one browser (chromium, firefox, webkit)
//   npm run bench -- --files h264-1080p-gop60,vp9-720p
//   npm run bench -- --files webm                      the WebM files alone (webm-vp9-720p)
//   npm run bench -- --methods element,webcodecs       (default: element,video,webcodecs)
//   npm run bench -- --quick                           fewer requests (10 seeks, 20 + 10 steps)
//   npm run bench -- --no-build                        skip `npm run build` (dist/ is current)
//   npm run bench -- --long                            all files, then the long-recording scenario
//   npm run bench -- --files long                      the long-recording scenario alone
//   npm run bench -- --files long --throttle 2000000   its first frames over a 2 MB/s link (no seeks)
//   npm run bench -- --files long --pages 9            9 fresh pages per file and method (default 3)
//   npm run bench -- --playback                        all files, then the playback section
//   npm run bench -- --files playback                  the playback section alone
//   npm run bench -- --files playback --scenarios forward,sync   some of its scenarios
//
// The long-recording scenario (`long` in the file list; --long adds it to the list) is not
// part of the default run: it needs an hour-long file (bench/make-media.sh long-1h, ~80 MB,
// a minute or two to encode and verify). long-1h and long-10s are the same 320x180 30 fps
// H.264 stream, an hour and ten seconds of it. For each, in every browser, element, <video>
// and the bare WebCodecs player each get 3 fresh pages (interleaved, so drift in a noisy
// machine hits both files alike); each page measures the time to first frame and 15 seeded
// random seeks (5 and 1 page with --quick; --pages N sets the pages). Reported: the median first frame of the pages,
// the median and p95 of all their seeks, the bytes the server sent per seek (counted by this
// script's server, see startServer), and in Chromium the peak JS heap and ArrayBuffer bytes
// (CDP Runtime.getHeapUsage every 50 ms; Firefox has no such API: n/a). The bare player
// fetches the whole file before anything else, as it does for the other files: on the hour
// its first frame is a download, not a like-for-like figure.
//
// The playback section (`playback` in the file list; --playback adds it) is not part of the
// default run either: the default run already takes well over 4 minutes per browser, and
// this adds about one more (55-65 s per browser on 2 cores). The element plays as <video> does; each scenario is one page per
// method (element, video), one run of the file, reading the frame code back from the pixels:
//   forward  h264-1080p-gop60 (10 s, 1080p30, B-frames, GOP 2 s), 0 to the end at rate 1:
//            presented and dropped frames (getVideoPlaybackQuality, and for <video> the
//            requestVideoFrameCallback counts), every painted frame's code against its index
//            (the element: on each `frame` event; <video>: drawn to a canvas in each rVFC, against
//            mediaTime), and whether the element's index is the frame due at requestedTime
//   4k       h264-4k (4 s, 2160p30) the same, without the pixel read-back: presented frames,
//            the element against <video> (goal: element >= <video>)
//   reverse  h264-1080p-gop60 at playbackRate -1 from the last frame for 4 s: presented and
//            dropped (goal: < 5 % dropped); <video> is n/a -- the note says whether setting the
//            rate threw or was taken, and what playing did then
//   sync     four players of h264-720p-5s (5 s 720p30) until they end; the element: one
//            `sync="bench"` group; <video>: play() on each in one task. Dropped frames summed,
//            and in every animation frame the skew (largest frame index minus the smallest)
//            between the four: the element's from its `frame` events, then in a second run
//            from the four canvases' codes read back in every animation frame (the read-back
//            itself costs the page frames, so the first run is the one timed); <video>'s
//            from their rVFC mediaTimes
//
// Steps: `npm run build` (dist/rerun-video.min.js), bench/make-media.sh (bench/media/, skips
// existing files), a static server on 127.0.0.1 with byte ranges (test/server/ranges.mjs: the
// test runner's, so ?throttle= and the other faults of test/server/faults.mjs work here too;
// dist/'s bundles are read once at the start and served from memory, so a build during the
// run cannot mix two versions of the element), then for every browser, file and method a fresh page running bench/bench.html's runBench().
// Prints one table per browser and the ratios against the targets; writes
// bench/results/latest.json and .md.
// The TTFF ratios against <video> and the bare player on the regular files are in their
// ratio table, without a target.
//
// WebKit (WebKitGTK MiniBrowser through WebKitWebDriver + webdriverio) needs an X display:
// without DISPLAY the script re-runs itself under `xvfb-run -a` when webkit is asked for.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { CHROMIUM_ARGS, CHROMIUM_BIN, FIREFOX_BIN, FIREFOX_PREFS, MINIBROWSER_BIN, WEBKIT_DRIVER_BIN } from '../scripts/browsers.mjs';
import { createRangeServer } from '../test/server/ranges.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results');

const ALL_FILES = ['h264-1080p-gop60', 'h264-1080p-gop250', 'h264-4k', 'av1-720p', 'vp9-720p', 'webm-vp9-720p'];
/** `--files webm`: the WebM files (issue 12), read by the element's own EBML reader. */
const WEBM_FILES = ALL_FILES.filter((f) => f.startsWith('webm-'));
/** The files of the long-recording scenario, short first (the order of the interleaved pages). */
const LONG_FILES = ['long-10s', 'long-1h'];
const ALL_METHODS = ['element', 'video', 'webcodecs'];
/** The playback section: scenario -> file (and the methods it compares). */
const PLAYBACK = {
  forward: 'h264-1080p-gop60',
  '4k': 'h264-4k',
  reverse: 'h264-1080p-gop60',
  sync: 'h264-720p-5s',
};
const PLAYBACK_METHODS = ['element', 'video'];
/**
 * Scenarios also played by `element-display`: the element with resolution="display", which
 * paints at the size the player is shown (480x270, 384x216) rather than the picture's.
 */
const DISPLAY_SCENARIOS = new Set(['4k', 'sync']);
const METHOD_LABELS = { 'element-display': 'element, resolution="display"' };
const FILE_LABELS = {
  'h264-1080p-gop60': '1080p30 H.264 High, B-frames, GOP 60',
  'h264-1080p-gop250': '1080p30 H.264 High, B-frames, GOP 250',
  'h264-4k': '2160p30 H.264 High, B-frames, GOP 60',
  'av1-720p': '720p30 AV1 (SVT-AV1), GOP 60',
  'vp9-720p': '720p30 VP9 (realtime), GOP 60',
  'webm-vp9-720p': '720p30 VP9 (realtime), GOP 60, in WebM (SeekHead, Cues, known sizes)',
  'long-10s': '180p30 H.264 High, 2 B-frames, GOP 60, 10 s (300 frames)',
  'long-1h': 'the same stream, 1 hour (108000 frames)',
  'h264-720p-5s': '720p30 H.264 High, B-frames, GOP 60, 5 s (150 frames)',
};

// The targets of issue 3: medians in Chromium, ratios within the same run.
const TARGETS = {
  seekVsVideo: 0.9,
  seekVsWebCodecs: 1.15,
  forwardVsVideo: 0.1,
  forwardVsWebCodecs: 1.5,
  backVsVideo: 0.25,
};

// The long-recording targets: the hour against the ten seconds, same run, same method.
const LONG_TARGETS = {
  firstFrame1hVs10s: 1.2,
  seek1hVs10s: 1.3,
  heapPeakMB: 100,
};

// The playback goals: 4K presented frames element / <video>, reverse dropped share.
const PLAYBACK_TARGETS = {
  presented4kVsVideo: 1,
  reverseDroppedPct: 5,
};

// ---------------------------------------------------------------------------------------
// options
// ---------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = {
    browsers: ['chromium', 'firefox'],
    files: ALL_FILES,
    methods: ALL_METHODS,
    quick: false,
    build: true,
    long: false,
    throttle: 0,
    pages: 0,
    playback: false,
    scenarios: Object.keys(PLAYBACK),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    const list = () => value().split(',').map((s) => s.trim()).filter(Boolean);
    if (flag === '--browsers') opts.browsers = list();
    else if (flag === '--files') opts.files = list();
    else if (flag === '--methods') opts.methods = list();
    else if (flag === '--quick') opts.quick = true;
    else if (flag === '--no-build') opts.build = false;
    else if (flag === '--long') opts.long = true;
    else if (flag === '--throttle') opts.throttle = Number(value());
    else if (flag === '--pages') opts.pages = Number(value());
    else if (flag === '--playback') opts.playback = true;
    else if (flag === '--scenarios') opts.scenarios = list();
    else if (flag === '--help' || flag === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 19).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown option ${argv[i]}`);
  }
  if (opts.files.includes('webm')) opts.files = [...new Set(opts.files.flatMap((f) => (f === 'webm' ? WEBM_FILES : [f])))];
  if (opts.files.includes('long')) {
    opts.long = true;
    opts.files = opts.files.filter((f) => f !== 'long');
  }
  if (opts.files.includes('playback')) {
    opts.playback = true;
    opts.files = opts.files.filter((f) => f !== 'playback');
  }
  for (const b of opts.browsers) if (!['chromium', 'firefox', 'webkit'].includes(b)) throw new Error(`unknown browser ${b}`);
  for (const f of opts.files) if (!ALL_FILES.includes(f)) throw new Error(`unknown file ${f} (known: ${ALL_FILES.join(', ')}, webm, long, playback)`);
  for (const s of opts.scenarios) if (!PLAYBACK[s]) throw new Error(`unknown scenario ${s} (known: ${Object.keys(PLAYBACK).join(', ')})`);
  for (const m of opts.methods) if (!ALL_METHODS.includes(m)) throw new Error(`unknown method ${m}`);
  if (!opts.files.length && !opts.long && !opts.playback) throw new Error('no files to run');
  if (!(Number.isInteger(opts.throttle) && opts.throttle >= 0)) throw new Error('--throttle wants bytes per second');
  // Over a slow link the bare player's whole download (78 MB for the hour) would take minutes.
  if (opts.throttle && !argv.some((a) => a.startsWith('--methods'))) opts.methods = opts.methods.filter((m) => m !== 'webcodecs');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------------------------------
// static server with byte ranges
// ---------------------------------------------------------------------------------------

/** Paths the server answered 404 for (reported: a page asking for missing files is suspect). */
const notFound = new Set();

/** pathname -> { requests, bytes }: every request, and the body bytes the socket took. */
const served = new Map();

/**
 * dist/'s bundles (the entry and its chunks) as they are when the run starts: a build during
 * a 20-minute run (someone's test run, a watch) must not change the element's code between
 * one file or method and the next. Served from memory; `id` names the build in the report.
 */
function snapshotBundle() {
  const files = new Map();
  for (const name of fs.readdirSync(path.join(ROOT, 'dist'))) {
    if (name.endsWith('.min.js')) files.set(`/dist/${name}`, fs.readFileSync(path.join(ROOT, 'dist', name)));
  }
  const entry = path.join(ROOT, 'dist', 'rerun-video.min.js');
  const hash = crypto.createHash('sha256').update(files.get('/dist/rerun-video.min.js')).digest('hex').slice(0, 12);
  return { files, id: `dist/rerun-video.min.js built ${fs.statSync(entry).mtime.toISOString()}, sha256 ${hash}` };
}

/**
 * The range server of test/server/ranges.mjs, plus what the long scenario needs: a count of
 * the requests and body bytes per path, which the page reads at /__bench/bytes?path=...
 * (JSON `{ requests, bytes }`; that request itself is not counted). The bundles come from
 * snapshotBundle().
 */
function startServer(bundle) {
  // no-store (test/server/ranges.mjs): every method downloads the file itself, no browser cache between them
  const files = createRangeServer(ROOT, { onNotFound: (pathname) => notFound.add(pathname) });
  const server = http.createServer((req, res) => {
    const { pathname, searchParams } = new URL(req.url, 'http://localhost');
    if (bundle.files.has(pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' }).end(bundle.files.get(pathname));
      return;
    }
    if (pathname === '/__bench/bytes') {
      const count = served.get(searchParams.get('path')) ?? { requests: 0, bytes: 0 };
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(count));
      return;
    }
    if (!served.has(pathname)) served.set(pathname, { requests: 0, bytes: 0 });
    const count = served.get(pathname);
    count.requests++;
    countBodyBytes(res, (n) => (count.bytes += n));
    files.emit('request', req, res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Calls add(n) for the n body bytes of each write once the socket has taken them, as
 * test/server/request-log.mjs counts them: bytes sent, including those of a response the
 * browser then aborted.
 */
function countBodyBytes(res, add) {
  const { write, end } = res;
  res.write = function (chunk, encoding, cb) {
    if (typeof encoding === 'function') [encoding, cb] = [undefined, encoding];
    const n = Buffer.byteLength(chunk, encoding);
    return write.call(this, chunk, encoding, (err) => {
      if (!err) add(n);
      cb?.(err);
    });
  };
  res.end = function (...args) {
    const [chunk, encoding] = args;
    if (chunk != null && typeof chunk !== 'function') {
      const n = Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding : undefined);
      this.once('finish', () => add(n));
    }
    return end.apply(this, args);
  };
}

/** The top-level boxes of an MP4 as [type, size], for the report (where a moov's size matters). */
function topBoxes(file) {
  const fd = fs.openSync(file, 'r');
  const boxes = [];
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(16);
    for (let pos = 0; pos + 8 <= size; ) {
      fs.readSync(fd, head, 0, 16, pos);
      let len = head.readUInt32BE(0);
      if (len === 1) len = Number(head.readBigUInt64BE(8));
      else if (len === 0) len = size - pos;
      if (len < 8) break;
      boxes.push([head.toString('latin1', 4, 8), len]);
      pos += len;
    }
  } finally {
    fs.closeSync(fd);
  }
  return boxes;
}

// ---------------------------------------------------------------------------------------
// browsers: each driver gives { name, version, run(url, options) -> result, close() }
// ---------------------------------------------------------------------------------------

const RUN_TIMEOUT_MS = 600_000;
const PER_RUN_TIMEOUT_MS = opts.quick ? 120_000 : 300_000;
const PLAYBACK_TIMEOUT_MS = 180_000;

/**
 * Samples a Chromium page's heap over CDP every 50 ms until stop(): the peaks of the JS heap
 * (used, and committed -- the committed size also catches a peak inside one long task, which
 * no sample can interrupt) and of ArrayBuffer backing stores (where sample bytes live), and
 * what is still used after a GC at the end, with the page's player still alive.
 */
async function heapSampler(page) {
  const cdp = await page.createCDPSession();
  const usage = () => cdp.send('Runtime.getHeapUsage');
  await cdp.send('HeapProfiler.collectGarbage');
  const base = await usage();
  const peak = { used: base.usedSize, committed: base.totalSize, buffers: base.backingStorageSize ?? 0, samples: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const u = await usage().catch(() => null);
      if (u) {
        peak.used = Math.max(peak.used, u.usedSize);
        peak.committed = Math.max(peak.committed, u.totalSize);
        peak.buffers = Math.max(peak.buffers, u.backingStorageSize ?? 0);
        peak.samples++;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await cdp.send('HeapProfiler.collectGarbage');
      const after = await usage();
      await cdp.detach().catch(() => {});
      return {
        baseUsed: base.usedSize,
        peakUsed: peak.used,
        peakCommitted: peak.committed,
        peakBuffers: peak.buffers,
        afterGcUsed: after.usedSize,
        afterGcBuffers: after.backingStorageSize ?? 0,
        samples: peak.samples,
      };
    },
  };
}

async function puppeteerDriver(kind) {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch(
    kind === 'chromium'
      ? { executablePath: CHROMIUM_BIN, headless: true, args: CHROMIUM_ARGS, protocolTimeout: RUN_TIMEOUT_MS }
      : {
          browser: 'firefox',
          executablePath: FIREFOX_BIN,
          headless: true,
          extraPrefsFirefox: FIREFOX_PREFS,
          protocolTimeout: RUN_TIMEOUT_MS,
        },
  );
  const version = await browser.version();
  return {
    name: kind === 'chromium' ? 'Chromium' : 'Firefox',
    version,
    /** fn: the page's entry point (runBench, runLong); heap: sample the heap (Chromium only). */
    async run(url, args, { fn = 'runBench', heap = false } = {}) {
      // a window, not a background tab: Chromium never loads media in background tabs
      let page;
      try {
        page = await browser.newPage({ type: 'window' });
      } catch {
        page = await browser.newPage();
      }
      const logs = [];
      page.on('console', (m) => {
        // our own read-back of the element's canvas triggers this hint; it is not the element's
        if (!m.text().includes('willReadFrequently')) logs.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      try {
        await page.goto(url, { waitUntil: 'load' });
        await page.waitForFunction('window.benchReady === true', { timeout: 30_000 });
        const sampler = heap && kind === 'chromium' ? await heapSampler(page) : null;
        const result = await page.evaluate((f, a) => window[f](a), fn, args);
        if (sampler) result.heap = await sampler.stop();
        if (logs.length) result.console = logs.slice(0, 20);
        return result;
      } finally {
        await page.close().catch(() => {});
      }
    },
    close: () => browser.close(),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function webkitDriver() {
  const DRIVER = WEBKIT_DRIVER_BIN;
  const MINIBROWSER = MINIBROWSER_BIN;
  for (const bin of [DRIVER, MINIBROWSER]) if (!fs.existsSync(bin)) throw new Error(`${bin} missing`);
  const port = await freePort();
  const log = path.join(os.tmpdir(), `rerun-bench-webkitwebdriver-${port}.log`);
  const fd = fs.openSync(log, 'w');
  const driver = spawn(DRIVER, [`--port=${port}`, '--host=local'], { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  process.once('exit', () => driver.kill());
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/status`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 150 || driver.exitCode !== null) throw new Error(`WebKitWebDriver did not start (log ${log})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const { remote } = await import('webdriverio');
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    path: '/',
    logLevel: 'error',
    connectionRetryTimeout: 120_000,
    capabilities: {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': {
        binary: MINIBROWSER,
        args: ['--automation', '--autoplay-policy=allow'],
      },
      'wdio:enforceWebDriverClassic': true,
    },
  });
  await browser.setTimeout({ script: RUN_TIMEOUT_MS, pageLoad: 60_000 });
  const version = browser.capabilities.browserVersion ?? '';
  return {
    name: 'WebKit',
    version: `WebKitGTK MiniBrowser ${version}`,
    async run(url, args, { fn = 'runBench' } = {}) {
      // one window, reloaded for every run: a fresh page per method and file
      await browser.url(url);
      await browser.waitUntil(() => browser.execute(() => window.benchReady === true), { timeout: 30_000 });
      const out = await browser.executeAsync((f, a, done) => {
        window[f](a).then(
          (r) => done(JSON.stringify(r)),
          (e) => done(JSON.stringify({ error: String(e && e.stack ? e.stack : e) })),
        );
      }, fn, args);
      return JSON.parse(out);
    },
    async close() {
      await browser.deleteSession().catch(() => {});
      driver.kill();
    },
  };
}

// ---------------------------------------------------------------------------------------
// reporting
// ---------------------------------------------------------------------------------------

const fmt = (x) => (x == null ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const frac = (s) => (s ? `${s.right}/${s.n}` : '—');
const ratio = (a, b) => (a == null || b == null || b === 0 ? null : a / b);
const mark = (r, limit) => (r == null ? '—' : `${r.toFixed(2)}x ${r <= limit ? 'PASS' : 'MISS'} (<= ${limit})`);

function tableRows(results, browser) {
  const header = [
    'file',
    'method',
    'first frame ms',
    'seek median',
    'seek p95',
    'seek right',
    'fwd median',
    'fwd p95',
    'fwd right',
    'back median',
    'back p95',
    'back right',
    'open VideoFrames',
  ];
  const rows = [];
  for (const r of results.filter((x) => x.browser === browser)) {
    if (r.error && !r.seek) {
      rows.push([r.file, r.method, `ERROR: ${r.error}`, '', '', '', '', '', '', '', '', '', '']);
      continue;
    }
    const open =
      r.method === 'element'
        ? `${r.openVideoFramesAfterRun} (${r.openVideoFramesAfterRemove} removed)`
        : r.method === 'webcodecs'
          ? String(r.openVideoFramesAfterRun)
          : '';
    rows.push([
      r.file,
      r.method,
      `${fmt(r.firstFrameMs)}${r.firstFrameRight ? '' : ' (WRONG)'}`,
      fmt(r.seek.median),
      fmt(r.seek.p95),
      frac(r.seek),
      fmt(r.stepForward.median),
      fmt(r.stepForward.p95),
      frac(r.stepForward),
      fmt(r.stepBack.median),
      fmt(r.stepBack.p95),
      frac(r.stepBack),
      open,
    ]);
  }
  return { header, rows };
}

function textTable({ header, rows }) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function mdTable({ header, rows }) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  return [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

function ratios(results, browser) {
  const out = [];
  const files = [...new Set(results.filter((r) => r.browser === browser).map((r) => r.file))];
  for (const file of files) {
    const get = (m) => results.find((r) => r.browser === browser && r.file === file && r.method === m && r.seek);
    const el = get('element');
    const vid = get('video');
    const wc = get('webcodecs');
    if (!el) continue;
    const exact = [el.seek, el.stepForward, el.stepBack].every((s) => s.right === s.n) && el.firstFrameRight;
    out.push({
      file,
      firstVsVideo: ratio(el.firstFrameMs, vid?.firstFrameMs),
      firstVsWebCodecs: ratio(el.firstFrameMs, wc?.firstFrameMs),
      seekVsVideo: ratio(el.seek.median, vid?.seek.median),
      seekVsWebCodecs: ratio(el.seek.median, wc?.seek.median),
      forwardVsVideo: ratio(el.stepForward.median, vid?.stepForward.median),
      forwardVsWebCodecs: ratio(el.stepForward.median, wc?.stepForward.median),
      backVsVideo: ratio(el.stepBack.median, vid?.stepBack.median),
      backVsWebCodecs: ratio(el.stepBack.median, wc?.stepBack.median),
      exact,
      exactCounts: `${el.seek.right + el.stepForward.right + el.stepBack.right + (el.firstFrameRight ? 1 : 0)}/${el.seek.n + el.stepForward.n + el.stepBack.n + 1}`,
      openVideoFrames: el.openVideoFramesAfterRun,
      openVideoFramesAfterRemove: el.openVideoFramesAfterRemove,
    });
  }
  return out;
}

function ratioTable(rs) {
  return {
    header: [
      'file',
      'first el/video',
      'first el/webcodecs',
      'seek el/video',
      'seek el/webcodecs',
      'fwd el/video',
      'fwd el/webcodecs',
      'back el/video',
      'back el/webcodecs',
      'element frame-exact',
      'open VideoFrames (<= 1)',
    ],
    rows: rs.map((r) => [
      r.file,
      r.firstVsVideo == null ? '—' : `${r.firstVsVideo.toFixed(2)}x`,
      r.firstVsWebCodecs == null ? '—' : `${r.firstVsWebCodecs.toFixed(2)}x`,
      mark(r.seekVsVideo, TARGETS.seekVsVideo),
      mark(r.seekVsWebCodecs, TARGETS.seekVsWebCodecs),
      mark(r.forwardVsVideo, TARGETS.forwardVsVideo),
      mark(r.forwardVsWebCodecs, TARGETS.forwardVsWebCodecs),
      mark(r.backVsVideo, TARGETS.backVsVideo),
      r.backVsWebCodecs == null ? '—' : `${r.backVsWebCodecs.toFixed(2)}x`,
      `${r.exactCounts} ${r.exact ? 'PASS' : 'MISS'}`,
      `${r.openVideoFrames} ${r.openVideoFrames <= 1 ? 'PASS' : 'MISS'}`,
    ]),
  };
}

function extraNotes(results, browser) {
  const notes = [];
  for (const r of results.filter((x) => x.browser === browser)) {
    const tag = `${r.file} ${r.method}`;
    if (r.error) notes.push(`${tag}: ${r.error}`);
    for (const [name, s] of [['seek', r.seek], ['step forward', r.stepForward], ['step back', r.stepBack]]) {
      if (!s) continue;
      if (s.wrong.length) {
        const shown = s.wrong.slice(0, 8).map(([e, g]) => `${e}->${g}`).join(', ');
        notes.push(`${tag}: ${name} wrong ${s.wrong.length}/${s.n} (expected->shown: ${shown}${s.wrong.length > 8 ? ', ...' : ''})`);
      }
      if (s.errors.length) notes.push(`${tag}: ${name} errors: ${s.errors.join('; ')}`);
    }
    if (r.method === 'element' && r.timestampMismatches) notes.push(`${tag}: frameTimestamps differ from mp4box/ffmpeg's in ${r.timestampMismatches} frames`);
    if (r.tableVsFfprobe) notes.push(`${tag}: the harness's sample table differs from ffprobe's timestamps in ${r.tableVsFfprobe} frames`);
    if (r.method === 'video' && r.rvfc && typeof r.rvfc === 'object' && r.rvfc.fellBack) {
      notes.push(`${tag}: requestVideoFrameCallback did not fire after ${r.rvfc.fellBack} of ${r.rvfc.fired + r.rvfc.fellBack} seeks (frame unchanged; waited 2 animation frames)`);
    }
    if (r.method === 'video' && r.rvfc === 'unsupported') notes.push(`${tag}: no requestVideoFrameCallback: 'seeked' alone`);
    if (r.decodeAll) notes.push(`${tag}: decode everything ${r.decodeAll.fps} frames/s (${r.decodeAll.frames} frames in ${r.decodeAll.ms} ms)`);
    if (r.console?.length) notes.push(`${tag}: console: ${r.console.slice(0, 3).join(' | ')}`);
  }
  return notes;
}

// ---------------------------------------------------------------------------------------
// the long-recording scenario: the pages' results pooled, and the report
// ---------------------------------------------------------------------------------------

const MB = 1e6;
const mb = (x) => (x == null ? 'n/a' : (x / MB).toFixed(1));
const kb = (x) => (x == null ? '—' : (x / 1e3).toFixed(x >= 1e5 ? 0 : 1));

/** The p-quantile of xs, interpolated as bench.js's summarize() does. */
function quantile(xs, p) {
  const v = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!v.length) return null;
  const i = (v.length - 1) * p;
  const lo = Math.floor(i);
  return v[lo] + (v[Math.ceil(i)] - v[lo]) * (i - lo);
}
const median = (xs) => quantile(xs, 0.5);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const maxOf = (xs) => (xs.some((x) => x != null) ? Math.max(...xs.filter((x) => x != null)) : null);

/** One row per method and file: the pages pooled (first frame: their median; seeks: all of them). */
function longRows(results, browser) {
  const rows = [];
  for (const method of ALL_METHODS) {
    for (const file of LONG_FILES) {
      const runs = results.filter((r) => r.browser === browser && r.method === method && r.file === file);
      if (!runs.length) continue;
      const ok = runs.filter((r) => !r.error && r.seek);
      const perSeek = ok.flatMap((r) => r.perSeek);
      const heaps = ok.map((r) => r.heap).filter(Boolean);
      const seekMs = ok.flatMap((r) => r.seek.ms);
      // the phases of the first frame are the median page's, so that they add up
      const mid = [...ok].sort((a, b) => a.firstFrameMs - b.firstFrameMs)[Math.floor((ok.length - 1) / 2)];
      const fetchMs = perSeek.map((p) => p.fetchMs).filter((x) => x != null);
      rows.push({
        method,
        file,
        pages: ok.length,
        errors: runs.filter((r) => r.error).map((r) => r.error),
        firstFrameMs: median(ok.map((r) => r.firstFrameMs)),
        firstFrameAll: ok.map((r) => r.firstFrameMs),
        firstFrameRight: ok.every((r) => r.firstFrameRight),
        firstPictureMs: ok.some((r) => r.firstPictureMs != null) ? median(ok.map((r) => r.firstPictureMs)) : null,
        firstPictureAll: ok.map((r) => r.firstPictureMs),
        metadataMs: mid?.metadataMs ?? null,
        openLongTasks: ok.some((r) => r.openLongTasks)
          ? { count: sum(ok.map((r) => r.openLongTasks?.count ?? 0)), maxMs: maxOf(ok.map((r) => r.openLongTasks?.maxMs)) }
          : null,
        metadataBytesAtMs: mid?.metadataBytesAtMs ?? null,
        toFirstFrameBytes: mid?.toFirstFrame.bytes ?? null,
        toFirstFrameRequests: mid?.toFirstFrame.requests ?? null,
        seek: {
          n: sum(ok.map((r) => r.seek.n)),
          right: sum(ok.map((r) => r.seek.right)),
          median: quantile(seekMs, 0.5),
          p95: quantile(seekMs, 0.95),
          wrong: ok.flatMap((r) => r.seek.wrong),
          errors: [...new Set(ok.flatMap((r) => r.seek.errors))],
        },
        bytesPerSeek: perSeek.length ? sum(perSeek.map((p) => p.bytes)) / perSeek.length : null,
        bytesPerSeekMedian: median(perSeek.map((p) => p.bytes)),
        requestsPerSeek: perSeek.length ? sum(perSeek.map((p) => p.requests)) / perSeek.length : null,
        seeksFetching: fetchMs.length,
        fetchMsMedian: median(fetchMs),
        rvfcFellBack: ok.some((r) => r.rvfc) ? sum(ok.map((r) => r.rvfc?.fellBack ?? 0)) : null,
        decodedPerSeek: median(ok.map((r) => r.decodedPerSeek)),
        indexWrong: ok.flatMap((r) => r.indexWrong ?? []),
        heap: heaps.length
          ? {
              peakUsed: maxOf(heaps.map((h) => h.peakUsed)),
              peakCommitted: maxOf(heaps.map((h) => h.peakCommitted)),
              peakBuffers: maxOf(heaps.map((h) => h.peakBuffers)),
              afterGcUsed: median(heaps.map((h) => h.afterGcUsed)),
              afterGcBuffers: median(heaps.map((h) => h.afterGcBuffers)),
            }
          : null,
      });
    }
  }
  return rows;
}

function longTable(rows) {
  return {
    header: [
      'file',
      'method',
      'first frame ms',
      'first picture ms',
      'metadata ms',
      'to 1st frame req / KB',
      'tasks > 50 ms to 1st frame (longest ms)',
      'seek median',
      'seek p95',
      'seek right',
      'KB/seek mean (median)',
      'req/seek',
      'JS heap peak MB used / committed',
      'ArrayBuffers peak MB',
      'after GC MB heap / buffers',
    ],
    rows: rows.map((r) =>
      r.pages === 0
        ? [r.file, r.method, `ERROR: ${r.errors[0]}`, '', '', '', '', '', '', '', '', '', '', '', '']
        : [
            r.file,
            r.method,
            `${fmt(r.firstFrameMs)}${r.firstFrameRight ? '' : ' (WRONG)'} [${r.firstFrameAll.map(fmt).join(', ')}]`,
            r.firstPictureMs == null ? '—' : `${fmt(r.firstPictureMs)} [${r.firstPictureAll.map(fmt).join(', ')}]`,
            fmt(r.metadataMs),
            `${r.toFirstFrameRequests} / ${kb(r.toFirstFrameBytes)}`,
            r.openLongTasks ? `${r.openLongTasks.count} (${fmt(r.openLongTasks.maxMs)})` : 'n/a',
            fmt(r.seek.median),
            fmt(r.seek.p95),
            `${r.seek.right}/${r.seek.n}`,
            `${kb(r.bytesPerSeek)} (${kb(r.bytesPerSeekMedian)})`,
            r.requestsPerSeek == null ? '—' : r.requestsPerSeek.toFixed(1),
            r.heap ? `${mb(r.heap.peakUsed)} / ${mb(r.heap.peakCommitted)}` : 'n/a',
            r.heap ? mb(r.heap.peakBuffers) : 'n/a',
            r.heap ? `${mb(r.heap.afterGcUsed)} / ${mb(r.heap.afterGcBuffers)}` : 'n/a',
          ],
    ),
  };
}

/** Per method: the hour against the ten seconds, and the element against <video> on each. */
function longRatios(rows) {
  const out = [];
  for (const method of ALL_METHODS) {
    const short = rows.find((r) => r.method === method && r.file === 'long-10s' && r.pages);
    const long = rows.find((r) => r.method === method && r.file === 'long-1h' && r.pages);
    if (!short && !long) continue;
    const heap = long?.heap;
    out.push({
      method,
      firstFrame1hVs10s: ratio(long?.firstFrameMs, short?.firstFrameMs),
      firstPicture1hVs10s: ratio(long?.firstPictureMs, short?.firstPictureMs),
      seek1hVs10s: ratio(long?.seek.median, short?.seek.median),
      // JS heap (committed: a peak inside one long task is in it) plus ArrayBuffers, the
      // strictest reading of "JS heap": the sample cache lives in ArrayBuffers
      heapPeak1h: heap ? heap.peakCommitted + heap.peakBuffers : null,
      bytesPerSeek1h: long?.bytesPerSeek ?? null,
      exact1h: long ? `${long.seek.right + (long.firstFrameRight ? long.pages : 0)}/${long.seek.n + long.pages}` : '—',
    });
  }
  const el = rows.filter((r) => r.method === 'element' && r.pages);
  for (const o of out) {
    for (const file of LONG_FILES) {
      const mine = rows.find((r) => r.method === o.method && r.file === file && r.pages);
      const theirs = el.find((r) => r.file === file);
      o[`elementFirstFrameVsThis_${file}`] = o.method === 'element' ? null : ratio(theirs?.firstFrameMs, mine?.firstFrameMs);
      o[`elementFirstPictureVsThis_${file}`] = o.method === 'element' ? null : ratio(theirs?.firstPictureMs, mine?.firstFrameMs);
    }
  }
  return out;
}

function longRatioTable(rs) {
  const x = (r) => (r == null ? '—' : `${r.toFixed(2)}x`);
  return {
    header: [
      'method',
      `first frame 1h/10s (<= ${LONG_TARGETS.firstFrame1hVs10s})`,
      'first picture 1h/10s',
      `seek median 1h/10s (<= ${LONG_TARGETS.seek1hVs10s})`,
      `JS heap + ArrayBuffers peak, 1h (< ${LONG_TARGETS.heapPeakMB} MB)`,
      'KB per seek, 1h',
      'frames right, 1h',
      'element first frame / this, 10s',
      'element first frame / this, 1h',
      'element first picture / this, 1h',
    ],
    rows: rs.map((r) => [
      r.method,
      mark(r.firstFrame1hVs10s, LONG_TARGETS.firstFrame1hVs10s),
      x(r.firstPicture1hVs10s),
      mark(r.seek1hVs10s, LONG_TARGETS.seek1hVs10s),
      r.heapPeak1h == null ? 'n/a' : `${mb(r.heapPeak1h)} MB ${r.heapPeak1h < LONG_TARGETS.heapPeakMB * MB ? 'PASS' : 'MISS'}`,
      kb(r.bytesPerSeek1h),
      r.exact1h,
      x(r['elementFirstFrameVsThis_long-10s']),
      x(r['elementFirstFrameVsThis_long-1h']),
      x(r['elementFirstPictureVsThis_long-1h']),
    ]),
  };
}

function longNotes(rows) {
  const notes = [];
  for (const r of rows) {
    const tag = `${r.file} ${r.method}`;
    for (const e of new Set(r.errors)) notes.push(`${tag}: ${e}`);
    if (r.seek.wrong.length) {
      const shown = r.seek.wrong.slice(0, 8).map(([e, g]) => `${e}->${g}`).join(', ');
      notes.push(`${tag}: seek wrong ${r.seek.wrong.length}/${r.seek.n} (expected->shown: ${shown}${r.seek.wrong.length > 8 ? ', ...' : ''})`);
    }
    if (r.seek.errors.length) notes.push(`${tag}: seek errors: ${r.seek.errors.join('; ')}`);
    if (r.indexWrong.length) notes.push(`${tag}: seek() resolved with the wrong index ${r.indexWrong.length} times (expected->index: ${r.indexWrong.slice(0, 8).map(([e, g]) => `${e}->${g}`).join(', ')})`);
    if (r.pages && r.metadataMs != null) {
      const fetched = r.metadataBytesAtMs == null ? '' : `metadata bytes fetched at ${fmt(r.metadataBytesAtMs)} ms, `;
      notes.push(`${tag}: first frame ${fmt(r.firstFrameMs)} ms = ${fetched}metadata at ${fmt(r.metadataMs)} ms, then ${fmt(r.firstFrameMs - r.metadataMs)} ms to the frame`);
    }
    if (r.decodedPerSeek != null) notes.push(`${tag}: ${r.decodedPerSeek} frames decoded per seek`);
    if (r.seeksFetching) notes.push(`${tag}: ${r.seeksFetching}/${r.seek.n} seeks fetched bytes; their last byte arrived ${fmt(r.fetchMsMedian)} ms (median) after the request`);
    if (r.rvfcFellBack) notes.push(`${tag}: requestVideoFrameCallback did not fire after ${r.rvfcFellBack} of ${r.seek.n} seeks (waited 2 animation frames)`);
  }
  return notes;
}

function describeBoxes() {
  return LONG_FILES.map((f) => {
    const file = path.join(ROOT, 'bench', 'media', `${f}.mp4`);
    if (!fs.existsSync(file)) return `${f}.mp4 missing`;
    const boxes = topBoxes(file);
    return `${f}.mp4 ${mb(fs.statSync(file).size)} MB: ${boxes.map(([t, n]) => `${t} ${n >= 1e5 ? `${mb(n)} MB` : `${n} B`}`).join(', ')}`;
  });
}

// ---------------------------------------------------------------------------------------
// the playback section: tables and ratios
// ---------------------------------------------------------------------------------------

const pct = (part, whole) => (whole > 0 ? (100 * part) / whole : null);
const fmtPct = (x) => (x == null ? '—' : `${x.toFixed(1)} %`);
const right = (checked, wrong) => (checked ? `${checked - wrong}/${checked}` : '—');
/**
 * Presented frames: getVideoPlaybackQuality()'s, or where it counts nothing at all (WebKitGTK's
 * <video> says 0 of 0) the frames requestVideoFrameCallback's presentedFrames counted.
 */
function presentedOf(r) {
  if (!r || r.na || r.error) return { n: null, how: '' };
  const q = r.scenario === 'sync' ? { presented: r.presented, total: r.presented + r.dropped } : { ...r.quality, total: r.quality.presented + r.quality.dropped };
  if (q.total === 0 && r.method === 'video') {
    const p = r.scenario === 'sync' ? r.rvfcPresentedFrames : r.rvfc?.presentedFrames;
    if (p > 0) return { n: p, how: 'rVFC' };
  }
  return { n: q.presented, how: '' };
}
const presentedCell = (r) => {
  const { n, how } = presentedOf(r);
  return how ? `${n} (rVFC; quality says 0)` : n;
};

/** Animation frames per second, the longest gap between two, long tasks (count / ms, Chromium). */
const mainThreadCell = (m) =>
  m ? `${fmt(m.animationFps)} / ${fmt(m.animationGapMaxMs)} / ${m.longTasks == null ? 'n/a' : `${m.longTasks} (${fmt(m.longTaskMs)} ms)`}` : '—';

function playbackBrief(r) {
  if (r.error) return `ERROR ${r.error}`;
  if (r.na) return `n/a: ${r.rateNote}`;
  if (r.scenario === 'sync') {
    const px = r.pixelSkew ? `, canvas skew max ${r.pixelSkew.max}` : '';
    return `presented ${r.presented}, dropped ${r.dropped}, skew max ${r.eventSkew.max}${px} (${r.eventSkew.nonzero}/${r.eventSkew.samples} frames apart)`;
  }
  const q = r.quality;
  const px = r.checks.pixelChecked ? `, pixels ${right(r.checks.pixelChecked, r.checks.pixelWrong)}` : '';
  const ix = r.checks.indexWrong == null ? '' : `, index ${right(r.seq.shown, r.checks.indexWrong)}`;
  return `presented ${q.presented}, dropped ${q.dropped}, shown ${r.seq.shown} (never shown ${r.seq.skipped})${px}${ix}, ${fmt(r.wallMs / 1000)} s`;
}

function playbackTable(results) {
  const header = [
    'scenario',
    'method',
    'file',
    'presented',
    'dropped',
    'dropped %',
    'shown (frame / rVFC)',
    'distinct',
    'never shown',
    'wrong way',
    'pixels right',
    'index right',
    'gap median / max ms',
    'gaps > 50 ms',
    'play() ms',
    'run s',
    'last shown (code; code 0.5 s later)',
    'rAF/s / max gap ms / long tasks',
  ];
  const rows = [];
  for (const r of results.filter((x) => x.scenario !== 'sync')) {
    const head = [r.scenario, r.method, r.file];
    if (r.error) {
      rows.push([...head, `ERROR: ${r.error}`, ...header.slice(4).map(() => '')]);
      continue;
    }
    if (r.na) {
      rows.push([...head, 'n/a', ...header.slice(4).map(() => '')]);
      continue;
    }
    const q = r.quality;
    const shown = r.rvfc && typeof r.rvfc === 'object' ? `${r.seq.shown} (presentedFrames ${r.rvfc.presentedFrames})` : String(r.seq.shown);
    rows.push([
      ...head,
      presentedCell(r),
      q.dropped,
      fmtPct(pct(q.dropped, q.presented + q.dropped)),
      shown,
      r.seq.distinct,
      r.seq.skipped,
      r.seq.wrongWay,
      right(r.checks.pixelChecked, r.checks.pixelWrong),
      r.checks.indexWrong == null ? '—' : right(r.seq.shown, r.checks.indexWrong),
      `${fmt(r.seq.gapMedianMs)} / ${fmt(r.seq.gapMaxMs)}`,
      r.seq.stutters,
      fmt(r.playResolvedMs),
      fmt(r.wallMs / 1000),
      r.lastCode == null ? `${r.seq.last}` : `${r.seq.last} (${r.lastCode}; ${r.lastCodeLater ?? '—'})`,
      mainThreadCell(r.mainThread),
    ]);
  }
  return { header, rows };
}

function syncTable(results) {
  const header = [
    'method',
    'presented (4 summed)',
    'dropped (4 summed)',
    'dropped %',
    'skew max, canvases',
    'skew max, events / rVFC',
    'frames apart (of sampled)',
    'skew 0/1/2/3+',
    'partial frames (of painting)',
    'paint spread max ms',
    'canvas != last event',
    'play() ms',
    'run s',
    'rAF/s / max gap ms / long tasks',
  ];
  const rows = [];
  for (const r of results.filter((x) => x.scenario === 'sync')) {
    if (r.error) {
      rows.push([r.method, `ERROR: ${r.error}`, ...header.slice(2).map(() => '')]);
      continue;
    }
    const label = METHOD_LABELS[r.method] ?? r.method;
    rows.push(syncRow(label, r));
    if (r.pixelRun) rows.push(r.pixelRun.error ? [`${label}, canvases read`, `ERROR: ${r.pixelRun.error}`, ...header.slice(2).map(() => '')] : syncRow(`${label}, canvases read`, { scenario: 'sync', ...r.pixelRun }));
  }
  return { header, rows };
}

function syncRow(method, r) {
  const skew = r.pixelSkew ?? r.eventSkew;
  const h = skew.hist;
  return [
    method,
    presentedCell(r),
    r.dropped,
    fmtPct(pct(r.dropped, r.presented + r.dropped)),
    r.pixelSkew ? r.pixelSkew.max : 'n/a',
    r.eventSkew.max,
    `${skew.nonzero}/${skew.samples}`,
    `${h[0] ?? 0}/${h[1] ?? 0}/${h[2] ?? 0}/${h['3+'] ?? 0}`,
    `${r.paintFramesPartial}/${r.paintFrames}`,
    fmt(r.paintSpreadMaxMs),
    r.canvasBehindEvents ?? 'n/a',
    fmt(r.playResolvedMs),
    fmt(r.wallMs / 1000),
    mainThreadCell(r.mainThread),
  ];
}

/** Per scenario: the element's figure, <video>'s, their ratio and the goal. */
function playbackRatios(results) {
  const get = (scenario, method) => results.find((r) => r.scenario === scenario && r.method === method && !r.error);
  const out = [];
  for (const scenario of Object.keys(PLAYBACK)) {
    const vid = get(scenario, 'video');
    for (const method of ['element', 'element-display']) {
      const el = get(scenario, method);
      if (method === 'element-display' && !el) continue;
      if (!el && !vid) continue;
      const label = METHOD_LABELS[method] ? ` (${METHOD_LABELS[method]})` : '';
      pushRatios(out, scenario, el, vid, label);
    }
  }
  return out;
}

/** The ratio rows of one scenario for one way of running the element (`label` says which). */
function pushRatios(out, scenario, el, vid, label) {
    if (scenario === 'sync') {
      out.push({ scenario, what: `dropped frames, 4 summed${label}`, element: el?.dropped, video: vid?.dropped, ratio: ratio(el?.dropped, vid?.dropped), goal: '' });
      // The largest skew either run saw: the events' in the timed run, the canvases' in the other.
      const es = el ? Math.max(el.eventSkew.max ?? 0, el.pixelRun?.pixelSkew?.max ?? 0) : null;
      out.push({ scenario, what: `largest skew, frames${label}`, element: es, video: vid?.eventSkew.max, ratio: ratio(es, vid?.eventSkew.max), goal: '' });
      return;
    }
    const presented = (r) => presentedOf(r).n;
    const droppedPct = (r) => (r && !r.na ? pct(r.quality.dropped, r.quality.presented + r.quality.dropped) : null);
    const r = ratio(presented(el), presented(vid));
    const goal = scenario === '4k' && r != null ? `>= ${PLAYBACK_TARGETS.presented4kVsVideo}x ${r >= PLAYBACK_TARGETS.presented4kVsVideo ? 'PASS' : 'MISS'}` : '';
    out.push({ scenario, what: `presented frames${label}`, element: presented(el), video: vid?.na ? 'n/a' : presented(vid), ratio: r, goal });
    const dp = droppedPct(el);
    const dropGoal =
      scenario === 'reverse' && dp != null ? `< ${PLAYBACK_TARGETS.reverseDroppedPct} % ${dp < PLAYBACK_TARGETS.reverseDroppedPct ? 'PASS' : 'MISS'}` : '';
    out.push({ scenario, what: `dropped %${label}`, element: dp == null ? null : +dp.toFixed(2), video: vid?.na ? 'n/a' : droppedPct(vid) == null ? null : +droppedPct(vid).toFixed(2), ratio: null, goal: dropGoal });
    if (el && !el.na) {
      const exact = el.checks.pixelWrong === 0 && el.checks.indexWrong === 0 && el.seq.wrongWay === 0;
      out.push({
        scenario,
        what: `element frames exact (pixels, index, order)${label}`,
        element: `${el.checks.pixelChecked ? right(el.checks.pixelChecked, el.checks.pixelWrong) : '—'}, ${right(el.seq.shown, el.checks.indexWrong)}, ${el.seq.wrongWay} wrong way`,
        video: vid && !vid.na && vid.checks.pixelChecked ? `${right(vid.checks.pixelChecked, vid.checks.pixelWrong)} (pixels vs mediaTime)` : '',
        ratio: null,
        goal: exact ? 'PASS' : 'MISS',
      });
    }
}

function playbackRatioTable(rs) {
  const show = (x) => (x == null ? '—' : typeof x === 'number' && !Number.isInteger(x) ? x.toFixed(2) : String(x));
  return {
    header: ['scenario', 'figure', 'element', '<video>', 'element / <video>', 'goal'],
    rows: rs.map((r) => [r.scenario, r.what, show(r.element), show(r.video), r.ratio == null ? '—' : `${r.ratio.toFixed(2)}x`, r.goal]),
  };
}

function playbackNotes(results) {
  const notes = [];
  for (const r of results) {
    const tag = `${r.scenario} ${r.method}`;
    if (r.error) notes.push(`${tag}: ${r.error}`);
    if (r.rateNote) notes.push(`${tag}: ${r.rateNote}`);
    const checks = r.scenario === 'sync' ? r.checks ?? [] : r.checks ? [r.checks] : [];
    checks.forEach((c, i) => {
      const who = r.scenario === 'sync' ? `${tag} #${i + 1}` : tag;
      if (c.pixelWrong) notes.push(`${who}: pixels wrong ${c.pixelWrong}/${c.pixelChecked} (index->code: ${c.pixelWrongFirst.map(([a, b]) => `${a}->${b}`).join(', ')})`);
      if (c.indexWrong) notes.push(`${who}: index not the frame due ${c.indexWrong} times (requestedTime, index, due: ${c.indexWrongFirst.map((x) => `(${x.join(', ')})`).join(' ')})`);
      if (c.notExact) notes.push(`${who}: ${c.notExact} frame events with exact: false`);
    });
    if (r.seq?.wrongWay) notes.push(`${tag}: ${r.seq.wrongWay} frames shown out of order`);
    if (r.seq?.repeats) notes.push(`${tag}: ${r.seq.repeats} callbacks for the frame already shown`);
    if (r.seq?.jumps?.length) notes.push(`${tag}: skips (shown -> next shown, ms): ${r.seq.jumps.map(([a, b, ms]) => `${a}->${b} ${ms}`).join(', ')}`);
    if (r.timestampMismatches) notes.push(`${tag}: frameTimestamps differ from ffprobe's in ${r.timestampMismatches} frames`);
    if (r.lastCode != null && r.lastCode !== r.frames - 1) {
      notes.push(`${tag}: at 'ended' the canvas shows ${r.lastCode}, not the last frame ${r.frames - 1}; 0.5 s later ${r.lastCodeLater}`);
    }
    if (r.quality && r.seq && r.method === 'element' && r.seq.skipped > r.quality.dropped) {
      notes.push(`${tag}: droppedVideoFrames says ${r.quality.dropped}, but ${r.seq.skipped} frames between the first and the last painted were never painted`);
    }
    if (r.quality && r.method === 'element' && r.quality.open > 1) notes.push(`${tag}: ${r.quality.open} VideoFrames open at the end`);
    if (r.mediaSpan != null) notes.push(`${tag}: ${fmt(r.wallMs / 1000)} s of play covered ${r.mediaSpan} s of media (${Math.round(r.mediaSpan * 30)} frame intervals)`);
    if (r.scenario === 'sync' && r.perPlayer) {
      notes.push(
        `${tag}: per player shown / never shown / longest gap ms: ${r.perPlayer.map((p) => `${p.shown}/${p.skipped}/${fmt(p.gapMaxMs)}`).join(', ')}; ` +
          `dropped ${r.quality.map((q) => q.dropped).join(', ')}`,
      );
      r.perPlayer.forEach((p, i) => {
        if (p.jumps.length) notes.push(`${tag} #${i + 1}: skips: ${p.jumps.slice(0, 12).map(([a, b, ms]) => `${a}->${b} ${ms}`).join(', ')}`);
      });
    }
    if (r.rvfc === 'unsupported') notes.push(`${tag}: no requestVideoFrameCallback`);
  }
  return notes;
}

// ---------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  if (opts.build) {
    console.log('bench: npm run build');
    const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'rerun-video.min.js'))) throw new Error('dist/rerun-video.min.js missing: run npm run build');
  const playbackFiles = opts.playback ? [...new Set(opts.scenarios.map((s) => PLAYBACK[s]))] : [];
  const media = [...new Set([...opts.files, ...(opts.long ? LONG_FILES : []), ...playbackFiles])];
  const mm = spawnSync('bash', [path.join(ROOT, 'bench', 'make-media.sh'), ...media], { cwd: ROOT, stdio: 'inherit' });
  if (mm.status !== 0) throw new Error('bench/make-media.sh failed');

  const bundle = snapshotBundle();
  const server = await startServer(bundle);
  const base = `http://127.0.0.1:${server.address().port}`;
  console.log(`bench: the element: ${bundle.id}`);
  const args = opts.quick ? { seeks: 10, stepsForward: 20, stepsBack: 10 } : { seeks: 30, stepsForward: 60, stepsBack: 30 };
  // Throttled, each page's requests share one link at that rate, and only first frames are timed.
  const longArgs = { seeks: opts.throttle ? 0 : opts.quick ? 5 : 15, pages: opts.pages > 0 ? opts.pages : opts.quick ? 1 : 3, throttle: opts.throttle };
  if (opts.files.length) console.log(`bench: serving ${ROOT} at ${base}; ${args.seeks} random seeks, ${args.stepsForward} steps forward, ${args.stepsBack} steps back per file and method`);
  if (opts.long) console.log(`bench: long recordings: ${longArgs.pages} pages per file and method, ${longArgs.seeks} random seeks each${opts.throttle ? `, over a link of ${opts.throttle} B/s` : ''}; ${describeBoxes().join('; ')}`);
  const playbackMethods = PLAYBACK_METHODS.filter((m) => opts.methods.includes(m));
  if (playbackMethods.includes('element')) playbackMethods.push('element-display');
  if (opts.playback) console.log(`bench: playback: ${opts.scenarios.map((s) => `${s} (${PLAYBACK[s]})`).join(', ')}; ${playbackMethods.join(', ')}`);

  const results = [];
  const longResults = [];
  const playbackResults = [];
  const browsers = [];
  for (const kind of opts.browsers) {
    let driver;
    const t0 = Date.now();
    try {
      driver = kind === 'webkit' ? await webkitDriver() : await puppeteerDriver(kind);
    } catch (e) {
      console.log(`bench: ${kind} could not start: ${e.message}`);
      browsers.push({ name: kind, error: String(e.message) });
      continue;
    }
    browsers.push({ name: driver.name, version: driver.version });
    console.log(`\nbench: ${driver.name} ${driver.version}`);
    for (const file of opts.files) {
      for (const method of opts.methods) {
        const t1 = Date.now();
        let r;
        try {
          // one hung run (a decoder that never answers) must not hang the whole benchmark
          let timer;
          r = await Promise.race([
            driver.run(`${base}/bench/bench.html`, { ...args, method, file }),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no result after ${PER_RUN_TIMEOUT_MS / 1000} s`)), PER_RUN_TIMEOUT_MS);
            }),
          ]).finally(() => clearTimeout(timer));
        } catch (e) {
          r = { method, file, error: String(e.message ?? e).split('\n')[0] };
        }
        r.browser = driver.name;
        results.push(r);
        const brief = r.seek
          ? `first ${fmt(r.firstFrameMs)} ms, seek ${fmt(r.seek.median)} ms ${frac(r.seek)}, fwd ${fmt(r.stepForward.median)} ms ${frac(r.stepForward)}, back ${fmt(r.stepBack.median)} ms ${frac(r.stepBack)}`
          : `ERROR ${r.error}`;
        console.log(`  ${file.padEnd(18)} ${method.padEnd(9)} ${brief}  [${((Date.now() - t1) / 1000).toFixed(1)} s]`);
      }
    }
    // the long scenario: pages interleaved (page k of every method and file, then page k+1),
    // so that a machine that slows down over the run weighs on the hour and the ten seconds alike
    for (let page = 0; opts.long && page < longArgs.pages; page++) {
      for (const method of opts.methods) {
        for (const file of LONG_FILES) {
          const t1 = Date.now();
          let r;
          try {
            let timer;
            r = await Promise.race([
              driver.run(`${base}/bench/bench.html`, { seeks: longArgs.seeks, seed: page + 1, method, file, throttle: longArgs.throttle }, { fn: 'runLong', heap: true }),
              new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error(`no result after ${PER_RUN_TIMEOUT_MS / 1000} s`)), PER_RUN_TIMEOUT_MS);
              }),
            ]).finally(() => clearTimeout(timer));
          } catch (e) {
            r = { method, file, error: String(e.message ?? e).split('\n')[0] };
          }
          r.browser = driver.name;
          r.page = page;
          longResults.push(r);
          const heap = r.heap ? `, heap peak ${mb(r.heap.peakUsed)}/${mb(r.heap.peakCommitted)} MB + buffers ${mb(r.heap.peakBuffers)} MB` : '';
          const brief = r.seek
            ? `first ${fmt(r.firstFrameMs)} ms (metadata ${fmt(r.metadataMs)}), seek ${fmt(r.seek.median)} ms ${frac(r.seek)}, ` +
              `${kb(sum(r.perSeek.map((p) => p.bytes)) / Math.max(1, r.perSeek.length))} KB/seek${heap}`
            : `ERROR ${r.error}`;
          console.log(`  ${`${file} #${page + 1}`.padEnd(18)} ${method.padEnd(9)} ${brief}  [${((Date.now() - t1) / 1000).toFixed(1)} s]`);
        }
      }
    }
    for (const scenario of opts.playback ? opts.scenarios : []) {
      for (const method of playbackMethods) {
        if (method === 'element-display' && !DISPLAY_SCENARIOS.has(scenario)) continue;
        const t1 = Date.now();
        const file = PLAYBACK[scenario];
        let r;
        try {
          let timer;
          r = await Promise.race([
            driver.run(`${base}/bench/bench.html`, { scenario, method, file }, { fn: 'runPlayback' }),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no result after ${PLAYBACK_TIMEOUT_MS / 1000} s`)), PLAYBACK_TIMEOUT_MS);
            }),
          ]).finally(() => clearTimeout(timer));
        } catch (e) {
          r = { scenario, method, file, error: String(e.message ?? e).split('\n')[0] };
        }
        r.browser = driver.name;
        playbackResults.push(r);
        console.log(`  ${`play ${scenario}`.padEnd(18)} ${method.padEnd(9)} ${playbackBrief(r)}  [${((Date.now() - t1) / 1000).toFixed(1)} s]`);
      }
    }
    await driver.close().catch(() => {});
    console.log(`bench: ${driver.name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  server.close();
  if (notFound.size) console.log(`bench: the server answered 404 for ${[...notFound].join(', ')}`);

  // ---- report
  let text = '';
  const allFiles = media;
  let md = `# rerun-video benchmark\n\n${new Date().toISOString()}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ` +
    [
      opts.files.length ? `${args.seeks} random seeks, ${args.stepsForward} steps forward, ${args.stepsBack} steps back per file and method.` : '',
      opts.files.length || opts.long ? 'Times in ms from the request to the frame on a canvas; "right" = frames whose pixel code was the expected frame.' : '',
      opts.playback ? `Playback: ${opts.scenarios.map((s) => `${s} (\`${PLAYBACK[s]}\`)`).join(', ')}, element against <video>.` : '',
    ]
      .filter(Boolean)
      .join(' ') +
    `\n\n` +
    `Files: ${allFiles.map((f) => `\`${f}\` ${FILE_LABELS[f]}`).join('; ')}. The element: ${bundle.id}.\n`;
  const summary = {};
  const longSummary = {};
  const playbackSummary = {};
  for (const b of browsers) {
    if (b.error) {
      text += `\n== ${b.name}: not run (${b.error})\n`;
      md += `\n## ${b.name}\n\nNot run: ${b.error}\n`;
      continue;
    }
    text += `\n== ${b.name} ${b.version}\n`;
    md += `\n## ${b.name} ${b.version}\n`;
    if (opts.files.length) {
      const t = tableRows(results, b.name);
      const rs = ratios(results, b.name);
      summary[b.name] = rs;
      const rt = ratioTable(rs);
      const notes = extraNotes(results, b.name);
      const targetsNote = b.name === 'Chromium' ? '' : ' (the speed targets are set for Chromium; shown for comparison)';
      text += `\n${textTable(t)}\n\nRatios, medians, element vs the others${targetsNote}:\n${textTable(rt)}\n`;
      if (notes.length) text += `\nNotes:\n${notes.map((n) => `  - ${n}`).join('\n')}\n`;
      md += `\n${mdTable(t)}\n\nRatios, medians, element vs the others${targetsNote}:\n\n${mdTable(rt)}\n`;
      if (notes.length) md += `\nNotes:\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
    }
    if (opts.long) {
      const rows = longRows(longResults, b.name);
      const rs = longRatios(rows);
      longSummary[b.name] = { rows, ratios: rs };
      const lt = longTable(rows);
      const lr = longRatioTable(rs);
      const notes = longNotes(rows);
      const intro =
        `Long recordings (${describeBoxes().join('; ')}${longArgs.throttle ? `; every page's requests over one link of ${longArgs.throttle} bytes/s, test/server/faults.mjs ?throttle&link` : ''}): first frame = median of ${longArgs.pages} fresh pages [each page], ` +
        `to the element's first \`frame\` event or <video>'s loadeddata; first picture = the element's canvas first not black, looked at in each animation frame; ` +
        `seeks = all ${longArgs.seeks} x ${longArgs.pages} random seeks pooled; bytes = body bytes the server sent, per seek ` +
        `(request to the next request, the last one + 500 ms); heap = Chromium CDP, sampled every 50 ms, MB = 10^6 bytes`;
      text += `\n${intro}:\n${textTable(lt)}\n\nLong recordings, the hour against the ten seconds:\n${textTable(lr)}\n`;
      if (notes.length) text += `\nNotes:\n${notes.map((n) => `  - ${n}`).join('\n')}\n`;
      md += `\n### Long recordings\n\n${intro}.\n\n${mdTable(lt)}\n\nThe hour against the ten seconds:\n\n${mdTable(lr)}\n`;
      if (notes.length) md += `\nNotes:\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
    }
    if (opts.playback) {
      const mine = playbackResults.filter((r) => r.browser === b.name);
      const pt = playbackTable(mine);
      const st = syncTable(mine);
      const rs = playbackRatios(mine);
      playbackSummary[b.name] = rs;
      const rt = playbackRatioTable(rs);
      const notes = playbackNotes(mine);
      const intro =
        'Playback, one run per scenario and method: presented / dropped = getVideoPlaybackQuality() deltas over the run; ' +
        'shown = `frame` events (element) or requestVideoFrameCallback calls (<video>); never shown = frames between the ' +
        'first and the last shown that were not; pixels right = frame code read from the canvas equals the index ' +
        '(element: detail.index at each `frame`; <video>: drawn in rVFC, index from mediaTime); index right = the ' +
        "element's detail.index is the last frame at or before detail.requestedTime";
      const syncIntro =
        'Four players of one file until they end; skew = largest minus smallest frame index shown, sampled in every ' +
        'animation frame (element: the last `frame` event of each; in the "canvases read" run, a second one, also the ' +
        'four canvases\' codes, whose read-back costs the page frames; <video>: the last rVFC ' +
        'mediaTime of each); partial frames = animation frames in which some but not all four painted a new frame';
      text += `\n${intro}:\n${textTable(pt)}\n\n${syncIntro}:\n${textTable(st)}\n\nPlayback, element vs <video>:\n${textTable(rt)}\n`;
      if (notes.length) text += `\nNotes:\n${notes.map((n) => `  - ${n}`).join('\n')}\n`;
      md += `\n### Playback\n\n${intro}.\n\n${mdTable(pt)}\n\n${syncIntro}.\n\n${mdTable(st)}\n\nElement vs \`<video>\`:\n\n${mdTable(rt)}\n`;
      if (notes.length) md += `\nNotes:\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
    }
  }
  const elapsed = (Date.now() - started) / 1000;
  text += `\nbench: done in ${elapsed.toFixed(0)} s; results in bench/results/latest.json and latest.md\n`;
  md += `\nRun time ${elapsed.toFixed(0)} s: \`node bench/run.mjs ${process.argv.slice(2).join(' ')}\`\n`;
  console.log(text);
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(
    path.join(RESULTS, 'latest.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        bundle: bundle.id,
        options: { ...opts, ...args },
        targets: TARGETS,
        browsers,
        summary,
        results,
        long: opts.long ? { targets: LONG_TARGETS, ...longArgs, files: describeBoxes(), summary: longSummary, results: longResults } : undefined,
        playback: opts.playback ? { targets: PLAYBACK_TARGETS, scenarios: PLAYBACK, summary: playbackSummary, results: playbackResults } : undefined,
      },
      null,
      1,
    ),
  );
  fs.writeFileSync(path.join(RESULTS, 'latest.md'), md);
}

if (opts.browsers.includes('webkit') && !process.env.DISPLAY && !process.env.RERUN_BENCH_XVFB) {
  // MiniBrowser has no headless mode: run the whole thing under a virtual display.
  const child = spawn('xvfb-run', ['-a', '-s', '-screen 0 1920x1080x24', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, RERUN_BENCH_XVFB: '1' },
  });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : code ?? 1));
} else {
  await main();
}
