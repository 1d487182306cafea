import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import type { RerunVideoErrorInfo } from './errors.js';
import type {
  FrameDetail,
  FrameEvent,
  LoadedMetadataEvent,
  RerunVideoErrorEvent,
  UnsupportedCodecEvent,
} from './events.js';
import { frameForTime } from './decode/seek-plan.js';
import { VideoController, type RerunVideoPlaybackQuality, type VideoState } from './video-controller.js';

/** The events `<rerun-video>` fires, for typed `addEventListener`. */
export type RerunVideoEventMap = Omit<HTMLElementEventMap, 'loadedmetadata' | 'error'> & {
  loadedmetadata: LoadedMetadataEvent;
  frame: FrameEvent;
  'unsupported-codec': UnsupportedCodecEvent;
  error: RerunVideoErrorEvent;
};

/**
 * Shows an MP4 camera stream frame-exactly at the time the page asks for, decoded with
 * WebCodecs and painted on a canvas. Where the browser cannot decode the codec it shows the
 * same frames from a JPEG image sequence (`fallback`), or says so.
 *
 * @summary An MP4 shown frame-exactly at `time`.
 *
 * @fires loadedmetadata - The video track is parsed. `detail: { duration, width, height, codec, frameCount }`.
 * @fires frame - A different frame has been painted. `detail: { timestamp, duration, index, requestedTime, source }`.
 * @fires unsupported-codec - The codec cannot be decoded here; the fallback (if any) is shown. `detail: { codec, reason: 'no-webcodecs' | 'hint' | 'config' | 'decoder', fallback }`.
 * @fires error - Nothing can be shown for `src`. `detail: { code: 'network' | 'format' | 'decode' | 'fallback', message }`.
 *
 * @csspart canvas - The canvas the frames are painted on.
 * @csspart message - The box saying the codec cannot be played, shown when there is no `fallback`.
 *
 * @slot unsupported - Replaces the text of that message.
 *
 * @cssprop [--rerun-video-background=transparent] - Background behind the picture (letterbox bars).
 */
@customElement('rerun-video')
export class RerunVideo extends LitElement {
  static override styles = css`
    :host {
      display: inline-block;
      position: relative;
      overflow: hidden;
      background: var(--rerun-video-background, transparent);
    }
    :host([hidden]) {
      display: none;
    }
    canvas {
      display: block;
      width: 100%;
      height: 100%;
      object-fit: contain;
    }
    :host([fit='cover']) canvas {
      object-fit: cover;
    }
    :host([fit='fill']) canvas {
      object-fit: fill;
    }
    [part='message'] {
      position: absolute;
      inset: 0;
      display: flex;
      align-items: center;
      justify-content: center;
      padding: 1em;
      box-sizing: border-box;
      text-align: center;
      font: 14px/1.4 system-ui, sans-serif;
      color: #eee;
      background: #222;
    }
  `;

  /** URL of the MP4 (`http(s):`, relative, `blob:` or `data:`). Changing it drops all work for the old one. */
  @property() src: string | null = null;

  /**
   * A `Blob` or `File` to show, as on `<video>`: it takes precedence over `src`, and is read in
   * slices (a file the user dropped is shown without being uploaded or copied whole).
   */
  @property({ attribute: false }) srcObject: Blob | null = null;

  /**
   * MiB of sample bytes kept in memory when the file is read by range (servers with range
   * requests, `srcObject`); a server without ranges streams the whole file into memory.
   * Applies from the next load.
   */
  @property({ type: Number, attribute: 'cache-size' }) cacheSize = 64;

  /** Presentation time to show, in seconds: the frame whose interval contains it. */
  @property({ type: Number }) time = 0;

  /** Passed to `VideoDecoder.configure`. */
  @property({ attribute: 'hardware-acceleration' })
  hardwareAcceleration: HardwareAcceleration = 'no-preference';

  /** As on `<video>`: `use-credentials` sends cookies with every fetch. */
  @property({ attribute: 'crossorigin' }) crossOrigin: 'anonymous' | 'use-credentials' | null = null;

  /** How the frame fills the element's box. */
  @property({ reflect: true }) fit: 'contain' | 'cover' | 'fill' = 'contain';

  /**
   * The codec the page expects: `h264`, `h265`/`hevc`, `av1`, `vp9`, `vp8` or a full codec
   * string. When this browser cannot decode it, the element goes to the fallback without
   * downloading the MP4; it also serves as the codec when a file does not say.
   */
  @property({ attribute: 'codec-hint' }) codecHint: string | null = null;

  /** URL of a JPEG image-sequence manifest, shown when the video's codec cannot be decoded. */
  @property() fallback: string | null = null;

  /** The canvas frames are painted on. */
  @query('canvas') readonly canvas!: HTMLCanvasElement | null;

  private readonly video = new VideoController(this);

  /** Length in seconds, to the end of the last frame; NaN until metadata is known. */
  get duration(): number {
    return this.video.duration;
  }

  /** Displayed width in pixels (rotation and pixel aspect ratio applied; in fallback, the images'); 0 until known. */
  get videoWidth(): number {
    return this.video.size.width;
  }

  /** Displayed height in pixels; 0 until known. */
  get videoHeight(): number {
    return this.video.size.height;
  }

  /** The full codec string in use (or the one that cannot be decoded), e.g. `avc1.64001f`; empty until known. */
  get codec(): string {
    return this.video.track?.codec ?? this.video.unsupported?.codec ?? '';
  }

  /** Number of frames (of the video, or in fallback of the image sequence); 0 until known. */
  get frameCount(): number {
    return this.video.timestamps?.length ?? 0;
  }

  /** Every frame's presentation time in seconds, ascending (in fallback, the manifest's). */
  get frameTimestamps(): readonly number[] {
    return this.video.timestamps ?? [];
  }

  /** `empty` | `loading` | `ready` | `fallback` | `error`, reflected as the `state` attribute for CSS. */
  get state(): VideoState {
    return this.video.state;
  }

  /** What went wrong, or null. */
  get error(): RerunVideoErrorInfo | null {
    return this.video.error;
  }

  /**
   * Shows the frame for `time`. Resolves once it is painted (with `exact: false` when that
   * frame is damaged and the nearest one that decodes is shown); rejects with an `AbortError`
   * DOMException when a newer request supersedes it, and at once with the element's error
   * when nothing can be shown (`state` `error`, an unsupported codec without fallback, no
   * `src`), or when the file ends before the frame's bytes.
   */
  seek(time: number): Promise<FrameDetail> {
    this.time = time;
    return this.video.seek(time);
  }

  /** Moves `time` by whole frames: +1 is the next frame, -1 the previous one. */
  stepFrame(n = 1): Promise<FrameDetail> {
    const timestamps = this.frameTimestamps;
    if (timestamps.length === 0) return this.seek(this.time);
    const current = frameForTime(timestamps, this.time);
    const index = Math.min(timestamps.length - 1, Math.max(0, current + Math.trunc(n)));
    return this.seek(timestamps[index]);
  }

  /** Frame accounting as on `<video>`, plus the frames decoded, painted and held open now. */
  getVideoPlaybackQuality(): RerunVideoPlaybackQuality {
    return this.video.quality;
  }

  protected override render() {
    const unsupported = this.video.unsupported;
    const message =
      unsupported && !unsupported.fallback
        ? html`<div part="message" role="status">
            <slot name="unsupported"
              >This video's codec${unsupported.codec ? ` (${unsupported.codec})` : ''} cannot be played in this
              browser.</slot
            >
          </div>`
        : null;
    return html`<canvas part="canvas" role="img" aria-label=${this.getAttribute('aria-label') ?? 'video'}></canvas
      >${message}`;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('time') && !Object.is(this.video.requestedTime, this.time)) {
      this.video.seek(this.time).catch(() => {});
    }
  }

  declare addEventListener: <K extends keyof RerunVideoEventMap>(
    type: K,
    listener: (this: RerunVideo, event: RerunVideoEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ) => void;
}

declare global {
  interface HTMLElementTagNameMap {
    'rerun-video': RerunVideo;
  }
}
