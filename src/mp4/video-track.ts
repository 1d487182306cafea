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
import { buildTimeline } from './timeline.js';

/** One coded sample, in decode order. */
export interface VideoSample {
  /** Byte offset in the file. */
  offset: number;
  size: number;
  isKey: boolean;
  /**
   * The chunk timestamp given to the decoder, whole microseconds: the presentation time
   * plus the track's `timestampOffsetUs`, so it is never negative. Frames are told apart by
   * it; what a frame shows is in `frame`.
   */
  timestampUs: number;
  durationUs: number;
  /** Index of the frame this sample shows, in presentation order; -1 for decode-only samples. */
  frame: number;
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
  samples: VideoSample[];
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

/**
 * Builds the sample table of the file's first video track. Call once the sample lists are
 * complete (after `onReady` for a plain MP4; after the last fragment for a fragmented one).
 */
export function buildVideoTrack(file: ISOFile, info: Movie): VideoTrack {
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
  const raw = file.getTrackSamplesInfo(track.id) ?? [];
  if (raw.length === 0) throw new RerunVideoError('format', 'The video track has no samples.');
  const timescale = trak.mdia.mdhd.timescale;
  if (!(timescale > 0)) throw new RerunVideoError('format', `The video track's timescale is ${timescale}.`);
  if (raw.some((sample) => !Number.isFinite(sample.dts))) {
    throw new RerunVideoError('format', 'The video track has samples without a decode time: its sample tables are damaged.');
  }

  const timeline = buildTimeline({
    // A damaged ctts can leave a sample without a composition time: its decode time stands in.
    cts: raw.map((sample) => (Number.isFinite(sample.cts) ? sample.cts : sample.dts)),
    timescale,
    movieTimescale: info.timescale,
    edits: track.edits,
    fragmented: info.isFragmented,
  });

  const order = [...raw.keys()]
    .filter((i) => timeline.presented[i])
    .sort((a, b) => timeline.pts[a] - timeline.pts[b]);
  const frameOf = new Int32Array(raw.length).fill(-1);
  order.forEach((sampleIndex, frame) => (frameOf[sampleIndex] = frame));

  const earliest = timeline.pts.reduce((min, t) => Math.min(min, t), 0);
  const timestampOffsetUs = Math.round(-earliest * 1e6);
  const samples: VideoSample[] = raw.map((sample, i) => ({
    offset: sample.offset,
    size: sample.size,
    isKey: sample.is_sync,
    timestampUs: Math.round(timeline.pts[i] * 1e6) + timestampOffsetUs,
    durationUs: Math.max(0, Math.round((sample.duration / timescale) * 1e6)) || 0,
    frame: frameOf[i],
  }));
  const syncFlagsTrusted = samples[0].isKey;
  if (!syncFlagsTrusted) {
    // Some muxers leave the sync flags out for open-GOP streams or fragment starts; the first
    // sample must be decodable anyway, so treat it as the entry point (the decoder then
    // checks the bits).
    samples[0].isKey = true;
  }

  const frameTimestamps = order.map((i) => timeline.pts[i]);
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
    duration: timeline.pts[last] + (Math.max(0, raw[last].duration / timescale) || 0),
  };
}
