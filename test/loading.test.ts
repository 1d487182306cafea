/**
 * Loading over a real HTTP server: range requests, a server without them, Blobs and Files,
 * throttled bodies and broken connections (test/server/: `?norange`, `?throttle=`,
 * `?drop-after=`, `?status=`, `?lie-size=` on any media URL).
 */
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../src/index.js';
import type { RerunVideo } from '../src/index.js';
import type { RerunVideoErrorEvent } from '../src/events.js';
import { openMp4 } from '../src/mp4/open-mp4.js';
import { readFrameCode } from './helpers/frame-code.js';
import { MEDIA, sleep } from './helpers/media.js';

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

  async function expectOneError(src: string, codes: string[]): Promise<RerunVideo> {
    const { el, errors } = element({ src });
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
    await expectOneError(`${MEDIA}h264-longgop.mp4?drop-after=30000`, ['network']);
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
