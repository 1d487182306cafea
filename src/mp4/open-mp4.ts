import { MissingBytesError, RerunVideoError, isAbortError } from '../errors.js';
import { repairAnnexB } from './annexb.js';
import { StreamedBytes, type ByteSource } from './byte-source.js';
import type { FragmentedTrack, GrowingTrack } from './fragmented-track.js';
import { firstVideoTrack, parseMovie, type Movie, type TrackHeader } from './movie.js';
import { blobSource, describeUrl, openUrl, type SourceOptions } from './open-source.js';
import { Slices } from '../slices.js';
import { SampleTableError, checkBoxes, readSampleTable, sampleCount, type Box, type SampleTable } from './sample-table.js';
import { buildVideoTrack, type VideoTrack } from './video-track.js';

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
 * Tests lower `after` to take this path with small files.
 */
export const HEAD = { after: 20_000, samples: 900, waitMs: 200 };

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
 * Builds the head of a long track, hands it on, and waits (a while at most) for what is done
 * with it. A head that does not build is left out: the whole table's read reports the damage.
 */
async function readHead(
  movie: Movie,
  video: TrackHeader,
  data: Uint8Array,
  stbl: Box,
  source: ByteSource,
  slices: Slices,
  onHead: NonNullable<OpenOptions['onHead']>,
): Promise<void> {
  let track: VideoTrack;
  try {
    const table = await readSampleTable(data, stbl, slices, HEAD.samples);
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
  const shown = repairAnnexB(track, source).then((repaired) => onHead({ ...repaired, until }));
  await Promise.race([shown, waited]).catch(() => {});
  clearTimeout(timer);
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
      const data = await readUpTo(source, position, size);
      if (!data || data.byteLength < size) break; // the file ends inside it
      let table: SampleTable | null;
      try {
        checkBoxes(data);
        movie = parseMovie(data);
        video = firstVideoTrack(movie);
        if (!video) throw new RerunVideoError('format', 'The file has no video track.');
        const slices = new Slices(); // one budget for all: they run back to back
        if (onHead && !movie.fragmented && video.stbl && sampleCount(data, video.stbl) > HEAD.after) {
          await readHead(movie, video, data, video.stbl, source, slices, onHead);
        }
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
