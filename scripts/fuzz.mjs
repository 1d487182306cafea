#!/usr/bin/env node
// npm run fuzz: the mutation fuzzer (test/fuzz.test.ts) with many cases, then a count per browser.
//
//   npm run fuzz                                  1000 MP4 + 1000 WebM cases in Chromium and in Firefox, a new base seed
//   npm run fuzz -- --cases 200 --seed 1234       200 cases of each format from base seed 1234 (reproducible)
//   npm run fuzz -- --formats webm                one format (mp4, webm; default mp4,webm)
//   npm run fuzz -- --replay av1:123,h265:456     exactly these cases (as failure messages print them)
//   npm run fuzz -- --browsers chromium           other browsers (or BROWSERS=...; default chromium,firefox)
//   npm run fuzz -- --verbose                     web-test-runner's output on the terminal too
//
// Runs web-test-runner on test/fuzz.test.ts the way scripts/test.sh does (browsers checked,
// fixtures built, under xvfb-run) but without scripts/check.sh's type-check/lint/build, which
// have nothing to do with fuzzing. The test reports every case through the `fuzz-result` server
// command (test/server/commands.mjs) as a JSON line in tmp/fuzz/results-<stamp>.jsonl; this
// script reads that file after the run and prints the counts. The runner's own output goes to
// tmp/fuzz/wtr-<stamp>.log (every failing case's full message is there).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = {
    cases: Number(process.env.FUZZ_CASES ?? 1000),
    seed: process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined,
    replay: process.env.FUZZ_REPLAY,
    browsers: process.env.BROWSERS ?? 'chromium,firefox',
    formats: process.env.FUZZ_FORMATS ?? 'mp4,webm',
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${arg}: missing value`);
      return v;
    };
    if (arg.startsWith('--cases')) opts.cases = Number(value());
    else if (arg.startsWith('--seed')) opts.seed = Number(value());
    else if (arg.startsWith('--replay')) opts.replay = value();
    else if (arg.startsWith('--browsers')) opts.browsers = value();
    else if (arg.startsWith('--formats')) opts.formats = value();
    else if (arg === '--verbose' || arg === '-v') opts.verbose = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 10).join('\n').replaceAll('// ', ''));
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  const formats = opts.formats.split(',').map((f) => f.trim()).filter(Boolean);
  if (!formats.length || formats.some((f) => f !== 'mp4' && f !== 'webm')) throw new Error(`--formats: want mp4, webm or both, got ${opts.formats}`);
  opts.formats = formats.join(',');
  if (!Number.isInteger(opts.cases) || opts.cases < 1) throw new Error(`--cases: want a positive integer, got ${opts.cases}`);
  if (opts.seed === undefined) opts.seed = Math.floor(Math.random() * 2 ** 32);
  if (!Number.isFinite(opts.seed)) throw new Error('--seed: want a number');
  opts.seed = opts.seed >>> 0;
  return opts;
}

const FAILURE_KINDS = [
  ['no-answer', 'no answer'],
  ['seek-never-settled', 'seek never settled'],
  ['several-errors', 'several error events'],
  ['uncaught', 'uncaught'],
  ['open-frames', 'open frames'],
  ['harness', 'harness error'],
];

function readResults(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

function summarize(results) {
  const byBrowser = new Map();
  for (const r of results) {
    // one summary per browser and format (cases from before WebM was fuzzed have no format: MP4)
    const name = `${r.browser ?? 'unknown'} ${r.format === 'webm' ? 'WebM' : 'MP4'}`;
    if (!byBrowser.has(name)) byBrowser.set(name, []);
    byBrowser.get(name).push(r);
  }
  const summary = {};
  for (const [browser, rs] of byBrowser) {
    const s = {
      cases: rs.length,
      failedCases: rs.filter((r) => r.failures.length > 0).length,
      answers: { loadedmetadata: 0, 'unsupported-codec': 0, error: 0, none: 0 },
      seeks: { resolved: 0, rejected: 0, 'never-settled': 0 },
      steps: { resolved: 0, rejected: 0, 'never-settled': 0 },
      rejections: {},
      failures: Object.fromEntries(FAILURE_KINDS.map(([k]) => [k, 0])),
      examples: Object.fromEntries(FAILURE_KINDS.map(([k]) => [k, []])),
      failedByMutation: {},
      openFramesChecked: rs.filter((r) => r.openVideoFrames !== null).length,
      ms: rs.reduce((n, r) => n + r.ms, 0),
    };
    for (const r of rs) {
      s.answers[r.answer] = (s.answers[r.answer] ?? 0) + 1;
      for (const c of r.calls) {
        const bucket = c.call.startsWith('step') ? s.steps : s.seeks;
        bucket[c.outcome] += 1;
        if (c.outcome === 'rejected') {
          const name = c.detail.split(':')[0];
          s.rejections[name] = (s.rejections[name] ?? 0) + 1;
        }
      }
      const kinds = new Set(r.failures.map((f) => f.kind));
      for (const kind of kinds) {
        s.failures[kind] = (s.failures[kind] ?? 0) + 1;
        const examples = (s.examples[kind] ??= []);
        if (examples.length < 5) {
          examples.push({
            replay: `${r.fixture}:${r.seed}`,
            description: r.description,
            message: r.failures.find((f) => f.kind === kind).message,
          });
        }
      }
      if (kinds.size > 0) s.failedByMutation[r.kind] = (s.failedByMutation[r.kind] ?? 0) + 1;
    }
    summary[browser] = s;
  }
  return summary;
}

function printSummary(summary, opts, planned) {
  const line = (label, value) => console.log(`  ${label.padEnd(27)}${value}`);
  const counts = (obj) =>
    Object.entries(obj)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  console.log('');
  console.log(`fuzz summary (base seed ${opts.seed}, formats ${opts.formats}${opts.replay ? `, replay ${opts.replay}` : ''})`);
  if (Object.keys(summary).length === 0) console.log('  no case reported a result (see the runner log)');
  for (const [browser, s] of Object.entries(summary)) {
    console.log('');
    console.log(`${browser}: ${s.cases} cases run${s.cases < planned ? ` (of ${planned} planned: the run stopped early)` : ''}, ${s.failedCases} failed, ${(s.ms / 1000).toFixed(0)} s in cases`);
    line('answered with', counts(s.answers));
    line('seek() calls', counts(s.seeks));
    line('stepFrame() calls', counts(s.steps));
    line('rejections by name', counts(s.rejections) || 'none');
    line('failures by kind', FAILURE_KINDS.map(([k, label]) => `${label} ${s.failures[k] ?? 0}`).join(', '));
    line('failed cases by mutation', counts(s.failedByMutation) || 'none');
    if (s.openFramesChecked === 0) line('open frames', 'not checked: no getVideoPlaybackQuality() on the element');
    for (const [kind, label] of FAILURE_KINDS) {
      const examples = s.examples[kind] ?? [];
      if (examples.length === 0) continue;
      console.log(`  e.g. ${label}:`);
      for (const e of examples) console.log(`    ${e.replay}  ${e.description}\n      ${e.message}`);
    }
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(ROOT, 'tmp/fuzz');
  fs.mkdirSync(outDir, { recursive: true });
  const resultsFile = path.join(outDir, `results-${stamp}.jsonl`);
  const logFile = path.join(outDir, `wtr-${stamp}.log`);
  // planned cases per browser and format (a replay: all of them, whatever their format)
  const planned = opts.replay ? opts.replay.split(/[\s,]+/).filter(Boolean).length : opts.cases;

  for (const script of ['scripts/ensure-browsers.sh', 'test/fixtures/make-fixtures.sh']) {
    if (!fs.existsSync(path.join(ROOT, script))) continue;
    const r = spawnSync('bash', [script], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }

  const env = {
    ...process.env,
    BROWSERS: opts.browsers,
    FUZZ_CASES: String(opts.cases),
    FUZZ_SEED: String(opts.seed),
    FUZZ_RESULTS: path.relative(ROOT, resultsFile),
    FUZZ_FORMATS: opts.formats,
  };
  if (opts.replay) env.FUZZ_REPLAY = opts.replay;
  else delete env.FUZZ_REPLAY;

  const wtr = [path.join(ROOT, 'node_modules/.bin/web-test-runner'), '--files', 'test/fuzz.test.ts', '--static-logging'];
  const useXvfb = !(process.env.DISPLAY && process.env.RERUN_VIDEO_NO_XVFB === '1');
  const [cmd, ...args] = useXvfb ? ['xvfb-run', '-a', '-s', '-screen 0 1280x1024x24', ...wtr] : wtr;

  console.log(`fuzz: ${planned} case(s) per browser${opts.replay ? '' : ` and format (${opts.formats})`} in ${opts.browsers}, base seed ${opts.seed}`);
  console.log(`fuzz: runner log ${path.relative(ROOT, logFile)}, results ${path.relative(ROOT, resultsFile)}`);
  const started = Date.now();
  const log = fs.openSync(logFile, 'w');
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      fs.writeSync(log, chunk);
      if (opts.verbose) process.stdout.write(chunk);
    });
  }
  const progress = setInterval(() => {
    const done = readResults(resultsFile);
    const failed = done.filter((r) => r.failures.length > 0).length;
    const last = done.at(-1);
    console.log(
      `fuzz: ${((Date.now() - started) / 1000).toFixed(0)} s, ${done.length} case(s) done, ${failed} failed` +
        (last ? ` (now ${last.browser} case ${last.index})` : ''),
    );
  }, 30_000);
  const forward = (signal) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  clearInterval(progress);
  fs.closeSync(log);

  const results = readResults(resultsFile);
  const summary = summarize(results);
  fs.writeFileSync(path.join(outDir, `summary-${stamp}.json`), JSON.stringify({ opts, planned, summary }, null, 2) + '\n');
  printSummary(summary, opts, planned);
  const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-3).join('\n');
  console.log(`\nrunner (exit ${code}, ${((Date.now() - started) / 1000).toFixed(0)} s): ${tail}`);
  const anyFailed = Object.values(summary).some((s) => s.failedCases > 0 || s.cases < planned);
  process.exit(code !== 0 || anyFailed || results.length === 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(`fuzz: ${error.message}`);
  process.exit(2);
});
