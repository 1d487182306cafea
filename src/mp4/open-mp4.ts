import { MissingBytesError, RerunVideoError, isAbortError } from '../errors.js';
import { repairAnnexB } from './annexb.js';
import { StreamedBytes, type ByteSource } from './byte-source.js';
import type { GrowingTrack } from './fragmented-track.js';
import { HEAD, LongTrack, readHead, readMoovHead } from './head-track.js';
import { firstVideoTrack, parseMovie, type Movie, type TrackHeader } from './movie.js';
import { blobSource, describeUrl, openUrl, type SourceOptions } from './open-source.js';
import { Slices } from '../slices.js';
import { SampleTableError, checkBoxes, readSampleTable, type SampleTable } from './sample-table.js';
import { buildVideoTrack, type VideoTrack } from './video-track.js';

export { HEAD } from './head-track.js';

/** Top-level box types a real MP4/QuickTime file can start with. */
const FIRST_BOXES = new Set(['ftyp', 'styp', 'moov', 'mdat', 'free', 'skip', 'wide', 'sidx', 'moof', 'pdin', 'uuid', 'meta', 'junk', 'pnot']);

/** A box that describes the file (not `mdat`) larger than this is taken for damage. */
const MAX_BOX_BYTES = 256 * 1024 * 1024;

export interface OpenedVideo {
  /** The track as known now (a fragmented file's and a long one's grow: see `fragments`). */
  track: VideoTrack;
  bytes: ByteSource;
  /**
   * A fragmented MP4's fragments, read as requests need them, or a long plain MP4's whole
   * table, read after its head (LongTrack): the track holds what is read so far, and
   * `fragments.onChange` hears of each larger one.
   */
  fragments?: GrowingTrack;
}

/** A track published in steps: a fragmented file's (FragmentedTrack) or a long one's (LongTrack). */
type Growing = GrowingTrack & { track: VideoTrack; decorate: (track: VideoTrack) => VideoTrack };

/** Checks that a buffer starts like an ISO-BMFF file, so junk fails before it all downloads. */
export function looksLikeMp4(head: Uint8Array): boolean {
  if (head.byteLength < 8) return false;
  const type = String.fromCharCode(head[4], head[5], head[6], head[7]);
  return FIRST_BOXES.has(type);
}

const loadWebmReader = () => import('../webm/webm.js');

/**
 * Whether a URL's path or a Blob's type or name says WebM/Matroska. Only a hint, to load the
 * reader early (`rerun-video.webm.min.js`: it came a round trip after the first bytes, measured
 * 40 ms on this machine); the bytes decide what the file is.
 */
function namedWebm(input: string | Blob): boolean {
  if (typeof input !== 'string') return /^video\/(webm|x-matroska)\b/.test(input.type) || /\.(webm|mkv)$/i.test((input as File).name ?? '');
  try {
    return /\.(webm|mkv)$/i.test(new URL(input, globalThis.location?.href).pathname);
  } catch {
    return false;
  }
}

/**
 * Opens a URL or a `Blob` and resolves with its first video track's sample table, read with
 * as few bytes as the file allows: with range requests (or a Blob) only the boxes that
 * describe it — a `moov` at the end is found by skipping over `mdat` — and with a streamed
 * download as soon as the `moov` has arrived. Samples are read from `bytes` (converted as
 * read when a muxer wrote Annex-B start codes instead of NAL lengths).
 */
export async function openMp4(input: string | Blob, options: SourceOptions): Promise<OpenedVideo> {
  const label = typeof input === 'string' ? describeUrl(input) : 'the file';
  // A file named or typed WebM has its reader loaded while its first bytes are on their way.
  const webmReader = namedWebm(input) ? loadWebmReader() : null;
  webmReader?.catch(() => {}); // reported below, if the bytes say WebM
  const source = typeof input === 'string' ? await openUrl(input, options) : blobSource(input, options.cacheBytes);
  try {
    // The container is told from the bytes, never from the name: a WebM named .mp4 plays.
    const head = await readUpTo(source, 0, 4);
    let parsed: { track: VideoTrack } | { growing: Growing };
    if (head && head.byteLength === 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
      // The EBML magic: WebM/Matroska. Its parser is loaded only for WebM (or a file named so),
      // so MP4-only pages pay nothing.
      const { openWebm } = await (webmReader ?? loadWebmReader()).catch((error: unknown) => {
        throw new RerunVideoError('network', `Could not load the WebM reader: ${(error as Error).message}`);
      });
      parsed = await openWebm(source, label);
    } else {
      parsed = await parseMp4(source, label);
    }
    const growing = 'growing' in parsed ? parsed.growing : undefined;
    const track = 'track' in parsed ? parsed.track : parsed.growing.track;
    const repaired = await repairAnnexB(track, source);
    if (!growing) return repaired;
    const steps = growing;
    const { description } = repaired.track;
    if (description !== track.description) steps.decorate = (next) => ({ ...next, description });
    let forward: ((track: VideoTrack) => void) | null = null;
    const opened: OpenedVideo = {
      ...repaired,
      fragments: {
        covers: (time) => steps.covers(time),
        ensure: (time) => steps.ensure(time),
        startIndexing: () => steps.startIndexing(),
        close: () => steps.close(),
        get complete() {
          return steps.complete;
        },
        get onChange() {
          return forward;
        },
        set onChange(callback) {
          forward = callback;
        },
        get onFailure() {
          return steps.onFailure ?? null;
        },
        set onFailure(callback) {
          steps.onFailure = callback;
        },
      },
    };
    // Later decisions on the same file (a new hardware-acceleration) start from the newest track.
    steps.onChange = (next) => {
      opened.track = next;
      forward?.(next);
    };
    return opened;
  } catch (error) {
    source.close();
    throw error;
  }
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
async function parseMp4(source: ByteSource, label: string): Promise<{ track: VideoTrack } | { growing: Growing }> {
  const fail = (why: string) => new RerunVideoError('format', `${label} could not be parsed: ${why}`);
  const damaged = (what: string, error: unknown) => {
    if (error instanceof SampleTableError) return fail(`its ${what} is damaged (${error.message}).`);
    return error;
  };
  const noMoov = () => new RerunVideoError('format', `${label} is not a playable MP4 file: no movie header (moov) was found.`);
  /** The moov's first video track: the whole track of a plain file, the parts of a fragmented one's. */
  const readMoov = async (
    data: Uint8Array,
    slices: Slices,
  ): Promise<{ track: VideoTrack } | { movie: Movie; video: TrackHeader; table: SampleTable | null }> => {
    try {
      checkBoxes(data);
      const movie = parseMovie(data);
      const video = firstVideoTrack(movie);
      if (!video) throw new RerunVideoError('format', 'The file has no video track.');
      const table = video.stbl ? await readSampleTable(data, video.stbl, slices) : null;
      if (movie.fragmented) return { movie, video, table };
      if (!table) throw new RerunVideoError('format', 'The video track has no samples.');
      return { track: await buildVideoTrack(movie, video, table, slices) };
    } catch (error) {
      throw damaged('moov', error);
    }
  };

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
    if (type === 'moov' && Number.isFinite(size)) {
      const readWholeMoov = () =>
        readUpTo(source, position, size).then((data) => {
          if (!data || data.byteLength < size) throw noMoov(); // the file ends inside it
          return data;
        });
      // A long recording's moov (an hour's is a megabyte, its tables one after the other) is
      // published from its head (the first samples of each table) first (LongTrack). Read by
      // range, the head comes from the moov's parts (the head's entries of each table), and the
      // whole moov is asked for once the head's frame is shown: a few kB and the first GOP,
      // not the megabyte, stand between the request and the first frame. (The bench's hour on
      // localhost, fresh pages: 71 ms to the first frame this way, 83 with the whole moov first.)
      const long = size > HEAD.partsAfter;
      // The media data right after such a moov (faststart) holds the first frames: it is asked
      // for beside the moov, a round trip less to the first frame at time 0.
      if (long && source.size !== null && position + size < source.size) source.prefetch?.(position + size, HEAD.firstMediaBytes);
      const inParts = long && HEAD.parts && !(source instanceof StreamedBytes);
      const whole = inParts ? null : await readWholeMoov();
      const described = whole ?? (await readMoovHead(source, position, size, HEAD.samples).catch(() => null));
      // A budget per run of work, begun once its bytes are in (a Slices counts from its start).
      const slices = new Slices();
      const head = described && (await readHead(described, source, slices));
      if (head) {
        let moov = whole ? Promise.resolve(whole) : null;
        const readWhole = async () => {
          const data = await (moov ??= readWholeMoov());
          const read = await readMoov(data, new Slices());
          if (!('track' in read)) throw fail('its moov changed while it was read.');
          return read.track;
        };
        return { growing: new LongTrack(head.track, head.until, readWhole) };
      }
      const data = whole ?? (await readWholeMoov());
      const moov = await readMoov(data, whole ? slices : new Slices());
      if ('track' in moov) return moov;
      const { movie, video, table } = moov;
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
        return { growing: fragmented };
      } catch (error) {
        if (error instanceof RerunVideoError || isAbortError(error)) throw error;
        throw fail(`its boxes are damaged (${(error as Error).message}).`);
      }
    }
    position += size;
    if (!Number.isFinite(position)) break;
  }
  throw noMoov();
}
