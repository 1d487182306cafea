import { RerunVideoError, UnsupportedCodecError, abortError, isAbortError } from '../errors.js';
import type { VideoSample, VideoTrack } from '../mp4/video-track.js';
import { avcLengthSize, isDisposableH264 } from './disposable.js';
import { FrameCache } from './frame-cache.js';
import { planSeek, type RunState } from './seek-plan.js';

/** Chunks queued in the decoder at most while catching up to a target. */
const MAX_QUEUE = 12;
/** A target at most this many samples ahead in a later GOP is reached by decoding through. */
const MAX_LEAD = 4;
/** Consecutive decoder failures (each followed by a rebuild) before giving up. */
const MAX_FAILURES = 3;
/** Frames held open at once while they are copied into the cache; past it, copies are skipped. */
const MAX_COPIES_IN_FLIGHT = 3;
/** Priming chunks carry their timestamp minus this, so their output is recognised and dropped. */
const PRIME_OFFSET_US = 2 ** 40;
/** Priming feeds at most this many samples. */
const MAX_PRIME_SAMPLES = 8;
/** A move back by at most this many frames is stepping or scrubbing back: worth caching for. */
const STEP_BACK_FRAMES = 8;

/** Where the samples' bytes come from. */
export interface SampleBytes {
  read(offset: number, size: number): Promise<Uint8Array>;
}

export interface FrameDecoderOptions {
  track: VideoTrack;
  bytes: SampleBytes;
  hardwareAcceleration: HardwareAcceleration;
  /** Draws the requested frame (decoded now, or from the cache). Must not keep it. */
  paint(image: VideoFrame | ImageBitmap, index: number): void;
  /** Byte budget of the decoded-frame cache; defaults to DEFAULT_CACHE_BYTES. */
  cacheBytes?: number;
  /**
   * The decoder failed for good (after rebuilds), or cannot decode this codec at all
   * (an UnsupportedCodecError); the current request is rejected too.
   */
  onFatal(error: RerunVideoError): void;
}

interface Target {
  frame: number;
  resolve(): void;
  reject(error: unknown): void;
}

let liveFrames = 0;

/** `VideoFrame`s output by any decoder and not yet closed (for tests and the benchmark). */
export function openVideoFrames(): number {
  return liveFrames;
}

/** The `VideoDecoderConfig` for a track. */
export function decoderConfig(track: VideoTrack, hardwareAcceleration: HardwareAcceleration): VideoDecoderConfig {
  return {
    codec: track.codec,
    codedWidth: track.codedWidth,
    codedHeight: track.codedHeight,
    description: track.description,
    hardwareAcceleration,
    optimizeForLatency: false,
  };
}

/**
 * Turns "show frame N" requests into decoding: it plans from the sample table, feeds the
 * decoder with backpressure, paints the requested frame when it comes out, and closes every
 * other frame. Only the newest request is worked on; older ones reject with `AbortError`.
 */
export class FrameDecoder {
  private readonly track: VideoTrack;
  private readonly options: FrameDecoderOptions;
  private readonly config: VideoDecoderConfig;
  private decoder: VideoDecoder | null = null;
  private target: Target | null = null;
  private run: RunState & { emitted: Set<number> } = { start: -1, next: 0, emitted: new Set() };
  /** Chunks given to the decoder since it was last configured or flushed. */
  private fed = 0;
  private failures = 0;
  /**
   * Set once a frame went missing: Chromium's and Firefox's H.264 decoders, configured for a
   * stream whose SPS does not announce B-frame reordering, drop the first reordered frame
   * after each configure (measured on the iOS corpus files: frame 1 never comes out; FFmpeg
   * guesses the reorder depth, which its MP4 demuxer would have set from the ctts box). From
   * then on every restart first feeds the GOP's opening samples, just past one that reorders,
   * as throwaway chunks, so the decoder has learnt the reordering before the real ones come.
   */
  private primeReorder = false;
  /** Samples still to feed as priming chunks in this run: [next, end]. */
  private priming: { next: number; end: number } | null = null;
  private pumping = false;
  private closed = false;
  private wake: (() => void) | null = null;
  /** Every sample's chunk timestamp, ascending, with the frame it shows (-1: not shown). */
  private readonly outputTimes: Float64Array;
  private readonly outputFrames: Int32Array;
  private readonly cache: FrameCache<ImageBitmap>;
  /** The newest requested frame: the cache keeps what is near it. */
  private focus = 0;
  /**
   * Whether frames coming out are copied into the cache: only while the playhead steps or
   * scrubs backwards. Otherwise copies would only slow decoding down (a 1080p copy costs
   * about as much as decoding the frame) for frames that are rarely asked for again.
   */
  private collecting = false;
  private copiesInFlight = 0;
  /** NAL length size of an H.264 track (0 otherwise): non-reference samples can be skipped. */
  private readonly avcLengthSize: number;

  constructor(options: FrameDecoderOptions) {
    this.options = options;
    this.track = options.track;
    this.config = decoderConfig(options.track, options.hardwareAcceleration);
    const order = [...this.track.samples.keys()].sort(
      (a, b) => this.track.samples[a].timestampUs - this.track.samples[b].timestampUs,
    );
    this.outputTimes = Float64Array.from(order, (i) => this.track.samples[i].timestampUs);
    this.outputFrames = Int32Array.from(order, (i) => this.track.samples[i].frame);
    const { displayWidth, displayHeight } = this.track;
    this.cache = new FrameCache(displayWidth * displayHeight * 4, options.cacheBytes);
    this.avcLengthSize = /^avc[13]\./.test(this.track.codec) ? avcLengthSize(this.track.description) : 0;
  }

  /** Resolves once frame `index` has been painted; rejects with AbortError when superseded. */
  show(index: number): Promise<void> {
    if (this.closed) return Promise.reject(abortError('The decoder was closed'));
    this.target?.reject(abortError());
    this.target = null;
    this.collecting = index < this.focus && this.focus - index <= STEP_BACK_FRAMES;
    this.focus = index;
    const cached = this.cache.get(index);
    if (cached) {
      try {
        this.options.paint(cached, index);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.target = { frame: index, resolve, reject };
      this.poke();
      void this.pump();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.target?.reject(abortError('The decoder was closed'));
    this.target = null;
    this.closeDecoder();
    this.cache.clear();
    this.poke();
  }

  private closeDecoder(): void {
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = null;
    this.run = { start: -1, next: 0, emitted: new Set() };
    this.priming = null;
    this.fed = 0;
  }

  private ensureDecoder(): VideoDecoder {
    if (this.decoder && this.decoder.state === 'configured') return this.decoder;
    this.closeDecoder();
    const decoder = new VideoDecoder({
      output: (frame) => this.onOutput(decoder, frame),
      error: (error) => this.onDecoderError(decoder, error),
    });
    decoder.addEventListener('dequeue', () => this.poke());
    decoder.configure(this.config);
    this.decoder = decoder;
    return decoder;
  }

  private onOutput(decoder: VideoDecoder, frame: VideoFrame): void {
    liveFrames++;
    let keep = false;
    try {
      if (decoder !== this.decoder || frame.timestamp < 0) return;
      const index = this.frameAt(frame.timestamp);
      if (index < 0) return;
      this.run.emitted.add(index);
      const target = this.target;
      if (target && target.frame === index) {
        this.failures = 0;
        this.target = null;
        try {
          this.options.paint(frame, index);
          target.resolve();
        } catch (error) {
          target.reject(error);
        }
      }
      keep = this.copyIntoCache(frame, index);
    } finally {
      if (!keep) this.release(frame);
      this.poke();
    }
  }

  private release(frame: VideoFrame): void {
    frame.close();
    liveFrames--;
  }

  /**
   * Copies a frame near the playhead into the cache, off the decoder's pool (holding
   * VideoFrames would stall the decoder). Returns whether it took over closing the frame.
   */
  private copyIntoCache(frame: VideoFrame, index: number): boolean {
    if (!this.collecting || this.copiesInFlight >= MAX_COPIES_IN_FLIGHT || !this.cache.wants(index, this.focus)) {
      return false;
    }
    this.copiesInFlight++;
    createImageBitmap(frame)
      .then(
        (bitmap) => {
          if (this.closed) bitmap.close();
          else this.cache.put(index, bitmap, this.focus);
        },
        () => {},
      )
      .finally(() => {
        this.copiesInFlight--;
        this.release(frame);
      });
    return true;
  }

  private onDecoderError(decoder: VideoDecoder, error: DOMException): void {
    if (decoder !== this.decoder || this.closed) return;
    this.decoder = null;
    this.run = { start: -1, next: 0, emitted: new Set() };
    this.priming = null;
    this.failures++;
    const unsupported = error.name === 'NotSupportedError';
    if (unsupported || this.failures >= MAX_FAILURES) {
      const failure = unsupported
        ? new UnsupportedCodecError(`This browser cannot decode ${this.track.codec}: ${error.message}`)
        : new RerunVideoError('decode', `Decoding failed ${this.failures} times in a row: ${error.name}: ${error.message}`);
      this.target?.reject(failure);
      this.target = null;
      this.options.onFatal(failure);
      return;
    }
    // Reclaimed (QuotaExceededError, background tabs) or a transient failure: the pump
    // builds a new decoder and starts again from the target's key frame.
    this.poke();
    void this.pump();
  }

  /** The frame shown by the sample whose timestamp is nearest to `timestampUs`. */
  private frameAt(timestampUs: number): number {
    // Nearest rather than exact: WebKit has returned timestamps a microsecond off the input.
    const times = this.outputTimes;
    let low = 0;
    let high = times.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (times[mid] < timestampUs) low = mid + 1;
      else high = mid;
    }
    if (low > 0 && timestampUs - times[low - 1] < times[low] - timestampUs) low--;
    return this.outputFrames[low];
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private waitForProgress(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.target && !this.closed) await this.step(this.target);
    } catch (error) {
      // Closed meanwhile (src change, fallback): the download's abort is no failure.
      if (this.closed || isAbortError(error)) return;
      // configure() and decode() may also throw NotSupportedError themselves.
      const failure =
        error instanceof RerunVideoError
          ? error
          : error instanceof DOMException && error.name === 'NotSupportedError'
            ? new UnsupportedCodecError(`This browser cannot decode ${this.track.codec}: ${error.message}`)
            : new RerunVideoError('decode', `Decoding stopped: ${String(error)}`);
      this.target?.reject(failure);
      this.target = null;
      this.options.onFatal(failure);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * A sample on the way to the target that nothing refers to (an H.264 non-reference
   * picture, most B-frames) need not be decoded, unless frames are being collected for the
   * cache while stepping back.
   */
  private skippable(sample: VideoSample, target: Target, data: Uint8Array): boolean {
    return (
      this.avcLengthSize > 0 &&
      !this.collecting &&
      sample.frame < target.frame &&
      isDisposableH264(data, this.avcLengthSize)
    );
  }

  /**
   * The last sample of the priming run from key sample `from`: one past the first sample that
   * reorders. (Ending on the reordered one left Chromium and Firefox dropping the real run's
   * first two frames; one more sample and both came out, measured on the iOS corpus file.)
   */
  private primeEnd(from: number): number {
    const { samples } = this.track;
    const last = Math.min(samples.length - 1, from + MAX_PRIME_SAMPLES - 1);
    let latest = -1;
    for (let i = from; i <= last; i++) {
      if (i > from && samples[i].isKey) return i - 1;
      if (samples[i].timestampUs < latest) return i + 1 <= last && !samples[i + 1].isKey ? i + 1 : i;
      latest = Math.max(latest, samples[i].timestampUs);
    }
    return last;
  }

  /** One move towards the target: re-plan, then feed a chunk, flush, or wait. */
  private async step(target: Target): Promise<void> {
    const { samples, frameSample } = this.track;
    const targetSample = frameSample[target.frame];
    const decoder = this.ensureDecoder();
    const plan = planSeek(samples, this.run, target.frame, targetSample, MAX_LEAD);
    if (plan.kind === 'restart') {
      if (this.fed > 0) {
        decoder.reset();
        decoder.configure(this.config);
        this.fed = 0;
      }
      this.run = { start: plan.from, next: plan.from, emitted: new Set() };
      this.priming = this.primeReorder ? { next: plan.from, end: this.primeEnd(plan.from) } : null;
    } else if (plan.kind === 'jump') {
      this.run.start = plan.from;
      this.run.next = plan.from;
    }

    if (this.priming && decoder.decodeQueueSize < MAX_QUEUE) {
      const priming = this.priming;
      const sample = samples[priming.next];
      const data = await this.options.bytes.read(sample.offset, sample.size);
      if (this.closed || decoder !== this.decoder || decoder.state !== 'configured' || this.priming !== priming) return;
      decoder.decode(
        new EncodedVideoChunk({
          type: sample.isKey ? 'key' : 'delta',
          timestamp: sample.timestampUs - PRIME_OFFSET_US,
          duration: sample.durationUs,
          data,
        }),
      );
      this.fed++;
      priming.next++;
      if (priming.next > priming.end) this.priming = null;
      return;
    }

    const { next } = this.run;
    // Up to the target, keep the queue full; past it, feed only what the decoder asks for
    // (reordering delay) so no work is spent on frames nobody requested.
    const wanted = next <= targetSample ? MAX_QUEUE : 1;
    if (next < samples.length && decoder.decodeQueueSize < wanted) {
      const sample = samples[next];
      const data = await this.options.bytes.read(sample.offset, sample.size);
      if (this.closed || decoder !== this.decoder || decoder.state !== 'configured' || this.run.next !== next) return;
      if (this.skippable(sample, target, data)) {
        // Nothing refers to it and it shows before the target: leave it out. It will not
        // come out in this run, so asking for it later restarts.
        if (sample.frame >= 0) this.run.emitted.add(sample.frame);
        this.run.next = next + 1;
        return;
      }
      decoder.decode(
        new EncodedVideoChunk({
          type: sample.isKey ? 'key' : 'delta',
          timestamp: sample.timestampUs,
          duration: sample.durationUs,
          data,
        }),
      );
      this.run.next = next + 1;
      this.fed++;
      return;
    }
    // The target's GOP is all in (the next sample starts another) or the track is: drain what
    // the decoder holds back. It then needs a key chunk, so this run is over.
    const gopDone = next >= samples.length || (next > targetSample && samples[next].isKey);
    if (gopDone && decoder.decodeQueueSize === 0 && this.fed > 0) {
      await decoder.flush().catch(() => {});
      this.fed = 0;
      this.run = { start: -1, next: 0, emitted: new Set() };
      if (this.target === target && decoder === this.decoder && !this.closed) {
        if (this.primeReorder) {
          throw new RerunVideoError('decode', `Frame ${target.frame} never came out of the decoder.`);
        }
        // A frame went missing: restart, priming the decoder's reordering first.
        this.primeReorder = true;
      }
      return;
    }
    await this.waitForProgress();
  }
}
