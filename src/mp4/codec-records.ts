/**
 * Codec strings from decoder configuration records (avcC, hvcC, av1C), built field by field
 * as mp4box's `getCodec()` builds them for a sample entry. The MP4 reader uses them for the
 * sample entry's record, the WebM reader for a CodecPrivate that carries one.
 */

export const hex2 = (value: number) => value.toString(16).padStart(2, '0');
export const dec2 = (value: number) => String(value).padStart(2, '0');

/** `avc1.PPCCLL` from an avcC record (profile, constraint flags, level); null if it is not one. */
export function avcCodec(avcC: Uint8Array): string | null {
  if (avcC.byteLength < 4 || avcC[0] !== 1) return null;
  return `avc1.${hex2(avcC[1])}${hex2(avcC[2])}${hex2(avcC[3])}`;
}

/**
 * `hvc1.…` (or `hev1.…` when the record holds no parameter sets: they travel in-band) from an
 * hvcC record, field by field as mp4box writes it: profile space and idc, the compatibility
 * flags bit-reversed, tier and level, the constraint bytes without trailing zeros.
 */
export function hevcCodec(hvcC: Uint8Array): string | null {
  if (hvcC.byteLength < 23 || hvcC[0] !== 1) return null;
  const space = ['', 'A', 'B', 'C'][hvcC[1] >> 6];
  const tier = (hvcC[1] >> 5) & 1 ? 'H' : 'L';
  const profile = hvcC[1] & 0x1f;
  let flags = ((hvcC[2] << 24) | (hvcC[3] << 16) | (hvcC[4] << 8) | hvcC[5]) >>> 0;
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = ((reversed << 1) | (flags & 1)) >>> 0;
    flags >>>= 1;
  }
  const constraints = Array.from(hvcC.subarray(6, 12));
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const arrays = hvcC[22];
  const family = arrays > 0 ? 'hvc1' : 'hev1';
  const tail = constraints.map((byte) => `.${byte.toString(16)}`).join('');
  return `${family}.${space}${profile}.${reversed.toString(16)}.${tier}${hvcC[12]}${tail}`;
}

/** `av01.P.LLT.DD` from an av1C record (AV1CodecConfigurationRecord); null if it is not one. */
export function av1Codec(av1C: Uint8Array): string | null {
  if (av1C.byteLength < 4 || av1C[0] !== 0x81) return null;
  const profile = av1C[1] >> 5;
  const level = av1C[1] & 0x1f;
  const tier = av1C[2] >> 7 ? 'H' : 'M';
  const depth = (av1C[2] >> 6) & 1 ? ((av1C[2] >> 5) & 1 ? 12 : 10) : 8;
  return `av01.${profile}.${dec2(level)}${tier}.${dec2(depth)}`;
}
