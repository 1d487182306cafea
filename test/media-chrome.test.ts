/**
 * <rerun-video> as the media of media-chrome's <media-controller> (the real `media-chrome`
 * package): its play button, time range and time display drive the element through the
 * <video>-like media API alone.
 *
 * How media-chrome 4.19 talks to the slotted media (dist/media-store/state-mediator.js and
 * request-map.js):
 * - <media-play-button> sends `mediaplayrequest` or `mediapauserequest`, chosen by its own
 *   `mediapaused` attribute; the controller calls `media.play()` (its promise's rejection is
 *   swallowed) or `media.pause()`.
 * - <media-time-range> holds an <input type=range> from 0 to 1; on its `input` event it turns
 *   the value into a time over [seekable start, duration] and sends `mediaseekrequest`, and
 *   the controller sets `media.currentTime`. A pointer drag on the range fires exactly such
 *   `input` events (media-chrome-range.js sets the value and dispatches them itself).
 * - The controller reads `paused` on play/playing/pause, `currentTime` on timeupdate/seeking/
 *   loadedmetadata (not on seeked), `duration` on durationchange/loadedmetadata, `ended` on
 *   ended/seeked, and "loading" as `readyState < 3` on waiting/playing only; it passes them to
 *   the controls as attributes (mediapaused, mediacurrenttime, mediaduration, ...).
 */
import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import 'media-chrome';
import type { MediaController, MediaPlayButton, MediaTimeDisplay, MediaTimeRange } from 'media-chrome';
import '../src/index.js';
import type { RerunVideo } from '../src/index.js';
import { readFrameCode } from './helpers/frame-code.js';
import { MEDIA, sleep } from './helpers/media.js';

/** 90 frames at 30 fps, 320x240, each frame's index drawn as a code. */
const SRC = `${MEDIA}h264-bframes.mp4`;

interface Player {
  controller: MediaController;
  video: RerunVideo;
  button: MediaPlayButton;
  range: MediaTimeRange;
  display: MediaTimeDisplay;
}

/** The markup a page would write; resolves once the first frame is shown and media-chrome knows the duration. */
async function mount(): Promise<Player> {
  const controller = await fixture<MediaController>(html`
    <media-controller>
      <rerun-video slot="media" src=${SRC}></rerun-video>
      <media-control-bar>
        <media-play-button></media-play-button>
        <media-time-range></media-time-range>
        <media-time-display showduration></media-time-display>
      </media-control-bar>
    </media-controller>
  `);
  const video = controller.querySelector('rerun-video')!;
  const button = controller.querySelector('media-play-button') as MediaPlayButton;
  const range = controller.querySelector('media-time-range') as MediaTimeRange;
  const display = controller.querySelector('media-time-display') as MediaTimeDisplay;
  await waitUntil(() => video.readyState >= 2 && video.frameCount > 0, 'the first frame is shown', { timeout: 20_000 });
  await waitUntil(
    () => Number.isFinite(video.duration) && range.getAttribute('mediaduration') === String(video.duration),
    'media-chrome knows the duration',
    { timeout: 5000 },
  );
  return { controller, video, button, range, display };
}

/** The index of the frame shown at `time`: the last timestamp <= time (the first frame before them all). */
function frameAt(timestamps: readonly number[], time: number): number {
  let index = 0;
  for (let i = 0; i < timestamps.length && timestamps[i] <= time; i++) index = i;
  return index;
}

/** A time as media-chrome's time display writes one under an hour: m:ss, seconds floored. */
function clock(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
}

/** The text the time display shows, e.g. "0:01 / 0:03". */
function shown(display: MediaTimeDisplay): string {
  const text = display.shadowRoot?.querySelector('slot')?.textContent ?? '';
  return text.replace(/\u00a0/g, ' ').trim();
}

/** A hash of every pixel of the canvas. */
function pixelHash(canvas: HTMLCanvasElement): number {
  const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
  let hash = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) hash = Math.imul(hash ^ data[i], 0x01000193);
  return hash >>> 0;
}

/** The range position (0..1) media-chrome maps to `time`: over [seekable start, duration]. */
function positionOf(range: MediaTimeRange, time: number): number {
  const start = Number.isFinite(range.mediaSeekableStart) ? range.mediaSeekableStart : 0;
  const end = Number.isFinite(range.mediaDuration) ? range.mediaDuration! : range.mediaSeekableEnd!;
  return (time - start) / (end - start);
}

/**
 * What a drag on the time range does: the <input type=range> takes the value (0..1) and fires
 * a composed `input` (as the native range does, and as media-chrome's own pointer handler does).
 * Returns the time media-chrome asked the media to seek to.
 */
function drag(player: Player, position: number): number {
  let requested = Number.NaN;
  const listener = (event: Event) => (requested = (event as CustomEvent<number>).detail);
  player.controller.addEventListener('mediaseekrequest', listener);
  try {
    player.range.range.valueAsNumber = position;
    player.range.range.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  } finally {
    player.controller.removeEventListener('mediaseekrequest', listener);
  }
  expect(Number.isNaN(requested), 'the time range sent a mediaseekrequest').to.equal(false);
  return requested;
}

/** Clicks the play/pause button and waits for the element's `event` (play, playing or pause). */
async function press(player: Player, event: 'playing' | 'pause'): Promise<void> {
  const happened = oneEvent(player.video, event);
  player.button.click();
  await happened;
}

/** Console errors, media-chrome's warnings and failed pref writes, uncaught errors and unhandled rejections. */
class Problems {
  readonly seen: string[] = [];
  private readonly console = { error: console.error, warn: console.warn, debug: console.debug };

  private readonly onError = (event: ErrorEvent) => {
    // Chromium reports this layout notice as an ErrorEvent; it is no exception of anyone's code.
    if (/ResizeObserver loop/.test(event.message)) return;
    this.seen.push(`uncaught: ${event.message}`);
  };

  private readonly onRejection = (event: PromiseRejectionEvent) => {
    this.seen.push(`unhandled rejection: ${Problems.show(event.reason)}`);
  };

  constructor() {
    const { error, warn, debug } = this.console;
    console.error = (...args: unknown[]) => {
      this.seen.push(`console.error: ${args.map(Problems.show).join(' ')}`);
      error.apply(console, args);
    };
    // media-chrome warns when the media lacks what a control asked for ("MediaChrome: ...").
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && /^Media ?(Chrome|Controller)/.test(args[0])) {
        this.seen.push(`console.warn: ${args.map(Problems.show).join(' ')}`);
      }
      warn.apply(console, args);
    };
    // ...and logs at debug level when setting `muted` or `volume` on the media threw.
    console.debug = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && /^Error (setting|getting) (muted|volume) pref/.test(args[0])) {
        this.seen.push(`console.debug: ${args.map(Problems.show).join(' ')}`);
      }
      debug.apply(console, args);
    };
    window.addEventListener('error', this.onError);
    window.addEventListener('unhandledrejection', this.onRejection);
  }

  restore(): void {
    Object.assign(console, this.console);
    window.removeEventListener('error', this.onError);
    window.removeEventListener('unhandledrejection', this.onRejection);
  }

  /** Lets pending rejections and errors surface, then expects none. */
  async expectNone(): Promise<void> {
    await sleep(100);
    expect(this.seen, 'console errors and uncaught exceptions').to.deep.equal([]);
  }

  private static show(value: unknown): string {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    return typeof value === 'string' ? value : String(value);
  }
}

describe('<rerun-video> in media-chrome', function () {
  this.timeout(60_000);
  let problems: Problems;

  beforeEach(() => {
    // media-chrome keeps muted and volume preferences in localStorage and applies them on attach.
    localStorage.removeItem('media-chrome-pref-muted');
    localStorage.removeItem('media-chrome-pref-volume');
    problems = new Problems();
  });

  afterEach(() => {
    problems.restore();
  });

  it('the play button plays it, then pauses it on a frame that holds still', async () => {
    const player = await mount();
    const { video, button, range } = player;
    expect(video.paused).to.equal(true);
    expect(button.hasAttribute('mediapaused')).to.equal(true);
    const events: string[] = [];
    for (const type of ['play', 'playing', 'pause'] as const) video.addEventListener(type, () => events.push(type));
    const painted: number[] = [];
    video.addEventListener('frame', (e) => painted.push(e.detail.index));
    const start = video.currentTime;

    await press(player, 'playing');
    expect(video.paused).to.equal(false);
    expect(events.slice(0, 2)).to.deep.equal(['play', 'playing']);
    await waitUntil(() => !button.hasAttribute('mediapaused'), 'the button shows "pause"');
    // readyState >= 3 when `playing` fires, or media-chrome thinks it is still loading
    await waitUntil(() => !range.hasAttribute('medialoading'), 'media-chrome does not see it loading');
    await waitUntil(() => video.currentTime > start + 0.5, 'time advances', { timeout: 10_000 });
    await waitUntil(
      () => Number(range.getAttribute('mediacurrenttime')) > start + 0.25,
      'media-chrome follows the time (timeupdate)',
    );
    expect(video.currentTime).to.be.lessThan(video.duration);

    await press(player, 'pause');
    expect(video.paused).to.equal(true);
    expect(events.at(-1)).to.equal('pause');
    await waitUntil(() => button.hasAttribute('mediapaused'), 'the button shows "play"');
    expect(new Set(painted).size, `frames painted while playing: ${painted.join(',')}`).to.be.at.least(3);
    painted.forEach((index, i) => expect(index, 'frames go forward').to.be.at.least(painted[i - 1] ?? 0));

    const ts = video.frameTimestamps;
    const canvas = video.canvas!;
    await waitUntil(
      () => readFrameCode(canvas) === frameAt(ts, video.currentTime),
      'the paused picture is the frame for currentTime',
      { timeout: 5000 },
    );
    const time = video.currentTime;
    const code = readFrameCode(canvas);
    const pixels = pixelHash(canvas);
    await sleep(600);
    expect(video.paused).to.equal(true);
    expect(video.currentTime, 'time stands still').to.equal(time);
    expect(readFrameCode(canvas)).to.equal(code);
    expect(pixelHash(canvas), 'pixels stand still').to.equal(pixels);
    await problems.expectNone();
  });

  it('the time display shows the current time after a pause, and the duration', async () => {
    const player = await mount();
    const { video, display } = player;
    expect(shown(display)).to.equal(`0:00 / ${clock(video.duration)}`);

    await press(player, 'playing');
    await waitUntil(() => video.currentTime >= 1.2, 'it plays past 1.2 s', { timeout: 10_000 });
    await press(player, 'pause');
    const time = video.currentTime;
    expect(time).to.be.within(1.2, video.duration);
    // <video> fires timeupdate as it pauses, so the controls show where it stopped.
    await waitUntil(
      () => Number(display.getAttribute('mediacurrenttime')) === time,
      'media-chrome has the paused time',
      { timeout: 2000 },
    );
    expect(Number(display.getAttribute('mediaduration'))).to.equal(video.duration);
    expect(shown(display)).to.equal(`${clock(time)} / ${clock(video.duration)}`);
    expect(shown(display)).to.match(/^0:0[12] \/ 0:0[23]$/);

    // and after a seek from the time range
    const seeked = oneEvent(video, 'seeked');
    const requested = drag(player, positionOf(player.range, 2.5));
    await seeked;
    await waitUntil(() => Number(display.getAttribute('mediacurrenttime')) === video.currentTime, 'media-chrome has the seek');
    expect(video.currentTime).to.be.closeTo(requested, 1e-5);
    expect(shown(display)).to.equal(`0:02 / ${clock(video.duration)}`);
    await problems.expectNone();
  });

  it('dragging the time range seeks: currentTime and the painted frame are those of the requested time', async () => {
    const player = await mount();
    const { video, range } = player;
    const ts = video.frameTimestamps;
    const canvas = video.canvas!;
    const events: string[] = [];
    for (const type of ['seeking', 'seeked'] as const) video.addEventListener(type, () => events.push(type));
    const mid = (i: number) => (ts[i] + ts[i + 1]) / 2;
    // mid-frame times, out of order (forward, back, across keyframes), then the very start
    const targets = [mid(45), mid(10), mid(81), mid(31), mid(29), 0];

    for (const target of targets) {
      events.length = 0;
      const seeked = oneEvent(video, 'seeked');
      const requested = drag(player, positionOf(range, target));
      expect(requested, 'the time range asks for the dragged time').to.be.closeTo(target, 1e-5);
      // as on <video>, currentTime is the new position at once
      expect(video.currentTime).to.be.closeTo(requested, 1e-5);
      await seeked;
      expect(events, `events seeking to ${requested}`).to.deep.equal(['seeking', 'seeked']);
      expect(video.seeking).to.equal(false);
      expect(video.paused).to.equal(true);
      expect(video.currentTime).to.be.closeTo(requested, 1e-5);
      expect(readFrameCode(canvas), `pixels at ${requested}`).to.equal(frameAt(ts, requested));
      await waitUntil(
        () => Number(range.getAttribute('mediacurrenttime')) === video.currentTime,
        'media-chrome has the new time',
      );
    }

    // A drag is many `input` events in a row: the last position wins, nothing is left unhandled.
    let last = Number.NaN;
    for (let i = 0; i <= 20; i++) {
      last = drag(player, positionOf(range, mid(20 + 2 * i)));
      await sleep(i % 4 === 0 ? 16 : 0);
    }
    await waitUntil(() => !video.seeking, 'the drag settles', { timeout: 10_000 });
    await sleep(100);
    expect(video.currentTime).to.be.closeTo(last, 1e-5);
    expect(readFrameCode(canvas)).to.equal(frameAt(ts, last));
    await problems.expectNone();
  });

  it('dragging the time range while it plays: it plays on from there', async () => {
    const player = await mount();
    const { video, range } = player;
    const ts = video.frameTimestamps;
    await press(player, 'playing');
    await waitUntil(() => video.currentTime > 0.2, 'time advances', { timeout: 10_000 });
    const painted: number[] = [];
    const seeked = oneEvent(video, 'seeked');
    const requested = drag(player, positionOf(range, (ts[60] + ts[61]) / 2));
    await seeked;
    video.addEventListener('frame', (e) => painted.push(e.detail.index));
    expect(video.paused).to.equal(false);
    expect(video.currentTime).to.be.at.least(requested - 1e-5);
    await waitUntil(() => video.currentTime > requested + 0.2, 'it plays on from the new time', { timeout: 10_000 });
    await press(player, 'pause');
    expect(painted.length, 'frames painted after the seek').to.be.greaterThan(0);
    for (const index of painted) expect(index).to.be.at.least(frameAt(ts, requested));
    await problems.expectNone();
  });

  it('played to the end: ended, the button shows play, and play starts over', async () => {
    const player = await mount();
    const { video, button, range } = player;
    const ts = video.frameTimestamps;
    const seeked = oneEvent(video, 'seeked');
    drag(player, positionOf(range, (ts[84] + ts[85]) / 2));
    await seeked;

    const ended = oneEvent(video, 'ended');
    button.click();
    await ended;
    expect(video.ended).to.equal(true);
    expect(video.paused, 'paused at the end, as <video>').to.equal(true);
    expect(video.currentTime).to.be.closeTo(video.duration, 1e-3);
    expect(readFrameCode(video.canvas!)).to.equal(ts.length - 1);
    await waitUntil(() => button.hasAttribute('mediapaused') && range.hasAttribute('mediaended'), 'the controls see the end');

    await press(player, 'playing');
    expect(video.ended).to.equal(false);
    expect(video.currentTime, 'play after the end starts over').to.be.lessThan(1);
    // <video> seeks to the start here; media-chrome clears `mediaended` on that seeked
    await waitUntil(() => !range.hasAttribute('mediaended'), 'the controls no longer see the end');
    await press(player, 'pause');
    await problems.expectNone();
  });

  it('a whole session, then removal, logs no error and throws nothing', async () => {
    const player = await mount();
    const { controller, video, range } = player;
    await press(player, 'playing');
    await waitUntil(() => video.currentTime > 0.3, 'time advances', { timeout: 10_000 });
    let seeked = oneEvent(video, 'seeked');
    drag(player, positionOf(range, 1.5));
    await seeked;
    await press(player, 'pause');
    seeked = oneEvent(video, 'seeked');
    drag(player, positionOf(range, 0.5));
    await seeked;
    await press(player, 'playing');
    // the media taken out while it plays: media-chrome lets go of it (mediaUnsetCallback)
    video.remove();
    await sleep(500);
    controller.remove();
    await sleep(300);
    await problems.expectNone();
  });
});
