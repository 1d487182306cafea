import { RerunVideoError } from '../errors.js';
import type { Movie, TrackHeader } from './movie.js';
import { sortByTime } from './order.js';
import { Slices } from '../slices.js';
import type { SampleTable } from './sample-table.js';
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
  /**
   * The samples in timestamp order (decode-only ones too), ties by index, when that is not
   * their decode order (B-frames); absent when it is, or not worked out (the decoder sorts).
   */
  byTime?: Uint32Array;
}

/**
 * The bytes `[start, end)` of the GOP that starts at decode sample `key` (to the next key of
 * `keys`, which may differ from the track's own flags), and the sample the next one starts at.
 */
export function gopSpan({ offsets, sizes, count }: Samples, keys: Uint8Array, key: number): { start: number; end: number; next: number } {
  let start = Infinity;
  let end = 0;
  let i = key;
  for (; i < count && (i === key || !keys[i]); i++) {
    start = Math.min(start, offsets[i]);
    end = Math.max(end, offsets[i] + sizes[i]);
  }
  return { start, end, next: i };
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

/**
 * The duration of a track known only by its head, from its header: mdhd's end moved as the
 * first sample's presentation time is moved from its decode time (`shift`, seconds), and no
 * longer than its edit list. The whole table's end can differ by a frame (the last frame's
 * composition offset): it replaces this once read, with a `durationchange`.
 */
function headDuration(movie: Movie, track: TrackHeader, shift: number): number {
  let end = shift + track.duration / track.timescale;
  const edited = movie.timescale > 0 ? track.edits.reduce((sum, e) => sum + (Number.isFinite(e.segment_duration) ? e.segment_duration : 0), 0) : 0;
  if (edited > 0) end = Math.min(end, edited / movie.timescale);
  return Math.max(0, end) || 0;
}

/**
 * Builds the first video track of a movie from its header boxes and its samples in decode
 * order (the moov's sample tables, or a fragmented file's fragments). `head`: the table is the
 * first samples of a longer one (see `readSampleTable`'s limit), so its last sample does not
 * last to the end of the track.
 */
export async function buildVideoTrack(
  movie: Movie,
  track: TrackHeader,
  table: SampleTable,
  slices = new Slices(),
  { head = false } = {},
): Promise<VideoTrack> {
  const entry = track.entry;
  if (!entry) throw new RerunVideoError('format', `Track ${track.id} has no visual sample entry.`);
  if (entry.type === 'encv') {
    throw new RerunVideoError('format', 'The video track is encrypted (encv); it cannot be decoded here.');
  }
  const count = table.count;
  if (count === 0) throw new RerunVideoError('format', 'The video track has no samples.');
  if (!movie.fragmented && !head) {
    // The last sample lasts to the end of the track (mdhd), as mp4box has it.
    const toEnd = track.duration - table.dts[count - 1];
    if (toEnd > 0) table.durations[count - 1] = toEnd;
  }
  const timescale = track.timescale;
  if (!(timescale > 0)) throw new RerunVideoError('format', `The video track's timescale is ${timescale}.`);
  // As few passes over the samples as can be: an hour's 100,000 run before the JIT has
  // compiled the loops, at a few hundred ns per sample and pass in a fresh page.
  const { dts, cts, durations } = table;
  const durationsUs = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(dts[i])) {
      throw new RerunVideoError('format', 'The video track has samples without a decode time: its sample tables are damaged.');
    }
    // A damaged ctts can leave a sample without a composition time: its decode time stands in.
    if (!Number.isFinite(cts[i])) cts[i] = dts[i];
    durationsUs[i] = Math.max(0, Math.round((durations[i] / timescale) * 1e6)) || 0;
  }
  await slices.pause();

  const timeline = buildTimeline({
    cts,
    timescale,
    movieTimescale: movie.timescale,
    edits: track.edits,
    fragmented: movie.fragmented,
  });
  await slices.pause();

  // Presentation order: every sample by presentation time (already in order without B-frames),
  // the decoder's too (it tells its output frames by timestamp); the shown ones are a part of it.
  const { pts, presented } = timeline;
  let byTime = new Uint32Array(count);
  let sorted = true;
  let earliest = 0;
  for (let i = 0; i < count; i++) {
    byTime[i] = i;
    const time = pts[i];
    if (time < earliest) earliest = time;
    if (i > 0 && time < pts[i - 1]) sorted = false;
  }
  if (!sorted) byTime = sortByTime(byTime, pts);
  await slices.pause();
  const order = new Uint32Array(count);
  let shown = 0;
  for (let k = 0; k < count; k++) if (presented[byTime[k]]) order[shown++] = byTime[k];
  await slices.pause();

  const timestampOffsetUs = Math.round(-earliest * 1e6);
  const timestampsUs = new Float64Array(count);
  for (let i = 0; i < count; i++) timestampsUs[i] = Math.round(pts[i] * 1e6) + timestampOffsetUs;
  await slices.pause();
  const frames = new Int32Array(count).fill(-1);
  const frameTimestamps = new Array<number>(shown);
  for (let frame = 0; frame < shown; frame++) {
    const sample = order[frame];
    frames[sample] = frame;
    frameTimestamps[frame] = pts[sample];
  }
  const keys = table.sync.slice();
  const syncFlagsTrusted = keys[0] === 1;
  // Some muxers leave the sync flags out for open-GOP streams or fragment starts; the first
  // sample must be decodable anyway, so treat it as the entry point (the decoder then checks
  // the bits).
  keys[0] = 1;
  const samples: Samples = { count, offsets: table.offsets, sizes: table.sizes, keys, timestampsUs, durationsUs, frames, byTime: sorted ? undefined : byTime };

  const last = order[shown - 1];
  const orientation = orientationOf(track.matrix);
  const codedWidth = entry.width;
  const codedHeight = entry.height;
  // tkhd carries the display size (pixel aspect ratio applied) before the matrix.
  const width = track.width > 0 ? Math.round(track.width) : codedWidth;
  const height = track.height > 0 ? Math.round(track.height) : codedHeight;
  const display = displaySize(width, height, orientation);

  return {
    trackId: track.id,
    codec: webCodecsCodec(entry.codec),
    description: entry.description,
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
    frameSample: new Int32Array(order.buffer, 0, shown),
    duration: head ? headDuration(movie, track, pts[0] - dts[0] / timescale) : pts[last] + (Math.max(0, table.durations[last] / timescale) || 0),
  };
}
