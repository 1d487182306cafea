import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import type { RerunVideoErrorInfo } from './errors.js';
import type {
  FrameDetail,
  FrameEvent,
  IndexedEvent,
  LoadedMetadataEvent,
  RerunVideoErrorEvent,
  UnsupportedCodecEvent,
} from './events.js';
import { controlsStyles, handleControlsKey, renderControls, type ControlsActions } from './controls.js';
import { frameForTime } from './decode/seek-plan.js';
import type { RerunVideoClock } from './playback/clock.js';
import { PlaybackController, type ReadyState } from './playback/playback-controller.js';
import { streamPresentable } from './presenter.js';
import { MediaTimeRanges } from './playback/time-ranges.js';
import { VideoController, type RerunVideoPlaybackQuality, type VideoState } from './video-controller.js';

/** The events `<rerun-video>` fires, for typed `addEventListener`. */
export type RerunVideoEventMap = Omit<HTMLElementEventMap, 'loadedmetadata' | 'error'> & {
  loadedmetadata: LoadedMetadataEvent;
  frame: FrameEvent;
  indexed: IndexedEvent;
  'unsupported-codec': UnsupportedCodecEvent;
  error: RerunVideoErrorEvent;
};

/**
 * Shows an MP4 camera stream frame-exactly at the time the page asks for, decoded with
 * WebCodecs and painted on a canvas. Where the browser cannot decode the codec it shows the
 * same frames from a JPEG image sequence (`fallback`), or says so. It plays as `<video>`
 * does (forwards and backwards, at any rate), on a clock several elements can share.
 *
 * @summary An MP4 shown frame-exactly at `time`, and played like a `<video>`.
 *
 * @fires loadedmetadata - The video track is parsed. `detail: { duration, width, height, codec, frameCount }`.
 * @fires frame - A different frame has been painted. `detail: { timestamp, duration, index, requestedTime, source }`.
 * @fires indexed - Every frame is in `frameTimestamps` (once per file: right after `loadedmetadata`, or for a file shown from its head — a fragmented MP4, a long MP4 or WebM — once the rest is read). `detail: { frameCount, duration }`.
 * @fires unsupported-codec - The codec cannot be decoded here; the fallback (if any) is shown. `detail: { codec, reason: 'no-webcodecs' | 'hint' | 'config' | 'decoder', fallback }`.
 * @fires error - Nothing can be shown for `src`. `detail: { code: 'network' | 'format' | 'decode' | 'fallback', message }`.
 * @fires loadstart - A new `src` began to load.
 * @fires emptied - The element let go of what it had loaded (a new `src`).
 * @fires durationchange - `duration` is known, or back to NaN.
 * @fires loadeddata - The first frame is painted (`readyState` 2 and up).
 * @fires canplay - Ready to play (right after `loadeddata`).
 * @fires canplaythrough - Ready to play (right after `canplay`).
 * @fires play - `paused` became false.
 * @fires playing - Frames are being shown after `play` or `waiting`.
 * @fires waiting - Playing, but the frame due is not there (data or decoding behind); the clock holds if every element on it waits.
 * @fires pause - `paused` became true.
 * @fires ended - Played to the end, not looping.
 * @fires seeking - A seek began.
 * @fires seeked - The frame sought to is painted.
 * @fires timeupdate - `currentTime` moved: every 250 ms while playing, and after seeks and pauses.
 * @fires ratechange - `playbackRate` changed.
 * @fires volumechange - `muted` or `volume` changed (there is no audio).
 *
 * @csspart canvas - The canvas the frames are painted on.
 * @csspart presenter - The `<video>` over the canvas that large frames are presented through while playing with `resolution="display"` (Chromium); seen only then.
 * @csspart message - The box saying the codec cannot be played, shown when there is no `fallback`.
 * @csspart controls - The controls bar (with the `controls` attribute).
 * @csspart play-button - The play/pause button.
 * @csspart step-back-button - The button that shows the previous frame.
 * @csspart step-forward-button - The button that shows the next frame.
 * @csspart scrubber - The seek slider (`<input type="range">`).
 * @csspart time - The time and frame-number readout.
 *
 * @slot unsupported - Replaces the text of that message.
 *
 * @cssprop [--rerun-video-background=transparent] - Background behind the picture (letterbox bars).
 * @cssprop [--rerun-video-controls-background=rgba(0, 0, 0, 0.7)] - Background of the controls bar.
 * @cssprop [--rerun-video-controls-color=#fff] - Colour of the icons and the readout.
 * @cssprop [--rerun-video-controls-accent=#4aa3ff] - Scrubber and focus-outline colour.
 * @cssprop [--rerun-video-controls-height=36px] - Height of the controls bar.
 */
@customElement('rerun-video')
export class RerunVideo extends LitElement {
  static override styles = [
    css`
    :host {
      display: inline-block;
      position: relative;
      overflow: hidden;
      background: var(--rerun-video-background, transparent);
    }
    :host([hidden]) {
      display: none;
    }
    canvas,
    video {
      display: block;
      width: 100%;
      height: 100%;
      object-fit: contain;
    }
    :host([fit='cover']) canvas,
    :host([fit='cover']) video {
      object-fit: cover;
    }
    :host([fit='fill']) canvas,
    :host([fit='fill']) video {
      object-fit: fill;
    }
    /* resolution="display": the picture's size lays the element out (as the canvas does
       otherwise), and the canvas, painted at the size it is shown, fills the box. */
    .sizer {
      visibility: hidden;
    }
    canvas.shown {
      position: absolute;
      inset: 0;
    }
    /* Seen only while it shows the frames being played (StreamPresenter). */
    video.presenter {
      position: absolute;
      inset: 0;
      opacity: 0;
      pointer-events: none;
    }
    video.presenter.on {
      opacity: 1;
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
  `,
    controlsStyles,
  ];

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

  /**
   * Presentation time to show, in seconds: the frame whose interval contains it. While
   * playing it is the clock's time; setting it seeks (and playing goes on from there).
   */
  @property({ type: Number })
  get time(): number {
    return this.playback.currentTime;
  }

  set time(time: number) {
    // Setting the time it already shows (a framework re-rendering the same value) is no seek.
    if (this.paused && !this.seeking && Object.is(Number(time), this.time)) return;
    void this.playback.seek(Number(time)).catch(() => {});
  }

  /** The same as `time`, as on `<video>`. */
  get currentTime(): number {
    return this.time;
  }

  set currentTime(time: number) {
    this.time = time;
  }

  /** Speed and direction of playback: 1 is normal, 2 twice as fast, -1 backwards. */
  @property({ type: Number, attribute: 'playback-rate' })
  get playbackRate(): number {
    return this.playback.playbackRate;
  }

  set playbackRate(rate: number) {
    this.playback.playbackRate = Number(rate);
  }

  /** The rate `playbackRate` starts from, as on `<video>` (kept for players that read it). */
  get defaultPlaybackRate(): number {
    return this.playback.defaultPlaybackRate;
  }

  set defaultPlaybackRate(rate: number) {
    this.playback.defaultPlaybackRate = rate;
  }

  /** Starts over from the other end on reaching the end (or, backwards, the start). */
  @property({ type: Boolean, reflect: true }) loop = false;

  /** Plays as soon as the first frame is shown. */
  @property({ type: Boolean, reflect: true }) autoplay = false;

  /**
   * `lazy`: nothing is fetched until the element nears the viewport, and its decoder is let
   * go after a few seconds off-screen while paused (rebuilt when it comes back, at the same
   * frame). `eager` (the default) loads at once.
   */
  @property({ reflect: true }) loading: 'eager' | 'lazy' = 'eager';

  /** Shows the built-in controls bar (play/pause, frame steps, scrubber, time and frame number). */
  @property({ type: Boolean, reflect: true }) controls = false;

  /**
   * The name of a group of elements that play on one clock: playing, pausing, seeking one
   * does it for all, and all paint the frame for the same time in the same animation frame.
   */
  @property({ reflect: true }) sync: string | null = null;

  /** A clock object shared with other elements (`new RerunVideoClock()`); wins over `sync`. */
  @property({ attribute: false }) clock: RerunVideoClock | null = null;

  /** Passed to `VideoDecoder.configure`. */
  @property({ attribute: 'hardware-acceleration' })
  hardwareAcceleration: HardwareAcceleration = 'no-preference';

  /** As on `<video>`: `use-credentials` sends cookies with every fetch. */
  @property({ attribute: 'crossorigin' }) crossOrigin: 'anonymous' | 'use-credentials' | null = null;

  /** How the frame fills the element's box. */
  @property({ reflect: true }) fit: 'contain' | 'cover' | 'fill' = 'contain';

  /**
   * The canvas's resolution. `video` (the default): the picture's own size, so its pixels can
   * be read back as decoded. `display`: the size the canvas is shown at, in device pixels,
   * never more than the picture's — a large video shown small (a 4K camera in a tile, a wall
   * of cameras) costs far less to paint, as on `<video>`; a paused frame is painted again when
   * the element is resized.
   */
  @property() resolution: 'video' | 'display' = 'video';

  /**
   * The codec the page expects: `h264`, `h265`/`hevc`, `av1`, `vp9`, `vp8` or a full codec
   * string. When this browser cannot decode it, the element goes to the fallback without
   * downloading the MP4; it also serves as the codec when a file does not say.
   */
  @property({ attribute: 'codec-hint' }) codecHint: string | null = null;

  /** URL of a JPEG image-sequence manifest, shown when the video's codec cannot be decoded. */
  @property() fallback: string | null = null;

  /** The canvas frames are painted on. */
  @query('canvas[part="canvas"]') readonly canvas!: HTMLCanvasElement | null;
  /** @internal The `<video>` large frames are presented through while playing with `resolution="display"` (Chromium). */
  @query('video.presenter') readonly presenterVideo!: HTMLVideoElement | null;

  private readonly video = new VideoController(this, {
    loadStarted: (hadMedia) => this.playback.loadStarted(hadMedia),
    durationKnown: () => this.playback.durationKnown(),
    painted: (detail) => {
      this.playback.painted(detail);
      if (this.controls) this.requestUpdate();
    },
    failed: (error) => this.playback.failed(error),
  });

  private readonly playback = new PlaybackController(this, this.video);

  private muteState = { muted: false, volume: 1 };

  private readonly actions: ControlsActions = {
    togglePlay: () => (this.paused ? void this.play().catch(() => {}) : this.pause()),
    seek: (time) => void this.seek(time).catch(() => {}),
    step: (frames) => void this.stepFrame(frames).catch(() => {}),
    skip: (seconds) => void this.seek(this.time + seconds).catch(() => {}),
  };

  constructor() {
    super();
    this.addEventListener('keydown', (event) => {
      if (this.controls) handleControlsKey(event, this.actions);
    });
    for (const type of ['play', 'pause', 'seeked', 'ended', 'durationchange', 'emptied'] as const) {
      this.addEventListener(type, () => this.controls && this.requestUpdate());
    }
  }

  /** Whether playback is paused (it is until `play()` or `autoplay`). */
  get paused(): boolean {
    return this.playback.paused;
  }

  /** Whether it played to the end (forwards, not looping). */
  get ended(): boolean {
    return this.playback.ended;
  }

  /** Whether a seek is being shown. */
  get seeking(): boolean {
    return this.playback.seeking;
  }

  /** As on `<video>`: 0 nothing, 1 metadata, 4 a frame is shown and it can play. */
  get readyState(): ReadyState {
    return this.playback.readyState;
  }

  /** The spans of time whose bytes are in memory now. */
  get buffered(): TimeRanges {
    return new MediaTimeRanges(this.video.buffered);
  }

  /** Where it can seek: all of it, once the duration is known. */
  get seekable(): TimeRanges {
    return this.playback.seekable;
  }

  /** There is no audio: `muted` is kept (and fires `volumechange`) for players that set it. */
  get muted(): boolean {
    return this.muteState.muted;
  }

  set muted(muted: boolean) {
    this.setVolume({ ...this.muteState, muted: Boolean(muted) });
  }

  /** There is no audio: `volume` is kept (0 to 1) for players that set it. */
  get volume(): number {
    return this.muteState.volume;
  }

  set volume(volume: number) {
    if (!(volume >= 0 && volume <= 1)) throw new DOMException(`volume must be between 0 and 1, not ${volume}`, 'IndexSizeError');
    this.setVolume({ ...this.muteState, volume });
  }

  /** Plays on the element's clock (its group's, with `sync`). Resolves once frames are shown. */
  play(): Promise<void> {
    return this.playback.play();
  }

  pause(): void {
    this.playback.pause();
  }

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

  /**
   * Whether `frameTimestamps` holds every frame: false until `loadedmetadata`, and for a
   * fragmented MP4, a long MP4 or a long WebM (shown from their heads) until the rest is read
   * (`indexed` then fires).
   */
  get indexed(): boolean {
    return this.video.indexed;
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
    return this.playback.seek(Number(time));
  }

  /** Moves `time` by whole frames: +1 is the next frame, -1 the previous one. Pauses first, as players do. */
  stepFrame(n = 1): Promise<FrameDetail> {
    this.pause();
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
    const controls = this.controls
      ? renderControls(
          {
            paused: this.paused,
            currentTime: this.time,
            duration: this.duration,
            frameIndex: this.video.current?.index ?? -1,
            frameCount: this.frameCount,
            ready: this.video.playable && this.readyState > 0,
          },
          this.actions,
        )
      : null;
    const display = this.resolution === 'display';
    const sizer = display
      ? html`<canvas class="sizer" aria-hidden="true" width=${this.videoWidth || 300} height=${this.videoHeight || 150}></canvas>`
      : null;
    // Large frames are presented through a <video> while playing (StreamPresenter), in Chromium.
    const presenter = display && streamPresentable ? html`<video class="presenter" part="presenter" aria-hidden="true" muted playsinline></video>` : null;
    return html`${sizer}<canvas part="canvas" class=${display ? 'shown' : ''} role="img" aria-label=${this.getAttribute('aria-label') ?? 'video'}></canvas
      >${presenter}${message}${controls}`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Focusable with controls, for the keyboard (unless the page decided).
    if (changed.has('controls') && this.controls && !this.hasAttribute('tabindex')) this.tabIndex = 0;
  }

  private setVolume(next: { muted: boolean; volume: number }): void {
    if (next.muted === this.muteState.muted && next.volume === this.muteState.volume) return;
    this.muteState = next;
    this.dispatchEvent(new Event('volumechange'));
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
