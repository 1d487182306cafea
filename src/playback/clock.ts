/**
 * The playback clock: media time that runs at a rate while playing, ticked once per animation
 * frame for every element on it. A standalone element has a clock of its own; elements with
 * the same `sync` name (or given the same clock object) share one, so they all paint the frame
 * for the same time in the same animation frame.
 */

/** What an element on a clock does with it. */
export interface ClockMember {
  /** The member's duration in seconds (NaN while unknown); the clock ends at the longest. */
  readonly clockDuration: number;
  /** Whether the member asks to loop; the clock loops when any member does. */
  readonly clockLoop: boolean;
  /** Called in each animation frame while the clock plays, with the media time for that frame. */
  tick(time: number): void;
  /** Whether tick(time) would paint the frame for `time` now (true when it has nothing to show). */
  canPresent(time: number): boolean;
  /**
   * The clock was told to show `time`: settles once the member shows it. For a seek the clock
   * holds still until every member has; a loop goes on at once (the members present from there).
   */
  seekTo(time: number, why: 'seek' | 'loop'): Promise<unknown>;
  /**
   * Every member is ready for the seek to `time` (or the slow ones ran out of time): paint it
   * now. Called for all members in one task, so a group shows the new frame together.
   */
  commitSeek(time: number): void;
  /** Playback starts at `time`: settles once the member has the next frame ready. */
  preroll(time: number): Promise<unknown>;
  /** The clock started, stopped, ended or changed rate: the member fires its events. */
  clockChanged(change: ClockChange): void;
}

export type ClockChange =
  | { type: 'play' }
  | { type: 'pause' }
  /** Reached the end (forwards) or the start (backwards) with nothing looping; paused there. */
  | { type: 'end'; forwards: boolean }
  | { type: 'rate'; rate: number };

/** How long a group's seek waits for its slowest member before the others paint without it. */
const GROUP_SEEK_WAIT_MS = 500;
/** How long playing waits at most for every member to have its next frame ready. */
const PREROLL_WAIT_MS = 300;
/**
 * Playing in a group, how long the members whose frame is ready wait for one whose frame is
 * late before they paint without it: a moment of jitter costs no skew, a slow member does not
 * hold the others back.
 */
const GROUP_LAG_MS = 150;

/**
 * A clock several `<rerun-video>` elements can share: pass the same object as each one's
 * `clock`, or give them the same `sync` name. Playing, pausing, seeking or changing the rate
 * on any of them does it for all. While playing, a member whose frame is not decoded in time
 * drops frames; the clock does not wait for it unless every member is waiting.
 */
export class RerunVideoClock {
  private readonly members = new Set<ClockMember>();
  private readonly waiting = new Set<ClockMember>();
  /** Seeks that have not settled yet: the clock holds still until they have. */
  private seeks = 0;
  private seekRun = 0;
  private anchorTime = 0;
  /** performance.now() at anchorTime, while running. */
  private anchorNow = 0;
  private running = false;
  private rate = 1;
  private stopped = true;
  private frame = 0;
  /** Since when (animation frame time) some member of the group has been late; 0 when none. */
  private lagSince = 0;

  /** The media time now, in seconds. */
  get currentTime(): number {
    return this.running ? this.timeAt(performance.now()) : this.anchorTime;
  }

  get paused(): boolean {
    return this.stopped;
  }

  get playbackRate(): number {
    return this.rate;
  }

  set playbackRate(rate: number) {
    if (!Number.isFinite(rate)) throw new TypeError(`playbackRate must be a finite number, not ${rate}`);
    if (rate === this.rate) return;
    this.reanchor();
    this.rate = rate;
    this.notify({ type: 'rate', rate });
  }

  /** The longest member's duration (NaN while none is known). */
  get duration(): number {
    let duration = NaN;
    for (const member of this.members) {
      const d = member.clockDuration;
      if (Number.isFinite(d) && !(d <= duration)) duration = d;
    }
    return duration;
  }

  get loop(): boolean {
    for (const member of this.members) if (member.clockLoop) return true;
    return false;
  }

  /** Whether a seek is still being shown by some member. */
  get seeking(): boolean {
    return this.seeks > 0;
  }

  join(member: ClockMember): void {
    this.members.add(member);
    this.schedule();
  }

  leave(member: ClockMember): void {
    this.members.delete(member);
    this.setWaiting(member, false);
    if (this.members.size === 0) this.stop();
  }

  get size(): number {
    return this.members.size;
  }

  play(): void {
    if (!this.stopped) return;
    const duration = this.duration;
    // From the end (or, backwards, the start) playing starts over, as on <video>.
    if (this.rate > 0 && duration > 0 && this.anchorTime >= duration) this.showTime(0, 'seek');
    else if (this.rate < 0 && duration > 0 && this.anchorTime <= 0) this.showTime(duration, 'seek');
    this.stopped = false;
    this.notify({ type: 'play' });
    // Time starts once every member has its next frame (or the slow ones ran out of time),
    // so the first frames are neither late nor apart.
    this.seeks++;
    this.reanchor();
    const prerolls = [...this.members].map((member) => member.preroll(this.anchorTime).catch(() => {}));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const wait = new Promise<void>((resolve) => (timer = setTimeout(resolve, PREROLL_WAIT_MS)));
    void Promise.race([Promise.all(prerolls), wait]).then(() => {
      clearTimeout(timer);
      this.seeks--;
      this.reanchor();
    });
    this.schedule();
  }

  pause(): void {
    if (this.stopped) return;
    this.reanchor();
    this.stop();
    this.notify({ type: 'pause' });
  }

  /** Moves every member to `time`; while playing, the clock holds still until they all show it. */
  seek(time: number): void {
    this.showTime(time, 'seek');
  }

  /** A member cannot show the frame for the clock's time yet (data or decoding behind). */
  setWaiting(member: ClockMember, waiting: boolean): void {
    if (waiting === this.waiting.has(member)) return;
    this.reanchor();
    if (waiting) this.waiting.add(member);
    else this.waiting.delete(member);
    this.reanchor();
  }

  private showTime(time: number, why: 'seek' | 'loop'): void {
    this.reanchor();
    this.anchorTime = time;
    this.anchorNow = performance.now();
    const run = ++this.seekRun;
    const shows = [...this.members].map((member) => member.seekTo(time, why).catch(() => {}));
    // A loop goes on without holding: the members keep presenting from the new time.
    if (shows.length === 0 || why === 'loop') return;
    this.seeks++;
    const members = [...this.members];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const wait = members.length > 1 ? new Promise<void>((resolve) => (timer = setTimeout(resolve, GROUP_SEEK_WAIT_MS))) : null;
    void Promise.race([Promise.all(shows), ...(wait ? [wait] : [])]).then(() => {
      clearTimeout(timer);
      if (run === this.seekRun) for (const member of members) if (this.members.has(member)) member.commitSeek(time);
      this.seeks--;
      // An older seek settling does not release the newest one.
      if (run === this.seekRun || this.seeks === 0) this.reanchor();
    });
  }

  /** Whether time stands still: a seek is being shown, or every member is waiting. */
  private get held(): boolean {
    return this.seeks > 0 || (this.waiting.size > 0 && this.waiting.size >= this.members.size);
  }

  private timeAt(now: number): number {
    return this.anchorTime + ((now - this.anchorNow) / 1000) * this.rate;
  }

  /** Starts counting from the current time again (after a change of rate, hold or state). */
  private reanchor(): void {
    const now = performance.now();
    if (this.running) this.anchorTime = this.timeAt(now);
    this.anchorNow = now;
    this.running = !this.stopped && !this.held;
  }

  private stop(): void {
    this.stopped = true;
    this.running = false;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  private schedule(): void {
    if (this.stopped || this.frame || this.members.size === 0) return;
    this.frame = requestAnimationFrame((now) => this.onFrame(now));
  }

  private onFrame(rafNow: number): void {
    this.frame = 0;
    if (this.stopped) return;
    this.reanchor();
    // The animation frame's own timestamp, so every member of the group paints for one time.
    let time = this.running ? this.timeAt(Math.max(rafNow, this.anchorNow)) : this.anchorTime;
    const duration = this.duration;
    if (duration > 0) {
      const pastEnd = this.rate > 0 && time >= duration;
      const pastStart = this.rate < 0 && time <= 0;
      if ((pastEnd || pastStart) && this.loop) {
        time = ((time % duration) + duration) % duration;
        this.showTime(time, 'loop');
      } else if (pastEnd || pastStart) {
        this.anchorTime = pastEnd ? duration : 0;
        this.stop();
        for (const member of this.members) member.tick(this.anchorTime);
        this.notify({ type: 'end', forwards: pastEnd });
        return;
      }
    }
    if (this.members.size > 1 && this.running) {
      let lagging = false;
      for (const member of this.members) if (!member.canPresent(time)) lagging = true;
      if (!lagging) this.lagSince = 0;
      else if (!this.lagSince) this.lagSince = rafNow;
      if (lagging && rafNow - this.lagSince < GROUP_LAG_MS) {
        // Wait a moment for the late one: nobody paints a frame the others cannot show yet.
        this.schedule();
        return;
      }
    }
    for (const member of this.members) member.tick(time);
    this.schedule();
  }

  private notify(change: ClockChange): void {
    for (const member of [...this.members]) member.clockChanged(change);
  }
}

const named = new Map<string, RerunVideoClock>();

/** The clock of sync group `name`, made when its first element joins. */
export function namedClock(name: string): RerunVideoClock {
  let clock = named.get(name);
  if (!clock) named.set(name, (clock = new RerunVideoClock()));
  return clock;
}

/** Forgets group `name` once nobody is on its clock. */
export function releaseNamedClock(name: string): void {
  if (named.get(name)?.size === 0) named.delete(name);
}
