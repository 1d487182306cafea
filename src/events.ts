import type { RerunVideoErrorInfo } from './errors.js';

/** Detail of `loadedmetadata`: what the parsed video track is. */
export interface MetadataDetail {
  /** Seconds, from the first presented frame's timestamp to the end of the last one. */
  duration: number;
  /** Displayed width (rotation and pixel aspect ratio applied), as `<video>.videoWidth`. */
  width: number;
  /** Displayed height, as `<video>.videoHeight`. */
  height: number;
  /** The codec string in use, e.g. `avc1.64001f`. */
  codec: string;
  frameCount: number;
}

/** Detail of `frame` and the value `seek()` resolves with. */
export interface FrameDetail {
  /** Presentation timestamp of the painted frame, seconds. */
  timestamp: number;
  /** How long the frame is shown, seconds (until the next frame's timestamp). */
  duration: number;
  /** Index of the frame in presentation order. */
  index: number;
  /** The `time` that asked for this frame. */
  requestedTime: number;
  /**
   * False when the frame for `requestedTime` cannot be decoded (its GOP is damaged) and this,
   * the nearest frame that does decode, is shown instead.
   */
  exact: boolean;
  source: 'video' | 'images';
}

const init = { bubbles: true, composed: true } as const;

/** Fired once the video track is parsed. */
export class LoadedMetadataEvent extends Event {
  static readonly eventName = 'loadedmetadata';
  constructor(readonly detail: MetadataDetail) {
    super(LoadedMetadataEvent.eventName, init);
  }
}

/** Fired after a different frame has been painted on the canvas. */
export class FrameEvent extends Event {
  static readonly eventName = 'frame';
  constructor(readonly detail: FrameDetail) {
    super(FrameEvent.eventName, init);
  }
}

/** Detail of `indexed`. */
export interface IndexedDetail {
  /** Every frame's count, as `frameCount` and `frameTimestamps.length` now are. */
  frameCount: number;
  duration: number;
}

/**
 * Fired once per file (or fallback image sequence) when every frame is in `frameTimestamps`:
 * right after `loadedmetadata` for a plain MP4 or a WebM, and for a fragmented MP4 once its
 * last fragment has been read (until then `frameCount` and `frameTimestamps` hold the
 * fragments read so far).
 */
export class IndexedEvent extends Event {
  static readonly eventName = 'indexed';
  constructor(readonly detail: IndexedDetail) {
    super(IndexedEvent.eventName, init);
  }
}

/** Why the video's codec cannot be decoded here. */
export type UnsupportedCodecReason =
  /** There is no `VideoDecoder` (an insecure context, an old browser). */
  | 'no-webcodecs'
  /** `codec-hint` ruled the codec out before anything was downloaded. */
  | 'hint'
  /** `isConfigSupported` said no for the parsed track. */
  | 'config'
  /** `configure` or `decode` failed with `NotSupportedError`. */
  | 'decoder';

/** Detail of `unsupported-codec`. */
export interface UnsupportedCodecDetail {
  /** The codec string that cannot be decoded (from the file, or from `codec-hint`). */
  codec: string;
  reason: UnsupportedCodecReason;
  /** Whether a `fallback` image sequence is shown instead. */
  fallback: boolean;
}

/** Fired once per `src` when its codec cannot be decoded here; the fallback (if any) follows. */
export class UnsupportedCodecEvent extends Event {
  static readonly eventName = 'unsupported-codec';
  constructor(readonly detail: UnsupportedCodecDetail) {
    super(UnsupportedCodecEvent.eventName, init);
  }
}

/**
 * Fired when the element cannot show anything for its `src`. Unlike the other events it does
 * not bubble (as `<video>`'s `error` does not): an `error` event that bubbles reaches
 * `window`, where `window.onerror` handlers, error trackers and test runners take it for an
 * uncaught exception. It is composed, so listeners on the element see it from any tree.
 */
export class RerunVideoErrorEvent extends Event {
  static readonly eventName = 'error';
  constructor(readonly detail: RerunVideoErrorInfo) {
    super(RerunVideoErrorEvent.eventName, { bubbles: false, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    // `loadedmetadata` and `error` already exist on HTMLElementEventMap with plain `Event`;
    // merging cannot narrow them, so listeners there read `(e as LoadedMetadataEvent).detail`.
    frame: FrameEvent;
    indexed: IndexedEvent;
    'unsupported-codec': UnsupportedCodecEvent;
  }
}
