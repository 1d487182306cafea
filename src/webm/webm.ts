/**
 * WebM / Matroska → the VideoTrack the MP4 path produces, so seek planning, the frame cache,
 * stepping and the fallback work unchanged. Loaded only when a file starts with the EBML
 * magic (a dynamic import in openMp4): pages that play MP4 only never fetch this code.
 *
 * Cues list only key frames, so the clusters are indexed by walking them, Cues or not:
 * element headers are read through a window over the ByteSource (range requests where the
 * server has them) and block payloads are skipped by their sizes. A long file is published
 * from its head first (openWebm: the clusters of its first WEBM_HEAD.bytes), as a long MP4 is:
 * the walk through the rest, which reads about the whole file, comes after the first frame.
 * Files as MediaRecorder writes them work the same: no Cues, no Duration, a Segment and
 * Clusters of unknown size (such an element ends where an element of its parent's level starts).
 */
import { RerunVideoError } from '../errors.js';
import type { ByteSource } from '../mp4/byte-source.js';
import { LongTrack } from '../mp4/head-track.js';
import { Slices } from '../slices.js';
import type { VideoTrack } from '../mp4/video-track.js';
import { av1Codec, av1CodecFromBitstream, avcCodec, avcCodecFromAnnexB, hevcCodec, vp9Codec } from './codec-string.js';
import {
  EbmlError,
  ID,
  SEGMENT_CHILDREN,
  WindowedReader,
  child,
  children,
  readFloat,
  readString,
  readUint,
  readVint,
  type Child,
  type ElementHeader,
} from './ebml.js';
import { BlockList, buildWebmTrack, type PictureInfo } from './track.js';

/** Info, Tracks and SeekHead are read whole; larger than this is taken for damage. */
const MAX_META_BYTES = 16 * 1024 * 1024;
/** The EBML header is a few dozen bytes. */
const MAX_EBML_HEADER_BYTES = 4096;
/** Elements walked at most, whatever the file says (each one advances by at least 2 bytes anyway). */
const MAX_ELEMENTS = 50_000_000;
/** Frames indexed at most (about four days at 30 fps): memory stays bounded. */
const MAX_FRAMES = 10_000_000;
/** After damage inside a cluster, the next cluster is looked for this far ahead at most. */
const MAX_RESYNC_BYTES = 16 * 1024 * 1024;
/** Children of one BlockGroup looked at, at most. */
const MAX_GROUP_CHILDREN = 64;
/** Frames indexed between two looks at the clock (`Slices.pause`). */
const SLICE = 2_000;

/**
 * A WebM file is published from its head once the walk has passed `bytes` of it with two key
 * frames seen, when at least as much again is left (a file of unknown size: always): the head's
 * clusters make the track `loadedmetadata` announces, and the walk goes on after the first
 * frame (LongTrack). Tests lower `bytes` to take this path with small files.
 */
export const WEBM_HEAD = { bytes: 1024 * 1024 };

/** The EBML magic: the ID of the EBML header, the first bytes of every WebM/Matroska file. */
export function isEbml(head: Uint8Array): boolean {
  return head.byteLength >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3;
}

interface VideoEntry {
  number: number;
  codecId: string;
  codecPrivate?: Uint8Array;
  defaultDurationNs: number;
  picture: PictureInfo;
}

/** The first video track of a Tracks element (an enabled one if there is one); null if none. */
function videoEntry(tracks: Uint8Array, offset: number, label: string): VideoEntry | null {
  const entries = children(tracks, offset).filter((c) => c.header.id === ID.TrackEntry);
  const videos = entries.map((entry) => children(entry.data, entry.header.dataStart)).filter((kids) => uint(kids, ID.TrackType) === 1);
  const kids = videos.find((k) => uint(k, ID.FlagEnabled, 1) !== 0) ?? videos[0];
  if (!kids) return null;
  const number = uint(kids, ID.TrackNumber, 0);
  if (!(number > 0)) throw new RerunVideoError('format', `${label}: its video track has no track number.`);
  if (child(kids, ID.ContentEncodings)) {
    throw new RerunVideoError('format', `${label}: its video frames are compressed or encrypted (ContentEncodings); that is not supported.`);
  }
  const video = child(kids, ID.Video);
  const v = video ? children(video.data, video.header.dataStart) : [];
  const picture: PictureInfo = {
    pixelWidth: uint(v, ID.PixelWidth, 0),
    pixelHeight: uint(v, ID.PixelHeight, 0),
    crop: {
      top: uint(v, ID.PixelCropTop, 0),
      bottom: uint(v, ID.PixelCropBottom, 0),
      left: uint(v, ID.PixelCropLeft, 0),
      right: uint(v, ID.PixelCropRight, 0),
    },
    displayWidth: uint(v, ID.DisplayWidth, 0),
    displayHeight: uint(v, ID.DisplayHeight, 0),
    displayUnit: uint(v, ID.DisplayUnit, 0),
  };
  if (!(picture.pixelWidth > 0 && picture.pixelHeight > 0)) {
    throw new RerunVideoError('format', `${label}: its video track gives no picture size (PixelWidth/PixelHeight).`);
  }
  const codecPrivate = child(kids, ID.CodecPrivate)?.data.slice();
  return {
    number,
    codecId: readString(child(kids, ID.CodecID)?.data ?? new Uint8Array(0)),
    codecPrivate: codecPrivate && codecPrivate.byteLength > 0 ? codecPrivate : undefined,
    defaultDurationNs: uint(kids, ID.DefaultDuration, NaN),
    picture,
  };
}

function uint(kids: readonly Child[], id: number, fallback = NaN): number {
  const found = child(kids, id);
  return found ? readUint(found.data) : fallback;
}

/** Thrown inside a cluster where its bytes stop making sense: the walk resumes at the next cluster. */
class Damage extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Parses a WebM/Matroska file (the ByteSource starts with the EBML magic) into its first
 * video track. Unreadable structure is a RerunVideoError('format'); damage after the first
 * cluster ends the cluster it is in, and the walk goes on at the next cluster it finds.
 */
export async function parseWebm(source: ByteSource, label: string): Promise<VideoTrack> {
  const opened = await openWebm(source, label);
  if ('track' in opened) return opened.track;
  await opened.growing.ensure(Infinity);
  return opened.growing.track;
}

/**
 * Parses a WebM/Matroska file as parseWebm does, but a long one only as far as its head
 * (WEBM_HEAD): its track then grows once, to the whole file, when the first frame is shown
 * (`startIndexing`) or a time past the head is asked for (`ensure`).
 */
export async function openWebm(source: ByteSource, label: string): Promise<{ track: VideoTrack } | { growing: LongTrack }> {
  return new WebmParser(source, label).open();
}

class WebmParser {
  private readonly reader: WindowedReader;
  private readonly blocks = new BlockList();
  private segmentStart = 0;
  private segmentEnd = Infinity;
  private timestampScale = 1_000_000;
  private segmentDuration = NaN;
  private video: VideoEntry | null = null;
  private infoSeen = false;
  private tracksSeen = false;
  private readonly seeks = new Map<number, number>();
  private elements = 0;
  private yielded = 0;
  /** Where the walk of the Segment stands (it stops after the head of a long file, then goes on). */
  private position = 0;
  private clusters = 0;
  private keyFrames = 0;
  private readonly slices = new Slices();

  constructor(
    private readonly source: ByteSource,
    private readonly label: string,
  ) {
    this.reader = new WindowedReader(source);
  }

  private fail(why: string): RerunVideoError {
    return new RerunVideoError('format', `${this.label} could not be parsed as WebM: ${why}`);
  }

  async open(): Promise<{ track: VideoTrack } | { growing: LongTrack }> {
    const afterHeader = await this.readEbmlHeader();
    await this.findSegment(afterHeader);
    this.position = this.segmentStart;
    const stopped = await this.walkSegment(true);
    if (!this.tracksSeen) throw this.fail('it has no Tracks element.');
    const video = this.video;
    if (!video) throw new RerunVideoError('format', `The file has no video track (${this.label} is a WebM file without one).`);
    const codec = await this.codecOf(video);
    const build = () =>
      buildWebmTrack(this.blocks, {
        trackNumber: video.number,
        ...codec,
        picture: video.picture,
        timestampScale: this.timestampScale,
        defaultDurationNs: video.defaultDurationNs,
        segmentDuration: this.segmentDuration,
      });
    const head = build();
    if (!stopped) return { track: head };
    // Times before the head's last key frame show the same frame in the whole track (blocks
    // come in decode order, and no frame is presented before the key frame it follows).
    let last = 0;
    for (let i = 0; i < head.samples.count; i++) if (head.samples.keys[i] && head.samples.frames[i] >= 0) last = head.samples.frames[i];
    const rest = async () => {
      await this.walkSegment(false);
      return build();
    };
    return { growing: new LongTrack(head, head.frameTimestamps[last], rest) };
  }

  /** Whether the walk, at a Segment child starting at `position` after a cluster, has read a long file's head. */
  private headRead(position: number): boolean {
    const { bytes } = WEBM_HEAD;
    const size = this.source.size;
    return this.keyFrames >= 2 && position - this.segmentStart >= bytes && (size === null || size - position >= bytes);
  }

  /** Checks the EBML header (DocType webm or matroska); returns the offset after it. */
  private async readEbmlHeader(): Promise<number> {
    const header = await this.header(0);
    if (!header || header.id !== ID.EBML) throw this.fail('it does not start with an EBML header.');
    const data = await this.reader.data(header, MAX_EBML_HEADER_BYTES);
    if (!data) throw this.fail(`its EBML header is ${header.size === null ? 'of unknown size' : `${header.size} bytes long or cut short`}.`);
    const kids = children(data, header.dataStart);
    const docType = readString(child(kids, ID.DocType)?.data ?? new TextEncoder().encode('matroska'));
    if (docType !== 'webm' && docType !== 'matroska') throw this.fail(`it is an EBML document of type "${docType}", not WebM or Matroska.`);
    if (uint(kids, ID.EBMLMaxIDLength, 4) > 4 || uint(kids, ID.EBMLMaxSizeLength, 8) > 8) {
      throw this.fail('its EBML header allows IDs longer than 4 bytes or sizes longer than 8.');
    }
    return header.dataStart + header.size!;
  }

  /** Finds the Segment after the EBML header (Void elements may come between). */
  private async findSegment(from: number): Promise<void> {
    for (let position = from, guard = 0; guard < 64; guard++) {
      const header = await this.header(position);
      if (!header) throw this.fail('it ends before its Segment starts.');
      if (header.id === ID.Segment) {
        this.segmentStart = header.dataStart;
        this.segmentEnd = header.size === null ? Infinity : header.dataStart + header.size;
        return;
      }
      if ((header.id !== ID.Void && header.id !== ID.CRC32) || header.size === null) {
        throw this.fail(`the element after its EBML header (0x${header.id.toString(16)} at byte ${position}) is not a Segment.`);
      }
      position = header.dataStart + header.size;
    }
    throw this.fail('no Segment follows its EBML header.');
  }

  /** A header; before the first cluster a damaged one is a format error. */
  private async header(offset: number): Promise<ElementHeader | null> {
    try {
      return await this.reader.header(offset);
    } catch (error) {
      if (error instanceof EbmlError) throw this.fail(`${error.message}.`);
      throw error;
    }
  }

  /**
   * Walks the Segment's children from where the walk stands: Info, Tracks and SeekHead are
   * read, Clusters indexed, the rest skipped. With `head`, it stops after the cluster that ends
   * a long file's head (true: stopped there).
   */
  private async walkSegment(head: boolean): Promise<boolean> {
    let clusters = this.clusters;
    let position = this.position;
    while (position < this.segmentEnd) {
      if (++this.elements > MAX_ELEMENTS || this.blocks.count >= MAX_FRAMES) break;
      if (head && clusters > 0 && this.headRead(position)) {
        // Before the next element's header is read: that read would fetch the next window.
        this.position = position;
        this.clusters = clusters;
        return true;
      }
      let header: ElementHeader | null;
      try {
        header = await this.reader.header(position);
      } catch (error) {
        if (!(error instanceof EbmlError)) throw error;
        if (clusters === 0) throw this.fail(`${error.message}.`);
        const next = await this.resync(position + 1);
        if (next === null) break;
        position = next;
        continue;
      }
      if (!header) break; // the file ends
      // A second EBML header: chained segments (a concatenated file); the first one is played.
      if (header.id === ID.EBML || header.id === ID.Segment) break;
      if (header.id === ID.Cluster) {
        if (clusters++ === 0) await this.beforeFirstCluster();
        position = await this.walkClusterOrResync(header);
        continue;
      }
      if (header.size === null) {
        if (clusters === 0) throw this.fail(`its element 0x${header.id.toString(16)} at byte ${position} has an unknown size.`);
        break;
      }
      const end = header.dataStart + header.size;
      // Only the first Info and Tracks count; after the first cluster, one cut short is no error.
      const wanted = header.id === ID.Info ? !this.infoSeen : header.id === ID.Tracks ? !this.tracksSeen : header.id === ID.SeekHead;
      if (wanted) await this.readTopLevel(header, clusters === 0);
      position = end;
    }
    this.position = Infinity; // walked to the end: a later walk has nothing left to do
    return false;
  }

  /**
   * Reads Info, Tracks or a SeekHead (found in the walk or through the SeekHead). One that is
   * cut short or too large is a format error when `required` (before the first cluster).
   */
  private async readTopLevel(header: ElementHeader, required: boolean): Promise<void> {
    const data = await this.reader.data(header, MAX_META_BYTES);
    const name = header.id === ID.Info ? 'Info' : header.id === ID.Tracks ? 'Tracks' : 'SeekHead';
    if (!data) {
      // A SeekHead is an index only: the walk finds what it points to.
      if (header.id === ID.SeekHead || !required) return;
      throw this.fail(`its ${name} element at byte ${header.start} is cut short or claims ${header.size} bytes.`);
    }
    const kids = children(data, header.dataStart);
    if (header.id === ID.Info) {
      if (this.infoSeen) return;
      this.infoSeen = true;
      const scale = uint(kids, ID.TimestampScale, 1_000_000);
      if (!(scale > 0)) throw this.fail(`its TimestampScale is ${scale}.`);
      this.timestampScale = scale;
      const duration = child(kids, ID.Duration);
      if (duration) this.segmentDuration = (readFloat(duration.data) * scale) / 1e9;
    } else if (header.id === ID.Tracks) {
      if (this.tracksSeen) return; // only the first Tracks counts
      this.tracksSeen = true;
      this.video = videoEntry(data, header.dataStart, this.label);
    } else {
      for (const seek of kids.filter((k) => k.header.id === ID.Seek)) {
        const fields = children(seek.data, seek.header.dataStart);
        const id = child(fields, ID.SeekID);
        const at = uint(fields, ID.SeekPosition);
        if (id && id.data.byteLength <= 4 && Number.isFinite(at) && !this.seeks.has(readUint(id.data))) this.seeks.set(readUint(id.data), at);
      }
    }
  }

  /** Info and Tracks after the clusters (legal, rare): the SeekHead says where. */
  private async beforeFirstCluster(): Promise<void> {
    for (const id of [ID.Info, ID.Tracks]) {
      const at = this.seeks.get(id);
      if ((id === ID.Tracks ? this.tracksSeen : this.infoSeen) || at === undefined) continue;
      const header = await this.reader.header(this.segmentStart + at).catch(() => null);
      if (header?.id === id) await this.readTopLevel(header, id === ID.Tracks);
    }
    if (!this.tracksSeen) throw this.fail('it has no Tracks element before its first cluster.');
  }

  private async walkClusterOrResync(cluster: ElementHeader): Promise<number> {
    try {
      return await this.walkCluster(cluster);
    } catch (error) {
      if (!(error instanceof Damage) && !(error instanceof EbmlError)) throw error;
      const next = await this.resync(Math.max(cluster.dataStart, error.offset + 1));
      return next ?? Infinity;
    }
  }

  /**
   * Indexes the video frames of one cluster; returns where the next element starts. A
   * cluster of unknown size ends where a Segment-level element (another Cluster, Cues, Tags…)
   * or a new EBML header starts, or at the end of the file.
   */
  private async walkCluster(cluster: ElementHeader): Promise<number> {
    const unknownSize = cluster.size === null;
    const end = Math.min(this.segmentEnd, unknownSize ? Infinity : cluster.dataStart + cluster.size!);
    let time = NaN;
    let position = cluster.dataStart;
    while (position < end) {
      if (++this.elements > MAX_ELEMENTS || this.blocks.count >= MAX_FRAMES) return Infinity;
      const header = await this.reader.header(position);
      if (!header) return Infinity; // the file ends
      if (unknownSize && (SEGMENT_CHILDREN.has(header.id) || header.id === ID.EBML)) return position;
      if (header.size === null) throw new Damage(`element 0x${header.id.toString(16)} of unknown size inside a cluster`, position);
      const next = header.dataStart + header.size;
      if (next > end) throw new Damage(`element at byte ${position} runs past its cluster`, position);
      if (header.id === ID.Timestamp) {
        time = readUint(await this.reader.bytes(header.dataStart, Math.min(8, header.size)));
      } else if (header.id === ID.SimpleBlock) {
        await this.block(header, time, null);
      } else if (header.id === ID.BlockGroup) {
        await this.blockGroup(header, time);
      }
      position = next;
    }
    return position;
  }

  /** A BlockGroup: its Block, and whether a ReferenceBlock makes it a delta frame. */
  private async blockGroup(group: ElementHeader, time: number): Promise<void> {
    const end = group.dataStart + group.size!;
    let block: ElementHeader | null = null;
    let referenced = false;
    let duration = NaN;
    for (let position = group.dataStart, k = 0; position < end && k < MAX_GROUP_CHILDREN; k++) {
      const header = await this.reader.header(position);
      if (!header) break; // the file ends inside the group
      if (header.size === null) throw new Damage(`element of unknown size inside a BlockGroup at byte ${position}`, position);
      if (header.id === ID.Block) block = header;
      else if (header.id === ID.ReferenceBlock) referenced = true;
      else if (header.id === ID.BlockDuration) duration = readUint(await this.reader.bytes(header.dataStart, Math.min(8, header.size)));
      position = header.dataStart + header.size;
    }
    if (block) await this.block(block, time, { key: !referenced, duration });
  }

  /** A SimpleBlock (`group` null) or a BlockGroup's Block: its frames, when they are the video track's. */
  private async block(header: ElementHeader, time: number, group: { key: boolean; duration: number } | null): Promise<void> {
    const size = header.size!;
    const head = await this.reader.bytes(header.dataStart, Math.min(size, 64));
    const track = readVint(head, 0);
    if (!track) throw new Damage(`block at byte ${header.start} has no track number`, header.start);
    if (track.value !== this.video?.number) return;
    const at = track.length;
    if (size < at + 3 || head.byteLength < at + 3) {
      if (head.byteLength < Math.min(size, at + 3)) return; // the file ends inside the block's header
      throw new Damage(`block at byte ${header.start} is ${size} bytes long`, header.start);
    }
    if (Number.isNaN(time)) throw new Damage(`block at byte ${header.start} comes before its cluster's Timestamp`, header.start);
    const relative = ((head[at] << 8) | head[at + 1]) << 16 >> 16;
    const flags = head[at + 2];
    const key = group ? group.key : (flags & 0x80) !== 0;
    if (key) this.keyFrames++;
    const invisible = (flags & 0x08) !== 0;
    const blockTime = time + relative;
    const lacing = (flags >> 1) & 3;
    const dataStart = header.dataStart + at + 3;
    if (lacing === 0) {
      this.blocks.push(dataStart, size - at - 3, blockTime, group?.duration ?? NaN, key, invisible);
    } else {
      await this.laced(header, dataStart, lacing, blockTime, key, invisible, group?.duration ?? NaN);
    }
    if (this.blocks.count - this.yielded >= SLICE) {
      this.yielded = this.blocks.count;
      await this.slices.pause();
    }
  }

  /** A laced block (rare for video): each frame gets an equal share of the block's duration. */
  private async laced(
    header: ElementHeader,
    lacesStart: number,
    lacing: number,
    time: number,
    key: boolean,
    invisible: boolean,
    blockDuration: number,
  ): Promise<void> {
    const end = header.dataStart + header.size!;
    const bytes = await this.reader.bytes(lacesStart, Math.min(end - lacesStart, 64 * 1024));
    if (bytes.byteLength < 1) return;
    const count = bytes[0] + 1;
    const sizes: number[] = [];
    let at = 1;
    if (lacing === 1) {
      // Xiph: each size but the last as a run of 255s and a final byte.
      for (let k = 0; k < count - 1; k++) {
        let value = 0;
        for (;;) {
          const byte = bytes[at++];
          if (byte === undefined) throw new Damage(`laced block at byte ${header.start} is cut short`, header.start);
          value += byte;
          if (byte !== 255) break;
        }
        sizes.push(value);
      }
    } else if (lacing === 3) {
      // EBML: the first size, then signed differences.
      for (let k = 0; k < count - 1; k++) {
        const vint = readVint(bytes, at);
        if (!vint) throw new Damage(`laced block at byte ${header.start} has a bad lace size`, header.start);
        at += vint.length;
        sizes.push(k === 0 ? vint.value : sizes[k - 1] + vint.value - (2 ** (7 * vint.length - 1) - 1));
      }
    }
    const payload = end - lacesStart - at;
    if (lacing === 2) {
      if (payload % count !== 0) {
        throw new Damage(`fixed-size laced block at byte ${header.start} does not divide into ${count} frames`, header.start);
      }
      sizes.push(...new Array<number>(count - 1).fill(payload / count));
    }
    const last = payload - sizes.reduce((sum, value) => sum + value, 0);
    if (last < 0 || sizes.some((value) => value < 0)) throw new Damage(`laced block at byte ${header.start} has sizes past its end`, header.start);
    sizes.push(last);
    const defaultUnits = this.video!.defaultDurationNs / this.timestampScale;
    const each = blockDuration >= 0 ? blockDuration / count : defaultUnits;
    if (!(each > 0)) throw this.fail(`its laced video block at byte ${header.start} gives its frames no duration.`);
    let offset = lacesStart + at;
    sizes.forEach((value, k) => {
      this.blocks.push(offset, value, time + k * each, each, key && k === 0, invisible);
      offset += value;
    });
  }

  /**
   * After damage: the next Cluster ID (followed by a plausible size and a Timestamp) within
   * MAX_RESYNC_BYTES of `from`; null when there is none.
   */
  private async resync(from: number): Promise<number | null> {
    const limit = Math.min(this.segmentEnd, from + MAX_RESYNC_BYTES);
    const step = 64 * 1024;
    for (let position = from; position < limit; position += step - 16) {
      const bytes = await this.reader.bytes(position, step);
      if (bytes.byteLength < 16) return null;
      for (let i = bytes.indexOf(0x1f); i >= 0 && i + 16 <= bytes.byteLength; i = bytes.indexOf(0x1f, i + 1)) {
        if (bytes[i + 1] !== 0x43 || bytes[i + 2] !== 0xb6 || bytes[i + 3] !== 0x75) continue;
        try {
          const cluster = (await this.reader.header(position + i))!;
          const first = cluster && (await this.reader.header(cluster.dataStart));
          if (first && first.id === ID.Timestamp) return position + i;
        } catch {
          // not a cluster after all
        }
      }
      if (bytes.byteLength < step) return null;
    }
    return null;
  }

  /** The codec string and description: from the CodecPrivate, else from the first key frame. */
  private async codecOf(video: VideoEntry): Promise<{ codec: string; description?: Uint8Array }> {
    const { codecId, codecPrivate } = video;
    /** The first key frame's bytes (the first 64 KiB: headers and parameter sets come first). */
    const first = async (): Promise<Uint8Array | null> => {
      const { blocks } = this;
      let i = 0;
      while (i < blocks.count && (blocks.flags[i] & 1) === 0) i++;
      if (i === blocks.count) i = 0;
      try {
        return await this.source.read(blocks.offsets[i], Math.min(blocks.sizes[i], 64 * 1024));
      } catch {
        return null; // a missing first frame: the decoder reports it where it is needed
      }
    };
    switch (codecId) {
      case 'V_VP8':
        return { codec: 'vp8' };
      case 'V_VP9': {
        const { pixelWidth, pixelHeight } = video.picture;
        return { codec: vp9Codec(codecPrivate, await first(), pixelWidth, pixelHeight, this.frameRate(video)) };
      }
      case 'V_AV1': {
        const fromPrivate = codecPrivate && av1Codec(codecPrivate);
        if (fromPrivate) return { codec: fromPrivate, description: codecPrivate };
        const sample = await first();
        return { codec: (sample && av1CodecFromBitstream(sample)) ?? 'av01' };
      }
      case 'V_MPEG4/ISO/AVC': {
        const fromPrivate = codecPrivate && avcCodec(codecPrivate);
        if (fromPrivate) return { codec: fromPrivate, description: codecPrivate };
        // No avcC: Annex-B frames with in-band SPS/PPS (repairAnnexB builds the description).
        const sample = await first();
        return { codec: (sample && avcCodecFromAnnexB(sample)) ?? 'avc1' };
      }
      case 'V_MPEGH/ISO/HEVC': {
        const fromPrivate = codecPrivate && hevcCodec(codecPrivate);
        return fromPrivate ? { codec: fromPrivate, description: codecPrivate } : { codec: 'hvc1' };
      }
      default:
        // Theora, MPEG-4 Part 2, VFW…: no WebCodecs decoder; the support check says so (unsupported-codec).
        return { codec: codecId || 'unknown' };
    }
  }

  /** Frames per second: from DefaultDuration, else from the spread of the timestamps. */
  private frameRate(video: VideoEntry): number {
    if (video.defaultDurationNs > 0) return 1e9 / video.defaultDurationNs;
    const { blocks } = this;
    let [low, high] = [Infinity, -Infinity];
    for (let i = 0; i < blocks.count; i++) [low, high] = [Math.min(low, blocks.times[i]), Math.max(high, blocks.times[i])];
    const seconds = ((high - low) * this.timestampScale) / 1e9;
    return seconds > 0 ? (blocks.count - 1) / seconds : 0;
  }
}
