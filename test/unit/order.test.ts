import { expect } from '@open-wc/testing';
import { sortByTime } from '../../src/mp4/order.js';

const reference = (times: number[]) => Array.from(times.keys()).sort((a, b) => times[a] - times[b] || a - b);
const identity = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

describe('sortByTime', () => {
  it('sorts B-frame orders (reordered a few places), ties by decode index', () => {
    // I P B B P B B …: decode order 0 3 1 2 6 4 5 …, with a repeated time now and then.
    const times: number[] = [];
    for (let g = 0; g < 2000; g++) times.push(3 * g, 3 * g + 3, 3 * g + 1, 3 * g + 2);
    times[10] = times[11];
    expect(Array.from(sortByTime(identity(times.length), times))).to.deep.equal(reference(times));
  });

  it('sorts an order that is not nearly sorted (falls back to a full sort)', () => {
    let seed = 7;
    const times = Array.from({ length: 5000 }, () => (seed = (seed * 48271) % 2147483647) % 1000);
    expect(Array.from(sortByTime(identity(times.length), times))).to.deep.equal(reference(times));
  });
});
