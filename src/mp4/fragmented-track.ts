/**
 * A fragmented MP4 read a fragment at a time. The `moov` and the first fragment give the
 * track (so `loadedmetadata` and the first frame do not wait for the rest); the other
 * fragments are found from a `sidx` (after the `moov`; several, per segment or nested, are
 * followed) or the `mfra` at the end, else by walking the top-level box headers, and each
 * fragment's `moof` is read (one small read, never into the sample cache) only when a request
 * needs a frame in it, or by the background walk that completes the table after the first
 * frame. Each time fragments are added the track is published anew (`onChange`); frames keep
 * their timestamps, their indices may move.
 */
import { MissingBytesError, RerunVideoError, isAbortError } from '../errors.js';
import type { ByteSource } from './byte-source.js';
import { boxType, mfraSize, readFragment, readMfra, readSidx, type FragmentSamples, type IndexEntry, type TrackDefaults } from './fragments.js';

export { readTrex } from './fragments.js';
import { SampleTableError, checkBoxes, type SampleTable } from './sample-table.js';
import { buildTimeline, type EditEntry } from './timeline.js';
import type { Movie, TrackHeader } from './movie.js';
import { buildVideoTrack, type VideoTrack } from './video-track.js';

/** What the element asks of a file whose sample table grows (see video-controller.ts). */
export interface GrowingTrack {
  /** Whether the published track says which frame shows at `time` (presentation seconds). */
  covers(time: number): boolean;
  /** Reads the fragments the frame for `time` needs and publishes them; resolves once covered. */
  ensure(time: number): Promise<void>;
  /** Starts completing the table in the background (after the first frame). */
  startIndexing(): void;
  /** The file is let go: the background walk stops and no more tracks are published. */
  close(): void;
  /** Hears of each published track. */
  onChange: ((track: VideoTrack) => void) | null;
  /**
   * Hears of a failure that ends the file (a long MP4's whole table is damaged). A failed read
   * of a fragment is not one: the requests that need it hear of it.
   */
  onFailure?: ((error: unknown) => void) | null;
  /** Every fragment is in the published track. */
  readonly complete: boolean;
}

interface Fragment {
  /** Where reading starts: a `moof`, or boxes before one (`styp`, `sidx`, an `mdat`…). */
  offset: number;
  /** From an index: its start, roughly (ticks of `hint.timescale`). Null for one found by walking. */
  hint: { time: number; timescale: number } | null;
  /** Once read: its samples of the video track (0 for another track's fragment or a damaged one). */
  samples: FragmentSamples | null;
  /** Once read: the file offset of the `moof`, and of the first box after its media data. */
  moof: number;
  next: number;
  /** Once read: the earliest and latest presentation time of its shown frames, seconds. */
  minPts: number;
  maxPts: number;
  published: boolean;
}

/** First read at a fragment: its moof and the mdat header after it, for most files. */
const PEEK = 4096;
/** First window searched for a moof (without an index); each next one is twice as large. */
const SCAN = 16 * 1024;
/** An unwalked gap smaller than this is walked; a larger one is jumped into. */
const JUMP_GAP = 256 * 1024;
/** Boxes skipped in one read of a fragment before giving up on finding its moof. */
const MAX_BOXES = 64;
/** An index (`sidx`, `mfra`) or `moof` larger than this is taken for damage. */
const MAX_INDEX_BYTES = 16 * 1024 * 1024;
/** Nested `sidx` boxes read at most (a hierarchical index). */
const MAX_NESTED = 256;
/** Types an index entry may point at: a fragment's first box. */
const INDEXED_FIRST = new Set(['moof', 'styp', 'sidx', 'ssix', 'free', 'skip', 'emsg', 'prft']);

export interface FragmentedOptions {
  source: ByteSource;
  /** Whether reading far ahead costs only what is read (ranges, a Blob), not the download up to it. */
  ranged: boolean;
  movie: Movie;
  /** The movie's first video track. */
  video: TrackHeader;
  /** The `moov` bytes and where they lie. */
  moovOffset: number;
  moovEnd: number;
  trex: TrackDefaults | undefined;
  /** Samples the `moov`'s own `stbl` holds (files whose first fragment is in the moov). */
  moovSamples: SampleTable | null;
  label: string;
}

export class FragmentedTrack implements GrowingTrack {
  track!: VideoTrack;
  onChange: ((track: VideoTrack) => void) | null = null;
  /** Applied to each published track (the Annex-B repair's description). */
  decorate: (track: VideoTrack) => VideoTrack = (track) => track;

  private readonly fragments: Fragment[] = [];
  private readonly trackId: number;
  private readonly timescale: number;
  private readonly edits: readonly EditEntry[] | undefined;
  /** The end of the file was met: nothing follows the last fragment. */
  private ended = false;
  private indexed = false;
  /** Seconds = calibration + hint ticks / timescale: an index's times put on the presentation timeline. */
  private calibration: number | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private indexing = false;
  private closed = false;
  private nestedReads = 0;
  /** First read at a fragment: twice the moofs seen so far, so the walk reads little more than moofs. */
  private peekBytes = PEEK;
  /** Whether every moof read so far has a tfdt: only then can a fragment be read out of order without an index. */
  private timed: boolean | null = null;
  /** Fragments after a gap that a jump found nothing new before: the gap is walked. */
  private readonly noJump = new Set<Fragment>();

  private constructor(private readonly options: FragmentedOptions) {
    const track = options.video;
    this.trackId = track.id;
    this.timescale = track.timescale;
    this.edits = track.edits;
  }

  /** Reads the first fragment (and with an index, the last one) and publishes the track. */
  static async open(options: FragmentedOptions): Promise<FragmentedTrack> {
    const fragmented = new FragmentedTrack(options);
    await fragmented.start();
    return fragmented;
  }

  get complete(): boolean {
    return this.closed || (this.listFinal() && this.fragments.every((f) => f.published));
  }

  close(): void {
    this.closed = true;
    this.onChange = null;
  }

  covers(time: number): boolean {
    return this.closed || this.needed(time, (f) => f.published) === null;
  }

  ensure(time: number): Promise<void> {
    return this.exclusive(async () => {
      for (let guard = 0; guard <= this.fragments.length + 16 && !this.closed; guard++) {
        const fragment = this.needed(time, (f) => f.samples !== null);
        if (!fragment) break;
        if (!(await this.jump(fragment, time))) await this.load(fragment);
      }
      if (this.fragments.some((f) => f.samples && !f.published)) await this.publish();
    });
  }

  startIndexing(): void {
    if (this.indexing || this.closed) return;
    this.indexing = true;
    void (async () => {
      try {
        // One small read at a time, each after any waiting request (they share the queue).
        for (let guard = 0; guard < 10_000_000 && !this.closed; guard++) {
          const more = await this.exclusive(async () => {
            const fragment = this.fragments.find((f) => !f.samples);
            if (!fragment) return false;
            await this.load(fragment);
            return true;
          });
          if (!more) break;
          await new Promise((resolve) => setTimeout(resolve, 0)); // the page first: this walk is background work
        }
        if (!this.closed) await this.exclusive(() => (this.fragments.some((f) => f.samples && !f.published) ? this.publish() : undefined));
      } catch (error) {
        // A request that needs the fragment meets the failure itself; nothing is lost here.
        if (!isAbortError(error)) this.indexing = false;
      }
    })();
  }

  /** Runs `task` after every task before it. */
  private exclusive<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => {});
    return run;
  }

  private async start(): Promise<void> {
    const { moovSamples, moovOffset, moovEnd } = this.options;
    if (moovSamples && moovSamples.count > 0) {
      // The first fragment's samples are in the moov itself (ffmpeg without empty_moov).
      const fragment = this.add(moovOffset, null);
      this.loaded(fragment, { ...moovSamples, timed: true }, moovOffset, moovEnd);
    } else {
      this.add(moovEnd, null);
    }
    // The first fragment with video samples; sidx boxes before it are read on the way.
    for (let guard = 0; guard < 10_000 && !this.fragments.some((f) => f.samples?.count); guard++) {
      const fragment = this.fragments.find((f) => !f.samples);
      if (!fragment) break;
      await this.load(fragment);
    }
    if (!this.fragments.some((f) => f.samples?.count)) {
      throw new RerunVideoError('format', `${this.options.label} has no video samples: no fragment of the video track was found.`);
    }
    if (this.options.ranged) {
      if (!this.indexed) await this.readMfra();
      // With an index, the last fragment too: the duration is then the file's.
      const last = this.fragments[this.fragments.length - 1];
      if (this.indexed && !last.samples) await this.load(last);
      else if (!this.indexed) await this.findLast();
    }
    await this.publish();
  }

  /** Reads the `mfra` the last 16 bytes (`mfro`) point to, if there is one. */
  private async readMfra(): Promise<void> {
    const size = this.options.source.size;
    if (size === null || size < 16) return;
    try {
      const length = mfraSize(await this.peek(size - 16, 16));
      if (length === null || length < 16 || length > Math.min(size, MAX_INDEX_BYTES)) return;
      const entries = readMfra(await this.peek(size - length, length), this.trackId, this.timescale);
      this.addIndex(entries.filter((e) => e.offset >= this.options.moovEnd && e.offset < size - length));
    } catch (error) {
      if (error instanceof SampleTableError || error instanceof MissingBytesError) return; // no usable mfra: walk
      throw error;
    }
  }

  private addIndex(entries: readonly IndexEntry[]): void {
    for (const entry of entries) {
      if (entry.nested || entry.offset < this.options.moovEnd) continue;
      const existing = this.fragments.find((f) => f.offset === entry.offset || (f.samples && f.moof === entry.offset));
      if (existing) {
        existing.hint ??= { time: entry.time, timescale: entry.timescale };
        this.calibrate(existing);
      }
      else this.add(entry.offset, { time: entry.time, timescale: entry.timescale });
      this.indexed = true;
    }
  }

  /** Adds a fragment to read at `offset`, in file order. */
  private add(offset: number, hint: Fragment['hint']): Fragment {
    const fragment: Fragment = { offset, hint, samples: null, moof: offset, next: offset, minPts: NaN, maxPts: NaN, published: false };
    let at = this.fragments.length;
    while (at > 0 && this.fragments[at - 1].offset > offset) at--;
    this.fragments.splice(at, 0, fragment);
    return fragment;
  }

  private remove(fragment: Fragment): void {
    const at = this.fragments.indexOf(fragment);
    if (at >= 0) this.fragments.splice(at, 1);
  }

  /** Whether no fragment can follow the last one in the list. */
  private listFinal(): boolean {
    const last = this.fragments[this.fragments.length - 1];
    const size = this.options.source.size;
    return !last || (last.samples !== null && (this.ended || (size !== null && last.next >= size)));
  }

  /** The start of a fragment on the presentation timeline, as far as is known. */
  private startOf(fragment: Fragment, loaded: (f: Fragment) => boolean, before: number): number {
    if (loaded(fragment) && fragment.samples!.count > 0) return fragment.minPts;
    if (!loaded(fragment) && fragment.hint && this.calibration !== null) {
      return this.calibration + fragment.hint.time / fragment.hint.timescale;
    }
    return before;
  }

  /**
   * The next fragment to read so that the fragments counted as `loaded` decide the frame for
   * `time`, or null when they do: the fragment whose start is the latest at or before `time`
   * and the next one with frames after it are both in (or nothing follows).
   */
  private needed(time: number, loaded: (f: Fragment) => boolean): Fragment | null {
    const list = this.fragments;
    if (!Number.isFinite(time)) time = time > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
    let at = -1;
    let start = -Infinity;
    for (let i = 0; i < list.length; i++) {
      start = this.startOf(list[i], loaded, start);
      if (start <= time) at = i;
    }
    if (at < 0) {
      // Before every fragment: the first frame, once the first fragment with frames is in.
      const first = list.find((f) => !loaded(f) || f.samples!.count > 0);
      return first && !loaded(first) ? first : null;
    }
    if (!loaded(list[at])) return list[at];
    for (let i = at + 1; i < list.length; i++) {
      if (!loaded(list[i])) return list[i];
      if (list[i].samples!.count > 0) return null;
    }
    return null;
  }

  /** Reads the fragment at `fragment.offset`: its moof, boxes before it, the header of its mdat. */
  private async load(fragment: Fragment): Promise<void> {
    let position = fragment.offset;
    for (let boxes = 0; boxes < MAX_BOXES; boxes++) {
      const head = await this.peekUpTo(position, this.peekBytes);
      if (!head || head.byteLength < 8) return this.end(fragment);
      const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
      const type = boxType(head, 4);
      let size = view.getUint32(0);
      let headerSize = 8;
      if (size === 1 && head.byteLength >= 16) {
        size = Number(view.getBigUint64(8));
        headerSize = 16;
      } else if (size === 0) {
        size = (this.options.source.size ?? Infinity) - position;
      }
      if (size < headerSize || !/^[\x20-\x7e]{4}$/.test(type)) return this.lost(fragment, `no box at byte ${position}`);
      // An index points at a fragment's first box; anything else there means it is wrong.
      if (boxes === 0 && fragment.hint && !INDEXED_FIRST.has(type)) return this.lost(fragment, `a ${JSON.stringify(type)} box at byte ${position}`);
      if (type === 'moof') {
        if (size > MAX_INDEX_BYTES) return this.lost(fragment, `a moof of ${size} bytes at byte ${position}`);
        const moof = size <= head.byteLength ? head.subarray(0, size) : await this.readOrEnd(position, size);
        if (!moof) return this.end(fragment);
        this.peekBytes = Math.min(PEEK, Math.max(512, 2 * size + 32));
        const after = size + 16 <= head.byteLength ? head.subarray(size, size + 16) : await this.peekUpTo(position + size, 16);
        let next = position + size;
        if (after && after.byteLength >= 8 && boxType(after, 4) === 'mdat') {
          const afterView = new DataView(after.buffer, after.byteOffset, after.byteLength);
          const mdat = afterView.getUint32(0);
          next +=
            mdat === 1 && after.byteLength >= 16
              ? Number(afterView.getBigUint64(8))
              : mdat === 0
                ? (this.options.source.size ?? Infinity) - next
                : Math.max(8, mdat);
        }
        const duplicate = this.fragments.find((f) => f !== fragment && f.samples && f.moof === position);
        if (duplicate) return this.remove(fragment);
        return this.loaded(fragment, this.parse(moof, position, fragment), position, next);
      }
      if (type === 'mfra') return this.end(fragment);
      if (type === 'sidx' && size <= MAX_INDEX_BYTES) {
        await this.readIndex(position, size, 0);
      }
      position += size;
      if (!Number.isFinite(position)) return this.end(fragment);
      // The fragment is what follows: an indexed one there takes its place.
      const other = this.fragments.find((f) => f !== fragment && f.offset === position);
      if (other) return this.remove(fragment);
      fragment.offset = position;
    }
  }

  /**
   * Without an index, the last fragment (so the duration is known at once): the last moof is
   * found by searching the end of the file for a `moof` box that starts with its `mfhd`.
   */
  private async findLast(): Promise<void> {
    const size = this.options.source.size;
    if (size === null || !this.timed) return;
    for (let end = size, window = SCAN, tries = 0; tries < 8 && end > this.options.moovEnd; tries++, window *= 2) {
      const start = Math.max(this.options.moovEnd, end - window);
      const found = await this.scan(start, end - start, true);
      if (found !== null) {
        if (this.fragments.some((f) => f.offset === found || (f.samples && f.moof === found))) return;
        await this.load(this.add(found, null));
        return;
      }
      end = start + 16;
    }
  }

  /**
   * A time far into a part of the file not walked yet (no index): instead of walking every
   * fragment up to it, guess its position from the fragments on either side (bytes in
   * proportion to time, a fragment and a half early), find the first moof from there (or, if
   * that is the known one after the gap, the moof before it), and read that. Each jump narrows
   * the gap; a small gap is walked. Returns false when walking is the better way.
   */
  private async jump(fragment: Fragment, time: number): Promise<boolean> {
    if (!this.options.ranged || !this.timed || fragment.hint || fragment.samples) return false;
    const at = this.fragments.indexOf(fragment);
    const before = this.fragments.slice(0, at).reverse().find((f) => f.samples?.count);
    const after = this.fragments.slice(at + 1).find((f) => f.samples?.count);
    if (!before || !after || this.noJump.has(after) || after.moof - fragment.offset < JUMP_GAP) return false;
    const read = this.fragments.filter((f) => f.samples?.count && f.moof !== this.options.moovOffset);
    const average = read.reduce((sum, f) => sum + (f.next - f.moof), 0) / Math.max(1, read.length);
    const span = after.minPts - before.maxPts;
    const share = span > 0 ? Math.min(1, Math.max(0, (time - before.maxPts) / span)) : 0.5;
    const aim = fragment.offset + share * (after.moof - fragment.offset) - 1.5 * average;
    const from = Math.round(Math.min(after.moof - 16, Math.max(fragment.offset + 1, aim)));
    const fresh = (found: number | null) =>
      found !== null && found > fragment.offset && found < after.moof && !this.fragments.some((f) => f.offset === found || f.moof === found);
    let found: number | null = null;
    for (let start = from, window = SCAN, tries = 0; tries < 8 && start + 16 < after.moof && found === null; tries++, start += window - 16, window *= 2) {
      found = await this.scan(start, Math.min(window, after.moof - start), false);
    }
    if (!fresh(found)) {
      // Past the target: the moof just before the fragment after the gap.
      found = null;
      for (let end = after.moof, window = SCAN, tries = 0; tries < 8 && end > fragment.offset + 16 && found === null; tries++, window *= 2) {
        const start = Math.max(fragment.offset + 1, end - window);
        found = await this.scan(start, end - start, true);
        end = start + 16;
      }
    }
    if (!fresh(found)) {
      this.noJump.add(after);
      return false;
    }
    await this.load(this.add(found!, null));
    return true;
  }

  /** The offset of the first (or `last`) `moof` box in `[start, start + length)` that opens with an `mfhd`, or null. */
  private async scan(start: number, length: number, last: boolean): Promise<number | null> {
    const bytes = await this.peekUpTo(start, length);
    if (!bytes) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const hit = (i: number) =>
      bytes[i + 4] === 0x6d && bytes[i + 5] === 0x6f && bytes[i + 6] === 0x6f && bytes[i + 7] === 0x66 && // moof
      view.getUint32(i + 8) === 16 && boxType(bytes, i + 12) === 'mfhd' && view.getUint32(i) >= 24 && view.getUint32(i) <= MAX_INDEX_BYTES;
    if (last) {
      for (let i = bytes.byteLength - 16; i >= 0; i--) if (hit(i)) return start + i;
    } else {
      for (let i = 0; i + 16 <= bytes.byteLength; i++) if (hit(i)) return start + i;
    }
    return null;
  }

  /** Reads a `sidx` (and the ones it nests) into the list, when it indexes the video track. */
  private async readIndex(position: number, size: number, depth: number): Promise<void> {
    let sidx;
    try {
      sidx = readSidx(await this.peek(position, size), position);
    } catch (error) {
      if (error instanceof SampleTableError || error instanceof MissingBytesError) return;
      throw error;
    }
    // Another track's index (a file with one per track) points at fragments that may not hold video.
    if (sidx.trackId !== this.trackId && this.options.movie.tracks.some((t) => t.id === sidx.trackId)) return;
    if (!this.options.ranged) return; // reading ahead would wait for the download to get there
    this.addIndex(sidx.entries);
    for (const entry of sidx.entries) {
      if (!entry.nested || depth >= 4 || this.nestedReads >= MAX_NESTED || entry.size === null || entry.size > MAX_INDEX_BYTES) continue;
      this.nestedReads++;
      // The nested sidx is at the start of its span; the span's media follows it.
      const head = await this.peekUpTo(entry.offset, 16);
      if (!head || head.byteLength < 8 || boxType(head, 4) !== 'sidx') continue;
      const nestedSize = new DataView(head.buffer, head.byteOffset).getUint32(0);
      if (nestedSize >= 8 && nestedSize <= entry.size) await this.readIndex(entry.offset, nestedSize, depth + 1);
    }
  }

  private parse(moof: Uint8Array, position: number, fragment: Fragment): FragmentSamples {
    const before = this.previousLoaded(fragment);
    let startDts = 0;
    if (before?.samples?.count && before.next === position) {
      const last = before.samples.count - 1;
      startDts = before.samples.dts[last] + before.samples.durations[last];
    } else if (fragment.hint) {
      startDts = Math.round((fragment.hint.time * this.timescale) / fragment.hint.timescale);
    }
    try {
      checkBoxes(moof);
      return readFragment(moof, position, this.trackId, this.options.trex, startDts);
    } catch (error) {
      if (!(error instanceof SampleTableError)) throw error;
      // A damaged moof costs its own fragment: the others still show.
      const none = new Float64Array(0);
      return { count: 0, offsets: none, sizes: new Uint32Array(0), dts: none, cts: none, durations: none, sync: new Uint8Array(0), timed: false };
    }
  }

  private previousLoaded(fragment: Fragment): Fragment | undefined {
    const at = this.fragments.indexOf(fragment);
    return at > 0 ? this.fragments[at - 1] : undefined;
  }

  private loaded(fragment: Fragment, samples: FragmentSamples, moof: number, next: number): void {
    if (samples.count > 0 && moof !== this.options.moovOffset) this.timed = this.timed !== false && samples.timed;
    fragment.samples = samples;
    fragment.moof = moof;
    fragment.next = next;
    if (samples.count > 0) {
      const { pts, presented } = buildTimeline({
        cts: samples.cts,
        timescale: this.timescale,
        movieTimescale: this.options.movie.timescale,
        edits: this.edits,
        fragmented: true,
      });
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < samples.count; i++) {
        if (!presented[i]) continue;
        min = Math.min(min, pts[i]);
        max = Math.max(max, pts[i]);
      }
      fragment.minPts = min;
      fragment.maxPts = max;
      this.calibrate(fragment);
    }
    // Unread entries inside what this fragment turned out to span are this fragment.
    for (const other of [...this.fragments]) {
      if (other !== fragment && !other.samples && other.offset > fragment.offset && other.offset < next) this.remove(other);
    }
    // Something follows that no index listed: read it when it is needed.
    const size = this.options.source.size;
    const at = this.fragments.indexOf(fragment);
    const following = this.fragments[at + 1];
    if (Number.isFinite(next) && (size === null || next < size) && (!following || following.offset > next)) this.add(next, null);
    if (Number.isFinite(next) === false || (size !== null && next >= size)) {
      if (at === this.fragments.length - 1) this.ended = true;
    }
  }

  /** The first fragment read that an index lists puts the index's times on the timeline. */
  private calibrate(fragment: Fragment): void {
    if (this.calibration === null && fragment.hint && fragment.samples?.count && Number.isFinite(fragment.minPts)) {
      this.calibration = fragment.minPts - fragment.hint.time / fragment.hint.timescale;
    }
  }

  /** The file ends before a moof at this fragment: nothing from here on. */
  private end(fragment: Fragment): void {
    const at = this.fragments.indexOf(fragment);
    // Index entries past the end of the file are as false as this one.
    for (const other of this.fragments.slice(at)) if (!other.samples) this.remove(other);
    this.ended = true;
  }

  /**
   * No moof where one was expected. An index that points at nothing is dropped and the
   * fragments are found by walking from the last one read in order; a walk that meets damage
   * ends there, and what was read shows.
   */
  private lost(fragment: Fragment, why: string): void {
    void why;
    const fromIndex = this.indexed;
    for (const other of [...this.fragments]) if (!other.samples && (other === fragment || (fromIndex && other.hint))) this.remove(other);
    this.indexed = false;
    if (!fromIndex) {
      this.ended = true;
      return;
    }
    // Walk on from the end of the run of fragments read in order from the start.
    let end = this.fragments[0];
    for (let i = 1; i < this.fragments.length && this.fragments[i].samples && this.fragments[i].offset <= end.next; i++) end = this.fragments[i];
    const size = this.options.source.size;
    if (end?.samples && (size === null || end.next < size) && !this.fragments.some((f) => f.offset === end.next)) this.add(end.next, null);
  }

  /** Combines the fragments read so far into a track and hands it on. */
  private async publish(): Promise<void> {
    const parts = this.fragments.filter((f) => f.samples && f.samples.count > 0);
    const count = parts.reduce((sum, f) => sum + f.samples!.count, 0);
    const table: SampleTable = {
      count,
      offsets: new Float64Array(count),
      sizes: new Uint32Array(count),
      dts: new Float64Array(count),
      cts: new Float64Array(count),
      durations: new Float64Array(count),
      sync: new Uint8Array(count),
    };
    let at = 0;
    let previous: Fragment | null = null;
    for (const fragment of parts) {
      const samples = fragment.samples!;
      table.offsets.set(samples.offsets, at);
      table.sizes.set(samples.sizes, at);
      table.dts.set(samples.dts, at);
      table.cts.set(samples.cts, at);
      table.durations.set(samples.durations, at);
      table.sync.set(samples.sync, at);
      // Next to each other in the file: the sample before a fragment lasts until it starts
      // (a last sample's placeholder duration, as Chromium's MediaRecorder writes it).
      const adjacent = previous && this.fragments.indexOf(fragment) === this.fragments.indexOf(previous) + 1;
      if (adjacent && at > 0 && table.dts[at] > table.dts[at - 1]) table.durations[at - 1] = table.dts[at] - table.dts[at - 1];
      at += samples.count;
      previous = fragment;
    }
    const { movie, video } = this.options;
    let track: VideoTrack;
    try {
      track = await buildVideoTrack(movie, video, table);
    } catch (error) {
      if (error instanceof RerunVideoError) throw error;
      throw new RerunVideoError('format', `${this.options.label} could not be parsed: its boxes are damaged (${(error as Error).message}).`);
    }
    if (this.closed) return;
    for (const fragment of this.fragments) fragment.published = fragment.samples !== null;
    this.track = this.decorate(track);
    this.onChange?.(this.track);
  }

  private peek(offset: number, length: number): Promise<Uint8Array> {
    const { source } = this.options;
    return source.peek ? source.peek(offset, length) : source.read(offset, length);
  }

  /** Up to `length` bytes at `offset` (fewer at the end of the file); null past it. */
  private async peekUpTo(offset: number, length: number): Promise<Uint8Array | null> {
    for (let tries = 0; tries < 2; tries++) {
      const size = this.options.source.size;
      const wanted = size === null ? length : Math.min(length, size - offset);
      if (wanted <= 0) return null;
      try {
        return await this.peek(offset, wanted);
      } catch (error) {
        // A stream without Content-Length: its size is known once it has ended.
        if (!(error instanceof MissingBytesError) || size !== null || this.options.source.size === null) throw error;
      }
    }
    return null;
  }

  /** Exactly `length` bytes at `offset`, or null when the file ends before. */
  private async readOrEnd(offset: number, length: number): Promise<Uint8Array | null> {
    const bytes = await this.peekUpTo(offset, length);
    return bytes && bytes.byteLength === length ? bytes : null;
  }
}
