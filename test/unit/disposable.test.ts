import { expect } from '@open-wc/testing';
import { avcLengthSize, isDisposableH264 } from '../../src/decode/disposable.js';

/** A length-prefixed (4-byte) sample from NAL units given as [header byte, payload size]. */
function sample(...nals: Array<[number, number]>): Uint8Array {
  const parts = nals.flatMap(([header, size]) => [0, 0, 0, size + 1, header, ...new Array(size).fill(0xab)]);
  return Uint8Array.from(parts);
}

describe('isDisposableH264', () => {
  it('is true for non-reference slices (nal_ref_idc 0)', () => {
    expect(isDisposableH264(sample([0x01, 10]), 4)).to.equal(true);
    // An SEI (type 6) before the slice does not change that.
    expect(isDisposableH264(sample([0x06, 3], [0x01, 10]), 4)).to.equal(true);
  });

  it('is false for reference pictures and IDRs', () => {
    expect(isDisposableH264(sample([0x21, 10]), 4)).to.equal(false);
    expect(isDisposableH264(sample([0x41, 10]), 4)).to.equal(false);
    expect(isDisposableH264(sample([0x65, 10]), 4)).to.equal(false);
    expect(isDisposableH264(sample([0x01, 10], [0x21, 10]), 4)).to.equal(false);
  });

  it('is false when unsure: no slice, bad lengths, unknown length size', () => {
    expect(isDisposableH264(sample([0x06, 3]), 4)).to.equal(false);
    expect(isDisposableH264(sample([0x01, 10]).subarray(0, 8), 4)).to.equal(false);
    expect(isDisposableH264(sample([0x01, 10]), 0)).to.equal(false);
  });
});

describe('avcLengthSize', () => {
  it('reads lengthSizeMinusOne from an avcC record', () => {
    expect(avcLengthSize(Uint8Array.from([1, 0x64, 0, 0x1f, 0xff, 0xe1]))).to.equal(4);
    expect(avcLengthSize(Uint8Array.from([1, 0x64, 0, 0x1f, 0xfd, 0xe1]))).to.equal(2);
    expect(avcLengthSize(undefined)).to.equal(0);
    expect(avcLengthSize(Uint8Array.from([0, 0, 0, 0, 0]))).to.equal(0);
  });
});
