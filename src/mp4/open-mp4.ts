import { MissingBytesError, RerunVideoError, isAbortError } from '../errors.js';
import { repairAnnexB } from './annexb.js';
import { CachedSource, StreamedBytes, type ByteSource } from './byte-source.js';
import type { FragmentedTrack, GrowingTrack } from './fragmented-track.js';
import { firstVideoTrack, parseMovie, type Movie, type TrackHeader } from './movie.js';
import { blobSource, describeUrl, openUrl, type SourceOptions } from './open-source.js';
import { Slices } from '../slices.js';
import { SampleTableError, checkBoxes, readSampleTable, sampleCount, type SampleTable } from './sample-table.js';
import { buildVideoTrack, gopSpan, type VideoTrack } from './video-track.js';

/** Top-level box types a real MP4/QuickTime file can start with. */
const FIRST_BOXES = new Set(['ftyp', 'styp', 'moov', 'mdat', 'free', 'skip', 'wide', 'sidx', 'moof', 'pdin', 'uuid', 'meta', 'junk', 'pnot']);

/** A box that describes the file (not `mdat`) larger than this is taken for damage. */
const MAX_BOX_BYTES = 256 * 1024 * 1024;

export interface OpenOptions extends SourceOptions {
  /**
   * Hears of a long plain MP4's head before its whole sample table is read (an hour's takes
   * ~100 ms of main-thread work): enough to show a frame near the start first. The table is
   * read once the promise it returns settles (`HEAD.waitMs` at most): a video decoder needs the
   * main thread between two chunks (Chromium hands each on from there), so beside the table's
   * slices it would advance one chunk per slice. Not called for short files, fragmented ones or WebM.
   */
  onHead?(head: HeadTrack): Promise<void> | void;
}

/** The first samples of a long recording, as a track of their own. */
export interface HeadTrack {
  track: VideoTrack;
  bytes: ByteSource;
  /**
   * Times before this (seconds) show the same frame in the head as in the whole track: the
   * presentation time of the head's last key frame (frames after it may be missing from the head).
   */
  until: number;
}

/**
 * When a file is long enough to show its head first (samples in its table), how many samples
 * the head holds, and how long the rest of the table waits for the head's frame at most (ms).
 * A `moov` larger than `partsAfter` bytes has its head read from its parts (readMoovHead) where
 * its first bytes take over `fastMs` to come (partsFirst). Tests lower `after` and `partsAfter`,
 * and set `parts`, to take these paths with small files.
 */
export const HEAD = {
  after: 20_000,
  samples: 900,
  waitMs: 200,
  partsAfter: CachedSource.PROBE_BYTES,
  /** `auto`: in parts where the link is slow (partsFirst); tests say `always` or `never`. */
  parts: 'auto' as 'auto' | 'always' | 'never',
  fastMs: 30,
};

/**
 * Whether a long moov's head is read from its parts (readMoovHead) while the whole moov comes:
 * where the moov's first `PROBE_BYTES` take longer than `HEAD.fastMs` to come (a link of about
 * 8 MB/s or slower, over which an hour's 1 MB moov takes 120 ms or more). Over a faster one the
 * whole moov is in about as soon as the parts, whose round trips and work cost more (on
 * localhost ~15 ms to the first picture and ~30 to the `frame` event, measured).
 */
async function partsFirst(source: ByteSource, position: number, size: number): Promise<boolean> {
  if (HEAD.parts !== 'auto') return HEAD.parts === 'always';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slow = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, HEAD.fastMs, true)));
  const first = readUpTo(source, position, Math.min(size, CachedSource.PROBE_BYTES)).then(() => false, () => false);
  const parts = await Promise.race([first, slow]);
  clearTimeout(timer);
  return parts;
}

export interface OpenedVideo {
  /** The track as known now (a fragmented file's grows: see `fragments`). */
  track: VideoTrack;
  bytes: ByteSource;
  /**
   * A fragmented MP4's fragments, read as requests need them: the track holds the fragments
   * read so far, and `fragments.onChange` hears of each larger one.
   */
  fragments?: GrowingTrack;
}

/** Checks that a buffer starts like an ISO-BMFF file, so junk fails before it all downloads. */
export function looksLikeMp4(head: Uint8Array): boolean {
  if (head.byteLength < 8) return false;
  const type = String.fromCharCode(head[4], head[5], head[6], head[7]);
  return FIRST_BOXES.has(type);
}

/**
 * Opens a URL or a `Blob` and resolves with its first video track's sample table, read with
 * as few bytes as the file allows: with range requests (or a Blob) only the boxes that
 * describe it — a `moov` at the end is found by skipping over `mdat` — and with a streamed
 * download as soon as the `moov` has arrived. Samples are read from `bytes` (converted as
 * read when a muxer wrote Annex-B start codes instead of NAL lengths).
 */
export async function openMp4(input: string | Blob, options: OpenOptions): Promise<OpenedVideo> {
  const label = typeof input === 'string' ? describeUrl(input) : 'the file';
  const source = typeof input === 'string' ? await openUrl(input, options) : blobSource(input, options.cacheBytes);
  try {
    // The container is told from the bytes, never from the name: a WebM named .mp4 plays.
    const head = await readUpTo(source, 0, 4);
    let track: VideoTrack;
    let fragments: FragmentedTrack | undefined;
    if (head && head.byteLength === 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
      // The EBML magic: WebM/Matroska. Its parser is loaded only now, so MP4-only pages pay nothing.
      const { parseWebm } = await import('../webm/webm.js').catch((error: unknown) => {
        throw new RerunVideoError('network', `Could not load the WebM reader: ${(error as Error).message}`);
      });
      track = await parseWebm(source, label);
    } else {
      const parsed = await parseMp4(source, label, options.onHead);
      if ('fragmented' in parsed) {
        fragments = parsed.fragmented;
        track = fragments.track;
      } else {
        track = parsed;
      }
    }
    const repaired = await repairAnnexB(track, source);
    if (!fragments) return repaired;
    const growing = fragments;
    const { description } = repaired.track;
    if (description !== track.description) growing.decorate = (next) => ({ ...next, description });
    let forward: ((track: VideoTrack) => void) | null = null;
    const opened: OpenedVideo = {
      ...repaired,
      fragments: {
        covers: (time) => growing.covers(time),
        ensure: (time) => growing.ensure(time),
        startIndexing: () => growing.startIndexing(),
        close: () => growing.close(),
        get complete() {
          return growing.complete;
        },
        get onChange() {
          return forward;
        },
        set onChange(callback) {
          forward = callback;
        },
      },
    };
    // Later decisions on the same file (a new hardware-acceleration) start from the newest track.
    growing.onChange = (next) => {
      opened.track = next;
      forward?.(next);
    };
    return opened;
  } catch (error) {
    source.close();
    throw error;
  }
}

/**
 * Builds the head of a long plain MP4's track from its `moov` (whole, or with only the head's
 * parts: readMoovHead) and the bytes it reads its samples from, hands it on, and waits (a while
 * at most) for what is done with it. A head that does not build is left out: the whole table's
 * read reports the damage.
 */
async function readHead(
  moov: Uint8Array | null,
  bytes: ByteSource,
  slices: Slices,
  onHead: NonNullable<OpenOptions['onHead']>,
): Promise<void> {
  let track: VideoTrack;
  try {
    if (!moov) return;
    checkBoxes(moov);
    const movie = parseMovie(moov);
    const video = firstVideoTrack(movie);
    if (movie.fragmented || !video?.stbl || sampleCount(moov, video.stbl) <= HEAD.after) return;
    const table = await readSampleTable(moov, video.stbl, slices, HEAD.samples);
    if (!table) return;
    track = await buildVideoTrack(movie, video, table, slices, { head: true });
  } catch {
    return;
  }
  const { keys, frames } = track.samples;
  let last = -1;
  for (let i = 0; i < track.samples.count; i++) if (keys[i] && frames[i] >= 0) last = frames[i];
  if (last < 0) return;
  const until = track.frameTimestamps[last];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, HEAD.waitMs)));
  // Its first GOP is asked for at once: the Annex-B check reads its first sample, and a frame
  // near the start is what a head is for.
  const { start, end } = gopSpan(track.samples, track.samples.keys, 0);
  if (end > start) bytes.prefetch?.(start, end - start);
  const shown = repairAnnexB(track, bytes).then((repaired) => onHead({ ...repaired, until }));
  await Promise.race([shown, waited]).catch(() => {});
  clearTimeout(timer);
}

/**
 * The head's view of the file: a GOP the cache does not hold yet is fetched by itself when
 * the decoder announces it (`prefetch`), so the head's frame is not held up behind the whole
 * moov's read, which streams the blocks the first samples share with the moov's end last.
 */
class HeadBytes implements ByteSource {
  private readonly held: Array<{ offset: number; end: number; bytes: Promise<Uint8Array> }> = [];

  constructor(private readonly source: ByteSource) {}

  get size(): number | null {
    return this.source.size;
  }

  has(offset: number, length: number): boolean {
    return this.source.has(offset, length);
  }

  prefetch(offset: number, length: number): void {
    const { source } = this;
    if (!source.peek || source.has(offset, length) || this.held.some((h) => h.offset <= offset && offset + length <= h.end)) return;
    const bytes = source.peek(offset, length);
    bytes.catch(() => {}); // its reads hear of a failure
    this.held.push({ offset, end: offset + length, bytes });
    if (this.held.length > 2) this.held.shift();
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const held = this.held.find((h) => h.offset <= offset && offset + length <= h.end);
    if (this.source.has(offset, length) || !this.source.peek) return this.source.read(offset, length);
    if (!held) return this.source.peek(offset, length); // the first sample, read to tell its format
    const bytes = await held.bytes;
    return bytes.slice(offset - held.offset, offset - held.offset + length);
  }

  /** The file is the whole track's too: only what the head holds is let go. */
  close(): void {
    this.held.length = 0;
  }
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
async function readMoovHead(source: ByteSource, start: number, size: number, entries: number): Promise<Uint8Array | null> {
  const data = new Uint8Array(size);
  const view = new DataView(data.buffer);
  // What the whole moov's read has not brought in yet is asked for by itself, not waited for
  // in the order that read streams it: a few kB past the box, as the next is usually wanted too.
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
  const walk = async (from: number, to: number): Promise<boolean> => {
    for (let at = from; at + 8 <= to; ) {
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
      } else if (type in TABLES) {
        const [header, entry] = TABLES[type];
        if (inVideo) await fill(at, Math.min(end, payload + header + (entries + 1) * entry));
      } else if (boxSize <= SMALL_BOX || type === 'stsd') {
        await fill(at, end);
        if (type === 'hdlr' && fourcc(payload + 8) === 'vide' && !videoSeen) inVideo = videoSeen = true;
      }
      at = end;
    }
    return true;
  };
  return (await walk(0, size)) ? data : null;
}

/** Reads up to `length` bytes at `offset`: fewer where a file of unknown length ends. */
async function readUpTo(source: ByteSource, offset: number, length: number): Promise<Uint8Array | null> {
  const size = source.size;
  const wanted = size === null ? length : Math.min(length, size - offset);
  if (wanted <= 0) return null;
  try {
    return await source.read(offset, wanted);
  } catch (error) {
    // A stream without Content-Length: its size is known once it has ended.
    if (!(error instanceof MissingBytesError) || size !== null || source.size === null) throw error;
    return readUpTo(source, offset, length);
  }
}

/**
 * Walks the top-level boxes and reads the ones that describe the file — `moov`, and each
 * fragment's `moof` — never the media data: a plain file is done once its `moov` is read
 * (for a `moov` at the end, the `mdat` before it is skipped unread), a fragmented one after
 * its last fragment.
 */
async function parseMp4(source: ByteSource, label: string, onHead?: OpenOptions['onHead']): Promise<VideoTrack | { fragmented: FragmentedTrack }> {
  const fail = (why: string) => new RerunVideoError('format', `${label} could not be parsed: ${why}`);
  const damaged = (what: string, error: unknown) => {
    if (error instanceof SampleTableError) return fail(`its ${what} is damaged (${error.message}).`);
    return error;
  };
  let movie: Movie | null = null;
  let video: TrackHeader | undefined;

  for (let position = 0; ; ) {
    const header = await readUpTo(source, position, 16);
    if (!header || header.byteLength < 8) break;
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    const type = String.fromCharCode(header[4], header[5], header[6], header[7]);
    if (position === 0 && !looksLikeMp4(header)) {
      throw new RerunVideoError('format', `${label} is not an MP4 or WebM file (it does not start with an MP4 box or an EBML header).`);
    }
    let size = view.getUint32(0);
    let headerSize = 8;
    if (size === 1 && header.byteLength >= 16) {
      size = Number(view.getBigUint64(8));
      headerSize = 16;
    } else if (size === 0) {
      size = (source.size ?? Infinity) - position; // to the end of the file
    }
    if (size < headerSize) throw fail(`the box at byte ${position} (${JSON.stringify(type)}) has size ${size}.`);
    if (type !== 'mdat' && size > MAX_BOX_BYTES) throw fail(`the ${JSON.stringify(type)} box at byte ${position} claims ${size} bytes.`);
    if (type === 'moov' && !movie && Number.isFinite(size)) {
      const slices = new Slices(); // one budget for all: they run back to back
      // A long recording's moov (an hour's is a megabyte, its tables one after the other) is
      // asked for whole at once; over a slow link its head is read from its parts meanwhile
      // (the head's entries of each table), and shown before the rest is in.
      const whole = readUpTo(source, position, size);
      whole.catch(() => {}); // heard below, once the head is done with
      const inParts = onHead && size > HEAD.partsAfter && !(source instanceof StreamedBytes) && (await partsFirst(source, position, size));
      if (inParts) {
        const parts = await readMoovHead(source, position, size, HEAD.samples).catch(() => null); // the whole read reports it
        // Its GOPs are read by themselves too, not behind the moov's stream (HeadBytes).
        await readHead(parts, new HeadBytes(source), slices, onHead);
      }
      const data = await whole;
      if (!data || data.byteLength < size) break; // the file ends inside it
      let table: SampleTable | null;
      try {
        checkBoxes(data);
        movie = parseMovie(data);
        video = firstVideoTrack(movie);
        if (!video) throw new RerunVideoError('format', 'The file has no video track.');
        if (onHead && !inParts) await readHead(data, source, slices, onHead); // from the cache, as the whole track's
        table = video.stbl ? await readSampleTable(data, video.stbl, slices) : null;
        if (!movie.fragmented) {
          if (!table) throw new RerunVideoError('format', 'The video track has no samples.');
          return await buildVideoTrack(movie, video, table, slices);
        }
      } catch (error) {
        throw damaged('moov', error);
      }
      // Fragmented: the moov and the first fragment are enough to start; the rest is read as
      // needed. Its reader is loaded only now, as the WebM one: pages of plain MP4 files pay
      // nothing for it.
      const { FragmentedTrack, readTrex } = await import('./fragmented-track.js').catch((error: unknown) => {
        throw new RerunVideoError('network', `Could not load the fragmented-MP4 reader: ${(error as Error).message}`);
      });
      try {
        const fragmented = await FragmentedTrack.open({
          source,
          ranged: !(source instanceof StreamedBytes),
          movie,
          video,
          moovOffset: position,
          moovEnd: position + size,
          trex: readTrex(data).get(video.id),
          // A fragmented movie may list its first samples in the moov too.
          moovSamples: table,
          label,
        });
        return { fragmented };
      } catch (error) {
        if (error instanceof RerunVideoError || isAbortError(error)) throw error;
        throw fail(`its boxes are damaged (${(error as Error).message}).`);
      }
    }
    position += size;
    if (!Number.isFinite(position)) break;
  }
  throw new RerunVideoError('format', `${label} is not a playable MP4 file: no movie header (moov) was found.`);
}
