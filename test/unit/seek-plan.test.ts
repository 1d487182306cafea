import { expect } from '@open-wc/testing';
import { frameForTime, keySampleFor, planSeek, type RunState } from '../../src/decode/seek-plan.js';

/** Key flags of a stream with a key every `gop` samples. */
function samples(count: number, gop: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => (i % gop === 0 ? 1 : 0));
}

const run = (start: number, next: number, emitted: number[] = []): RunState => ({
  start,
  next,
  emitted: new Set(emitted),
});

describe('frameForTime', () => {
  const timestamps = [0, 0.04, 0.1, 0.1333, 0.5];

  it('picks the latest frame at or before the time', () => {
    expect(frameForTime(timestamps, 0)).to.equal(0);
    expect(frameForTime(timestamps, 0.039999)).to.equal(0);
    expect(frameForTime(timestamps, 0.04)).to.equal(1);
    expect(frameForTime(timestamps, 0.12)).to.equal(2);
    expect(frameForTime(timestamps, 0.1333)).to.equal(3);
    expect(frameForTime(timestamps, 0.4999)).to.equal(3);
  });

  it('clamps before the start and past the end', () => {
    expect(frameForTime(timestamps, -5)).to.equal(0);
    expect(frameForTime(timestamps, 99)).to.equal(4);
    expect(frameForTime(timestamps, Infinity)).to.equal(4);
    expect(frameForTime(timestamps, -Infinity)).to.equal(0);
  });

  it('treats NaN as the first frame and an empty table as no frame', () => {
    expect(frameForTime(timestamps, NaN)).to.equal(0);
    expect(frameForTime([], 1)).to.equal(-1);
  });

  it('works when the first frame starts late', () => {
    expect(frameForTime([15.46, 15.5], 0)).to.equal(0);
    expect(frameForTime([15.46, 15.5], 15.49)).to.equal(0);
  });
});

describe('keySampleFor', () => {
  it('finds the key sample at or before a sample', () => {
    const table = samples(100, 30);
    expect(keySampleFor(table, 0)).to.equal(0);
    expect(keySampleFor(table, 29)).to.equal(0);
    expect(keySampleFor(table, 30)).to.equal(30);
    expect(keySampleFor(table, 75)).to.equal(60);
  });
});

describe('planSeek', () => {
  const table = samples(120, 30);

  it('restarts from the key frame when nothing runs', () => {
    expect(planSeek(run(-1, 0), 45, keySampleFor(table, 45), 4)).to.deep.equal({ kind: 'restart', from: 30 });
  });

  it('continues forward inside the running GOP', () => {
    expect(planSeek(run(30, 41), 45, keySampleFor(table, 45), 4)).to.deep.equal({ kind: 'continue' });
  });

  it('continues for a frame fed but not yet output (reordering)', () => {
    expect(planSeek(run(30, 50), 45, keySampleFor(table, 45), 4)).to.deep.equal({ kind: 'continue' });
  });

  it('restarts for a frame that was already output', () => {
    expect(planSeek(run(30, 50, [44, 45]), 45, keySampleFor(table, 45), 4)).to.deep.equal({ kind: 'restart', from: 30 });
  });

  it('restarts for a frame behind the running GOP', () => {
    expect(planSeek(run(60, 62), 45, keySampleFor(table, 45), 4)).to.deep.equal({ kind: 'restart', from: 30 });
  });

  it('decodes through into the next GOP when it is close', () => {
    expect(planSeek(run(30, 58), 61, keySampleFor(table, 61), 4)).to.deep.equal({ kind: 'continue' });
  });

  it('jumps to a later GOP instead of decoding everything before it', () => {
    expect(planSeek(run(0, 5), 95, keySampleFor(table, 95), 4)).to.deep.equal({ kind: 'jump', from: 90 });
  });
});
