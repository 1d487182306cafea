/**
 * The WebM/Matroska demuxer: on every webm-* fixture against ffprobe's view of it (the
 * sidecars of test/fixtures/make-fixtures.sh), and on small files built here with an EBML
 * writer for what FFmpeg does not write (BlockGroups, lacing, crops, damage, odd layouts).
 */
import { expect } from '@open-wc/testing';
import { codecFamily, isKeyFrame, nalLengthSize } from '../../src/decode/keyframes.js';
import { MissingBytesError, RerunVideoError } from '../../src/errors.js';
import type { ByteSource } from '../../src/mp4/byte-source.js';
import { openMp4 } from '../../src/mp4/open-mp4.js';
import { blobSource } from '../../src/mp4/open-source.js';
import type { VideoTrack } from '../../src/mp4/video-track.js';
import { av1CodecFromBitstream, hevcCodec, vp9FrameInfo, vp9Level } from '../../src/webm/codec-string.js';
import { WindowedReader, parseHeader } from '../../src/webm/ebml.js';
import type { Picture } from '../../src/painter.js';
import { croppedRect, displayedSize } from '../../src/webm/track.js';
import { WEBM_HEAD, openWebm, parseWebm } from '../../src/webm/webm.js';
import { MEDIA } from '../helpers/media.js';

interface WebmInfo {
  file: string;
  codecString: string;
  width: number;
  height: number;
  frameCount: number;
  durationSeconds: number | null;
  timestamps: number[];
  keyframes: number[];
  packetPtsDecodeOrder: number[];
  keyPacketsDecodeOrder: number[];
  ebml: { tracks: Array<{ type: number; codecPrivate?: string }>; hasCues: boolean; clustersOfUnknownSize: number };
}

const FIXTURES = ['webm-vp8.webm', 'webm-vp9.webm', 'webm-vp9-nocues.webm', 'webm-av1.webm', 'mkv-h264-bframes.mkv', 'webm-vp9-named.mp4'];

async function fetchBytes(file: string): Promise<Uint8Array> {
  const response = await fetch(`${MEDIA}${file}`);
  if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function sidecar(file: string): Promise<WebmInfo> {
  return (await fetch(`${MEDIA}${file.replace(/\.\w+$/, '.json')}`)).json() as Promise<WebmInfo>;
}

/** The bytes as a ByteSource that counts its reads; past the end a MissingBytesError, as the real ones. */
function memory(bytes: Uint8Array): ByteSource & { reads: number } {
  return {
    reads: 0,
    size: bytes.byteLength,
    async read(offset, length) {
      this.reads++;
      if (offset + length > bytes.byteLength) throw new MissingBytesError(`The file is truncated at ${bytes.byteLength}.`);
      return bytes.slice(offset, offset + length);
    },
    has: (offset, length) => offset + length <= bytes.byteLength,
    close() {},
  };
}

const hex = (bytes: Uint8Array | undefined) => (bytes ? Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') : undefined);

async function rejection(promise: Promise<unknown>): Promise<RerunVideoError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RerunVideoError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('parseWebm on the fixtures', function () {
  this.timeout(30_000);

  for (const file of FIXTURES) {
    it(`${file}: frames, times, key frames, codec and size as ffprobe and mp4box see them`, async () => {
      const [bytes, info] = await Promise.all([fetchBytes(file), sidecar(file)]);
      const track = await parseWebm(memory(bytes), file);
      expect(track.frameTimestamps).to.have.length(info.frameCount);
      track.frameTimestamps.forEach((t, i) => expect(t, `frame ${i}`).to.be.closeTo(info.timestamps[i], 1e-5));
      // Decode order: the file's block order, each sample carrying its presentation time.
      const { samples } = track;
      expect(samples.count).to.equal(info.packetPtsDecodeOrder.length);
      for (let i = 0; i < samples.count; i++) {
        const pts = (samples.timestampsUs[i] - track.timestampOffsetUs) / 1e6;
        expect(pts, `sample ${i}`).to.be.closeTo(info.packetPtsDecodeOrder[i], 1e-5);
        expect(track.frameTimestamps[samples.frames[i]]).to.be.closeTo(pts, 1e-6);
      }
      const keys = [...samples.keys.keys()].filter((i) => samples.keys[i] === 1);
      expect(keys).to.deep.equal(info.keyPacketsDecodeOrder);
      expect(keys.map((i) => samples.frames[i])).to.deep.equal(info.keyframes);
      expect(track.syncFlagsTrusted).to.equal(true);
      expect(track.codec).to.equal(info.codecString);
      expect([track.codedWidth, track.codedHeight, track.displayWidth, track.displayHeight]).to.deep.equal([
        info.width,
        info.height,
        info.width,
        info.height,
      ]);
      const video = info.ebml.tracks.find((t) => t.type === 1)!;
      if (track.codec.startsWith('av01') || track.codec.startsWith('avc1')) expect(hex(track.description)).to.equal(video.codecPrivate);
      else expect(track.description).to.equal(undefined);
      if (info.durationSeconds !== null) expect(track.duration).to.be.closeTo(info.durationSeconds, 1e-6);
      else expect(track.duration).to.be.greaterThan(track.frameTimestamps[track.frameTimestamps.length - 1]);
      // The byte ranges are the frames: every sample's bits agree with its key flag.
      const family = codecFamily(track.codec);
      const lengthSize = nalLengthSize(family, track.description);
      for (let i = 0; i < samples.count; i++) {
        const data = bytes.subarray(samples.offsets[i], samples.offsets[i] + samples.sizes[i]);
        expect(isKeyFrame(family, data, lengthSize), `bits of sample ${i}`).to.equal(samples.keys[i] === 1);
      }
    });
  }

  it('walks the clusters through a window: a few reads, not one per block', async () => {
    const bytes = await fetchBytes('webm-vp9-nocues.webm');
    const source = memory(bytes);
    const track = await parseWebm(source, 'webm-vp9-nocues.webm');
    expect(track.samples.count).to.equal(60);
    // One window covers this 64 KB file; the first key frame is read again for its profile.
    expect(source.reads).to.be.at.most(3);
  });

  it('openMp4 tells WebM from the bytes, whatever the name', async () => {
    const signal = new AbortController().signal;
    for (const file of ['webm-vp9-named.mp4', 'webm-vp9.webm']) {
      const { track, bytes } = await openMp4(new URL(`${MEDIA}${file}`, location.href).href, { signal, credentials: 'same-origin' });
      expect(track.codec, file).to.equal('vp09.00.20.08');
      expect(track.frameTimestamps).to.have.length(60);
      bytes.close();
    }
    const blob = new Blob([(await fetchBytes('mkv-h264-bframes.mkv')) as BlobPart]);
    const { track } = await openMp4(blob, { signal, credentials: 'same-origin' });
    expect(track.codec).to.equal('avc1.64000d');
  });

  it('a non-MP4, non-WebM file: the message names both', async () => {
    const error = await rejection(openMp4(new Blob([new Uint8Array(64).fill(7)]), { signal: new AbortController().signal, credentials: 'same-origin' }));
    expect(error.code).to.equal('format');
    expect(error.message).to.contain('not an MP4 or WebM file');
  });
});

describe('parseWebm on damaged files', function () {
  this.timeout(30_000);

  for (const [file, fraction] of [
    ['webm-vp9-nocues.webm', 0.6],
    ['webm-vp9.webm', 0.6],
    ['mkv-h264-bframes.mkv', 0.45],
  ] as const) {
    it(`${file} cut at ${fraction * 100} %: the frames before the cut, the one across it fails to read`, async () => {
      const whole = await fetchBytes(file);
      const cut = whole.slice(0, Math.floor(whole.byteLength * fraction));
      // Read as the element reads a Blob: through the cache of blocks, which knows the size.
      const source = blobSource(new Blob([cut as BlobPart]));
      const track = await parseWebm(source, file);
      const { samples } = track;
      expect(samples.count).to.be.within(10, 59);
      const last = samples.count - 1;
      for (let i = 0; i < last; i++) expect(samples.offsets[i] + samples.sizes[i]).to.be.at.most(cut.byteLength);
      expect((await source.read(samples.offsets[0], samples.sizes[0])).byteLength).to.equal(samples.sizes[0]);
      if (samples.offsets[last] + samples.sizes[last] > cut.byteLength) {
        const error = await rejection(source.read(samples.offsets[last], samples.sizes[last]));
        expect(error).to.be.instanceOf(MissingBytesError);
        expect(error.code).to.equal('format');
        expect(error.message).to.contain('truncated');
      }
    });
  }

  it('cut inside its Tracks or before: a format error', async () => {
    const whole = await fetchBytes('webm-vp9.webm');
    for (const length of [3, 20, 40, 260, 300]) {
      const error = await rejection(parseWebm(memory(whole.slice(0, length)), `first ${length} bytes`));
      expect(error.code, `${length} bytes`).to.equal('format');
      expect(error.message.length).to.be.greaterThan(20);
    }
  });

  it('random bytes after a valid EBML header, or after the Segment header: a format error, at once', async () => {
    const whole = await fetchBytes('webm-vp9.webm');
    let seed = 1;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
    for (const keep of [36, 48]) {
      for (let run = 0; run < 20; run++) {
        const bytes = new Uint8Array(65536);
        bytes.set(whole.subarray(0, keep));
        for (let i = keep; i < bytes.byteLength; i++) bytes[i] = random();
        const started = performance.now();
        const error = await rejection(parseWebm(memory(bytes), 'junk'));
        expect(error.code).to.equal('format');
        expect(performance.now() - started).to.be.below(2000);
      }
    }
  });

  it('random bytes inside the clusters: what can be read is indexed, never a hang', async () => {
    const whole = await fetchBytes('webm-vp9-nocues.webm');
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
    for (let run = 0; run < 30; run++) {
      const bytes = whole.slice();
      const at = 520 + ((random() << 8) | random()) % (bytes.byteLength - 600);
      for (let i = 0; i < 200; i++) bytes[at + i] = random();
      const started = performance.now();
      try {
        const track = await parseWebm(memory(bytes), 'damaged');
        expect(track.samples.count).to.be.within(1, 60);
      } catch (error) {
        expect(error).to.be.instanceOf(RerunVideoError);
        expect((error as RerunVideoError).code).to.equal('format');
      }
      expect(performance.now() - started).to.be.below(2000);
    }
  });
});

// --- files built here -------------------------------------------------------------------

const bytesOf = (value: number, length: number) => Array.from({ length }, (_, i) => Math.floor(value / 256 ** (length - 1 - i)) % 256);
const lengthOf = (value: number) => Math.max(1, Math.ceil(Math.log2(value + 1) / 8));
/** An element: its ID, its size (minimal length; `null`: unknown, 8 bytes as MediaRecorder writes), its data. */
function el(id: number, ...data: Array<number[] | Uint8Array>): Uint8Array {
  return sized(id, data, false);
}
function unknownSize(id: number, ...data: Array<number[] | Uint8Array>): Uint8Array {
  return sized(id, data, true);
}
function sized(id: number, data: Array<number[] | Uint8Array>, unknown: boolean): Uint8Array {
  const payload = data.flatMap((part) => Array.from(part));
  let size: number[];
  if (unknown) size = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  else {
    let length = 1;
    while (payload.length >= 2 ** (7 * length) - 1) length++;
    size = bytesOf(payload.length, length);
    size[0] |= 0x80 >> (length - 1);
  }
  return Uint8Array.from([...bytesOf(id, lengthOf(id)), ...size, ...payload]);
}
const uint = (id: number, value: number) => el(id, bytesOf(value, lengthOf(value)));
const text = (id: number, value: string) => el(id, new TextEncoder().encode(value));
const float = (id: number, value: number) => {
  const data = new Uint8Array(8);
  new DataView(data.buffer).setFloat64(0, value);
  return el(id, data);
};

const E = {
  EBML: 0x1a45dfa3,
  DocType: 0x4282,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Seek: 0x4dbb,
  SeekID: 0x53ab,
  SeekPosition: 0x53ac,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  DefaultDuration: 0x23e383,
  ContentEncodings: 0x6d80,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  PixelCropTop: 0x54bb,
  PixelCropLeft: 0x54cc,
  DisplayWidth: 0x54b0,
  DisplayHeight: 0x54ba,
  DisplayUnit: 0x54b2,
  Cues: 0x1c53bb6b,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  BlockDuration: 0x9b,
  ReferenceBlock: 0xfb,
  Tags: 0x1254c367,
  Void: 0xec,
};

const header = (docType = 'webm') => el(E.EBML, text(E.DocType, docType));
const info = (scale = 1_000_000, duration?: number) =>
  el(E.Info, uint(E.TimestampScale, scale), ...(duration === undefined ? [] : [float(E.Duration, duration)]));
function videoTrack(number: number, codecId = 'V_VP8', extra: Uint8Array[] = [], video: Uint8Array[] = []): Uint8Array {
  return el(
    E.TrackEntry,
    uint(E.TrackNumber, number),
    uint(E.TrackType, 1),
    text(E.CodecID, codecId),
    ...extra,
    el(E.Video, uint(E.PixelWidth, 320), uint(E.PixelHeight, 240), ...video),
  );
}
const audioTrack = (number: number) => el(E.TrackEntry, uint(E.TrackNumber, number), uint(E.TrackType, 2), text(E.CodecID, 'A_OPUS'));
/** A block's head (track number, relative time, flags) and a payload. */
function blockData(track: number, time: number, flags: number, payload: number[] = [1, 2, 3, 4]): number[] {
  return [0x80 | track, (time >> 8) & 0xff, time & 0xff, flags, ...payload];
}
const simple = (track: number, time: number, key: boolean, payload?: number[]) => el(E.SimpleBlock, blockData(track, time, key ? 0x80 : 0, payload));

function webm(...segment: Uint8Array[]): Uint8Array {
  return Uint8Array.from([...header(), ...unknownSize(E.Segment, ...segment)]);
}

async function parse(bytes: Uint8Array): Promise<VideoTrack> {
  return parseWebm(memory(bytes), 'built');
}

describe('parseWebm on files built here', () => {
  it('MediaRecorder layout: unknown-size clusters ending at the next Cluster, at Cues and at Tags; no Duration', async () => {
    const file = webm(
      info(),
      el(E.Tracks, audioTrack(1), videoTrack(2, 'V_VP8', [uint(E.DefaultDuration, 33_333_333)])),
      unknownSize(E.Cluster, uint(E.Timestamp, 0), simple(1, 0, true), simple(2, 0, true), simple(2, 33, false)),
      unknownSize(E.Cluster, uint(E.Timestamp, 67), simple(2, 0, false), el(E.Void, [0, 0]), simple(2, 33, true)),
      el(E.Cues, [0xbb, 0x80]),
      unknownSize(E.Cluster, uint(E.Timestamp, 133), simple(2, 0, false)),
      el(E.Tags, [0x73, 0x73, 0x80]),
      unknownSize(E.Cluster, uint(E.Timestamp, 167), simple(2, 0, false), simple(1, 5, true)),
    );
    const track = await parse(file);
    expect(track.frameTimestamps).to.deep.equal([0, 0.033, 0.067, 0.1, 0.133, 0.167]);
    expect(Array.from(track.samples.keys)).to.deep.equal([1, 0, 0, 1, 0, 0]);
    expect(track.trackId).to.equal(2);
    expect(track.duration).to.be.closeTo(0.167 + 1 / 30, 1e-6); // the last block + DefaultDuration
    expect(Array.from(track.samples.durationsUs)).to.deep.equal([33333, 33333, 33333, 33333, 33333, 33333]);
    // Offsets point at the payloads.
    for (let i = 0; i < track.samples.count; i++) {
      expect(Array.from(file.subarray(track.samples.offsets[i], track.samples.offsets[i] + track.samples.sizes[i]))).to.deep.equal([1, 2, 3, 4]);
    }
  });

  it('BlockGroups: a ReferenceBlock makes a delta frame, none a key frame; BlockDuration is the duration', async () => {
    const group = (time: number, reference: boolean, duration?: number) =>
      el(
        E.BlockGroup,
        el(E.Block, blockData(1, time, 0)),
        ...(reference ? [el(E.ReferenceBlock, [0xff])] : []),
        ...(duration === undefined ? [] : [uint(E.BlockDuration, duration)]),
      );
    const track = await parse(
      webm(info(), el(E.Tracks, videoTrack(1)), el(E.Cluster, uint(E.Timestamp, 1000), group(0, false, 40), group(40, true), group(80, false), group(120, true, 50))),
    );
    expect(Array.from(track.samples.keys)).to.deep.equal([1, 0, 1, 0]);
    expect(track.frameTimestamps).to.deep.equal([1, 1.04, 1.08, 1.12]);
    // Durations: the block's, else the gap to the next frame.
    expect(Array.from(track.samples.durationsUs)).to.deep.equal([40000, 40000, 40000, 50000]);
    expect(track.duration).to.be.closeTo(1.17, 1e-9);
  });

  it('B-frames: blocks in decode order with presentation times; frames sorted, samples stay in file order', async () => {
    const track = await parse(
      webm(
        info(),
        el(E.Tracks, videoTrack(1, 'V_MPEG4/ISO/AVC')),
        el(E.Cluster, uint(E.Timestamp, 0), simple(1, 0, true), simple(1, 100, false), simple(1, 33, false), simple(1, 67, false)),
      ),
    );
    expect(track.frameTimestamps).to.deep.equal([0, 0.033, 0.067, 0.1]);
    expect(Array.from(track.samples.frames)).to.deep.equal([0, 3, 1, 2]);
    expect(Array.from(track.frameSample)).to.deep.equal([0, 2, 3, 1]);
    expect(track.codec).to.equal('avc1'); // no CodecPrivate and no SPS in these bytes: the hint decides
  });

  it('TimestampScale other than 1 ms, negative block times, Segment Duration', async () => {
    const track = await parse(
      webm(
        info(100_000, 30), // 0.1 ms units; Duration 30 units = 3 ms
        el(E.Tracks, videoTrack(1)),
        el(E.Cluster, uint(E.Timestamp, 0), simple(1, -10, true), simple(1, 0, false), simple(1, 10, false)),
      ),
    );
    expect(track.frameTimestamps.map((t) => +t.toFixed(9))).to.deep.equal([-0.001, 0, 0.001]);
    // Chunk timestamps are never negative: shifted as the MP4 path shifts B-frame pre-roll.
    expect(track.timestampOffsetUs).to.equal(1000);
    expect(Array.from(track.samples.timestampsUs)).to.deep.equal([0, 1000, 2000]);
    expect(track.duration).to.be.closeTo(0.003, 1e-12);
  });

  it('PixelCrop and DisplayWidth/DisplayHeight give the displayed size', async () => {
    const crop = await parse(
      webm(
        info(),
        el(E.Tracks, videoTrack(1, 'V_VP8', [], [uint(E.PixelCropTop, 8), uint(E.PixelCropLeft, 20)])),
        el(E.Cluster, uint(E.Timestamp, 0), simple(1, 0, true)),
      ),
    );
    expect([crop.codedWidth, crop.codedHeight, crop.displayWidth, crop.displayHeight]).to.deep.equal([320, 240, 300, 232]);
    // What the painter draws (src/painter.ts Picture.source): the decoded picture's pixels left after the crop.
    expect((crop as VideoTrack & Picture).source).to.deep.equal({ x: 20, y: 8, width: 300, height: 232 });
    const uncropped = await parse(webm(info(), el(E.Tracks, videoTrack(1)), el(E.Cluster, uint(E.Timestamp, 0), simple(1, 0, true))));
    expect((uncropped as VideoTrack & Picture).source).to.equal(undefined);
    // A crop larger than the picture leaves one pixel, inside it.
    const picture = { pixelWidth: 320, pixelHeight: 240, displayWidth: 0, displayHeight: 0, displayUnit: 0 };
    expect(croppedRect({ ...picture, crop: { top: 300, bottom: 0, left: 0, right: 400 } })).to.deep.equal({ x: 0, y: 239, width: 1, height: 1 });
    expect(croppedRect({ ...picture, crop: { top: 2, bottom: 4, left: 6, right: 8 } })).to.deep.equal({ x: 6, y: 2, width: 306, height: 234 });
    const anamorphic = await parse(
      webm(
        info(),
        el(E.Tracks, videoTrack(1, 'V_VP8', [], [uint(E.DisplayWidth, 640), uint(E.DisplayHeight, 240)])),
        el(E.Cluster, uint(E.Timestamp, 0), simple(1, 0, true)),
      ),
    );
    expect([anamorphic.width, anamorphic.height, anamorphic.displayWidth, anamorphic.displayHeight]).to.deep.equal([640, 240, 640, 240]);
    const base = { pixelWidth: 320, pixelHeight: 240, crop: { top: 0, bottom: 0, left: 0, right: 0 } };
    expect(displayedSize({ ...base, displayWidth: 16, displayHeight: 9, displayUnit: 3 })).to.deep.equal({ width: 427, height: 240 });
    expect(displayedSize({ ...base, displayWidth: 1, displayHeight: 1, displayUnit: 3 })).to.deep.equal({ width: 320, height: 320 });
    expect(displayedSize({ ...base, displayWidth: 640, displayHeight: 480, displayUnit: 4 })).to.deep.equal({ width: 320, height: 240 });
  });

  it('laced blocks (Xiph, EBML, fixed): one sample per frame, times spread by the default duration', async () => {
    const lace = (type: number, head: number[], frames: number[][]) =>
      el(E.SimpleBlock, [0x81, 0, 0, 0x80 | (type << 1), frames.length - 1, ...head, ...frames.flat()]);
    const frames = [[1, 1], [2, 2, 2], [3]];
    const track = await parse(
      webm(
        info(),
        el(E.Tracks, videoTrack(1, 'V_VP8', [uint(E.DefaultDuration, 10_000_000)])),
        el(
          E.Cluster,
          uint(E.Timestamp, 0),
          lace(1, [2, 3], frames), // Xiph: sizes 2, 3 (the last is what is left)
          el(E.Void, []),
          el(E.SimpleBlock, [0x81, 0, 30, 0x80 | (3 << 1), 2, 0x82, 0xc0, ...frames.flat()]), // EBML: 2, then +1
          el(E.SimpleBlock, [0x81, 0, 60, 0x80 | (2 << 1), 1, 7, 7, 8, 8]), // fixed: 2 frames of 2
        ),
      ),
    );
    expect(track.frameTimestamps.map((t) => +t.toFixed(6))).to.deep.equal([0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07]);
    expect(Array.from(track.samples.sizes)).to.deep.equal([2, 3, 1, 2, 3, 1, 2, 2]);
    expect(Array.from(track.samples.keys)).to.deep.equal([1, 0, 0, 1, 0, 0, 1, 0]);
  });

  it('invisible frames are decoded, never shown, and keep a time of their own', async () => {
    const track = await parse(
      webm(
        info(),
        el(E.Tracks, videoTrack(1, 'V_VP8', [uint(E.DefaultDuration, 33_333_333)])),
        el(E.Cluster, uint(E.Timestamp, 0), simple(1, 0, true), el(E.SimpleBlock, blockData(1, 33, 0x08)), simple(1, 33, false)),
      ),
    );
    expect(track.frameTimestamps).to.deep.equal([0, 0.033]);
    expect(Array.from(track.samples.frames)).to.deep.equal([0, -1, 1]);
    expect(new Set(track.samples.timestampsUs).size).to.equal(3);
  });

  it('Tracks after the clusters, found through the SeekHead', async () => {
    const tracks = el(E.Tracks, videoTrack(1));
    const cluster = el(E.Cluster, uint(E.Timestamp, 0), simple(1, 0, true), simple(1, 40, false));
    const seekHeadFor = (at: number) =>
      el(E.SeekHead, el(E.Seek, el(E.SeekID, [0x16, 0x54, 0xae, 0x6b]), el(E.SeekPosition, bytesOf(at, 4))));
    const seekHeadLength = seekHeadFor(0).byteLength;
    const infoBytes = info();
    const at = seekHeadLength + infoBytes.byteLength + cluster.byteLength;
    const track = await parse(webm(seekHeadFor(at), infoBytes, cluster, tracks));
    expect(track.frameTimestamps).to.deep.equal([0, 0.04]);
    // Without the SeekHead, there is nothing to go by.
    const error = await rejection(parse(webm(infoBytes, cluster, tracks)));
    expect(error.message).to.contain('no Tracks');
  });

  it('damage inside a cluster costs the rest of that cluster; the walk resumes at the next one', async () => {
    const broken = el(E.Cluster, uint(E.Timestamp, 0), simple(1, 0, true), simple(1, 33, false));
    const damaged = broken.slice();
    damaged[damaged.byteLength - 8] = 0x00; // the second block's track number: not a number
    const track = await parse(
      webm(info(), el(E.Tracks, videoTrack(1)), damaged, el(E.Cluster, uint(E.Timestamp, 67), simple(1, 0, true), simple(1, 33, false))),
    );
    expect(track.frameTimestamps).to.deep.equal([0, 0.067, 0.1]);
  });

  it('a block before its cluster’s Timestamp is damage, not a frame at time NaN', async () => {
    const track = await parse(
      webm(info(), el(E.Tracks, videoTrack(1)), el(E.Cluster, simple(1, 0, true)), el(E.Cluster, uint(E.Timestamp, 40), simple(1, 0, true))),
    );
    expect(track.frameTimestamps).to.deep.equal([0.04]);
  });

  it('format errors: no video track, another DocType, no Segment, compressed frames, no frames, zero TimestampScale', async () => {
    const cluster = el(E.Cluster, uint(E.Timestamp, 0), simple(1, 0, true));
    const cases: Array<[Uint8Array, string]> = [
      [webm(info(), el(E.Tracks, audioTrack(1)), cluster), 'no video track'],
      [Uint8Array.from([...header('mkv3d'), ...unknownSize(E.Segment, info())]), 'mkv3d'],
      [Uint8Array.from([...header(), ...el(E.Tags, [])]), 'not a Segment'],
      [webm(info(), el(E.Tracks, videoTrack(1, 'V_VP8', [el(E.ContentEncodings, [])])), cluster), 'ContentEncodings'],
      [webm(info(), el(E.Tracks, videoTrack(1)), el(E.Cluster, uint(E.Timestamp, 0), simple(2, 0, true))), 'no frames'],
      [webm(info(0), el(E.Tracks, videoTrack(1)), cluster), 'TimestampScale'],
      [webm(info(), el(E.Tracks, el(E.TrackEntry, uint(E.TrackNumber, 1), uint(E.TrackType, 1)))), 'picture size'],
    ];
    for (const [bytes, words] of cases) {
      const error = await rejection(parse(bytes));
      expect(error.code, words).to.equal('format');
      expect(error.message, words).to.contain(words);
    }
  });

  it('a codec WebCodecs has no name for keeps its CodecID: the support check turns it away', async () => {
    const track = await parse(webm(info(), el(E.Tracks, videoTrack(1, 'V_THEORA')), el(E.Cluster, uint(E.Timestamp, 0), simple(1, 0, true))));
    expect(track.codec).to.equal('V_THEORA');
  });

  it('H.264 without CodecPrivate: the codec string from the SPS of the first (Annex-B) frame', async () => {
    const sps = [0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9];
    const frame = [0, 0, 0, 1, ...sps, 0, 0, 0, 1, 0x68, 0xeb, 0, 0, 0, 1, 0x65, 0x88, 0x84];
    const track = await parse(
      webm(info(), el(E.Tracks, videoTrack(1, 'V_MPEG4/ISO/AVC')), el(E.Cluster, uint(E.Timestamp, 0), simple(1, 0, true, frame))),
    );
    expect(track.codec).to.equal('avc1.64001f');
    expect(track.description).to.equal(undefined); // repairAnnexB builds it from the stream
  });
});

describe('WebM codec strings and EBML pieces', function () {
  this.timeout(30_000);

  it('AV1 without CodecPrivate: the string from the sequence header in the key frame', async () => {
    const bytes = await fetchBytes('webm-av1.webm');
    const track = await parseWebm(memory(bytes), 'webm-av1.webm');
    const first = bytes.subarray(track.samples.offsets[0], track.samples.offsets[0] + track.samples.sizes[0]);
    expect(av1CodecFromBitstream(first)).to.equal(track.codec);
    // The av1C's configOBUs hold the same sequence header.
    expect(av1CodecFromBitstream(track.description!.subarray(4))).to.equal('av01.0.00M.08');
    const delta = bytes.subarray(track.samples.offsets[1], track.samples.offsets[1] + track.samples.sizes[1]);
    expect(av1CodecFromBitstream(delta)).to.equal(null);
  });

  it('VP9: profile and bit depth from the key frame; the level as FFmpeg picks it', async () => {
    const bytes = await fetchBytes('webm-vp9.webm');
    const track = await parseWebm(memory(bytes), 'webm-vp9.webm');
    expect(vp9FrameInfo(bytes.subarray(track.samples.offsets[0], track.samples.offsets[0] + 64))).to.deep.equal({ profile: 0, bitDepth: 8 });
    expect(vp9FrameInfo(bytes.subarray(track.samples.offsets[1], track.samples.offsets[1] + 64))).to.equal(null);
    expect(vp9Level(320, 240, 30)).to.equal(20);
    expect(vp9Level(1280, 720, 30)).to.equal(31);
    expect(vp9Level(1920, 1080, 30)).to.equal(40);
    expect(vp9Level(3840, 2160, 60)).to.equal(51);
    expect(vp9Level(16384, 16384, 120)).to.equal(62);
  });

  it('H.265: the string from an hvcC is the one mp4box gives the MP4 path', async () => {
    const { track, bytes } = await openMp4(new URL(`${MEDIA}h265.mp4`, location.href).href, {
      signal: new AbortController().signal,
      credentials: 'same-origin',
    });
    bytes.close();
    expect(hevcCodec(track.description!)).to.equal(track.codec);
  });

  it('element headers: IDs and sizes of every length, unknown sizes, junk', () => {
    expect(parseHeader(Uint8Array.of(0x1a, 0x45, 0xdf, 0xa3, 0x9f), 0, 0)).to.deep.equal({ id: 0x1a45dfa3, start: 0, dataStart: 5, size: 31 });
    expect(parseHeader(Uint8Array.of(0xa3, 0x40, 0x02), 0, 10)).to.deep.equal({ id: 0xa3, start: 10, dataStart: 13, size: 2 });
    expect(parseHeader(Uint8Array.of(0x1f, 0x43, 0xb6, 0x75, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 0, 0)!.size).to.equal(null);
    expect(parseHeader(Uint8Array.of(0xa3, 0xff), 0, 0)!.size).to.equal(null);
    expect(parseHeader(Uint8Array.of(0xa3, 0x01, 0, 0, 0, 0, 0, 1, 0), 0, 0)!.size).to.equal(256);
    expect(parseHeader(Uint8Array.of(0x1f, 0x43), 0, 0)).to.equal(null); // the file ends inside it
    expect(() => parseHeader(Uint8Array.of(0x00, 0x81), 0, 0)).to.throw(/no element ID/);
    expect(() => parseHeader(Uint8Array.of(0x08, 0, 0, 0, 0, 0x81), 0, 0)).to.throw(/no element ID/); // a 5-byte ID
    expect(() => parseHeader(Uint8Array.of(0xa3, 0x00, 0), 0, 0)).to.throw(/no element size/);
    expect(() => parseHeader(Uint8Array.of(0xa3, 0x01, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe), 0, 0)).to.throw(/claims/);
  });

  it('the windowed reader answers short at the end of the file and empty past it', async () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const reader = new WindowedReader(memory(bytes));
    expect(Array.from(await reader.bytes(990, 20))).to.deep.equal(Array.from(bytes.subarray(990)));
    expect((await reader.bytes(1000, 4)).byteLength).to.equal(0);
    expect(Array.from(await reader.bytes(10, 3))).to.deep.equal([10, 11, 12]);
  });
});

describe('openWebm: a long file is published from its head', () => {
  const saved = { ...WEBM_HEAD };
  afterEach(() => Object.assign(WEBM_HEAD, saved));

  for (const unknown of [false, true]) {
    it(`${unknown ? 'clusters of unknown size (MediaRecorder)' : 'sized clusters'}: the head, then the track a whole parse gives`, async () => {
      const cluster = unknown ? unknownSize : el;
      // 12 clusters of 0.1 s, a key frame and two delta frames each: 36 frames, 1.2 s.
      const clusters = Array.from({ length: 12 }, (_, c) =>
        cluster(E.Cluster, uint(E.Timestamp, c * 100), ...[0, 1, 2].map((k) => simple(1, k * 33, k === 0, new Array<number>(40).fill(c)))),
      );
      const file = webm(info(1_000_000, 1200), el(E.Tracks, videoTrack(1, 'V_VP8', [uint(E.DefaultDuration, 33_333_333)])), ...clusters);
      WEBM_HEAD.bytes = Infinity;
      const whole = await parse(file);
      expect(whole.frameTimestamps).to.have.length(36);

      WEBM_HEAD.bytes = 200;
      const opened = await openWebm(memory(file), 'long');
      if (!('growing' in opened)) throw new Error('a whole track: the head was not published');
      const { growing } = opened;
      const head = growing.track;
      expect(growing.complete).to.equal(false);
      expect(head.frameTimestamps.length, 'frames in the head').to.be.within(6, 30);
      expect(head.frameTimestamps).to.deep.equal(whole.frameTimestamps.slice(0, head.frameTimestamps.length));
      expect(head.duration, "the Info's Duration").to.be.closeTo(1.2, 1e-9);
      // Times before the head's last key frame are covered; a later one waits for the walk.
      const lastKey = head.frameTimestamps[head.frameTimestamps.length - 3];
      expect(growing.covers(lastKey - 0.001)).to.equal(true);
      expect(growing.covers(1.15)).to.equal(false);
      await growing.ensure(1.15);
      expect(growing.complete).to.equal(true);
      expect(growing.track.frameTimestamps).to.deep.equal(whole.frameTimestamps);
      expect(Array.from(growing.track.samples.offsets)).to.deep.equal(Array.from(whole.samples.offsets));
      expect(Array.from(growing.track.samples.keys)).to.deep.equal(Array.from(whole.samples.keys));
    });
  }

  it('a file with less than the head left after it is parsed whole', async () => {
    // Three clusters of a key frame each: after the second, two key frames are in and more than
    // `bytes` walked, but only the third cluster is left, one byte short of `bytes`.
    const clusters = Array.from({ length: 3 }, (_, c) => el(E.Cluster, uint(E.Timestamp, c * 100), simple(1, 0, true, new Array<number>(40).fill(c))));
    const file = webm(info(), el(E.Tracks, videoTrack(1)), ...clusters);
    WEBM_HEAD.bytes = clusters[2].byteLength + 1;
    expect(file.byteLength - 2 * clusters[2].byteLength, 'walked by the third cluster').to.be.above(WEBM_HEAD.bytes);
    expect('track' in (await openWebm(memory(file), 'short')), 'parsed whole').to.equal(true);
    // With one byte less asked for, the same file is published from its head.
    WEBM_HEAD.bytes -= 1;
    expect('growing' in (await openWebm(memory(file), 'short')), 'from its head').to.equal(true);
  });
});
