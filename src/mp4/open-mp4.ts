import { createFile, Log, MP4BoxBuffer, type ISOFile, type Movie } from 'mp4box';
import { MissingBytesError, RerunVideoError } from '../errors.js';
import { repairAnnexB } from './annexb.js';
import type { ByteSource } from './byte-source.js';
import { blobSource, describeUrl, openUrl, type SourceOptions } from './open-source.js';
import {
  SampleTableError,
  checkBoxes,
  isFragmentedMoov,
  readSampleTable,
  sampleTableBoxes,
  stripSampleTables,
  type SampleTable,
} from './sample-table.js';
import { buildVideoTrack, type VideoTrack } from './video-track.js';

// mp4box logs parse problems to the console itself; failures reach us through onError and
// the returned state, so keep the page's console clean.
Log.setLogLevel(() => {});

/** Top-level box types a real MP4/QuickTime file can start with. */
const FIRST_BOXES = new Set(['ftyp', 'styp', 'moov', 'mdat', 'free', 'skip', 'wide', 'sidx', 'moof', 'pdin', 'uuid', 'meta', 'junk', 'pnot']);

/** A box that describes the file (not `mdat`) larger than this is taken for damage. */
const MAX_BOX_BYTES = 256 * 1024 * 1024;

export type OpenOptions = SourceOptions;

export interface OpenedVideo {
  track: VideoTrack;
  bytes: ByteSource;
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
    if (head && head.byteLength === 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
      // The EBML magic: WebM/Matroska. Its parser is loaded only now, so MP4-only pages pay nothing.
      const { parseWebm } = await import('../webm/webm.js').catch((error: unknown) => {
        throw new RerunVideoError('network', `Could not load the WebM reader: ${(error as Error).message}`);
      });
      track = await parseWebm(source, label);
    } else {
      track = await parseMp4(source, label);
    }
    return await repairAnnexB(track, source);
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
 * Walks the top-level boxes and hands mp4box each one whole, except `mdat`, of which it gets
 * only the header: the sample table needs the boxes that describe the file (`moov`, and each
 * fragment's `moof`), never the media data. A plain file is done once its `moov` is parsed
 * (for a `moov` at the end, the `mdat` before it is skipped unread); a fragmented one after
 * its last fragment.
 */
async function parseMp4(source: ByteSource, label: string): Promise<VideoTrack> {
  const file = createFile() as ISOFile;
  let parseError: string | null = null;
  file.onError = (module, message) => (parseError ??= `${module}: ${message}`);
  let ready: Movie | null = null;
  file.onReady = (info) => (ready = info);
  const fail = (why: string) => new RerunVideoError('format', `${label} could not be parsed: ${why}`);
  /** The moov as read, whose sample tables mp4box is not given. */
  let moov: Uint8Array | null = null;

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
    const data = type === 'mdat' || !Number.isFinite(size) ? header.subarray(0, headerSize) : await readUpTo(source, position, size);
    if (!data) break;
    let parsed = data;
    if (type === 'moov' || type === 'moof') {
      try {
        checkBoxes(data);
      } catch (error) {
        if (error instanceof SampleTableError) throw fail(`its ${type} is damaged (${error.message}).`);
        throw error;
      }
    }
    if (type === 'moov' && !moov && !isFragmentedMoov(data)) {
      moov = data;
      parsed = stripSampleTables(data);
    }
    try {
      file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(parsed.slice().buffer, position));
    } catch (error) {
      throw fail(`its boxes are damaged (${(error as Error).message}).`);
    }
    if (parseError) throw fail(parseError);
    const info = ready as Movie | null;
    if (info && !info.isFragmented) return await build(file, info, fail, moov && (await videoTable(moov, info, fail)));
    if (data.byteLength < Math.min(size, type === 'mdat' ? headerSize : size)) break; // the file ends inside it
    position += size;
  }
  try {
    file.flush();
  } catch (error) {
    throw fail(`its boxes are damaged (${(error as Error).message}).`);
  }
  if (parseError) throw fail(parseError);
  if (!file.moov) throw new RerunVideoError('format', `${label} is not a playable MP4 file: no movie header (moov) was found.`);
  return await build(file, file.getInfo(), fail);
}

/** The sample table of the first video track of a (not fragmented) moov, by its track id. */
async function videoTable(moov: Uint8Array, info: Movie, fail: (why: string) => RerunVideoError): Promise<Map<number, SampleTable>> {
  const tables = new Map<number, SampleTable>();
  const id = info.videoTracks[0]?.id;
  const stbl = id === undefined ? undefined : sampleTableBoxes(moov).get(id);
  if (!stbl) return tables;
  try {
    const table = await readSampleTable(stbl.data, stbl.box);
    if (table) tables.set(id, table);
  } catch (error) {
    if (error instanceof SampleTableError) throw fail(`its sample tables are damaged (${error.message}).`);
    throw error;
  }
  return tables;
}

async function build(
  file: ISOFile,
  info: Movie,
  fail: (why: string) => RerunVideoError,
  tables?: ReadonlyMap<number, SampleTable> | null,
): Promise<VideoTrack> {
  try {
    return await buildVideoTrack(file, info, tables ?? undefined);
  } catch (error) {
    if (error instanceof RerunVideoError) throw error;
    throw fail(`its boxes are damaged (${(error as Error).message}).`);
  }
}
