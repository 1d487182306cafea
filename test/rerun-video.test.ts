import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../src/index.js';
import type { RerunVideo } from '../src/index.js';
import type { FrameEvent, LoadedMetadataEvent, RerunVideoErrorEvent } from '../src/events.js';
import { faultyDecoder } from './helpers/faulty-decoder.js';
import { readFrameCode } from './helpers/frame-code.js';
import { expectRecovers, MEDIA, fixtureInfo, sleep, type FixtureInfo } from './helpers/media.js';

/** Synthetic fixtures every browser here decodes, each frame carrying its index as a code. */
const FIXTURES = ['h264-bframes', 'h264-nobframes', 'av1', 'vp9', 'vp8', 'h264-longgop', 'h264-vfr'];

async function load(name: string, time = 0): Promise<RerunVideo> {
  const el = await fixture<RerunVideo>(html`<rerun-video src=${MEDIA + name + '.mp4'} .time=${time}></rerun-video>`);
  await oneEvent(el, 'frame');
  return el;
}

/** The times to check and the frame each must show, from the element's own exact timestamps. */
function probes(ts: readonly number[], info: FixtureInfo): Array<[number, number]> {
  const last = ts.length - 1;
  const mid = (i: number) => (ts[i] + ts[i + 1]) / 2;
  const some = [1, 2, 3, Math.floor(last / 3), Math.floor(last / 2), last - 2, last - 1];
  const keys = info.keyframes.filter((k) => k > 0).slice(0, 2);
  const cases: Array<[number, number]> = [
    [ts[0], 0],
    [-1, 0],
    [mid(0), 0],
    ...some.map((i): [number, number] => [ts[i], i]),
    ...some.map((i): [number, number] => [mid(i), i]),
    ...keys.flatMap((k): Array<[number, number]> => [[ts[k], k], [ts[k] - 1e-6, k - 1]]),
    [ts[last], last],
    [ts[last] + 100, last],
  ];
  // Out of order on purpose: backward jumps, forward steps and far jumps all happen.
  return cases.sort((a, b) => ((a[1] * 7919) % 13) - ((b[1] * 7919) % 13));
}

for (const name of FIXTURES) {
  describe(`<rerun-video> with ${name}`, function () {
    this.timeout(60_000);
    let info: FixtureInfo;
    before(async () => {
      info = await fixtureInfo(name);
    });

    it('reports the track as ffprobe does', async () => {
      const el = await load(name);
      expect(el.state).to.equal('ready');
      expect(el.videoWidth).to.equal(info.width);
      expect(el.videoHeight).to.equal(info.height);
      expect(el.frameCount).to.equal(info.frameCount);
      expect(el.frameTimestamps.length).to.equal(info.timestamps.length);
      el.frameTimestamps.forEach((t, i) => expect(t, `frame ${i}`).to.be.closeTo(info.timestamps[i], 1e-5));
      expect(el.duration).to.be.greaterThan(el.frameTimestamps[el.frameCount - 1]);
      expect(el.codec).to.be.a('string').and.not.equal('');
    });

    it('paints exactly the frame whose interval contains time', async () => {
      const el = await load(name);
      expect(readFrameCode(el.canvas!)).to.equal(0);
      for (const [time, expected] of probes(el.frameTimestamps, info)) {
        const detail = await el.seek(time);
        expect(readFrameCode(el.canvas!), `pixels at time ${time}`).to.equal(expected);
        expect(detail.index, `index at time ${time}`).to.equal(expected);
        expect(detail.timestamp).to.be.closeTo(info.timestamps[expected], 1e-5);
        expect(detail.requestedTime).to.equal(time);
        expect(detail.source).to.equal('video');
      }
    });

    it('steps frame by frame forward and back', async () => {
      const el = await load(name);
      const steps = Math.min(12, el.frameCount - 1);
      for (let i = 1; i <= steps; i++) {
        const detail = await el.stepFrame(1);
        expect(detail.index).to.equal(i);
        expect(readFrameCode(el.canvas!)).to.equal(i);
      }
      for (let i = steps - 1; i >= 0; i--) {
        await el.stepFrame(-1);
        expect(readFrameCode(el.canvas!)).to.equal(i);
      }
    });
  });
}

describe('<rerun-video> events and properties', function () {
  this.timeout(60_000);

  it('fires loadedmetadata, then frame, with the documented details', async () => {
    const info = await fixtureInfo('h264-bframes');
    const el = document.createElement('rerun-video');
    const order: string[] = [];
    const metadata = new Promise<LoadedMetadataEvent>((resolve) =>
      el.addEventListener('loadedmetadata', (e) => (order.push('loadedmetadata'), resolve(e))),
    );
    const frame = new Promise<FrameEvent>((resolve) => el.addEventListener('frame', (e) => (order.push('frame'), resolve(e))));
    el.time = 1;
    el.src = `${MEDIA}h264-bframes.mp4`;
    document.body.append(el);
    try {
      const { detail: meta } = await metadata;
      expect(meta).to.include({ width: info.width, height: info.height, frameCount: info.frameCount });
      expect(meta.codec).to.match(/^avc1\./);
      const { detail } = await frame;
      expect(order).to.deep.equal(['loadedmetadata', 'frame']);
      expect(detail.index).to.equal(30);
      expect(detail.requestedTime).to.equal(1);
      expect(readFrameCode(el.canvas!)).to.equal(30);
    } finally {
      el.remove();
    }
  });

  it('fires no frame event when time moves within the same frame', async () => {
    const el = await load('h264-nobframes', 0);
    let frames = 0;
    el.addEventListener('frame', () => frames++);
    const ts = el.frameTimestamps;
    await el.seek(ts[0] + (ts[1] - ts[0]) / 2);
    await sleep(100);
    expect(frames).to.equal(0);
    await el.seek(ts[1]);
    expect(frames).to.equal(1);
  });

  it('a newer seek supersedes an older one, which rejects with AbortError', async () => {
    const el = await load('h264-longgop', 0);
    const first = el.seek(el.frameTimestamps[200]);
    const second = el.seek(el.frameTimestamps[20]);
    const [a, b] = await Promise.allSettled([first, second]);
    expect(a.status).to.equal('rejected');
    expect((a as PromiseRejectedResult).reason).to.be.instanceOf(DOMException);
    expect((a as PromiseRejectedResult).reason.name).to.equal('AbortError');
    expect(b.status).to.equal('fulfilled');
    expect(readFrameCode(el.canvas!)).to.equal(20);
  });

  it('scrubbing 60 times in a row paints only the last time', async () => {
    const el = await load('h264-longgop', 0);
    const painted: number[] = [];
    el.addEventListener('frame', (e) => painted.push(e.detail.index));
    const ts = el.frameTimestamps;
    for (let i = 0; i < 60; i++) el.time = ts[(i * 37) % ts.length];
    const last = (59 * 37) % ts.length;
    await waitUntil(() => painted.includes(last), 'the last time is painted', { timeout: 20_000 });
    await sleep(200);
    expect(painted[painted.length - 1]).to.equal(last);
    expect(painted.length).to.be.lessThan(10);
    expect(readFrameCode(el.canvas!)).to.equal(last);
  });

  /** Counts the chunks every VideoDecoder is given while `body` runs (a spy; decoding is real). */
  async function countDecodes(body: () => Promise<void>): Promise<number> {
    const original = VideoDecoder.prototype.decode;
    let count = 0;
    VideoDecoder.prototype.decode = function (this: VideoDecoder, chunk: EncodedVideoChunk) {
      count++;
      return original.call(this, chunk);
    };
    try {
      await body();
    } finally {
      VideoDecoder.prototype.decode = original;
    }
    return count;
  }

  it('steps forward by feeding the running decoder, not by restarting at the key frame', async () => {
    const el = await load('h264-longgop', 0);
    await el.seek(el.frameTimestamps[100]);
    const decodes = await countDecodes(async () => {
      for (let i = 101; i <= 130; i++) {
        await el.stepFrame(1);
        expect(readFrameCode(el.canvas!)).to.equal(i);
      }
    });
    // 30 new frames need about 30 chunks; a restart per step would need over 3000.
    expect(decodes).to.be.at.most(40);
  });

  it('steps back from the cache: one GOP decode, then paints only', async () => {
    const el = await load('h264-longgop', 0);
    await el.seek(el.frameTimestamps[120]);
    // Going forward nothing is copied; the first step back decodes the GOP once and keeps
    // the frames before the playhead.
    await el.stepFrame(-1);
    expect(readFrameCode(el.canvas!)).to.equal(119);
    const decodes = await countDecodes(async () => {
      for (let i = 118; i >= 100; i--) {
        await el.stepFrame(-1);
        expect(readFrameCode(el.canvas!)).to.equal(i);
      }
    });
    expect(decodes).to.equal(0);
  });

  it('takes the video size when unsized, and the box it is given otherwise', async () => {
    const el = await load('h264-nobframes');
    let box = el.getBoundingClientRect();
    expect([box.width, box.height]).to.deep.equal([320, 240]);
    el.style.width = '640px';
    el.style.height = '200px';
    box = el.canvas!.getBoundingClientRect();
    expect([box.width, box.height]).to.deep.equal([640, 200]);
    expect(getComputedStyle(el.canvas!).objectFit).to.equal('contain');
    el.fit = 'cover';
    await el.updateComplete;
    expect(getComputedStyle(el.canvas!).objectFit).to.equal('cover');
  });

  describe('resolution="display"', () => {
    /** The canvas size the element should paint a 320x240 picture at in a `width` x `height` CSS box. */
    const expected = (width: number, height: number) => {
      const k = Math.min(1, Math.max((width * devicePixelRatio) / 320, (height * devicePixelRatio) / 240));
      return [Math.round(320 * k), Math.round(240 * k)];
    };

    it('paints at the size it is shown, lays out as the video, and reads the same frames', async () => {
      const el = await fixture<RerunVideo>(
        html`<rerun-video resolution="display" style="width: 160px; height: 120px" src=${MEDIA + 'h264-bframes.mp4'}></rerun-video>`,
      );
      await oneEvent(el, 'frame');
      await waitUntil(() => el.canvas!.width === expected(160, 120)[0], 'the canvas takes the box size', { timeout: 5000 });
      expect([el.canvas!.width, el.canvas!.height]).to.deep.equal(expected(160, 120));
      const box = el.canvas!.getBoundingClientRect();
      expect([box.width, box.height]).to.deep.equal([160, 120]);
      for (const frame of [45, 15, 87]) {
        const detail = await el.seek(el.frameTimestamps[frame]);
        expect(detail.index).to.equal(frame);
        expect(readFrameCode(el.canvas!), `pixels at frame ${frame}`).to.equal(frame);
      }
      // Unsized, it takes the video's size, as with the default resolution.
      el.style.cssText = '';
      await waitUntil(() => el.canvas!.width === expected(320, 240)[0], 'the canvas follows the box', { timeout: 5000 });
      const unsized = el.getBoundingClientRect();
      expect([unsized.width, unsized.height]).to.deep.equal([320, 240]);
      await expect(el).to.be.accessible();
    });

    it('paints the paused frame again when resized, without a frame event, and back at full size for resolution="video"', async () => {
      const el = await fixture<RerunVideo>(
        html`<rerun-video resolution="display" style="width: 80px; height: 60px" src=${MEDIA + 'h264-longgop.mp4'}></rerun-video>`,
      );
      await oneEvent(el, 'frame');
      const frame = Math.floor(el.frameCount / 2) + 3;
      await el.seek(el.frameTimestamps[frame]);
      await waitUntil(() => el.canvas!.width === expected(80, 60)[0], 'the canvas takes the box size', { timeout: 5000 });
      let frames = 0;
      el.addEventListener('frame', () => frames++);
      el.style.width = '240px';
      el.style.height = '180px';
      await waitUntil(() => el.canvas!.width === expected(240, 180)[0], 'painted again at the new size', { timeout: 5000 });
      expect(readFrameCode(el.canvas!)).to.equal(frame);
      el.resolution = 'video';
      await waitUntil(() => el.canvas!.width === 320, 'painted again at the picture size', { timeout: 5000 });
      expect(el.canvas!.height).to.equal(240);
      expect(readFrameCode(el.canvas!)).to.equal(frame);
      expect(frames, 'no frame event: the frame did not change').to.equal(0);
      expect(el.getVideoPlaybackQuality().openVideoFrames).to.be.at.most(1);
    });
  });

  it('is accessible', async () => {
    const el = await load('h264-nobframes');
    await expect(el).to.be.accessible();
  });

  it('closes every VideoFrame it receives', async () => {
    const el = await load('h264-bframes');
    for (const t of [2.5, 0.5, 1.7, 0.1]) await el.seek(t);
    const quality = el.getVideoPlaybackQuality();
    expect(quality.decodedVideoFrames).to.be.greaterThan(4);
    expect(quality.paintedVideoFrames).to.be.at.least(4);
    el.remove();
    await sleep(50);
    expect(el.getVideoPlaybackQuality().openVideoFrames).to.equal(0);
  });
});

describe('<rerun-video> decoder failures (fault injection)', function () {
  this.timeout(60_000);
  const Real = VideoDecoder;
  let injected = 0;

  const faulty = (failOn: (call: number) => boolean, name: string) =>
    faultyDecoder((_, call) => failOn(call), name, () => injected++);

  async function withDecoder<T>(decoder: typeof VideoDecoder, body: () => Promise<T>): Promise<T> {
    (globalThis as { VideoDecoder: unknown }).VideoDecoder = decoder;
    try {
      return await body();
    } finally {
      (globalThis as { VideoDecoder: unknown }).VideoDecoder = Real;
    }
  }

  beforeEach(() => (injected = 0));

  it('a reclaimed decoder is rebuilt and the frame still shows', async () => {
    const el = await load('h264-longgop', 0);
    const errors: RerunVideoErrorEvent[] = [];
    el.addEventListener('error', (e) => errors.push(e));
    // The next decoder built is reclaimed on its 5th chunk (Chromium: "Codec reclaimed due to
    // inactivity", QuotaExceededError); the element was using its own decoder so far, so
    // start it over with a far seek that needs a new one.
    await withDecoder(faulty((call) => call === 5, 'QuotaExceededError'), async () => {
      // Close the running decoder as a reclaim would, without telling: the element must notice.
      const running = (el as unknown as { video: { decoder: { decoder: VideoDecoder | null } } }).video.decoder.decoder;
      running?.close();
      const detail = await el.seek(el.frameTimestamps[120]);
      expect(detail.index).to.equal(120);
    });
    expect(injected).to.equal(1);
    expect(readFrameCode(el.canvas!)).to.equal(120);
    expect(errors).to.have.length(0);
    expect(el.state).to.equal('ready');
  });

  it('a decoder that fails on every chunk ends in one decode error, not a hang', async () => {
    const errors: RerunVideoErrorEvent[] = [];
    await withDecoder(faulty(() => true, 'EncodingError'), async () => {
      const el = document.createElement('rerun-video');
      el.addEventListener('error', (e) => errors.push(e));
      el.src = `${MEDIA}h264-longgop.mp4`;
      el.time = 5;
      document.body.append(el);
      await waitUntil(() => errors.length > 0, 'an error event', { timeout: 20_000 });
      await sleep(300);
      el.remove();
    });
    // Each of the two GOPs is tried twice before the file counts as undecodable.
    expect(injected).to.equal(4);
    expect(errors).to.have.length(1);
    expect(errors[0].detail.code).to.equal('decode');
    expect(errors[0].detail.message).to.contain('No frame');
  });
});

describe('<rerun-video> src changes', function () {
  this.timeout(60_000);

  it('mid-load: only the second file is ever painted', async () => {
    // Record what every drawImage on the element's canvas leaves behind, frame events or not.
    const drawn: Array<{ src: string; code: number }> = [];
    const original = CanvasRenderingContext2D.prototype.drawImage;
    const el = document.createElement('rerun-video');
    CanvasRenderingContext2D.prototype.drawImage = function (this: CanvasRenderingContext2D, ...args: unknown[]) {
      (original as (...a: unknown[]) => void).apply(this, args);
      if (this.canvas === el.canvas) drawn.push({ src: el.src ?? '', code: readFrameCode(this.canvas) });
    } as typeof original;
    try {
      // The same time is frame 45 in the long-GOP file and frame 30 in the VP9 one.
      el.time = 1.5;
      el.src = `${MEDIA}h264-longgop.mp4`;
      document.body.append(el);
      await el.updateComplete;
      await sleep(5);
      el.src = `${MEDIA}vp9.mp4`;
      const { detail } = await oneEvent(el, 'frame');
      await sleep(300);
      const expected = (await fixtureInfo('vp9')).timestamps.filter((t) => t <= 1.5).length - 1;
      expect(detail.index).to.equal(expected);
      expect(drawn.length).to.be.greaterThan(0);
      for (const entry of drawn) {
        expect(entry.src).to.match(/vp9\.mp4$/);
        expect(entry.code).to.equal(expected);
      }
    } finally {
      CanvasRenderingContext2D.prototype.drawImage = original;
      el.remove();
    }
  });

  it('keeps time across a src change and shows the new file’s frame for it', async () => {
    const el = await load('h264-nobframes', 1);
    expect(readFrameCode(el.canvas!)).to.equal(30);
    el.src = `${MEDIA}h264-vfr.mp4`;
    const { detail } = await oneEvent(el, 'frame');
    expect(detail.index).to.equal(el.frameTimestamps.filter((t) => t <= 1).length - 1);
    expect(readFrameCode(el.canvas!)).to.equal(detail.index);
  });
});

describe('<rerun-video> bad input', function () {
  this.timeout(60_000);

  async function expectOneError(src: string, code: string): Promise<RerunVideo> {
    const el = document.createElement('rerun-video');
    const errors: RerunVideoErrorEvent[] = [];
    el.addEventListener('error', (e) => errors.push(e));
    el.src = src;
    document.body.append(el);
    await waitUntil(() => errors.length > 0, `an error event for ${src}`, { timeout: 20_000 });
    await sleep(300);
    expect(errors).to.have.length(1);
    expect(errors[0].detail.code).to.equal(code);
    expect(errors[0].detail.message).to.be.a('string').with.length.greaterThan(10);
    expect(el.state).to.equal('error');
    expect(el.error).to.deep.equal(errors[0].detail);
    return el;
  }


  it('404: one network error, then the next src loads', async () => {
    const el = await expectOneError(`${MEDIA}does-not-exist.mp4`, 'network');
    expect(el.error!.message).to.contain('404');
    await expectRecovers(el);
  });

  it('random bytes: one format error, then the next src loads', async () => {
    await expectRecovers(await expectOneError(`${MEDIA}not-mp4.bin`, 'format'));
  });

  it('a truncated file shows every frame whose bytes exist; only later frames reject', async () => {
    const el = document.createElement('rerun-video');
    const errors: RerunVideoErrorEvent[] = [];
    el.addEventListener('error', (e) => errors.push(e));
    el.src = `${MEDIA}truncated.mp4`;
    document.body.append(el);
    // Its header is whole and 54 of its 90 samples are (decode order): frames 0 to about 50.
    await oneEvent(el, 'frame');
    expect(readFrameCode(el.canvas!)).to.equal(0);
    for (const frame of [40, 12, 45]) {
      const detail = await el.seek(el.frameTimestamps[frame]);
      expect(detail.exact).to.equal(true);
      expect(readFrameCode(el.canvas!), `frame ${frame}`).to.equal(frame);
    }
    const past = await el.seek(el.frameTimestamps[el.frameCount - 1]).then(
      () => null,
      (error: unknown) => error,
    );
    expect(past).to.have.property('code', 'format');
    expect((past as Error).message).to.contain('truncated');
    expect(readFrameCode(el.canvas!)).to.equal(45);
    expect(el.state).to.equal('ready');
    await el.seek(el.frameTimestamps[20]);
    expect(readFrameCode(el.canvas!)).to.equal(20);
    await sleep(200);
    expect(errors).to.have.length(0);
    await expectRecovers(el);
  });

  it('a file without a video track: one format error', async () => {
    const el = await expectOneError(`${MEDIA}no-video.mp4`, 'format');
    expect(el.error!.message).to.contain('no video track');
    await expectRecovers(el);
  });

  it('nonsense time values show the first or last frame and throw nothing', async () => {
    const el = await load('h264-nobframes', 1);
    for (const [time, expected] of [[NaN, 0], [-Infinity, 0], [Infinity, 89], [-3, 0], [1e12, 89]] as const) {
      await el.seek(time);
      expect(readFrameCode(el.canvas!), String(time)).to.equal(expected);
    }
    el.setAttribute('time', 'not a number');
    await sleep(200);
    expect(el.state).to.equal('ready');
  });
});
