import { expect } from '@open-wc/testing';
import { FrameCache } from '../../src/decode/frame-cache.js';

class Item {
  closed = false;
  constructor(readonly id: number) {}
  close() {
    this.closed = true;
  }
}

describe('FrameCache', () => {
  it('sizes its capacity from the frame size and the byte budget', () => {
    expect(new FrameCache(1920 * 1080 * 4, 100 * 1920 * 1080).capacity).to.equal(25);
    expect(new FrameCache(3840 * 2160 * 4, 1).capacity).to.equal(2);
  });

  it('resizes to the size of a copied frame, evicting the farthest beyond the new capacity', () => {
    const cache = new FrameCache<Item>(4, 16);
    expect(cache.capacity).to.equal(4);
    cache.resize(2);
    expect(cache.capacity).to.equal(8);
    const items = [1, 2, 3, 4, 5, 6].map((i) => new Item(i));
    items.forEach((item, i) => cache.put(i + 1, item, 6));
    expect(cache.size).to.equal(6);
    cache.resize(4, 6); // back to bitmaps: 4 fit
    expect([cache.capacity, cache.frameBytes, cache.size]).to.deep.equal([4, 4, 4]);
    expect(items.map((item) => item.closed)).to.deep.equal([true, true, false, false, false, false]);
  });

  it('evicts and closes the frame farthest from the playhead', () => {
    const cache = new FrameCache<Item>(1, 3);
    const items = [10, 11, 12, 13].map((i) => new Item(i));
    cache.put(10, items[0], 12);
    cache.put(11, items[1], 12);
    cache.put(12, items[2], 12);
    cache.put(13, items[3], 12);
    expect(cache.size).to.equal(3);
    expect(cache.has(10)).to.equal(false);
    expect(items[0].closed).to.equal(true);
    expect(items.slice(1).every((item) => !item.closed)).to.equal(true);
  });

  it('wants only frames that would survive', () => {
    const cache = new FrameCache<Item>(1, 2);
    cache.put(5, new Item(5), 5);
    expect(cache.wants(5, 5)).to.equal(false);
    cache.put(6, new Item(6), 5);
    expect(cache.wants(40, 5)).to.equal(false);
    expect(cache.wants(4, 4)).to.equal(true);
  });

  it('closes everything on clear', () => {
    const cache = new FrameCache<Item>(1, 8);
    const items = [1, 2, 3].map((i) => new Item(i));
    items.forEach((item) => cache.put(item.id, item, 0));
    cache.clear();
    expect(cache.size).to.equal(0);
    expect(items.every((item) => item.closed)).to.equal(true);
  });

  it('replacing an entry closes the old one', () => {
    const cache = new FrameCache<Item>(1, 8);
    const first = new Item(1);
    cache.put(1, first, 1);
    cache.put(1, new Item(1), 1);
    expect(first.closed).to.equal(true);
    expect(cache.size).to.equal(1);
  });
});

describe('FrameCache.wants', () => {
  it('skips frames farther from the playhead than the cache can span', () => {
    const cache = new FrameCache<Item>(1, 4);
    expect(cache.wants(10, 14)).to.equal(false);
    expect(cache.wants(11, 14)).to.equal(true);
  });
});
