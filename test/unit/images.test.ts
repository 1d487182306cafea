import { expect } from '@open-wc/testing';
import { ImageSequence, windowFrames } from '../../src/images/image-sequence.js';
import { loadManifest, parseManifest } from '../../src/images/manifest.js';
import { RerunVideoError } from '../../src/errors.js';
import { readCodeFromImageSource } from '../helpers/frame-code.js';
import { MEDIA } from '../helpers/media.js';

const BASE = new URL(`${MEDIA}h265-frames/manifest.json`, location.href).href;

function parseError(text: string): RerunVideoError {
  try {
    parseManifest(text, BASE);
  } catch (error) {
    expect(error).to.be.instanceOf(RerunVideoError);
    return error as RerunVideoError;
  }
  throw new Error(`parsed: ${text}`);
}

describe('image manifest', () => {
  it('resolves srcs against the manifest and sorts by timestamp', () => {
    const m = parseManifest(
      JSON.stringify({ width: 160, height: 120, frames: [{ timestamp: 0.5, src: 'b.jpg' }, { timestamp: 0, src: '../a.jpg' }] }),
      BASE,
    );
    expect(m.timestamps).to.deep.equal([0, 0.5]);
    expect(m.urls).to.deep.equal([new URL(`${MEDIA}a.jpg`, location.href).href, new URL('b.jpg', BASE).href]);
    expect([m.width, m.height]).to.deep.equal([160, 120]);
  });

  it('says what is wrong with a bad manifest, with code fallback', () => {
    const cases: Array<[string, RegExp]> = [
      ['{ "frames": [', /not JSON/],
      ['[]', /object/],
      ['{}', /"frames" must be an array/],
      ['{ "frames": [] }', /empty/],
      ['{ "frames": [{ "src": "a.jpg" }] }', /frames\[0\]\.timestamp/],
      ['{ "frames": [{ "timestamp": 0 }] }', /frames\[0\]\.src/],
      ['{ "width": -1, "frames": [{ "timestamp": 0, "src": "a.jpg" }] }', /"width"/],
    ];
    for (const [text, message] of cases) {
      const error = parseError(text);
      expect(error.code, text).to.equal('fallback');
      expect(error.message, text).to.match(message);
    }
  });

  it('a manifest that is not there is a fallback error naming the status', async () => {
    const signal = new AbortController().signal;
    const error = await loadManifest(`${MEDIA}broken/nope.json`, { signal, credentials: 'same-origin' }).catch((e) => e);
    expect(error).to.be.instanceOf(RerunVideoError);
    expect(error.code).to.equal('fallback');
    expect(error.message).to.contain('404');
  });
});

describe('ImageSequence', function () {
  this.timeout(30_000);

  it('sizes its window from the image size, within bounds', () => {
    expect(windowFrames(160, 120)).to.equal(24);
    expect(windowFrames(1920, 1080)).to.equal(8);
    expect(windowFrames(3840, 2160)).to.equal(3);
  });

  it('paints the requested images, keeps at most a window of bitmaps, and closes them all', async () => {
    const manifest = await loadManifest(`${MEDIA}h265-frames/scrub-300.json`, {
      signal: new AbortController().signal,
      credentials: 'same-origin',
    });
    const counters = { decoded: 0, open: 0 };
    const painted: number[] = [];
    // A small budget: 160x120 images, 4 of them.
    const sequence = new ImageSequence(manifest, {
      credentials: 'same-origin',
      windowBytes: 160 * 120 * 4 * 4,
      counters,
      paint: (image, index) => painted.push(index * 1000 + readCodeFromImageSource(image, 160, 120)),
    });
    expect(sequence.behind + sequence.ahead + 1).to.equal(4);
    let most = 0;
    try {
      for (const index of [0, 1, 2, 150, 299, 298, 61, 5]) {
        await sequence.show(index);
        most = Math.max(most, counters.open);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      most = Math.max(most, counters.open);
      expect(sequence.decodedImages).to.be.at.most(4);
    } finally {
      sequence.close();
    }
    expect(painted).to.deep.equal([0, 1, 2, 150, 299, 298, 61, 5].map((i) => i * 1000 + (i % 60)));
    expect(most).to.be.at.most(4 + 4); // the window plus what was decoding while it moved
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(counters.open).to.equal(0);
    expect(counters.decoded).to.be.at.least(8);
  });

  it('a newer request supersedes an older one, which rejects with AbortError and never paints', async () => {
    const manifest = await loadManifest(`${MEDIA}h265-frames/scrub-300.json`, {
      signal: new AbortController().signal,
      credentials: 'same-origin',
    });
    const painted: number[] = [];
    const sequence = new ImageSequence(manifest, {
      credentials: 'same-origin',
      counters: { decoded: 0, open: 0 },
      paint: (_, i) => painted.push(i),
    });
    try {
      const first = sequence.show(200);
      const second = sequence.show(20);
      const [a, b] = await Promise.allSettled([first, second]);
      expect(a.status).to.equal('rejected');
      expect((a as PromiseRejectedResult).reason.name).to.equal('AbortError');
      expect(b.status).to.equal('fulfilled');
      expect(painted).to.deep.equal([20]);
    } finally {
      sequence.close();
    }
  });
});
