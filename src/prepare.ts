/**
 * What a load will show, decided without the DOM: the codec hint is checked before anything is
 * fetched, then the file is opened and its track's decoder configuration checked.
 */
import { checkSupport, codecForHint, effectiveCodec } from './codecs.js';
import { decoderConfig } from './decode/frame-decoder.js';
import type { UnsupportedCodecReason } from './events.js';
import type { OpenedVideo } from './mp4/open-mp4.js';
import type { VideoTrack } from './mp4/video-track.js';

export type Prepared =
  | { kind: 'video'; opened: OpenedVideo; track: VideoTrack }
  | { kind: 'unsupported'; codec: string; reason: UnsupportedCodecReason };

export interface PrepareOptions {
  codecHint: string | null;
  hardwareAcceleration: HardwareAcceleration;
  /** Opens the file (once per src: a new decision on the same file reuses it). */
  open(): Promise<OpenedVideo>;
  /** False once the load was superseded: stop without opening anything more. */
  current(): boolean;
}

/** Resolves with the track to decode and its bytes, or why this browser cannot decode it; null when superseded. */
export async function prepareVideo({ codecHint, hardwareAcceleration, open, current }: PrepareOptions): Promise<Prepared | null> {
  const hinted = codecForHint(codecHint);
  // Without WebCodecs no video can be shown, and a hint the browser cannot decode needs no
  // download to know it.
  if (typeof VideoDecoder === 'undefined') return { kind: 'unsupported', codec: hinted ?? '', reason: 'no-webcodecs' };
  if (hinted) {
    const support = await checkSupport({ codec: hinted, hardwareAcceleration });
    if (!current()) return null;
    if (!support.supported) return { kind: 'unsupported', codec: hinted, reason: support.reason === 'no-webcodecs' ? 'no-webcodecs' : 'hint' };
  }
  const opened = await open();
  if (!current()) return null;
  // The hint serves as the codec when the file does not say (a bare `avc1`).
  const codec = effectiveCodec(opened.track.codec, codecHint);
  const track = codec === opened.track.codec ? opened.track : { ...opened.track, codec };
  const support = await checkSupport(decoderConfig(track, hardwareAcceleration));
  if (!current()) return null;
  if (!support.supported) return { kind: 'unsupported', codec: track.codec, reason: support.reason ?? 'config' };
  return { kind: 'video', opened, track };
}
