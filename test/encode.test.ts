import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../src/index.js';
import type { RerunVideo } from '../src/index.js';
import { readCodeFromImageSource, readFrameCode } from './helpers/frame-code.js';
import { MEDIA, sleep } from './helpers/media.js';

/**
 * The round trip of bin/rerun-video-encode.mjs: test/fixtures/make-encoded.sh encodes 40
 * frame-coded images (image i carries code i) at variable timestamps from 0.5 s; every input
 * timestamp must show its own image. scripts/check-encode.mjs checks the same with ffmpeg for
 * H.264, AV1 and VP9.
 */
interface EncodedInfo {
  codecHint: string;
  width: number;
  height: number;
  /** The timestamps the images were given (seconds), in image order. */
  timestamps: number[];
}

const SRC = `${MEDIA}encoded/encoded-vfr.mp4`;
const isChromium = navigator.userAgent.includes('Chrome/');

async function load(hint?: string): Promise<RerunVideo> {
  const el = await fixture<RerunVideo>(html`<rerun-video src=${SRC} codec-hint=${hint ?? ''}></rerun-video>`);
  await oneEvent(el, 'frame');
  return el;
}

/** What a `<video>` shows at `time`, read back as a frame code. */
async function videoCodeAt(video: HTMLVideoElement, time: number): Promise<number> {
  const presented = new Promise<void>((resolve) => video.requestVideoFrameCallback?.(() => resolve()));
  video.currentTime = time;
  await oneEvent(video, 'seeked');
  await Promise.race([presented, sleep(300)]);
  return readCodeFromImageSource(video, video.videoWidth, video.videoHeight);
}

describe('rerun-video-encode output in <rerun-video>', function () {
  this.timeout(60_000);
  let info: EncodedInfo;
  before(async () => {
    const response = await fetch(`${MEDIA}encoded/encoded-vfr.json`);
    if (!response.ok) throw new Error(`run test/fixtures/make-encoded.sh: HTTP ${response.status}`);
    info = (await response.json()) as EncodedInfo;
  });

  it('has exactly the input timestamps, the first one kept (0.5 s)', async () => {
    const el = await load();
    expect(el.state).to.equal('ready');
    expect(el.videoWidth).to.equal(info.width);
    expect(el.videoHeight).to.equal(info.height);
    expect(el.frameCount).to.equal(info.timestamps.length);
    expect(el.frameTimestamps[0]).to.be.closeTo(0.5, 1e-9);
    el.frameTimestamps.forEach((t, i) => expect(t, `frame ${i}`).to.be.closeTo(info.timestamps[i], 1e-5));
    expect(el.duration).to.be.greaterThan(info.timestamps[info.timestamps.length - 1]);
  });

  it('shows image i at input timestamp i, and image i - 1 just before it', async () => {
    const el = await load(info.codecHint);
    const last = info.timestamps.length - 1;
    const cases: Array<[number, number]> = info.timestamps.flatMap((t, i): Array<[number, number]> => [
      [t, i],
      [t - 0.0005, Math.max(0, i - 1)], // the shortest interval is 20 ms
    ]);
    cases.push([0, 0], [info.timestamps[last] + 10, last]);
    // Out of order on purpose: backward jumps across key frames as well as forward steps.
    cases.sort((a, b) => ((a[1] * 7919) % 17) - ((b[1] * 7919) % 17) || a[0] - b[0]);
    for (const [time, expected] of cases) {
      const detail = await el.seek(time);
      expect(readFrameCode(el.canvas!), `pixels at ${time}`).to.equal(expected);
      expect(detail.index, `index at ${time}`).to.equal(expected);
      expect(detail.timestamp).to.be.closeTo(info.timestamps[expected], 1e-5);
    }
  });

  it('takes the codec-hint the command printed', async () => {
    expect(info.codecHint).to.match(/^avc1\.64[0-9a-f]{4}$/);
    const el = await load(info.codecHint);
    expect(el.state).to.equal('ready');
    expect(el.codec.toLowerCase()).to.equal(info.codecHint);
  });

  // Measured in Chromium only (its <video> reads MP4 with FFmpeg, as ffprobe does).
  it('agrees with <video>: the same image at each timestamp, after the empty edit', async function () {
    if (!isChromium) this.skip();
    const video = document.createElement('video');
    video.muted = true;
    video.src = SRC;
    document.body.append(video);
    try {
      await oneEvent(video, 'loadeddata');
      for (const i of [0, 1, 2, 3, 4, 19, 20, 21, 39]) {
        expect(await videoCodeAt(video, info.timestamps[i]), `<video> at ${info.timestamps[i]}`).to.equal(i);
      }
    } finally {
      video.remove();
    }
  });
});
