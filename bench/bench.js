// The benchmark page: for one file and one method, measures time to first frame, random
// seeks, single steps forward and back, and reads the frame code back from the canvas pixels
// after every request. `window.runBench(options)` resolves with plain JSON; bench/run.mjs
// drives it in each browser.
//
// Methods (each paints to a canvas the size of the video and is read back the same way):
//   element   <rerun-video> from dist/rerun-video.min.js: el.seek(t) / el.stepFrame(n), timed
//             from the call to the promise resolving (it resolves once the frame is painted).
//   video     <video>: currentTime = t, 'seeked', then requestVideoFrameCallback, then
//             drawImage to a canvas.
//   webcodecs a bare, minimal but fair WebCodecs path (BarePlayer below): mp4box sample table
//             (WebM: the project's own EBML reader, dist/webm/webm.js, on the same bytes),
//             decode keyframe..target with the decoder kept configured between requests,
//             forward requests keep feeding the running decoder, backward ones re-decode.
//
// Timing never includes the pixel read-back (getImageData); it ends when the frame is on the
// canvas. All methods use the same seeded request times, and the same frame timestamps (read
// here from the file with mp4box, edit list applied, as <video> presents them; for WebM by
// the EBML reader, checked against ffprobe's in make-media.sh's sidecar).

import { createFile, DataStream, Endianness, Log, MP4BoxBuffer } from 'mp4box';

Log.setLogLevel(() => {});

const stage = document.getElementById('stage');
const statusEl = document.getElementById('status');
const status = (text) => (statusEl.textContent = text);
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------
// Frame code (test/fixtures/make-fixtures.sh, same reading as test/helpers/frame-code.ts):
// the top 1/6 of the picture, 16 cells of width/16, cell i = bit i, white = 1. Only the band
// rows are read back, so a 4K canvas costs no more than it must.
// ---------------------------------------------------------------------------------------

function readCode(ctx, width, height) {
  const sx = width / 320;
  const sy = height / 240;
  const bandRows = Math.min(height, Math.ceil(40 * sy));
  const size = Math.max(1, Math.min(6, Math.floor((20 * sx) / 2), Math.floor((40 * sy) / 2)));
  const cy = 20 * sy;
  // Only the rows the squares are in: reading pixels back costs the page by the byte, and
  // the sync scenario reads four canvases in every animation frame.
  const y0 = Math.max(0, Math.round(cy - size / 2));
  const y1 = Math.min(bandRows, y0 + size);
  const { data } = ctx.getImageData(0, y0, width, y1 - y0);
  let code = 0;
  for (let i = 0; i < 16; i++) {
    const cx = (20 * i + 10) * sx;
    const x0 = Math.max(0, Math.round(cx - size / 2));
    const x1 = Math.min(width, x0 + size);
    let sum = 0;
    let n = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const p = ((y - y0) * width + x) * 4;
        sum += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
        n++;
      }
    }
    if (n > 0 && sum / n > 128) code |= 1 << i;
  }
  return code;
}

// ---------------------------------------------------------------------------------------
// The file's sample table (mp4box), shared by all methods for targets and expectations.
// ---------------------------------------------------------------------------------------

function parseMp4(buffer) {
  const file = createFile();
  let info = null;
  let error = null;
  file.onReady = (i) => (info = i);
  file.onError = (m, e) => (error = `${m}: ${e}`);
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(buffer, 0));
  file.flush();
  if (!info) throw new Error(`mp4box: no moov (${error ?? 'unknown'})`);
  const track = info.videoTracks[0];
  if (!track) throw new Error('no video track');
  const trak = file.getTrackById(track.id);
  const entry = trak.mdia.minf.stbl.stsd.entries[0];
  const box = entry.avcC ?? entry.hvcC ?? entry.vpcC ?? entry.av1C;
  let description;
  if (box && !entry.vpcC) {
    // vp09 needs no description; avcC/hvcC/av1C: the box payload without its 8-byte header
    const stream = new DataStream(undefined, 0, Endianness.BIG_ENDIAN);
    box.write(stream);
    description = new Uint8Array(stream.buffer, 8, stream.getPosition() - 8).slice();
  }
  const raw = file.getTrackSamplesInfo(track.id);
  const timescale = trak.mdia.mdhd.timescale;
  // First non-empty edit after leading empty ones, as FFmpeg (and so <video>) applies it.
  let delay = 0;
  let mediaStart = 0;
  let mediaEnd = Infinity;
  for (const e of track.edits ?? []) {
    if (e.media_time === -1) {
      delay += e.segment_duration / info.timescale;
      continue;
    }
    mediaStart = e.media_time;
    if (e.segment_duration > 0) mediaEnd = mediaStart + (e.segment_duration * timescale) / info.timescale;
    break;
  }
  const pts = raw.map((s) => (s.cts - mediaStart) / timescale + delay);
  const order = raw
    .map((_, i) => i)
    .filter((i) => raw[i].cts >= mediaStart && raw[i].cts < mediaEnd)
    .sort((a, b) => pts[a] - pts[b]);
  const frameOf = new Int32Array(raw.length).fill(-1);
  order.forEach((s, f) => (frameOf[s] = f));
  const samples = raw.map((s, i) => ({
    offset: s.offset,
    size: s.size,
    isKey: i === 0 || s.is_sync,
    timestamp: Math.round(pts[i] * 1e6),
    duration: Math.round((s.duration / timescale) * 1e6),
    frame: frameOf[i],
  }));
  // keyOf[d]: decode index of the keyframe starting the GOP of sample d
  const keyOf = new Int32Array(samples.length);
  for (let d = 0, k = 0; d < samples.length; d++) {
    if (samples[d].isKey) k = d;
    keyOf[d] = k;
  }
  const frameSample = Int32Array.from(order);
  // needUntil[f]: last decode index that must be fed before frame f can come out in
  // presentation order (every frame shown before f has to be decoded first)
  const needUntil = new Int32Array(order.length);
  for (let f = 0, m = -1; f < order.length; f++) needUntil[f] = m = Math.max(m, order[f]);
  const frameTimestamps = order.map((i) => pts[i]);
  const last = order[order.length - 1];
  return {
    codec: track.codec.startsWith('vp08') ? 'vp8' : track.codec,
    description,
    codedWidth: entry.width,
    codedHeight: entry.height,
    width: Math.round(track.track_width) || entry.width,
    height: Math.round(track.track_height) || entry.height,
    samples,
    keyOf,
    frameSample,
    needUntil,
    frameTimestamps,
    duration: pts[last] + raw[last].duration / timescale,
  };
}

/** Whether the bytes are WebM/Matroska (the EBML magic), as the element decides. */
const isEbml = (bytes) => bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3;

/** Where a bench file is: `webm-*` files are WebM (bench/make-media.sh). */
const mediaUrl = (file) => `/bench/media/${file}.${file.startsWith('webm-') ? 'webm' : 'mp4'}`;

/**
 * A WebM file's sample table in the shape parseMp4 gives, read by the project's own EBML
 * reader (src/webm/, compiled to dist/webm/ by `npm run build`) from the bytes in memory:
 * the same table the element decodes from, taken as a library, as mp4box is for MP4.
 */
async function parseWebmTable(buffer) {
  const { parseWebm } = await import('/dist/webm/webm.js');
  const bytes = new Uint8Array(buffer);
  const source = {
    size: bytes.byteLength,
    read: async (offset, length) => {
      if (offset + length > bytes.byteLength) throw new Error(`read past the end (${offset}+${length})`);
      return bytes.slice(offset, offset + length);
    },
    has: (offset, length) => offset + length <= bytes.byteLength,
    close() {},
  };
  const t = await parseWebm(source, 'bench file');
  const s = t.samples;
  const samples = Array.from({ length: s.count }, (_, i) => ({
    offset: s.offsets[i],
    size: s.sizes[i],
    isKey: s.keys[i] === 1,
    timestamp: s.timestampsUs[i],
    duration: s.durationsUs[i],
    frame: s.frames[i],
  }));
  const keyOf = new Int32Array(samples.length);
  for (let d = 0, k = 0; d < samples.length; d++) {
    if (samples[d].isKey) k = d;
    keyOf[d] = k;
  }
  const frameSample = Int32Array.from(t.frameSample);
  const needUntil = new Int32Array(frameSample.length);
  for (let f = 0, m = -1; f < frameSample.length; f++) needUntil[f] = m = Math.max(m, frameSample[f]);
  return {
    codec: t.codec,
    description: t.description,
    codedWidth: t.codedWidth,
    codedHeight: t.codedHeight,
    width: t.displayWidth,
    height: t.displayHeight,
    samples,
    keyOf,
    frameSample,
    needUntil,
    frameTimestamps: t.frameTimestamps,
    // chunk timestamps are presentation times + this (never negative); parseMp4's are the times
    timestampOffsetUs: t.timestampOffsetUs,
    duration: t.duration,
  };
}

/** The sample table of an MP4 or a WebM file, told apart by the bytes. */
async function parseMedia(buffer) {
  return isEbml(new Uint8Array(buffer, 0, Math.min(4, buffer.byteLength))) ? parseWebmTable(buffer) : parseMp4(buffer);
}

function frameForTime(ts, t) {
  let lo = 0;
  let hi = ts.length - 1;
  if (!(t >= ts[0])) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ts[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function nearestFrame(ts, t) {
  const i = frameForTime(ts, t);
  return i + 1 < ts.length && ts[i + 1] - t < t - ts[i] ? i + 1 : i;
}

function makeCanvas(width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  stage.append(canvas);
  // A default (GPU-backed where available) canvas, like the element's own.
  return { canvas, ctx: canvas.getContext('2d') };
}

// ---------------------------------------------------------------------------------------
// Method 1: <rerun-video>
// ---------------------------------------------------------------------------------------

let elementModule = null;

/** Whether a canvas shows anything but black (a picture; the frame code of frame 0 is black). */
function hasPicture(canvas) {
  if (!canvas || !canvas.width || !canvas.height) return false;
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < data.length; i += 4) if (data[i] > 24 || data[i + 1] > 24 || data[i + 2] > 24) return true;
  return false;
}

class ElementPlayer {
  async load() {
    elementModule ??= await import('/dist/rerun-video.min.js');
  }
  async open(url) {
    const el = (this.el = document.createElement('rerun-video'));
    stage.append(el);
    const first = new Promise((resolve, reject) => {
      el.addEventListener('frame', resolve, { once: true });
      el.addEventListener('error', (e) => reject(new Error(`element error: ${JSON.stringify(e.detail)}`)), { once: true });
    });
    // phases of the first frame (the long scenario reports them): src -> metadata -> frame
    el.addEventListener('loadedmetadata', () => (this.metadataAt = now()), { once: true });
    // and when a picture is first on the canvas, seen at an animation frame (a check that the
    // `frame` event says when the picture is there: a long file's comes from its table's head)
    this.pictureAt = null;
    const look = () => {
      if (this.pictureAt !== null || !el.isConnected) return;
      if (hasPicture(el.canvas)) this.pictureAt = now();
      else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
    const t0 = (this.openedAt = now());
    el.src = url;
    await first;
    return now() - t0;
  }
  afterOpen() {
    this.ctx = this.el.canvas.getContext('2d');
    this.width = this.el.canvas.width;
    this.height = this.el.canvas.height;
  }
  seek(t) {
    return this.el.seek(t);
  }
  step(n) {
    return this.el.stepFrame(n);
  }
  read() {
    return readCode(this.ctx, this.width, this.height);
  }
  async finish(result) {
    result.elementFrameTimestamps = this.el.frameTimestamps.length;
    result.openVideoFramesAfterRun = this.el.getVideoPlaybackQuality().openVideoFrames;
    this.el.remove();
    await sleep(1500); // the element tears its decoder down 1 s after disconnect
    result.openVideoFramesAfterRemove = this.el.getVideoPlaybackQuality().openVideoFrames;
  }
}

// ---------------------------------------------------------------------------------------
// Method 2: <video>
// ---------------------------------------------------------------------------------------

const nextAnimationFrames = (n) =>
  new Promise((resolve) => {
    const tick = () => (--n <= 0 ? resolve('raf') : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  });

class VideoPlayer {
  rvfcFired = 0;
  rvfcMissed = 0;
  async load() {}
  async open(url, track) {
    const v = (this.v = document.createElement('video'));
    v.muted = true;
    v.playsInline = true;
    v.preload = 'auto';
    stage.append(v);
    ({ canvas: this.canvas, ctx: this.ctx } = makeCanvas(track.width, track.height));
    this.width = track.width;
    this.height = track.height;
    const loaded = new Promise((resolve, reject) => {
      v.addEventListener('loadeddata', resolve, { once: true });
      v.addEventListener('error', () => reject(new Error(`video error ${v.error?.code}: ${v.error?.message}`)), { once: true });
    });
    v.addEventListener('loadedmetadata', () => (this.metadataAt = now()), { once: true });
    const t0 = (this.openedAt = now());
    v.src = url;
    await loaded;
    this.ctx.drawImage(v, 0, 0, this.width, this.height);
    return now() - t0;
  }
  afterOpen() {}
  async seek(t) {
    const v = this.v;
    let handle = 0;
    // Registered before the seek so the callback for the new frame cannot be missed.
    const presented = v.requestVideoFrameCallback
      ? new Promise((resolve) => (handle = v.requestVideoFrameCallback(() => resolve('rvfc'))))
      : null;
    const seeked = new Promise((resolve) => v.addEventListener('seeked', resolve, { once: true }));
    v.currentTime = t;
    await seeked;
    if (presented) {
      // When the seek lands on the frame already shown, no new frame is presented and the
      // callback never comes: give up after two animation frames (counted as rvfcMissed).
      const how = await Promise.race([presented, nextAnimationFrames(2)]);
      if (how === 'rvfc') this.rvfcFired++;
      else {
        this.rvfcMissed++;
        v.cancelVideoFrameCallback(handle);
      }
    }
    this.ctx.drawImage(v, 0, 0, this.width, this.height);
  }
  read() {
    return readCode(this.ctx, this.width, this.height);
  }
  async finish(result) {
    result.rvfc = this.v.requestVideoFrameCallback ? { fired: this.rvfcFired, fellBack: this.rvfcMissed } : 'unsupported';
    this.v.removeAttribute('src');
    this.v.load();
    this.v.remove();
    this.canvas.remove();
  }
}

// ---------------------------------------------------------------------------------------
// Method 3: bare WebCodecs
// ---------------------------------------------------------------------------------------

let bareOpenFrames = 0;
const HAS_DEQUEUE = typeof VideoDecoder !== 'undefined' && 'ondequeue' in VideoDecoder.prototype;

class BarePlayer {
  async load() {}
  async open(url) {
    const t0 = (this.openedAt = now());
    // The whole file in one fetch (localhost): simpler than the element's streaming, and the
    // sample table is read from the same bytes.
    const buffer = await (await fetch(url)).arrayBuffer();
    const track = (this.track = await parseMedia(buffer));
    this.metadataAt = now();
    this.bytes = new Uint8Array(buffer);
    this.width = track.width;
    this.height = track.height;
    ({ canvas: this.canvas, ctx: this.ctx } = makeCanvas(track.width, track.height));
    this.config = {
      codec: track.codec,
      codedWidth: track.codedWidth,
      codedHeight: track.codedHeight,
      description: track.description,
      optimizeForLatency: true,
    };
    this.shown = -1;
    this.pending = null;
    this.stats = { restarts: 0, fed: 0, flushes: 0, outputs: 0 };
    this.decoder = new VideoDecoder({
      output: (frame) => this.onOutput(frame),
      error: (e) => this.onError(e),
    });
    this.decoder.addEventListener?.('dequeue', () => this.pump());
    this.restart(0);
    this.afterFlush = false;
    await this.show(0);
    return now() - t0;
  }
  afterOpen() {}

  /** Reconfigures and positions the feed at keyframe `key` (decode index). */
  restart(key) {
    if (this.decoder.state === 'configured') this.decoder.reset();
    this.decoder.configure(this.config);
    this.generation = (this.generation ?? 0) + 1;
    this.next = key;
    this.runKey = key;
    this.emitted = new Set();
    this.flushing = false;
    this.stats.restarts++;
  }

  async show(frame) {
    // a flush started for the previous request (at a GOP's end) completes first
    while (this.flushing) await this.flushDone;
    if (frame === this.shown) return;
    const { keyOf, frameSample, samples } = this.track;
    const key = keyOf[frameSample[frame]];
    // Keep going when the decoder is in this GOP (or at its keyframe) and has not yet passed
    // the frame; anything else (backwards, a later GOP) restarts at the frame's keyframe.
    const canContinue =
      !this.emitted.has(frame) &&
      key >= this.runKey &&
      key <= this.next &&
      !(this.afterFlush && !samples[this.next]?.isKey);
    if (!canContinue) {
      this.restart(key);
      this.afterFlush = false;
    }
    return new Promise((resolve, reject) => {
      this.pending = { frame, resolve, reject };
      this.pump();
    });
  }

  feed(d) {
    const s = this.track.samples[d];
    this.decoder.decode(
      new EncodedVideoChunk({
        type: s.isKey ? 'key' : 'delta',
        timestamp: s.timestamp,
        duration: s.duration,
        data: this.bytes.subarray(s.offset, s.offset + s.size),
      }),
    );
    this.afterFlush = false;
    this.stats.fed++;
  }

  pump() {
    const p = this.pending;
    if (!p || this.flushing || this.decoder.state !== 'configured') return;
    const { samples, needUntil } = this.track;
    const need = needUntil[p.frame];
    while (this.next <= need && this.decoder.decodeQueueSize < 8) this.feed(this.next++);
    if (this.next <= need || this.decoder.decodeQueueSize > 0) {
      if (!HAS_DEQUEUE) setTimeout(() => this.pump(), 2);
      return;
    }
    // Everything the frame needs is in; the decoder may hold it back for more input. Feed the
    // next sample of the same GOP (needed next when stepping on anyway) or, at the GOP's or
    // the file's end, flush -- the next chunk is then a keyframe, so the run goes on.
    if (this.next < samples.length && !samples[this.next].isKey) {
      this.feed(this.next++);
      return;
    }
    this.flushing = true;
    this.stats.flushes++;
    const generation = this.generation;
    this.flushDone = this.decoder.flush().then(
      () => {
        if (generation !== this.generation) return;
        this.flushing = false;
        this.afterFlush = true;
        if (this.pending) this.pending.reject(new Error(`frame ${this.pending.frame} never came out of the decoder`));
        this.pending = null;
      },
      () => {
        if (generation === this.generation) this.flushing = false;
      },
    );
  }

  onOutput(frame) {
    bareOpenFrames++;
    this.stats.outputs++;
    const index = nearestFrame(this.track.frameTimestamps, (frame.timestamp - (this.track.timestampOffsetUs ?? 0)) / 1e6);
    this.emitted.add(index);
    const p = this.pending;
    if (p && index === p.frame) {
      this.ctx.drawImage(frame, 0, 0, this.width, this.height);
      this.shown = index;
      this.pending = null;
      p.resolve();
    }
    frame.close();
    bareOpenFrames--;
    this.pump();
  }

  onError(e) {
    this.pending?.reject(e);
    this.pending = null;
  }

  seek(t) {
    return this.show(frameForTime(this.track.frameTimestamps, t));
  }
  read() {
    return readCode(this.ctx, this.width, this.height);
  }

  /** Decodes every sample once, in order, as fast as the decoder goes: frames per second. */
  async decodeAll() {
    let outputs = 0;
    const decoder = new VideoDecoder({
      output: (f) => {
        outputs++;
        f.close();
      },
      error: () => {},
    });
    decoder.configure(this.config);
    const t0 = now();
    for (let d = 0; d < this.track.samples.length; d++) {
      while (decoder.decodeQueueSize >= 16) await new Promise((r) => setTimeout(r, 0));
      const s = this.track.samples[d];
      decoder.decode(
        new EncodedVideoChunk({
          type: s.isKey ? 'key' : 'delta',
          timestamp: s.timestamp,
          duration: s.duration,
          data: this.bytes.subarray(s.offset, s.offset + s.size),
        }),
      );
    }
    await decoder.flush();
    const ms = now() - t0;
    decoder.close();
    return { frames: outputs, ms: round(ms), fps: round((outputs / ms) * 1000) };
  }

  async finish(result) {
    result.bare = { ...this.stats };
    result.decodeAll = await this.decodeAll();
    this.decoder.close();
    result.openVideoFramesAfterRun = bareOpenFrames;
    this.canvas.remove();
  }
}

// ---------------------------------------------------------------------------------------
// The measurement
// ---------------------------------------------------------------------------------------

function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function summarize(samples) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const q = (p) => {
    if (ms.length === 0) return null;
    const i = (ms.length - 1) * p;
    const lo = Math.floor(i);
    return round(ms[lo] + (ms[Math.ceil(i)] - ms[lo]) * (i - lo));
  };
  return {
    n: ms.length,
    median: q(0.5),
    p95: q(0.95),
    mean: ms.length ? round(ms.reduce((a, b) => a + b, 0) / ms.length) : null,
    min: ms.length ? round(ms[0]) : null,
    max: ms.length ? round(ms[ms.length - 1]) : null,
    right: samples.filter((s) => s.got === s.expected).length,
    // what the wrong ones showed: [expected, got] (-1: the request failed)
    wrong: samples.filter((s) => s.got !== s.expected).map((s) => [s.expected, s.got]),
    errors: [...new Set(samples.filter((s) => s.error).map((s) => s.error))],
    ms: samples.map((s) => round(s.ms)),
  };
}

async function timed(player, run, expected) {
  const t0 = now();
  try {
    await run();
  } catch (e) {
    return { ms: now() - t0, expected, got: -1, error: String(e?.message ?? e) };
  }
  const ms = now() - t0;
  return { ms, expected, got: player.read() };
}

const PLAYERS = { element: ElementPlayer, video: VideoPlayer, webcodecs: BarePlayer };

async function runBench({
  method,
  file,
  seeks = 30,
  stepsForward = 60,
  stepsBack = 30,
  seed = 1,
  forwardStart = 70,
  backStart = 110,
} = {}) {
  const url = mediaUrl(file);
  const result = { method, file, userAgent: navigator.userAgent };
  status(`${method} ${file}: loading`);
  // The sample table for targets and expectations: parsed before any timing starts (and
  // before the method's own download, which then meets a warm OS cache, as ours did).
  const track = await parseMedia(await (await fetch(url, { cache: 'no-store' })).arrayBuffer());
  const ts = track.frameTimestamps;
  const n = ts.length;
  result.frames = n;
  result.size = `${track.width}x${track.height}`;
  result.codec = track.codec;
  const mid = (i) => (i + 1 < n ? (ts[i] + ts[i + 1]) / 2 : ts[i]);
  // The WebM table comes from the project's own reader: held against ffprobe's timestamps
  // (make-media.sh's sidecar, 6 decimals), so the expectations do not rest on it alone.
  const meta = await (await fetch(`/bench/media/${file}.json`, { cache: 'no-store' })).json().catch(() => null);
  if (meta?.timestamps) {
    result.tableVsFfprobe = Math.abs(meta.timestamps.length - n) + ts.filter((t, i) => !(Math.abs(t - meta.timestamps[i]) <= 2e-6)).length;
  }

  const player = new PLAYERS[method]();
  await player.load();
  const t0 = now();
  try {
    result.firstFrameMs = round(await player.open(url, track));
  } catch (e) {
    result.error = `open: ${e?.message ?? e}`;
    result.firstFrameMs = round(now() - t0);
    return result;
  }
  player.afterOpen();
  result.firstFrameRight = player.read() === 0;

  if (method === 'element') {
    const theirs = player.el.frameTimestamps;
    let diff = theirs.length === n ? 0 : Math.abs(theirs.length - n);
    for (let i = 0; i < Math.min(n, theirs.length); i++) if (Math.abs(theirs[i] - ts[i]) > 1e-6) diff++;
    result.timestampMismatches = diff;
  }

  // 1. random seeks (seeded, anywhere in the file)
  status(`${method} ${file}: random seeks`);
  const rand = mulberry32(seed);
  const seekRuns = [];
  for (let i = 0; i < seeks; i++) {
    const t = rand() * track.duration;
    seekRuns.push(await timed(player, () => player.seek(t), frameForTime(ts, t)));
  }
  result.seek = summarize(seekRuns);

  // 2. step forward: +1 frame at a time from inside a GOP (across a keyframe)
  status(`${method} ${file}: step forward`);
  const fStart = Math.max(0, Math.min(forwardStart, n - 1 - stepsForward));
  await player.seek(mid(fStart));
  const fwd = [];
  for (let k = 1; k <= stepsForward && fStart + k < n; k++) {
    const target = fStart + k;
    const run = player.step ? () => player.step(1) : () => player.seek(ts[target]);
    fwd.push(await timed(player, run, target));
  }
  result.stepForward = { ...summarize(fwd), from: fStart };

  // 3. step back: -1 frame at a time
  status(`${method} ${file}: step back`);
  const bStart = Math.min(backStart, n - 1);
  await player.seek(mid(bStart));
  const back = [];
  for (let k = 1; k <= stepsBack && bStart - k >= 0; k++) {
    const target = bStart - k;
    const run = player.step ? () => player.step(-1) : () => player.seek(ts[target]);
    back.push(await timed(player, run, target));
  }
  result.stepBack = { ...summarize(back), from: bStart };

  status(`${method} ${file}: finishing`);
  await player.finish(result);
  status(`${method} ${file}: done`);
  return result;
}

// ---------------------------------------------------------------------------------------
// The long-recording scenario (bench/run.mjs --long): long-1h and long-10s are one stream,
// encoded alike, an hour and ten seconds of it. Nothing here reads the MP4 itself -- the
// frame timestamps come from make-media.sh's sidecar JSON -- so the bytes the server counts
// and the heap run.mjs samples are the method's own.
// ---------------------------------------------------------------------------------------

/** `{ requests, bytes }` the bench server has sent for `path` so far (bench/run.mjs). */
async function served(path) {
  return (await fetch(`/__bench/bytes?path=${encodeURIComponent(path)}`, { cache: 'no-store' })).json();
}

async function runLong({ method, file, seeks = 15, seed = 1, throttle = 0 } = {}) {
  const url = `/bench/media/${file}.mp4`;
  // throttled: all of this page's requests for the file share one link (test/server/faults.mjs)
  const src = throttle ? `${url}?throttle=${throttle}&link=${method}-${file}-${seed}-${Math.random()}` : url;
  const result = { method, file, userAgent: navigator.userAgent };
  const meta = await (await fetch(`/bench/media/${file}.json`, { cache: 'no-store' })).json();
  const ts = meta.timestamps;
  const n = ts.length;
  const duration = ts[n - 1] + (ts[n - 1] - ts[n - 2]);
  result.frames = n;
  result.size = `${meta.width}x${meta.height}`;
  // the resource entries say when each fetch of the file ended (default buffer: 250 entries)
  performance.setResourceTimingBufferSize(100_000);
  const fetchesOfFile = () => performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname === url);

  status(`${method} ${file}: first frame`);
  const player = new PLAYERS[method]();
  await player.load();
  const start = await served(url);
  // the longest main-thread task from src to the first frame (Chromium has long tasks, > 50 ms)
  const tasks = [];
  const taskObserver = PerformanceObserver.supportedEntryTypes?.includes('longtask')
    ? new PerformanceObserver((list) => tasks.push(...list.getEntries().map((e) => e.duration)))
    : null;
  taskObserver?.observe({ type: 'longtask' });
  try {
    result.firstFrameMs = round(await player.open(src, { width: meta.width, height: meta.height }));
  } catch (e) {
    result.error = `open: ${e?.message ?? e}`;
    return result;
  } finally {
    await sleep(0); // entries of the last task are queued after it
    for (const e of taskObserver?.takeRecords() ?? []) tasks.push(e.duration);
    taskObserver?.disconnect();
  }
  result.openLongTasks = taskObserver ? { count: tasks.length, maxMs: round(tasks.length ? Math.max(...tasks) : 0) } : null;
  player.afterOpen();
  result.firstFrameRight = player.read() === 0;
  const first = await served(url);
  // where the first frame's time goes: src -> metadata (for the element: the moov's bytes
  // fetched, then parsed) -> the first GOP fetched, decoded, painted
  result.metadataMs = player.metadataAt ? round(player.metadataAt - player.openedAt) : null;
  if ('pictureAt' in player) result.firstPictureMs = player.pictureAt ? round(Math.min(player.pictureAt - player.openedAt, result.firstFrameMs)) : result.firstFrameMs;
  const fetched = fetchesOfFile().filter((e) => e.responseEnd <= (player.metadataAt ?? 0));
  result.metadataBytesAtMs = fetched.length ? round(Math.max(...fetched.map((e) => e.responseEnd)) - player.openedAt) : null;
  result.toFirstFrame = { requests: first.requests - start.requests, bytes: first.bytes - start.bytes };

  // random seeks, seeded, anywhere in the file; the server's counters are read after each
  // one (outside the timing), so bytes a seek left in flight count for the next one
  status(`${method} ${file}: random seeks`);
  const decodedBefore = player.el?.getVideoPlaybackQuality().decodedVideoFrames;
  const rand = mulberry32(seed);
  const runs = [];
  const perSeek = [];
  let before = first;
  const indexWrong = [];
  const windows = [];
  for (let i = 0; i < seeks; i++) {
    const t = rand() * duration;
    const expected = frameForTime(ts, t);
    let detail;
    const begin = now();
    // the frame code has 16 bits: in the hour, frame 65536 reads 0 again (the element's
    // own index, checked too, tells those apart)
    runs.push(await timed(player, async () => (detail = await player.seek(t)), expected % 65536));
    windows.push([begin, begin + runs[i].ms]);
    if (typeof detail?.index === 'number' && detail.index !== expected) indexWrong.push([expected, detail.index]);
    const after = await served(url);
    perSeek.push({ requests: after.requests - before.requests, bytes: after.bytes - before.bytes });
    before = after;
  }
  result.seek = summarize(runs);
  result.indexWrong = indexWrong;
  if (seeks > 0) {
    // what the last seek still had in flight (a read-ahead) counts too
    await sleep(500);
    const end = await served(url);
    perSeek[perSeek.length - 1].bytes += end.bytes - before.bytes;
    perSeek[perSeek.length - 1].requests += end.requests - before.requests;
  }
  // how much of each seek was waiting for bytes: from the request to the end of the last
  // fetch of the file that started and ended within it (null: no fetch, or no entries --
  // <video>'s own requests have none)
  const entries = fetchesOfFile();
  result.perSeek = perSeek.map((p, i) => {
    const [begin, end] = windows[i];
    const mine = entries.filter((e) => e.startTime >= begin && e.responseEnd > 0 && e.responseEnd <= end);
    return { ...p, fetchMs: mine.length ? round(Math.max(...mine.map((e) => e.responseEnd)) - begin) : null };
  });
  if (player.el) {
    const q = player.el.getVideoPlaybackQuality();
    result.decodedPerSeek = seeks ? round((q.decodedVideoFrames - decodedBefore) / seeks, 1) : null;
    result.openVideoFrames = q.openVideoFrames;
  }
  if (player.v) result.rvfc = { fired: player.rvfcFired, fellBack: player.rvfcMissed };
  status(`${method} ${file}: done`);
  // the player stays on the page: run.mjs reads the heap it holds, then closes the page
  return result;
}

// ---------------------------------------------------------------------------------------
// Playback (bench/run.mjs --playback): the element plays as <video> does. One page per
// scenario and method, each measured over one run of the file:
//   forward  play from 0 to the end at rate 1 (1080p, and 4K without the pixel read-back)
//   reverse  playbackRate -1 from the last frame, for 4 s (<video>: what the browser does)
//   sync     four players of one file, started together, 5 s: dropped frames and skew
// Frame timestamps come from make-media.sh's sidecar (ffprobe); the element's index check
// uses its own frameTimestamps, as test/playback.test.ts does.
// ---------------------------------------------------------------------------------------

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** Resolves on the first `type` event of `target`; rejects after `ms`, or on `error`. */
function until(target, type, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} after ${ms} ms`)), ms);
    target.addEventListener(type, (e) => (clearTimeout(timer), resolve(e)), { once: true });
    target.addEventListener(
      'error',
      (e) => (clearTimeout(timer), reject(new Error(`error event: ${JSON.stringify(e.detail ?? target.error?.message ?? '')}`))),
      { once: true },
    );
  });
}

/** Playback method `element-display`: the element with resolution="display". */
const isElement = (method) => method === 'element' || method === 'element-display';

async function openElement(url, sync, method = 'element') {
  elementModule ??= await import('/dist/rerun-video.min.js');
  const el = document.createElement('rerun-video');
  if (sync) el.setAttribute('sync', sync);
  if (method === 'element-display') el.setAttribute('resolution', 'display');
  stage.append(el);
  const ready = until(el, 'loadeddata', 30_000);
  el.src = url;
  await ready;
  return el;
}

async function openVideo(url) {
  const v = document.createElement('video');
  v.muted = true;
  v.playsInline = true;
  v.preload = 'auto';
  stage.append(v);
  const ready = until(v, 'canplaythrough', 30_000);
  v.src = url;
  await ready;
  return v;
}

/** (total - dropped, dropped, decoded, painted) of a getVideoPlaybackQuality(). */
function quality(player) {
  const q = player.getVideoPlaybackQuality();
  return {
    presented: q.totalVideoFrames - q.droppedVideoFrames,
    dropped: q.droppedVideoFrames,
    total: q.totalVideoFrames,
    decoded: q.decodedVideoFrames,
    painted: q.paintedVideoFrames,
    open: q.openVideoFrames,
  };
}

function qualityDelta(a, b) {
  const out = {};
  for (const k of Object.keys(b)) out[k] = b[k] == null || a[k] == null ? null : b[k] - a[k];
  out.open = b.open ?? null;
  return out;
}

/**
 * Every `frame` of the element from now on: its index and when; the index checked against
 * the element's own timestamps (the last frame at or before requestedTime) and, with
 * `pixels`, against the code read back from the canvas right then.
 */
function recordElementFrames(el, { pixels, tick = () => 0 }) {
  const ts = el.frameTimestamps;
  const canvas = el.canvas;
  const ctx = canvas.getContext('2d');
  const rec = { indices: [], times: [], ticks: [], pixelChecked: 0, pixelWrong: [], indexWrong: [], notExact: 0 };
  const onFrame = (e) => {
    const d = e.detail;
    rec.indices.push(d.index);
    rec.times.push(now());
    rec.ticks.push(tick());
    if (d.exact === false) rec.notExact++;
    const due = frameForTime(ts, d.requestedTime);
    if (due !== d.index) rec.indexWrong.push([round(d.requestedTime, 6), d.index, due]);
    if (pixels) {
      rec.pixelChecked++;
      const code = readCode(ctx, canvas.width, canvas.height);
      if (code !== d.index % 65536) rec.pixelWrong.push([d.index, code]);
    }
  };
  el.addEventListener('frame', onFrame);
  rec.stop = () => el.removeEventListener('frame', onFrame);
  return rec;
}

/**
 * Every requestVideoFrameCallback of a <video> from now on: the frame its mediaTime is,
 * presentedFrames, and with `pixels` the code of the video drawn to a canvas right then.
 */
function recordVideoFrames(v, ts, { pixels, width, height, tick = () => 0 }) {
  const rec = { indices: [], times: [], ticks: [], presented: [], pixelChecked: 0, pixelWrong: [], callbacks: 0 };
  if (!v.requestVideoFrameCallback) return { ...rec, unsupported: true, stop() {} };
  const { ctx } = pixels ? makeCanvas(width, height) : {};
  let on = true;
  let handle = 0;
  const onFrame = (_, md) => {
    if (!on) return;
    rec.callbacks++;
    const index = nearestFrame(ts, md.mediaTime);
    rec.indices.push(index);
    rec.times.push(now());
    rec.ticks.push(tick());
    rec.presented.push(md.presentedFrames);
    if (pixels) {
      rec.pixelChecked++;
      ctx.drawImage(v, 0, 0, width, height);
      const code = readCode(ctx, width, height);
      if (code !== index % 65536) rec.pixelWrong.push([index, code]);
    }
    handle = v.requestVideoFrameCallback(onFrame);
  };
  handle = v.requestVideoFrameCallback(onFrame);
  rec.stop = () => {
    on = false;
    v.cancelVideoFrameCallback(handle);
  };
  return rec;
}

/**
 * What a sequence of shown frames says: how many distinct, how many frames of the span
 * between the first and the last were never shown, how many steps went the wrong way, and
 * the gaps between paints (ms).
 */
function sequence(indices, times, direction) {
  const gaps = [];
  let skipped = 0;
  let wrongWay = 0;
  // the same frame again (an rVFC after 'ended' does that; a `frame` event never should)
  let repeats = 0;
  // where frames were skipped or went back: [shown, next shown, ms between them] (the first 24)
  const jumps = [];
  for (let i = 1; i < indices.length; i++) {
    const step = (indices[i] - indices[i - 1]) * direction;
    if (step < 0) wrongWay++;
    else if (step === 0) repeats++;
    else skipped += step - 1;
    if ((step > 1 || step < 0) && jumps.length < 24) jumps.push([indices[i - 1], indices[i], round(times[i] - times[i - 1], 0)]);
    gaps.push(times[i] - times[i - 1]);
  }
  gaps.sort((a, b) => a - b);
  return {
    shown: indices.length,
    distinct: new Set(indices).size,
    first: indices[0] ?? null,
    last: indices[indices.length - 1] ?? null,
    skipped,
    wrongWay,
    repeats,
    jumps,
    gapMedianMs: gaps.length ? round(gaps[gaps.length >> 1]) : null,
    gapMaxMs: gaps.length ? round(gaps[gaps.length - 1]) : null,
    // paints more than 1.5 frame intervals (30 fps) apart: a visible stutter
    stutters: gaps.filter((g) => g > 50).length,
  };
}

function frameChecks(rec) {
  return {
    pixelChecked: rec.pixelChecked,
    pixelWrong: rec.pixelWrong.length,
    pixelWrongFirst: rec.pixelWrong.slice(0, 8),
    indexWrong: rec.indexWrong?.length ?? null,
    indexWrongFirst: rec.indexWrong?.slice(0, 8) ?? [],
    notExact: rec.notExact ?? null,
  };
}

const SETTLE_MS = 500;

/**
 * Animation frames from now on (count, longest gap) and, where the browser has them (Chromium),
 * long tasks: a page whose main thread stalls cannot paint on time, whatever plays.
 */
function watchMainThread() {
  let frames = 0;
  let last = 0;
  let maxGap = 0;
  let on = true;
  const onFrame = (t) => {
    if (!on) return;
    if (last) maxGap = Math.max(maxGap, t - last);
    last = t;
    frames++;
    requestAnimationFrame(onFrame);
  };
  requestAnimationFrame(onFrame);
  const long = { count: 0, ms: 0 };
  let observer = null;
  if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        long.count++;
        long.ms += e.duration;
      }
    });
    observer.observe({ type: 'longtask' });
  }
  const t0 = now();
  return () => {
    on = false;
    observer?.disconnect();
    const s = (now() - t0) / 1000;
    return {
      animationFrames: frames,
      animationFps: round(frames / s, 1),
      animationGapMaxMs: round(maxGap),
      longTasks: observer ? long.count : null,
      longTaskMs: observer ? round(long.ms) : null,
    };
  };
}

/** The frame code on `el`'s canvas (or the video's, drawn) once it has had `ms` to settle. */
async function codeLater(source, meta, ms = 500) {
  await sleep(ms);
  if (source.canvas) return readCode(source.canvas.getContext('2d'), source.canvas.width, source.canvas.height);
  const { canvas, ctx } = makeCanvas(meta.width, meta.height);
  ctx.drawImage(source, 0, 0, meta.width, meta.height);
  const code = readCode(ctx, meta.width, meta.height);
  canvas.remove();
  return code;
}

/** Plays from 0 to the end at rate 1. */
async function playForward(method, url, meta, pixels) {
  const ts = meta.timestamps;
  const n = ts.length;
  const timeout = (ts[n - 1] + 1) * 1000 * 4 + 10_000;
  const out = { frames: n };
  if (isElement(method)) {
    const el = await openElement(url, null, method);
    await sleep(SETTLE_MS);
    const q0 = quality(el);
    const rec = recordElementFrames(el, { pixels });
    // Large frames playing with resolution="display" go to the screen through the element's
    // <video> (Chromium): its own frame callbacks say what the compositor showed.
    const presenter = el.shadowRoot?.querySelector('video.presenter');
    const presented = presenter ? recordVideoFrames(presenter, ts, { pixels: false }) : null;
    await playToEnd(el, rec, q0, timeout, out);
    if (presented) {
      presented.stop();
      out.rvfc = rvfcSummary(presented);
    }
    out.lastCode = readCode(el.canvas.getContext('2d'), el.canvas.width, el.canvas.height);
    out.lastCodeLater = await codeLater(el, meta);
    out.timestampMismatches = el.frameTimestamps.filter((t, i) => !(Math.abs(t - ts[i]) <= 2e-6)).length + Math.abs(el.frameTimestamps.length - n);
    el.remove();
  } else {
    const v = await openVideo(url);
    await sleep(SETTLE_MS);
    const q0 = quality(v);
    const rec = recordVideoFrames(v, ts, { pixels, width: meta.width, height: meta.height });
    await playToEnd(v, rec, q0, timeout, out);
    out.rvfc = rvfcSummary(rec);
    const { ctx } = makeCanvas(meta.width, meta.height);
    ctx.drawImage(v, 0, 0, meta.width, meta.height);
    out.lastCode = readCode(ctx, meta.width, meta.height);
    out.lastCodeLater = await codeLater(v, meta);
    v.removeAttribute('src');
    v.load();
  }
  return out;
}

function rvfcSummary(rec) {
  if (rec.unsupported) return 'unsupported';
  const p = rec.presented;
  return {
    callbacks: rec.callbacks,
    // presentedFrames counts every frame the compositor showed, callbacks or not
    presentedFrames: p.length ? p[p.length - 1] - p[0] + 1 : 0,
  };
}

/** playbackRate -1 from the last frame for `ms`. */
async function playReverse(method, url, meta, pixels, ms = 4000) {
  const ts = meta.timestamps;
  const n = ts.length;
  const out = { frames: n, playForMs: ms };
  if (method === 'element') {
    const el = await openElement(url);
    await el.seek(ts[n - 1]);
    el.playbackRate = -1;
    await sleep(SETTLE_MS);
    const q0 = quality(el);
    const rec = recordElementFrames(el, { pixels });
    const startTime = el.currentTime;
    const mainThread = watchMainThread();
    const t0 = now();
    await el.play();
    out.playResolvedMs = round(now() - t0);
    await sleep(Math.max(0, ms - (now() - t0)));
    rec.stop();
    const q1 = quality(el);
    out.wallMs = round(now() - t0);
    out.mainThread = mainThread();
    out.mediaSpan = round(startTime - el.currentTime, 3);
    el.pause();
    out.quality = qualityDelta(q0, q1);
    out.seq = sequence(rec.indices, rec.times, -1);
    out.checks = frameChecks(rec);
    el.remove();
    return out;
  }
  // <video>: what setting a negative rate does, and if it is taken, what playing does
  const v = await openVideo(url);
  v.currentTime = ts[n - 1];
  await until(v, 'seeked', 10_000);
  try {
    v.playbackRate = -1;
    out.rateNote = `playbackRate = -1 accepted, reads back ${v.playbackRate}`;
    out.rateAccepted = v.playbackRate < 0;
  } catch (e) {
    out.rateNote = `playbackRate = -1 throws ${e.name}: ${e.message}`;
    out.rateAccepted = false;
  }
  if (!out.rateAccepted) {
    out.na = true;
    return out;
  }
  await sleep(SETTLE_MS);
  const q0 = quality(v);
  const rec = recordVideoFrames(v, ts, { pixels, width: meta.width, height: meta.height });
  const startTime = v.currentTime;
  const mainThread = watchMainThread();
  const t0 = now();
  try {
    await v.play();
  } catch (e) {
    out.rateNote += `; play() rejects ${e.name}: ${e.message}`;
  }
  out.playResolvedMs = round(now() - t0);
  await sleep(Math.max(0, ms - (now() - t0)));
  rec.stop();
  out.wallMs = round(now() - t0);
  out.mainThread = mainThread();
  out.mediaSpan = round(startTime - v.currentTime, 3);
  out.rateNote += `; playing for ${ms / 1000} s moved currentTime ${round(startTime, 3)} -> ${round(v.currentTime, 3)}`;
  v.pause();
  out.quality = qualityDelta(q0, quality(v));
  out.seq = sequence(rec.indices, rec.times, -1);
  out.checks = frameChecks(rec);
  out.rvfc = rvfcSummary(rec);
  return out;
}

/**
 * Four players of one file, started together (the element: one sync group, play() on the
 * first; <video>: play() on each in one task), until all have ended. In every animation
 * frame: the skew (largest index minus smallest) of the frames they show -- for the element
 * from the four canvases' codes and from their `frame` events so far, for <video> from
 * their requestVideoFrameCallback mediaTimes so far.
 */
async function playSync(method, url, meta, { pixels = false, count = 4 } = {}) {
  const ts = meta.timestamps;
  const n = ts.length;
  const timeout = (ts[n - 1] + 1) * 1000 * 4 + 10_000;
  const out = { frames: n, players: count };
  // all four in view (the page is 800x600 in headless Chromium): a browser may treat a player
  // out of view differently (stacked, the fourth <video> was off-screen and Chromium counted
  // all its 148 frames as dropped, the others none)
  stage.style.cssText = 'display: grid; grid-template-columns: repeat(2, 384px); gap: 4px';
  const players = await Promise.all(Array.from({ length: count }, () => (isElement(method) ? openElement(url, 'bench', method) : openVideo(url))));
  for (const p of players) p.style.cssText = 'width: 384px; height: 216px';
  await sleep(SETTLE_MS);
  let tick = 0;
  const q0 = players.map(quality);
  const recs = players.map((p) =>
    isElement(method)
      ? recordElementFrames(p, { pixels: false, tick: () => tick })
      : recordVideoFrames(p, ts, { pixels: false, tick: () => tick }),
  );
  const ctxs = isElement(method) && pixels ? players.map((el) => ({ ctx: el.canvas.getContext('2d'), w: el.canvas.width, h: el.canvas.height })) : null;
  const ended = Promise.all(players.map((p) => until(p, 'ended', timeout)));
  // per animation frame: skew from the events so far, and (element) from the canvases
  const eventSkew = [];
  const pixelSkew = [];
  let canvasBehindEvents = 0;
  let running = true;
  const onAnimationFrame = () => {
    if (!running) return;
    tick++;
    const latest = recs.map((r) => (r.indices.length ? r.indices[r.indices.length - 1] : 0));
    eventSkew.push(Math.max(...latest) - Math.min(...latest));
    if (ctxs) {
      const codes = ctxs.map(({ ctx, w, h }) => readCode(ctx, w, h));
      pixelSkew.push(Math.max(...codes) - Math.min(...codes));
      canvasBehindEvents += codes.filter((c, i) => c !== latest[i] % 65536).length;
    }
    requestAnimationFrame(onAnimationFrame);
  };
  requestAnimationFrame(onAnimationFrame);
  const mainThread = watchMainThread();
  const t0 = now();
  if (isElement(method)) await players[0].play();
  else await Promise.all(players.map((v) => v.play()));
  out.playResolvedMs = round(now() - t0);
  await ended;
  out.wallMs = round(now() - t0);
  out.mainThread = mainThread();
  running = false;
  for (const r of recs) r.stop();
  const q1 = players.map(quality);
  out.quality = q0.map((q, i) => qualityDelta(q, q1[i]));
  out.presented = sum(out.quality.map((q) => q.presented));
  out.dropped = sum(out.quality.map((q) => q.dropped));
  out.perPlayer = recs.map((r) => sequence(r.indices, r.times, 1));
  if (method === 'video') out.rvfcPresentedFrames = sum(recs.map((r) => rvfcSummary(r).presentedFrames ?? 0));
  out.eventSkew = skewSummary(eventSkew);
  out.pixelSkew = ctxs ? skewSummary(pixelSkew) : null;
  out.canvasBehindEvents = ctxs ? canvasBehindEvents : null;
  // animation frames in which some of the players painted a new frame but not all of them
  const byTick = new Map();
  recs.forEach((r, p) => r.ticks.forEach((t, k) => {
    if (!byTick.has(t)) byTick.set(t, { players: new Set(), times: [] });
    byTick.get(t).players.add(p);
    byTick.get(t).times.push(r.times[k]);
  }));
  const buckets = [...byTick.values()];
  out.paintFrames = buckets.length;
  out.paintFramesPartial = buckets.filter((b) => b.players.size < count).length;
  out.paintSpreadMaxMs = round(Math.max(0, ...buckets.map((b) => Math.max(...b.times) - Math.min(...b.times))));
  if (isElement(method)) out.checks = recs.map(frameChecks);
  for (const p of players) {
    if (method === 'video') {
      p.removeAttribute('src');
      p.load();
    }
    p.remove();
  }
  return out;
}

function skewSummary(skews) {
  const hist = {};
  for (const s of skews) hist[s >= 3 ? '3+' : s] = (hist[s >= 3 ? '3+' : s] ?? 0) + 1;
  return { samples: skews.length, max: skews.length ? Math.max(...skews) : null, nonzero: skews.filter((s) => s > 0).length, hist };
}

/** Plays `media` (the element or <video>) from where it is to `ended`, filling `out` with the timings, frame accounting and checks. */
async function playToEnd(media, rec, q0, timeout, out) {
  const ended = until(media, 'ended', timeout);
  const mainThread = watchMainThread();
  const t0 = now();
  await media.play();
  out.playResolvedMs = round(now() - t0);
  await ended;
  out.wallMs = round(now() - t0);
  out.mainThread = mainThread();
  rec.stop();
  out.quality = qualityDelta(q0, quality(media));
  out.seq = sequence(rec.indices, rec.times, 1);
  out.checks = frameChecks(rec);
}

async function runPlayback({ scenario, method, file } = {}) {
  const url = `/bench/media/${file}.mp4`;
  const meta = await (await fetch(`/bench/media/${file}.json`, { cache: 'no-store' })).json();
  const result = { scenario, method, file, size: `${meta.width}x${meta.height}`, userAgent: navigator.userAgent };
  status(`playback ${scenario} ${method} ${file}`);
  try {
    if (scenario === 'forward') Object.assign(result, await playForward(method, url, meta, true));
    else if (scenario === '4k') Object.assign(result, await playForward(method, url, meta, false));
    else if (scenario === 'reverse') Object.assign(result, await playReverse(method, url, meta, true));
    else if (scenario === 'sync') {
      // Reading four canvases back in every animation frame costs the page (Firefox: rAF fell
      // from 60/s to 34/s and frames were dropped for it): frames and skew are timed without
      // it, then a second run reads the canvases to prove what was on them.
      Object.assign(result, await playSync(method, url, meta));
      if (isElement(method)) result.pixelRun = await playSync(method, url, meta, { pixels: true });
    }
    else throw new Error(`unknown scenario ${scenario}`);
  } catch (e) {
    result.error = String(e?.message ?? e);
  }
  status(`playback ${scenario} ${method} ${file}: done`);
  return result;
}

window.runBench = runBench;
window.runLong = runLong;
window.runPlayback = runPlayback;

// ?method=...&file=... runs one at once and prints the JSON on the page (handy by hand).
const params = new URLSearchParams(location.search);
if (params.get('method') && params.get('file')) {
  runBench({ method: params.get('method'), file: params.get('file') }).then(
    (r) => status(JSON.stringify(r, null, 1)),
    (e) => status(`failed: ${e?.stack ?? e}`),
  );
}
window.benchReady = true;
