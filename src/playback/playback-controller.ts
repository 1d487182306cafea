import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { abortError, isAbortError } from '../errors.js';
import type { FrameDetail } from '../events.js';
import { RerunVideoClock, namedClock, releaseNamedClock, type ClockChange, type ClockMember } from './clock.js';
import { MediaTimeRanges } from './time-ranges.js';

/** What playback needs of the element and its frames. */
export interface PlaybackHost extends ReactiveControllerHost, HTMLElement {
  readonly loop: boolean;
  readonly autoplay: boolean;
  /** `sync`: the name of the group of elements that play on one clock. */
  readonly sync: string | null;
  /** A clock object shared with other elements (wins over `sync`). */
  readonly clock: RerunVideoClock | null;
}

/** What playback needs of the frames: the video controller. */
export interface FrameSink {
  readonly duration: number;
  /** Whether the element has something to play (a src that has not failed). */
  readonly playable: boolean;
  /** Shows the frame for `time`; resolves once it is painted (the newest request wins). */
  seek(time: number): Promise<FrameDetail>;
  /** The frame on the canvas. */
  readonly current: FrameDetail | null;
  /** Playback starts at `time`: resolves once the frame after it is ready. */
  preroll(time: number, direction: 1 | -1): Promise<void>;
  /** Gets the frame for `time` ready without painting it. */
  prepare(time: number): Promise<void>;
  /** Whether present(time) would have the frame for `time` on the canvas. */
  canPresent(time: number): boolean;
  /** Paints the frame for `time` now if it is ready; never waits. Whether it is on the canvas. */
  present(time: number, direction: 1 | -1): boolean;
  /** The frame shown at `time` (-1 while unknown). */
  indexAt(time: number): number;
  /** A frame that was due was never painted. */
  countDropped(): void;
  /** Playback stopped: let go of frames held for it. */
  stopPresenting(): void;
}

/** `<video>`'s `readyState` values. */
export const enum ReadyState {
  HaveNothing = 0,
  HaveMetadata = 1,
  HaveCurrentData = 2,
  HaveFutureData = 3,
  HaveEnoughData = 4,
}

/** `timeupdate` while playing at most this often, as `<video>` does (every 15 to 250 ms). */
const TIMEUPDATE_MS = 250;
/** Playing, the due frame missing for this long (nothing painted meanwhile) is waiting for data. */
const WAITING_MS = 250;

/**
 * The `<video>` playback surface of the element: play and pause on a clock (its own, or a
 * sync group's), the media events, `readyState`, and presenting the frame for the clock's
 * time in every animation frame, dropping (and counting) frames that are not ready in time.
 */
export class PlaybackController implements ReactiveController, ClockMember {
  ended = false;
  seeking = false;
  readyState: ReadyState = ReadyState.HaveNothing;
  defaultPlaybackRate = 1;

  private readonly host: PlaybackHost;
  private readonly frames: FrameSink;
  private readonly own = new RerunVideoClock();
  private clockInUse: RerunVideoClock = this.own;
  private syncName: string | null = null;
  private seekRun = 0;
  /** The seek this element is showing (the clock holds still meanwhile). */
  private pendingSeek: Promise<FrameDetail> | null = null;
  /** A sync group's seek: prepared, painted when the clock commits it. */
  private groupSeek: { run: number; resolve(detail: FrameDetail): void; reject(error: unknown): void } | null = null;
  private pendingPlays: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  /** `playing` has been fired since the last `play`/`waiting`. */
  private playingFired = false;
  private waiting = false;
  /** The frame due at the last tick, and whether it got painted. */
  private due = -1;
  private duePainted = false;
  private lastShownAt = 0;
  private lastTimeupdate = 0;
  private connected = false;

  constructor(host: PlaybackHost, frames: FrameSink) {
    this.host = host;
    this.frames = frames;
    host.addController(this);
    this.own.join(this);
  }

  get clock(): RerunVideoClock {
    return this.clockInUse;
  }

  get paused(): boolean {
    return this.clockInUse.paused;
  }

  get currentTime(): number {
    const time = this.clockInUse.currentTime;
    const duration = this.clockDuration;
    // In a group the clock runs to the longest member; a shorter one stays at its end.
    return !this.paused && time > duration ? duration : time;
  }

  get playbackRate(): number {
    return this.clockInUse.playbackRate;
  }

  set playbackRate(rate: number) {
    this.clockInUse.playbackRate = rate;
  }

  get clockDuration(): number {
    return this.frames.duration;
  }

  get clockLoop(): boolean {
    return this.host.loop;
  }

  get seekable(): TimeRanges {
    const duration = this.frames.duration;
    return new MediaTimeRanges(duration > 0 ? [[0, duration]] : []);
  }

  hostConnected(): void {
    this.connected = true;
    this.chooseClock();
  }

  hostDisconnected(): void {
    this.connected = false;
    // As <video>: removed from the document, it pauses (a move in the DOM is connected again at once).
    queueMicrotask(() => {
      if (this.connected) return;
      if (this.clockInUse === this.own) this.own.pause();
      else this.leaveGroup();
    });
  }

  hostUpdate(): void {
    this.chooseClock();
  }

  /** Starts playing; resolves once frames are being shown, rejects if paused or failing first. */
  play(): Promise<void> {
    if (!this.frames.playable) {
      return Promise.reject(new DOMException('There is no playable src.', 'NotSupportedError'));
    }
    const promise = new Promise<void>((resolve, reject) => this.pendingPlays.push({ resolve, reject }));
    if (!Number.isFinite(this.clockInUse.currentTime)) this.clockInUse.seek(0);
    this.clockInUse.play();
    if (this.playingFired && !this.paused) this.settlePlays();
    return promise;
  }

  pause(): void {
    this.clockInUse.pause();
  }

  /** Moves the clock (and every element on it) to `time`; resolves once this element shows it. */
  seek(time: number): Promise<FrameDetail> {
    this.clockInUse.seek(time);
    return this.pendingSeek ?? this.frames.seek(time);
  }

  /** The load failed or the src went away: pending `play()` promises reject, playback stops. */
  failed(error: unknown): void {
    this.rejectPlays(error);
    this.dropGroupSeek();
    if (this.clockInUse === this.own) this.own.pause();
  }

  /** A new src is loading: `emptied` (if something was loaded before) and `loadstart`. */
  loadStarted(hadMedia: boolean): void {
    this.rejectPlays(abortError('The src changed before playback began'));
    // As <video>: a new src pauses (in a sync group the others go on; it joins in once loaded).
    if (hadMedia && this.clockInUse === this.own) this.own.pause();
    const wasReady = this.readyState > ReadyState.HaveNothing;
    this.readyState = ReadyState.HaveNothing;
    this.ended = false;
    this.seeking = false;
    this.dropGroupSeek();
    this.pendingSeek = null;
    this.playingFired = false;
    if (hadMedia || wasReady) {
      this.fire('emptied');
      if (wasReady) this.fire('durationchange');
    }
    this.fire('loadstart');
  }

  /** The duration is known: `durationchange` (then the element fires `loadedmetadata`). */
  durationKnown(): void {
    this.readyState = Math.max(this.readyState, ReadyState.HaveMetadata);
    this.fire('durationchange');
  }

  /** A frame was painted: the first one after a load makes the element ready to play. */
  painted(_detail: FrameDetail): void {
    this.lastShownAt = performance.now();
    if (this.readyState >= ReadyState.HaveCurrentData) return;
    this.readyState = ReadyState.HaveEnoughData;
    this.fire('loadeddata');
    this.fire('canplay');
    this.fire('canplaythrough');
    if (this.host.autoplay && this.paused && !this.ended) void this.play().catch(() => {});
  }

  // ClockMember

  tick(time: number): void {
    if (this.pendingSeek || !this.frames.playable) return;
    const direction = this.playbackRate < 0 ? -1 : 1;
    const shown = this.frames.present(time, direction);
    const now = performance.now();
    const index = this.frames.indexAt(time);
    if (index !== this.due) {
      if (this.due >= 0 && !this.duePainted) this.frames.countDropped();
      // Frames passed over between two animation frames were dropped too, up to normal speed
      // (faster, the display cannot show every frame anyway).
      const passed = this.due >= 0 ? Math.abs(index - this.due) - 1 : 0;
      if (Math.abs(this.playbackRate) <= 1) for (let i = 0; i < passed; i++) this.frames.countDropped();
      this.due = index;
      this.duePainted = false;
    }
    if (shown) {
      this.duePainted = true;
      this.lastShownAt = now;
      if (this.waiting) {
        this.waiting = false;
        this.clockInUse.setWaiting(this, false);
      }
      if (!this.playingFired && !this.paused) {
        this.playingFired = true;
        this.fire('playing');
        this.settlePlays();
      }
    } else if (!this.waiting && (this.readyState < ReadyState.HaveCurrentData || now - this.lastShownAt > WAITING_MS)) {
      this.waiting = true;
      this.playingFired = false;
      this.clockInUse.setWaiting(this, true);
      this.fire('waiting');
    }
    if (now - this.lastTimeupdate >= TIMEUPDATE_MS) {
      this.lastTimeupdate = now;
      this.fire('timeupdate');
    }
  }

  seekTo(time: number, why: 'seek' | 'loop'): Promise<unknown> {
    this.dropGroupSeek();
    this.ended = false;
    this.resetDue();
    // Before metadata there is nothing to seek: the time is where playback will start.
    if (this.readyState < ReadyState.HaveMetadata && why === 'seek') {
      return this.frames.playable ? this.frames.seek(time) : Promise.resolve();
    }
    this.seeking = true;
    this.fire('seeking');
    if (why === 'loop') {
      // Looping goes on presenting from the start; the clock does not wait for it.
      this.seeking = false;
      this.fire('timeupdate');
      this.fire('seeked');
      return Promise.resolve();
    }
    const run = ++this.seekRun;
    if (this.clockInUse.size > 1) {
      // In a group the frame is got ready first and painted when every member has it.
      const seek = new Promise<FrameDetail>((resolve, reject) => (this.groupSeek = { run, resolve, reject }));
      this.pendingSeek = seek;
      seek.then(
        () => this.seeked(run),
        (error) => !isAbortError(error) && this.seekDone(run),
      );
      return this.frames.prepare(time);
    }
    const seek = this.frames.seek(time);
    this.pendingSeek = seek;
    seek.then(
      () => this.seeked(run),
      (error) => !isAbortError(error) && this.seekDone(run),
    );
    return seek;
  }

  canPresent(time: number): boolean {
    if (this.pendingSeek || !this.frames.playable || this.readyState < ReadyState.HaveCurrentData) return true;
    return this.frames.canPresent(time);
  }

  preroll(time: number): Promise<unknown> {
    if (this.pendingSeek || this.readyState < ReadyState.HaveCurrentData) return Promise.resolve();
    return this.frames.preroll(time, this.playbackRate < 0 ? -1 : 1);
  }

  commitSeek(time: number): void {
    const seek = this.groupSeek;
    if (!seek || seek.run !== this.seekRun) return;
    this.groupSeek = null;
    const direction = this.playbackRate < 0 ? -1 : 1;
    const shown = this.frames.present(time, direction) ? this.frames.current : null;
    // Paused, nothing more is decoded ahead (and a frame still coming for the prepare is let go).
    if (this.paused) this.frames.stopPresenting();
    if (shown) seek.resolve(shown);
    else {
      // Not ready in time (or no frames yet): it shows the frame on its own when it can.
      this.frames.seek(time).then(seek.resolve, seek.reject);
    }
  }

  /** A group seek that will not be committed (superseded, left the group, a new src) settles. */
  private dropGroupSeek(): void {
    const seek = this.groupSeek;
    this.groupSeek = null;
    seek?.reject(abortError());
  }

  private seekDone(run: number): boolean {
    if (run !== this.seekRun) return false;
    this.pendingSeek = null;
    this.seeking = false;
    return true;
  }

  private seeked(run: number): void {
    if (!this.seekDone(run)) return;
    this.lastShownAt = performance.now();
    this.fire('timeupdate');
    this.fire('seeked');
  }

  clockChanged(change: ClockChange): void {
    switch (change.type) {
      case 'play':
        this.ended = false;
        this.resetDue();
        this.lastShownAt = performance.now();
        this.playingFired = false;
        this.fire('play');
        if (this.readyState < ReadyState.HaveCurrentData) {
          this.waiting = true;
          this.clockInUse.setWaiting(this, true);
          this.fire('waiting');
        }
        break;
      case 'pause':
        this.settle();
        this.rejectPlays(abortError('The video was paused before it began to play'));
        this.fire('timeupdate');
        this.fire('pause');
        break;
      case 'end':
        this.settle();
        if (this.readyState >= ReadyState.HaveCurrentData && !this.playingFired && this.pendingPlays.length > 0) {
          // The clock ran to the end before a frame on the way was presented in time (a short
          // stretch on a busy machine; the frames were dropped and counted): playback did
          // begin, as on <video>, where `playing` comes once the data is there.
          this.playingFired = true;
          this.fire('playing');
          this.settlePlays();
        }
        this.rejectPlays(abortError('Playback ended before it began'));
        this.ended = change.forwards && !this.host.loop;
        this.fire('timeupdate');
        this.fire('pause');
        if (this.ended) this.fire('ended');
        break;
      case 'rate':
        this.resetDue();
        this.fire('ratechange');
        break;
    }
  }

  /**
   * Stopped between frames (paused, or at the end): shows the frame for the time it stopped
   * at — at once if it was decoded ahead, else once it is (the last frames of a file may only
   * come out of the decoder when it is flushed).
   */
  private settle(): void {
    const time = this.currentTime;
    if (!this.pendingSeek) this.frames.present(time, this.playbackRate < 0 ? -1 : 1);
    this.stopped();
    if (!this.pendingSeek && this.frames.playable) void this.frames.seek(time).catch(() => {});
  }

  private stopped(): void {
    this.frames.stopPresenting();
    this.playingFired = false;
    if (this.waiting) {
      this.waiting = false;
      this.clockInUse.setWaiting(this, false);
    }
  }

  private resetDue(): void {
    this.due = -1;
    this.duePainted = false;
  }

  private settlePlays(): void {
    const plays = this.pendingPlays;
    this.pendingPlays = [];
    for (const play of plays) play.resolve();
  }

  private rejectPlays(error: unknown): void {
    const plays = this.pendingPlays;
    this.pendingPlays = [];
    for (const play of plays) play.reject(error);
  }

  /** Joins the clock the host asks for: its `clock`, its `sync` group's, or its own. */
  private chooseClock(): void {
    if (!this.connected) return;
    const name = this.host.clock ? null : this.host.sync || null;
    const wanted = this.host.clock ?? (name ? namedClock(name) : this.own);
    if (wanted === this.clockInUse) return;
    const time = this.clockInUse.currentTime;
    const wasPlaying = !this.clockInUse.paused;
    this.leaveGroup();
    this.syncName = name;
    this.clockInUse = wanted;
    if (wanted === this.own) {
      this.own.join(this);
      return;
    }
    this.own.leave(this);
    const alone = wanted.size === 0;
    wanted.join(this);
    if (alone) {
      // The first of the group brings its time and its state.
      wanted.seek(time);
      if (wasPlaying) wanted.play();
    } else {
      // Later ones take the group's.
      void this.seekTo(wanted.currentTime, 'seek').catch(() => {});
    }
  }

  /** Leaves a shared clock for the element's own, paused at the group's time. */
  private leaveGroup(): void {
    const clock = this.clockInUse;
    if (clock === this.own) return;
    const time = clock.currentTime;
    clock.leave(this);
    this.dropGroupSeek();
    this.pendingSeek = null;
    this.seeking = false;
    this.rejectPlays(abortError('The element left its sync group'));
    if (this.syncName) releaseNamedClock(this.syncName);
    this.syncName = null;
    this.stopped();
    this.clockInUse = this.own;
    this.own.join(this);
    this.own.seek(time);
  }

  private fire(type: string): void {
    this.host.dispatchEvent(new Event(type));
  }
}
