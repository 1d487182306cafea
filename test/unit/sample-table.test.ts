import { expect } from '@open-wc/testing';
import { createFile, MP4BoxBuffer, type ISOFile } from 'mp4box';
import { parseMovie } from '../../src/mp4/movie.js';
import { checkBoxes, readSampleTable, type Box } from '../../src/mp4/sample-table.js';
import { Slices } from '../../src/slices.js';
import { firstVideoTrack } from '../../src/mp4/movie.js';
import { buildVideoTrack } from '../../src/mp4/video-track.js';
import { MEDIA } from '../helpers/media.js';

/** The file's moov box bytes (found by walking the top-level boxes). */
function moovOf(file: Uint8Array): Uint8Array {
  const view = new DataView(file.buffer);
  for (let offset = 0; offset + 8 <= file.byteLength; ) {
    let size = view.getUint32(offset);
    if (size === 1) size = Number(view.getBigUint64(offset + 8));
    if (size === 0) size = file.byteLength - offset;
    if (String.fromCharCode(...file.subarray(offset + 4, offset + 8)) === 'moov') return file.slice(offset, offset + size);
    offset += size;
  }
  throw new Error('no moov');
}

const FILES = [
  `${MEDIA}h264-bframes.mp4`,
  `${MEDIA}h264-vfr.mp4`,
  `${MEDIA}vp8.mp4`,
  `${MEDIA}edge-h264-444.mp4`,
  '/corpus/ios_flir_h264_bframes_editlist_moovend.mp4',
  '/corpus/iphone15pm_hevc_main10_rot90_60fps.mov',
  '/corpus/android12_h264_4k60_portrait_rot90.mp4',
  '/corpus/gopro_hero5_h264_bframes_854x480.mp4',
  '/corpus/samsung_slowmo_sef_h264_320x240.mp4',
  '/corpus/screen_recording_h264_extreme_vfr_3026x1386.mp4',
];

describe('readSampleTable', function () {
  this.timeout(30_000);

  for (const url of FILES) {
    it(`reads every track's table as mp4box does: ${url.split('/').pop()}`, async () => {
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const file = createFile() as ISOFile;
      file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(bytes.slice().buffer, 0));
      file.flush();
      const moov = moovOf(bytes);
      const movie = parseMovie(moov);
      expect(movie.fragmented).to.equal(false);
      const tables = new Map(movie.tracks.map((track) => [track.id, { data: moov, box: track.stbl! }]));
      expect(tables.size).to.equal(file.getInfo().tracks.length);
      for (const [id, { data, box }] of tables) {
        const table = (await readSampleTable(data, box))!;
        const samples = file.getTrackSamplesInfo(id);
        expect(table.count, `track ${id}`).to.equal(samples.length);
        // mp4box makes the last sample last to the end of the track (mdhd); the element does that
        // when it builds the track, so here the last duration is stts's.
        samples.forEach((s, i) => {
          const last = i === samples.length - 1;
          const mine = [table.offsets[i], table.sizes[i], table.dts[i], table.cts[i], last || table.durations[i], table.sync[i] === 1];
          const theirs = [s.offset, s.size, s.dts, s.cts, last || s.duration, s.is_sync];
          if (mine.some((v, k) => v !== theirs[k])) expect(mine, `track ${id} sample ${i}`).to.deep.equal(theirs);
        });
      }
    });
  }

  it('a table that claims more entries than its box holds is an error, not a crash', async () => {
    const bytes = new Uint8Array(await (await fetch(`${MEDIA}h264-nobframes.mp4`)).arrayBuffer());
    const moov = moovOf(bytes);
    const at = [...moov.keys()].find((i) => String.fromCharCode(...moov.subarray(i, i + 4)) === 'stsz')!;
    new DataView(moov.buffer).setUint32(at + 12, 1e9); // sample_count
    const box: Box = parseMovie(moov).tracks[0].stbl!;
    const data = moov;
    const error = await readSampleTable(data, box).catch((e: unknown) => e);
    expect((error as Error).message).to.contain('stsz');
  });

  it('checkBoxes passes real files and rejects boxes that do not fit or counts their box cannot hold', async () => {
    for (const url of FILES) checkBoxes(moovOf(new Uint8Array(await (await fetch(url)).arrayBuffer())));
    const bytes = new Uint8Array(await (await fetch(`${MEDIA}h264-nobframes.mp4`)).arrayBuffer());
    const find = (moov: Uint8Array, type: string) => [...moov.keys()].find((i) => String.fromCharCode(...moov.subarray(i, i + 4)) === type)! - 4;
    // The fuzzer's case that froze Firefox: stsz's size field set to 1 (a 64-bit size follows).
    const largesize = moovOf(bytes);
    new DataView(largesize.buffer).setUint32(find(largesize, 'stsz'), 1);
    expect(() => checkBoxes(largesize)).to.throw(/does not fit/);
    const count = moovOf(bytes);
    new DataView(count.buffer).setUint32(find(count, 'stts') + 12, 0x7fffffff);
    expect(() => checkBoxes(count)).to.throw(/stts claims/);
  });

  it('builds a B-frame track whose byTime orders every sample by timestamp, and the shown frames by it', async () => {
    for (const url of [`${MEDIA}h264-bframes.mp4`, '/corpus/ios_flir_h264_bframes_editlist_moovend.mp4', `${MEDIA}h264-nobframes.mp4`]) {
      const moov = moovOf(new Uint8Array(await (await fetch(url)).arrayBuffer()));
      const movie = parseMovie(moov);
      const video = firstVideoTrack(movie)!;
      const track = await buildVideoTrack(movie, video, (await readSampleTable(moov, video.stbl!))!);
      const { timestampsUs, frames, byTime, count } = track.samples;
      const order = byTime ?? Uint32Array.from({ length: count }, (_, i) => i);
      expect(new Set(order).size, url).to.equal(count);
      for (let k = 1; k < count; k++) expect(timestampsUs[order[k]], `${url} #${k}`).to.be.at.least(timestampsUs[order[k - 1]]);
      const shown = [...order].filter((i) => frames[i] >= 0);
      expect(shown.map((i) => frames[i]), url).to.deep.equal(shown.map((_, k) => k));
      expect([...track.frameSample], url).to.deep.equal(shown);
      expect(byTime === undefined, url).to.equal(url.endsWith('nobframes.mp4'));
    }
  });
});

describe('Slices', () => {
  it('yields to the page only once a task has run its slice of time', async () => {
    const ticks = async () => {
      for (let i = 0; i < 4; i++) await Promise.resolve();
    };
    const slices = new Slices();
    let quick = false;
    void slices.pause().then(() => (quick = true)); // just made: no yield, done within microtasks
    await ticks();
    expect(quick, 'a pause inside the slice left the task').to.equal(true);
    const until = performance.now() + 30;
    while (performance.now() < until) {
      // a long stretch of work
    }
    let yielded = false;
    const pausing = slices.pause().then(() => (yielded = true));
    await ticks();
    expect(yielded, 'resolved in the same task').to.equal(false);
    await pausing;
    expect(yielded).to.equal(true);
  });
});
