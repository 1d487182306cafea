import {
  DataStream,
  Endianness,
  VisualSampleEntry,
  type ISOFile,
  type MultiBufferStream,
  type Movie,
  type Track,
} from 'mp4box';
import { RerunVideoError } from '../errors.js';
import { yieldToPage, type SampleTable } from './sample-table.js';
import { buildTimeline } from './timeline.js';

/**
 * Every coded sample of the track, in decode order, as parallel typed arrays: an hour of
 * video is 100,000 samples, about 4 MB here, where an object per sample cost several times
 * that and a long task to build.
 */
export interface Samples {
  count: number;
  /** Byte offset in the file, and size. */
  offsets: Float64Array;
  sizes: Uint32Array;
  /** 1 for a key (sync) sample, as the file says; the decoder checks the bits. */
  keys: Uint8Array;
  /**
   * The chunk timestamp given to the decoder, whole microseconds: the presentation time plus
   * the track's `timestampOffsetUs`, so it is never negative. Frames are told apart by it;
   * what a frame shows is in `frames`.
   */
  timestampsUs: Float64Array;
  durationsUs: Float64Array;
  /** Index of the frame each sample shows, in presentation order; -1 for decode-only samples. */
  frames: Int32Array;
}

/** Everything the element needs to know about the video track it plays. */
export interface VideoTrack {
  trackId: number;
  /** Codec string for `VideoDecoder.configure`. */
  codec: string;
  /** avcC / hvcC / av1C payload (the box without its header), when the codec needs one. */
  description?: Uint8Array;
  codedWidth: number;
  codedHeight: number;
  /** Size the decoded picture is drawn at before `orientation`: the tkhd size (pixel aspect ratio applied). */
  width: number;
  height: number;
  /** Displayed size: pixel aspect ratio, rotation and flips applied, as `<video>` reports it. */
  displayWidth: number;
  displayHeight: number;
  /** The tkhd matrix's quarter turns and flips, applied for display. */
  orientation: Orientation;
  samples: Samples;
  /**
   * Whether the file's sync-sample flags look right. False when the first sample is not
   * flagged (it is decoded as the entry point anyway): then key frames are read from the bits.
   */
  syncFlagsTrusted: boolean;
  /**
   * Added to presentation times to make the chunk timestamps: an edit list that trims
   * B-frame pre-roll leaves decode-only samples before 0, and WebKitGTK 2.50's decoder
   * (GStreamer) outputs nothing once chunk timestamps go from negative to >= 0 (measured:
   * 7 of 30 frames of ios_hevc_main10_editlist_trimmed.mov, all 30 when shifted).
   */
  timestampOffsetUs: number;
  /** Presentation timestamps of the shown frames, seconds, ascending. */
  frameTimestamps: number[];
  /** Decode index of each frame. */
  frameSample: Int32Array;
  /** End of the last frame, seconds. */
  duration: number;
}

/**
 * How a picture is turned for display: a point (x, y) of the picture lands at
 * (a x + c y, b x + d y), then moved back into view. Each of a, b, c, d is -1, 0 or 1: the
 * identity, quarter turns, and flips (front cameras, editors' mirror) combined.
 */
export interface Orientation {
  a: number;
  b: number;
  c: number;
  d: number;
}

const IDENTITY: Orientation = { a: 1, b: 0, c: 0, d: 1 };

/**
 * The orientation of a `tkhd` matrix (16.16 fixed point a, b, u, c, d, v, x, y, w): its
 * rotation and reflection, snapped to quarter turns, as `<video>` applies it. Anything that
 * is not a rotation or a flip (a shear, a zero matrix) shows the picture as it is.
 */
export function orientationOf(matrix: ArrayLike<number> | undefined): Orientation {
  if (!matrix || matrix.length < 5) return IDENTITY;
  const [a, b, c, d] = [matrix[0], matrix[1], matrix[3], matrix[4]].map((v) => (Number.isFinite(v) ? v : 0));
  const scale = Math.hypot(a, b);
  if (!(scale > 0)) return IDENTITY;
  const degrees = (Math.atan2(b, a) * 180) / Math.PI;
  const quarter = ((Math.round(degrees / 90) % 4) + 4) % 4;
  const cos = [1, 0, -1, 0][quarter];
  const sin = [0, 1, 0, -1][quarter];
  // The second column is the first turned by +90° (a rotation) or by -90° (a reflection).
  const mirrored = a * d - b * c < 0;
  const [c2, d2] = mirrored ? [sin, -cos] : [-sin, cos];
  return { a: cos, b: sin, c: c2 || 0, d: d2 || 0 }; // `|| 0`: no -0
}

/** The size a width x height picture takes once turned. */
export function displaySize(width: number, height: number, { a, b, c, d }: Orientation): { width: number; height: number } {
  return { width: Math.abs(a) * width + Math.abs(c) * height, height: Math.abs(b) * width + Math.abs(d) * height };
}

/** The codec string WebCodecs expects for a sample entry's own codec string. */
export function webCodecsCodec(mp4Codec: string): string {
  // VP8 in MP4 is `vp08.…` in the file, but WebCodecs registers plain `vp8`.
  if (mp4Codec.startsWith('vp08')) return 'vp8';
  return mp4Codec;
}

function descriptionOf(entry: VisualSampleEntry): Uint8Array | undefined {
  const box = entry.avcC ?? entry.hvcC ?? entry.av1C;
  if (!box) return undefined;
  const stream = new DataStream(undefined, 0, Endianness.BIG_ENDIAN);
  // write() is typed for mp4box's MultiBufferStream, a DataStream subclass; a plain one does.
  box.write(stream as MultiBufferStream);
  // The decoder wants the configuration record: the box minus its 8-byte header.
  return new Uint8Array(stream.buffer, 8, stream.getPosition() - 8).slice();
}

/** mp4box's samples (a fragmented file's, gathered from its `moof`s) as a SampleTable. */
function tableOf(raw: readonly { offset: number; size: number; dts: number; cts: number; duration: number; is_sync: boolean }[]): SampleTable {
  const count = raw.length;
  const table: SampleTable = {
    count,
    offsets: new Float64Array(count),
    sizes: new Uint32Array(count),
    dts: new Float64Array(count),
    cts: new Float64Array(count),
    durations: new Float64Array(count),
    sync: new Uint8Array(count),
  };
  raw.forEach((sample, i) => {
    table.offsets[i] = sample.offset;
    table.sizes[i] = sample.size;
    table.dts[i] = sample.dts;
    table.cts[i] = sample.cts;
    table.durations[i] = sample.duration;
    table.sync[i] = sample.is_sync ? 1 : 0;
  });
  return table;
}

/** The part of mp4box's parsed `moof`s read here. */
interface ParsedMoof {
  trafs?: Array<{
    tfhd?: { track_id: number };
    tfdt?: { baseMediaDecodeTime: number };
    truns?: Array<{ sample_count: number }>;
  }>;
}

/**
 * Puts each fragment's samples at its `tfdt`. mp4box takes `tfdt` for the first fragment only
 * and then adds durations up, so a fragment whose last sample carries a placeholder duration
 * (Chromium's MediaRecorder MP4: 999 of 30000 where frames are 50 ms apart) moves every later
 * fragment early. The sample before a fragment then lasts until that fragment starts.
 */
function applyFragmentTimes(moofs: readonly ParsedMoof[], trackId: number, table: SampleTable): void {
  let index = 0;
  for (const moof of moofs) {
    for (const traf of moof.trafs ?? []) {
      if (traf.tfhd?.track_id !== trackId) continue;
      let samples = 0;
      for (const trun of traf.truns ?? []) samples += trun.sample_count;
      const start = index;
      index += samples;
      const base = traf.tfdt?.baseMediaDecodeTime;
      if (base === undefined || !Number.isFinite(base) || start >= table.count || samples === 0) continue;
      const shift = base - table.dts[start];
      if (shift !== 0) {
        for (let i = start; i < Math.min(index, table.count); i++) {
          table.dts[i] += shift;
          table.cts[i] += shift;
        }
      }
      if (start > 0 && table.dts[start] > table.dts[start - 1]) table.durations[start - 1] = table.dts[start] - table.dts[start - 1];
    }
  }
}

/**
 * Builds the sample table of the file's first video track. Call once the sample lists are
 * complete (after `onReady` for a plain MP4; after the last fragment for a fragmented one).
 * `tables` holds the `stbl`s read by `readSampleTable`, by track id; a track without one
 * (a fragmented file) takes mp4box's samples.
 */
export async function buildVideoTrack(file: ISOFile, info: Movie, tables?: ReadonlyMap<number, SampleTable>): Promise<VideoTrack> {
  const track: Track | undefined = info.videoTracks[0];
  if (!track) throw new RerunVideoError('format', 'The file has no video track.');
  const trak = file.getTrackById(track.id);
  const entry = trak.mdia.minf.stbl.stsd.entries[0];
  if (!(entry instanceof VisualSampleEntry)) {
    throw new RerunVideoError('format', `Track ${track.id} has no visual sample entry.`);
  }
  if (entry.type === 'encv') {
    throw new RerunVideoError('format', 'The video track is encrypted (encv); it cannot be decoded here.');
  }
  const own = tables?.get(track.id);
  const table = own ?? tableOf(file.getTrackSamplesInfo(track.id) ?? []);
  if (!own) applyFragmentTimes((file as unknown as { moofs?: ParsedMoof[] }).moofs ?? [], track.id, table);
  const count = table.count;
  if (count === 0) throw new RerunVideoError('format', 'The video track has no samples.');
  if (own) {
    // The last sample lasts to the end of the track, as mp4box (and so far this element) has it.
    const toEnd = trak.mdia.mdhd.duration - own.dts[count - 1];
    if (toEnd > 0) own.durations[count - 1] = toEnd;
  }
  const timescale = trak.mdia.mdhd.timescale;
  if (!(timescale > 0)) throw new RerunVideoError('format', `The video track's timescale is ${timescale}.`);
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(table.dts[i])) {
      throw new RerunVideoError('format', 'The video track has samples without a decode time: its sample tables are damaged.');
    }
    // A damaged ctts can leave a sample without a composition time: its decode time stands in.
    if (!Number.isFinite(table.cts[i])) table.cts[i] = table.dts[i];
  }

  const timeline = buildTimeline({
    cts: table.cts,
    timescale,
    movieTimescale: info.timescale,
    edits: track.edits,
    fragmented: info.isFragmented,
  });

  // Each pass over an hour's 100,000 samples takes ~15 ms: give the page a turn between them.
  await yieldToPage();
  // Presentation order: the shown samples by presentation time (already in order without B-frames).
  const { pts, presented } = timeline;
  let shown = 0;
  for (let i = 0; i < count; i++) shown += presented[i];
  let order = new Uint32Array(shown);
  let sorted = true;
  for (let i = 0, k = 0; i < count; i++) {
    if (!presented[i]) continue;
    order[k] = i;
    if (k > 0 && pts[i] < pts[order[k - 1]]) sorted = false;
    k++;
  }
  if (!sorted) order = order.sort((a, b) => pts[a] - pts[b] || a - b);
  const frames = new Int32Array(count).fill(-1);
  for (let frame = 0; frame < order.length; frame++) frames[order[frame]] = frame;

  await yieldToPage();
  let earliest = 0;
  for (let i = 0; i < count; i++) earliest = Math.min(earliest, pts[i]);
  const timestampOffsetUs = Math.round(-earliest * 1e6);
  const timestampsUs = new Float64Array(count);
  const durationsUs = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    timestampsUs[i] = Math.round(pts[i] * 1e6) + timestampOffsetUs;
    durationsUs[i] = Math.max(0, Math.round((table.durations[i] / timescale) * 1e6)) || 0;
  }
  const keys = table.sync.slice();
  const syncFlagsTrusted = keys[0] === 1;
  // Some muxers leave the sync flags out for open-GOP streams or fragment starts; the first
  // sample must be decodable anyway, so treat it as the entry point (the decoder then checks
  // the bits).
  keys[0] = 1;
  const samples: Samples = { count, offsets: table.offsets, sizes: table.sizes, keys, timestampsUs, durationsUs, frames };

  await yieldToPage();
  const frameTimestamps = new Array<number>(order.length);
  for (let frame = 0; frame < order.length; frame++) frameTimestamps[frame] = pts[order[frame]];
  const last = order[order.length - 1];
  const orientation = orientationOf(track.matrix);
  const codedWidth = entry.width;
  const codedHeight = entry.height;
  // tkhd carries the display size (pixel aspect ratio applied) before the matrix.
  const width = track.track_width > 0 ? Math.round(track.track_width) : codedWidth;
  const height = track.track_height > 0 ? Math.round(track.track_height) : codedHeight;
  const display = displaySize(width, height, orientation);

  return {
    trackId: track.id,
    codec: webCodecsCodec(entry.getCodec()),
    description: descriptionOf(entry),
    codedWidth,
    codedHeight,
    width,
    height,
    displayWidth: display.width,
    displayHeight: display.height,
    orientation,
    samples,
    syncFlagsTrusted,
    timestampOffsetUs,
    frameTimestamps,
    frameSample: Int32Array.from(order),
    duration: pts[last] + (Math.max(0, table.durations[last] / timescale) || 0),
  };
}
