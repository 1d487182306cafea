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
  LoadedMetadataEvent,
  RerunVideoErrorEvent,
  UnsupportedCodecEvent,
  type FrameDetail,
  type UnsupportedCodecDetail,
  type UnsupportedCodecReason,
} from './events.js';
import { checkSupport, codecForHint, effectiveCodec } from './codecs.js';
import { FrameDecoder, decoderConfig } from './decode/frame-decoder.js';
import { frameForTime } from './decode/seek-plan.js';
import { ImageSequence } from './images/image-sequence.js';
import { loadManifest } from './images/manifest.js';
import { openMp4 } from './mp4/open-mp4.js';
import type { VideoTrack } from './mp4/video-track.js';

export type VideoState = 'empty' | 'loading' | 'ready' | 'fallback' | 'error';

/** What the controller needs from the element. */
export interface VideoHost extends ReactiveControllerHost, HTMLElement {
  readonly src: string | null;
  readonly time: number;
  readonly hardwareAcceleration: HardwareAcceleration;
  readonly crossOrigin: string | null;
  /** `codec-hint`: a short codec name or a full codec string. */
  readonly codecHint: string | null;
  /** URL of the JPEG image-sequence manifest shown when the codec cannot be decoded. */
  readonly fallback: string | null;
  /** The canvas frames are painted on, once rendered. */
  readonly canvas: HTMLCanvasElement | null;
}

interface Request {
  time: number;
  resolve(detail: FrameDetail): void;
  reject(error: unknown): void;
}

/** Something that paints frame N of the current timeline: the video decoder or the images. */
interface FrameSource {
  show(index: number): Promise<void>;
  close(): void;
}

/** How long a disconnected element keeps its decoder, so a DOM move does not rebuild it. */
const TEARDOWN_DELAY_MS = 1000;

/**
 * One `src` → its sample table → the frame for the requested time on the host's canvas.
 * Each `src` is one run with its own AbortController; results of an older run are dropped.
 */
export class VideoController implements ReactiveController {
  state: VideoState = 'empty';
  error: RerunVideoErrorInfo | null = null;
  track: VideoTrack | null = null;
  /** The time of the newest request. */
  requestedTime = NaN;
  /** Set when the codec cannot be decoded here (then `state` is `fallback`). */
  unsupported: UnsupportedCodecDetail | null = null;
  /** The fallback image sequence being shown, once its manifest has loaded. */
  images: ImageSequence | null = null;

  private readonly host: VideoHost;
  private run = 0;
  private abort: AbortController | null = null;
  private decoder: FrameDecoder | null = null;
  private loadedSrc: string | null = null;
  private imageSize = { width: 0, height: 0 };
  private request: Request | null = null;
  private painted: FrameDetail | null = null;
  private teardownTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: VideoHost) {
    this.host = host;
    host.addController(this);
  }

  hostConnected(): void {
    clearTimeout(this.teardownTimer);
    this.teardownTimer = undefined;
    // Back after a teardown: load the src again.
    this.sync();
  }

  hostDisconnected(): void {
    this.teardownTimer = setTimeout(() => {
      this.teardownTimer = undefined;
      this.unload();
      this.loadedSrc = null;
    }, TEARDOWN_DELAY_MS);
  }

  /** Every frame's timestamp, from the video or, in fallback, from the image manifest. */
  get timestamps(): readonly number[] | null {
    return this.track?.frameTimestamps ?? this.images?.timestamps ?? null;
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

  private get source(): FrameSource | null {
    return this.decoder ?? this.images;
  }

  hostUpdate(): void {
    this.sync();
  }

  /** Starts loading the host's `src` unless it is what is loaded already. */
  sync(): void {
    if (!this.host.isConnected) return;
    const src = this.host.src || null;
    if (src === this.loadedSrc) return;
    this.loadedSrc = src;
    this.unload();
    if (src) {
      void this.load(src);
      // `time` keeps its value: the new file shows its frame for it.
      this.seek(this.host.time).catch(() => {});
    }
  }

  /** Asks for the frame at `time`; the newest request wins and older ones reject. */
  seek(time: number): Promise<FrameDetail> {
    this.request?.reject(abortError());
    this.requestedTime = time;
    return new Promise<FrameDetail>((resolve, reject) => {
      this.request = { time, resolve, reject };
      this.serve();
    });
  }

  private unload(): void {
    this.run++;
    this.abort?.abort();
    this.abort = null;
    this.decoder?.close();
    this.decoder = null;
    this.images?.close();
    this.images = null;
    this.track = null;
    this.painted = null;
    this.error = null;
    this.unsupported = null;
    this.setState('empty');
    const canvas = this.host.canvas;
    canvas?.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
  }

  private async load(src: string): Promise<void> {
    const run = this.run;
    const abort = new AbortController();
    this.abort = abort;
    this.setState('loading');
    try {
      const hint = this.host.codecHint;
      const hintCodec = codecForHint(hint);
      const hardwareAcceleration = this.host.hardwareAcceleration;
      // Checked when the load starts, before anything is downloaded: without WebCodecs no
      // MP4 can be shown, and a hint the browser cannot decode needs no download to know it.
      if (typeof VideoDecoder === 'undefined') return this.toFallback(run, hintCodec ?? '', 'no-webcodecs');
      if (hintCodec) {
        const support = await checkSupport({ codec: hintCodec, hardwareAcceleration });
        if (run !== this.run) return;
        if (!support.supported) return this.toFallback(run, hintCodec, support.reason === 'no-webcodecs' ? 'no-webcodecs' : 'hint');
      }
      const url = new URL(src, document.baseURI).href;
      const opened = await openMp4(url, { signal: abort.signal, credentials: this.credentials });
      if (run !== this.run) return;
      const { bytes } = opened;
      // The hint serves as the codec when the file does not say (a bare `avc1`).
      const codec = effectiveCodec(opened.track.codec, hint);
      const track = codec === opened.track.codec ? opened.track : { ...opened.track, codec };
      const support = await checkSupport(decoderConfig(track, hardwareAcceleration));
      if (run !== this.run) return;
      if (!support.supported) return this.toFallback(run, track.codec, support.reason ?? 'config');
      this.track = track;
      this.decoder = new FrameDecoder({
        track,
        bytes,
        hardwareAcceleration,
        paint: (frame, index) => this.paint(frame, index),
        onFatal: (error) => {
          if (run !== this.run) return;
          if (error instanceof UnsupportedCodecError) this.toFallback(run, track.codec, 'decoder');
          else this.fail(error);
        },
      });
      this.setState('ready');
      this.host.dispatchEvent(
        new LoadedMetadataEvent({
          duration: track.duration,
          width: track.displayWidth,
          height: track.displayHeight,
          codec: track.codec,
          frameCount: track.frameTimestamps.length,
        }),
      );
      // Show the host's time even when nobody asked since the last frame (a reload).
      if (!this.request) this.seek(this.host.time).catch(() => {});
      else this.serve();
    } catch (error) {
      if (run !== this.run || isAbortError(error)) return;
      this.fail(error);
    }
  }

  private get credentials(): RequestCredentials {
    return this.host.crossOrigin === 'use-credentials' ? 'include' : 'same-origin';
  }

  /**
   * The codec cannot be decoded here: stop the video work, say so once, and show the
   * fallback image sequence if there is one (else the element shows its message).
   */
  private toFallback(run: number, codec: string, reason: UnsupportedCodecReason): void {
    if (run !== this.run || this.unsupported) return;
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.decoder?.close();
    this.decoder = null;
    this.track = null;
    const fallback = this.host.fallback || null;
    this.unsupported = { codec, reason, fallback: fallback !== null };
    this.setState('fallback');
    this.host.dispatchEvent(new UnsupportedCodecEvent(this.unsupported));
    if (run !== this.run) return; // a listener changed src
    if (fallback) void this.loadFallback(run, fallback, abort.signal);
    else this.serve();
  }

  private async loadFallback(run: number, fallback: string, signal: AbortSignal): Promise<void> {
    try {
      const url = new URL(fallback, document.baseURI).href;
      const credentials = this.credentials;
      const manifest = await loadManifest(url, { signal, credentials });
      if (run !== this.run) return;
      this.imageSize = { width: manifest.width, height: manifest.height };
      this.images = new ImageSequence(manifest, {
        credentials,
        paint: (image) => this.paintImage(image),
      });
      this.host.requestUpdate();
      if (!this.request) this.seek(this.host.time).catch(() => {});
      else this.serve();
    } catch (error) {
      if (run !== this.run || isAbortError(error)) return;
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    const info = toErrorInfo(error, 'decode');
    this.run++;
    this.abort?.abort();
    this.decoder?.close();
    this.decoder = null;
    this.images?.close();
    this.images = null;
    this.error = info;
    this.request?.reject(new RerunVideoError(info.code, info.message));
    this.request = null;
    this.setState('error');
    this.host.dispatchEvent(new RerunVideoErrorEvent(info));
  }

  /** Hands the newest request to the decoder, once there is one. */
  private serve(): void {
    const request = this.request;
    if (request && this.unsupported && !this.unsupported.fallback) {
      // Nothing will ever be painted for this src.
      this.request = null;
      const codec = this.unsupported.codec || 'this video';
      request.reject(new DOMException(`This browser cannot decode ${codec}.`, 'NotSupportedError'));
      return;
    }
    const source = this.source;
    const timestamps = this.timestamps;
    if (!request || !source || !timestamps) return;
    const index = frameForTime(timestamps, request.time);
    if (this.painted?.index === index) {
      this.request = null;
      request.resolve({ ...this.painted, requestedTime: request.time });
      return;
    }
    source.show(index).then(
      () => {
        if (this.request !== request || this.source !== source) return;
        this.request = null;
        const detail = this.detailFor(index, request.time);
        this.painted = detail;
        this.host.dispatchEvent(new FrameEvent(detail));
        request.resolve(detail);
      },
      (error) => {
        // A source that was replaced (the decoder, on the way to the fallback) leaves the
        // request to the next one.
        if (this.request !== request || this.source !== source) return;
        if (source === this.images && !isAbortError(error)) return this.fail(error);
        this.request = null;
        request.reject(error);
      },
    );
  }

  private detailFor(index: number, requestedTime: number): FrameDetail {
    const timestamps = this.timestamps ?? [];
    const timestamp = timestamps[index];
    const end = index + 1 < timestamps.length ? timestamps[index + 1] : this.duration;
    return { timestamp, duration: end - timestamp, index, requestedTime, source: this.images ? 'images' : 'video' };
  }

  private paint(image: VideoFrame | ImageBitmap, _index: number): void {
    const canvas = this.host.canvas;
    const track = this.track;
    if (!canvas || !track) return;
    const width = track.displayWidth;
    const height = track.displayHeight;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const context = canvas.getContext('2d');
    if (!context) return;
    const sideways = track.rotation === 90 || track.rotation === 270;
    const drawWidth = sideways ? height : width;
    const drawHeight = sideways ? width : height;
    context.save();
    context.translate(width / 2, height / 2);
    context.rotate((track.rotation * Math.PI) / 180);
    // A VideoFrame's natural size is its display size and drawImage takes only its visible
    // rect, so decoder padding (Chromium's coded sizes are padded) never reaches the canvas;
    // cached ImageBitmaps were made from the same frames, at that size.
    context.drawImage(image, -drawWidth / 2, -drawHeight / 2, drawWidth, drawHeight);
    context.restore();
  }

  /** Draws a fallback image at the manifest's size (the images are upright already). */
  private paintImage(image: ImageBitmap): void {
    const canvas = this.host.canvas;
    if (!canvas) return;
    const width = this.imageSize.width || image.width;
    const height = this.imageSize.height || image.height;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    canvas.getContext('2d')?.drawImage(image, 0, 0, width, height);
  }

  private setState(state: VideoState): void {
    if (this.state === state) return;
    this.state = state;
    this.host.requestUpdate();
  }
}
