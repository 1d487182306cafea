/**
 * The boxes of a fragmented MP4 read straight into typed arrays: each fragment's `moof`
 * (tfhd/tfdt/trun, with the `trex` defaults of the `moov`), and the indexes that say where the
 * fragments are without reading them — `sidx` (segment index, after the `moov`) and
 * `mfra`/`tfra` (movie fragment random access, at the end, found through `mfro`). Plain bytes
 * in, plain data out; every count is checked against its box before it is looped over.
 */
import { SampleTableError, children, type Box, type SampleTable } from './sample-table.js';

/** A box inside `data`: where it starts, where its payload starts, where it ends. */
export type BoxSpan = Box;

/** The boxes of `data[from, to)`; stops at the first one that does not fit. */
export const boxesIn = children;

export function boxType(data: Uint8Array, at: number): string {
  return String.fromCharCode(data[at], data[at + 1], data[at + 2], data[at + 3]);
}

/** The `trex` defaults of one track (ISO/IEC 14496-12 8.8.3). */
export interface TrackDefaults {
  duration: number;
  size: number;
  flags: number;
}

/** The `trex` boxes of a `moov` (whole box, header included), by track id. */
export function readTrex(moov: Uint8Array): Map<number, TrackDefaults> {
  const defaults = new Map<number, TrackDefaults>();
  const view = new DataView(moov.buffer, moov.byteOffset, moov.byteLength);
  const top = boxesIn(moov, 0, moov.byteLength).find((b) => b.type === 'moov');
  const mvex = top && boxesIn(moov, top.payload, top.end).find((b) => b.type === 'mvex');
  if (!mvex) return defaults;
  for (const trex of boxesIn(moov, mvex.payload, mvex.end)) {
    if (trex.type !== 'trex' || trex.end - trex.payload < 24) continue;
    defaults.set(view.getUint32(trex.payload + 4), {
      duration: view.getUint32(trex.payload + 12),
      size: view.getUint32(trex.payload + 16),
      flags: view.getUint32(trex.payload + 20),
    });
  }
  return defaults;
}

/** One fragment's samples of one track, and whether its decode times come from a `tfdt`. */
export interface FragmentSamples extends SampleTable {
  /** Whether the first sample's decode time is the `tfdt`'s (else it was `startDts`). */
  timed: boolean;
}

const NON_SYNC = 0x10000;

/**
 * The samples of track `trackId` in a `moof` (the whole box, read at file offset `moofOffset`).
 * Data offsets follow 8.8.7/8.8.8: a traf's base is its `base_data_offset`, else the moof's
 * first byte (default-base-is-moof, or the first traf), else the end of the previous traf's
 * data; a trun without a data offset goes on where the previous one ended. Decode times start
 * at the traf's `tfdt`, or at `startDts` without one. Throws a SampleTableError when a count
 * does not fit its box.
 */
export function readFragment(
  moof: Uint8Array,
  moofOffset: number,
  trackId: number,
  trex: TrackDefaults | undefined,
  startDts: number,
): FragmentSamples {
  const view = new DataView(moof.buffer, moof.byteOffset, moof.byteLength);
  const top = boxesIn(moof, 0, moof.byteLength);
  if (top.length !== 1 || top[0].type !== 'moof') throw new SampleTableError('not a moof box');
  const offsets: number[] = [];
  const sizes: number[] = [];
  const dts: number[] = [];
  const cts: number[] = [];
  const durations: number[] = [];
  const sync: number[] = [];
  let timed = false;
  let dataEnd = moofOffset;
  let time = startDts;
  let firstTraf = true;
  for (const traf of boxesIn(moof, top[0].payload, top[0].end)) {
    if (traf.type !== 'traf') continue;
    const children = boxesIn(moof, traf.payload, traf.end);
    const tfhd = children.find((b) => b.type === 'tfhd');
    if (!tfhd || tfhd.end - tfhd.payload < 8) throw new SampleTableError('a traf without a tfhd');
    const tfFlags = view.getUint32(tfhd.payload) & 0xffffff;
    const id = view.getUint32(tfhd.payload + 4);
    let at = tfhd.payload + 8;
    const field = (bit: number, bytes: 4 | 8): number | undefined => {
      if (!(tfFlags & bit)) return undefined;
      if (at + bytes > tfhd.end) throw new SampleTableError('tfhd is shorter than its flags say');
      const value = bytes === 8 ? Number(view.getBigUint64(at)) : view.getUint32(at);
      at += bytes;
      return value;
    };
    const baseDataOffset = field(0x1, 8);
    field(0x2, 4); // sample_description_index
    const defaultDuration = field(0x8, 4) ?? trex?.duration ?? 0;
    const defaultSize = field(0x10, 4) ?? trex?.size ?? 0;
    const defaultFlags = field(0x20, 4) ?? trex?.flags ?? 0;
    const base = baseDataOffset ?? (tfFlags & 0x20000 || firstTraf ? moofOffset : dataEnd);
    firstTraf = false;
    const mine = id === trackId;
    const tfdt = children.find((b) => b.type === 'tfdt');
    if (mine && tfdt && tfdt.end - tfdt.payload >= 8) {
      const v1 = moof[tfdt.payload] === 1;
      if (!v1 || tfdt.end - tfdt.payload >= 12) {
        time = v1 ? Number(view.getBigUint64(tfdt.payload + 4)) : view.getUint32(tfdt.payload + 4);
        timed = offsets.length === 0 ? true : timed;
      }
    }
    let cursor = base;
    let firstRun = true;
    for (const trun of children) {
      if (trun.type !== 'trun') continue;
      if (trun.end - trun.payload < 8) throw new SampleTableError('trun is too short');
      const flags = view.getUint32(trun.payload) & 0xffffff;
      const count = view.getUint32(trun.payload + 4);
      let p = trun.payload + 8;
      const perSample = [0x100, 0x200, 0x400, 0x800].filter((bit) => flags & bit).length * 4;
      const header = (flags & 0x1 ? 4 : 0) + (flags & 0x4 ? 4 : 0);
      if (p + header + count * perSample > trun.end) throw new SampleTableError(`trun claims ${count} samples, more than its bytes hold`);
      if (flags & 0x1) {
        cursor = base + view.getInt32(p);
        p += 4;
      } else if (firstRun) {
        cursor = base;
      }
      firstRun = false;
      let firstFlags: number | undefined;
      if (flags & 0x4) {
        firstFlags = view.getUint32(p);
        p += 4;
      }
      for (let i = 0; i < count; i++) {
        const duration = flags & 0x100 ? view.getUint32((p += 4) - 4) : defaultDuration;
        const size = flags & 0x200 ? view.getUint32((p += 4) - 4) : defaultSize;
        const sampleFlags = flags & 0x400 ? view.getUint32((p += 4) - 4) : i === 0 && firstFlags !== undefined ? firstFlags : defaultFlags;
        // Signed whatever the version: muxers write negative offsets in version 0 too.
        const offset = flags & 0x800 ? view.getInt32((p += 4) - 4) : 0;
        if (mine) {
          offsets.push(cursor);
          sizes.push(size);
          dts.push(time);
          cts.push(time + offset);
          durations.push(duration);
          sync.push(sampleFlags & NON_SYNC ? 0 : 1);
          time += duration;
        }
        cursor += size;
      }
    }
    dataEnd = cursor;
  }
  const count = offsets.length;
  return {
    count,
    offsets: Float64Array.from(offsets),
    sizes: Uint32Array.from(sizes),
    dts: Float64Array.from(dts),
    cts: Float64Array.from(cts),
    durations: Float64Array.from(durations),
    sync: Uint8Array.from(sync),
    timed,
  };
}

/** Where one fragment (or a nested index) lies, as an index says. */
export interface IndexEntry {
  /** File offset of the fragment's first box (a `moof`, or a `styp`/`sidx` before it). */
  offset: number;
  /** Its size (moof + mdat, or the nested sidx and all it indexes), when the index says. */
  size: number | null;
  /** Its start, in `timescale` ticks: only roughly its first frame's presentation time. */
  time: number;
  timescale: number;
  /** A reference to another `sidx` (a hierarchical index), not to media. */
  nested: boolean;
}

/** Entries a `sidx` or `tfra` may list: more is taken for damage. */
const MAX_ENTRIES = 1_000_000;

/** A `sidx` box (the whole box, at file offset `at`): its track and the spans it indexes. */
export function readSidx(box: Uint8Array, at: number): { trackId: number; entries: IndexEntry[]; end: number } {
  const view = new DataView(box.buffer, box.byteOffset, box.byteLength);
  const [span] = boxesIn(box, 0, box.byteLength);
  if (!span || span.type !== 'sidx' || span.end - span.payload < 24) throw new SampleTableError('not a sidx box');
  const v1 = box[span.payload] === 1;
  const trackId = view.getUint32(span.payload + 4);
  const timescale = view.getUint32(span.payload + 8);
  let p = span.payload + 12;
  if (v1 && span.end - p < 20) throw new SampleTableError('sidx is too short');
  const earliest = v1 ? Number(view.getBigUint64(p)) : view.getUint32(p);
  const firstOffset = v1 ? Number(view.getBigUint64(p + 8)) : view.getUint32(p + 4);
  p += v1 ? 16 : 8;
  const count = view.getUint16(p + 2);
  p += 4;
  if (p + count * 12 > span.end) throw new SampleTableError(`sidx claims ${count} references, more than its bytes hold`);
  if (!(timescale > 0)) throw new SampleTableError('sidx timescale is 0');
  const entries: IndexEntry[] = [];
  let offset = at + span.end + firstOffset;
  let time = earliest;
  for (let i = 0; i < count; i++, p += 12) {
    const word = view.getUint32(p);
    const size = word & 0x7fffffff;
    entries.push({ offset, size, time, timescale, nested: word >>> 31 === 1 });
    offset += size;
    time += view.getUint32(p + 4);
  }
  return { trackId, entries, end: offset };
}

/** The `tfra` entries of track `trackId` in an `mfra` box (whole box): moof offsets and times. */
export function readMfra(box: Uint8Array, trackId: number, timescale: number): IndexEntry[] {
  const view = new DataView(box.buffer, box.byteOffset, box.byteLength);
  const [mfra] = boxesIn(box, 0, box.byteLength);
  if (!mfra || mfra.type !== 'mfra') throw new SampleTableError('not an mfra box');
  const entries: IndexEntry[] = [];
  for (const tfra of boxesIn(box, mfra.payload, mfra.end)) {
    if (tfra.type !== 'tfra' || tfra.end - tfra.payload < 16) continue;
    if (view.getUint32(tfra.payload + 4) !== trackId) continue;
    const v1 = box[tfra.payload] === 1;
    const lengths = view.getUint32(tfra.payload + 8);
    const count = view.getUint32(tfra.payload + 12);
    const entryBytes = (v1 ? 16 : 8) + ((lengths >> 4) & 3) + 1 + ((lengths >> 2) & 3) + 1 + (lengths & 3) + 1;
    if (count > MAX_ENTRIES || tfra.payload + 16 + count * entryBytes > tfra.end) {
      throw new SampleTableError(`tfra claims ${count} entries, more than its bytes hold`);
    }
    let p = tfra.payload + 16;
    for (let i = 0; i < count; i++, p += entryBytes) {
      const time = v1 ? Number(view.getBigUint64(p)) : view.getUint32(p);
      const offset = v1 ? Number(view.getBigUint64(p + 8)) : view.getUint32(p + 4);
      // Several random access points in one fragment are one fragment here.
      if (entries.length && entries[entries.length - 1].offset === offset) continue;
      entries.push({ offset, size: null, time, timescale, nested: false });
    }
  }
  return entries;
}

/** The size of the `mfra` that an `mfro` box (the last 16 bytes of a file) points back to, or null. */
export function mfraSize(tail: Uint8Array): number | null {
  if (tail.byteLength < 16) return null;
  const at = tail.byteLength - 16;
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  if (view.getUint32(at) !== 16 || boxType(tail, at + 4) !== 'mfro') return null;
  return view.getUint32(at + 12);
}
