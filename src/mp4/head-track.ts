import { CachedSource, type ByteSource } from './byte-source.js';
import type { GrowingTrack } from './fragmented-track.js';
import { firstVideoTrack, parseMovie } from './movie.js';
import type { Slices } from '../slices.js';
import { checkBoxes, readSampleTable, sampleCount } from './sample-table.js';
import { buildVideoTrack, gopSpan, type VideoTrack } from './video-track.js';

/**
 * When a plain MP4 is long enough to be shown from the head of its sample table first (samples
 * in its table), and how many samples the head holds. A `moov` larger than `partsAfter` bytes, read by range, has its head read
 * from its parts (readMoovHead), and `firstMediaBytes` right after it asked for with them.
 * Tests lower `after` and `partsAfter`, and clear `parts`, to take these paths with small files.
 */
export const HEAD = {
  after: 20_000,
  samples: 900,
  partsAfter: CachedSource.PROBE_BYTES,
  parts: true,
  firstMediaBytes: 128 * 1024,
};

/**
 * A long plain MP4's track, published as a fragmented file's is: first the head of its table
 * (enough to show and announce a frame near the start: an hour's whole table takes ~100 ms of
 * main-thread work after its megabyte of `moov` has come; a long WebM's whole table is a walk
 * through the whole file: openWebm), then the whole table, once the
 * first frame is on the canvas (`startIndexing`) or a request needs a time past the head
 * (`ensure`). Not sooner: a video decoder needs the main thread between two chunks (Chromium
 * hands each on from there), and beside the table's slices the head's decoder would advance
 * one chunk per slice.
 */
export class LongTrack implements GrowingTrack {
  onChange: ((track: VideoTrack) => void) | null = null;
  onFailure: ((error: unknown) => void) | null = null;
  /** Applied to the whole track when it is published (the Annex-B repair's description). */
  decorate: (track: VideoTrack) => VideoTrack = (track) => track;

  private reading: Promise<void> | null = null;
  private whole = false;
  private closed = false;

  /**
   * `until`: times before it (seconds) show the same frame in the head as in the whole track.
   * `readWhole` reads the whole table; its failure is the file's (a damaged `moov`).
   */
  constructor(
    public track: VideoTrack,
    private readonly until: number,
    private readonly readWhole: () => Promise<VideoTrack>,
  ) {}

  get complete(): boolean {
    return this.whole || this.closed;
  }

  covers(time: number): boolean {
    return this.complete || time < this.until;
  }

  ensure(time: number): Promise<void> {
    return this.covers(time) ? Promise.resolve() : this.read();
  }

  startIndexing(): void {
    this.read().catch(() => {}); // onFailure hears of it
  }

  close(): void {
    this.closed = true;
    this.onChange = null;
    this.onFailure = null;
  }

  private read(): Promise<void> {
    this.reading ??= this.readWhole().then(
      (track) => {
        if (this.closed) return;
        this.track = this.decorate(track);
        this.whole = true;
        this.onChange?.(this.track);
      },
      (error: unknown) => {
        if (!this.closed) this.onFailure?.(error);
        throw error;
      },
    );
    return this.reading;
  }
}

/** A long moov's head: its first video track's first `HEAD.samples` samples, as a track. */
export interface Head {
  track: VideoTrack;
  /** The presentation time of the head's last key frame (frames after it may be missing from the head). */
  until: number;
}

/**
 * The head of a long plain MP4's track, from its `moov` (whole, or with only the head's parts:
 * readMoovHead), and its first GOP asked for from `bytes`. Null for a short or fragmented file,
 * and for a head that does not build: the whole table's read then reports the damage.
 */
export async function readHead(moov: Uint8Array, bytes: ByteSource, slices: Slices): Promise<Head | null> {
  let track: VideoTrack;
  try {
    checkBoxes(moov);
    const movie = parseMovie(moov);
    const video = firstVideoTrack(movie);
    if (movie.fragmented || !video?.stbl || sampleCount(moov, video.stbl) <= HEAD.after) return null;
    const table = await readSampleTable(moov, video.stbl, slices, HEAD.samples);
    if (!table) return null;
    track = await buildVideoTrack(movie, video, table, slices, { head: true });
  } catch {
    return null;
  }
  const { keys, frames } = track.samples;
  let last = -1;
  for (let i = 0; i < track.samples.count; i++) if (keys[i] && frames[i] >= 0) last = frames[i];
  if (last < 0) return null;
  // Its first GOP is asked for at once: the Annex-B check reads its first sample, and a frame
  // near the start is what a head is for.
  const { start, end } = gopSpan(track.samples, track.samples.keys, 0);
  if (end > start) bytes.prefetch?.(start, end - start);
  return { track, until: track.frameTimestamps[last] };
}

/** Boxes readMoovHead walks into: the path from the moov to each track's sample tables. */
const WALKED = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts']);
/** The sample tables: bytes before the entries, bytes per entry (stz2 at most 16 bits). */
const TABLES: Record<string, [header: number, entry: number]> = {
  stts: [8, 8], ctts: [8, 8], stss: [8, 4], stsc: [8, 12], stco: [8, 4], co64: [8, 8], stsz: [12, 4], stz2: [12, 2],
};
/** Other boxes are read whole up to this size (a sample entry always), else only their header. */
const SMALL_BOX = 64 * 1024;
/** How much readMoovHead asks for at a time where it fetches by itself. */
const PEEK_BYTES = 16 * 1024;

/**
 * Reads the parts of the `moov` at `start` that its first video track's first `entries`
 * samples need, into a buffer the moov's size whose other bytes stay zero: every box header
 * on the way to that track's tables, the small boxes whole, and of each table its first
 * `entries` entries (and one more: stsc's next entry ends the current one). A zeroed region
 * reads as one empty box to the end of its parent. Null when its boxes do not nest: the whole
 * read reports it.
 */
export async function readMoovHead(source: ByteSource, start: number, size: number, entries: number): Promise<Uint8Array | null> {
  const data = new Uint8Array(size);
  const view = new DataView(data.buffer);
  // What the cache does not hold is asked for by itself: a few kB past the box, as the next
  // is usually wanted too (never the whole moov: that is read after the first frame).
  const asked: Array<{ from: number; to: number; done: Promise<void> }> = [];
  const peek = (from: number, to: number) => {
    const done = source.peek!(start + from, to - from).then((bytes) => data.set(bytes, from));
    done.catch(() => {}); // a read of it hears of a failure
    asked.push({ from, to, done });
    return done;
  };
  const fill = async (from: number, to: number) => {
    to = Math.min(to, size);
    if (to <= from) return;
    const covering = asked.find((a) => a.from <= from && to <= a.to);
    if (covering) return covering.done;
    if (source.has(start + from, to - from) || !source.peek) data.set(await source.read(start + from, to - from), from);
    else await peek(from, Math.min(size, Math.max(to, from + PEEK_BYTES)));
  };
  const fourcc = (at: number) => String.fromCharCode(data[at], data[at + 1], data[at + 2], data[at + 3]);
  let inVideo = false;
  let videoSeen = false;
  let movieHeaderSeen = false;
  // Once the video track's tables are in (and the movie header) the walk ends: what follows
  // (other tracks, udta) is a round trip each, and zeroes read as nothing to the head.
  let done = false;
  const walk = async (from: number, to: number): Promise<boolean> => {
    for (let at = from; at + 8 <= to && !done; ) {
      await fill(at, at + 16);
      let boxSize = view.getUint32(at);
      let payload = at + 8;
      if (boxSize === 1) {
        boxSize = Number(view.getBigUint64(at + 8));
        payload += 8;
      } else if (boxSize === 0) {
        boxSize = to - at;
      }
      const end = at + boxSize;
      if (boxSize < payload - at || end > to) return false;
      const type = fourcc(at + 4);
      if (type === 'trak') inVideo = false;
      if (type === 'stbl' && inVideo && source.peek && boxSize > 2 * PEEK_BYTES && !source.has(start + end - PEEK_BYTES, PEEK_BYTES)) {
        // Its last table (the chunk offsets, as muxers write them) is asked for at once, beside
        // the walk to the ones before it: a round trip less.
        void peek(end - PEEK_BYTES, end);
      }
      if (WALKED.has(type)) {
        // Only the first video track's tables are wanted: another track's minf is left unread.
        if ((type !== 'minf' || inVideo) && !(await walk(payload, end))) return false;
        if (type === 'stbl' && inVideo && movieHeaderSeen) done = true;
      } else if (type in TABLES) {
        const [header, entry] = TABLES[type];
        if (inVideo) await fill(at, Math.min(end, payload + header + (entries + 1) * entry));
      } else if (boxSize <= SMALL_BOX || type === 'stsd') {
        await fill(at, end);
        if (type === 'hdlr' && fourcc(payload + 8) === 'vide' && !videoSeen) inVideo = videoSeen = true;
        if (type === 'mvhd') movieHeaderSeen = true;
      }
      at = end;
    }
    return true;
  };
  return (await walk(0, size)) ? data : null;
}
