import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../src/index.js';
import type { FrameDetail, RerunVideo } from '../src/index.js';
import type { LoadedMetadataEvent, RerunVideoErrorEvent, UnsupportedCodecEvent } from '../src/events.js';
import { faultyDecoder } from './helpers/faulty-decoder.js';
import { readFrameCode } from './helpers/frame-code.js';
import { MEDIA, sleep } from './helpers/media.js';

const GOOD = `${MEDIA}h264-nobframes.mp4`;
const FRAMES = `${MEDIA}h265-frames/manifest.json`;
/** A codec string no browser decodes: `codec-hint` rules the file out before any download. */
const UNDECODABLE_HINT = 'xyz1.0';

interface Recorded {
  el: RerunVideo;
  errors: RerunVideoErrorEvent[];
  unsupported: UnsupportedCodecEvent[];
  metadata: LoadedMetadataEvent[];
}

const cleanup: RerunVideo[] = [];
afterEach(() => {
  for (const el of cleanup.splice(0)) el.remove();
});

function create(props: Partial<Pick<RerunVideo, 'src' | 'fallback' | 'codecHint' | 'time'>>): Recorded {
  const el = document.createElement('rerun-video');
  cleanup.push(el);
  const recorded: Recorded = { el, errors: [], unsupported: [], metadata: [] };
  el.addEventListener('error', (e) => recorded.errors.push(e));
  el.addEventListener('unsupported-codec', (e) => recorded.unsupported.push(e));
  el.addEventListener('loadedmetadata', (e) => recorded.metadata.push(e as LoadedMetadataEvent));
  Object.assign(el, props);
  return recorded;
}

/** Resolves with what the promise settles to, or 'pending' after `ms`. */
async function settled<T>(promise: Promise<T>, ms = 3000): Promise<{ value?: T; error?: unknown } | 'pending'> {
  const timeout = sleep(ms).then(() => 'pending' as const);
  return Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), timeout]);
}

async function mp4Requests(): Promise<string[]> {
  return (await executeServerCommand('request-log', { match: '.mp4' })) as string[];
}

describe('<rerun-video> state attribute', function () {
  this.timeout(30_000);

  it('follows the state property at once, through loading, ready, empty and error', async () => {
    const { el } = create({ src: GOOD });
    document.body.append(el);
    expect(el.getAttribute('state')).to.equal(el.state);
    expect(el.matches('rerun-video[state=loading]')).to.equal(true);
    await oneEvent(el, 'frame');
    expect([el.state, el.getAttribute('state')]).to.deep.equal(['ready', 'ready']);
    el.src = `${MEDIA}vp9.mp4`;
    await el.updateComplete;
    expect([el.state, el.getAttribute('state')]).to.deep.equal(['loading', 'loading']);
    await oneEvent(el, 'frame');
    el.src = null;
    await el.updateComplete;
    expect([el.state, el.getAttribute('state')]).to.deep.equal(['empty', 'empty']);
    el.src = `${MEDIA}not-mp4.bin`;
    await oneEvent(el, 'error');
    expect([el.state, el.getAttribute('state')]).to.deep.equal(['error', 'error']);
  });
});

describe('<rerun-video> every promise settles', function () {
  this.timeout(30_000);

  it('in state error, seek() and stepFrame() reject at once with the element’s error', async () => {
    const { el, errors } = create({ src: `${MEDIA}not-mp4.bin` });
    const early = el.seek(1);
    early.catch(() => {}); // looked at below
    document.body.append(el);
    await waitUntil(() => errors.length === 1, 'an error event');
    const first = await settled(early);
    expect(first).to.not.equal('pending');
    expect((first as { error: unknown }).error).to.have.property('code', 'format');
    for (const call of [() => el.seek(2), () => el.stepFrame(1), () => el.stepFrame(-1), () => el.seek(NaN)]) {
      const result = await settled(call(), 200);
      expect(result, 'settles at once').to.not.equal('pending');
      expect((result as { error: unknown }).error).to.have.property('code', 'format');
      expect((result as { error: Error }).error.message).to.equal(el.error!.message);
    }
    expect(errors).to.have.length(1);
  });

  it('a pending seek rejects when src is removed, and seek() without src rejects at once', async () => {
    const { el } = create({ src: GOOD });
    document.body.append(el);
    await oneEvent(el, 'frame');
    const pending = el.seek(2.5);
    el.src = null;
    const result = await settled(pending);
    expect(result).to.not.equal('pending');
    const again = await settled(el.seek(1), 200);
    expect((again as { error: DOMException }).error.name).to.equal('InvalidStateError');
  });

  it('a pending seek rejects with AbortError once the element is removed for good', async () => {
    const { el } = create({ src: GOOD });
    document.body.append(el);
    await oneEvent(el, 'frame');
    const pending = el.seek(2);
    el.remove();
    const result = await settled(pending, 3000);
    expect(result).to.not.equal('pending');
    if (result !== 'pending' && 'error' in result) expect((result.error as DOMException).name).to.equal('AbortError');
    await sleep(1200);
    expect(el.getVideoPlaybackQuality().openVideoFrames).to.equal(0);
  });

  it('without a fallback, an unsupported codec rejects seeks at once', async () => {
    const { el, unsupported } = create({ src: GOOD, codecHint: UNDECODABLE_HINT });
    document.body.append(el);
    await waitUntil(() => unsupported.length === 1, 'unsupported-codec');
    const result = await settled(el.stepFrame(1), 200);
    expect((result as { error: DOMException }).error.name).to.equal('NotSupportedError');
  });
});

describe('<rerun-video> a load is keyed on all its inputs', function () {
  this.timeout(30_000);

  it('a fallback set after unsupported-codec loads the images, without fetching the MP4 again', async () => {
    await executeServerCommand('request-log', { clear: true });
    const { el, unsupported, errors } = create({ src: GOOD, codecHint: UNDECODABLE_HINT, time: 1 });
    document.body.append(el);
    await waitUntil(() => unsupported.length === 1, 'unsupported-codec');
    expect(unsupported[0].detail).to.include({ reason: 'hint', fallback: false });
    expect(el.shadowRoot!.querySelector('[part=message]')).to.not.equal(null);
    el.fallback = FRAMES;
    const { detail } = await oneEvent(el, 'frame');
    expect(detail.source).to.equal('images');
    expect(detail.index).to.equal(30);
    expect(readFrameCode(el.canvas!)).to.equal(30);
    expect(el.frameCount).to.equal(60);
    expect(el.state).to.equal('fallback');
    expect(el.shadowRoot!.querySelector('[part=message]')).to.equal(null);
    // Taking the fallback away again shows the message.
    el.fallback = null;
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part=message]')).to.not.equal(null);
    expect(await mp4Requests()).to.deep.equal([]);
    expect(unsupported).to.have.length(1);
    expect(errors).to.have.length(0);
  });

  it('a broken fallback manifest, then a good one: the images show', async () => {
    const { el, unsupported, errors } = create({
      src: GOOD,
      codecHint: UNDECODABLE_HINT,
      fallback: `${MEDIA}broken/invalid-json.json`,
    });
    document.body.append(el);
    await waitUntil(() => errors.length === 1, 'a fallback error');
    expect(errors[0].detail.code).to.equal('fallback');
    el.fallback = FRAMES;
    await oneEvent(el, 'frame');
    expect(el.state).to.equal('fallback');
    expect(el.error).to.equal(null);
    expect(readFrameCode(el.canvas!)).to.equal(0);
    expect(unsupported).to.have.length(1);
  });

  it('a codec-hint change decides again: from the fallback message to the video', async () => {
    await executeServerCommand('request-log', { clear: true });
    const { el, unsupported } = create({ src: GOOD, codecHint: UNDECODABLE_HINT, time: 2 });
    document.body.append(el);
    await waitUntil(() => unsupported.length === 1, 'unsupported-codec');
    expect(await mp4Requests()).to.deep.equal([]);
    el.codecHint = 'h264';
    const { detail } = await oneEvent(el, 'frame');
    expect(detail.source).to.equal('video');
    expect(readFrameCode(el.canvas!)).to.equal(60);
    expect(el.state).to.equal('ready');
  });

  it('a hardware-acceleration change rebuilds the decoder on the same bytes, at the same frame', async () => {
    await executeServerCommand('request-log', { clear: true });
    const { el, metadata, errors } = create({ src: GOOD, time: 1 });
    document.body.append(el);
    await oneEvent(el, 'frame');
    const decodedBefore = el.getVideoPlaybackQuality().decodedVideoFrames;
    el.hardwareAcceleration = 'prefer-software';
    await el.updateComplete;
    await waitUntil(() => el.state === 'ready', 'ready again');
    const detail = await el.seek(2);
    expect(detail.index).to.equal(60);
    expect(readFrameCode(el.canvas!)).to.equal(60);
    expect(el.getVideoPlaybackQuality().decodedVideoFrames).to.be.greaterThan(decodedBefore);
    const log = await executeServerCommand('request-log', { match: '.mp4', details: true });
    expect(log).to.have.length(1);
    expect(metadata).to.have.length(1);
    expect(errors).to.have.length(0);
  });
});

describe('<rerun-video> a decode error costs only its GOP (fault injection)', function () {
  this.timeout(60_000);
  const Real = VideoDecoder;

  /** Fails, as on a corrupt sample, every chunk whose timestamp lies in [fromUs, toUs). */
  const failingBetween = (fromUs: number, toUs: number) =>
    faultyDecoder((chunk) => chunk.timestamp >= fromUs && chunk.timestamp < toUs, 'EncodingError');

  afterEach(() => ((globalThis as { VideoDecoder: unknown }).VideoDecoder = Real));

  it('frames in the broken GOP show the nearest frame that decodes, marked inexact; the rest are exact', async () => {
    // h264-nobframes: GOP 30, 90 frames, no reordering. The middle GOP (1.5 s..2 s of it) breaks.
    (globalThis as { VideoDecoder: unknown }).VideoDecoder = failingBetween(1_500_000, 2_000_000);
    const { el, errors } = create({ src: GOOD, time: 0.5 });
    const frames: FrameDetail[] = [];
    el.addEventListener('frame', (e) => frames.push(e.detail));
    document.body.append(el);
    await oneEvent(el, 'frame');
    expect(readFrameCode(el.canvas!)).to.equal(15);

    // Frame 50 lies in the broken GOP: frames 30..44 came out before the failure.
    const inside = await el.seek(el.frameTimestamps[50]);
    expect(inside.exact).to.equal(false);
    expect(inside.index).to.be.within(29, 44);
    expect(readFrameCode(el.canvas!)).to.equal(inside.index);
    expect(inside.requestedTime).to.equal(el.frameTimestamps[50]);

    for (const frame of [70, 10, 89, 0, 60]) {
      const detail = await el.seek(el.frameTimestamps[frame]);
      expect(detail.exact, `frame ${frame}`).to.equal(true);
      expect(detail.index).to.equal(frame);
      expect(readFrameCode(el.canvas!), `frame ${frame}`).to.equal(frame);
    }
    // Stepping through the broken part never hangs: every step settles, inexact ones included.
    await el.seek(el.frameTimestamps[44]);
    for (let i = 0; i < 4; i++) {
      const result = await settled(el.stepFrame(1));
      expect(result, `step ${i}`).to.not.equal('pending');
    }
    expect(errors).to.have.length(0);
    expect(el.state).to.equal('ready');
    expect(frames.filter((f) => !f.exact).length).to.be.greaterThan(0);
  });

  it('a GOP that fails from its first chunk stands in with the previous GOP’s last frame', async () => {
    (globalThis as { VideoDecoder: unknown }).VideoDecoder = failingBetween(1_000_000, 2_000_000);
    const { el, errors } = create({ src: GOOD, time: 1.5 });
    document.body.append(el);
    const { detail } = await oneEvent(el, 'frame');
    expect(detail).to.include({ index: 29, exact: false });
    expect(readFrameCode(el.canvas!)).to.equal(29);
    const after = await el.seek(2.5);
    expect(after).to.include({ index: 75, exact: true });
    expect(readFrameCode(el.canvas!)).to.equal(75);
    expect(errors).to.have.length(0);
  });
});
