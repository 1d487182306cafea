import { expect } from '@open-wc/testing';
import { MEDIA } from '../helpers/media.js';
import { boxAt, caseSeed, mulberry32, mutate, MUTATION_KINDS, Rng, walkBoxes, type Box } from '../helpers/mutate.js';

/** A box: 32-bit size + fourcc + payload; `size` overrides the size field. */
function box(type: string, payload: Uint8Array | Uint8Array[], size?: number): Uint8Array {
  const body = concat(Array.isArray(payload) ? payload : [payload]);
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setUint32(0, size ?? out.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  return out;
}

/** A box with a 64-bit largesize (size field 1). */
function largeBox(type: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 1);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  view.setUint32(8, 0);
  view.setUint32(12, out.length);
  out.set(payload, 16);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const bytes = (n: number, fill = 0xab) => new Uint8Array(n).fill(fill);

/** ftyp, moov{ mvhd, trak{ mdia{ minf{ stbl{ stsz, stco } } } }, trak{ tkhd } }, large mdat, free to end. */
function sample(): Uint8Array {
  const stbl = box('stbl', [box('stsz', bytes(12)), box('stco', bytes(8))]);
  return concat([
    box('ftyp', bytes(8, 0x20)),
    box('moov', [box('mvhd', bytes(20)), box('trak', box('mdia', box('minf', stbl))), box('trak', box('tkhd', bytes(4)))]),
    largeBox('mdat', bytes(100, 0x55)),
    box('free', bytes(10), 0),
  ]);
}

const paths = (boxes: Box[]) => boxes.map((b) => b.path);

describe('mutate helpers: PRNG', () => {
  it('mulberry32 is deterministic and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).to.deep.equal(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).to.equal(true);
    expect(new Set(xs).size).to.be.greaterThan(990);
    expect(mulberry32(43)()).to.not.equal(xs[0]);
  });

  it('Rng.int covers its inclusive range', () => {
    const rng = new Rng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(rng.int(3, 6));
    expect([...seen].sort()).to.deep.equal([3, 4, 5, 6]);
  });

  it('caseSeed gives distinct seeds per case and base', () => {
    const seeds = new Set<number>();
    for (let i = 0; i < 1000; i++) seeds.add(caseSeed(1, i));
    expect(seeds.size).to.equal(1000);
    expect(caseSeed(1, 0)).to.equal(caseSeed(1, 0));
    expect(caseSeed(2, 0)).to.not.equal(caseSeed(1, 0));
  });
});

describe('mutate helpers: box walker', () => {
  it('recurses into containers and names repeated siblings', () => {
    const boxes = walkBoxes(sample());
    expect(paths(boxes)).to.deep.equal([
      'ftyp',
      'moov',
      'moov/mvhd',
      'moov/trak[0]',
      'moov/trak[0]/mdia',
      'moov/trak[0]/mdia/minf',
      'moov/trak[0]/mdia/minf/stbl',
      'moov/trak[0]/mdia/minf/stbl/stsz',
      'moov/trak[0]/mdia/minf/stbl/stco',
      'moov/trak[1]',
      'moov/trak[1]/tkhd',
      'mdat',
      'free',
    ]);
    expect(boxes.every((b) => !b.broken)).to.equal(true);
  });

  it('reads a 64-bit largesize and size 0 = to the end', () => {
    const file = sample();
    const boxes = walkBoxes(file);
    const mdat = boxes.find((b) => b.type === 'mdat')!;
    expect(mdat.sizeForm).to.equal('large');
    expect(mdat.headerSize).to.equal(16);
    expect(mdat.size).to.equal(116);
    const free = boxes.find((b) => b.type === 'free')!;
    expect(free.sizeForm).to.equal('to-end');
    expect(free.end).to.equal(file.length);
  });

  it('marks a box that overruns its parent and stops there', () => {
    const file = concat([box('moov', [box('stsz', bytes(4), 999), box('stco', bytes(4))]), box('mdat', bytes(4))]);
    const boxes = walkBoxes(file);
    expect(paths(boxes)).to.deep.equal(['moov', 'moov/stsz', 'mdat']);
    const stsz = boxes[1];
    expect(stsz.broken).to.equal(true);
    expect(stsz.end).to.equal(boxes[0].end);
  });

  it('finds the innermost box at an offset', () => {
    const boxes = walkBoxes(sample());
    const stsz = boxes.find((b) => b.type === 'stsz')!;
    expect(boxAt(boxes, stsz.start + 9)?.path).to.equal('moov/trak[0]/mdia/minf/stbl/stsz');
  });

  it('walks a real fixture', async () => {
    const file = new Uint8Array(await (await fetch(`${MEDIA}h264-bframes.mp4`)).arrayBuffer());
    const all = paths(walkBoxes(file));
    expect(all.filter((p) => !p.includes('/'))).to.include.members(['ftyp', 'moov', 'mdat']);
    expect(all).to.include.members(['moov/trak/mdia/minf/stbl/stsz', 'moov/trak/mdia/minf/stbl/stsd', 'moov/trak/edts/elst']);
  });
});

describe('mutate helpers: mutate', () => {
  it('is deterministic for a seed and leaves its input alone', () => {
    const input = sample();
    const copy = input.slice();
    for (let seed = 0; seed < 50; seed++) {
      const a = mutate(input, seed);
      const b = mutate(input, seed);
      expect(b.description).to.equal(a.description);
      expect([...b.bytes]).to.deep.equal([...a.bytes]);
    }
    expect([...input]).to.deep.equal([...copy]);
  });

  it('produces every kind and always changes the bytes (or their length)', async () => {
    const file = new Uint8Array(await (await fetch(`${MEDIA}h264-bframes.mp4`)).arrayBuffer());
    const kinds = new Set<string>();
    let unchanged = 0;
    for (let seed = 0; seed < 300; seed++) {
      const m = mutate(file, caseSeed(9, seed));
      kinds.add(m.kind);
      expect(m.description.startsWith(m.kind + ':'), m.description).to.equal(true);
      const same = m.bytes.length === file.length && m.bytes.every((x, i) => x === file[i]);
      if (same) unchanged++;
    }
    expect([...kinds].sort()).to.deep.equal([...MUTATION_KINDS].sort());
    // a random run can rewrite bytes with their own values, a type can be swapped for itself: rare
    expect(unchanged).to.be.lessThan(10);
  });

  it('box-size mutations hit boxes under moov and write the size they name', async () => {
    const file = new Uint8Array(await (await fetch(`${MEDIA}av1.mp4`)).arrayBuffer());
    let checked = 0;
    for (let seed = 0; seed < 400 && checked < 20; seed++) {
      const m = mutate(file, seed);
      if (m.kind !== 'box-size') continue;
      const match = /^box-size: (moov\/\S+) at 0x([0-9a-f]+) size \d+ -> (\d+)/.exec(m.description);
      expect(match, m.description).to.not.equal(null);
      const at = parseInt(match![2], 16);
      expect(new DataView(m.bytes.buffer).getUint32(at)).to.equal(Number(match![3]));
      checked++;
    }
    expect(checked).to.be.greaterThan(5);
  });

  it('truncation shortens the file to the offset it names', () => {
    const input = sample();
    for (let seed = 0; seed < 200; seed++) {
      const m = mutate(input, seed);
      if (m.kind !== 'truncate') continue;
      const at = Number(/\((\d+) of \d+ bytes\)/.exec(m.description)![1]);
      expect(m.bytes.length).to.equal(at);
    }
  });
});
