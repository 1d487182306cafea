import { expect } from '@open-wc/testing';
import { codecFamily, isKeyFrame, nalLengthSize } from '../../src/decode/keyframes.js';
import { gopStarts } from '../../src/decode/seek-plan.js';
import { openMp4 } from '../../src/mp4/open-mp4.js';
import { MEDIA } from '../helpers/media.js';

const nal = (...units: number[][]) =>
  Uint8Array.from(units.flatMap((unit) => [0, 0, (unit.length >> 8) & 0xff, unit.length & 0xff, ...unit]));

describe('isKeyFrame', () => {
  it('H.264: an IDR slice is key, a non-IDR slice is not, SEI and parameter sets are skipped', () => {
    expect(isKeyFrame('h264', nal([0x06, 1, 2], [0x65, 0x88, 0x84]))).to.equal(true);
    expect(isKeyFrame('h264', nal([0x67, 1], [0x68, 2], [0x65, 0x88]))).to.equal(true);
    expect(isKeyFrame('h264', nal([0x41, 0x9a]))).to.equal(false);
    expect(isKeyFrame('h264', nal([0x06, 1, 2]))).to.equal(null); // no slice
    expect(isKeyFrame('h264', Uint8Array.of(0, 0, 0, 9, 0x65))).to.equal(null); // length past the end
  });

  it('H.265: IRAP slices (IDR, CRA) are key, trailing pictures are not', () => {
    expect(isKeyFrame('h265', nal([19 << 1, 1, 0xaf]))).to.equal(true); // IDR_W_RADL
    expect(isKeyFrame('h265', nal([32 << 1, 1], [21 << 1, 1]))).to.equal(true); // VPS, CRA
    expect(isKeyFrame('h265', nal([1 << 1, 1, 0xd0]))).to.equal(false); // TRAIL_R
  });

  it('VP8 and VP9 frame headers', () => {
    expect(isKeyFrame('vp8', Uint8Array.of(0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a))).to.equal(true);
    expect(isKeyFrame('vp8', Uint8Array.of(0x51, 0x42, 0x00))).to.equal(false);
    // frame_marker 10, profile 0 (00), show_existing 0, frame_type 0 (key) / 1
    expect(isKeyFrame('vp9', Uint8Array.of(0b1000_0010, 0x49))).to.equal(true);
    expect(isKeyFrame('vp9', Uint8Array.of(0b1000_0110, 0x49))).to.equal(false);
    expect(isKeyFrame('vp9', Uint8Array.of(0b1000_1000, 0))).to.equal(false); // show_existing_frame
    expect(isKeyFrame('vp9', Uint8Array.of(0b0000_0000, 0))).to.equal(null); // no frame marker
  });

  it('AV1: the frame header’s frame_type', () => {
    // OBU_FRAME (type 6) with a size field; show_existing_frame 0, frame_type 00 (key) / 01 (inter).
    expect(isKeyFrame('av1', Uint8Array.of((6 << 3) | 2, 2, 0b0001_0000, 0))).to.equal(true);
    expect(isKeyFrame('av1', Uint8Array.of((6 << 3) | 2, 2, 0b0011_0000, 0))).to.equal(false);
    // A temporal delimiter, then a frame header OBU.
    expect(isKeyFrame('av1', Uint8Array.of((2 << 3) | 2, 0, (3 << 3) | 2, 1, 0b0001_0000))).to.equal(true);
    expect(isKeyFrame('av1', Uint8Array.of(0x80))).to.equal(null); // forbidden bit
  });

  for (const name of ['h264-bframes', 'h264-longgop', 'av1', 'vp9', 'vp8', 'h265']) {
    it(`agrees with every sync flag of ${name}.mp4`, async () => {
      const { track, bytes } = await openMp4(new URL(`${MEDIA}${name}.mp4`, location.href).href, {
        signal: new AbortController().signal,
        credentials: 'same-origin',
      });
      const family = codecFamily(track.codec);
      const lengthSize = nalLengthSize(family, track.description);
      const keys: number[] = [];
      const { offsets, sizes, keys: flags, count } = track.samples;
      for (let i = 0; i < count; i++) {
        const key = isKeyFrame(family, await bytes.read(offsets[i], sizes[i]), lengthSize);
        expect(key, `sample ${i}`).to.equal(flags[i] === 1);
        if (key) keys.push(i);
      }
      expect(keys.length).to.be.greaterThan(1);
    });
  }
});

describe('gopStarts', () => {
  it('gives each sample its GOP’s key sample, and -1 before the first key', () => {
    const flags = [0, 0, 1, 0, 0, 1, 0];
    expect([...gopStarts(flags)]).to.deep.equal([-1, -1, 2, 2, 2, 5, 5]);
  });
});
