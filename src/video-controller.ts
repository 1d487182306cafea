import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { RerunVideoError, abortError, isAbortError, toErrorInfo, type RerunVideoErrorInfo } from './errors.js';
import { FrameEvent, LoadedMetadataEvent, RerunVideoErrorEvent, type FrameDetail } from './events.js';
import { FrameDecoder, decoderConfig } from './decode/frame-decoder.js';
import { frameForTime } from './decode/seek-plan.js';
import { openMp4 } from './mp4/open-mp4.js';
import type { VideoTrack } from './mp4/video-track.js';

export type VideoState = 'empty' | 'loading' | 'ready' | 'fallback' | 'error';

/** What the controller needs from the element. */
export interface VideoHost extends ReactiveControllerHost, HTMLElement {
  readonly src: string | null;
  readonly time: number;
  readonly hardwareAcceleration: HardwareAcceleration;
  readonly crossOrigin: string | null;
  /** The canvas frames are painted on, once rendered. */
  readonly canvas: HTMLCanvasElement | null;
}

interface Request {
  time: number;
  resolve(detail: FrameDetail): void;
  reject(error: unknown): void;
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

  private readonly host: VideoHost;
  private run = 0;
  private abort: AbortController | null = null;
  private decoder: FrameDecoder | null = null;
  private loadedSrc: string | null = null;
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

  /** The frame on the canvas now, if any. */
  get currentFrame(): FrameDetail | null {
    return this.painted;
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
    this.track = null;
    this.painted = null;
    this.error = null;
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
      const url = new URL(src, document.baseURI).href;
      const credentials = this.host.crossOrigin === 'use-credentials' ? 'include' : 'same-origin';
      const { track, bytes } = await openMp4(url, { signal: abort.signal, credentials });
      if (run !== this.run) return;
      await this.checkSupport(track);
      if (run !== this.run) return;
      this.track = track;
      this.decoder = new FrameDecoder({
        track,
        bytes,
        hardwareAcceleration: this.host.hardwareAcceleration,
        paint: (frame, index) => this.paint(frame, index),
        onFatal: (error) => {
          if (run === this.run) this.fail(error);
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

  private async checkSupport(track: VideoTrack): Promise<void> {
    if (typeof VideoDecoder === 'undefined') {
      throw new RerunVideoError('decode', 'This browser has no WebCodecs VideoDecoder (it needs a secure context).');
    }
    const config = decoderConfig(track, this.host.hardwareAcceleration);
    const { supported } = await VideoDecoder.isConfigSupported(config).catch(() => ({ supported: false }));
    if (!supported) throw new RerunVideoError('decode', `This browser cannot decode ${track.codec}.`);
  }

  private fail(error: unknown): void {
    const info = toErrorInfo(error, 'decode');
    this.run++;
    this.abort?.abort();
    this.decoder?.close();
    this.decoder = null;
    this.error = info;
    this.request?.reject(new RerunVideoError(info.code, info.message));
    this.request = null;
    this.setState('error');
    this.host.dispatchEvent(new RerunVideoErrorEvent(info));
  }

  /** Hands the newest request to the decoder, once there is one. */
  private serve(): void {
    const request = this.request;
    const track = this.track;
    const decoder = this.decoder;
    if (!request || !track || !decoder) return;
    const index = frameForTime(track.frameTimestamps, request.time);
    if (this.painted?.index === index) {
      this.request = null;
      request.resolve({ ...this.painted, requestedTime: request.time });
      return;
    }
    decoder.show(index).then(
      () => {
        if (this.request !== request) return;
        this.request = null;
        const detail = this.detailFor(track, index, request.time);
        this.painted = detail;
        this.host.dispatchEvent(new FrameEvent(detail));
        request.resolve(detail);
      },
      (error) => {
        if (this.request !== request) return;
        this.request = null;
        request.reject(error);
      },
    );
  }

  private detailFor(track: VideoTrack, index: number, requestedTime: number): FrameDetail {
    const timestamps = track.frameTimestamps;
    const timestamp = timestamps[index];
    const end = index + 1 < timestamps.length ? timestamps[index + 1] : track.duration;
    return { timestamp, duration: end - timestamp, index, requestedTime, source: 'video' };
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

  private setState(state: VideoState): void {
    if (this.state === state) return;
    this.state = state;
    this.host.requestUpdate();
  }
}
