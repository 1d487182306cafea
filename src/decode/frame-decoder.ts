import { MissingBytesError, RerunVideoError, UnsupportedCodecError, abortError, isAbortError } from '../errors.js';
import { LatestRequest, type Ticket } from '../latest-request.js';
import type { ByteSource } from '../mp4/byte-source.js';
import { sortByTime } from '../mp4/order.js';
import { gopSpan, type Samples, type VideoTrack } from '../mp4/video-track.js';
import { avcLengthSize, isDisposableH264 } from './disposable.js';
import { FrameCache } from './frame-cache.js';
import { FrameCopier, type FrameCopy } from './frame-copy.js';
import { codecFamily, isKeyFrame, nalLengthSize, type Codec } from './keyframes.js';
import { gopStarts, planSeek, type RunState } from './seek-plan.js';

/** Chunks queued in the decoder at most while catching up to a target. */
const MAX_QUEUE = 12;
/** A target at most this many samples ahead in a later GOP is reached by decoding through. */
const MAX_LEAD = 4;
/** Reclaims (or other failures outside any GOP's fault) in a row before giving up. */
const MAX_RECLAIMS = 3;
/** Decoder errors in one GOP before it counts as broken (the first may be transient). */
const GOP_ATTEMPTS = 2;
/** Broken GOPs, with no frame ever decoded, after which the file counts as undecodable. */
const MAX_BROKEN_BEFORE_ANY_FRAME = 3;
/** Frames held open at once while they are copied into the cache; past it, copies are skipped. */
const MAX_COPIES_IN_FLIGHT = 3;
/** Priming chunks carry their timestamp minus this, so their output is recognised and dropped. */
const PRIME_OFFSET_US = 2 ** 40;
/** Priming feeds at most this many samples. */
const MAX_PRIME_SAMPLES = 8;
/** A move back by at most this many frames is stepping or scrubbing back: worth caching for. */
const STEP_BACK_FRAMES = 8;
/**
 * Playing forwards, frames decoded ahead of the playhead and held until their time: enough
 * to ride out a slow frame, few enough that the decoder's frame pool never runs dry.
 */
const PLAY_AHEAD = 3;
/**
 * Frames past the playhead kept when they come out while playing: a few more than asked for,
 * since the decoder lets out the frames it held back for reordering as more chunks go in.
 */
const PLAY_KEEP = PLAY_AHEAD + 2;
/** Playing backwards, copies into the cache in flight at most before the decoder is fed more. */
const REVERSE_COPIES = 3;
/** Copies in flight at most while playing backwards (frames the decoder already holds come out anyway). */
const MAX_REVERSE_COPIES = 8;

/** Frame counts the element reports in `getVideoPlaybackQuality()`; shared by its decoders. */
export interface DecoderCounters {
  /** Frames that came out of a decoder. */
  decoded: number;
  /** Of those, the ones not yet closed. */
  open: number;
}

export interface FrameDecoderOptions {
  track: VideoTrack;
  bytes: ByteSource;
  hardwareAcceleration: HardwareAcceleration;
  /** Draws the requested frame (decoded now, or from the cache). Must not keep it. */
  paint(image: VideoFrame | ImageBitmap, index: number): void;
  /** Byte budget of the decoded-frame cache; defaults to DEFAULT_CACHE_BYTES. */
  cacheBytes?: number;
  counters: DecoderCounters;
  /**
   * Nothing can be decoded: the codec is not decodable here (an UnsupportedCodecError), the
   * decoder keeps being lost, or no GOP of the file decodes. The current request rejects too.
   */
  onFatal(error: RerunVideoError): void;
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

interface Run extends RunState {
  emitted: Set<number>;
  /** Frames that really came out in this run (`emitted` also holds the skipped ones). */
  shown: Set<number>;
}

const newRun = (start = -1): Run => ({ start, next: Math.max(0, start), emitted: new Set(), shown: new Set() });

/** What is known of a sample's key-ness from its bits: not looked at yet, key, not key. */
const enum Bits {
  Unknown = 0,
  Key = 1,
  Delta = 2,
}

/**
 * Turns "show frame N" requests into decoding: it plans from the sample table, feeds the
 * decoder with backpressure, paints the requested frame when it comes out, and closes every
 * other frame. Only the newest request is worked on; older ones reject with `AbortError`.
 *
 * A decode error costs only its GOP: the decoder is rebuilt, the GOP is tried once more and
 * then marked broken; a request for a frame in a broken GOP paints the nearest frame that
 * does decode (the promise resolves with that frame's index). A file that ends early shows
 * every frame whose bytes exist; requests for the others reject with a MissingBytesError.
 */
export class FrameDecoder {
  private readonly track: VideoTrack;
  private readonly samples: Samples;
  /** Each sample's key flag (1: key), corrected here as the bits are read. */
  private readonly keys: Uint8Array;
  private readonly options: FrameDecoderOptions;
  private readonly config: VideoDecoderConfig;
  private readonly counters: DecoderCounters;
  private decoder: VideoDecoder | null = null;
  private readonly target = new LatestRequest<number, number>();
  /** The frame being decoded for the target: the target itself, or its stand-in. */
  private aim = -1;
  private run: Run = newRun();
  /** Chunks given to the decoder since it was last configured or flushed. */
  private fed = 0;
  private reclaims = 0;
  /** Frames output since this decoder was made (0: the codec may not really decode here). */
  private outputs = 0;
  /** Key sample of each sample's GOP (-1: before any key); recomputed when flags change. */
  private gops: Int32Array;
  /** GOPs that failed to decode (by key sample) -> the frames of it that did come out. */
  private readonly broken = new Map<number, Set<number>>();
  private readonly failures = new Map<number, number>();
  /** Decoder errors so far: a bound on retries, whatever else goes wrong. */
  private errors = 0;
  /** Decode index of the first sample whose bytes the file does not have. */
  private firstMissing = Infinity;
  private missingError: MissingBytesError | null = null;
  private readonly bits: Uint8Array;
  /** Whether the file's sync flags can be believed (false once one proved wrong, or sample 0 was unflagged). */
  private flagsTrusted: boolean;
  private readonly family: Codec;
  private readonly lengthSize: number;
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
  /** The samples by output timestamp; null when that is decode order. */
  private readonly byTime: Uint32Array | null;
  private readonly cache: FrameCache<FrameCopy>;
  private readonly copier = new FrameCopier();
  /** The newest requested frame: the cache keeps what is near it. */
  private focus = 0;
  /**
   * Whether frames coming out are copied into the cache: only while the playhead steps or
   * scrubs backwards. Otherwise copies would only slow decoding down (a 1080p copy costs
   * about as much as decoding the frame) for frames that are rarely asked for again.
   */
  private collecting = false;
  /** Whether the newest request moved forward: the GOP after the one decoded is fetched ahead. */
  private forward = false;
  private movedForward = false;
  /** The key sample whose GOP was last asked for ahead. */
  private prefetched = -1;
  /** How many GOPs from `prefetched` on were asked for. */
  private prefetchedGops = 0;
  private copiesInFlight = 0;
  /** NAL length size of an H.264 track (0 otherwise): non-reference samples can be skipped. */
  private readonly avcLengthSize: number;
  /** While playing, the way the playhead moves; 0 when frames are only shown on request. */
  private direction: -1 | 0 | 1 = 0;
  /** Playing forwards: frames decoded ahead of the playhead, waiting for their time. */
  private readonly ready = new Map<number, VideoFrame>();
  /** Frames being copied into the cache, not there yet. */
  private readonly copying = new Set<number>();
  /** The decode target set by playback (its frame is kept, not painted, when it comes out). */
  private playTarget: Ticket<number, number> | null = null;
  /** The frame present() painted last: it needs no decoding again. */
  private presented = -1;
  /** The frame prepare() is decoding, kept (not painted) when it comes out. */
  private holding = -1;
  /** Waiting for a frame to be ready for present() (the start of playback). */
  private readyWaiters: Array<{ index: number; resolve(): void }> = [];

  constructor(options: FrameDecoderOptions) {
    this.options = options;
    this.counters = options.counters;
    this.track = options.track;
    this.samples = this.track.samples;
    this.keys = this.samples.keys.slice();
    this.config = decoderConfig(options.track, options.hardwareAcceleration);
    const { timestampsUs, count } = this.samples;
    this.byTime = this.samples.byTime ?? null;
    if (!this.byTime) {
      let sorted = true;
      for (let i = 1; i < count && sorted; i++) sorted = timestampsUs[i] >= timestampsUs[i - 1];
      if (!sorted) {
        // Reordered (B-frames), and the track did not say how.
        const order = new Uint32Array(count);
        for (let i = 0; i < count; i++) order[i] = i;
        this.byTime = sortByTime(order, timestampsUs);
      }
    }
    const { displayWidth, displayHeight } = this.track;
    // Sized for RGBA bitmaps until the first copy says what a frame takes (frame-copy.ts).
    this.cache = new FrameCache(displayWidth * displayHeight * 4, options.cacheBytes);
    this.family = codecFamily(this.track.codec);
    this.lengthSize = nalLengthSize(this.family, this.track.description);
    this.avcLengthSize = this.family === 'h264' ? avcLengthSize(this.track.description) : 0;
    this.bits = new Uint8Array(count);
    this.flagsTrusted = this.track.syncFlagsTrusted;
    this.gops = gopStarts(this.keys);
  }

  /**
   * Resolves with the index of the frame painted for frame `index`: `index` itself, or the
   * nearest frame that decodes when its GOP does not. Rejects with AbortError when superseded.
   */
  show(index: number): Promise<number> {
    if (this.closed) return Promise.reject(abortError('The decoder was closed'));
    const { ticket, promise } = this.target.begin(index);
    if (this.direction === 0) {
      // Not playing: frames a superseded prepare() kept are let go (nothing would paint them).
      this.dropReady(() => true);
      this.holding = -1;
    }
    this.collecting = index < this.focus && this.focus - index <= STEP_BACK_FRAMES;
    // Stepping or scrubbing forward is two moves forward in a row; one far jump is not.
    const forward = index > this.focus;
    this.forward = forward && this.movedForward;
    this.movedForward = forward;
    this.focus = index;
    this.aim = this.standIn(index);
    const cached = this.aim >= 0 ? this.cache.get(this.aim) : undefined;
    if (cached) {
      try {
        this.paintCopy(cached, this.aim);
        ticket.resolve(this.aim);
      } catch (error) {
        ticket.reject(error);
      }
      return promise;
    }
    this.poke();
    void this.pump();
    return promise;
  }

  /**
   * Playback: paints frame `index` now if it was decoded ahead (or is in the cache), and keeps
   * the decoder working ahead of it in `direction` — forwards a few frames into a queue,
   * backwards a GOP at a time into the cache. Never waits: returns whether the frame was
   * painted. A frame that is not there in time is not painted later (the caller moves on).
   */
  present(index: number, direction: 1 | -1): boolean {
    if (this.closed) return false;
    if (direction !== this.direction) {
      this.direction = direction;
      this.cache.direction = direction;
      this.dropReady((i) => i !== index);
    }
    this.focus = index;
    this.collecting = direction < 0;
    this.forward = this.movedForward = direction > 0;
    this.dropReady((i) => i < index || i > index + PLAY_KEEP);
    let painted = false;
    const queued = this.ready.get(index);
    const cached = queued ? undefined : this.cache.get(index);
    if (queued) {
      this.paintFrame(queued, index);
      this.ready.delete(index);
      this.release(queued);
      painted = true;
    } else if (cached) {
      this.paintCopy(cached, index);
      painted = true;
    }
    this.playAhead();
    return painted;
  }

  /**
   * Decodes frame `index` without painting it, so present() can paint it at a moment of the
   * caller's choosing (every element of a sync group in the same animation frame). Resolves
   * once present(index) would paint; rejects with AbortError when superseded.
   */
  prepare(index: number): Promise<void> {
    if (this.closed) return Promise.reject(abortError('The decoder was closed'));
    // A damaged frame has no exact picture to hold: its stand-in is shown the usual way.
    if (!this.decodable(index)) return this.show(index).then(() => {});
    this.focus = index;
    this.dropReady((i) => i < index || i > index + PLAY_KEEP);
    if (this.ready.has(index) || this.cache.has(index) || this.presented === index) return Promise.resolve();
    const { ticket, promise } = this.target.begin(index);
    this.playTarget = ticket;
    this.holding = index;
    this.aim = index;
    this.poke();
    void this.pump();
    return promise.then(() => {});
  }

  /**
   * Playback is about to start at frame `index` (on the canvas): decodes ahead in `direction`
   * and resolves once the frames ahead are ready (forwards, as many as playing keeps ahead;
   * backwards, the next one), so the first frames are not late. Waiting for the next frame
   * alone, four 720p players in one group dropped their third frame together in most runs:
   * the clock started while each decoder was still filling its queue.
   */
  preroll(index: number, direction: 1 | -1): Promise<void> {
    const last = this.track.frameSample.length - 1;
    let next = index + direction;
    if (this.closed || next < 0 || next > last || !this.decodable(next)) return Promise.resolve();
    if (direction > 0) while (next < Math.min(last, index + PLAY_AHEAD) && this.decodable(next + 1)) next++;
    if (direction !== this.direction) {
      this.direction = direction;
      this.cache.direction = direction;
      this.dropReady((i) => i !== index);
    }
    this.focus = index;
    this.presented = index;
    this.collecting = direction < 0;
    this.forward = this.movedForward = direction > 0;
    const promise = new Promise<void>((resolve) => this.readyWaiters.push({ index: next, resolve }));
    this.wakeReadyWaiters();
    this.playAhead();
    return promise;
  }

  private wakeReadyWaiters(all = false): void {
    if (this.readyWaiters.length === 0) return;
    this.readyWaiters = this.readyWaiters.filter((waiter) => {
      const ready = all || this.ready.has(waiter.index) || this.cache.has(waiter.index);
      if (ready) waiter.resolve();
      return !ready;
    });
  }

  /** Whether present(index) would paint now. */
  has(index: number): boolean {
    return this.ready.has(index) || this.cache.has(index);
  }

  /** Playback stopped: frames held for it are let go; requests are shown as before. */
  stop(): void {
    this.direction = 0;
    this.cache.direction = 0;
    this.dropReady(() => true);
    if (this.playTarget && this.target.current === this.playTarget) this.target.cancel();
    this.playTarget = null;
    this.presented = -1;
    this.holding = -1;
    this.wakeReadyWaiters(true);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.target.cancel(abortError('The decoder was closed'));
    this.dropReady(() => true);
    this.wakeReadyWaiters(true);
    this.closeDecoder();
    this.cache.clear();
    this.copier.dispose();
    this.poke();
  }

  private paintFrame(image: VideoFrame | ImageBitmap, index: number): void {
    this.options.paint(image, index);
    this.presented = index;
  }

  private paintCopy(copy: FrameCopy, index: number): void {
    copy.draw((image) => this.paintFrame(image, index));
  }

  private dropReady(drop: (index: number) => boolean): void {
    for (const [index, frame] of this.ready) {
      if (!drop(index)) continue;
      this.ready.delete(index);
      this.release(frame);
    }
  }

  /** The next frame playback needs decoded, or -1 when it has all it can hold for now. */
  private nextNeeded(): number {
    const last = this.track.frameSample.length - 1;
    if (this.direction > 0) {
      for (let i = this.focus; i <= Math.min(last, this.focus + PLAY_AHEAD); i++) {
        if (i !== this.presented && !this.ready.has(i) && !this.cache.has(i) && this.decodable(i)) return i;
      }
      return -1;
    }
    const { capacity } = this.cache;
    for (let i = Math.min(last, this.focus); i >= 0 && i > this.focus - capacity; i--) {
      if (i === this.presented || this.cache.has(i) || this.copying.has(i) || !this.decodable(i)) continue;
      // The cache must have room for it (frames already shown make room as the playhead passes).
      if (!this.cache.wants(i, this.focus)) return -1;
      // Each pass backwards decodes from the GOP's key frame up to `i`, and keeps the frames on
      // the way that fit in the cache (those within its capacity of the playhead). Started as
      // soon as one frame fits, a 60-frame GOP in a 20-frame cache took a pass per frame or two
      // (each up to 60 decodes); so a pass waits until half the cache's worth fits, or until
      // the frames ready ahead run down to half, or until the GOP's start bounds it anyway.
      const half = capacity >> 1;
      const gopStart = this.samples.frames[this.gops[this.track.frameSample[i]]];
      const bottom = this.focus - capacity; // frames above it fit
      const collectable = i - Math.max(bottom, gopStart - 1);
      if (collectable < half && bottom >= gopStart && this.focus - i > half) return -1;
      return i;
    }
    return -1;
  }

  /** Points the decoder at the next frame playback needs. */
  private playAhead(): void {
    if (this.direction === 0 || this.closed) return;
    const current = this.target.current;
    // A frame asked for with show() (a seek) is worked on first.
    if (current && current !== this.playTarget) return;
    const need = this.nextNeeded();
    if (need < 0) {
      if (current && current === this.playTarget) this.target.cancel();
      return;
    }
    if (current && current === this.playTarget && current.key === need) return;
    const { ticket, promise } = this.target.begin(need);
    promise.catch(() => {});
    this.playTarget = ticket;
    this.aim = need;
    this.poke();
    void this.pump();
  }

  private closeDecoder(): void {
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = null;
    this.run = newRun();
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
    this.counters.decoded++;
    this.counters.open++;
    let keep = false;
    try {
      if (decoder !== this.decoder || frame.timestamp < 0) return;
      const index = this.frameAt(frame.timestamp);
      if (index < 0) return;
      this.outputs++;
      this.reclaims = 0;
      this.run.emitted.add(index);
      this.run.shown.add(index);
      const ticket = this.target.current;
      const ahead = this.direction > 0 && index >= this.focus && index <= this.focus + PLAY_KEEP;
      if ((ahead || index === this.holding) && !this.ready.has(index)) {
        this.ready.set(index, frame);
        keep = true;
      }
      if (ticket && this.aim === index) {
        if (ticket === this.playTarget) ticket.resolve(index);
        else {
          try {
            this.paintFrame(frame, index);
            ticket.resolve(index);
          } catch (error) {
            ticket.reject(error);
          }
        }
      }
      keep ||= this.copyIntoCache(frame, index);
    } finally {
      if (!keep) this.release(frame);
      this.poke();
    }
    this.wakeReadyWaiters();
    this.playAhead();
  }

  private release(frame: VideoFrame): void {
    frame.close();
    this.counters.open--;
  }

  /**
   * Copies a frame near the playhead into the cache, off the decoder's pool (holding
   * VideoFrames would stall the decoder). Returns whether it took over closing the frame.
   */
  private copyIntoCache(frame: VideoFrame, index: number): boolean {
    const limit = this.direction < 0 ? MAX_REVERSE_COPIES : MAX_COPIES_IN_FLIGHT;
    if (this.collecting) {
      // Sized by the copy this frame would make before `wants` is asked: sized for bitmaps, a
      // 1080p pass backwards kept 20 frames, where planes fit 53 (measured: the first pass
      // left the frames below the 20 to a second pass, a 363 ms stall).
      const bytes = this.copier.sizeOf(frame);
      if (bytes !== this.cache.frameBytes) this.cache.resize(bytes, this.focus);
    }
    if (!this.collecting || this.copiesInFlight >= limit || this.copying.has(index) || !this.cache.wants(index, this.focus)) {
      return false;
    }
    this.copiesInFlight++;
    this.copying.add(index);
    this.copier
      .copy(frame)
      .then(
        (copy) => {
          if (this.closed) return copy.close();
          if (copy.bytes !== this.cache.frameBytes) this.cache.resize(copy.bytes, this.focus); // a plane copy that failed
          this.cache.put(index, copy, this.focus);
        },
        () => {},
      )
      .finally(() => {
        this.copiesInFlight--;
        this.copying.delete(index);
        this.release(frame);
        this.poke();
        this.wakeReadyWaiters();
        this.playAhead();
      });
    return true;
  }

  private onDecoderError(decoder: VideoDecoder, error: DOMException): void {
    if (decoder !== this.decoder || this.closed) return;
    const run = this.run;
    this.decoder = null;
    this.closeDecoder();
    if (error.name === 'NotSupportedError') {
      return this.fatal(new UnsupportedCodecError(`This browser cannot decode ${this.track.codec}: ${error.message}`));
    }
    if (error.name === 'QuotaExceededError') {
      // Reclaimed (background tabs: "Codec reclaimed due to inactivity"): nothing is wrong with
      // the file. The pump builds a new decoder and starts again from the target's key frame.
      if (++this.reclaims >= MAX_RECLAIMS) {
        return this.fatal(new RerunVideoError('decode', `The decoder was lost ${this.reclaims} times in a row: ${error.message}`));
      }
    } else {
      this.gopFailed(this.failingGop(run), run.shown);
    }
    this.poke();
    void this.pump();
  }

  private fatal(failure: RerunVideoError): void {
    if (this.closed) return;
    this.closeDecoder();
    this.target.cancel(failure);
    this.options.onFatal(failure);
  }

  /**
   * The GOP a decoder error belongs to: the first one fed in the run with a frame that has
   * not come out (the decoder reports errors asynchronously, after later chunks were queued).
   */
  private failingGop(run: Run): number {
    for (let i = Math.max(0, run.start); i < run.next; i++) {
      const frame = this.samples.frames[i];
      if (frame >= 0 && !run.emitted.has(frame)) return this.gops[i];
    }
    const aimSample = this.aim >= 0 ? this.track.frameSample[this.aim] : run.start;
    return this.gops[Math.max(0, aimSample)];
  }

  /**
   * Counts a failure of GOP `gop`; the second makes it broken, keeping the frames of it that
   * came out (`shown`) as stand-ins. Once broken, each further failure drops the frame being
   * aimed at from those, so retries always end.
   */
  private gopFailed(gop: number, shown: ReadonlySet<number>): void {
    if (gop < 0) return;
    const failures = (this.failures.get(gop) ?? 0) + 1;
    this.failures.set(gop, failures);
    if (++this.errors > 2 * this.gopCount() + MAX_RECLAIMS) {
      return this.fatal(new RerunVideoError('decode', `Decoding failed ${this.errors} times; giving up.`));
    }
    const salvaged = this.broken.get(gop);
    if (salvaged) {
      if (!shown.has(this.aim)) salvaged.delete(this.aim);
    } else if (failures >= GOP_ATTEMPTS) {
      const frames = [...shown].filter((frame) => this.gops[this.track.frameSample[frame]] === gop);
      this.broken.set(gop, new Set(frames));
    }
    if (this.outputs === 0 && this.broken.size >= Math.min(this.gopCount(), MAX_BROKEN_BEFORE_ANY_FRAME)) {
      this.fatal(this.nothingDecodes());
    }
  }

  private gopCount(): number {
    let count = 0;
    for (let i = 0; i < this.samples.count; i++) if (this.gops[i] === i) count++;
    return count;
  }

  private nothingDecodes(): RerunVideoError {
    const why = this.outputs ? `${this.broken.size} GOP(s) failed to decode` : 'no frame ever came out of the decoder';
    return new RerunVideoError('decode', `No frame of this ${this.track.codec} video decodes: ${why}.`);
  }

  /** Whether frame `frame` can be decoded, as far as is known. */
  private decodable(frame: number): boolean {
    const sample = this.track.frameSample[frame];
    const gop = this.gops[sample];
    if (gop < 0) return false;
    const salvaged = this.broken.get(gop);
    return !salvaged || salvaged.has(frame);
  }

  /** The frame to paint for `frame`: itself, else the nearest earlier one that decodes, else the nearest later one. */
  private standIn(frame: number): number {
    if (this.decodable(frame)) return frame;
    const count = this.track.frameSample.length;
    for (let i = frame - 1; i >= 0; i--) if (this.decodable(i)) return i;
    for (let i = frame + 1; i < count; i++) if (this.decodable(i)) return i;
    return -1;
  }

  /** The frame shown by the sample whose timestamp is nearest to `timestampUs`. */
  private frameAt(timestampUs: number): number {
    // Nearest rather than exact: WebKit has returned timestamps a microsecond off the input.
    const { timestampsUs, frames, count } = this.samples;
    const byTime = this.byTime;
    const at = (k: number) => (byTime ? byTime[k] : k);
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (timestampsUs[at(mid)] < timestampUs) low = mid + 1;
      else high = mid;
    }
    if (low > 0 && timestampUs - timestampsUs[at(low - 1)] < timestampsUs[at(low)] - timestampUs) low--;
    return frames[at(low)];
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
      for (let ticket = this.target.current; ticket && !this.closed; ticket = this.target.current) {
        try {
          await this.step();
        } catch (error) {
          if (this.closed) return;
          if (isAbortError(error)) {
            // The bytes were closed under it (the element let go of the file): settle, stop.
            this.target.cancel(error);
            return;
          }
          // configure() and decode() may also throw NotSupportedError themselves.
          if (error instanceof DOMException && error.name === 'NotSupportedError') {
            this.fatal(new UnsupportedCodecError(`This browser cannot decode ${this.track.codec}: ${error.message}`));
          } else if (error instanceof RerunVideoError && !(error instanceof MissingBytesError)) {
            this.fatal(error);
          } else {
            // Anything else thrown on the way (a decode() that throws) is this GOP's failure.
            const run = this.run;
            this.closeDecoder();
            this.gopFailed(this.failingGop(run), run.shown);
          }
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Reads a sample's bytes; a file that ends before them moves the end of the data. */
  private async read(index: number): Promise<Uint8Array | null> {
    try {
      return await this.options.bytes.read(this.samples.offsets[index], this.samples.sizes[index]);
    } catch (error) {
      if (!(error instanceof MissingBytesError)) throw error;
      if (index < this.firstMissing) {
        this.firstMissing = index;
        this.missingError = error;
      }
      return null;
    }
  }

  /**
   * Makes sure the GOP of decode sample `sample` really starts on a key frame, reading the
   * bits: a flagged key that is not one is demoted. Where the flags cannot be trusted (one
   * proved wrong, or the first sample was unflagged), every sample back to a real key frame
   * is read, so unflagged key frames are found too. Returns false when it changed the flags
   * (plan again).
   */
  private async checkKeys(sample: number): Promise<boolean> {
    if (this.flagsTrusted) {
      const key = this.gops[sample];
      if (key < 0 || this.bits[key] !== Bits.Unknown) return true;
      const consistent = await this.classify(key);
      if (!consistent) this.gops = gopStarts(this.keys);
      return consistent;
    }
    let consistent = true;
    for (let i = sample; i >= 0 && !this.closed; i--) {
      if (this.bits[i] === Bits.Unknown && !(await this.classify(i))) consistent = false;
      if (this.bits[i] === Bits.Key) break;
    }
    if (!consistent) this.gops = gopStarts(this.keys);
    return consistent && !this.closed;
  }

  /** Reads whether sample `index` is a key frame; false when that contradicts its flag. */
  private async classify(index: number): Promise<boolean> {
    const data = await this.read(index);
    if (!data) return true;
    const flagged = this.keys[index] === 1;
    const key = isKeyFrame(this.family, data, this.lengthSize) ?? flagged;
    this.bits[index] = key ? Bits.Key : Bits.Delta;
    if (key === flagged) return true;
    this.keys[index] = key ? 1 : 0;
    this.flagsTrusted = false;
    return false;
  }

  /**
   * A run has reached key sample `key`: asks the byte source for the rest of its GOP in one
   * request and, while the playhead moves forward, for the next GOP too (read-ahead).
   */
  private prefetchAhead(key: number): void {
    const prefetch = this.options.bytes.prefetch?.bind(this.options.bytes);
    const gops = this.forward ? 2 : 1;
    // A GOP asked for alone (a seek) is asked for again with the next once the playhead moves
    // forward from it: playing from where a seek left it, the next GOP's bytes were asked for
    // only when the first frame of it was due (4 players, 113 ms before it; measured).
    if (!prefetch || key < 0 || (key === this.prefetched && gops <= this.prefetchedGops)) return;
    this.prefetched = key;
    this.prefetchedGops = gops;
    for (let gop = 0, from = key; gop < gops && from < this.samples.count; gop++) {
      const { start, end, next } = gopSpan(this.samples, this.keys, from);
      if (end > start) prefetch(start, end - start);
      from = next;
    }
  }

  /**
   * The last sample of the priming run from key sample `from`: one past the first sample that
   * reorders. (Ending on the reordered one left Chromium and Firefox dropping the real run's
   * first two frames; one more sample and both came out, measured on the iOS corpus file.)
   */
  private primeEnd(from: number): number {
    const { keys } = this;
    const { timestampsUs, count } = this.samples;
    const last = Math.min(count - 1, from + MAX_PRIME_SAMPLES - 1);
    let latest = -1;
    for (let i = from; i <= last; i++) {
      if (i > from && keys[i]) return i - 1;
      if (timestampsUs[i] < latest) return i + 1 <= last && !keys[i + 1] ? i + 1 : i;
      latest = Math.max(latest, timestampsUs[i]);
    }
    return last;
  }

  /**
   * A sample on the way to the target that nothing refers to (an H.264 non-reference
   * picture, most B-frames) need not be decoded, unless frames are being collected for the
   * cache while stepping back.
   */
  private skippable(index: number, aim: number, data: Uint8Array): boolean {
    return (
      this.avcLengthSize > 0 && !this.collecting && this.samples.frames[index] < aim && isDisposableH264(data, this.avcLengthSize)
    );
  }

  /** One move towards the target: re-plan, then feed a chunk, flush, or wait. */
  private async step(): Promise<void> {
    const ticket = this.target.current;
    if (!ticket) return;
    // A GOP found broken (or a key frame found missing) since the request may change the aim.
    const aim = this.standIn(ticket.key);
    if (aim < 0) return this.fatal(this.nothingDecodes());
    const targetSample = this.track.frameSample[aim];
    if (targetSample >= this.firstMissing) {
      ticket.reject(this.missingError);
      return;
    }
    if (aim !== this.aim) {
      this.aim = aim;
      const cached = this.cache.get(aim);
      if (cached) {
        if (ticket !== this.playTarget) this.paintCopy(cached, aim);
        ticket.resolve(aim);
        return;
      }
    }
    this.prefetchAhead(this.gops[targetSample]);
    if (!(await this.checkKeys(targetSample))) return;
    const key = this.gops[targetSample];
    if (key < 0) return; // no key frame before it after all: the next step aims elsewhere

    const { timestampsUs, frames, count } = this.samples;
    const decoder = this.ensureDecoder();
    const plan = planSeek(this.run, aim, key, MAX_LEAD);
    if (plan.kind === 'restart') {
      if (this.fed > 0) {
        decoder.reset();
        decoder.configure(this.config);
        this.fed = 0;
      }
      this.run = newRun(plan.from);
      this.priming = this.primeReorder ? { next: plan.from, end: this.primeEnd(plan.from) } : null;
    } else if (plan.kind === 'jump') {
      this.run.start = plan.from;
      this.run.next = plan.from;
    }
    const end = Math.min(count, this.firstMissing);
    if (this.direction < 0 && this.copiesInFlight >= REVERSE_COPIES) {
      // Playing backwards every frame is copied: feed no faster than the copies are made.
      await this.waitForProgress();
      return;
    }

    if (this.priming && decoder.decodeQueueSize < MAX_QUEUE) {
      const priming = this.priming;
      const data = priming.next < end ? await this.read(priming.next) : null;
      if (this.closed || decoder !== this.decoder || decoder.state !== 'configured' || this.priming !== priming) return;
      if (data) {
        this.decode(decoder, priming.next, data, timestampsUs[priming.next] - PRIME_OFFSET_US);
        priming.next++;
      }
      if (!data || priming.next > priming.end) this.priming = null;
      return;
    }

    const { next } = this.run;
    // Up to the target, keep the queue full; past it, feed only what the decoder asks for
    // (reordering delay) so no work is spent on frames nobody requested. A GOP that failed
    // before is not fed on the way: its error would cost this run too.
    const wanted = next <= targetSample ? MAX_QUEUE : 1;
    const intoFailedGop = next > targetSample && next < end && this.keys[next] === 1 && this.failures.has(next);
    if (next < end && decoder.decodeQueueSize < wanted && !intoFailedGop) {
      const data = await this.read(next);
      if (this.closed || decoder !== this.decoder || decoder.state !== 'configured' || this.run.next !== next) return;
      if (!data) return; // the data ends here: `end` moved
      if (this.skippable(next, aim, data)) {
        // Nothing refers to it and it shows before the target: leave it out. It will not
        // come out in this run, so asking for it later restarts.
        if (frames[next] >= 0) this.run.emitted.add(frames[next]);
        this.run.next = next + 1;
        return;
      }
      this.decode(decoder, next, data, timestampsUs[next]);
      this.run.next = next + 1;
      if (this.keys[next]) this.prefetchAhead(next);
      return;
    }
    // The target's GOP is all in (the next sample starts another), or the data is: drain
    // what the decoder holds back. It then needs a key chunk, so this run is over.
    const gopDone = next >= end || (next > targetSample && this.keys[next] === 1);
    if (gopDone && decoder.decodeQueueSize === 0 && this.fed > 0) {
      const run = this.run;
      await decoder.flush().catch(() => {});
      this.fed = 0;
      this.run = newRun();
      if (this.target.current === ticket && this.aim === aim && decoder === this.decoder && !this.closed) {
        this.missed(aim, key, run);
      }
      return;
    }
    if (gopDone && this.fed === 0 && next >= end) {
      // Nothing left to feed and nothing fed (the data ended): the run is over.
      const run = this.run;
      this.run = newRun();
      this.missed(aim, key, run);
      return;
    }
    await this.waitForProgress();
  }

  /** Feeds one chunk. A key chunk the decoder refuses as not key (Chromium: DataError) is demoted. */
  private decode(decoder: VideoDecoder, index: number, data: Uint8Array, timestamp: number): void {
    const key = this.keys[index] === 1;
    const duration = this.samples.durationsUs[index];
    try {
      decoder.decode(new EncodedVideoChunk({ type: key ? 'key' : 'delta', timestamp, duration, data }));
      this.fed++;
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'DataError' && key)) throw error;
      this.bits[index] = Bits.Delta;
      this.keys[index] = 0;
      this.flagsTrusted = false;
      this.gops = gopStarts(this.keys);
      this.closeDecoder();
    }
  }

  /** The run ended (its GOP fed whole and flushed, or the data ended) without the aim coming out. */
  private missed(aim: number, key: number, run: Run): void {
    const ticket = this.target.current;
    if (!ticket) return;
    if (run.next >= this.firstMissing) {
      // The frame needs bytes past the end of the file.
      ticket.reject(this.missingError);
      return;
    }
    if (this.outputs === 0) {
      // A whole GOP in, flushed, and not one frame out, with no error: the decoder accepts the
      // configuration but cannot decode the stream (Chromium with H.264 High 4:4:4).
      return this.fatal(new UnsupportedCodecError(`This browser's decoder outputs no frames for ${this.track.codec}.`));
    }
    if (!this.primeReorder) {
      // A frame went missing: restart, priming the decoder's reordering first.
      this.primeReorder = true;
      return;
    }
    // Still missing after priming: this GOP does not give that frame.
    this.failures.set(key, Math.max(this.failures.get(key) ?? 0, GOP_ATTEMPTS - 1));
    this.aim = aim;
    this.gopFailed(key, run.shown);
  }
}
