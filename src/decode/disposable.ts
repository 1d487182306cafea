/**
 * Whether a coded sample can be left out when decoding towards another frame: nothing
 * refers to it, so only its own picture is lost. Seeking skips these on the way to the
 * target, which saves decoding most B-frames.
 */

/** NAL length-field size (bytes) from an avcC record, or 0 when it is not one. */
export function avcLengthSize(avcC: Uint8Array | undefined): number {
  if (!avcC || avcC.byteLength < 5 || avcC[0] !== 1) return 0;
  return (avcC[4] & 3) + 1;
}

/**
 * For H.264 in MP4 (length-prefixed NAL units): true when the sample has slice NAL units
 * and every one of them has `nal_ref_idc` 0 (a non-reference picture). Anything unexpected
 * (malformed lengths, no slices) answers false, so the sample is decoded.
 */
export function isDisposableH264(data: Uint8Array, lengthSize: number): boolean {
  if (lengthSize < 1 || lengthSize > 4) return false;
  let offset = 0;
  let slices = 0;
  while (offset + lengthSize < data.byteLength) {
    let length = 0;
    for (let i = 0; i < lengthSize; i++) length = length * 256 + data[offset + i];
    offset += lengthSize;
    if (length === 0 || offset + length > data.byteLength) return false;
    const header = data[offset];
    const type = header & 0x1f;
    if (type === 1 || type === 5) {
      if ((header & 0x60) !== 0) return false;
      slices++;
    }
    offset += length;
  }
  return slices > 0 && offset === data.byteLength;
}
