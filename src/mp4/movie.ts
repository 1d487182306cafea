/**
 * The boxes of an MP4's `moov` that describe it — movie and track headers, edit lists, the
 * sample entry with its decoder configuration — read straight from the bytes (fragments'
 * `moof`s are read in fragments.ts). These few boxes are all the element needs of the ISO file format (the sample tables
 * are read in sample-table.ts), and reading them here keeps a box-tree library with hundreds
 * of box types out of the bundle: mp4box 2.x's smallest entry alone is ~29 KiB gzipped.
 * mp4box stays the test oracle: test/unit/movie.test.ts checks every field against it.
 */
import { av1Codec, avcCodec, hevcCodec } from './codec-records.js';
import { children, SampleTableError, type Box } from './sample-table.js';
import type { EditEntry } from './timeline.js';

/** One track of the movie, as far as the element reads it. */
export interface TrackHeader {
  id: number;
  /** `hdlr` handler type: `vide` for video. */
  handler: string;
  /** tkhd's matrix, raw (16.16 and 2.30 fixed point): a, b, u, c, d, v, x, y, w. */
  matrix: Int32Array;
  /** tkhd's display size before the matrix (pixel aspect ratio applied), pixels. */
  width: number;
  height: number;
  /** mdhd. */
  timescale: number;
  duration: number;
  edits: EditEntry[];
  /** The first sample entry, when there is one. */
  entry: SampleEntry | null;
  /** The track's `stbl` (in the moov's bytes). */
  stbl: Box | null;
}

export interface SampleEntry {
  /** Its four-character code: avc1, hvc1, av01, vp09, encv, … */
  type: string;
  /** Coded size. */
  width: number;
  height: number;
  /** The codec string as mp4box's getCodec() builds it: `avc1.64001f`, `vp09.00.10.08`, … */
  codec: string;
  /** avcC / hvcC / av1C payload: the decoder configuration record. */
  description?: Uint8Array;
}

export interface Movie {
  /** mvhd's timescale. */
  timescale: number;
  /** Whether it is fragmented (has `mvex`): its samples are in `moof`s. */
  fragmented: boolean;
  tracks: TrackHeader[];
}

const fourcc = (data: Uint8Array, at: number) => String.fromCharCode(data[at], data[at + 1], data[at + 2], data[at + 3]);

/** A reader over one box's bytes that fails cleanly when a field lies past the box. */
class Fields {
  private readonly view: DataView;
  constructor(
    private readonly data: Uint8Array,
    private readonly box: Box,
    public at = box.payload,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  private take(bytes: number): number {
    const at = this.at;
    if (at + bytes > this.box.end) throw new SampleTableError(`${this.box.type} is too short`);
    this.at += bytes;
    return at;
  }
  u8 = () => this.data[this.take(1)];
  u16 = () => this.view.getUint16(this.take(2));
  u32 = () => this.view.getUint32(this.take(4));
  i32 = () => this.view.getInt32(this.take(4));
  u64 = () => Number(this.view.getBigUint64(this.take(8)));
  i64 = () => Number(this.view.getBigInt64(this.take(8)));
  skip = (bytes: number) => void this.take(bytes);
  /** version (u8) and flags (u24) of a full box. */
  full(): { version: number; flags: number } {
    const word = this.u32();
    return { version: word >>> 24, flags: word & 0xffffff };
  }
}

function find(data: Uint8Array, parent: Box, path: string[]): Box | undefined {
  let box: Box | undefined = parent;
  for (const type of path) box = box && children(data, box.payload, box.end).find((b) => b.type === type);
  return box;
}

/** Reads a `moov` box (the whole box, header included, at offset 0 of `moov`). */
export function parseMovie(moov: Uint8Array): Movie {
  const top = children(moov, 0, moov.byteLength).find((b) => b.type === 'moov');
  if (!top) throw new SampleTableError('no moov box');
  const mvhd = find(moov, top, ['mvhd']);
  if (!mvhd) throw new SampleTableError('no movie header (mvhd)');
  const header = new Fields(moov, mvhd);
  header.skip(header.full().version === 1 ? 16 : 8);
  const timescale = header.u32();
  const movie: Movie = { timescale, fragmented: false, tracks: [] };
  for (const box of children(moov, top.payload, top.end)) {
    if (box.type === 'trak') {
      const track = parseTrack(moov, box);
      if (track) movie.tracks.push(track);
    } else if (box.type === 'mvex') {
      movie.fragmented = true;
    }
  }
  return movie;
}

function parseTrack(moov: Uint8Array, trak: Box): TrackHeader | null {
  const tkhd = find(moov, trak, ['tkhd']);
  const mdhd = find(moov, trak, ['mdia', 'mdhd']);
  const hdlr = find(moov, trak, ['mdia', 'hdlr']);
  if (!tkhd || !mdhd || !hdlr) return null;
  const t = new Fields(moov, tkhd);
  const v1 = t.full().version === 1;
  t.skip(v1 ? 16 : 8);
  const id = t.u32();
  t.skip(4 + (v1 ? 8 : 4) + 8 + 8); // reserved, duration, reserved, layer/group/volume/reserved
  const matrix = new Int32Array(9);
  for (let i = 0; i < 9; i++) matrix[i] = t.i32();
  const width = t.u32() / 65536;
  const height = t.u32() / 65536;

  const m = new Fields(moov, mdhd);
  const mv1 = m.full().version === 1;
  m.skip(mv1 ? 16 : 8);
  const timescale = m.u32();
  const duration = mv1 ? m.u64() : m.u32();

  const h = new Fields(moov, hdlr);
  h.full();
  h.skip(4);
  const handler = fourcc(moov, h.at);

  const edits: EditEntry[] = [];
  const elst = find(moov, trak, ['edts', 'elst']);
  if (elst) {
    const e = new Fields(moov, elst);
    const ev1 = e.full().version === 1;
    const count = e.u32();
    for (let i = 0; i < count; i++) {
      const segment_duration = ev1 ? e.u64() : e.u32();
      const media_time = ev1 ? e.i64() : e.i32();
      e.skip(4); // media rate
      edits.push({ segment_duration, media_time });
    }
  }

  const stbl = find(moov, trak, ['mdia', 'minf', 'stbl']) ?? null;
  const stsd = stbl && find(moov, stbl, ['stsd']);
  let entry: SampleEntry | null = null;
  if (stsd && stsd.end - stsd.payload > 8) {
    const first = children(moov, stsd.payload + 8, stsd.end)[0];
    if (first && handler === 'vide') entry = parseVisualEntry(moov, first);
  }
  return { id, handler, matrix, width, height, timescale, duration, edits, entry, stbl };
}

/** A visual sample entry: 8 bytes of SampleEntry, 70 of VisualSampleEntry, then its boxes. */
function parseVisualEntry(moov: Uint8Array, box: Box): SampleEntry | null {
  if (box.end - box.payload < 78) return null;
  const f = new Fields(moov, box);
  f.skip(8 + 16);
  const width = f.u16();
  const height = f.u16();
  const type = box.type;
  const configs = new Map(children(moov, box.payload + 78, box.end).map((b) => [b.type, moov.subarray(b.payload, b.end)]));
  const avcC = configs.get('avcC');
  const hvcC = configs.get('hvcC');
  const av1C = configs.get('av1C');
  const vpcC = configs.get('vpcC');
  let codec = type;
  // The codec strings: the entry's type, then the profile/level fields of its record.
  if (avcC && type.startsWith('avc')) codec = withType(type, avcCodec(avcC));
  else if (hvcC && (type === 'hvc1' || type === 'hev1')) codec = withType(type, hevcCodec(hvcC));
  else if (av1C && type === 'av01') codec = av1Codec(av1C) ?? type;
  else if (vpcC && (type === 'vp09' || type === 'vp08') && vpcC.byteLength >= 7) {
    // A full box (version, flags), then profile, level, bit depth (4 bits), …
    const level = vpcC[5] === 0 ? '00' : String(vpcC[5]);
    const depth = vpcC[6] >> 4;
    codec = `${type}.0${vpcC[4]}.${level}.${depth === 8 ? '08' : depth}`;
  }
  const description = avcC ?? hvcC ?? av1C;
  return { type, width, height, codec, description: description?.slice() };
}

function withType(type: string, codec: string | null): string {
  return codec ? type + codec.slice(codec.indexOf('.')) : type;
}

/** The first video track (handler `vide`), as mp4box's `videoTracks[0]`. */
export function firstVideoTrack(movie: Movie): TrackHeader | undefined {
  return movie.tracks.find((track) => track.handler === 'vide');
}
