/**
 * The fragmented-MP4 reader (src/mp4/fragments.ts, fragmented-track.ts) on the frag-* fixtures
 * over the test server's ranges: the first fragment alone gives the track, an index (sidx,
 * mfra) gives the duration at once, the table fills to ffprobe's timestamps, and the box
 * readers reject counts that do not fit.
 */
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { openMp4, type OpenedVideo } from '../../src/mp4/open-mp4.js';
import { mfraSize, readFragment, readMfra, readSidx } from '../../src/mp4/fragments.js';
import { RerunVideoError } from '../../src/errors.js';
import { SampleTableError } from '../../src/mp4/sample-table.js';
import type { VideoTrack } from '../../src/mp4/video-track.js';
import { MEDIA, fixtureInfo } from '../helpers/media.js';

const open = (name: string, query = ''): Promise<OpenedVideo> =>
  openMp4(new URL(`${MEDIA}${name}.mp4${query}`, location.href).href, { signal: new AbortController().signal, credentials: 'same-origin' });

/** Waits for the background walk to publish a complete track. */
async function complete(opened: OpenedVideo): Promise<VideoTrack> {
  const fragments = opened.fragments!;
  if (fragments.complete) return opened.track;
  const done = new Promise<VideoTrack>((resolve) => {
    fragments.onChange = (track) => fragments.complete && resolve(track);
  });
  fragments.startIndexing();
  return done;
}

const round = (values: readonly number[]) => values.map((t) => Math.round(t * 1e6) / 1e6);

interface Logged {
  range?: string;
  status: number;
}

describe('fragmented MP4 reader', function () {
  this.timeout(30_000);

  for (const [name, found] of [
    ['frag-sidx', 'the sidx'],
    ['frag-mfra', 'the mfra'],
    ['frag-plain', 'a search of the end of the file'],
  ] as const) {
    it(`${name}: the first fragment opens it; ${found} finds the last one (the duration); the table ends as ffprobe's`, async () => {
      const info = await fixtureInfo(name);
      await executeServerCommand('request-log', { clear: true });
      const opened = await open(name);
      const requests = (await executeServerCommand('request-log', { match: name, details: true })) as Logged[];
      const { track } = opened;
      expect(opened.fragments, 'a growing track').to.not.equal(undefined);
      expect(opened.fragments!.complete).to.equal(false);
      // At most the first fragment and, with an index, the last one.
      expect(track.frameTimestamps.length).to.be.at.most(60);
      expect(round(track.frameTimestamps.slice(0, 30))).to.deep.equal(info.timestamps.slice(0, 30));
      const last = info.timestamps[449] + 1 / 30;
      expect(track.duration).to.be.closeTo(last, 1e-6);
      expect(round(track.frameTimestamps.slice(-30))).to.deep.equal(info.timestamps.slice(-30));
      // The probe, then small exact reads (mfro, index, moofs; without an index the end searched in 16 and 32 KiB): no cache blocks.
      for (const request of requests.slice(1)) {
        const [, from, to] = /bytes=(\d+)-(\d+)/.exec(request.range ?? '')!.map(Number);
        expect(to - from + 1, request.range).to.be.at.most(name === 'frag-plain' ? 32768 : 4096);
      }
      expect(requests.length, JSON.stringify(requests.map((r) => r.range))).to.be.at.most(name === 'frag-plain' ? 5 : 4);
      const full = await complete(opened);
      expect(round(full.frameTimestamps)).to.deep.equal(info.timestamps);
      expect(full.duration).to.be.closeTo(last, 1e-6);
      const keys = Array.from(full.frameSample).map((sample) => full.samples.keys[sample]);
      expect(keys.flatMap((key, frame) => (key ? [frame] : []))).to.deep.equal(info.keyframes);
      opened.bytes.close();
    });
  }

  for (const [name, most] of [
    ['frag-sidx', 2],
    ['frag-plain', 4],
  ] as const) {
  it(`${name}: ensure() reads only what the fragment a time needs takes (${name === 'frag-plain' ? 'a jump, not a walk' : 'the index entry'})`, async () => {
    const info = await fixtureInfo(name);
    const opened = await open(name);
    const fragments = opened.fragments!;
    const time = info.timestamps[11 * 30 + 12]; // the 12th fragment, at 282 kB: past the 256 KiB the first request reads
    expect(fragments.covers(time)).to.equal(false);
    let published: VideoTrack | null = null;
    fragments.onChange = (track) => (published = track);
    await executeServerCommand('request-log', { clear: true });
    await fragments.ensure(time);
    expect(fragments.covers(time)).to.equal(true);
    const requests = (await executeServerCommand('request-log', { match: name, details: true })) as Logged[];
    // Walking from the first fragment would read 11 moofs.
    expect(requests.length, JSON.stringify(requests.map((r) => r.range))).to.be.within(1, most);
    const track = published as VideoTrack | null;
    expect(track).to.not.equal(null);
    const shown = round(track!.frameTimestamps);
    expect(shown).to.include(time);
    expect(shown.length).to.be.at.most(name === 'frag-plain' ? 150 : 120); // and the fragment after it, which bounds it
    opened.bytes.close();
  });
  }

  it('a hierarchical sidx (a top index of two nested ones): the last fragment and every frame found', async () => {
    const info = await fixtureInfo('frag-sidx');
    const bytes = new Uint8Array(await (await fetch(`${MEDIA}frag-sidx.mp4`)).arrayBuffer());
    const view = new DataView(bytes.buffer);
    let at = 0;
    while (String.fromCharCode(...bytes.subarray(at + 4, at + 8)) !== 'sidx') at += view.getUint32(at);
    const sidxEnd = at + view.getUint32(at);
    expect(bytes[at + 8], 'a version 1 sidx').to.equal(1);
    const trackId = view.getUint32(at + 12);
    const timescale = view.getUint32(at + 16);
    const earliest = Number(view.getBigUint64(at + 20));
    const refs = Array.from({ length: view.getUint16(at + 38) }, (_, i) => ({
      size: view.getUint32(at + 40 + 12 * i) & 0x7fffffff,
      duration: view.getUint32(at + 44 + 12 * i),
      sap: view.getUint32(at + 48 + 12 * i),
    }));
    const sidx = (ept: number, entries: Array<{ size: number; duration: number; sap: number; nested?: boolean }>) => {
      const box = new Uint8Array(40 + 12 * entries.length);
      const v = new DataView(box.buffer);
      v.setUint32(0, box.length);
      box.set([0x73, 0x69, 0x64, 0x78], 4);
      box[8] = 1;
      v.setUint32(12, trackId);
      v.setUint32(16, timescale);
      v.setBigUint64(20, BigInt(ept));
      v.setUint16(38, entries.length);
      entries.forEach((e, i) => {
        v.setUint32(40 + 12 * i, (e.nested ? 0x80000000 : 0) | e.size);
        v.setUint32(44 + 12 * i, e.duration);
        v.setUint32(48 + 12 * i, e.sap);
      });
      return box;
    };
    const sum = (list: typeof refs, key: 'size' | 'duration') => list.reduce((total, r) => total + r[key], 0);
    const [first, second] = [refs.slice(0, 7), refs.slice(7)];
    const a = sidx(earliest, first);
    const b = sidx(earliest + sum(first, 'duration'), second);
    const top = sidx(earliest, [
      { size: a.length + sum(first, 'size'), duration: sum(first, 'duration'), sap: 0x90000000, nested: true },
      { size: b.length + sum(second, 'size'), duration: sum(second, 'duration'), sap: 0x90000000, nested: true },
    ]);
    const split = sidxEnd + sum(first, 'size');
    const file = new Blob([bytes.subarray(0, at), top, a, bytes.subarray(sidxEnd, split), b, bytes.subarray(split)]);
    const opened = await openMp4(file, { signal: new AbortController().signal, credentials: 'same-origin' });
    expect(opened.track.duration).to.be.closeTo(info.timestamps[449] + 1 / 30, 1e-6);
    expect(opened.track.frameTimestamps.length).to.equal(60);
    const time = info.timestamps[10 * 30 + 5];
    await opened.fragments!.ensure(time);
    expect(round(opened.track.frameTimestamps)).to.include(time);
    expect(opened.track.frameTimestamps.length).to.be.at.most(120);
    const full = await complete(opened);
    expect(round(full.frameTimestamps)).to.deep.equal(info.timestamps);
    opened.bytes.close();
  });

  it('a server without ranges: the first fragment opens it while the rest is still coming', async () => {
    const info = await fixtureInfo('frag-plain');
    const opened = await open('frag-plain', '?norange&throttle=400000');
    expect(opened.track.frameTimestamps.length).to.be.at.most(60);
    const full = await complete(opened);
    expect(round(full.frameTimestamps)).to.deep.equal(info.timestamps);
    opened.bytes.close();
  });

  it('box readers check their counts', () => {
    const box = (type: string, payload: number[]) => {
      const bytes = new Uint8Array(8 + payload.length);
      new DataView(bytes.buffer).setUint32(0, bytes.length);
      for (let i = 0; i < 4; i++) bytes[4 + i] = type.charCodeAt(i);
      bytes.set(payload, 8);
      return bytes;
    };
    const u32 = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
    // A sidx (v0) claiming 3 references with room for 1.
    const sidx = box('sidx', [0, 0, 0, 0, ...u32(1), ...u32(90000), ...u32(0), ...u32(0), 0, 0, 0, 3, ...u32(100), ...u32(3000), ...u32(0)]);
    expect(() => readSidx(sidx, 0)).to.throw(SampleTableError);
    // The same with 1 reference: at the first byte after the sidx, 100 bytes, 3000 ticks.
    sidx[8 + 23] = 1;
    expect(readSidx(sidx, 1000).entries).to.deep.equal([{ offset: 1000 + sidx.length, size: 100, time: 0, timescale: 90000, nested: false }]);
    // A tfra (v0) claiming 2 entries with room for 1.
    const tfra = box('tfra', [0, 0, 0, 0, ...u32(1), ...u32(0), ...u32(2), ...u32(512), ...u32(4096), 1, 1, 1]);
    const mfro = box('mfro', [0, 0, 0, 0, ...u32(8 + tfra.length + 16)]);
    const mfra = box('mfra', [...tfra, ...mfro]);
    expect(mfraSize(mfra)).to.equal(mfra.length);
    expect(() => readMfra(mfra, 1, 15360)).to.throw(SampleTableError);
    // A trun claiming more samples than it holds.
    const tfhd = box('tfhd', [0, 2, 0, 0, ...u32(1)]);
    const trun = box('trun', [0, 0, 2, 0, ...u32(1000)]); // sample sizes present, none there
    const moof = box('moof', [...box('traf', [...tfhd, ...trun])]);
    expect(() => readFragment(moof, 0, 1, undefined, 0)).to.throw(SampleTableError);
  });

  it('damaged indexes and moofs (seeded): every open and every ensure() settles, with a format/network error or a track', async function () {
    this.timeout(120_000);
    let seed = 20261202;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const sources = await Promise.all(
      ['frag-sidx', 'frag-mfra', 'frag-plain'].map(async (name) => new Uint8Array(await (await fetch(`${MEDIA}${name}.mp4`)).arrayBuffer())),
    );
    /** Offsets of the boxes worth damaging: sidx, moof, mfra. */
    const targets = sources.map((bytes) => {
      const view = new DataView(bytes.buffer);
      const found: Array<[number, number]> = [];
      for (let at = 0; at + 8 <= bytes.length; at += view.getUint32(at)) {
        const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
        if (type === 'sidx' || type === 'moof' || type === 'mfra') found.push([at, view.getUint32(at)]);
      }
      return found;
    });
    const settle = <T>(promise: Promise<T>, what: string) =>
      Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not settle in 5 s`)), 5000))]);
    let opened = 0;
    let failed = 0;
    for (let k = 0; k < 60; k++) {
      const which = k % 3;
      const bytes = sources[which].slice();
      const boxes = targets[which];
      const [at, size] = boxes[Math.floor(random() * boxes.length)];
      const mode = Math.floor(random() * 3);
      let file = bytes;
      if (mode === 0) {
        for (let n = 0; n < 4; n++) bytes[at + Math.floor(random() * size)] = Math.floor(random() * 256);
      } else if (mode === 1) {
        new DataView(bytes.buffer).setUint32(at + 8 + 4 * Math.floor(random() * Math.min(16, size / 4 - 2)), Math.floor(random() * 2 ** 32));
      } else {
        file = bytes.subarray(0, at + Math.floor(random() * size));
      }
      const label = `case ${k}: ${['bytes', 'a word', 'truncated'][mode]} in the box at ${at} of fixture ${which}`;
      try {
        const video = await settle(openMp4(new Blob([file]), { signal: new AbortController().signal, credentials: 'same-origin' }), label);
        opened++;
        const fragments = video.fragments!;
        for (const time of [random() * 16, 1e9, -1, random() * 16]) {
          await settle(fragments.ensure(time).catch((error) => expect(error, label).to.be.instanceOf(RerunVideoError)), `${label}: ensure(${time})`);
          expect(fragments.covers(time), `${label}: covers(${time}) after ensure`).to.equal(true);
        }
        expect(video.track.frameTimestamps.length, label).to.be.at.most(450);
        video.bytes.close();
      } catch (error) {
        if (!(error instanceof RerunVideoError)) throw new Error(`${label}: ${(error as Error).message}`, { cause: error });
        failed++;
      }
    }
    expect(opened + failed).to.equal(60);
    expect(opened, 'most damage leaves a playable file').to.be.greaterThan(30);
  });
});

