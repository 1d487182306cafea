/**
 * H.264/H.265 samples written with Annex-B start codes (`00 00 00 01`) into an MP4, whose
 * avcC then often holds no parameter sets: a muxer bug that `<video>` tolerates. WebCodecs
 * wants length-prefixed NAL units and the SPS/PPS in the description, so such samples are
 * converted as they are read, and the description is rebuilt from the stream's own SPS/PPS.
 */
import type { ByteSource } from './byte-source.js';
import type { VideoTrack } from './video-track.js';

/** Whether `data` parses as length-prefixed NAL units (4-byte lengths) from end to end. */
function isLengthPrefixed(data: Uint8Array): boolean {
  let offset = 0;
  while (offset + 4 <= data.byteLength) {
    const length = ((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) >>> 0;
    if (length === 0) return false;
    offset += 4 + length;
  }
  return offset === data.byteLength;
}

/** Whether a sample is Annex-B: it starts with a start code and is not valid length-prefixed data. */
export function isAnnexB(data: Uint8Array): boolean {
  const startCode =
    data.byteLength >= 4 && data[0] === 0 && data[1] === 0 && (data[2] === 1 || (data[2] === 0 && data[3] === 1));
  return startCode && !isLengthPrefixed(data);
}

/** The NAL units of an Annex-B byte stream (start codes and trailing zero bytes removed). */
export function annexBUnits(data: Uint8Array): Uint8Array[] {
  const starts: number[] = [];
  for (let i = 0; i + 2 < data.byteLength; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      starts.push(i + 3);
      i += 2;
    }
  }
  const units: Uint8Array[] = [];
  for (let k = 0; k < starts.length; k++) {
    let end = k + 1 < starts.length ? starts[k + 1] - 3 : data.byteLength;
    while (end > starts[k] && data[end - 1] === 0) end--;
    if (end > starts[k]) units.push(data.subarray(starts[k], end));
  }
  return units;
}

/** Annex-B → 4-byte length-prefixed NAL units (what the avcC/hvcC with lengthSize 4 says). */
export function toLengthPrefixed(data: Uint8Array): Uint8Array {
  const units = annexBUnits(data);
  const out = new Uint8Array(units.reduce((sum, unit) => sum + 4 + unit.byteLength, 0));
  let offset = 0;
  for (const unit of units) {
    new DataView(out.buffer).setUint32(offset, unit.byteLength);
    out.set(unit, offset + 4);
    offset += 4 + unit.byteLength;
  }
  return out;
}

/**
 * An avcC record with the SPS/PPS of `units`, keeping the rest of `original` (profile
 * extension bytes); null when the units hold no SPS.
 */
export function avcCWithParameterSets(original: Uint8Array | undefined, units: Uint8Array[]): Uint8Array | null {
  const sps = units.filter((unit) => (unit[0] & 0x1f) === 7);
  const pps = units.filter((unit) => (unit[0] & 0x1f) === 8);
  if (sps.length === 0 || sps[0].byteLength < 4) return null;
  // After version, profile, compatibility, level, length size and an empty SPS/PPS list.
  const extension = original && original.byteLength > 7 && original[5] === 0xe0 && original[6] === 0 ? original.subarray(7) : [];
  const bytes = [1, sps[0][1], sps[0][2], sps[0][3], 0xff, 0xe0 | sps.length];
  for (const set of sps) bytes.push(set.byteLength >> 8, set.byteLength & 0xff, ...set);
  bytes.push(pps.length);
  for (const set of pps) bytes.push(set.byteLength >> 8, set.byteLength & 0xff, ...set);
  bytes.push(...extension);
  return Uint8Array.from(bytes);
}

/**
 * When the track's samples are Annex-B, returns the track with a description built from the
 * first sample's parameter sets (H.264) and bytes that convert every sample as it is read.
 * Otherwise returns them as they are.
 */
export async function repairAnnexB(track: VideoTrack, bytes: ByteSource): Promise<{ track: VideoTrack; bytes: ByteSource }> {
  const family = track.codec.slice(0, 4);
  if (!['avc1', 'avc3', 'hvc1', 'hev1'].includes(family) || track.samples.count === 0) return { track, bytes };
  let head: Uint8Array;
  try {
    head = await bytes.read(track.samples.offsets[0], track.samples.sizes[0]);
  } catch {
    return { track, bytes }; // the decoder reports missing bytes where it needs them
  }
  if (!isAnnexB(head)) return { track, bytes };
  const description = family.startsWith('avc') ? avcCWithParameterSets(track.description, annexBUnits(head)) : null;
  const converting: ByteSource = {
    get size() {
      return bytes.size;
    },
    read: async (offset, size) => toLengthPrefixed(await bytes.read(offset, size)),
    prefetch: bytes.prefetch?.bind(bytes),
    has: (offset, length) => bytes.has(offset, length),
    close: () => bytes.close(),
  };
  return { track: { ...track, description: description ?? track.description }, bytes: converting };
}
