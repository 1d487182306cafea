/**
 * Large frames presented through a `<video>` while playing with `resolution="display"`
 * (src/presenter.ts, Chromium's MediaStreamTrackGenerator). The size threshold is lowered so
 * that the 320x240 fixtures take the path; the frames the `<video>` shows are read back from
 * its pixels, as the canvas's are elsewhere.
 */
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import '../src/index.js';
import type { RerunVideo } from '../src/index.js';
import { PRESENTER, streamPresentable } from '../src/presenter.js';
import { readFrameCode } from './helpers/frame-code.js';
import { MEDIA, sleep } from './helpers/media.js';

const cleanup: RerunVideo[] = [];
afterEach(() => {
  for (const el of cleanup.splice(0)) el.remove();
});

async function element(src: string): Promise<RerunVideo> {
  const el = document.createElement('rerun-video');
  cleanup.push(el);
  el.setAttribute('resolution', 'display');
  el.style.width = '320px';
  el.src = src;
  document.body.append(el);
  await oneEvent(el, 'loadeddata');
  return el;
}

/** The frame shown at the element's current time. */
function frameAt(el: RerunVideo): number {
  let index = 0;
  while (index + 1 < el.frameTimestamps.length && el.frameTimestamps[index + 1] <= el.currentTime) index++;
  return index;
}

const presenterOf = (el: RerunVideo) => el.shadowRoot!.querySelector<HTMLVideoElement>('video.presenter');

/** The frame code the `<video>` shows now, read from its pixels. */
function codeOf(video: HTMLVideoElement): number {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d')!.drawImage(video, 0, 0);
  return readFrameCode(canvas);
}

describe('large frames are presented through a <video> while playing (resolution="display")', function () {
  this.timeout(30_000);
  const saved = { ...PRESENTER };
  beforeEach(() => (PRESENTER.minPixels = 0));
  afterEach(() => Object.assign(PRESENTER, saved));

  it('where there is no MediaStreamTrackGenerator, there is no <video> and the canvas plays', async function () {
    if (streamPresentable) this.skip(); // Chromium: the tests below
    const el = await element(`${MEDIA}h264-bframes.mp4`);
    expect(presenterOf(el)).to.equal(null);
    await el.play();
    await waitUntil(() => el.currentTime > 0.5, 'playing', { timeout: 10_000 });
    el.pause();
    await sleep(100);
    expect(readFrameCode(el.canvas!)).to.equal(frameAt(el));
  });

  it('the <video> shows the frames played, in order; on pause the canvas has the frame shown', async function () {
    if (!streamPresentable) this.skip(); // Firefox, WebKit: the test above
    const el = await element(`${MEDIA}h264-bframes.mp4`);
    const video = presenterOf(el)!;
    expect(video, 'a <video> in display resolution').to.not.equal(null);
    expect(video.classList.contains('on'), 'not seen before playing').to.equal(false);
    const indices: number[] = [];
    el.addEventListener('frame', (e) => indices.push(e.detail.index));
    await el.play();
    await waitUntil(() => video.classList.contains('on'), 'the <video> shows the frames', { timeout: 5_000 });
    // Its own frame callbacks: the compositor shows what is written.
    const shown: number[] = [];
    const watch = () => video.requestVideoFrameCallback(() => {
      shown.push(codeOf(video));
      if (shown.length < 20) watch();
    });
    watch();
    await waitUntil(() => shown.length >= 20, '20 frames on the <video>', { timeout: 5_000 });
    for (let i = 1; i < shown.length; i++) expect(shown[i], `codes ${shown.join(',')}`).to.be.greaterThan(shown[i - 1]);
    // Nothing is painted on the canvas meanwhile: it still has a frame from before the 20.
    expect(readFrameCode(el.canvas!)).to.be.lessThan(shown[0]);
    el.pause();
    await sleep(50);
    expect(video.classList.contains('on'), 'not seen once paused').to.equal(false);
    const index = frameAt(el);
    expect(indices[indices.length - 1]).to.equal(index);
    expect(readFrameCode(el.canvas!), 'the canvas has the frame shown').to.equal(index);
    for (let i = 1; i < indices.length; i++) expect(indices[i]).to.be.greaterThan(indices[i - 1]);
    el.remove();
    await sleep(1300); // torn down 1 s after removal
    expect(el.getVideoPlaybackQuality().openVideoFrames).to.equal(0);
  });

  it('a picture under the threshold, or a turned one, is painted on the canvas while playing', async function () {
    if (!streamPresentable) this.skip();
    PRESENTER.minPixels = 320 * 240; // not more than it
    for (const file of ['h264-bframes.mp4', 'edge-mirror-rot90.mp4']) {
      if (file !== 'h264-bframes.mp4') PRESENTER.minPixels = 0;
      const el = await element(`${MEDIA}${file}`);
      const seen: boolean[] = [];
      el.addEventListener('frame', () => seen.push(presenterOf(el)!.classList.contains('on')));
      await el.play();
      await waitUntil(() => seen.length >= Math.min(30, el.frameCount - 1), 'frames played', { timeout: 10_000 });
      el.pause();
      expect(seen.filter(Boolean).length, `${file}: frames the <video> showed`).to.equal(0);
      el.remove();
    }
  });

  it('a new src while presenting: the new file shows on the canvas, the <video> is not seen', async function () {
    if (!streamPresentable) this.skip();
    const el = await element(`${MEDIA}h264-bframes.mp4`);
    const video = presenterOf(el)!;
    await el.play();
    await waitUntil(() => video.classList.contains('on'), 'presenting', { timeout: 5_000 });
    const errors: unknown[] = [];
    el.addEventListener('error', (e) => errors.push(e.detail));
    const loaded = oneEvent(el, 'loadeddata');
    el.src = `${MEDIA}h264-nobframes.mp4`;
    await loaded;
    await sleep(300);
    el.pause();
    await sleep(50);
    const index = frameAt(el);
    expect(readFrameCode(el.canvas!), 'the new file\'s frame').to.equal(index);
    expect(el.frameCount).to.equal(90);
    expect(presenterOf(el)?.classList.contains('on') ?? false).to.equal(false);
    expect(errors).to.deep.equal([]);
  });
});
