/**
 * Mutation fuzzing: corrupt fixture MP4s and WebM/Matroska files (test/helpers/mutate.ts: box-
 * and EBML-element-aware mutations), load each through a blob: URL and check that the element
 * always answers and never hangs.
 *
 * Per case (one `it` each, run in order):
 *   1. one of `loadedmetadata`, `unsupported-codec`, `error` within 5 s;
 *   2. five `seek(t)` calls at seeded times (inside and outside [0, duration], the last frame)
 *      and `stepFrame(1)`, `stepFrame(-1)`: each settles (resolve or reject) within 3 s;
 *   3. at most one `error` event;
 *   4. no uncaught exception, no unhandled rejection on window;
 *   5. after `remove()` and the deferred teardown, `getVideoPlaybackQuality().openVideoFrames === 0`.
 *
 * Inside `npm test` it runs DEFAULT_CASES MP4 and DEFAULT_WEBM_CASES WebM cases per browser.
 * `npm run fuzz` (scripts/fuzz.mjs) runs more through the `fuzz-config` / `fuzz-result` server
 * commands (test/server/commands.mjs):
 *   FUZZ_CASES=N FUZZ_SEED=S     N cases of each format from base seed S
 *   FUZZ_FORMATS=webm            only these formats (mp4, webm; default both)
 *   FUZZ_REPLAY=av1:123,456      exactly these case seeds (a fixture name forces the fixture;
 *                                WebM fixtures are named with their extension: webm-vp9.webm:123)
 * Every case reports a JSON line through `fuzz-result` (written only when FUZZ_RESULTS is set).
 */
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../src/index.js';
import * as api from '../src/index.js';
import type { RerunVideo } from '../src/index.js';
import { MEDIA, sleep } from './helpers/media.js';
import { caseSeed, mutateAny, Rng } from './helpers/mutate.js';

/** MP4 cases in `npm test` (the first of the same seeded sequence `npm run fuzz` draws from): kept few, for CI time. */
const DEFAULT_CASES = 8;
/** WebM cases in `npm test`: a handful per browser (npm run fuzz -- --formats webm runs many). */
const DEFAULT_WEBM_CASES = 4;
const DEFAULT_SEED = 0x5eed2024;
const ANSWER_MS = 5_000;
const SETTLE_MS = 3_000;
const TEARDOWN_MIN_MS = 1_100; // the element tears down ~1 s after disconnect
const TEARDOWN_MAX_MS = 2_000;
const SEEKS = 5;

const BASE_FIXTURES = ['h264-bframes', 'h264-nobframes', 'av1', 'vp9', 'vp8', 'h264-vfr', 'h264-longgop', 'h265'];
/** The WebM/Matroska fixtures (test/fixtures/make-fixtures.sh), named with their extension. */
const WEBM_FIXTURES = ['webm-vp8.webm', 'webm-vp9.webm', 'webm-vp9-nocues.webm', 'webm-av1.webm', 'mkv-h264-bframes.mkv'];
/** Mixed into the base seed of the WebM cases, so they do not share seeds with the MP4 ones. */
const WEBM_SEED_SALT = 0x0e6a1234;

const formatOf = (fixture: string): 'mp4' | 'webm' => (/\.(webm|mkv)$/.test(fixture) ? 'webm' : 'mp4');

export type FailureKind = 'no-answer' | 'seek-never-settled' | 'several-errors' | 'uncaught' | 'open-frames' | 'harness';

interface Call {
  call: string;
  outcome: 'resolved' | 'rejected' | 'never-settled';
  detail: string;
  ms: number;
}

/** What one case did: the `fuzz-result` line scripts/fuzz.mjs counts. */
interface CaseResult {
  index: number;
  seed: number;
  fixture: string;
  format: 'mp4' | 'webm';
  kind: string;
  description: string;
  answer: 'loadedmetadata' | 'unsupported-codec' | 'error' | 'none';
  answerMs: number;
  errorEvents: string[];
  calls: Call[];
  openVideoFrames: number | null;
  failures: Array<{ kind: FailureKind; message: string }>;
  ms: number;
}

interface FuzzConfig {
  cases: number | null;
  seed: number | null;
  replay: string | null;
  /** Comma-separated formats to run (mp4, webm); null: both. */
  formats?: string | null;
}

async function fuzzConfig(): Promise<FuzzConfig> {
  try {
    const config = (await executeServerCommand('fuzz-config')) as FuzzConfig | undefined;
    if (config && typeof config === 'object') return config;
  } catch {
    // no fuzz plugin in the runner config: the defaults
  }
  return { cases: null, seed: null, replay: null, formats: null };
}

async function fixtureNames(): Promise<string[]> {
  const names = [...BASE_FIXTURES];
  try {
    const index = (await (await fetch(`${MEDIA}index.json`)).json()) as { fixtures?: Array<{ file?: string }> };
    for (const { file } of index.fixtures ?? []) {
      const m = /^(edge-.*)\.mp4$/.exec(file ?? '');
      if (m && !names.includes(m[1])) names.push(m[1]);
    }
  } catch {
    // no index: the base fixtures only
  }
  return names;
}

async function fetchBytes(name: string): Promise<Uint8Array> {
  const file = /\.\w+$/.test(name) ? name : `${name}.mp4`;
  const response = await fetch(`${MEDIA}${file}`);
  if (!response.ok) throw new Error(`fixture ${file}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

interface Case {
  index: number;
  seed: number;
  fixture: string;
}

function planCases(config: FuzzConfig, fixtures: string[]): Case[] {
  const pickFixture = (seed: number) => new Rng(seed ^ 0xf17e).pick(fixtures);
  if (config.replay) {
    return config.replay
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((token, index) => {
        const m = /^(?:([\w.-]+):)?(0x[0-9a-f]+|\d+)$/i.exec(token);
        if (!m) throw new Error(`FUZZ_REPLAY: cannot read "${token}" (want seed or fixture:seed)`);
        const seed = Number(m[2]) >>> 0;
        return { index, seed, fixture: m[1] ?? pickFixture(seed) };
      });
  }
  const base = config.seed ?? DEFAULT_SEED;
  const formats = (config.formats ?? 'mp4,webm').split(/[\s,]+/).filter(Boolean);
  for (const f of formats) if (f !== 'mp4' && f !== 'webm') throw new Error(`FUZZ_FORMATS: unknown format "${f}" (mp4, webm)`);
  const planned: Case[] = [];
  if (formats.includes('mp4')) {
    // the MP4 cases exactly as before WebM was added: a base seed replays the same cases
    const count = config.cases ?? DEFAULT_CASES;
    for (let index = 0; index < count; index++) {
      const seed = caseSeed(base, index);
      planned.push({ index, seed, fixture: pickFixture(seed) });
    }
  }
  if (formats.includes('webm')) {
    const count = config.cases ?? DEFAULT_WEBM_CASES;
    for (let k = 0; k < count; k++) {
      const seed = caseSeed((base ^ WEBM_SEED_SALT) >>> 0, k);
      planned.push({ index: planned.length, seed, fixture: new Rng(seed ^ 0xf17e).pick(WEBM_FIXTURES) });
    }
  }
  return planned;
}

const config = await fuzzConfig();
const fixtures = await fixtureNames();
const cases = planCases(config, fixtures);
const bytesCache = new Map<string, Uint8Array>();
for (const name of new Set(cases.map((c) => c.fixture))) bytesCache.set(name, await fetchBytes(name));

/** Settles within `ms`, or says it did not. */
async function settle(call: string, start: () => Promise<unknown>, ms: number): Promise<Call> {
  const t0 = performance.now();
  let promise: Promise<unknown>;
  try {
    promise = Promise.resolve(start());
  } catch (error) {
    return { call, outcome: 'rejected', detail: `threw synchronously: ${describeError(error)}`, ms: 0 };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const outcome = await Promise.race([
    promise.then(
      (value) => ({ outcome: 'resolved' as const, detail: describeValue(value) }),
      (error: unknown) => ({ outcome: 'rejected' as const, detail: describeError(error) }),
    ),
    timeout,
  ]);
  clearTimeout(timer);
  const elapsed = Math.round(performance.now() - t0);
  if (outcome === 'timeout') {
    // A late settlement must not become an unhandled rejection charged to a later case.
    promise.catch(() => {});
    return { call, outcome: 'never-settled', detail: `not settled after ${ms} ms`, ms: elapsed };
  }
  return { call, ...outcome, ms: elapsed };
}

function describeError(error: unknown): string {
  if (error instanceof Error || error instanceof DOMException) return `${error.name}: ${error.message}`;
  return String(error);
}

function describeValue(value: unknown): string {
  if (value && typeof value === 'object' && 'index' in value) {
    const { index, timestamp } = value as { index: unknown; timestamp: unknown };
    return `frame ${String(index)} @ ${String(timestamp)}`;
  }
  return String(value);
}

/** Seeded seek times: inside [0, duration], before 0, past the end, the last frame's timestamp. */
function seekTimes(rng: Rng, duration: number, timestamps: readonly number[]): number[] {
  const known = Number.isFinite(duration) && duration > 0;
  const d = known ? duration : 3;
  const last = timestamps.length > 0 ? timestamps[timestamps.length - 1] : d;
  const times = [
    rng.float() * d,
    rng.float() * d,
    last,
    -(0.001 + rng.float() * 5),
    d + 0.001 + rng.float() * 10,
  ];
  for (let i = times.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [times[i], times[j]] = [times[j], times[i]];
  }
  return times.slice(0, SEEKS);
}

type PlaybackQuality = { openVideoFrames?: number };
type WithQuality = { getVideoPlaybackQuality?: () => PlaybackQuality };

/** The case that window-level errors are charged to (the one running, or the one just run). */
let current: CaseResult | null = null;

function chargeUncaught(message: string): void {
  const failure = { kind: 'uncaught' as const, message };
  if (current) current.failures.push(failure);
  else console.error(`fuzz: uncaught outside any case: ${message}`);
}

function elementState(el: RerunVideo): string {
  const error = el.error ? ` error ${el.error.code}: ${el.error.message}` : '';
  return `state ${el.state}${error}`;
}

async function runCase(c: Case): Promise<CaseResult> {
  const t0 = performance.now();
  const mutation = mutateAny(bytesCache.get(c.fixture)!, c.seed);
  const result: CaseResult = {
    index: c.index,
    seed: c.seed,
    fixture: c.fixture,
    format: formatOf(c.fixture),
    kind: mutation.kind,
    description: mutation.description,
    answer: 'none',
    answerMs: 0,
    errorEvents: [],
    calls: [],
    openVideoFrames: null,
    failures: [],
    ms: 0,
  };
  current = result;
  const type = result.format === 'webm' ? 'video/webm' : 'video/mp4';
  const url = URL.createObjectURL(new Blob([mutation.bytes as BlobPart], { type }));
  const el = document.createElement('rerun-video');
  try {
    let answered: (kind: CaseResult['answer']) => void = () => {};
    const answer = new Promise<CaseResult['answer']>((resolve) => {
      answered = resolve;
    });
    el.addEventListener('loadedmetadata', () => answered('loadedmetadata'));
    el.addEventListener('unsupported-codec', () => answered('unsupported-codec'));
    el.addEventListener('error', (event) => {
      const detail = (event as unknown as { detail?: { code?: string; message?: string } }).detail;
      result.errorEvents.push(`${detail?.code}: ${detail?.message}`);
      answered('error');
    });
    el.src = url;
    document.body.append(el);

    // (1) an answer
    let timer: ReturnType<typeof setTimeout> | undefined;
    result.answer = await Promise.race([
      answer,
      new Promise<'none'>((resolve) => {
        timer = setTimeout(() => resolve('none'), ANSWER_MS);
      }),
    ]);
    clearTimeout(timer);
    result.answerMs = Math.round(performance.now() - t0);
    if (result.answer === 'none') {
      result.failures.push({ kind: 'no-answer', message: `no loadedmetadata/unsupported-codec/error within ${ANSWER_MS} ms (${elementState(el)})` });
    }

    // (2) seeks and steps settle; after the first that does not, the rest would only repeat it
    const rng = new Rng(c.seed ^ 0x5ee4);
    const calls: Array<[string, () => Promise<unknown>]> = [
      ...seekTimes(rng, el.duration, el.frameTimestamps ?? []).map(
        (t): [string, () => Promise<unknown>] => [`seek(${t})`, () => el.seek(t)],
      ),
      ['stepFrame(1)', () => el.stepFrame(1)],
      ['stepFrame(-1)', () => el.stepFrame(-1)],
    ];
    for (const [name, start] of calls) {
      const call = await settle(name, start, SETTLE_MS);
      result.calls.push(call);
      if (call.outcome === 'never-settled') {
        result.failures.push({
          kind: 'seek-never-settled',
          message: `${name} not settled after ${SETTLE_MS} ms (${elementState(el)}; answer ${result.answer}; before: ${result.calls
            .slice(0, -1)
            .map((x) => `${x.call} ${x.outcome}`)
            .join(', ') || 'none'})`,
        });
        break;
      }
    }

    // (5) frames closed after the deferred teardown
    el.remove();
    const removed = performance.now();
    const quality = el as unknown as WithQuality;
    if (typeof quality.getVideoPlaybackQuality === 'function') {
      let open = quality.getVideoPlaybackQuality().openVideoFrames ?? NaN;
      while (performance.now() - removed < TEARDOWN_MAX_MS && (open !== 0 || performance.now() - removed < TEARDOWN_MIN_MS)) {
        await sleep(50);
        open = quality.getVideoPlaybackQuality().openVideoFrames ?? NaN;
      }
      result.openVideoFrames = open;
      if (open !== 0) {
        result.failures.push({ kind: 'open-frames', message: `openVideoFrames ${open} ${TEARDOWN_MAX_MS} ms after remove()` });
      }
    } else {
      // Still wait for the teardown, so what it does is charged to this case.
      await sleep(TEARDOWN_MIN_MS);
    }

    // (3) one error event at most (counted through the teardown)
    if (result.errorEvents.length > 1) {
      result.failures.push({ kind: 'several-errors', message: `${result.errorEvents.length} error events: ${result.errorEvents.join(' | ')}` });
    }
  } catch (error) {
    result.failures.push({ kind: 'harness', message: `the test itself failed: ${describeError(error)}` });
  } finally {
    el.remove();
    URL.revokeObjectURL(url);
  }
  result.ms = Math.round(performance.now() - t0);
  return result;
}

describe(`fuzz: <rerun-video> with mutated MP4s and WebMs (${cases.length} cases)`, function () {
  this.timeout(ANSWER_MS + 8 * SETTLE_MS + TEARDOWN_MAX_MS + 10_000);

  let savedOnError: OnErrorEventHandler = null;
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    chargeUncaught(`unhandled rejection: ${describeError(event.reason)}`);
  };
  const missingQuality = () => typeof (document.createElement('rerun-video') as unknown as WithQuality).getVideoPlaybackQuality !== 'function';

  before(() => {
    // Replaces mocha's window.onerror for the run: mocha would fail the running test and move
    // on while its element is still busy. Ours charges the error to the case and lets it finish.
    savedOnError = window.onerror;
    window.onerror = (message, source, line, column, error) => {
      chargeUncaught(`uncaught ${error ? describeError(error) : String(message)} (${source}:${line}:${column})`);
      return true;
    };
    window.addEventListener('unhandledrejection', onRejection);
    if (missingQuality()) {
      console.warn('fuzz: check 5 skipped: <rerun-video> has no getVideoPlaybackQuality() yet');
    }
  });

  after(() => {
    window.onerror = savedOnError;
    window.removeEventListener('unhandledrejection', onRejection);
    current = null;
  });

  for (const c of cases) {
    const title = `case ${c.index} ${c.fixture} seed ${c.seed} (${hex(c.seed)}): ${mutateAny(bytesCache.get(c.fixture)!, c.seed).description}`;
    it(title, async () => {
      const result = await runCase(c);
      const skipped = result.openVideoFrames === null ? ' [check 5 skipped: no getVideoPlaybackQuality()]' : '';
      // the module-level count, for diagnosis while the per-element one is missing
      const global = (api as Record<string, unknown>).openVideoFrames;
      const globalOpen = typeof global === 'function' ? (global as () => number)() : undefined;
      await executeServerCommand('fuzz-result', { ...result, globalOpenVideoFrames: globalOpen, at: new Date().toISOString() }).catch(() => {});
      if (result.failures.length > 0) {
        const calls = result.calls.map((x) => `${x.call} ${x.outcome}${x.outcome === 'resolved' ? '' : ` (${x.detail})`}`).join('; ');
        const error = new Error(
          `fuzz case failed: fixture ${c.fixture}, seed ${c.seed}\n` +
            `  mutation: ${result.description}\n` +
            result.failures.map((f) => `  ${f.kind}: ${f.message}\n`).join('') +
            `  answer ${result.answer} after ${result.answerMs} ms; calls: ${calls || 'none'}; error events: ${result.errorEvents.length}${skipped}`,
        );
        // The runner prints the stack after the message; a stack here would only repeat it.
        error.stack = `  replay: npm run fuzz -- --replay ${c.fixture}:${c.seed} --browsers <browser>`;
        throw error;
      }
      expect(result.failures).to.deep.equal([]);
    });
  }
});
