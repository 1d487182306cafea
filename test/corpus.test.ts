/**
 * Real-world files (../shared/corpus, served at /corpus/): phones, cameras and packagers.
 * For each file, in each browser:
 * - a codec this browser's WebCodecs decodes: `state`, `videoWidth`/`videoHeight`,
 *   `frameCount` and `frameTimestamps` match ffprobe's view (index.json), and where `<video>`
 *   plays the file, the element's canvas and `<video>`'s frame at 8 times match (PSNR);
 * - any other codec: the element ends in the unsupported-codec path (an `unsupported-codec`
 *   event or, until issue 4 lands everywhere, a `decode` error), never `loading` forever.
 * One JSON line per file and browser goes to test/corpus-results.jsonl (server command
 * `corpus-result`); `node scripts/corpus-table.mjs` makes test/corpus-results.md from it.
 */
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../src/index.js';
import type { RerunVideo } from '../src/index.js';
import { canDecode, sleep } from './helpers/media.js';
import { comparisonSize, fullSize, lumaSpread, psnr, snapshot } from './helpers/psnr.js';

interface CorpusEntry {
  codec_name: string;
  codec_string: string;
  width: number;
  height: number;
  /** ffprobe display-matrix rotation, counter-clockwise positive. */
  rotation: number | null;
  video_tracks: number;
  fragmented: boolean;
  pix_fmt: string;
  frame_count: number;
  pts_time: number[];
}

const CORPUS = '/corpus/';
/** The bar for SDR files. */
const MIN_PSNR = 30;
/**
 * HDR files (HLG/PQ transfer): `<video>` and a drawn `VideoFrame` may be tone-mapped to SDR
 * by different paths. Measured lowest values are in test/corpus-results.md.
 */
const MIN_PSNR_HDR = 20;
const HDR = new Set([
  'iphone15pm_hevc_main10_rot90_60fps.mov',
  'iphone12pm_hevc_main10_hlg_rot90.mov',
  'iphone14pro_dolbyvision_hevc10_rot90.mov',
  'ios_hevc_main10_editlist_trimmed.mov',
  'android14_hevc_main10_hlg.mp4',
  'google_av1_10bit_hdr10_60fps.mp4',
]);
/**
 * Pixel aspect ratio that index.json (coded width) does not show: ffprobe reports SAR 64:45
 * (tkhd 1138x640 over an 800x640 picture); `<video>` reports the display size 1138x640.
 */
const PIXEL_ASPECT: Record<string, number> = { 'vp9_profile0_bbb_800x640.mp4': 64 / 45 };

const BROWSER = navigator.userAgent.includes('Firefox')
  ? 'firefox'
  : navigator.userAgent.includes('Chrome')
    ? 'chromium'
    : 'webkit';
/**
 * Browsers whose `<video>` is known to show a neighbouring frame after a seek (NOTES.md:
 * WebKitGTK draws H.264/H.265 frames behind `mediaTime` and showed the next frame on every
 * seek of a VFR H.264 file; Firefox's drawn pixels sometimes lag `mediaTime`, seen here on
 * the VFR DASH segment at 17.7 and 29.2 dB in two of several runs, identical in the others).
 * There a mismatch at the probe time is checked against `<video>` at neighbouring frames;
 * when one of them matches, `<video>` is recorded as unreliable for the file rather than the
 * element failing. The element's own frame accuracy is held by the frame-coded fixtures.
 */
const VIDEO_SHIFT_SUSPECT = BROWSER === 'webkit' || BROWSER === 'firefox';
/**
 * WebKitGTK `<video>` converts full-range (yuvj420p) pictures with other colours than FFmpeg:
 * measured against `ffmpeg -pix_fmt rgb24` of the same frame, the element's canvas is 49.6 dB
 * (GoPro) and 47.4 dB (motion photo), WebKit's `<video>` 31.7 and 28.9 dB. There `<video>`
 * is held to a lower bar and marked unreliable.
 */
const FULL_RANGE_COLOUR_SUSPECT = BROWSER === 'webkit';
const MIN_PSNR_FULL_RANGE = 25;

async function loadIndex(): Promise<Record<string, CorpusEntry> | null> {
  const response = await fetch(`${CORPUS}index.json`).catch(() => null);
  if (!response?.ok) return null;
  return ((await response.json()) as { files: Record<string, CorpusEntry> }).files;
}

const index = await loadIndex();

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)),
  ]);
}

type Outcome = { kind: 'frame' } | { kind: 'error'; code: string; message: string } | { kind: 'unsupported'; codec: string };

/** Appends the element for `url` and resolves with the first thing it reports. */
async function mount(url: string): Promise<{ el: RerunVideo; outcome: Outcome }> {
  const el = document.createElement('rerun-video');
  el.style.width = '320px';
  el.style.height = '240px';
  const outcome = new Promise<Outcome>((resolve) => {
    el.addEventListener('frame', () => resolve({ kind: 'frame' }), { once: true });
    el.addEventListener('error', (e) => resolve({ kind: 'error', code: e.detail.code, message: e.detail.message }), {
      once: true,
    });
    // Issue 4's event; not in the element's event map yet.
    (el as EventTarget).addEventListener(
      'unsupported-codec',
      (e) => resolve({ kind: 'unsupported', codec: (e as CustomEvent<{ codec: string }>).detail.codec }),
      { once: true },
    );
  });
  el.src = url;
  document.body.append(el);
  return { el, outcome: await withTimeout(outcome, 60_000, `first frame or error of ${url}`) };
}

/** A muted `<video>` for `url` once it has a frame, or null when this browser cannot play it. */
async function openVideo(url: string): Promise<HTMLVideoElement | null> {
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.playsInline = true;
  video.style.width = '64px';
  const ready = new Promise<boolean>((resolve) => {
    video.addEventListener('loadeddata', () => resolve(true), { once: true });
    video.addEventListener('error', () => resolve(false), { once: true });
  });
  video.src = url;
  document.body.append(video);
  const ok = await Promise.race([ready, sleep(20_000).then(() => false)]);
  if (ok && video.videoWidth > 0) return video;
  closeVideo(video);
  return null;
}

function closeVideo(video: HTMLVideoElement): void {
  video.removeAttribute('src');
  video.load();
  video.remove();
}

/** Seeks `<video>` and waits until the frame for `time` is presented. */
async function seekVideo(video: HTMLVideoElement, time: number): Promise<void> {
  const presented =
    'requestVideoFrameCallback' in video
      ? new Promise<void>((resolve) => video.requestVideoFrameCallback(() => resolve()))
      : Promise.resolve();
  const seeked = new Promise<void>((resolve) => video.addEventListener('seeked', () => resolve(), { once: true }));
  video.currentTime = time;
  await withTimeout(seeked, 15_000, `<video> seek to ${time}`);
  // rVFC does not fire when the seek lands on the frame already shown.
  await Promise.race([presented, sleep(300)]);
}

/**
 * `<video>`'s picture once it has stopped changing: Firefox's rVFC and `seeked` can come
 * before the new frame is drawn (NOTES.md), which read as a stale frame here.
 */
async function settledPicture(video: HTMLVideoElement, width: number, height: number, size: { width: number; height: number }) {
  let last = snapshot(fullSize(video, width, height), size.width, size.height);
  for (let tries = 0; tries < 10; tries++) {
    await sleep(50);
    const next = snapshot(fullSize(video, width, height), size.width, size.height);
    if (psnr(last, next) >= 99) return next;
    last = next;
  }
  return last;
}

/** Up to `count` frame indices spread over [0, n - 2], ascending (each has a next frame). */
function probeFrames(n: number, count: number): number[] {
  if (n < 2) return [0];
  const last = n - 2;
  const picks = new Set<number>();
  for (let k = 0; k < count; k++) picks.add(Math.round(((k + 0.5) * last) / count));
  picks.add(0);
  return [...picks].sort((a, b) => a - b).slice(0, count);
}

/** The middle of frame i's interval: rounding of timestamps cannot change which frame it shows. */
function midpoint(ts: readonly number[], i: number): number {
  return i + 1 < ts.length ? (ts[i] + ts[i + 1]) / 2 : ts[i] + 0.001;
}

const round = (db: number) => Math.round(db * 10) / 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

interface Result {
  file: string;
  browser: string;
  state: string;
  outcome: string;
  webcodecs: boolean;
  videoPlays: boolean | null;
  videoSize: [number, number] | null;
  size: [number, number] | null;
  frameCount: number | null;
  /** Lowest PSNR of the accepted comparisons (after a demonstrated <video> quirk, if any). */
  psnrMin: number | null;
  psnrAll: number[];
  /** PSNR against <video> at the same time, every probe. */
  psnrRaw: number[];
  videoQuirks: string[];
  sizeNote: string;
  videoShift: number[] | null;
  verdict: 'pass' | 'fail';
  note: string;
}

async function record(result: Result): Promise<void> {
  console.log(`corpus-result ${JSON.stringify(result)}`);
  await executeServerCommand('corpus-result', { ...result, at: new Date().toISOString() }).catch(() => {});
}

if (!index) {
  describe('real-world corpus', () => {
    it('is skipped: ../shared/corpus (served at /corpus/) is not there', function () {
      console.warn('corpus.test.ts: /corpus/index.json not found, skipping the real-world corpus tests');
      this.skip();
    });
  });
} else {
  for (const [file, entry] of Object.entries(index)) {
    describe(`corpus: ${file}`, function () {
      this.timeout(150_000);
      const url = CORPUS + file;
      let el: RerunVideo | null = null;
      let video: HTMLVideoElement | null = null;
      const result: Result = {
        file,
        browser: BROWSER,
        state: '',
        outcome: '',
        webcodecs: false,
        videoPlays: null,
        videoSize: null,
        size: null,
        frameCount: null,
        psnrMin: null,
        psnrAll: [],
        psnrRaw: [],
        videoQuirks: [],
        sizeNote: '',
        videoShift: null,
        verdict: 'fail',
        note: '',
      };

      after(async () => {
        el?.remove();
        if (video) closeVideo(video);
        await record(result);
      });

      it(`plays it like <video> (${BROWSER})`, async () => {
        try {
          await check();
        } catch (error) {
          result.note = (error as Error).message;
          throw error;
        }
      });

      async function check(): Promise<void> {
        result.webcodecs = await canDecode(entry.codec_string);
        const mounted = await mount(url);
        el = mounted.el;
        const { outcome } = mounted;
        result.outcome = outcome.kind === 'error' ? `error:${outcome.code}` : outcome.kind;
        // Whether <video> plays it here is part of the table either way.
        video = await openVideo(url);
        result.videoPlays = video !== null;
        if (video) result.videoSize = [video.videoWidth, video.videoHeight];

        if (!result.webcodecs) {
          // Issue 4 is turning this into `unsupported-codec` + fallback; accept either for now.
          result.state = el.state;
          expect(['error', 'unsupported'], `outcome of an undecodable ${entry.codec_string}`).to.include(outcome.kind);
          if (outcome.kind === 'error') {
            expect(outcome.code).to.equal('decode');
            expect(outcome.message).to.match(/cannot decode/i);
          }
          // The unsupported-codec path may go on to a fallback: give it a moment to settle.
          await sleep(200);
          result.state = el.state;
          expect(el.state).to.not.be.oneOf(['ready', 'loading']);
          result.verdict = 'pass';
          result.note = 'unsupported codec path';
          return;
        }

        expect(outcome.kind, outcome.kind === 'error' ? outcome.message : '').to.equal('frame');
        result.state = el.state;
        expect(el.state).to.equal('ready');

        // Displayed size: rotation (and pixel aspect ratio) applied, as <video> reports it.
        const sideways = Math.abs(entry.rotation ?? 0) % 180 === 90;
        const par = PIXEL_ASPECT[file] ?? 1;
        const width = Math.round(entry.width * par);
        result.size = [el.videoWidth, el.videoHeight];
        expect([el.videoWidth, el.videoHeight], 'videoWidth x videoHeight').to.deep.equal(
          sideways ? [entry.height, width] : [width, entry.height],
        );
        if (video && (video.videoWidth !== el.videoWidth || video.videoHeight !== el.videoHeight)) {
          // Firefox: 864x480 for the GoPro file (SPS cropping not applied to the size, the
          // picture is right), 1137 for 800 x 64/45 (truncated), 320x568 for the Samsung file.
          result.sizeNote = `<video> reports ${video.videoWidth}x${video.videoHeight}`;
        }

        // Frame timestamps: ffprobe's (edit lists applied), within half a frame.
        const expected = entry.pts_time;
        result.frameCount = el.frameCount;
        expect(el.frameCount, 'frameCount').to.equal(expected.length);
        const ts = el.frameTimestamps;
        const gaps = expected.slice(1).map((t, i) => t - expected[i]);
        const tolerance = median(gaps) / 2;
        const worst = ts.reduce((m, t, i) => Math.max(m, Math.abs(t - expected[i])), 0);
        expect(worst, `largest frameTimestamps error vs ffprobe (tolerance ${tolerance.toFixed(4)} s)`).to.be.at.most(
          tolerance,
        );

        if (!video) {
          result.verdict = 'pass';
          result.note = '<video> does not play it here: properties only';
          return;
        }

        // Pixels: element vs <video> at the middle of 8 frames' intervals, both drawn at one size.
        const size = comparisonSize(el.videoWidth, el.videoHeight);
        const fullRange = FULL_RANGE_COLOUR_SUSPECT && entry.pix_fmt.startsWith('yuvj');
        const bar = HDR.has(file) ? MIN_PSNR_HDR : fullRange ? MIN_PSNR_FULL_RANGE : MIN_PSNR;
        const look = async (time: number) => {
          await seekVideo(video!, time);
          return settledPicture(video!, el!.videoWidth, el!.videoHeight, size);
        };
        const quirks = new Set<string>();
        if (fullRange) quirks.add('<video> colours of full-range (yuvj) video differ from FFmpeg');
        const shifts: number[] = [];
        const problems: string[] = [];
        for (const i of probeFrames(ts.length, 8)) {
          const time = midpoint(ts, i);
          await el.seek(time);
          const mine = snapshot(el.canvas!, size.width, size.height);
          expect(lumaSpread(mine), `frame ${i} is not a flat (black/blank) picture`).to.be.above(1);
          const theirs = await look(time);
          const db = psnr(mine, theirs);
          result.psnrRaw.push(round(db));
          if (db >= bar) {
            result.psnrAll.push(round(db));
            continue;
          }
          // <video> now and then shows a stale picture after a seek (seen in Firefox on the
          // VFR DASH segment: 17.7 dB once, identical in other runs). The element is
          // deterministic; <video> gets a second look after seeking away and back.
          await seekVideo(video!, ts[0]);
          const again = psnr(mine, await look(time));
          if (again >= bar) {
            quirks.add('<video> showed a stale picture after a seek, right on a second look');
            result.psnrAll.push(round(again));
            continue;
          }
          if (entry.fragmented && ts[0] > 0) {
            // Firefox starts the <video> timeline of a fragmented file at its first frame;
            // Chromium and ffprobe keep the stream's own times, as the element does.
            const zeroBased = psnr(mine, await look(time - ts[0]));
            if (zeroBased >= bar) {
              quirks.add(`<video> timeline starts at 0, not at the first frame's ${ts[0].toFixed(3)} s`);
              result.psnrAll.push(round(zeroBased));
              continue;
            }
          }
          if (lumaSpread(theirs) <= 1) {
            // Firefox, Samsung SEF file: <video> reports 320x568 and draws a blank picture.
            quirks.add('<video> draws a blank picture');
            continue;
          }
          if (VIDEO_SHIFT_SUSPECT) {
            // Which neighbouring frame is <video> showing? Compare it with the element at i+k.
            let best = { k: 0, db };
            for (const k of [-2, -1, 1, 2]) {
              if (i + k < 0 || i + k >= ts.length) continue;
              await el.seek(midpoint(ts, i + k));
              const other = psnr(snapshot(el.canvas!, size.width, size.height), theirs);
              if (other > best.db) best = { k, db: other };
            }
            if (best.k !== 0 && best.db >= bar) {
              shifts.push(best.k);
              result.psnrAll.push(round(best.db));
              continue;
            }
            problems.push(`frame ${i} @${time.toFixed(4)} s: ${db.toFixed(1)} dB (best neighbour k=${best.k}: ${best.db.toFixed(1)} dB)`);
            continue;
          }
          problems.push(`frame ${i} @${time.toFixed(4)} s: ${db.toFixed(1)} dB`);
        }
        if (result.psnrAll.length > 0) result.psnrMin = Math.min(...result.psnrAll);
        if (shifts.length > 0) {
          result.videoShift = shifts;
          quirks.add(`<video> showed frame i${[...new Set(shifts)].map((k) => (k > 0 ? `+${k}` : k)).join('/i')} at ${shifts.length} of ${result.psnrRaw.length} probes`);
        }
        result.videoQuirks = [...quirks];
        expect(problems, `PSNR below ${bar} dB against <video>`).to.deep.equal([]);
        result.verdict = 'pass';
        if (result.psnrAll.length === 0) result.note = '<video> shows no picture here: properties only';
      }
    });
  }
}

if (index) {
  describe('corpus: frames that a decoder drops after configure', function () {
    this.timeout(60_000);

    // Firefox's H.264 decoder drops the first reordered frame after each configure on these
    // iOS files (their SPS does not announce B-frames): without priming, asking first for
    // that frame (or, with B-frames skipped on the way, for a later one) never got an answer.
    for (const file of ['ios_h264_high_bframes_editlist.mp4', 'ios_flir_h264_bframes_editlist_moovend.mp4']) {
      it(`${file}: the first B-frames show right after load and after restarts`, async () => {
        const ts = index![file].pts_time as number[];
        const mid = (i: number) => (ts[i] + ts[i + 1]) / 2;
        const el = document.createElement('rerun-video');
        el.time = mid(1);
        el.src = CORPUS + file;
        document.body.append(el);
        try {
          const first = await new Promise<number>((resolve, reject) => {
            el.addEventListener('frame', (e) => resolve(e.detail.index), { once: true });
            el.addEventListener('error', (e) => reject(new Error(e.detail.message)), { once: true });
          });
          expect(first).to.equal(1);
          for (const i of [7, 3, 5, 1, 2]) {
            const detail = await el.seek(mid(i));
            expect(detail.index).to.equal(i);
          }
          expect(el.state).to.equal('ready');
        } finally {
          el.remove();
        }
      });
    }
  });
}
