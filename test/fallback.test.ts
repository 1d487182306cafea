import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../src/index.js';
import type { RerunVideo } from '../src/index.js';
import type { FrameEvent, RerunVideoErrorEvent, UnsupportedCodecEvent } from '../src/events.js';
import { frameForTime } from '../src/decode/seek-plan.js';
import { readFrameCode } from './helpers/frame-code.js';
import { expectRecovers, MEDIA, canDecode, fixtureInfo, sleep } from './helpers/media.js';

const H265 = `${MEDIA}h265.mp4`;
const TWIN = `${MEDIA}h265-twin-h264.mp4`;
const FRAMES = `${MEDIA}h265-frames/manifest.json`;
/** The codec string of test/fixtures/media/h265.mp4. */
const H265_CODEC = 'hvc1.1.6.L60.90';

interface Recorded {
  el: RerunVideo;
  unsupported: UnsupportedCodecEvent[];
  errors: RerunVideoErrorEvent[];
  frames: FrameEvent[];
}

/** Creates an element with the given properties, recording its events from the start. */
function create(props: Partial<Pick<RerunVideo, 'src' | 'fallback' | 'codecHint' | 'time'>>): Recorded {
  const el = document.createElement('rerun-video');
  const recorded: Recorded = { el, unsupported: [], errors: [], frames: [] };
  el.addEventListener('unsupported-codec', (e) => recorded.unsupported.push(e));
  el.addEventListener('error', (e) => recorded.errors.push(e));
  el.addEventListener('frame', (e) => recorded.frames.push(e));
  Object.assign(el, props);
  return recorded;
}

/** Appends the element while the page has no WebCodecs, as a page in an insecure context would. */
async function appendWithoutWebCodecs(el: RerunVideo): Promise<void> {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'VideoDecoder')!;
  delete (globalThis as { VideoDecoder?: unknown }).VideoDecoder;
  try {
    expect(typeof VideoDecoder).to.equal('undefined');
    document.body.append(el);
    await el.updateComplete;
  } finally {
    Object.defineProperty(globalThis, 'VideoDecoder', saved);
  }
}

/** Times to check and the frame each shows, from ffprobe's timestamps. */
function probes(ts: readonly number[]): Array<[number, number]> {
  const last = ts.length - 1;
  const picks = [0, 1, 2, 17, 29, 30, 31, 44, last - 1, last];
  const cases = picks.flatMap((i): Array<[number, number]> => [
    [ts[i], i],
    [i < last ? (ts[i] + ts[i + 1]) / 2 : ts[i] + 5, i],
  ]);
  cases.push([-1, 0], [ts[30] - 1e-4, 29]);
  return cases.sort((a, b) => ((a[1] * 7919) % 11) - ((b[1] * 7919) % 11));
}

async function mp4Requests(): Promise<string[]> {
  return (await executeServerCommand('request-log', { match: '.mp4' })) as string[];
}

describe('<rerun-video> unsupported codecs and the JPEG fallback', function () {
  this.timeout(60_000);
  let h265Decodes: boolean;
  let timestamps: number[];
  const cleanup: RerunVideo[] = [];

  before(async () => {
    h265Decodes = await canDecode(H265_CODEC);
    timestamps = (await fixtureInfo('h265')).timestamps;
  });

  afterEach(() => {
    for (const el of cleanup.splice(0)) el.remove();
  });

  it('H.265 with a fallback shows the same frames as its H.264 twin', async () => {
    const { el, unsupported } = create({ src: H265, fallback: FRAMES });
    const twin = create({ src: TWIN }).el;
    cleanup.push(el, twin);
    document.body.append(el, twin);
    await oneEvent(el, 'frame');
    await twin.seek(0);
    if (h265Decodes) {
      expect(unsupported).to.have.length(0);
      expect(el.state).to.equal('ready');
    } else {
      expect(unsupported).to.have.length(1);
      expect(unsupported[0].detail).to.deep.equal({ codec: H265_CODEC, reason: 'config', fallback: true });
      expect(el.state).to.equal('fallback');
      expect(el.getAttribute('state')).to.equal('fallback');
      expect(el.frameCount).to.equal(timestamps.length);
      expect([el.videoWidth, el.videoHeight]).to.deep.equal([160, 120]);
      expect(el.codec).to.equal(H265_CODEC);
    }
    // The element's own timestamps are exact (ffprobe's sidecar rounds to the microsecond).
    const exact = el.frameTimestamps;
    exact.forEach((t, i) => expect(t, `timestamp ${i}`).to.be.closeTo(timestamps[i], 5e-7));
    for (const [time, expected] of probes(exact)) {
      const detail = await el.seek(time);
      const twinDetail = await twin.seek(time);
      expect(readFrameCode(el.canvas!), `pixels at ${time}`).to.equal(expected);
      expect(readFrameCode(twin.canvas!), `twin pixels at ${time}`).to.equal(expected);
      expect(detail.index).to.equal(twinDetail.index);
      expect(detail.timestamp).to.be.closeTo(timestamps[expected], 1e-5);
      expect(detail.requestedTime).to.equal(time);
      expect(detail.source).to.equal(h265Decodes ? 'video' : 'images');
      if (expected < timestamps.length - 1) {
        expect(detail.duration).to.be.closeTo(timestamps[expected + 1] - timestamps[expected], 1e-5);
      }
    }
    await el.seek(exact[10]);
    expect((await el.stepFrame(1)).index).to.equal(11);
    expect(readFrameCode(el.canvas!)).to.equal(11);
    await sleep(200);
    expect(unsupported).to.have.length(h265Decodes ? 0 : 1);
  });

  it('codec-hint="h265": no request for the MP4 where H.265 cannot be decoded', async () => {
    await executeServerCommand('request-log', { clear: true });
    const { el, unsupported, frames } = create({ src: H265, fallback: FRAMES, codecHint: 'h265', time: 1 });
    cleanup.push(el);
    document.body.append(el);
    await waitUntil(() => frames.length > 0, 'a frame', { timeout: 20_000 });
    expect(readFrameCode(el.canvas!)).to.equal(30);
    await sleep(300);
    if (h265Decodes) {
      expect(unsupported).to.have.length(0);
      expect(frames[0].detail.source).to.equal('video');
      expect(await mp4Requests()).to.include(new URL(H265, location.href).pathname);
    } else {
      expect(unsupported).to.have.length(1);
      expect(unsupported[0].detail).to.deep.equal({ codec: 'hvc1.1.6.L93.B0', reason: 'hint', fallback: true });
      expect(frames[0].detail.source).to.equal('images');
      expect(await mp4Requests()).to.deep.equal([]);
      const manifests = (await executeServerCommand('request-log', { match: 'manifest.json' })) as string[];
      expect(manifests).to.have.length(1);
    }
  });

  it('a page without VideoDecoder: reason no-webcodecs, fallback frames shown, no MP4 requested', async () => {
    await executeServerCommand('request-log', { clear: true });
    const { el, unsupported, frames } = create({ src: H265, fallback: FRAMES, time: timestamps[45] });
    cleanup.push(el);
    await appendWithoutWebCodecs(el);
    await waitUntil(() => frames.length > 0, 'a frame', { timeout: 20_000 });
    expect(unsupported).to.have.length(1);
    expect(unsupported[0].detail).to.deep.equal({ codec: '', reason: 'no-webcodecs', fallback: true });
    expect(frames[0].detail).to.include({ index: 45, source: 'images' });
    expect(readFrameCode(el.canvas!)).to.equal(45);
    expect(el.state).to.equal('fallback');
    expect(await mp4Requests()).to.deep.equal([]);
  });

  it('the image sequence is indexed whole: `indexed` once, with the manifest\'s frames', async () => {
    const { el } = create({ src: H265, fallback: FRAMES, time: timestamps[45] });
    cleanup.push(el);
    const indexed: number[] = [];
    el.addEventListener('indexed', (e) => indexed.push(e.detail.frameCount));
    await appendWithoutWebCodecs(el);
    await waitUntil(() => indexed.length > 0, 'indexed', { timeout: 20_000 });
    await sleep(200);
    expect(indexed).to.deep.equal([timestamps.length]);
    expect(el.indexed).to.equal(true);
    expect(el.frameCount).to.equal(timestamps.length);
  });

  it('a decoder that reports NotSupportedError on configure: reason decoder, then the fallback', async () => {
    const Real = VideoDecoder;
    // Fault injection only: a real decoder whose configure() fails as an unsupported one does.
    class UnsupportedDecoder extends Real {
      private readonly fail: (error: DOMException) => void;
      constructor(init: VideoDecoderInit) {
        super(init);
        this.fail = init.error;
      }
      override configure(): void {
        queueMicrotask(() => this.fail(new DOMException('Injected: unsupported configuration', 'NotSupportedError')));
      }
    }
    const { el, unsupported, frames, errors } = create({ src: TWIN, fallback: FRAMES, time: timestamps[20] });
    cleanup.push(el);
    (globalThis as { VideoDecoder: unknown }).VideoDecoder = UnsupportedDecoder;
    try {
      document.body.append(el);
      await waitUntil(() => unsupported.length > 0, 'unsupported-codec', { timeout: 20_000 });
    } finally {
      (globalThis as { VideoDecoder: unknown }).VideoDecoder = Real;
    }
    expect(unsupported[0].detail.reason).to.equal('decoder');
    expect(unsupported[0].detail.codec).to.match(/^avc1\./);
    expect(unsupported[0].detail.fallback).to.equal(true);
    await waitUntil(() => frames.length > 0, 'a fallback frame', { timeout: 20_000 });
    expect(frames.every((f) => f.detail.source === 'images')).to.equal(true);
    expect(readFrameCode(el.canvas!)).to.equal(20);
    await sleep(200);
    expect(unsupported).to.have.length(1);
    expect(errors).to.have.length(0);
    expect(el.getVideoPlaybackQuality().openVideoFrames).to.equal(0);
  });

  it('without a fallback: unsupported-codec with fallback false and a message, replaceable by a slot', async () => {
    const { el, unsupported, errors } = create({ src: H265, codecHint: 'h265' });
    cleanup.push(el);
    const pending = el.seek(1);
    await appendWithoutWebCodecs(el);
    expect(unsupported).to.have.length(1);
    expect(unsupported[0].detail).to.deep.equal({ codec: 'hvc1.1.6.L93.B0', reason: 'no-webcodecs', fallback: false });
    const rejection = await pending.then(() => null, (error: unknown) => error);
    expect((rejection as DOMException).name).to.equal('NotSupportedError');
    const message = el.shadowRoot!.querySelector('[part="message"]') as HTMLElement;
    expect(message).to.not.equal(null);
    expect(message.textContent).to.contain('hvc1.1.6.L93.B0').and.contain('cannot be played');
    expect(message.getBoundingClientRect().height).to.be.greaterThan(0);
    const custom = Object.assign(document.createElement('span'), { slot: 'unsupported', textContent: 'Use Safari' });
    el.append(custom);
    const slot = message.querySelector('slot[name="unsupported"]') as HTMLSlotElement;
    expect(slot.assignedElements()).to.deep.equal([custom]);
    expect(errors).to.have.length(0);
    await expect(el).to.be.accessible();
    // The next playable src takes the message away (the hint would rule H.264 out too).
    el.codecHint = 'h264';
    el.src = `${MEDIA}h264-nobframes.mp4`;
    await oneEvent(el, 'frame');
    expect(el.shadowRoot!.querySelector('[part="message"]')).to.equal(null);
    expect(el.state).to.equal('ready');
  });

  it('scrubbing through a 300-frame sequence never paints an image for a superseded time', async () => {
    const { el, frames } = create({ src: H265, fallback: `${MEDIA}h265-frames/scrub-300.json` });
    cleanup.push(el);
    const drawn: Array<{ code: number; expected: number }> = [];
    const original = CanvasRenderingContext2D.prototype.drawImage;
    CanvasRenderingContext2D.prototype.drawImage = function (this: CanvasRenderingContext2D, ...args: unknown[]) {
      (original as (...a: unknown[]) => void).apply(this, args);
      if (this.canvas === el.canvas) drawn.push({ code: readFrameCode(this.canvas), expected: frameForTime(el.frameTimestamps, el.time) % 60 });
    } as typeof original;
    const open = () => el.getVideoPlaybackQuality().openImageBitmaps;
    let most = 0;
    try {
      await appendWithoutWebCodecs(el);
      await waitUntil(() => frames.length > 0, 'the first frame', { timeout: 20_000 });
      const ts = el.frameTimestamps;
      expect(ts).to.have.length(300);
      let last = 0;
      for (let i = 0; i < 90; i++) {
        last = (i * 37) % 300;
        el.time = ts[last] + 0.01;
        await sleep(16);
        most = Math.max(most, open());
      }
      await waitUntil(() => frames[frames.length - 1].detail.index === last, 'the last time is painted', { timeout: 20_000 });
      await sleep(300);
      expect(frames[frames.length - 1].detail.index).to.equal(last);
      expect(readFrameCode(el.canvas!)).to.equal(last % 60);
    } finally {
      CanvasRenderingContext2D.prototype.drawImage = original;
    }
    expect(drawn.length).to.be.greaterThan(1);
    for (const [i, { code, expected }] of drawn.entries()) expect(code, `draw ${i}`).to.equal(expected);
    // 160x120 images: a window of 24 decoded, plus up to 4 decoding.
    expect(most).to.be.at.most(28);
    el.src = '';
    await el.updateComplete;
    await sleep(300);
    expect(open()).to.equal(0);
  });
});

describe('<rerun-video> fallback failures', function () {
  this.timeout(60_000);

  async function expectOneFallbackError(fallback: string, time: number, message: RegExp): Promise<Recorded> {
    const recorded = create({ src: H265, fallback, time });
    await appendWithoutWebCodecs(recorded.el);
    await waitUntil(() => recorded.errors.length > 0, `an error for ${fallback}`, { timeout: 20_000 });
    await sleep(300);
    expect(recorded.errors).to.have.length(1);
    expect(recorded.errors[0].detail.code).to.equal('fallback');
    expect(recorded.errors[0].detail.message).to.match(message);
    expect(recorded.el.state).to.equal('error');
    expect(recorded.el.error).to.deep.equal(recorded.errors[0].detail);
    expect(recorded.unsupported).to.have.length(1);
    return recorded;
  }


  it('invalid manifest JSON: one fallback error', async () => {
    const { el } = await expectOneFallbackError(`${MEDIA}broken/invalid-json.json`, 0, /not JSON/);
    await expectRecovers(el);
  });

  it('a manifest with no frames: one fallback error', async () => {
    const { el } = await expectOneFallbackError(`${MEDIA}broken/no-frames.json`, 0, /"frames" is empty/);
    await expectRecovers(el);
  });

  it('a missing manifest: one fallback error', async () => {
    const { el } = await expectOneFallbackError(`${MEDIA}broken/absent.json`, 0, /404/);
    await expectRecovers(el);
  });

  it('a missing image: one fallback error, the last good frame stays', async () => {
    const info = await fixtureInfo('h265');
    const recorded = create({ src: H265, fallback: `${MEDIA}broken/missing-image.json`, time: info.timestamps[5] });
    const { el, errors, frames } = recorded;
    await appendWithoutWebCodecs(el);
    await waitUntil(() => frames.length > 0, 'frame 5', { timeout: 20_000 });
    expect(readFrameCode(el.canvas!)).to.equal(5);
    expect(errors).to.have.length(0);
    const failed = await el.seek(el.frameTimestamps[10]).then(() => null, (error: unknown) => error);
    expect(failed).to.be.instanceOf(Error);
    await sleep(300);
    expect(errors).to.have.length(1);
    expect(errors[0].detail.code).to.equal('fallback');
    expect(errors[0].detail.message).to.contain('missing-000010.jpg').and.contain('404');
    expect(el.state).to.equal('error');
    expect(readFrameCode(el.canvas!)).to.equal(5);
    expect(frames).to.have.length(1);
    await expectRecovers(el);
  });

  it('the error event does not bubble', async () => {
    let bubbled = 0;
    const listener = () => bubbled++;
    document.addEventListener('error', listener);
    try {
      const { el } = await expectOneFallbackError(`${MEDIA}broken/no-frames.json`, 0, /empty/);
      el.remove();
    } finally {
      document.removeEventListener('error', listener);
    }
    expect(bubbled).to.equal(0);
  });
});
