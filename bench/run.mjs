#!/usr/bin/env node
// The benchmark of issue 3: <rerun-video> against <video> and a bare WebCodecs decode of
// the same generated files, in real browsers, with the frame read back from the pixels.
//
//   npm run bench                                      Chromium + Firefox, all files
//   npm run bench -- --browsers chromium               one browser (chromium, firefox, webkit)
//   npm run bench -- --files h264-1080p-gop60,vp9-720p
//   npm run bench -- --methods element,webcodecs       (default: element,video,webcodecs)
//   npm run bench -- --quick                           fewer requests (10 seeks, 20 + 10 steps)
//   npm run bench -- --no-build                        skip `npm run build` (dist/ is current)
//
// Steps: `npm run build` (dist/rerun-video.min.js), bench/make-media.sh (bench/media/, skips
// existing files), a static server on 127.0.0.1 with byte ranges (test/server/ranges.mjs: the
// test runner's, so ?throttle= and the other faults of test/server/faults.mjs work here too),
// then for every browser, file and method a fresh page running bench/bench.html's runBench().
// Prints one table per browser and the ratios against the targets; writes
// bench/results/latest.json and .md.
//
// WebKit (WebKitGTK MiniBrowser through WebKitWebDriver + webdriverio) needs an X display:
// without DISPLAY the script re-runs itself under `xvfb-run -a` when webkit is asked for.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { CHROMIUM_ARGS, CHROMIUM_BIN, FIREFOX_BIN, FIREFOX_PREFS, MINIBROWSER_BIN, WEBKIT_DRIVER_BIN } from '../scripts/browsers.mjs';
import { createRangeServer } from '../test/server/ranges.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results');

const ALL_FILES = ['h264-1080p-gop60', 'h264-1080p-gop250', 'h264-4k', 'av1-720p', 'vp9-720p'];
const ALL_METHODS = ['element', 'video', 'webcodecs'];
const FILE_LABELS = {
  'h264-1080p-gop60': '1080p30 H.264 High, B-frames, GOP 60',
  'h264-1080p-gop250': '1080p30 H.264 High, B-frames, GOP 250',
  'h264-4k': '2160p30 H.264 High, B-frames, GOP 60',
  'av1-720p': '720p30 AV1 (SVT-AV1), GOP 60',
  'vp9-720p': '720p30 VP9 (realtime), GOP 60',
};

// The targets of issue 3: medians in Chromium, ratios within the same run.
const TARGETS = {
  seekVsVideo: 0.9,
  seekVsWebCodecs: 1.15,
  forwardVsVideo: 0.1,
  forwardVsWebCodecs: 1.5,
  backVsVideo: 0.25,
};

// ---------------------------------------------------------------------------------------
// options
// ---------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { browsers: ['chromium', 'firefox'], files: ALL_FILES, methods: ALL_METHODS, quick: false, build: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    const list = () => value().split(',').map((s) => s.trim()).filter(Boolean);
    if (flag === '--browsers') opts.browsers = list();
    else if (flag === '--files') opts.files = list();
    else if (flag === '--methods') opts.methods = list();
    else if (flag === '--quick') opts.quick = true;
    else if (flag === '--no-build') opts.build = false;
    else if (flag === '--help' || flag === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 12).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown option ${argv[i]}`);
  }
  for (const b of opts.browsers) if (!['chromium', 'firefox', 'webkit'].includes(b)) throw new Error(`unknown browser ${b}`);
  for (const f of opts.files) if (!ALL_FILES.includes(f)) throw new Error(`unknown file ${f} (known: ${ALL_FILES.join(', ')})`);
  for (const m of opts.methods) if (!ALL_METHODS.includes(m)) throw new Error(`unknown method ${m}`);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------------------------------
// static server with byte ranges
// ---------------------------------------------------------------------------------------

/** Paths the server answered 404 for (reported: a page asking for missing files is suspect). */
const notFound = new Set();

function startServer() {
  // no-store (test/server/ranges.mjs): every method downloads the file itself, no browser cache between them
  const server = createRangeServer(ROOT, { onNotFound: (pathname) => notFound.add(pathname) });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---------------------------------------------------------------------------------------
// browsers: each driver gives { name, version, run(url, options) -> result, close() }
// ---------------------------------------------------------------------------------------

const RUN_TIMEOUT_MS = 600_000;
const PER_RUN_TIMEOUT_MS = opts.quick ? 120_000 : 300_000;

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
    async run(url, args) {
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
        const result = await page.evaluate((a) => window.runBench(a), args);
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
    async run(url, args) {
      // one window, reloaded for every run: a fresh page per method and file
      await browser.url(url);
      await browser.waitUntil(() => browser.execute(() => window.benchReady === true), { timeout: 30_000 });
      const out = await browser.executeAsync((a, done) => {
        window.runBench(a).then(
          (r) => done(JSON.stringify(r)),
          (e) => done(JSON.stringify({ error: String(e && e.stack ? e.stack : e) })),
        );
      }, args);
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

async function main() {
  const started = Date.now();
  if (opts.build) {
    console.log('bench: npm run build');
    const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'rerun-video.min.js'))) throw new Error('dist/rerun-video.min.js missing: run npm run build');
  const mm = spawnSync('bash', [path.join(ROOT, 'bench', 'make-media.sh'), ...opts.files], { cwd: ROOT, stdio: 'inherit' });
  if (mm.status !== 0) throw new Error('bench/make-media.sh failed');

  const server = await startServer();
  const base = `http://127.0.0.1:${server.address().port}`;
  const args = opts.quick ? { seeks: 10, stepsForward: 20, stepsBack: 10 } : { seeks: 30, stepsForward: 60, stepsBack: 30 };
  console.log(`bench: serving ${ROOT} at ${base}; ${args.seeks} random seeks, ${args.stepsForward} steps forward, ${args.stepsBack} steps back per file and method`);

  const results = [];
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
    await driver.close().catch(() => {});
    console.log(`bench: ${driver.name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  server.close();
  if (notFound.size) console.log(`bench: the server answered 404 for ${[...notFound].join(', ')}`);

  // ---- report
  let text = '';
  let md = `# rerun-video benchmark\n\n${new Date().toISOString()}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ` +
    `${args.seeks} random seeks, ${args.stepsForward} steps forward, ${args.stepsBack} steps back per file and method. ` +
    `Times in ms from the request to the frame on a canvas; "right" = frames whose pixel code was the expected frame.\n\n` +
    `Files: ${opts.files.map((f) => `\`${f}\` ${FILE_LABELS[f]}`).join('; ')}.\n`;
  const summary = {};
  for (const b of browsers) {
    if (b.error) {
      text += `\n== ${b.name}: not run (${b.error})\n`;
      md += `\n## ${b.name}\n\nNot run: ${b.error}\n`;
      continue;
    }
    const t = tableRows(results, b.name);
    const rs = ratios(results, b.name);
    summary[b.name] = rs;
    const rt = ratioTable(rs);
    const notes = extraNotes(results, b.name);
    const targetsNote = b.name === 'Chromium' ? '' : ' (the speed targets are set for Chromium; shown for comparison)';
    text += `\n== ${b.name} ${b.version}\n\n${textTable(t)}\n\nRatios, medians, element vs the others${targetsNote}:\n${textTable(rt)}\n`;
    if (notes.length) text += `\nNotes:\n${notes.map((n) => `  - ${n}`).join('\n')}\n`;
    md += `\n## ${b.name} ${b.version}\n\n${mdTable(t)}\n\nRatios, medians, element vs the others${targetsNote}:\n\n${mdTable(rt)}\n`;
    if (notes.length) md += `\nNotes:\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
  }
  const elapsed = (Date.now() - started) / 1000;
  text += `\nbench: done in ${elapsed.toFixed(0)} s; results in bench/results/latest.json and latest.md\n`;
  md += `\nRun time ${elapsed.toFixed(0)} s: \`node bench/run.mjs ${process.argv.slice(2).join(' ')}\`\n`;
  console.log(text);
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(
    path.join(RESULTS, 'latest.json'),
    JSON.stringify({ date: new Date().toISOString(), options: { ...opts, ...args }, targets: TARGETS, browsers, summary, results }, null, 1),
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
