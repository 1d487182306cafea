/**
 * The sample tables of a `moov` (stts, ctts, stss, stsc, stsz/stz2, stco/co64) read straight
 * into typed arrays, yielding to the page every so often: an object per sample, as mp4box
 * builds them, cost an hour of video 100,000 objects and one main-thread task of 150 ms.
 */

import { Slices } from '../slices.js';

/** A track's samples in decode order; times in the track timescale. */
export interface SampleTable {
  count: number;
  offsets: Float64Array;
  sizes: Uint32Array;
  dts: Float64Array;
  /** Composition times (dts + composition offset). */
  cts: Float64Array;
  durations: Float64Array;
  /** 1 for sync samples; all 1 when the file has no stss. */
  sync: Uint8Array;
}

/** Samples read between two looks at the clock (`Slices.pause`). */
const SLICE = 25_000;

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);

export interface Box {
  type: string;
  /** Offset of the box in the buffer, and of its payload (after the header). */
  start: number;
  payload: number;
  end: number;
}

/** The child boxes of `[from, to)` of `data`; stops at the first box that does not fit. */
export function children(data: Uint8Array, from: number, to: number): Box[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const boxes: Box[] = [];
  for (let offset = from; offset + 8 <= to; ) {
    let size = view.getUint32(offset);
    let payload = offset + 8;
    if (size === 1 && offset + 16 <= to) {
      size = Number(view.getBigUint64(offset + 8));
      payload += 8;
    } else if (size === 0) {
      size = to - offset;
    }
    if (size < payload - offset || offset + size > to) break;
    const type = String.fromCharCode(data[offset + 4], data[offset + 5], data[offset + 6], data[offset + 7]);
    boxes.push({ type, start: offset, payload, end: offset + size });
    offset += size;
  }
  return boxes;
}


/** Thrown when a table is inconsistent (counts that do not fit their box, disagreeing tables). */
export class SampleTableError extends Error {}

/** Bytes per entry (and fixed header bytes after version/flags) of the tables with an entry count. */
const ENTRY_BYTES: Record<string, number> = { stts: 8, ctts: 8, stss: 4, stsc: 12, stco: 4, co64: 8 };

/**
 * Checks, before they are read, that the boxes of a `moov` or `moof` nest properly and that
 * every table's entry count fits in its box: a damaged count (a flipped bit, a size field
 * turned into a 64-bit one) would otherwise have a reader allocate and loop over billions of
 * entries (mp4box, which read them before, froze Firefox for 40 s so in the fuzzer).
 */
export function checkBoxes(data: Uint8Array): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const containers = new Set([...CONTAINERS, 'moof', 'traf', 'mvex', 'edts']);
  const visit = (from: number, to: number, parent: string) => {
    const boxes = children(data, from, to);
    const covered = boxes.length ? boxes[boxes.length - 1].end : from;
    if (to - covered >= 8) throw new SampleTableError(`a box inside ${parent} at byte ${covered} does not fit in it`);
    for (const box of boxes) {
      const length = box.end - box.payload;
      const count = length >= 8 ? view.getUint32(box.payload + 4) : 0;
      const fits = (bytes: number) => {
        if (bytes > length) throw new SampleTableError(`${box.type} claims ${count} entries, more than its ${length} bytes hold`);
      };
      if (containers.has(box.type)) visit(box.payload, box.end, box.type);
      else if (box.type in ENTRY_BYTES) fits(8 + count * ENTRY_BYTES[box.type]);
      else if (box.type === 'stsz' && length >= 12 && view.getUint32(box.payload + 4) === 0) {
        fits(12 + view.getUint32(box.payload + 8) * 4);
      } else if (box.type === 'trun' && length >= 8) {
        const flags = view.getUint32(box.payload) & 0xffffff;
        const perSample = [0x100, 0x200, 0x400, 0x800].filter((bit) => flags & bit).length * 4;
        fits(8 + (flags & 1 ? 4 : 0) + (flags & 4 ? 4 : 0) + count * perSample);
      }
    }
  };
  const top = children(data, 0, data.byteLength);
  if (top.length !== 1) throw new SampleTableError('the box does not parse');
  visit(top[0].payload, top[0].end, top[0].type);
}

/** The number of samples a `stbl` box lists (0 without a size table). */
export function sampleCount(data: Uint8Array, stbl: Box): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const sizes = children(data, stbl.payload, stbl.end).find((b) => b.type === 'stsz' || b.type === 'stz2');
  return sizes && sizes.payload + 12 <= sizes.end ? view.getUint32(sizes.payload + 8) : 0;
}

/**
 * Reads a `stbl` box into typed arrays; null when it holds no samples (a fragmented movie).
 * With `limit`, only the first `limit` samples (decode order) are read: a long recording's
 * head, enough to show a frame near its start while the rest is read.
 */
export async function readSampleTable(data: Uint8Array, stbl: Box, slices = new Slices(), limit = Infinity): Promise<SampleTable | null> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const boxes = new Map(children(data, stbl.payload, stbl.end).map((b) => [b.type, b]));
  const need = (box: Box | undefined, entries: number, entrySize: number, header = 8) => {
    if (box && box.payload + header + entries * entrySize > box.end) {
      throw new SampleTableError(`${box.type} claims ${entries} entries, more than its ${box.end - box.start} bytes hold`);
    }
  };

  // Sizes: stsz (fixed size or one per sample), or stz2 (4, 8 or 16 bits per sample).
  const stsz = boxes.get('stsz');
  const stz2 = boxes.get('stz2');
  let count: number;
  let sizes: Uint32Array;
  if (stsz) {
    const fixed = view.getUint32(stsz.payload + 4);
    count = view.getUint32(stsz.payload + 8);
    if (count === 0) return null;
    if (fixed === 0) need(stsz, count, 4, 12);
    count = Math.min(count, limit);
    sizes = new Uint32Array(count);
    if (fixed) sizes.fill(fixed);
    else for (let i = 0, at = stsz.payload + 12; i < count; i++, at += 4) sizes[i] = view.getUint32(at);
  } else if (stz2) {
    const fieldSize = data[stz2.payload + 7];
    count = view.getUint32(stz2.payload + 8);
    if (count === 0) return null;
    if (![4, 8, 16].includes(fieldSize)) throw new SampleTableError(`stz2 field size ${fieldSize}`);
    need(stz2, Math.ceil((count * fieldSize) / 8), 1, 12);
    count = Math.min(count, limit);
    sizes = new Uint32Array(count);
    const base = stz2.payload + 12;
    for (let i = 0; i < count; i++) {
      if (fieldSize === 16) sizes[i] = view.getUint16(base + 2 * i);
      else if (fieldSize === 8) sizes[i] = data[base + i];
      else sizes[i] = (data[base + (i >> 1)] >> (i & 1 ? 0 : 4)) & 0x0f;
    }
  } else {
    return null;
  }

  await slices.pause();

  // Offsets: chunks (stco/co64) and how many samples each holds (stsc).
  const stco = boxes.get('stco');
  const co64 = boxes.get('co64');
  const stsc = boxes.get('stsc');
  const chunkBox = co64 ?? stco;
  if (!chunkBox || !stsc) throw new SampleTableError('no chunk offsets (stco/co64) or sample-to-chunk table (stsc)');
  const chunkCount = view.getUint32(chunkBox.payload + 4);
  need(chunkBox, chunkCount, co64 ? 8 : 4);
  const chunkOffset = (k: number) =>
    co64 ? Number(view.getBigUint64(chunkBox.payload + 8 + 8 * k)) : view.getUint32(chunkBox.payload + 8 + 4 * k);
  const stscCount = view.getUint32(stsc.payload + 4);
  need(stsc, stscCount, 12);
  // With a limit, no table is read past its first `limit` entries (each covers a sample or
  // more): a head may be read from a moov of which only those have been fetched.
  const entries = (n: number) => Math.min(n, limit);
  const offsets = new Float64Array(count);
  let sample = 0;
  let yielded = 0;
  for (let e = 0; e < entries(stscCount) && sample < count; e++) {
    const at = stsc.payload + 8 + 12 * e;
    const firstChunk = view.getUint32(at) - 1;
    const perChunk = view.getUint32(at + 4);
    const nextFirst = e + 1 < stscCount ? view.getUint32(at + 12) - 1 : chunkCount;
    for (let k = firstChunk; k < entries(Math.min(nextFirst, chunkCount)) && sample < count; k++) {
      let offset = chunkOffset(k);
      for (let j = 0; j < perChunk && sample < count; j++) {
        offsets[sample] = offset;
        offset += sizes[sample++];
      }
    }
    if (sample - yielded >= SLICE) {
      yielded = sample;
      await slices.pause();
    }
  }
  if (sample < count) throw new SampleTableError(`the chunks hold ${sample} of ${count} samples`);

  // Decode times (stts) and composition offsets (ctts, signed in version 1).
  const stts = boxes.get('stts');
  if (!stts) throw new SampleTableError('no decoding times (stts)');
  const sttsCount = view.getUint32(stts.payload + 4);
  need(stts, sttsCount, 8);
  const dts = new Float64Array(count);
  const durations = new Float64Array(count);
  let time = 0;
  sample = 0;
  for (let e = 0; e < entries(sttsCount) && sample < count; e++) {
    const n = view.getUint32(stts.payload + 8 + 8 * e);
    const delta = view.getUint32(stts.payload + 12 + 8 * e);
    for (let j = 0; j < n && sample < count; j++) {
      dts[sample] = time;
      durations[sample++] = delta;
      time += delta;
    }
  }
  // A table shorter than the samples: the last delta goes on (as mp4box and FFmpeg do).
  for (const last = sample > 0 ? durations[sample - 1] : 0; sample < count; sample++) {
    dts[sample] = time;
    durations[sample] = last;
    time += last;
  }
  await slices.pause();

  const cts = dts.slice();
  const ctts = boxes.get('ctts');
  if (ctts) {
    // Read as signed whatever the version: Apple's muxers write negative offsets in version 0.
    const cttsCount = view.getUint32(ctts.payload + 4);
    need(ctts, cttsCount, 8);
    sample = 0;
    for (let e = 0; e < entries(cttsCount) && sample < count; e++) {
      const n = view.getUint32(ctts.payload + 8 + 8 * e);
      const offset = view.getInt32(ctts.payload + 12 + 8 * e);
      for (let j = 0; j < n && sample < count; j++) cts[sample++] += offset;
    }
  }

  await slices.pause();

  // Sync samples: stss lists them (1-based); without stss every sample is one.
  const stss = boxes.get('stss');
  const sync = new Uint8Array(count).fill(stss ? 0 : 1);
  if (stss) {
    const stssCount = view.getUint32(stss.payload + 4);
    need(stss, stssCount, 4);
    for (let e = 0; e < entries(stssCount); e++) {
      const index = view.getUint32(stss.payload + 8 + 4 * e) - 1;
      if (index < count) sync[index] = 1;
    }
  }
  return { count, offsets, sizes, dts, cts, durations, sync };
}
