import { expect } from '@open-wc/testing';
import { FrameDecoder, decoderConfig } from '../../src/decode/frame-decoder.js';
import { FrameCopier, type FrameCopy } from '../../src/decode/frame-copy.js';
import { openMp4 } from '../../src/mp4/open-mp4.js';
import { drawFrameCode, readCodeFromImageSource } from '../helpers/frame-code.js';
import { MEDIA, sleep } from '../helpers/media.js';

const isWebKit = navigator.userAgent.includes('AppleWebKit') && !navigator.userAgent.includes('Chrome');

/** The formats whose frames the copier keeps as planes (frame-copy.ts). */
const PLANAR = ['I420', 'I420A', 'I422', 'I444', 'NV12'];

/** The first `count` frames of a fixture in presentation order, decoded by the browser's decoder. */
async function decodeFrames(name: string, count: number): Promise<VideoFrame[]> {
  const { track, bytes } = await openMp4(new URL(`${MEDIA}${name}.mp4`, location.href).href, {
    signal: new AbortController().signal,
    credentials: 'same-origin',
  });
  const config = decoderConfig(track, 'no-preference');
  if (!(await VideoDecoder.isConfigSupported(config)).supported) return [];
  const frames: VideoFrame[] = [];
  let failure: DOMException | null = null;
  const decoder = new VideoDecoder({ output: (frame) => frames.push(frame), error: (error) => (failure = error) });
  decoder.configure(config);
  const { offsets, sizes, keys, timestampsUs } = track.samples;
  // Decode order, past `count` by enough for the reordered frames before it to come out.
  for (let i = 0; i < Math.min(track.samples.count, count + 8); i++) {
    const data = await bytes.read(offsets[i], sizes[i]);
    decoder.decode(new EncodedVideoChunk({ type: keys[i] ? 'key' : 'delta', timestamp: timestampsUs[i], data }));
  }
  await decoder.flush();
  decoder.close();
  bytes.close();
  if (failure) throw failure;
  frames.sort((a, b) => a.timestamp - b.timestamp);
  for (const frame of frames.splice(count)) frame.close();
  return frames;
}

/** A 320x240 I420 VideoFrame made from bytes, carrying `code` in its band. */
function codedI420Frame(code: number, timestamp = code): VideoFrame {
  const width = 320;
  const height = 240;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#808080';
  context.fillRect(0, 0, width, height);
  drawFrameCode(context, code, width, height);
  const rgba = context.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 1.5).fill(128);
  for (let i = 0; i < width * height; i++) data[i] = rgba[i * 4]; // grey: luma = R
  return new VideoFrame(data, { format: 'I420', codedWidth: width, codedHeight: height, timestamp });
}

const codeOf = (copy: FrameCopy, width = 320, height = 240) => {
  let code = -1;
  copy.draw((image) => (code = readCodeFromImageSource(image, width, height)));
  return code;
};

describe('FrameCopier', () => {
  // WebKitGTK 2.50 cannot copyTo an I444 frame ("Unable to copy data"): bitmaps there.
  const planesCopy = (format: VideoPixelFormat | null) => format !== null && PLANAR.includes(format) && !(format === 'I444' && isWebKit);
  for (const name of ['h264-bframes', 'edge-h264-444', 'av1']) {
    it(`${name}: a decoded frame is kept by its planes when planar (else as a bitmap) and paints the same picture, again and again`, async function () {
      const frames = await decodeFrames(name, 12);
      if (!frames.length) this.skip(); // edge-h264-444 does not decode everywhere
      expect(frames).to.have.length(12);
      const copier = new FrameCopier();
      const copies: FrameCopy[] = [];
      for (const [i, frame] of frames.entries()) {
        const { displayWidth: width, displayHeight: height, format } = frame;
        const code = readCodeFromImageSource(frame, width, height);
        expect(code, `frame ${i} as decoded`).to.equal(i);
        const rect = frame.visibleRect!;
        const planeBytes = frame.allocationSize({ rect: { x: rect.x, y: rect.y, width: rect.width, height: rect.height } });
        const copy = await copier.copy(frame);
        frame.close(); // the copy outlives the decoder's frame
        const planar = planesCopy(format);
        expect(copy.kind, `frame ${i}, ${format}`).to.equal(planar ? 'planes' : 'bitmap');
        expect(copy.bytes).to.equal(planar ? planeBytes : width * height * 4);
        expect(codeOf(copy, width, height), `frame ${i} from its copy`).to.equal(i);
        copies.push(copy);
      }
      // Painted again, after the later copies (and their reuse of closed copies' buffers).
      copies[0].close();
      copies[1].close();
      const next = await decodeFrames(name, 1);
      const reused = await copier.copy(next[0]);
      next[0].close();
      expect(codeOf(reused)).to.equal(0);
      for (const [i, copy] of copies.entries()) if (i > 1) expect(codeOf(copy), `frame ${i} painted again`).to.equal(i);
      for (const copy of [...copies, reused]) copy.close();
    });
  }

  it('reuses the buffer of a closed plane copy, never one still open', async () => {
    const copier = new FrameCopier();
    const copies: FrameCopy[] = [];
    for (const code of [1, 2, 3]) {
      const frame = codedI420Frame(code);
      copies.push(await copier.copy(frame));
      frame.close();
    }
    expect(copies.map((copy) => copy.kind)).to.deep.equal(['planes', 'planes', 'planes']);
    copies[1].close();
    expect(() => codeOf(copies[1])).to.throw('closed');
    for (const code of [4, 5]) {
      const frame = codedI420Frame(code);
      copies.push(await copier.copy(frame));
      frame.close();
    }
    expect([0, 2, 3, 4].map((i) => codeOf(copies[i]))).to.deep.equal([1, 3, 4, 5]);
    for (const copy of copies) copy.close();
  });

  it('a plane copy that fails falls back to a bitmap, and so do the frames after it', async () => {
    /** A real VideoFrame whose copyTo fails, as a browser's may for a format it cannot copy. */
    class UncopyableFrame extends VideoFrame {
      override copyTo(): Promise<PlaneLayout[]> {
        return Promise.reject(new DOMException('Injected failure', 'NotSupportedError'));
      }
    }
    const copier = new FrameCopier();
    const source = codedI420Frame(7);
    const failing = new UncopyableFrame(source, { timestamp: 7 });
    source.close();
    const first = await copier.copy(failing);
    failing.close();
    expect(first.kind).to.equal('bitmap');
    expect(codeOf(first)).to.equal(7);
    const plain = codedI420Frame(8);
    const second = await copier.copy(plain);
    plain.close();
    expect(second.kind).to.equal('bitmap');
    expect(codeOf(second)).to.equal(8);
    first.close();
    second.close();
  });

  it('a frame in an RGB format is kept as a bitmap', async () => {
    const canvas = new OffscreenCanvas(320, 240);
    const context = canvas.getContext('2d')!;
    drawFrameCode(context, 9, 320, 240);
    const frame = new VideoFrame(canvas, { timestamp: 0 });
    const copy = await new FrameCopier().copy(frame);
    const format = frame.format;
    frame.close();
    expect(format === null || !PLANAR.includes(format), `format ${format}`).to.equal(true);
    expect(copy.kind).to.equal('bitmap');
    expect(codeOf(copy)).to.equal(9);
    copy.close();
  });
});

describe('FrameDecoder stepping back through the frame cache', () => {
  it('sizes the cache by the copies it will make before the first pass keeps frames', async () => {
    const { track, bytes } = await openMp4(new URL(`${MEDIA}h264-bframes.mp4`, location.href).href, {
      signal: new AbortController().signal,
      credentials: 'same-origin',
    });
    const [probe] = await decodeFrames('h264-bframes', 1);
    const copyBytes = new FrameCopier().sizeOf(probe);
    probe.close();
    const bitmapBytes = track.displayWidth * track.displayHeight * 4;
    // Room for 4 bitmaps; planes (1.5 bytes a pixel) fit 10.
    const cacheBytes = bitmapBytes * 4 + 1;
    const capacity = Math.floor(cacheBytes / copyBytes);
    const counters = { decoded: 0, open: 0 };
    const painted: number[] = [];
    const decoder = new FrameDecoder({
      track,
      bytes,
      hardwareAcceleration: 'no-preference',
      cacheBytes,
      counters,
      paint: (image, index) => {
        expect(readCodeFromImageSource(image as CanvasImageSource, track.displayWidth, track.displayHeight), `frame ${index}`).to.equal(index);
        painted.push(index);
      },
      onFatal: (error) => {
        throw error;
      },
    });
    try {
      expect(await decoder.show(29)).to.equal(29);
      expect(await decoder.show(28)).to.equal(28); // a step back: this pass fills the cache
      await sleep(300); // the copies land
      const decoded = counters.decoded;
      // The frames below, half as many as fit (the cache keeps those just after 28 that came
      // out too: WebKit's decoder lets out 29-31 on the way), are paints: nothing is decoded.
      const steps = capacity >> 1;
      for (let index = 27; index > 27 - steps; index--) expect(await decoder.show(index)).to.equal(index);
      expect(counters.decoded - decoded, `decodes for ${steps} steps back (cache of ${capacity} frames of ${copyBytes} bytes)`).to.equal(0);
      expect(painted.slice(-steps)).to.deep.equal(Array.from({ length: steps }, (_, i) => 27 - i));
    } finally {
      decoder.close();
      bytes.close();
    }
  });
});
