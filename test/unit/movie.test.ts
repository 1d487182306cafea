import { expect } from '@open-wc/testing';
import { createFile, DataStream, Endianness, MP4BoxBuffer, VisualSampleEntry, type ISOFile, type MultiBufferStream } from 'mp4box';
import { readFragment, readTrex } from '../../src/mp4/fragments.js';
import { firstVideoTrack, parseMovie } from '../../src/mp4/movie.js';
import { MEDIA } from '../helpers/media.js';

/** The top-level boxes of a file: type, offset, size. */
function topBoxes(file: Uint8Array): Array<{ type: string; start: number; size: number }> {
  const view = new DataView(file.buffer);
  const boxes = [];
  for (let offset = 0; offset + 8 <= file.byteLength; ) {
    let size = view.getUint32(offset);
    if (size === 1) size = Number(view.getBigUint64(offset + 8));
    if (size === 0) size = file.byteLength - offset;
    boxes.push({ type: String.fromCharCode(...file.subarray(offset + 4, offset + 8)), start: offset, size });
    offset += size;
  }
  return boxes;
}

const FIXTURES = [
  'h264-bframes.mp4',
  'h264-nobframes.mp4',
  'h264-longgop.mp4',
  'h264-vfr.mp4',
  'h265.mp4',
  'av1.mp4',
  'vp9.mp4',
  'vp8.mp4',
  'edge-h264-444.mp4',
  'edge-mirror.mp4',
  'edge-mirror-rot90.mp4',
  'edge-annexb.mp4',
  'edge-frag-bframes-noedit.mp4',
  'edge-frag-c608.mp4',
  'edge-frag-nosync.mp4',
  'encoded/encoded-vfr.mp4',
  'frag-sidx.mp4',
  'frag-mfra.mp4',
  'frag-plain.mp4',
].map((name) => MEDIA + name);

const CORPUS = (async () => {
  const index = (await (await fetch('/corpus/index.json')).json()) as { files: Record<string, unknown> };
  return Object.keys(index.files).filter((name) => /\.(mp4|mov)$/.test(name)).map((name) => `/corpus/${name}`);
})();

/** mp4box's description bytes of a sample entry (what the element passed before). */
function mp4boxDescription(entry: VisualSampleEntry): Uint8Array | undefined {
  const box = entry.avcC ?? entry.hvcC ?? entry.av1C;
  if (!box) return undefined;
  const stream = new DataStream(undefined, 0, Endianness.BIG_ENDIAN);
  box.write(stream as MultiBufferStream);
  return new Uint8Array(stream.buffer, 8, stream.getPosition() - 8).slice();
}

/** A configuration record with its reserved bits cleared. */
function maskReserved(type: string, record: Uint8Array | undefined): number[] | undefined {
  if (!record) return undefined;
  const bytes = Array.from(record);
  const masks: Record<number, number> = type.startsWith('avc') ? { 4: 0x03, 5: 0x1f } : type.startsWith('h') ? { 13: 0x0f, 15: 0x03, 16: 0x03, 17: 0x07, 18: 0x07 } : {};
  for (const [at, mask] of Object.entries(masks)) if (Number(at) < bytes.length) bytes[Number(at)] &= mask;
  return bytes;
}

async function compare(url: string): Promise<void> {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const file = createFile() as ISOFile;
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(bytes.slice().buffer, 0));
  file.flush();
  const info = file.getInfo();
  const boxes = topBoxes(bytes);
  const moovBox = boxes.find((b) => b.type === 'moov')!;
  const movie = parseMovie(bytes.subarray(moovBox.start, moovBox.start + moovBox.size));
  expect(movie.timescale, 'movie timescale').to.equal(info.timescale);
  expect(movie.fragmented, 'fragmented').to.equal(info.isFragmented);
  expect(movie.tracks.map((t) => t.id)).to.deep.equal(info.tracks.map((t) => t.id));
  const theirs = info.videoTracks[0];
  const ours = firstVideoTrack(movie)!;
  expect(ours.id).to.equal(theirs.id);
  expect(Array.from(ours.matrix), 'matrix').to.deep.equal(Array.from(theirs.matrix));
  expect([ours.width, ours.height], 'tkhd size').to.deep.equal([theirs.track_width, theirs.track_height]);
  const trak = file.getTrackById(theirs.id);
  expect([ours.timescale, ours.duration], 'mdhd').to.deep.equal([trak.mdia.mdhd.timescale, trak.mdia.mdhd.duration]);
  const edits = (theirs.edits ?? []).map((e) => ({ segment_duration: e.segment_duration, media_time: e.media_time }));
  expect(ours.edits, 'edits').to.deep.equal(edits);
  const entry = trak.mdia.minf.stbl.stsd.entries[0] as VisualSampleEntry;
  expect(ours.entry, 'sample entry').to.not.equal(null);
  expect([ours.entry!.type, ours.entry!.width, ours.entry!.height], 'entry').to.deep.equal([entry.type, entry.width, entry.height]);
  expect(ours.entry!.codec, 'codec').to.equal(entry.getCodec());
  // The records as in the file; mp4box writes its own copy back, with reserved bits of its
  // choosing (avcC 0xfb/0xff before the length size, hvcC's reserved bits as 0): those are
  // left out of the comparison.
  const theirsDescription = mp4boxDescription(entry);
  expect(maskReserved(entry.type, ours.entry!.description), 'description').to.deep.equal(maskReserved(entry.type, theirsDescription));

  if (!movie.fragmented) return;
  // Fragments: every sample as mp4box has it, except that each fragment starts at its tfdt.
  const moov = bytes.subarray(moovBox.start, moovBox.start + moovBox.size);
  const trex = readTrex(moov).get(ours.id);
  const rows: Array<[number, number, boolean, number]> = [];
  let end = 0;
  for (const box of boxes) {
    if (box.type !== 'moof') continue;
    const part = readFragment(bytes.subarray(box.start, box.start + box.size), box.start, ours.id, trex, end);
    for (let i = 0; i < part.count; i++) rows.push([part.offsets[i], part.sizes[i], part.sync[i] === 1, part.cts[i] - part.dts[i]]);
    if (part.count) end = part.dts[part.count - 1] + part.durations[part.count - 1];
  }
  const samples = file.getTrackSamplesInfo(ours.id);
  // A fragmented movie may list its first samples in the moov's own tables.
  const inMoov = samples.length - rows.length;
  expect(inMoov, 'samples').to.be.at.least(0);
  samples.slice(inMoov).forEach((s, i) => {
    const theirsRow = [s.offset, s.size, s.is_sync, s.cts - s.dts];
    if (rows[i].some((v, k) => v !== theirsRow[k])) expect(rows[i], `sample ${i}`).to.deep.equal(theirsRow);
  });
}

describe('parseMovie and readFragment read what mp4box reads', function () {
  this.timeout(60_000);
  for (const url of FIXTURES) it(url.split('/').pop()!, () => compare(url));
  it('every corpus file', async () => {
    const urls = await CORPUS;
    expect(urls.length).to.be.at.least(18);
    const failures: string[] = [];
    for (const url of urls) await compare(url).catch((error: Error) => failures.push(`${url}: ${error.message}`));
    expect(failures).to.deep.equal([]);
  });
});
