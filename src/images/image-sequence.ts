/**
 * Shows frames of a JPEG image sequence: fetches and decodes the images near the playhead
 * into ImageBitmaps (`createImageBitmap(blob)` decodes off the main thread in Chromium,
 * Firefox and WebKit; `ImageDecoder` is missing in WebKit), keeps a bounded window of them
 * around the newest request, and closes the ones that leave it. Only the newest request is
 * worked on; older ones reject with AbortError, so a superseded image is never painted.
 */
import { RerunVideoError, abortError, isAbortError } from '../errors.js';
import { LatestRequest, type Ticket } from '../latest-request.js';
import type { ImageManifest } from './manifest.js';

/** Decoded bytes the window may hold; the frame count follows from the image size. */
export const DEFAULT_WINDOW_BYTES = 64 * 1024 * 1024;
/** Bounds of the window, in frames, whatever the image size. */
const MIN_WINDOW = 3;
const MAX_WINDOW = 24;
/** Image fetches at once (the browser's per-host limit is 6; leave room for the page). */
const MAX_IN_FLIGHT = 4;

export interface ImageSequenceOptions {
  credentials: RequestCredentials;
  /** Draws the requested image. Must not keep it. */
  paint(image: ImageBitmap, index: number): void;
  /** Byte budget of the decoded window; defaults to DEFAULT_WINDOW_BYTES. */
  windowBytes?: number;
  /** Images decoded, and those still open (not closed), counted for the element. */
  counters: { decoded: number; open: number };
}

interface Entry {
  abort: AbortController;
  bitmap: ImageBitmap | null;
  error: unknown;
}

type Target = Ticket<number, number>;

/** How many frames the window holds for images of this size. */
export function windowFrames(width: number, height: number, budget = DEFAULT_WINDOW_BYTES): number {
  // Unknown size: assume 1080p, the common camera case.
  const bytes = (width || 1920) * (height || 1080) * 4;
  return Math.max(MIN_WINDOW, Math.min(MAX_WINDOW, Math.floor(budget / bytes)));
}

export class ImageSequence {
  readonly timestamps: readonly number[];
  /** Frames before / after the playhead kept decoded (about a third behind, two thirds ahead). */
  readonly behind: number;
  readonly ahead: number;
  private readonly urls: readonly string[];
  private readonly options: ImageSequenceOptions;
  private readonly entries = new Map<number, Entry>();
  private readonly target = new LatestRequest<number, number>();
  private focus = 0;
  /** The request of prepare(): resolved, not painted, when its image is decoded. */
  private preparing: Target | null = null;
  /** Playing backwards, the window's larger side is the one before the playhead. */
  private backwards = false;
  private inFlight = 0;
  private closed = false;

  constructor(manifest: ImageManifest, options: ImageSequenceOptions) {
    this.timestamps = manifest.timestamps;
    this.urls = manifest.urls;
    this.options = options;
    const size = windowFrames(manifest.width, manifest.height, options.windowBytes);
    this.behind = Math.floor((size - 1) / 3);
    this.ahead = size - 1 - this.behind;
  }

  /** Images held decoded now. */
  get decodedImages(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.bitmap) n++;
    return n;
  }

  /** Resolves with `index` once image `index` has been painted; rejects with AbortError when superseded. */
  show(index: number): Promise<number> {
    if (this.closed) return Promise.reject(abortError('The image sequence was closed'));
    const { ticket, promise } = this.target.begin(index);
    this.focus = index;
    this.trim();
    const entry = this.entries.get(index);
    if (entry?.bitmap) this.paint(ticket, entry.bitmap);
    else if (entry?.error) ticket.reject(entry.error);
    this.fill();
    return promise;
  }

  /**
   * Playback: paints image `index` now if it is decoded, and fetches ahead of it in
   * `direction`. Never waits; returns whether it painted (an image late is not painted later).
   */
  present(index: number, direction: 1 | -1): boolean {
    if (this.closed) return false;
    this.target.cancel();
    this.backwards = direction < 0;
    this.focus = index;
    this.trim();
    const bitmap = this.entries.get(index)?.bitmap;
    if (bitmap) this.options.paint(bitmap, index);
    this.fill();
    return bitmap != null;
  }

  /** Loads image `index` without painting it; resolves once present(index) would paint it. */
  prepare(index: number): Promise<void> {
    if (this.closed) return Promise.reject(abortError('The image sequence was closed'));
    const { ticket, promise } = this.target.begin(index);
    this.preparing = ticket;
    this.focus = index;
    this.trim();
    const entry = this.entries.get(index);
    if (entry?.bitmap) ticket.resolve(index);
    else if (entry?.error) ticket.reject(entry.error);
    this.fill();
    return promise.then(() => {});
  }

  /** Whether present(index) would paint now. */
  has(index: number): boolean {
    return this.entries.get(index)?.bitmap != null;
  }

  /** Playback stopped: the window is laid out for stepping forwards again. */
  stop(): void {
    this.backwards = false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.target.cancel(abortError('The image sequence was closed'));
    for (const entry of this.entries.values()) this.drop(entry);
    this.entries.clear();
  }

  private paint(target: Target, bitmap: ImageBitmap): void {
    if (target === this.preparing) {
      target.resolve(target.key);
      return;
    }
    try {
      this.options.paint(bitmap, target.key);
      target.resolve(target.key);
    } catch (error) {
      target.reject(error);
    }
  }

  private closeBitmap(bitmap: ImageBitmap): void {
    bitmap.close();
    this.options.counters.open--;
  }

  /** Frames kept before and after the playhead (swapped while playing backwards). */
  private get reach(): { before: number; after: number } {
    return this.backwards ? { before: this.ahead, after: this.behind } : { before: this.behind, after: this.ahead };
  }

  private inWindow(index: number): boolean {
    const { before, after } = this.reach;
    return index >= this.focus - before && index <= this.focus + after;
  }

  /** Drops what has left the window: pending fetches are aborted, bitmaps closed. */
  private trim(): void {
    for (const [index, entry] of this.entries) {
      if (this.inWindow(index)) continue;
      this.drop(entry);
      this.entries.delete(index);
    }
  }

  private drop(entry: Entry): void {
    entry.abort.abort();
    if (entry.bitmap) this.closeBitmap(entry.bitmap);
    entry.bitmap = null;
  }

  /** Starts fetches nearest first: the target, then ahead of it, then behind. */
  private fill(): void {
    const last = this.timestamps.length - 1;
    const { before, after } = this.reach;
    const order = [this.focus];
    for (let d = 1; d <= Math.max(before, after); d++) {
      if (d <= after && this.focus + d <= last) order.push(this.focus + d);
      if (d <= before && this.focus - d >= 0) order.push(this.focus - d);
    }
    for (const index of order) {
      if (this.inFlight >= MAX_IN_FLIGHT) return;
      if (!this.entries.has(index)) void this.load(index);
    }
  }

  private async load(index: number): Promise<void> {
    const entry: Entry = { abort: new AbortController(), bitmap: null, error: null };
    this.entries.set(index, entry);
    this.inFlight++;
    let bitmap: ImageBitmap | null = null;
    try {
      bitmap = await this.decode(this.urls[index], index, entry.abort.signal);
    } catch (error) {
      entry.error = error;
    } finally {
      this.inFlight--;
    }
    if (this.closed || this.entries.get(index) !== entry) {
      // Closed, or left the window while loading.
      if (bitmap) this.closeBitmap(bitmap);
      if (!this.closed) this.fill();
      return;
    }
    if (bitmap) entry.bitmap = bitmap;
    if (entry.error && isAbortError(entry.error)) {
      this.entries.delete(index);
    } else if (this.target.current?.key === index) {
      const target = this.target.current;
      if (entry.bitmap) this.paint(target, entry.bitmap);
      else target.reject(entry.error);
    }
    this.fill();
  }

  private async decode(url: string, index: number, signal: AbortSignal): Promise<ImageBitmap> {
    const what = `Fallback image ${index} (${url})`;
    let response: Response;
    try {
      response = await fetch(url, { signal, credentials: this.options.credentials });
    } catch (error) {
      if (signal.aborted) throw abortError();
      throw new RerunVideoError('fallback', `${what} could not be fetched: ${String(error)}`);
    }
    if (!response.ok) throw new RerunVideoError('fallback', `${what}: HTTP ${response.status}`);
    let blob: Blob;
    try {
      blob = await response.blob();
    } catch (error) {
      if (signal.aborted) throw abortError();
      throw new RerunVideoError('fallback', `${what} could not be read: ${String(error)}`);
    }
    if (signal.aborted) throw abortError();
    try {
      const bitmap = await createImageBitmap(blob);
      this.options.counters.decoded++;
      this.options.counters.open++;
      return bitmap;
    } catch (error) {
      throw new RerunVideoError('fallback', `${what} is not an image this browser decodes: ${String(error)}`);
    }
  }
}
