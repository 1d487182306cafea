import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  RerunVideoError,
  UnsupportedCodecError,
  abortError,
  isAbortError,
  toErrorInfo,
  type RerunVideoErrorInfo,
} from './errors.js';
import {
  FrameEvent,
  IndexedEvent,
  LoadedMetadataEvent,
  RerunVideoErrorEvent,
  UnsupportedCodecEvent,
  type FrameDetail,
  type UnsupportedCodecDetail,
  type UnsupportedCodecReason,
} from './events.js';
import { FrameDecoder, type DecoderCounters } from './decode/frame-decoder.js';
import { frameForTime } from './decode/seek-plan.js';
import { ImageSequence } from './images/image-sequence.js';
import { loadManifest } from './images/manifest.js';
import { LatestRequest } from './latest-request.js';
import type { GrowingTrack } from './mp4/fragmented-track.js';
import { openMp4, type OpenedVideo } from './mp4/open-mp4.js';
import type { VideoTrack } from './mp4/video-track.js';
import { Painter, type Picture, type ShownSize } from './painter.js';
import { PRESENTER, StreamPresenter, streamPresentable } from './presenter.js';
import { prepareVideo } from './prepare.js';

export type VideoState = 'empty' | 'loading' | 'ready' | 'fallback' | 'error';

/** What the controller needs from the element. */
export interface VideoHost extends ReactiveControllerHost, HTMLElement {
  readonly src: string | null;
  /** A `Blob` or `File` to show instead of `src`, as on `<video>`. */
  readonly srcObject: Blob | null;
  /** MiB of sample bytes kept in memory (range requests and Blobs). */
  readonly cacheSize: number;
  readonly time: number;
  readonly hardwareAcceleration: HardwareAcceleration;
  readonly crossOrigin: string | null;
  /** `codec-hint`: a short codec name or a full codec string. */
  readonly codecHint: string | null;
  /** URL of the JPEG image-sequence manifest shown when the codec cannot be decoded. */
  readonly fallback: string | null;
  /** The canvas frames are painted on, once rendered. */
  readonly canvas: HTMLCanvasElement | null;
  /** `lazy`: nothing is fetched until the element nears the viewport. */
  readonly loading: 'eager' | 'lazy';
  /** Whether it is playing (a playing element keeps its decoder off-screen). */
  readonly paused: boolean;
  /** Whether a seek is being shown (a group's included). */
  readonly seeking: boolean;
  /** `display`: pictures are painted at the size the canvas is shown at (see Painter). */
  readonly resolution: 'video' | 'display';
  /** The `<video>` playing frames are presented through (StreamPresenter), where there is one. */
  readonly presenterVideo: HTMLVideoElement | null;
}

/** Frame accounting, as `<video>.getVideoPlaybackQuality()` gives it, plus what this element adds. */
export interface RerunVideoPlaybackQuality {
  creationTime: number;
  /** Frames presented (every paint of a different frame) or dropped. */
  totalVideoFrames: number;
  droppedVideoFrames: number;
  corruptedVideoFrames: number;
  /** Frames that came out of the video decoder, or fallback images decoded, for this `src`. */
  decodedVideoFrames: number;
  /** Paints on the canvas for this `src`, cache hits included. */
  paintedVideoFrames: number;
  /** `VideoFrame`s the element holds open now (a few at most; 0 once it is removed). */
  openVideoFrames: number;
  /** Fallback images the element holds decoded now. */
  openImageBitmaps: number;
}

/** Something that paints frame N of the current timeline: the video decoder or the images. */
interface FrameSource {
  /** Resolves with the frame actually painted (a stand-in when N does not decode). */
  show(index: number): Promise<number>;
  /** Playback: paints frame N now if it is ready, and works ahead in `direction`; never waits. */
  present(index: number, direction: 1 | -1): boolean;
  /** Playback starts at frame N: resolves once the next frame in `direction` is ready. */
  preroll?(index: number, direction: 1 | -1): Promise<void>;
  /** Decodes frame N without painting it; resolves once present(N) would paint it. */
  prepare(index: number): Promise<void>;
  /** Whether present(N) would paint now. */
  has(index: number): boolean;
  /** Playback stopped. */
  stop(): void;
  close(): void;
}

/** What playback hears of the loads. */
export interface LoadObserver {
  /** A new src began to load; `hadMedia`: something was loaded or loading before. */
  loadStarted(hadMedia: boolean): void;
  /** The duration became known (the video's metadata, or the fallback's manifest). */
  durationKnown(): void;
  /** A frame was painted. */
  painted(detail: FrameDetail): void;
  /** Nothing can be shown (error), or nothing is to be shown (no src). */
  failed(error: unknown): void;
}

/** The inputs that shape a load, compared to decide how much work a change needs. */
interface Inputs {
  /** `srcObject`, else `src`. */
  src: string | Blob | null;
  credentials: RequestCredentials;
  codecHint: string | null;
  hardwareAcceleration: HardwareAcceleration;
  fallback: string | null;
}

/** How long a disconnected element keeps its decoder, so a DOM move does not rebuild it. */
const TEARDOWN_DELAY_MS = 1000;
/** `loading="lazy"`: how far from the viewport loading starts. */
const LAZY_MARGIN = '200px';
/** `loading="lazy"`: how long off-screen (and paused) before the decoder is let go. */
export const OFFSCREEN_RELEASE_MS = 3000;

/**
 * One `src` → its sample table → the frame for the requested time on the host's canvas.
 * Each load is one run with its own AbortController; results of an older run are dropped.
 * A load is keyed on every input that shapes it, and a change redoes only what it must: a
 * new `src` or `crossorigin` refetches; a new `codec-hint` or `hardware-acceleration`
 * decides again on the file already fetched; a new `fallback` reloads only the images.
 */
export class VideoController implements ReactiveController {
  state: VideoState = 'empty';
  error: RerunVideoErrorInfo | null = null;
  track: VideoTrack | null = null;
  /** Set when the codec cannot be decoded here (then `state` is `fallback`). */
  unsupported: UnsupportedCodecDetail | null = null;
  /** The fallback image sequence being shown, once its manifest has loaded. */
  images: ImageSequence | null = null;

  private readonly host: VideoHost;
  private readonly painter: Painter;
  private readonly presenter = new StreamPresenter();
  private readonly requests = new LatestRequest<number, FrameDetail>();
  private inputs: Inputs | null = null;
  private run = 0;
  private abort: AbortController | null = null;
  /** The file of the current `src`, fetched (or being fetched) once for all decisions on it. */
  private opening: Promise<OpenedVideo> | null = null;
  private announced: OpenedVideo | null = null;
  private decoder: FrameDecoder | null = null;
  private imagesRun = 0;
  private imagesAbort: AbortController | null = null;
  private imageSize = { width: 0, height: 0 };
  private painted: FrameDetail | null = null;
  private teardownTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly videoCounters: DecoderCounters = { decoded: 0, open: 0 };
  private readonly imageCounters = { decoded: 0, open: 0 };
  private paints = 0;
  /** Counts serve() calls, so a request's fragment read does not serve it twice. */
  private served = 0;
  private frames = 0;
  private dropped = 0;
  private readonly observer: LoadObserver;
  /** `loading="lazy"`: watches the element's distance from the viewport. */
  private viewport: IntersectionObserver | null = null;
  /** Whether the element is (near) the viewport; always true unless lazy. */
  private nearViewport = false;
  private releaseTimer: ReturnType<typeof setTimeout> | undefined;
  /** Builds the decoder of the current track (again, after it was let go off-screen). */
  private decoderFactory: (() => void) | null = null;
  /** The decoder was let go off-screen: it is built again when a frame is next needed. */
  private released = false;
  /** The file (its OpenedVideo) or image sequence `indexed` was fired for. */
  private indexedFor: object | null = null;

  constructor(host: VideoHost, observer: LoadObserver) {
    this.host = host;
    this.observer = observer;
    this.painter = new Painter(
      () => host.canvas?.getContext('2d') ?? null,
      () => (host.resolution === 'display' ? this.box : null),
    );
    host.addController(this);
  }

  /** `resolution="display"`: the canvas's box on the page in device pixels, once measured. */
  private box: ShownSize | null = null;
  private boxObserver: ResizeObserver | null = null;
  private observed: HTMLCanvasElement | null = null;
  /** What was painted last, and the resolution it was painted for. */
  private picture: Picture | null = null;
  private paintedFor: 'video' | 'display' = 'video';

  hostUpdated(): void {
    this.watchBox();
    // The resolution changed: the frame on the canvas is painted again for it.
    if (this.picture && this.paintedFor !== this.host.resolution) this.repaint();
  }

  /** Measures the canvas's box while `resolution` is `display` (the painter sizes the canvas by it). */
  private watchBox(): void {
    const canvas = this.host.resolution === 'display' && this.host.isConnected ? this.host.canvas : null;
    if (canvas === this.observed) return;
    this.boxObserver?.disconnect();
    this.observed = canvas;
    this.box = null;
    if (!canvas || typeof ResizeObserver === 'undefined') return;
    this.boxObserver ??= new ResizeObserver((entries) => this.boxChanged(entries[entries.length - 1]));
    try {
      this.boxObserver.observe(canvas, { box: 'device-pixel-content-box' });
    } catch {
      // WebKit has no device-pixel-content-box; content-box times devicePixelRatio instead.
      this.boxObserver.observe(canvas);
    }
  }

  private boxChanged(entry: ResizeObserverEntry): void {
    const device = entry.devicePixelContentBoxSize?.[0];
    const css = entry.contentBoxSize?.[0];
    const ratio = globalThis.devicePixelRatio || 1;
    const box = device
      ? { width: device.inlineSize, height: device.blockSize }
      : css
        ? { width: Math.round(css.inlineSize * ratio), height: Math.round(css.blockSize * ratio) }
        : { width: Math.round(entry.contentRect.width * ratio), height: Math.round(entry.contentRect.height * ratio) };
    if (this.box && this.box.width === box.width && this.box.height === box.height) return;
    this.box = box;
    const canvas = this.host.canvas;
    if (!this.picture || !canvas) return;
    const size = this.painter.canvasSize(this.picture);
    if (size.width !== canvas.width || size.height !== canvas.height) this.repaint();
  }

  /**
   * Paints the frame on the canvas again (its size changed). Playing, the next frame does;
   * paused, the frame is shown again, from the cache or decoded, without a `frame` event.
   */
  private repaint(): void {
    const painted = this.painted;
    // Not `source`: a decoder let go off-screen is not rebuilt for this (the next request paints at the new size).
    const source = this.decoder ?? this.images;
    if (!painted || !source || this.requests.current || !this.host.paused || this.host.seeking) return;
    source.show(painted.index).catch(() => {});
  }

  hostConnected(): void {
    this.watchViewport();
    this.watchBox();
    clearTimeout(this.teardownTimer);
    this.teardownTimer = undefined;
    // Back after a teardown: load the src again.
    this.sync();
  }

  hostDisconnected(): void {
    this.boxObserver?.disconnect();
    this.observed = null;
    this.viewport?.disconnect();
    this.viewport = null;
    this.teardownTimer = setTimeout(() => {
      this.teardownTimer = undefined;
      this.unload();
      this.inputs = null;
      this.requests.cancel(abortError('The element was removed from the document'));
    }, TEARDOWN_DELAY_MS);
  }

  hostUpdate(): void {
    this.sync();
  }

  /** Every frame's timestamp, from the video or, in fallback, from the image manifest. */
  get timestamps(): readonly number[] | null {
    return this.track?.frameTimestamps ?? this.images?.timestamps ?? null;
  }

  /** Whether `timestamps` holds every frame (false while a fragmented MP4 is still being read). */
  get indexed(): boolean {
    if (this.images) return true;
    return this.track !== null && (this.announced?.fragments?.complete ?? true);
  }

  /** To the end of the last frame; the images' last frame lasts as long as the one before. */
  get duration(): number {
    if (this.track) return this.track.duration;
    const ts = this.images?.timestamps;
    if (!ts) return NaN;
    const last = ts.length - 1;
    return ts[last] + (last > 0 ? ts[last] - ts[last - 1] : 0);
  }

  /** The displayed size: the video's, or in fallback the images'. */
  get size(): { width: number; height: number } {
    if (this.track) return { width: this.track.displayWidth, height: this.track.displayHeight };
    return this.images ? this.imageSize : { width: 0, height: 0 };
  }

  get quality(): RerunVideoPlaybackQuality {
    return {
      creationTime: performance.now(),
      totalVideoFrames: this.frames + this.dropped,
      droppedVideoFrames: this.dropped,
      corruptedVideoFrames: 0,
      decodedVideoFrames: this.videoCounters.decoded + this.imageCounters.decoded,
      paintedVideoFrames: this.paints,
      openVideoFrames: this.videoCounters.open,
      openImageBitmaps: this.imageCounters.open,
    };
  }

  private get source(): FrameSource | null {
    // Asked for a frame while off-screen: the decoder comes back first.
    if (this.released) this.rebuildDecoder();
    return this.decoder ?? this.images;
  }

  private get credentials(): RequestCredentials {
    return this.host.crossOrigin === 'use-credentials' ? 'include' : 'same-origin';
  }

  /** Compares the host's inputs with the loaded ones and does what the change needs. */
  sync(): void {
    if (!this.host.isConnected) return;
    if (!this.host.hasAttribute('state')) this.host.setAttribute('state', this.state);
    this.watchViewport();
    // Lazy and far from the viewport: nothing is fetched yet.
    if (this.host.loading === 'lazy' && !this.nearViewport && !this.inputs) return;
    const next: Inputs = {
      src: this.host.srcObject ?? (this.host.src || null),
      credentials: this.credentials,
      codecHint: this.host.codecHint || null,
      hardwareAcceleration: this.host.hardwareAcceleration,
      fallback: this.host.fallback || null,
    };
    const before = this.inputs;
    this.inputs = next;
    if (before && before.src === next.src && before.credentials === next.credentials) {
      if (before.codecHint !== next.codecHint || before.hardwareAcceleration !== next.hardwareAcceleration) {
        if (next.src) this.reload(false, false);
      } else if (before.fallback !== next.fallback && this.unsupported) {
        this.showFallback();
      }
      return;
    }
    // A seek pending for an earlier src is superseded; one made before the first load is served.
    this.reload(true, before?.src != null);
  }

  /** The frame on the canvas, if any. */
  get current(): FrameDetail | null {
    return this.painted;
  }

  /**
   * The spans of time whose frames' bytes are in memory now: everything once a streamed file
   * is in; with range requests, what the cache holds. The fallback fetches images on demand,
   * so all of it counts.
   */
  get buffered(): Array<[number, number]> {
    const duration = this.duration;
    if (this.images) return duration > 0 ? [[0, duration]] : [];
    const track = this.track;
    const bytes = this.announced?.bytes;
    if (!track || !bytes) return [];
    const { offsets, sizes } = track.samples;
    const timestamps = track.frameTimestamps;
    const spans: Array<[number, number]> = [];
    let start = -1;
    for (let i = 0; i <= timestamps.length; i++) {
      const sample = i < timestamps.length ? track.frameSample[i] : -1;
      const held = sample >= 0 && bytes.has(offsets[sample], sizes[sample]);
      if (held && start < 0) start = i;
      if (!held && start >= 0) {
        spans.push([timestamps[start], i < timestamps.length ? timestamps[i] : duration]);
        start = -1;
      }
    }
    return spans;
  }

  /** Whether there is something to play: a src that has not failed. */
  get playable(): boolean {
    return this.inputs?.src != null && this.state !== 'error' && !(this.unsupported && !this.unsupported.fallback);
  }

  /** The frame shown at `time`, or -1 while there are no frames. */
  indexAt(time: number): number {
    const timestamps = this.timestamps;
    return timestamps ? frameForTime(timestamps, time) : -1;
  }

  /**
   * Playback: paints the frame for `time` now if it is ready, and keeps the source working
   * ahead in `direction`. Never waits; returns whether the frame for `time` is on the canvas.
   */
  present(time: number, direction: 1 | -1): boolean {
    const source = this.source;
    const timestamps = this.timestamps;
    if (!source || !timestamps || this.error) return false;
    if (!this.covers(time)) return false;
    const index = frameForTime(timestamps, time);
    if (this.painted?.exact && this.painted.index === index) return true;
    if (!source.present(index, direction)) return false;
    this.shown(this.detailFor(index, time, true));
    return true;
  }

  /**
   * Gets the frame for `time` ready without painting it (a sync group seeks so, and then all
   * paint in one animation frame). Before the frames are known it shows the frame once it can.
   */
  prepare(time: number, ensured = false): Promise<void> {
    const source = this.source;
    const timestamps = this.timestamps;
    if (!source || !timestamps || this.error) return this.seek(time).then(() => {});
    const fragments = this.fragmentsFor(source);
    if (fragments && !ensured && !fragments.covers(time)) return fragments.ensure(time).then(() => this.prepare(time, true));
    const index = frameForTime(timestamps, time);
    if (this.painted?.exact && this.painted.index === index) return Promise.resolve();
    return source.prepare(index);
  }

  /** Playback starts at `time`: resolves once the frame after it is ready (so the start is not late). */
  preroll(time: number, direction: 1 | -1): Promise<void> {
    const source = this.source;
    const timestamps = this.timestamps;
    if (!source?.preroll || !timestamps || this.error) return Promise.resolve();
    const index = frameForTime(timestamps, time);
    return this.painted?.index === index ? source.preroll(index, direction) : Promise.resolve();
  }

  /** Whether present(time) would have the frame for `time` on the canvas now. */
  canPresent(time: number): boolean {
    const source = this.source;
    const timestamps = this.timestamps;
    if (!source || !timestamps || this.error) return true;
    if (!this.covers(time)) return false;
    const index = frameForTime(timestamps, time);
    return (this.painted?.exact === true && this.painted.index === index) || source.has(index);
  }

  /**
   * The fragments of a fragmented MP4 that is still being indexed, when `source` is its decoder:
   * a time in a fragment not read yet needs that fragment first.
   */
  private fragmentsFor(source: FrameSource): GrowingTrack | null {
    const fragments = this.announced?.fragments;
    return fragments && source === this.decoder && !fragments.complete ? fragments : null;
  }

  /** Whether the track says which frame shows at `time`; if not, the fragment is asked for. */
  private covers(time: number): boolean {
    const fragments = this.source && this.fragmentsFor(this.source);
    if (!fragments || fragments.covers(time)) return true;
    fragments.ensure(time).catch(() => {}); // the track then changes, and playback goes on
    return false;
  }

  /** A frame that was due during playback was not painted in time. */
  countDropped(): void {
    this.dropped++;
  }

  stopPresenting(): void {
    this.source?.stop();
    // The frame the <video> showed goes on the canvas, which is seen again.
    const shown = this.presenter.take();
    if (shown) {
      if (this.picture) this.painter.paint(shown, this.picture);
      shown.close();
    }
    this.presenter.hide();
  }

  /** `loading="lazy"`: observes the element's distance from the viewport (eager: nothing to watch). */
  private watchViewport(): void {
    const lazy = this.host.loading === 'lazy' && typeof IntersectionObserver !== 'undefined';
    if (!lazy) {
      this.viewport?.disconnect();
      this.viewport = null;
      this.nearViewport = true;
      return;
    }
    if (this.viewport) return;
    this.nearViewport = false;
    this.viewport = new IntersectionObserver(
      (entries) => {
        const near = entries[entries.length - 1].isIntersecting;
        if (near === this.nearViewport) return;
        this.nearViewport = near;
        if (near) this.cameNear();
        else this.wentAway();
      },
      { rootMargin: LAZY_MARGIN },
    );
    this.viewport.observe(this.host);
  }

  private cameNear(): void {
    clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    if (!this.inputs) this.sync();
    // Back in view: the decoder again, at the frame on the canvas.
    if (this.released) this.rebuildDecoder();
  }

  private wentAway(): void {
    clearTimeout(this.releaseTimer);
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = undefined;
      if (this.nearViewport || !this.host.paused || !this.decoder || this.requests.current) return;
      // Off-screen for a while and paused: let go of the decoder (the canvas keeps its frame).
      this.released = true;
      this.decoder.close();
      this.decoder = null;
    }, OFFSCREEN_RELEASE_MS);
  }

  private rebuildDecoder(): void {
    this.released = false;
    this.decoderFactory?.();
  }

  /** Asks for the frame at `time`; the newest request wins and older ones reject. */
  seek(time: number): Promise<FrameDetail> {
    const { promise } = this.requests.begin(time);
    this.serve();
    return promise;
  }

  /** Starts a new run; `refetch` drops the fetched file too (a new src), `supersede` the pending seek. */
  private reload(refetch: boolean, supersede: boolean): void {
    const { opening, abort, announced } = this;
    const hadMedia = this.state !== 'empty' || this.track !== null || this.images !== null;
    if (refetch) this.dropFile();
    this.abort = null; // the fetch goes on for the new decision
    this.opening = null;
    this.unload();
    if (!refetch) Object.assign(this, { opening, abort, announced });
    if (!this.inputs?.src) {
      this.serve(); // nothing to show: a pending seek rejects
      if (refetch) this.observer.failed(new DOMException('There is no src.', 'AbortError'));
      if (refetch && hadMedia) this.observer.loadStarted(true);
      return;
    }
    if (refetch) this.observer.loadStarted(hadMedia);
    void this.load(this.run);
    // `time` keeps its value: the new file shows its frame for it.
    if (supersede || !this.requests.current) this.seek(this.host.time).catch(() => {});
  }

  private unload(): void {
    this.run++;
    this.dropFile();
    this.announced = null;
    this.indexedFor = null;
    this.closeSources();
    this.track = null;
    this.painted = null;
    this.error = null;
    this.unsupported = null;
    this.videoCounters.decoded = 0;
    this.imageCounters.decoded = 0;
    this.paints = 0;
    this.frames = 0;
    this.dropped = 0;
    this.setState('empty');
    this.presenter.close();
    this.painter.clear();
    this.picture = null;
  }

  private closeSources(): void {
    this.presenter.hide(); // the canvas is seen again, with what is painted next
    this.decoder?.close();
    this.decoder = null;
    this.decoderFactory = null;
    this.released = false;
    this.imagesRun++;
    this.imagesAbort?.abort();
    this.imagesAbort = null;
    this.images?.close();
    this.images = null;
  }

  /** Fetches the file once per src; later decisions on it reuse the same promise. */
  private open(src: string | Blob): Promise<OpenedVideo> {
    if (!this.opening) {
      this.abort = new AbortController();
      const input = typeof src === 'string' ? new URL(src, document.baseURI).href : src;
      const cacheSize = Number(this.host.cacheSize);
      const cacheBytes = cacheSize > 0 && Number.isFinite(cacheSize) ? cacheSize * 1024 * 1024 : undefined;
      this.opening = openMp4(input, { signal: this.abort.signal, credentials: this.credentials, cacheBytes });
    }
    return this.opening;
  }

  /** Drops the fetched file: its downloads stop and its bytes are let go. */
  private dropFile(): void {
    this.abort?.abort();
    this.abort = null;
    this.opening?.then(
      ({ bytes, fragments }) => {
        fragments?.close();
        bytes.close();
      },
      () => {},
    );
    this.opening = null;
  }

  private async load(run: number): Promise<void> {
    const inputs = this.inputs!;
    this.setState('loading');
    try {
      const { codecHint, hardwareAcceleration } = inputs;
      const prepared = await prepareVideo({
        codecHint,
        hardwareAcceleration,
        open: () => this.open(inputs.src!),
        current: () => run === this.run,
      });
      if (!prepared || run !== this.run) return;
      if (prepared.kind === 'unsupported') return this.toFallback(run, prepared.codec, prepared.reason);
      const { opened, track } = prepared;
      this.track = track;
      let current = track;
      const makeDecoder = () => {
        if (run !== this.run) return;
        this.decoder = new FrameDecoder({
          track: current,
          bytes: opened.bytes,
          hardwareAcceleration,
          counters: this.videoCounters,
          paint: (frame) => this.paintVideo(frame),
          onFatal: (error) => {
            if (run !== this.run) return;
            if (error instanceof UnsupportedCodecError) this.toFallback(run, track.codec, 'decoder');
            else this.fail(error);
          },
        });
      };
      this.decoderFactory = () => {
        makeDecoder();
        this.serve();
      };
      makeDecoder();
      if (opened.fragments) {
        // More fragments read: the same frames (and more), indices may move; the decoder is rebuilt on the new table.
        opened.fragments.onChange = (next) => {
          if (run !== this.run || this.track !== current) return;
          const durationChanged = next.duration !== current.duration;
          current = { ...next, codec: track.codec };
          this.track = current;
          if (this.painted) this.painted = { ...this.painted, index: frameForTime(current.frameTimestamps, this.painted.timestamp) };
          if (this.decoder) {
            this.decoder.close();
            this.decoder = null;
            makeDecoder();
          }
          this.host.requestUpdate();
          if (durationChanged) this.observer.durationKnown();
          if (this.announced === opened && this.indexed) this.announceIndexed(opened);
          this.serve();
        };
        // A long MP4 whose whole table turns out damaged past its head: the file cannot be shown.
        opened.fragments.onFailure = (error) => run === this.run && !isAbortError(error) && this.fail(error);
      }
      this.setState('ready');
      if (this.announced !== opened) {
        // Once per file: deciding again on the same file (a new hardware-acceleration) is no new metadata.
        this.announced = opened;
        this.observer.durationKnown();
        this.host.dispatchEvent(
          new LoadedMetadataEvent({
            duration: track.duration,
            width: track.displayWidth,
            height: track.displayHeight,
            codec: track.codec,
            frameCount: track.frameTimestamps.length,
          }),
        );
        if (run !== this.run) return; // a listener changed the inputs
        if (this.indexed) this.announceIndexed(opened);
        if (run !== this.run) return;
      }
      // Show the host's time even when nobody asked since the last frame (a reload).
      if (!this.requests.current) this.seek(this.host.time).catch(() => {});
      else this.serve();
    } catch (error) {
      if (run !== this.run || isAbortError(error)) return;
      this.fail(error);
    }
  }

  /**
   * The codec cannot be decoded here: stop the video work, say so once, and show the
   * fallback image sequence if there is one (else the element shows its message).
   */
  private toFallback(run: number, codec: string, reason: UnsupportedCodecReason): void {
    if (run !== this.run || this.unsupported) return;
    this.decoder?.close();
    this.decoder = null;
    this.track = null;
    this.unsupported = { codec, reason, fallback: this.inputs?.fallback != null };
    this.setState('fallback');
    this.host.dispatchEvent(new UnsupportedCodecEvent(this.unsupported));
    if (run !== this.run) return; // a listener changed src
    this.showFallback();
  }

  /** Shows the current `fallback` (or the message, without one); only the images are redone. */
  private showFallback(): void {
    if (!this.unsupported) return;
    this.closeSources();
    this.painted = null;
    this.error = null;
    const fallback = this.inputs?.fallback ?? null;
    this.unsupported = { ...this.unsupported, fallback: fallback !== null };
    this.setState('fallback');
    this.host.requestUpdate();
    if (fallback) void this.loadFallback(this.imagesRun, fallback);
    else {
      this.painter.clear();
      this.picture = null;
      this.serve();
      this.observer.failed(new DOMException(`This browser cannot decode ${this.unsupported.codec}.`, 'NotSupportedError'));
    }
  }

  private async loadFallback(imagesRun: number, fallback: string): Promise<void> {
    const abort = new AbortController();
    this.imagesAbort = abort;
    try {
      const url = new URL(fallback, document.baseURI).href;
      const credentials = this.credentials;
      const manifest = await loadManifest(url, { signal: abort.signal, credentials });
      if (imagesRun !== this.imagesRun) return;
      this.imageSize = { width: manifest.width, height: manifest.height };
      this.images = new ImageSequence(manifest, {
        credentials,
        counters: this.imageCounters,
        paint: (image) => this.paintImage(image),
      });
      this.host.requestUpdate();
      this.observer.durationKnown();
      this.announceIndexed(this.images);
      if (imagesRun !== this.imagesRun) return; // a listener changed the inputs
      if (!this.requests.current) this.seek(this.host.time).catch(() => {});
      else this.serve();
    } catch (error) {
      if (imagesRun !== this.imagesRun || isAbortError(error)) return;
      this.fail(error);
    }
  }

  /** Every frame's timestamp is known: `indexed`, once per file or image sequence. */
  private announceIndexed(source: object): void {
    if (this.indexedFor === source) return;
    this.indexedFor = source;
    this.host.dispatchEvent(new IndexedEvent({ frameCount: this.timestamps?.length ?? 0, duration: this.duration }));
  }

  /** Nothing can be shown for these inputs: one error event, and every request rejects. */
  private fail(error: unknown): void {
    if (this.state === 'error') return;
    const info = toErrorInfo(error, 'decode');
    this.run++;
    this.dropFile();
    this.closeSources();
    this.track = null;
    this.error = info;
    this.setState('error');
    this.serve();
    this.observer.failed(new RerunVideoError(info.code, info.message));
    this.host.dispatchEvent(new RerunVideoErrorEvent(info));
  }

  /** Hands the newest request to the frame source, once there is one; settles it when nothing can be shown. */
  private serve(ensured = false): void {
    const ticket = this.requests.current;
    this.served++;
    if (!ticket) return;
    if (this.error) {
      ticket.reject(new RerunVideoError(this.error.code, this.error.message));
      return;
    }
    if (!this.inputs?.src && this.host.isConnected) {
      ticket.reject(new DOMException('There is no src to show a frame of.', 'InvalidStateError'));
      return;
    }
    if (this.unsupported && !this.unsupported.fallback) {
      const codec = this.unsupported.codec || 'this video';
      ticket.reject(new DOMException(`This browser cannot decode ${codec}.`, 'NotSupportedError'));
      return;
    }
    const source = this.source;
    const timestamps = this.timestamps;
    if (!source || !timestamps) return; // still loading: served when the source is there
    const fragments = this.fragmentsFor(source);
    if (fragments && !ensured && !fragments.covers(ticket.key)) {
      // Its fragment first; publishing it serves the request again (else this does).
      const mark = this.served;
      fragments.ensure(ticket.key).then(
        () => this.requests.isCurrent(ticket) && this.served === mark && this.serve(true),
        (error) => this.requests.isCurrent(ticket) && this.served === mark && !isAbortError(error) && ticket.reject(error),
      );
      return;
    }
    const index = frameForTime(timestamps, ticket.key);
    if (this.painted?.exact && this.painted.index === index) {
      ticket.resolve({ ...this.painted, requestedTime: ticket.key });
      return;
    }
    source.show(index).then(
      (shown) => {
        if (!this.requests.isCurrent(ticket) || this.source !== source) return;
        const detail = this.detailFor(shown, ticket.key, shown === index);
        if (this.painted?.index !== shown) this.shown(detail);
        else this.painted = detail;
        ticket.resolve(detail);
      },
      (error) => {
        // A source that was replaced (the decoder, on the way to the fallback) leaves the
        // request to the next one.
        if (!this.requests.isCurrent(ticket) || this.source !== source) return;
        if (source === this.images && !isAbortError(error)) return this.fail(error);
        ticket.reject(error);
      },
    );
  }

  /** A different frame is on the canvas. */
  private shown(detail: FrameDetail): void {
    const fragments = this.announced?.fragments;
    this.painted = detail;
    this.frames++;
    this.host.dispatchEvent(new FrameEvent(detail));
    this.observer.painted(detail);
    // The rest of a fragmented or long file's table, once the page has heard of its first frame.
    if (fragments === this.announced?.fragments) fragments?.startIndexing();
  }

  private detailFor(index: number, requestedTime: number, exact: boolean): FrameDetail {
    const timestamps = this.timestamps ?? [];
    const timestamp = timestamps[index];
    const end = index + 1 < timestamps.length ? timestamps[index + 1] : this.duration;
    return {
      timestamp,
      duration: end - timestamp,
      index,
      requestedTime,
      exact,
      source: this.images ? 'images' : 'video',
    };
  }

  private paintVideo(image: VideoFrame | ImageBitmap): void {
    if (!this.track) return;
    this.paints++;
    this.paint(image, this.track);
  }

  private paint(image: VideoFrame | ImageBitmap, picture: Picture): void {
    this.picture = picture;
    this.paintedFor = this.host.resolution;
    const video = this.presentsAsStream(image, picture) ? this.host.presenterVideo : null;
    if (video && this.presenter.show(video, image as VideoFrame)) return;
    // Also while the <video> has not shown a frame yet: the canvas is seen until it has.
    this.painter.paint(image, picture);
    if (!video) this.presenter.hide();
  }

  /**
   * Whether `image` is presented through the `<video>` (StreamPresenter): a large decoded frame
   * while playing with `resolution="display"`, upright and uncropped (the `<video>` shows it
   * as it is). The canvas gets it back when playing stops.
   */
  private presentsAsStream(image: VideoFrame | ImageBitmap, picture: Picture): boolean {
    if (!streamPresentable || this.host.paused || this.host.resolution !== 'display' || picture.source) return false;
    if (typeof VideoFrame === 'undefined' || !(image instanceof VideoFrame)) return false;
    const { a, b, c, d } = picture.orientation ?? { a: 1, b: 0, c: 0, d: 1 };
    return a === 1 && b === 0 && c === 0 && d === 1 && picture.width * picture.height > PRESENTER.minPixels;
  }

  /** Draws a fallback image at the manifest's size (the images are upright already). */
  private paintImage(image: ImageBitmap): void {
    this.paints++;
    this.paint(image, {
      width: this.imageSize.width || image.width,
      height: this.imageSize.height || image.height,
    });
  }

  /** The state, reflected on the host at once so `rerun-video[state=…]` always matches. */
  private setState(state: VideoState): void {
    if (this.state === state) return;
    this.state = state;
    this.host.setAttribute('state', state);
    this.host.requestUpdate();
  }
}
