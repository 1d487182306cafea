import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../src/index.js';
import type { RerunVideo } from '../src/index.js';
import type { FrameEvent } from '../src/events.js';
import { frameForTime } from '../src/decode/seek-plan.js';
import { RerunVideoClock } from '../src/playback/clock.js';
import { OFFSCREEN_RELEASE_MS } from '../src/video-controller.js';
import { executeServerCommand } from '@web/test-runner-commands';
import { readFrameCode } from './helpers/frame-code.js';
import { MEDIA, canDecode, sleep } from './helpers/media.js';

/** 90 frames @ 30 fps, B-frames, key frames at 0, 30 and 60. */
const BFRAMES = `${MEDIA}h264-bframes.mp4`;

async function load(src = BFRAMES, time = 0): Promise<RerunVideo> {
  const el = await fixture<RerunVideo>(html`<rerun-video src=${src} .time=${time}></rerun-video>`);
  if (el.readyState < 2) await oneEvent(el, 'loadeddata');
  return el;
}

/** Every frame painted from now on: its index, and the index its pixels carry. */
function recordFrames(el: RerunVideo): { indices: number[]; wrong: string[]; stop(): void } {
  const indices: number[] = [];
  const wrong: string[] = [];
  const onFrame = (event: FrameEvent) => {
    indices.push(event.detail.index);
    const code = readFrameCode(el.canvas!);
    if (code !== event.detail.index) wrong.push(`frame ${event.detail.index} showed ${code}`);
    const expected = frameForTime(el.frameTimestamps, event.detail.requestedTime);
    if (expected !== event.detail.index) wrong.push(`time ${event.detail.requestedTime} claimed ${event.detail.index}`);
  };
  el.addEventListener('frame', onFrame);
  return { indices, wrong, stop: () => el.removeEventListener('frame', onFrame as EventListener) };
}

function countEvents(el: EventTarget, types: string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(types.map((t) => [t, 0]));
  for (const type of types) el.addEventListener(type, () => counts[type]++);
  return counts;
}

describe('playback', function () {
  this.timeout(60_000);

  it('has the <video> surface before anything is loaded', async () => {
    const el = await fixture<RerunVideo>(html`<rerun-video></rerun-video>`);
    expect(el.paused).to.equal(true);
    expect(el.ended).to.equal(false);
    expect(el.seeking).to.equal(false);
    expect(el.readyState).to.equal(0);
    expect(el.playbackRate).to.equal(1);
    expect(el.currentTime).to.equal(0);
    expect(el.buffered.length).to.equal(0);
    expect(el.seekable.length).to.equal(0);
    let error: unknown;
    await el.play().catch((e: unknown) => (error = e));
    expect((error as DOMException).name).to.equal('NotSupportedError');
  });

  it('fires the load events in <video> order and reports readyState', async () => {
    const el = document.createElement('rerun-video');
    const order: string[] = [];
    for (const type of ['loadstart', 'durationchange', 'loadedmetadata', 'loadeddata', 'canplay', 'canplaythrough']) {
      el.addEventListener(type as keyof HTMLElementEventMap, () => order.push(type));
    }
    el.src = BFRAMES;
    document.body.append(el);
    await oneEvent(el, 'canplaythrough');
    expect(order).to.deep.equal(['loadstart', 'durationchange', 'loadedmetadata', 'loadeddata', 'canplay', 'canplaythrough']);
    expect(el.readyState).to.equal(4);
    expect(el.seekable.length).to.equal(1);
    expect(el.seekable.end(0)).to.be.closeTo(3, 1e-6);
    expect(el.buffered.length).to.equal(1);
    expect(el.buffered.end(0)).to.be.closeTo(3, 1e-6);
    // A new src empties the element first.
    const emptied = oneEvent(el, 'emptied');
    el.src = `${MEDIA}vp9.mp4`;
    await emptied;
    expect(el.readyState).to.equal(0);
    await oneEvent(el, 'loadeddata');
    el.remove();
  });

  it('plays forwards with every painted frame exact, and pauses holding the frame', async () => {
    const el = await load();
    const counts = countEvents(el, ['play', 'playing', 'pause', 'timeupdate']);
    const frames = recordFrames(el);
    const started = performance.now();
    await el.play();
    expect(el.paused).to.equal(false);
    await sleep(1000);
    el.pause();
    const elapsed = (performance.now() - started) / 1000;
    frames.stop();
    expect(el.paused).to.equal(true);
    expect(counts.play).to.equal(1);
    expect(counts.playing).to.equal(1);
    expect(counts.pause).to.equal(1);
    expect(counts.timeupdate).to.be.at.least(3);
    expect(frames.wrong).to.deep.equal([]);
    // About 30 frames in a second, in order.
    expect(frames.indices.length).to.be.at.least(15);
    for (let i = 1; i < frames.indices.length; i++) expect(frames.indices[i]).to.be.greaterThan(frames.indices[i - 1]);
    expect(el.currentTime).to.be.within(0.5, elapsed + 0.05);
    // Paused: the time and the pixels stay.
    const time = el.currentTime;
    const code = readFrameCode(el.canvas!);
    expect(code).to.equal(frameForTime(el.frameTimestamps, time));
    await sleep(300);
    expect(el.currentTime).to.equal(time);
    expect(readFrameCode(el.canvas!)).to.equal(code);
    const quality = el.getVideoPlaybackQuality();
    // Presented: the first frame (before playing) and every one since; none dropped on this small file.
    expect(quality.totalVideoFrames).to.equal(quality.droppedVideoFrames + 1 + frames.indices.length);
    expect(quality.droppedVideoFrames).to.be.at.most(2);
    // Nothing decoded ahead is left open once paused.
    await waitUntil(() => el.getVideoPlaybackQuality().openVideoFrames === 0, 'VideoFrames left open after pause');
    // Setting the time it shows is no seek.
    const seeks = countEvents(el, ['seeking']);
    el.time = Number(el.time);
    expect(seeks.seeking).to.equal(0);
  });

  it('plays to the end once: ended fires once, paused at the duration on the last frame', async () => {
    const el = await load(BFRAMES, 2.5);
    const counts = countEvents(el, ['ended', 'pause']);
    await el.play();
    await oneEvent(el, 'ended');
    await sleep(200);
    expect(counts.ended).to.equal(1);
    expect(counts.pause).to.equal(1);
    expect(el.ended).to.equal(true);
    expect(el.paused).to.equal(true);
    expect(el.currentTime).to.be.closeTo(el.duration, 1e-9);
    expect(readFrameCode(el.canvas!)).to.equal(89);
    // play() from the end starts over.
    await el.play();
    expect(el.ended).to.equal(false);
    await sleep(150);
    expect(el.currentTime).to.be.below(0.5);
    el.pause();
  });

  it('loops without stalling or ending', async () => {
    const el = await load(BFRAMES, 2.6);
    el.loop = true;
    const counts = countEvents(el, ['ended', 'seeked']);
    const frames = recordFrames(el);
    await el.play();
    await waitUntil(() => frames.indices.some((i, k) => k > 0 && i < frames.indices[k - 1]), 'never wrapped', { timeout: 5000 });
    await sleep(300);
    el.pause();
    frames.stop();
    expect(counts.ended).to.equal(0);
    expect(counts.seeked).to.be.at.least(1);
    expect(frames.wrong).to.deep.equal([]);
    const wrap = frames.indices.findIndex((i, k) => k > 0 && i < frames.indices[k - 1]);
    // The last frames, then the first ones again, with at most a frame or two missed at the seam.
    expect(frames.indices[wrap - 1]).to.be.at.least(86);
    expect(frames.indices[wrap]).to.be.at.most(2);
    expect(frames.indices.length - wrap).to.be.at.least(5);
  });

  it('at rate 2 covers twice the media time', async () => {
    const el = await load();
    el.playbackRate = 2;
    await el.play();
    const t0 = el.currentTime;
    const w0 = performance.now();
    await sleep(800);
    const covered = el.currentTime - t0;
    const wall = (performance.now() - w0) / 1000;
    el.pause();
    expect(covered / wall).to.be.within(1.7, 2.3);
  });

  it('plays backwards through a GOP boundary with every frame in order', async () => {
    const el = await load(BFRAMES, 1.5); // frame 45; key frame at 30
    el.playbackRate = -1;
    const frames = recordFrames(el);
    await el.play();
    await waitUntil(() => el.currentTime < 0.6, 'did not get back to 0.6 s', { timeout: 5000 });
    el.pause();
    frames.stop();
    expect(frames.wrong).to.deep.equal([]);
    expect(frames.indices[0]).to.be.at.most(45);
    expect(frames.indices.at(-1)).to.be.at.most(18);
    for (let i = 1; i < frames.indices.length; i++) expect(frames.indices[i]).to.be.lessThan(frames.indices[i - 1]);
    // Across the GOP boundary (29 after 30) and most frames shown.
    expect(frames.indices).to.include.members([30, 29]);
    expect(frames.indices.length).to.be.at.least(20);
    const quality = el.getVideoPlaybackQuality();
    expect(quality.droppedVideoFrames).to.be.at.most(3);
    el.remove();
    await waitUntil(() => el.getVideoPlaybackQuality().openVideoFrames === 0, 'VideoFrames left open after removal', {
      timeout: 5000,
    });
  });

  it('removed while playing: pauses, play() settles, nothing left open', async () => {
    const el = await load();
    await el.play();
    await sleep(300);
    const events = countEvents(el, ['pause']);
    el.remove();
    await sleep(50);
    expect(el.paused).to.equal(true);
    expect(events.pause).to.equal(1);
    await waitUntil(() => el.getVideoPlaybackQuality().openVideoFrames === 0, 'VideoFrames left open', { timeout: 5000 });
  });

  it('a new src pauses, as on <video>', async () => {
    const el = await load();
    await el.play();
    const paused = oneEvent(el, 'pause');
    el.src = `${MEDIA}vp9.mp4`;
    await paused;
    expect(el.paused).to.equal(true);
    await oneEvent(el, 'loadeddata');
    await el.play();
    expect(el.paused).to.equal(false);
    el.pause();
  });

  it('an error while playing stops it, and play() rejects', async () => {
    const el = await load();
    await el.play();
    const paused = oneEvent(el, 'pause');
    el.src = `${MEDIA}not-mp4.bin`;
    await oneEvent(el, 'error');
    let error: unknown;
    await el.play().catch((e: unknown) => (error = e));
    expect((error as DOMException).name).to.equal('NotSupportedError');
    await paused;
    expect(el.paused).to.equal(true);
  });

  it('seeks while playing and goes on playing from there', async () => {
    const el = await load();
    await el.play();
    await sleep(200);
    const counts = countEvents(el, ['seeking', 'seeked']);
    el.currentTime = 2;
    expect(el.seeking).to.equal(true);
    await oneEvent(el, 'seeked');
    expect(el.paused).to.equal(false);
    expect(counts.seeking).to.equal(1);
    const after = recordFrames(el);
    await sleep(300);
    el.pause();
    after.stop();
    expect(after.wrong).to.deep.equal([]);
    expect(after.indices[0]).to.be.within(60, 64);
    expect(el.currentTime).to.be.within(2.1, 2.6);
  });

  it('stepFrame pauses first', async () => {
    const el = await load();
    await el.play();
    await sleep(200);
    const detail = await el.stepFrame(1);
    expect(el.paused).to.equal(true);
    expect(readFrameCode(el.canvas!)).to.equal(detail.index);
  });

  it('autoplay plays once the first frame is shown', async () => {
    const el = await fixture<RerunVideo>(html`<rerun-video autoplay src=${BFRAMES}></rerun-video>`);
    await oneEvent(el, 'playing');
    expect(el.paused).to.equal(false);
    el.pause();
  });

  it('pause() before play() settles rejects it with AbortError', async () => {
    const el = await fixture<RerunVideo>(html`<rerun-video src=${BFRAMES}></rerun-video>`);
    const playing = el.play();
    el.pause();
    let error: unknown;
    await playing.catch((e: unknown) => (error = e));
    expect((error as DOMException)?.name).to.equal('AbortError');
  });

  it('muted and volume exist, fire volumechange and say there is no audio', async () => {
    const el = await load();
    const counts = countEvents(el, ['volumechange']);
    el.muted = true;
    el.volume = 0.5;
    expect(el.muted).to.equal(true);
    expect(el.volume).to.equal(0.5);
    expect(counts.volumechange).to.equal(2);
    expect(() => (el.volume = 2)).to.throw();
  });
});

describe('cameras in sync', function () {
  this.timeout(60_000);

  async function group(attrs: { sync?: string; clock?: RerunVideoClock }): Promise<RerunVideo[]> {
    const box = await fixture<HTMLDivElement>(html`<div>
      ${[0, 1, 2, 3].map(
        () => html`<rerun-video src=${BFRAMES} sync=${attrs.sync ?? ''} .clock=${attrs.clock ?? null}></rerun-video>`,
      )}
    </div>`);
    const els = [...box.querySelectorAll('rerun-video')];
    await Promise.all(els.map((el) => (el.readyState >= 2 ? null : oneEvent(el, 'loadeddata'))));
    return els;
  }

  /** Checks, in every animation frame until `stop`, that all canvases carry the same frame. */
  function watchSkew(els: RerunVideo[]): { checks: number; skews: string[]; longestRun: number; stop(): void } {
    const result = { checks: 0, skews: [] as string[], longestRun: 0, stop: () => (running = false) };
    let running = true;
    let run = 0;
    const check = () => {
      if (!running) return;
      const codes = els.map((el) => readFrameCode(el.canvas!));
      result.checks++;
      if (new Set(codes).size > 1) {
        result.skews.push(codes.join(','));
        result.longestRun = Math.max(result.longestRun, ++run);
      } else run = 0;
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
    return result;
  }

  it('every group seek settles (leaving the group mid-seek too) and no VideoFrame stays open', async () => {
    const box = await fixture<HTMLDivElement>(html`<div>
      <rerun-video sync="settle" src=${BFRAMES}></rerun-video>
      <rerun-video sync="settle" src=${`${BFRAMES}?throttle=40000`}></rerun-video>
    </div>`);
    const els = [...box.querySelectorAll('rerun-video')];
    await Promise.all(els.map((el) => (el.readyState >= 2 ? null : oneEvent(el, 'loadeddata'))));
    // The slow one is still fetching its GOP when it leaves the group: its seek must settle.
    const seek = els[1].seek(2.2);
    els[1].sync = null;
    await els[1].updateComplete;
    const outcome = await Promise.race([
      seek.then(
        () => 'resolved',
        (e: DOMException) => e.name,
      ),
      sleep(3000).then(() => 'pending'),
    ]);
    expect(outcome).to.be.oneOf(['resolved', 'AbortError']);
    // Rapid seeks in the group, then paused: whatever prepare() kept is let go.
    for (const t of [0.3, 1.4, 2.6]) void els[0].seek(t).catch(() => {});
    await els[0].seek(1.1);
    await waitUntil(
      () => els.every((el) => el.getVideoPlaybackQuality().openVideoFrames === 0),
      `open VideoFrames: ${els.map((el) => el.getVideoPlaybackQuality().openVideoFrames)}`,
      { timeout: 5000 },
    );
    expect(readFrameCode(els[0].canvas!)).to.equal(33);
  });

  for (const how of ['sync attribute', 'clock object'] as const) {
    it(`four elements (${how}) show the same frame at every check, playing and scrubbing`, async () => {
      const els = await group(how === 'sync attribute' ? { sync: 'cams' } : { clock: new RerunVideoClock() });
      const skew = watchSkew(els);
      await els[2].play();
      expect(els.every((el) => !el.paused)).to.equal(true);
      await sleep(1000);
      // Scrubbing one moves them all.
      for (const t of [0.5, 1.0, 1.7, 2.2]) await els[1].seek(t);
      await sleep(300);
      els[0].pause();
      await sleep(50);
      skew.stop();
      expect(els.every((el) => el.paused)).to.equal(true);
      expect(skew.checks).to.be.at.least(30);
      // By design a member whose frame is more than 150 ms late (GROUP_LAG_MS in clock.ts) is let
      // fall behind rather than hold the group: on these 2 cores WebKit's four decoders sometimes
      // are, for one animation frame (measured: "18,10,10,18" once in a CI run). Allowed: that
      // rarely, and never for more than two animation frames in a row.
      const why = `skews ${JSON.stringify(skew.skews)} of ${skew.checks} checks; ${JSON.stringify(els.map((el) => el.getVideoPlaybackQuality()))}`;
      expect(skew.skews.length, why).to.be.at.most(Math.max(1, Math.floor(skew.checks / 50)));
      expect(skew.longestRun, why).to.be.at.most(2);
      const index = readFrameCode(els[0].canvas!);
      expect(index).to.be.above(60);
      for (const el of els) expect(el.currentTime).to.equal(els[0].currentTime);
    });
  }
});

describe('controls', function () {
  this.timeout(60_000);

  it('shows an accessible bar that plays, pauses and steps from the keyboard', async () => {
    const el = await fixture<RerunVideo>(html`<rerun-video controls aria-label="camera" src=${BFRAMES}></rerun-video>`);
    if (el.readyState < 2) await oneEvent(el, 'loadeddata');
    await el.updateComplete;
    const bar = el.shadowRoot!.querySelector('[part~="controls"]');
    expect(bar).to.not.equal(null);
    await expect(el).to.be.accessible();
    expect(el.tabIndex).to.equal(0);
    const key = (init: KeyboardEventInit) => el.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, composed: true, ...init }));
    key({ key: ' ', code: 'Space' });
    await oneEvent(el, 'playing');
    expect(el.paused).to.equal(false);
    key({ key: 'k', code: 'KeyK' });
    expect(el.paused).to.equal(true);
    await el.seek(0);
    key({ key: 'ArrowRight', code: 'ArrowRight' });
    await waitUntil(() => readFrameCode(el.canvas!) === 1, 'ArrowRight did not step', { timeout: 5000 });
    key({ key: 'ArrowRight', code: 'ArrowRight', shiftKey: true });
    await waitUntil(() => readFrameCode(el.canvas!) === 31, 'Shift+ArrowRight did not skip a second', { timeout: 5000 });
    key({ key: 'ArrowLeft', code: 'ArrowLeft' });
    await waitUntil(() => readFrameCode(el.canvas!) === 30, 'ArrowLeft did not step back', { timeout: 5000 });
    // The play button and the scrubber drive it too.
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="play-button"]')!;
    button.click();
    await oneEvent(el, 'playing');
    await el.updateComplete;
    expect(button.getAttribute('aria-label')).to.equal('Pause');
    button.click();
    const scrubber = el.shadowRoot!.querySelector<HTMLInputElement>('[part~="scrubber"]')!;
    scrubber.value = '2.5';
    scrubber.dispatchEvent(new Event('input', { bubbles: true }));
    await oneEvent(el, 'seeked');
    expect(readFrameCode(el.canvas!)).to.equal(75);
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part~="time"]')!.textContent).to.contain('75');
  });

  it('has no bar without the attribute', async () => {
    const el = await load();
    expect(el.shadowRoot!.querySelector('[part~="controls"]')).to.equal(null);
  });
});

describe('loading="lazy"', function () {
  this.timeout(60_000);

  const requests = async (match: string) => (await executeServerCommand('request-log', { match })) as string[];

  it('fetches nothing until scrolled near, lets the decoder go off-screen and comes back at the same frame', async () => {
    await executeServerCommand('request-log', { clear: true });
    const src = `${MEDIA}vp9.mp4?lazy`;
    const box = await fixture<HTMLDivElement>(html`<div>
      <div style="height: 300vh"></div>
      <rerun-video loading="lazy" src=${src}></rerun-video>
      <div style="height: 300vh"></div>
    </div>`);
    const el = box.querySelector('rerun-video')!;
    window.scrollTo(0, 0);
    await sleep(500);
    expect(await requests('vp9.mp4?lazy')).to.deep.equal([]);
    expect(el.state).to.equal('empty');
    el.scrollIntoView();
    await oneEvent(el, 'loadeddata');
    expect((await requests('vp9.mp4?lazy')).length).to.be.above(0);
    await el.seek(1.0);
    expect(readFrameCode(el.canvas!)).to.equal(30);

    // Count the decoders made from now on: a released decoder is built again.
    const Original = window.VideoDecoder;
    let made = 0;
    window.VideoDecoder = class extends Original {
      constructor(init: VideoDecoderInit) {
        super(init);
        made++;
      }
    };
    try {
      window.scrollTo(0, 0);
      await sleep(OFFSCREEN_RELEASE_MS + 700);
      el.scrollIntoView();
      await sleep(200);
      expect(readFrameCode(el.canvas!)).to.equal(30);
      await el.seek(1.5);
      expect(readFrameCode(el.canvas!)).to.equal(45);
      expect(made).to.equal(1);
    } finally {
      window.VideoDecoder = Original;
      window.scrollTo(0, 0);
    }
  });
});

describe('playing the fallback', function () {
  this.timeout(60_000);

  it('plays the JPEG image sequence on the clock, forwards and back, every frame exact', async () => {
    const el = await fixture<RerunVideo>(
      html`<rerun-video src=${`${MEDIA}h265.mp4`} fallback=${`${MEDIA}h265-frames/manifest.json`}></rerun-video>`,
    );
    if (el.readyState < 2) await oneEvent(el, 'loadeddata');
    // WebKit decodes H.265 here, so there the video itself plays.
    const source = (await canDecode('hvc1.1.6.L60.90')) ? 'video' : 'images';
    const sources = new Set<string>();
    el.addEventListener('frame', (e) => sources.add(e.detail.source));
    const frames = recordFrames(el);
    await el.play();
    await sleep(1000);
    el.pause();
    const forwards = [...frames.indices];
    el.playbackRate = -1;
    await el.play();
    await sleep(600);
    el.pause();
    frames.stop();
    expect([...sources]).to.deep.equal([source]);
    expect(frames.wrong).to.deep.equal([]);
    expect(forwards.length).to.be.at.least(15);
    for (let i = 1; i < forwards.length; i++) expect(forwards[i]).to.be.greaterThan(forwards[i - 1]);
    const backwards = frames.indices.slice(forwards.length);
    expect(backwards.length).to.be.at.least(8);
    for (let i = 1; i < backwards.length; i++) expect(backwards[i]).to.be.lessThan(backwards[i - 1]);
  });
});
