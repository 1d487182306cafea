/**
 * WebCodecs codec strings for Matroska tracks, built as the MP4 path builds them (mp4box's
 * `getCodec()` of the sample entry): from the CodecPrivate where it carries a configuration
 * record (avcC, hvcC, av1C, the VP9 feature list) and from the first key frame's bits where
 * it does not (a VP9 track from FFmpeg or MediaRecorder has no CodecPrivate).
 */
import { annexBUnits } from '../mp4/annexb.js';
import { dec2, hex2 } from '../mp4/codec-records.js';

export { av1Codec, avcCodec, hevcCodec } from '../mp4/codec-records.js';


/** `avc1.PPCCLL` from the SPS of an Annex-B sample (H.264 in Matroska without CodecPrivate). */
export function avcCodecFromAnnexB(sample: Uint8Array): string | null {
  const sps = annexBUnits(sample).find((unit) => (unit[0] & 0x1f) === 7 && unit.byteLength >= 4);
  return sps ? `avc1.${hex2(sps[1])}${hex2(sps[2])}${hex2(sps[3])}` : null;
}

/** Reads bits most significant first; past the end it reads zeros (the callers check bounds). */
class Bits {
  private position = 0;
  constructor(private readonly data: Uint8Array) {}

  get exhausted(): boolean {
    return this.position > this.data.byteLength * 8;
  }

  read(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const byte = this.data[this.position >> 3] ?? 0;
      value = value * 2 + ((byte >> (7 - (this.position & 7))) & 1);
      this.position++;
    }
    return value;
  }

  /** AV1 uvlc(). */
  uvlc(): number {
    let zeros = 0;
    while (zeros < 32 && this.read(1) === 0) zeros++;
    return zeros >= 32 ? 0 : this.read(zeros) + 2 ** zeros - 1;
  }
}

/** The OBUs of an AV1 temporal unit (low-overhead format: each with its size). */
function* obus(data: Uint8Array): Generator<{ type: number; payload: Uint8Array }> {
  for (let offset = 0, guard = 0; offset < data.byteLength && guard < 1000; guard++) {
    const header = data[offset];
    const type = (header >> 3) & 0x0f;
    const extension = (header >> 2) & 1;
    let position = offset + 1 + extension;
    let size = data.byteLength - position;
    if ((header >> 1) & 1) {
      size = 0;
      let i = 0;
      for (; i < 8; i++) {
        const byte = data[position + i];
        if (byte === undefined) return;
        size += (byte & 0x7f) * 2 ** (7 * i);
        if (!(byte & 0x80)) break;
      }
      position += i + 1;
    }
    if (position + size > data.byteLength) return;
    yield { type, payload: data.subarray(position, position + size) };
    offset = position + size;
  }
}

/**
 * `av01.P.LLT.DD` from the sequence header OBU of a key frame (an AV1 track without
 * CodecPrivate): profile, the first operating point's level and tier, and the bit depth.
 */
export function av1CodecFromBitstream(sample: Uint8Array): string | null {
  for (const { type, payload } of obus(sample)) {
    if (type !== 1) continue; // OBU_SEQUENCE_HEADER
    const bits = new Bits(payload);
    const profile = bits.read(3);
    bits.read(1); // still_picture
    const reduced = bits.read(1);
    let level = 0;
    let tier = 0;
    if (reduced) {
      level = bits.read(5);
    } else {
      let decoderModel = 0;
      let bufferDelayLength = 0;
      if (bits.read(1)) {
        // timing_info
        bits.read(32);
        bits.read(32);
        if (bits.read(1)) bits.uvlc();
        decoderModel = bits.read(1);
        if (decoderModel) {
          bufferDelayLength = bits.read(5) + 1;
          bits.read(32);
          bits.read(10);
        }
      }
      const displayDelay = bits.read(1);
      const points = bits.read(5) + 1;
      for (let i = 0; i < points; i++) {
        bits.read(12); // operating_point_idc
        const pointLevel = bits.read(5);
        const pointTier = pointLevel > 7 ? bits.read(1) : 0;
        if (i === 0) [level, tier] = [pointLevel, pointTier];
        if (decoderModel && bits.read(1)) bits.read(2 * bufferDelayLength + 1);
        if (displayDelay && bits.read(1)) bits.read(4);
      }
    }
    const widthBits = bits.read(4) + 1;
    const heightBits = bits.read(4) + 1;
    bits.read(widthBits + heightBits);
    if (!reduced && bits.read(1)) bits.read(7); // frame_id_numbers_present: delta and additional lengths
    bits.read(3); // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
    if (!reduced) {
      bits.read(4); // interintra, masked compound, warped motion, dual filter
      const orderHint = bits.read(1);
      if (orderHint) bits.read(2);
      const forceScreenContent = bits.read(1) ? 2 : bits.read(1);
      if (forceScreenContent > 0 && !bits.read(1)) bits.read(1);
      if (orderHint) bits.read(3);
    }
    bits.read(3); // superres, cdef, restoration
    const high = bits.read(1);
    const depth = profile === 2 && high ? (bits.read(1) ? 12 : 10) : high ? 10 : 8;
    if (bits.exhausted) return null;
    return `av01.${profile}.${dec2(level)}${tier ? 'H' : 'M'}.${dec2(depth)}`;
  }
  return null;
}

/** VP9 profile and bit depth from a key frame's uncompressed header; null if it is none. */
export function vp9FrameInfo(frame: Uint8Array): { profile: number; bitDepth: number } | null {
  if (frame.byteLength < 10) return null;
  const bits = new Bits(frame);
  if (bits.read(2) !== 2) return null; // frame_marker
  const profile = bits.read(1) | (bits.read(1) << 1);
  if (profile === 3) bits.read(1);
  if (bits.read(1)) return null; // show_existing_frame
  if (bits.read(1) !== 0) return null; // not a key frame
  bits.read(2); // show_frame, error_resilient_mode
  if (bits.read(24) !== 0x498342) return null; // frame_sync_code
  const bitDepth = profile >= 2 ? (bits.read(1) ? 12 : 10) : 8;
  return { profile, bitDepth };
}

/**
 * The VP9 level for a picture size and frame rate, as FFmpeg's vpcc.c picks it (and so the
 * vpcC of an FFmpeg MP4: `vp09.00.20.08` for 320x240 at 30 fps). 62, the highest, past the table.
 */
export function vp9Level(width: number, height: number, frameRate: number): number {
  const pictureSize = width * height;
  const sampleRate = Number.isFinite(frameRate) && frameRate > 0 ? Math.floor(pictureSize * frameRate) : 0;
  const levels: Array<[number, number, number]> = [
    [10, 829440, 36864],
    [11, 2764800, 73728],
    [20, 4608000, 122880],
    [21, 9216000, 245760],
    [30, 20736000, 552960],
    [31, 36864000, 983040],
    [40, 83558400, 2228224],
    [41, 160432128, 2228224],
    [50, 311951360, 8912896],
    [51, 588251136, 8912896],
    [52, 1176502272, 8912896],
    [60, 1176502272, 35651584],
    [61, 2353004544, 35651584],
    [62, 4706009088, 35651584],
  ];
  for (const [level, maxRate, maxSize] of levels) if (sampleRate <= maxRate && pictureSize <= maxSize) return level;
  return 62;
}

/** The VP9 CodecPrivate's features (WebM: ID, length, value): profile 1, level 2, bit depth 3. */
export function vp9Features(codecPrivate: Uint8Array | undefined): { profile?: number; level?: number; bitDepth?: number } {
  const features: { profile?: number; level?: number; bitDepth?: number } = {};
  if (!codecPrivate) return features;
  for (let at = 0; at + 2 <= codecPrivate.byteLength; ) {
    const [id, length] = [codecPrivate[at], codecPrivate[at + 1]];
    if (at + 2 + length > codecPrivate.byteLength) break;
    const value = length === 1 ? codecPrivate[at + 2] : undefined;
    if (value !== undefined) {
      if (id === 1) features.profile = value;
      else if (id === 2) features.level = value;
      else if (id === 3) features.bitDepth = value;
    }
    at += 2 + length;
  }
  return features;
}

const VP9_LEVELS = new Set([10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 52, 60, 61, 62]);

/**
 * `vp09.PP.LL.DD`: profile and bit depth from the CodecPrivate, else from the first key
 * frame; the level from the CodecPrivate, else from the picture size and frame rate.
 */
export function vp9Codec(
  codecPrivate: Uint8Array | undefined,
  firstKeyFrame: Uint8Array | null,
  width: number,
  height: number,
  frameRate: number,
): string {
  const features = vp9Features(codecPrivate);
  const frame = firstKeyFrame ? vp9FrameInfo(firstKeyFrame) : null;
  const profile = features.profile ?? frame?.profile ?? 0;
  const bitDepth = features.bitDepth ?? frame?.bitDepth ?? 8;
  const level = features.level !== undefined && VP9_LEVELS.has(features.level) ? features.level : vp9Level(width, height, frameRate);
  return `vp09.${dec2(profile)}.${dec2(level)}.${dec2(bitDepth)}`;
}
