/**
 * Loading over a real HTTP server: range requests, a server without them, Blobs and Files,
 * throttled bodies and broken connections (test/server/: `?norange`, `?throttle=`,
 * `?drop-after=`, `?status=`, `?lie-size=` on any media URL).
 */
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../src/index.js';
import type { RerunVideo } from '../src/index.js';
import type { IndexedEvent, RerunVideoErrorEvent } from '../src/events.js';
import { openMp4 } from '../src/mp4/open-mp4.js';
import { readFrameCode } from './helpers/frame-code.js';
import { MEDIA, fixtureInfo, sleep } from './helpers/media.js';

interface LoggedRequest {
  method: string;
  url: string;
  range?: string;
  status: number;
  bytes?: number;
}

const MOOV_AT_END = '/corpus/ios_flir_h264_bframes_editlist_moovend.mp4';

const cleanup: RerunVideo[] = [];
afterEach(() => {
  for (const el of cleanup.splice(0)) el.remove();
});

function element(props: Partial<Pick<RerunVideo, 'src' | 'srcObject' | 'time'>>): { el: RerunVideo; errors: RerunVideoErrorEvent[] } {
  const el = document.createElement('rerun-video');
  cleanup.push(el);
  const errors: RerunVideoErrorEvent[] = [];
  el.addEventListener('error', (e) => errors.push(e));
  Object.assign(el, props);
  return { el, errors };
}

async function log(match: string): Promise<LoggedRequest[]> {
  return (await executeServerCommand('request-log', { match, details: true })) as LoggedRequest[];
}

/** Bytes a request asked for: its range, or the whole file. */
function asked(request: LoggedRequest, size: number): number {
  const match = /^bytes=(\d+)-(\d*)$/.exec(request.range ?? '');
  if (!match) return size;
  const end = match[2] === '' ? size - 1 : Math.min(size - 1, Number(match[2]));
  return end - Number(match[1]) + 1;
}

async function fileSize(url: string): Promise<number> {
  const response = await fetch(url, { method: 'HEAD' });
  return Number(response.headers.get('content-length'));
}

describe('<rerun-video> loading with range requests', function () {
  this.timeout(60_000);

  it('a moov-at-end file: the moov is found by skipping mdat, which is never fetched whole', async () => {
    const size = await fileSize(MOOV_AT_END);
    await executeServerCommand('request-log', { clear: true });
    const { el, errors } = element({ src: MOOV_AT_END });
    document.body.append(el);
    await oneEvent(el, 'frame');
    const requests = await log('moovend');
    expect(errors).to.have.length(0);
    expect(requests.length).to.be.greaterThan(1);
    for (const request of requests) {
      expect(request.range, 'every request is ranged').to.match(/^bytes=\d+-\d+$/);
      expect(request.status).to.equal(206);
      expect(asked(request, size), request.range).to.be.lessThan(size / 2);
    }
    const total = requests.reduce((sum, request) => sum + asked(request, size), 0);
    expect(total).to.be.lessThan(size * 0.6);
  });

  it('a seek to the last frame fetches the last GOP and little else', async () => {
    const url = new URL(MOOV_AT_END, location.href).href;
    const { track, bytes } = await openMp4(url, { signal: new AbortController().signal, credentials: 'same-origin' });
    bytes.close();
    const { keys, offsets, sizes, count } = track.samples;
    const lastKey = keys.lastIndexOf(1);
    const gop = Array.from({ length: count - lastKey }, (_, k) => lastKey + k);
    const gopBytes = Math.max(...gop.map((i) => offsets[i] + sizes[i])) - Math.min(...gop.map((i) => offsets[i]));
    const size = await fileSize(MOOV_AT_END);

    const { el } = element({ src: MOOV_AT_END });
    document.body.append(el);
    await oneEvent(el, 'frame');
    await sleep(200);
    await executeServerCommand('request-log', { clear: true });
    const detail = await el.seek(1e9);
    expect(detail.index).to.equal(el.frameCount - 1);
    const fetched = (await log('moovend')).reduce((sum, request) => sum + asked(request, size), 0);
    // Whole 64 KiB blocks either side of the GOP's bytes.
    expect(fetched).to.be.at.most(gopBytes + 2 * 65536);
    expect(fetched).to.be.at.least(gopBytes * 0.5);
  });

  it('cache-size bounds what is kept: a tiny cache still shows exact frames', async () => {
    const { el, errors } = element({ src: `${MEDIA}h264-longgop.mp4` });
    el.cacheSize = 0.1;
    document.body.append(el);
    await oneEvent(el, 'frame');
    for (const frame of [260, 20, 299, 150]) {
      await el.seek(el.frameTimestamps[frame]);
      expect(readFrameCode(el.canvas!), `frame ${frame}`).to.equal(frame);
    }
    expect(errors).to.have.length(0);
  });
});

describe('<rerun-video> srcObject', function () {
  this.timeout(30_000);

  for (const kind of ['Blob', 'File'] as const) {
    it(`shows a ${kind} without fetching anything`, async () => {
      const bytes = await (await fetch(`${MEDIA}h264-bframes.mp4`)).arrayBuffer();
      const blob = kind === 'Blob' ? new Blob([bytes], { type: 'video/mp4' }) : new File([bytes], 'dropped.mp4', { type: 'video/mp4' });
      await executeServerCommand('request-log', { clear: true });
      const { el, errors } = element({ srcObject: blob, time: 1 });
      document.body.append(el);
      const { detail } = await oneEvent(el, 'frame');
      expect(detail.index).to.equal(30);
      expect(readFrameCode(el.canvas!)).to.equal(30);
      await el.seek(el.frameTimestamps[75]);
      expect(readFrameCode(el.canvas!)).to.equal(75);
      expect(await log('/test/fixtures/')).to.deep.equal([]);
      expect(errors).to.have.length(0);
    });
  }

  it('srcObject takes precedence over src, and clearing it goes back to src', async () => {
    const bytes = await (await fetch(`${MEDIA}vp9.mp4`)).arrayBuffer();
    const { el } = element({ src: `${MEDIA}h264-nobframes.mp4`, srcObject: new Blob([bytes]), time: 0 });
    document.body.append(el);
    await oneEvent(el, 'frame');
    expect(el.codec).to.match(/^vp09/);
    el.srcObject = null;
    await oneEvent(el, 'frame');
    expect(el.codec).to.match(/^avc1/);
  });

  it('a Blob of random bytes: one format error', async () => {
    const { el, errors } = element({ srcObject: new Blob([crypto.getRandomValues(new Uint8Array(4096))]) });
    document.body.append(el);
    await waitUntil(() => errors.length > 0, 'an error');
    await sleep(200);
    expect(errors).to.have.length(1);
    expect(errors[0].detail.code).to.equal('format');
  });
});

describe('<rerun-video> loading from difficult servers', function () {
  this.timeout(60_000);

  async function expectOneError(src: string, codes: string[], time = 0): Promise<RerunVideo> {
    const { el, errors } = element({ src, time });
    document.body.append(el);
    await waitUntil(() => errors.length > 0, `an error for ${src}`, { timeout: 20_000 });
    await sleep(300);
    expect(errors).to.have.length(1);
    expect(errors[0].detail.code).to.be.oneOf(codes);
    expect(errors[0].detail.message.length).to.be.lessThan(400);
    expect(el.state).to.equal('error');
    // Usable for the next src.
    el.src = `${MEDIA}h264-nobframes.mp4`;
    el.time = 2;
    await oneEvent(el, 'frame');
    expect(readFrameCode(el.canvas!)).to.equal(60);
    return el;
  }

  it('a server without range support: one request streams the file, every frame exact', async () => {
    await executeServerCommand('request-log', { clear: true });
    const { el, errors } = element({ src: `${MEDIA}h264-bframes.mp4?norange` });
    document.body.append(el);
    await oneEvent(el, 'frame');
    for (const frame of [45, 89, 3]) {
      await el.seek(el.frameTimestamps[frame]);
      expect(readFrameCode(el.canvas!), `frame ${frame}`).to.equal(frame);
    }
    const requests = await log('h264-bframes');
    expect(requests).to.have.length(1);
    expect(requests[0].status).to.equal(200);
    expect(errors).to.have.length(0);
  });

  it('a throttled body without ranges: the first frame comes long before the download ends', async () => {
    const url = `${MEDIA}h264-longgop.mp4`;
    const size = await fileSize(url);
    const rate = Math.round(size / 4); // four seconds for the whole file
    const started = performance.now();
    const { el } = element({ src: `${url}?norange&throttle=${rate}` });
    document.body.append(el);
    await oneEvent(el, 'frame');
    const firstFrame = performance.now() - started;
    expect(readFrameCode(el.canvas!)).to.equal(0);
    expect(firstFrame, `first frame after ${Math.round(firstFrame)} ms`).to.be.lessThan(2000);
    // A frame near the end needs the bytes still coming: it shows once they are there.
    await el.seek(el.frameTimestamps[290]);
    expect(readFrameCode(el.canvas!)).to.equal(290);
    expect(performance.now() - started).to.be.greaterThan(3000);
  });

  it('a throttled server with ranges: the first frame does not wait for the rest of the file', async () => {
    const started = performance.now();
    const { el } = element({ src: `${MOOV_AT_END}?throttle=400000` });
    document.body.append(el);
    await oneEvent(el, 'frame');
    // 1.4 MB at 400 kB/s would be 3.5 s; the moov, the head and one GOP are far less.
    expect(performance.now() - started).to.be.lessThan(2500);
  });

  it('a connection dropped mid-response: one network error, then the next src loads', async () => {
    // The frame asked for needs bytes past the drop (its GOP is the whole file): bytes that came
    // before it are served, so a drop that no frame needs is no error.
    await expectOneError(`${MEDIA}h264-longgop.mp4?drop-after=30000`, ['network'], 2.9);
  });

  it('a 416 to the first request: one clear error', async () => {
    await expectOneError(`${MEDIA}h264-longgop.mp4?status=416`, ['format']);
  });

  it('a server error: one network error', async () => {
    await expectOneError(`${MEDIA}h264-longgop.mp4?status=500`, ['network']);
  });

  it('a server that lies about the size: one clear error, never a hang', async () => {
    const { el, errors } = element({ src: `${MOOV_AT_END}?lie-size=3000000` });
    document.body.append(el);
    await waitUntil(() => errors.length > 0 || el.state === 'ready', 'an answer', { timeout: 20_000 });
    if (el.state === 'ready') {
      // The sample table may still be found; then seeks must settle.
      const outcome = await Promise.race([el.seek(1e9).then(() => 'resolved', () => 'rejected'), sleep(5000).then(() => 'pending')]);
      expect(outcome).to.not.equal('pending');
    }
    await sleep(300);
    expect(errors.length).to.be.at.most(1);
  });

  it('a moov that is nowhere: one format error', async () => {
    // The head of a moov-at-end file, cut before its moov.
    const head = await (await fetch(MOOV_AT_END, { headers: { Range: 'bytes=0-200000' } })).arrayBuffer();
    const { el, errors } = element({ srcObject: new Blob([head]) });
    document.body.append(el);
    await waitUntil(() => errors.length > 0, 'an error');
    expect(errors[0].detail.code).to.equal('format');
    expect(errors[0].detail.message).to.contain('moov');
  });
});

describe('<rerun-video> fragmented MP4 over range requests', function () {
  this.timeout(90_000);

  /** The frag-* fixtures (make-fixtures.sh): 450 frames, 15 fragments of a GOP of 30. */
  const FRAGMENTED = [
    { name: 'frag-sidx', index: 'a sidx' },
    { name: 'frag-mfra', index: 'an mfra' },
    { name: 'frag-plain', index: 'neither sidx nor mfra' },
  ] as const;

  /** Bytes of the samples of frames `first..last`'s GOPs (decode order), from a complete table. */
  async function gopBytes(name: string, frames: number[]): Promise<number> {
    const url = new URL(`${MEDIA}${name}.mp4`, location.href).href;
    const { track, bytes, fragments } = await openMp4(url, { signal: new AbortController().signal, credentials: 'same-origin' });
    let full = track;
    if (fragments && !fragments.complete) {
      full = await new Promise((resolve) => {
        fragments.onChange = (next) => fragments.complete && resolve(next);
        fragments.startIndexing();
      });
    }
    bytes.close();
    const { keys, offsets, sizes, count } = full.samples;
    let total = 0;
    for (const frame of frames) {
      const sample = full.frameSample[frame];
      let key = sample;
      while (key > 0 && !keys[key]) key--;
      let end = key + 1;
      while (end < count && !keys[end]) end++;
      total += offsets[end - 1] + sizes[end - 1] - offsets[key];
    }
    return total;
  }

  /** A time just after frame `frame`'s (the sidecars round to the microsecond, sometimes down). */
  const at = (info: { timestamps: number[] }, frame: number) => info.timestamps[frame] + 1e-5;

  const sent = (requests: LoggedRequest[]) => requests.reduce((sum, request) => sum + (request.bytes ?? 0), 0);

  /** Events in order, with what `frameCount` and `indexed` said as each fired. */
  function recordTable(el: RerunVideo): string[] {
    const seen: string[] = [];
    for (const type of ['loadedmetadata', 'indexed'] as const) {
      el.addEventListener(type, (e) => {
        const detail = type === 'indexed' ? ` detail ${(e as IndexedEvent).detail.frameCount}` : '';
        seen.push(`${type} frameCount ${el.frameCount} indexed ${el.indexed}${detail}`);
      });
    }
    return seen;
  }

  for (const { name, index } of FRAGMENTED) {
    for (const ranged of [true, false]) {
      it(`${name} (${index})${ranged ? '' : ' without ranges'}: \`indexed\` fires once, when the last fragment is read`, async () => {
        const info = await fixtureInfo(name);
        const { el, errors } = element({ src: `${MEDIA}${name}.mp4${ranged ? '' : '?norange'}`, time: 0 });
        const seen = recordTable(el);
        expect(el.indexed).to.equal(false);
        document.body.append(el);
        await waitUntil(() => seen.length >= 2, '`indexed` fires', { timeout: 20_000 });
        await sleep(300);
        expect(errors).to.have.length(0);
        expect(seen).to.have.length(2);
        // At loadedmetadata the first fragments are read, not all 15.
        expect(seen[0]).to.match(/^loadedmetadata frameCount \d+ indexed false$/);
        expect(Number(/frameCount (\d+)/.exec(seen[0])![1])).to.be.lessThan(info.frameCount);
        const total = info.frameCount;
        expect(seen[1]).to.equal(`indexed frameCount ${total} indexed true detail ${total}`);
        expect(el.frameTimestamps.map((t) => Math.round(t * 1e5))).to.deep.equal(info.timestamps.map((t) => Math.round(t * 1e5)));
      });
    }
  }

  it('a plain MP4: `indexed` right after loadedmetadata, before the first frame', async () => {
    const { el, errors } = element({ src: `${MEDIA}h264-bframes.mp4`, time: 1 });
    const seen = recordTable(el);
    el.addEventListener('frame', () => seen.push('frame'));
    document.body.append(el);
    await oneEvent(el, 'frame');
    await sleep(200);
    expect(seen).to.deep.equal(['loadedmetadata frameCount 90 indexed true', 'indexed frameCount 90 indexed true detail 90', 'frame']);
    expect(errors).to.have.length(0);
  });

  for (const { name, index } of FRAGMENTED) {
    describe(`${name} (${index})`, () => {
      it('throttled: the first frame comes once the first fragment is in, long before the file', async () => {
        const url = `${MEDIA}${name}.mp4`;
        const size = await fileSize(url);
        const info = await fixtureInfo(name);
        await executeServerCommand('request-log', { clear: true });
        const started = performance.now();
        const { el, errors } = element({ src: `${url}?throttle=300000`, time: 0 });
        const metadata = oneEvent(el, 'loadedmetadata');
        document.body.append(el);
        const { detail } = await oneEvent(el, 'frame');
        const firstFrame = performance.now() - started;
        const requests = await log(name);
        expect(detail.index).to.equal(0);
        expect(readFrameCode(el.canvas!)).to.equal(0);
        // The probe (256 KiB) holds the moov and the first fragment; past it only small reads.
        expect(sent(requests), `${requests.length} requests`).to.be.lessThan(size * 0.6);
        // The end searched for the last moof, a few moofs: exact reads. The first frame needs only
        // the first fragment: it came while the probe was still arriving.
        expect(requests.length).to.be.at.most(8);
        expect(requests[0].bytes, 'the probe\'s bytes sent by the first frame').to.be.below(256 * 1024);
        // 547 kB at 300 kB/s would be 1.8 s in one response; the probe alone takes 0.9 s.
        expect(firstFrame, `first frame after ${Math.round(firstFrame)} ms`).to.be.lessThan(size / 300);
        // The index, or without one the last moof (searched for at the end), gives the duration at once.
        const { duration } = (await metadata).detail;
        const end = info.timestamps[449] + 1 / 30;
        expect(duration).to.be.closeTo(end, 1e-6);
        // The rest is indexed in the background; then every frame is known.
        await waitUntil(() => el.frameCount === 450, 'every fragment indexed', { timeout: 30_000 });
        expect(el.frameTimestamps.map((t) => Math.round(t * 1e6) / 1e6)).to.deep.equal(info.timestamps);
        expect(el.duration).to.be.closeTo(end, 1e-6);
        expect(errors).to.have.length(0);
      });

      it('a time in a fragment not read yet: its moof and its GOP are fetched, nothing else', async () => {
        const info = await fixtureInfo(name);
        const target = 7 * 30 + 12;
        const gop = await gopBytes(name, [target]);
        await executeServerCommand('request-log', { clear: true });
        const { el, errors } = element({ src: `${MEDIA}${name}.mp4`, time: at(info, target) });
        document.body.append(el);
        const { detail } = await oneEvent(el, 'frame');
        expect(detail.index).to.equal(el.frameTimestamps.indexOf(el.frameTimestamps[detail.index]));
        expect(Math.round(detail.timestamp * 1e6) / 1e6).to.equal(info.timestamps[target]);
        expect(readFrameCode(el.canvas!)).to.equal(target);
        const requests = (await log(name)).slice(1); // after the probe
        // The GOP comes in whole 64 KiB blocks of the sample cache; the rest are exact reads.
        const blocks = requests.filter((r) => Number(/bytes=(\d+)-/.exec(r.range ?? '')?.[1]) % 65536 === 0 && (r.bytes ?? 0) > 4096);
        const exact = requests.filter((r) => !blocks.includes(r));
        const described = JSON.stringify(requests.map((r) => `${r.range}: ${r.bytes}`));
        expect(sent(blocks), described).to.be.at.most(gop + 2 * 65536);
        if (name === 'frag-plain') {
          // No index: the end searched for the last moof, a jump into the gap (a moof searched
          // for where the bytes say the time is), then moofs read one by one.
          expect(exact.length, described).to.be.at.most(12);
          expect(sent(exact), described).to.be.at.most(160 * 1024);
        } else {
          // The index entry's moof (and the last one's, read at open).
          expect(exact.length, described).to.be.at.most(4);
          for (const request of exact) expect(request.bytes, described).to.be.at.most(4096);
        }
        expect(errors).to.have.length(0);
      });

      it('a seek to the last fragment fetches its moof and its GOP; every frame exact', async () => {
        const info = await fixtureInfo(name);
        const gop = await gopBytes(name, [440]);
        const { el, errors } = element({ src: `${MEDIA}${name}.mp4`, time: 0 });
        document.body.append(el);
        await oneEvent(el, 'frame');
        await executeServerCommand('request-log', { clear: true });
        const detail = await el.seek(at(info, 440));
        expect(Math.round(detail.timestamp * 1e6) / 1e6).to.equal(info.timestamps[440]);
        expect(readFrameCode(el.canvas!)).to.equal(440);
        const requests = await log(name);
        const small = requests.filter((r) => (r.bytes ?? 0) <= 4096);
        // The background walk reads moofs meanwhile (15 at most); the GOP comes in whole blocks.
        expect(small.length).to.be.at.most(16);
        expect(sent(requests) - sent(small)).to.be.at.most(gop + 2 * 65536);
        expect(sent(requests)).to.be.lessThan((await fileSize(`${MEDIA}${name}.mp4`)) * 0.4);
        // Across fragments, both ways, before and after the table is complete.
        for (const frame of [449, 0, 29, 30, 31, 239, 241, 300, 119, 120]) {
          const shown = await el.seek(at(info, frame));
          expect(readFrameCode(el.canvas!), `frame ${frame}`).to.equal(frame);
          expect(Math.round(shown.timestamp * 1e6) / 1e6).to.equal(info.timestamps[frame]);
        }
        await waitUntil(() => el.frameCount === 450, 'every fragment indexed', { timeout: 30_000 });
        for (const frame of [0, 222, 449]) {
          await el.seek(el.frameTimestamps[frame]);
          expect(readFrameCode(el.canvas!), `frame ${frame}`).to.equal(frame);
          await el.stepFrame(-1);
          if (frame > 0) expect(readFrameCode(el.canvas!), `frame ${frame - 1}`).to.equal(frame - 1);
        }
        expect(errors).to.have.length(0);
      });
    });
  }

  it('without ranges: the first frame before the download completes, later frames as they arrive', async () => {
    const url = `${MEDIA}frag-plain.mp4`;
    const info = await fixtureInfo('frag-plain');
    const size = await fileSize(url);
    const rate = Math.round(size / 4); // four seconds for the whole file
    await executeServerCommand('request-log', { clear: true });
    const started = performance.now();
    const { el, errors } = element({ src: `${url}?norange&throttle=${rate}`, time: 0 });
    document.body.append(el);
    await oneEvent(el, 'frame');
    const firstFrame = performance.now() - started;
    expect(readFrameCode(el.canvas!)).to.equal(0);
    expect(firstFrame, `first frame after ${Math.round(firstFrame)} ms`).to.be.lessThan(2000);
    const requests = await log('frag-plain');
    expect(requests).to.have.length(1);
    expect(requests[0].bytes!).to.be.lessThan(size);
    await el.seek(at(info, 440));
    expect(readFrameCode(el.canvas!)).to.equal(440);
    expect(performance.now() - started).to.be.greaterThan(3000);
    await waitUntil(() => el.frameCount === 450, 'every fragment indexed');
    expect(errors).to.have.length(0);
  });

  it('playing on while the fragments are still being read: frames in order, each one exact', async () => {
    const { el, errors } = element({ src: `${MEDIA}frag-sidx.mp4?throttle=2000000`, time: 0 });
    document.body.append(el);
    await oneEvent(el, 'frame');
    expect(el.frameCount).to.be.below(450);
    const painted: Array<{ index: number; code: number; timestamp: number }> = [];
    el.addEventListener('frame', (e) => painted.push({ index: e.detail.index, code: readFrameCode(el.canvas!), timestamp: e.detail.timestamp }));
    await el.play();
    await sleep(2500);
    el.pause();
    expect(painted.length, 'frames painted while playing').to.be.greaterThan(20);
    const info = await fixtureInfo('frag-sidx');
    for (let i = 0; i < painted.length; i++) {
      const frame = info.timestamps.findIndex((t) => Math.abs(t - painted[i].timestamp) < 1e-5);
      expect(painted[i].code, `painted ${i} at ${painted[i].timestamp}`).to.equal(frame);
      if (i > 0) expect(painted[i].timestamp).to.be.greaterThan(painted[i - 1].timestamp);
    }
    expect(painted[painted.length - 1].timestamp).to.be.greaterThan(1.5);
    expect(errors).to.have.length(0);
  });

  it('streamed without an index, the duration grows as fragments are found: durationchange, then the full length', async () => {
    const { el, errors } = element({ src: `${MEDIA}frag-plain.mp4?norange`, time: 0 });
    const changes: number[] = [];
    el.addEventListener('durationchange', () => changes.push(el.duration));
    document.body.append(el);
    await oneEvent(el, 'frame');
    await waitUntil(() => el.frameCount === 450, 'every fragment indexed', { timeout: 30_000 });
    await sleep(100);
    expect(changes.length).to.be.at.least(2);
    expect(changes[0]).to.be.below(1.2);
    expect(changes[changes.length - 1]).to.be.closeTo(15.066667, 1e-5);
    expect(errors).to.have.length(0);
  });

  /** frag-sidx.mp4 with `edit` applied to its bytes, as a Blob (read by slices, as by ranges). */
  async function edited(edit: (bytes: Uint8Array, view: DataView) => void): Promise<Blob> {
    const bytes = new Uint8Array(await (await fetch(`${MEDIA}frag-sidx.mp4`)).arrayBuffer());
    edit(bytes, new DataView(bytes.buffer));
    return new Blob([bytes]);
  }

  /** Offset of the first top-level box of `type`. */
  function topBox(bytes: Uint8Array, type: string): number {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    for (let at = 0; at + 8 <= bytes.length; at += view.getUint32(at)) {
      if (String.fromCharCode(...bytes.subarray(at + 4, at + 8)) === type) return at;
    }
    throw new Error(`no ${type}`);
  }

  it('a sidx that lies about its fragments: the walk finds them, every frame exact', async () => {
    const info = await fixtureInfo('frag-sidx');
    const blob = await edited((bytes, view) => {
      // The second reference's size grows by 1000: every later fragment's offset is wrong.
      const sidx = topBox(bytes, 'sidx');
      const entry = sidx + 8 + 4 + 8 + 16 + 4 + 12;
      view.setUint32(entry, view.getUint32(entry) + 1000);
    });
    const { el, errors } = element({ srcObject: blob, time: at(info, 400) });
    const frame = oneEvent(el, 'frame');
    document.body.append(el);
    await frame;
    expect(readFrameCode(el.canvas!)).to.equal(400);
    for (const frame of [100, 449, 45]) {
      await el.seek(at(info, frame));
      expect(readFrameCode(el.canvas!), `frame ${frame}`).to.equal(frame);
    }
    await waitUntil(() => el.frameCount === 450, 'every fragment found', { timeout: 30_000 });
    expect(el.frameTimestamps.map((t) => Math.round(t * 1e6) / 1e6)).to.deep.equal(info.timestamps);
    expect(errors).to.have.length(0);
  });

  it('a truncated moof: the fragments before it show, a later time settles, no error', async () => {
    const info = await fixtureInfo('frag-plain');
    const bytes = new Uint8Array(await (await fetch(`${MEDIA}frag-plain.mp4`)).arrayBuffer());
    // Cut inside the 9th moof (fragments 0..7 are whole).
    const view = new DataView(bytes.buffer);
    let cut = topBox(bytes, 'moof');
    for (let k = 0; k < 8; k++) cut += view.getUint32(cut) + view.getUint32(cut + view.getUint32(cut)); // moof + mdat
    const { el, errors } = element({ srcObject: new Blob([bytes.subarray(0, cut + 100)]), time: at(info, 100) });
    document.body.append(el);
    await oneEvent(el, 'frame');
    expect(readFrameCode(el.canvas!)).to.equal(100);
    const outcome = await Promise.race([
      el.seek(at(info, 440)).then((d) => d.index, () => 'rejected'),
      sleep(5000).then(() => 'pending'),
    ]);
    expect(outcome).to.not.equal('pending');
    await sleep(500);
    expect(el.frameCount).to.equal(240);
    expect(readFrameCode(el.canvas!)).to.equal(239);
    expect(errors.length).to.be.at.most(1);
  });
});
