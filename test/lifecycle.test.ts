import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../src/index.js';
import type { RerunVideo } from '../src/index.js';
import { frameForTime } from '../src/decode/seek-plan.js';
import { readFrameCode } from './helpers/frame-code.js';
import { MEDIA, fixtureInfo, sleep } from './helpers/media.js';

/** How long after removal the element keeps its decoder (a DOM move must not rebuild it), plus a margin. */
const TEARDOWN_MS = 1300;

const cleanup: RerunVideo[] = [];
afterEach(() => {
  for (const el of cleanup.splice(0)) el.remove();
});

function element(src: string, time = 0): RerunVideo {
  const el = document.createElement('rerun-video');
  cleanup.push(el);
  el.src = src;
  el.time = time;
  return el;
}

/** A small seeded PRNG (mulberry32), so failures replay. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function requests(): Promise<string[]> {
  return (await executeServerCommand('request-log', { match: '/test/fixtures/' })) as string[];
}

describe('<rerun-video> lifecycle', function () {
  this.timeout(120_000);

  it('removed mid-load: nothing is fetched after the teardown and no frame stays open', async () => {
    const el = element(`${MEDIA}h264-longgop.mp4`, 8);
    document.body.append(el);
    await el.updateComplete;
    el.remove();
    await sleep(TEARDOWN_MS);
    await executeServerCommand('request-log', { clear: true });
    let frames = 0;
    el.addEventListener('frame', () => frames++);
    await sleep(500);
    expect(await requests()).to.deep.equal([]);
    expect(frames).to.equal(0);
    expect(el.state).to.equal('empty');
    expect(el.getVideoPlaybackQuality().openVideoFrames).to.equal(0);
  });

  it('removed mid-decode: the pending seek settles and no frame stays open', async () => {
    const el = element(`${MEDIA}h264-longgop.mp4`);
    document.body.append(el);
    await oneEvent(el, 'frame');
    const pending = el.seek(el.frameTimestamps[240]).then(
      () => 'resolved',
      (error: DOMException) => error.name,
    );
    await sleep(5);
    el.remove();
    const outcome = await Promise.race([pending, sleep(TEARDOWN_MS + 2000).then(() => 'pending')]);
    expect(outcome).to.be.oneOf(['resolved', 'AbortError']);
    await sleep(TEARDOWN_MS);
    expect(el.getVideoPlaybackQuality().openVideoFrames).to.equal(0);
  });

  it('moved in the DOM, it keeps its decoder and frame: no refetch', async () => {
    const el = element(`${MEDIA}h264-nobframes.mp4`, 1);
    document.body.append(el);
    await oneEvent(el, 'frame');
    await executeServerCommand('request-log', { clear: true });
    const box = document.createElement('div');
    document.body.append(box);
    box.append(el);
    await sleep(TEARDOWN_MS);
    const detail = await el.seek(2);
    expect(detail.index).to.equal(60);
    expect(readFrameCode(el.canvas!)).to.equal(60);
    expect(await requests()).to.deep.equal([]);
    box.remove();
  });

  it('100 rapid src and time changes: every paint is the frame of the src and time of that moment', async () => {
    const names = ['h264-bframes', 'vp9', 'h264-vfr', 'av1', 'h264-nobframes', 'vp8'];
    const timestamps = new Map<string, number[]>();
    for (const name of names) timestamps.set(`${MEDIA}${name}.mp4`, (await fixtureInfo(name)).timestamps);
    const el = element(`${MEDIA}${names[0]}.mp4`);
    const wrong: string[] = [];
    let draws = 0;
    const original = CanvasRenderingContext2D.prototype.drawImage;
    CanvasRenderingContext2D.prototype.drawImage = function (this: CanvasRenderingContext2D, ...args: unknown[]) {
      (original as (...a: unknown[]) => void).apply(this, args);
      if (this.canvas !== el.canvas) return;
      draws++;
      const expected = frameForTime(timestamps.get(el.src!)!, el.time);
      const code = readFrameCode(this.canvas);
      if (code !== expected) wrong.push(`${el.src} at ${el.time}: painted ${code}, expected ${expected}`);
    } as typeof original;
    const next = random(7);
    try {
      document.body.append(el);
      for (let i = 0; i < 100; i++) {
        el.src = `${MEDIA}${names[Math.floor(next() * names.length)]}.mp4`;
        el.time = next() * 2;
        await (i % 3 === 0 ? sleep(Math.floor(next() * 30)) : el.updateComplete);
      }
      const last = frameForTime(timestamps.get(el.src!)!, el.time);
      await waitUntil(() => el.state === 'ready' && readFrameCode(el.canvas!) === last, 'the last src shows its frame', {
        timeout: 20_000,
      });
      await sleep(300);
    } finally {
      CanvasRenderingContext2D.prototype.drawImage = original;
    }
    expect(wrong).to.deep.equal([]);
    expect(draws).to.be.greaterThan(0);
  });

  it('1,000 random seeks: the last one shows, every promise settles, at most the shown frame stays open', async () => {
    const el = element(`${MEDIA}h264-longgop.mp4`);
    document.body.append(el);
    await oneEvent(el, 'frame');
    const ts = el.frameTimestamps;
    const next = random(42);
    const outcomes: Array<Promise<string>> = [];
    let last = 0;
    for (let i = 0; i < 1000; i++) {
      last = Math.floor(next() * ts.length);
      const promise = el.seek(ts[last]).then(
        () => 'resolved',
        (error: DOMException) => error.name,
      );
      outcomes.push(promise);
      // Now and then wait for one, as a scrubbing page would between bursts.
      if (i % 100 === 99) await promise;
      else if (i % 7 === 0) await sleep(0);
    }
    const results = await Promise.race([Promise.all(outcomes), sleep(20_000).then(() => null)]);
    expect(results, 'every seek settled').to.not.equal(null);
    expect(new Set(results)).to.satisfy((names: Set<string>) => [...names].every((n) => n === 'resolved' || n === 'AbortError'));
    expect(results![999]).to.equal('resolved');
    expect(readFrameCode(el.canvas!)).to.equal(last);
    await sleep(100);
    expect(el.getVideoPlaybackQuality().openVideoFrames).to.be.at.most(1);
  });

  it('16 elements scrubbing at once all paint exact frames', async () => {
    const names = ['h264-bframes', 'h264-nobframes', 'vp9', 'av1'];
    const els = Array.from({ length: 16 }, (_, i) => element(`${MEDIA}${names[i % names.length]}.mp4`));
    for (const el of els) el.style.width = '80px';
    document.body.append(...els);
    await Promise.all(els.map((el) => oneEvent(el, 'frame')));
    const next = random(16);
    for (let round = 0; round < 4; round++) {
      const wanted = els.map((el) => Math.floor(next() * el.frameCount));
      await Promise.all(els.map((el, i) => el.seek(el.frameTimestamps[wanted[i]])));
      els.forEach((el, i) => expect(readFrameCode(el.canvas!), `element ${i}, round ${round}`).to.equal(wanted[i]));
    }
  });
});

describe('<rerun-video> under a strict Content-Security-Policy', function () {
  this.timeout(60_000);

  /** The frame code on a canvas of another window (readFrameCode's instanceof is per window). */
  const codeOf = (canvas: HTMLCanvasElement | null | undefined) =>
    canvas?.width ? readFrameCode(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height)) : -1;

  it("shows video and fallback frames with default-src 'self' and nothing inline", async () => {
    const frame = document.createElement('iframe');
    frame.src = '/test/csp/page.html';
    frame.style.width = '800px';
    frame.style.height = '600px';
    document.body.append(frame);
    try {
      await oneEvent(frame, 'load');
      const page = frame.contentWindow as Window & { cspViolations: string[] };
      const video = page.document.getElementById('video') as RerunVideo;
      const fallback = page.document.getElementById('fallback') as RerunVideo;
      await waitUntil(() => video.state === 'ready' && codeOf(video.canvas) === 60, 'the video frame', { timeout: 20_000 });
      await waitUntil(() => fallback.state === 'fallback' && codeOf(fallback.canvas) === 30, 'the fallback image', {
        timeout: 20_000,
      });
      expect(page.cspViolations).to.deep.equal([]);
    } finally {
      frame.remove();
    }
  });
});
