/**
 * `codec-hint` values → WebCodecs codec strings, and "can this browser decode it?".
 * No DOM; `VideoDecoder` is looked up when a check runs, so a page (or a test) without
 * WebCodecs is seen as such.
 */

/** A representative codec string per short hint: a common profile at a modest level. */
const HINT_CODECS: Readonly<Record<string, string>> = {
  h264: 'avc1.42E01E', // Constrained Baseline 3.0: the profile every H.264 decoder has
  avc: 'avc1.42E01E',
  avc1: 'avc1.42E01E',
  h265: 'hvc1.1.6.L93.B0', // Main, level 3.1
  hevc: 'hvc1.1.6.L93.B0',
  hvc1: 'hvc1.1.6.L93.B0',
  hev1: 'hev1.1.6.L93.B0',
  av1: 'av01.0.04M.08', // Main, level 3.0, 8-bit
  av01: 'av01.0.04M.08',
  vp9: 'vp09.00.10.08', // profile 0, level 1.0, 8-bit
  vp09: 'vp09.00.10.08',
  vp8: 'vp8',
  vp08: 'vp8',
};

/**
 * The codec string to probe for a `codec-hint`: a short name (`h264`, `h265`/`hevc`, `av1`,
 * `vp9`, `vp8`, case-insensitive) gives a representative string, anything else is taken as a
 * full codec string. Empty or blank gives null.
 */
export function codecForHint(hint: string | null | undefined): string | null {
  const trimmed = hint?.trim();
  if (!trimmed) return null;
  return HINT_CODECS[trimmed.toLowerCase()] ?? trimmed;
}

/** Whether a codec string names its profile and level (`avc1.64001f`), not just the family (`avc1`). */
export function isFullCodecString(codec: string): boolean {
  return codec === 'vp8' || /^[a-z0-9]{4}\.[^.]/i.test(codec);
}

/**
 * The codec to configure for a file: its own string, unless the file does not say (an empty or
 * bare four-character code) and the hint names a full string of the same family.
 */
export function effectiveCodec(fileCodec: string, hint: string | null | undefined): string {
  if (isFullCodecString(fileCodec)) return fileCodec;
  const hinted = codecForHint(hint);
  if (!hinted) return fileCodec;
  const family = (codec: string) => codec.slice(0, 4).toLowerCase().replace('hev1', 'hvc1');
  return !fileCodec || family(fileCodec) === family(hinted) ? hinted : fileCodec;
}

export type SupportReason = 'no-webcodecs' | 'config';

export interface SupportResult {
  supported: boolean;
  /** Why not, when not supported. */
  reason?: SupportReason;
}

/**
 * Asks WebCodecs whether it decodes a codec string or a full decoder config. A missing
 * `VideoDecoder` (insecure context, old browser) is `no-webcodecs`; a `false` from
 * `isConfigSupported`, or a config it rejects as invalid, is `config`.
 */
export async function checkSupport(codecOrConfig: string | VideoDecoderConfig): Promise<SupportResult> {
  if (typeof VideoDecoder === 'undefined') return { supported: false, reason: 'no-webcodecs' };
  const config = typeof codecOrConfig === 'string' ? { codec: codecOrConfig } : codecOrConfig;
  try {
    const { supported } = await VideoDecoder.isConfigSupported(config);
    return supported ? { supported: true } : { supported: false, reason: 'config' };
  } catch {
    // TypeError: a malformed config, which no browser decodes.
    return { supported: false, reason: 'config' };
  }
}
