/**
 * Chromium's `MediaStreamTrackGenerator` (the "breakout box"): a video track whose frames a
 * page writes. Not in lib.dom; Firefox 153 and WebKitGTK 2.50 have neither it nor the
 * worker-only `VideoTrackGenerator` (checked in a window and a worker).
 */
interface TrackGenerator extends MediaStreamTrack {
  readonly writable: WritableStream<VideoFrame>;
}
type TrackGeneratorClass = new (init: { kind: 'video' }) => TrackGenerator;

const Generator = (globalThis as { MediaStreamTrackGenerator?: TrackGeneratorClass }).MediaStreamTrackGenerator;

/** Whether frames can be presented through a `<video>` here (StreamPresenter). */
export const streamPresentable = typeof Generator === 'function' && typeof MediaStream === 'function';

/**
 * Pictures of more pixels than this are presented through the `<video>` while playing with
 * `resolution="display"`: 4K (8.3 MP) is, 1080p (2.1 MP) is not (a canvas keeps up with it:
 * 299 of 299 frames presented at 1080p30, measured). Tests lower it.
 */
export const PRESENTER = { minPixels: 2560 * 1440 };

/**
 * Presents playing frames through a muted `<video>` fed by a MediaStreamTrackGenerator: the
 * compositor converts and scales each frame off the main thread, as it does `<video>`'s own,
 * where painting a 4K frame on a canvas costs 29–34 ms of it in Chromium here (no GPU). A 4K
 * loop writing each due frame presented 106 of 106 frames in 3.5 s; painting a canvas, 76–91
 * (measured). The `<video>` lies over the canvas and is seen only once it shows a frame
 * written since `show` began (`requestVideoFrameCallback`), so an earlier playing's last frame
 * never flashes; the last frame written is kept (a clone) for the canvas when playing stops.
 */
export class StreamPresenter {
  private generator: TrackGenerator | null = null;
  private writer: WritableStreamDefaultWriter<VideoFrame> | null = null;
  private video: HTMLVideoElement | null = null;
  private held: VideoFrame | null = null;
  /** Frames written and not yet taken by the track: more are not queued behind them. */
  private inFlight = 0;
  private failed = false;
  /** A frame callback is asked for: the `<video>` is seen from its next frame on. */
  private waiting = false;

  /**
   * Writes a copy of `frame` to `video` (the caller keeps and closes `frame`). Whether the
   * `<video>` shows the frames written (else the caller paints the canvas too: no generator
   * here, it failed, the track is still taking the last two frames, or the `<video>` has not
   * shown one of them yet).
   */
  show(video: HTMLVideoElement, frame: VideoFrame): boolean {
    if (!streamPresentable) return false;
    if (this.failed) {
      this.hide(); // the canvas, painted by the caller, is seen again
      return false;
    }
    if (video !== this.video) this.attach(video);
    const writer = this.writer;
    if (!writer || this.inFlight >= 2) return false;
    let copy: VideoFrame;
    try {
      copy = frame.clone();
      this.held?.close();
      this.held = frame.clone();
    } catch {
      return false;
    }
    this.inFlight++;
    // The track closes a frame it takes; one it refuses is closed here.
    writer.write(copy).then(
      () => this.inFlight--,
      () => {
        this.inFlight--;
        copy.close();
        this.failed = true;
        this.hide();
      },
    );
    if (video.classList.contains('on')) return true;
    if (!this.waiting) {
      this.waiting = true;
      video.requestVideoFrameCallback(() => {
        this.waiting = false;
        if (this.held && this.video === video) video.classList.add('on');
      });
    }
    return false;
  }

  /** The last frame written, handed over (the caller closes it), or null; the `<video>` stays until hide(). */
  take(): VideoFrame | null {
    const held = this.held;
    this.held = null;
    return held;
  }

  /** The canvas shows the picture again. */
  hide(): void {
    this.held?.close();
    this.held = null;
    this.video?.classList.remove('on');
  }

  /** Lets the track, its `<video>` and the held frame go. */
  close(): void {
    this.hide();
    this.writer?.close().catch(() => {});
    this.generator?.stop();
    if (this.video) this.video.srcObject = null;
    this.writer = null;
    this.generator = null;
    this.video = null;
  }

  private attach(video: HTMLVideoElement): void {
    this.close();
    try {
      const generator = new Generator!({ kind: 'video' });
      this.generator = generator;
      this.writer = generator.writable.getWriter();
      this.video = video;
      video.muted = true;
      video.srcObject = new MediaStream([generator]);
      video.play().catch(() => {}); // muted: allowed; a refusal leaves the canvas in use (no frame callback)
    } catch {
      this.failed = true;
      this.close();
    }
  }
}
