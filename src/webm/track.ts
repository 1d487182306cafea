/**
 * A Matroska video track's blocks → the VideoTrack the MP4 path produces: samples in decode
 * order (the order of the blocks in the file), presentation times from the block timestamps,
 * frames in presentation order. Plain data in, plain data out.
 */
import { RerunVideoError } from '../errors.js';
import type { Samples, VideoTrack } from '../mp4/video-track.js';
import type { Picture } from '../painter.js';

/** The frames of the video track, in file (decode) order, as the cluster walk finds them. */
export class BlockList {
  count = 0;
  /** Byte offset and size of each frame's data in the file. */
  offsets = new Float64Array(1024);
  sizes = new Uint32Array(1024);
  /** Cluster timestamp + block timestamp, in TimestampScale units (the block's presentation time). */
  times = new Float64Array(1024);
  /** Block or lace duration in TimestampScale units; NaN when the block does not say. */
  durations = new Float64Array(1024);
  /** Bit 0: key frame; bit 1: invisible (decoded, never shown). */
  flags = new Uint8Array(1024);

  push(offset: number, size: number, time: number, duration: number, key: boolean, invisible: boolean): void {
    if (this.count === this.offsets.length) this.grow();
    const i = this.count++;
    this.offsets[i] = offset;
    this.sizes[i] = size;
    this.times[i] = time;
    this.durations[i] = duration;
    this.flags[i] = (key ? 1 : 0) | (invisible ? 2 : 0);
  }

  private grow(): void {
    const grown = <T extends Float64Array | Uint32Array | Uint8Array>(array: T): T => {
      const bigger = new (array.constructor as new (length: number) => T)(array.length * 2);
      bigger.set(array);
      return bigger;
    };
    this.offsets = grown(this.offsets);
    this.sizes = grown(this.sizes);
    this.times = grown(this.times);
    this.durations = grown(this.durations);
    this.flags = grown(this.flags);
  }
}

/** What the Tracks element says about the picture. */
export interface PictureInfo {
  pixelWidth: number;
  pixelHeight: number;
  crop: { top: number; bottom: number; left: number; right: number };
  /** DisplayWidth / DisplayHeight, 0 when absent; in `displayUnit`. */
  displayWidth: number;
  displayHeight: number;
  /** 0 pixels, 1 centimetres, 2 inches, 3 display aspect ratio, 4 unknown. */
  displayUnit: number;
}

/**
 * The displayed size. PixelCrop cuts the decoded picture; DisplayWidth/DisplayHeight in pixels
 * (the default unit) is the displayed size itself, as the Matroska specification defines it.
 * In any other unit (an aspect ratio, centimetres, inches) only their ratio counts: the
 * cropped picture is stretched in one direction to that ratio, as Chromium does for every unit.
 */
export function displayedSize(picture: PictureInfo): { width: number; height: number } {
  const { crop } = picture;
  const width = Math.max(1, picture.pixelWidth - crop.left - crop.right);
  const height = Math.max(1, picture.pixelHeight - crop.top - crop.bottom);
  const { displayWidth: dw, displayHeight: dh, displayUnit } = picture;
  if (!(dw > 0 && dh > 0) || displayUnit === 4) return { width, height };
  if (displayUnit === 0) return { width: Math.round(dw), height: Math.round(dh) };
  const ratio = dw / dh;
  return ratio > width / height ? { width: Math.round(height * ratio), height } : { width, height: Math.round(width / ratio) };
}

/** The part of the decoded picture PixelCrop leaves (at least one pixel, inside the picture). */
export function croppedRect(picture: PictureInfo): { x: number; y: number; width: number; height: number } {
  const { crop, pixelWidth, pixelHeight } = picture;
  const x = Math.min(crop.left, pixelWidth - 1);
  const y = Math.min(crop.top, pixelHeight - 1);
  return { x, y, width: Math.max(1, pixelWidth - x - crop.right), height: Math.max(1, pixelHeight - y - crop.bottom) };
}

export interface TrackParts {
  trackNumber: number;
  codec: string;
  description?: Uint8Array;
  picture: PictureInfo;
  /** Nanoseconds per timestamp unit (Info's TimestampScale). */
  timestampScale: number;
  /** DefaultDuration in nanoseconds; NaN when absent. */
  defaultDurationNs: number;
  /** The segment's Duration in seconds; NaN when absent (MediaRecorder files). */
  segmentDuration: number;
}

/**
 * Builds the track: timestamps in seconds (`units * TimestampScale / 1e9`, as FFmpeg and so
 * ffprobe compute them), shown frames sorted by presentation time (H.264/H.265 with B-frames
 * store blocks in decode order with their presentation timestamps), each sample's duration
 * from its block, the DefaultDuration, or the gap to the next frame shown.
 */
export function buildWebmTrack(blocks: BlockList, parts: TrackParts): VideoTrack & Pick<Picture, 'source'> {
  const count = blocks.count;
  if (count === 0) throw new RerunVideoError('format', 'The video track has no frames (no blocks of it in any cluster).');
  const secondsPerUnit = (units: number) => (units * parts.timestampScale) / 1e9;
  const pts = new Float64Array(count);
  for (let i = 0; i < count; i++) pts[i] = secondsPerUnit(blocks.times[i]);

  let order = Uint32Array.from({ length: count }, (_, i) => i).filter((i) => (blocks.flags[i] & 2) === 0);
  if (order.length === 0) throw new RerunVideoError('format', 'Every frame of the video track is flagged invisible.');
  if (order.some((sample, k) => k > 0 && pts[sample] < pts[order[k - 1]])) order = order.sort((a, b) => pts[a] - pts[b] || a - b);
  const frames = new Int32Array(count).fill(-1);
  for (let frame = 0; frame < order.length; frame++) frames[order[frame]] = frame;

  // Seconds each sample lasts: its block's, the track's default, else to the next frame shown.
  const defaultDuration = parts.defaultDurationNs > 0 ? parts.defaultDurationNs / 1e9 : NaN;
  const lasting = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const own = blocks.durations[i];
    lasting[i] = own >= 0 ? secondsPerUnit(own) : defaultDuration;
  }
  for (let k = 0; k < order.length; k++) {
    const sample = order[k];
    if (!Number.isNaN(lasting[sample])) continue;
    const gap = k + 1 < order.length ? pts[order[k + 1]] - pts[sample] : k > 0 ? pts[sample] - pts[order[k - 1]] : 0;
    lasting[sample] = Math.max(0, gap);
  }

  let earliest = 0;
  for (let i = 0; i < count; i++) earliest = Math.min(earliest, pts[i]);
  const timestampOffsetUs = Math.round(-earliest * 1e6);
  const timestampsUs = new Float64Array(count);
  const durationsUs = new Float64Array(count);
  const keys = new Uint8Array(count);
  const shownTimes = new Set<number>();
  for (let i = 0; i < count; i++) {
    timestampsUs[i] = Math.round(pts[i] * 1e6) + timestampOffsetUs;
    if (frames[i] >= 0) {
      shownTimes.add(timestampsUs[i]);
      durationsUs[i] = Math.round(lasting[i] * 1e6) || 0;
    }
    keys[i] = blocks.flags[i] & 1;
  }
  // An invisible frame (a VP8 alt-ref) may share its time with a shown one; the decoder outputs
  // nothing for it, but the shown frame's output must not be taken for it.
  for (let i = 0; i < count; i++) {
    if (frames[i] < 0) while (shownTimes.has(timestampsUs[i]) && timestampsUs[i] > 0) timestampsUs[i]--;
  }
  const syncFlagsTrusted = keys[0] === 1;
  // As for MP4: the first sample is the entry point whatever its flag; the decoder checks the bits.
  keys[0] = 1;
  const samples: Samples = {
    count,
    offsets: blocks.offsets.slice(0, count),
    sizes: blocks.sizes.slice(0, count),
    keys,
    timestampsUs,
    durationsUs,
    frames,
  };

  const frameTimestamps = Array.from(order, (i) => pts[i]);
  const last = order[order.length - 1];
  const lastEnd = pts[last] + lasting[last];
  const display = displayedSize(parts.picture);
  const { crop } = parts.picture;
  const cropped = crop.top > 0 || crop.bottom > 0 || crop.left > 0 || crop.right > 0;
  return {
    // The painter is handed the track as its Picture: with PixelCrop it draws only this part.
    source: cropped ? croppedRect(parts.picture) : undefined,
    trackId: parts.trackNumber,
    codec: parts.codec,
    description: parts.description,
    codedWidth: parts.picture.pixelWidth,
    codedHeight: parts.picture.pixelHeight,
    width: display.width,
    height: display.height,
    displayWidth: display.width,
    displayHeight: display.height,
    orientation: { a: 1, b: 0, c: 0, d: 1 },
    samples,
    syncFlagsTrusted,
    timestampOffsetUs,
    frameTimestamps,
    frameSample: Int32Array.from(order),
    // The segment's Duration where it covers the frames (what <video> reports), else the end of the last frame.
    duration: parts.segmentDuration > pts[last] ? parts.segmentDuration : lastEnd,
  };
}
