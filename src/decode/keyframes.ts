/**
 * Whether a coded sample is a key frame, read from the bitstream itself. Containers get the
 * sync flags wrong (an IDR flagged non-sync at the start of each fragment, an open-GOP I-frame
 * flagged sync); a decoder started on anything but a real key frame fails (Chromium throws
 * `DataError` from `decode()`), so run starts are checked against the bits.
 *
 * Each function answers true / false when the bits say so, and null when they cannot be read
 * (then the container's flag stands).
 */

export type Codec = 'h264' | 'h265' | 'vp8' | 'vp9' | 'av1' | 'other';

/** The codec family of a WebCodecs codec string. */
export function codecFamily(codec: string): Codec {
  const prefix = codec.slice(0, 4).toLowerCase();
  if (prefix === 'avc1' || prefix === 'avc3') return 'h264';
  if (prefix === 'hvc1' || prefix === 'hev1') return 'h265';
  if (prefix === 'vp8' || prefix === 'vp08') return 'vp8';
  if (prefix === 'vp09') return 'vp9';
  if (prefix === 'av01') return 'av1';
  return 'other';
}

/** Calls `visit(firstByteOffset, length)` for each length-prefixed NAL unit; false if malformed. */
function forEachNal(data: Uint8Array, lengthSize: number, visit: (offset: number, length: number) => boolean | void): boolean {
  let offset = 0;
  while (offset + lengthSize <= data.byteLength) {
    let length = 0;
    for (let i = 0; i < lengthSize; i++) length = length * 256 + data[offset + i];
    offset += lengthSize;
    if (length === 0 || offset + length > data.byteLength) return false;
    if (visit(offset, length) === false) return true;
    offset += length;
  }
  return offset === data.byteLength;
}

const SEI_RECOVERY_POINT = 6;

/** Whether an H.264 SEI NAL unit (from its payload, after the header byte) carries a recovery point. */
function hasRecoveryPoint(data: Uint8Array, start: number, end: number): boolean {
  let offset = start;
  while (offset < end && data[offset] !== 0x80) {
    let type = 0;
    for (; data[offset] === 0xff; offset++) type += 255;
    type += data[offset++] ?? 0;
    let size = 0;
    for (; data[offset] === 0xff; offset++) size += 255;
    size += data[offset++] ?? 0;
    if (type === SEI_RECOVERY_POINT) return true;
    offset += size;
  }
  return false;
}

/** slice_type of an H.264 slice header (after the NAL header byte): 2 or 7 is an I slice. */
function isIntraSlice(data: Uint8Array, start: number, end: number): boolean {
  const bits = new BitReader(data.subarray(start, Math.min(end, start + 16)));
  bits.golomb(); // first_mb_in_slice
  return bits.golomb() % 5 === 2;
}

/**
 * H.264 / H.265 with length-prefixed NAL units: an IDR (H.264) or IRAP (H.265) slice. An
 * H.264 I slice after a recovery-point SEI counts too: open-GOP streams (broadcast, some
 * cameras) may carry no IDR at all, and decoders start from such a picture.
 */
function isKeyNal(data: Uint8Array, lengthSize: number, h265: boolean): boolean | null {
  let key = false;
  let slice = false;
  let recoveryPoint = false;
  const wellFormed = forEachNal(data, lengthSize, (offset, length) => {
    const header = data[offset];
    if (h265) {
      const type = (header >> 1) & 0x3f;
      if (type <= 31) {
        slice = true;
        key = type >= 16 && type <= 23;
        return false;
      }
    } else {
      const type = header & 0x1f;
      if (type === 6 && hasRecoveryPoint(data, offset + 1, offset + length)) recoveryPoint = true;
      if (type >= 1 && type <= 5) {
        slice = true;
        key = type === 5 || (type === 1 && recoveryPoint && isIntraSlice(data, offset + 1, offset + length));
        return false;
      }
    }
    return true;
  });
  return wellFormed && slice ? key : null;
}

/** VP8: bit 0 of the frame tag is 0 for a key frame. */
function isKeyVp8(data: Uint8Array): boolean | null {
  return data.byteLength < 3 ? null : (data[0] & 1) === 0;
}

/** VP9 uncompressed header: frame_marker, profile, show_existing_frame, frame_type (0 = key). */
function isKeyVp9(data: Uint8Array): boolean | null {
  if (data.byteLength < 2) return null;
  const bits = new BitReader(data);
  if (bits.read(2) !== 2) return null;
  const profile = bits.read(1) | (bits.read(1) << 1);
  if (profile === 3) bits.read(1);
  if (bits.read(1) === 1) return false; // show_existing_frame
  return bits.read(1) === 0;
}

const OBU_SEQUENCE_HEADER = 1;
const OBU_FRAME_HEADER = 3;
const OBU_FRAME = 6;

/**
 * AV1: the first frame header's `frame_type` (0 = KEY_FRAME), read as for a sequence without
 * `reduced_still_picture_header` (every camera and encoder stream: still pictures are not
 * video). A temporal unit that starts with a sequence header and a shown key frame is a key.
 */
function isKeyAv1(data: Uint8Array): boolean | null {
  let offset = 0;
  while (offset < data.byteLength) {
    const header = data[offset];
    if (header & 0x80) return null; // forbidden bit
    const type = (header >> 3) & 0x0f;
    const extension = (header >> 2) & 1;
    const hasSize = (header >> 1) & 1;
    let position = offset + 1 + extension;
    let size = data.byteLength - position;
    if (hasSize) {
      let value = 0;
      let i = 0;
      for (; i < 8; i++) {
        const byte = data[position + i];
        if (byte === undefined) return null;
        value += (byte & 0x7f) * 2 ** (7 * i);
        if (!(byte & 0x80)) break;
      }
      position += i + 1;
      size = value;
    }
    if (position + size > data.byteLength) return null;
    if (type === OBU_FRAME_HEADER || type === OBU_FRAME) {
      const bits = new BitReader(data.subarray(position, position + size));
      if (bits.read(1) === 1) return false; // show_existing_frame
      return bits.read(2) === 0;
    }
    if (type === OBU_SEQUENCE_HEADER && !hasSize) return null;
    offset = position + size;
  }
  return null;
}

/**
 * Whether `data` (one sample, as stored in MP4: length-prefixed NAL units for H.264/H.265)
 * codes a key frame. `lengthSize` is the NAL length field size from avcC/hvcC (usually 4).
 */
export function isKeyFrame(codec: Codec, data: Uint8Array, lengthSize = 4): boolean | null {
  switch (codec) {
    case 'h264':
      return isKeyNal(data, lengthSize, false);
    case 'h265':
      return isKeyNal(data, lengthSize, true);
    case 'vp8':
      return isKeyVp8(data);
    case 'vp9':
      return isKeyVp9(data);
    case 'av1':
      return isKeyAv1(data);
    default:
      return null;
  }
}

/** NAL length-field size from an avcC or hvcC record; 4 when it cannot be read. */
export function nalLengthSize(codec: Codec, description: Uint8Array | undefined): number {
  if (!description) return 4;
  if (codec === 'h264' && description.byteLength >= 5 && description[0] === 1) return (description[4] & 3) + 1;
  if (codec === 'h265' && description.byteLength >= 22 && description[0] === 1) return (description[21] & 3) + 1;
  return 4;
}

class BitReader {
  private position = 0;
  constructor(private readonly data: Uint8Array) {}

  /** An unsigned Exp-Golomb code, ue(v). */
  golomb(): number {
    let zeros = 0;
    while (zeros < 32 && this.read(1) === 0) zeros++;
    return 2 ** zeros - 1 + this.read(zeros);
  }

  read(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const byte = this.data[this.position >> 3] ?? 0;
      value = (value << 1) | ((byte >> (7 - (this.position & 7))) & 1);
      this.position++;
    }
    return value;
  }
}
