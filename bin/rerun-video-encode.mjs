#!/usr/bin/env node
// rerun-video-encode: turns an image sequence (PNG/JPEG frames and their timestamps) into an MP4
// made for exact scrubbing in <rerun-video>: one frame per image at exactly its timestamp, short
// GOP, no frame reordering, index up front. The counterpart of rerun-video-frames.
// Plain Node (>= 18), no dependencies; needs ffmpeg and ffprobe on PATH.
//
// How the timestamps get in: ffmpeg encodes the images in order at a nominal constant rate,
// then this command rewrites the MP4's sample table (stts), timescales, durations and edit list
// with the exact timestamps (integers in a timescale that holds them), and ffprobe reads them
// back. ffmpeg's own VFR paths (the concat demuxer's `duration`) round to microseconds and then
// again to the track timescale, to the nearest tick, which can put a frame just after its time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const USAGE = `Usage: rerun-video-encode <input> <out.mp4> [--fps N | --timestamps FILE] [options]

Encodes an image sequence into an MP4 for exact scrubbing in <rerun-video> (and for Rerun,
whose SDK has no video encoder): image i is frame i, presented exactly at its timestamp.

<input>  a directory of PNG or JPEG images (one format, one size), taken in natural name
         order (frame2.png before frame10.png); or a manifest.json as rerun-video-frames
         writes ({ "frames": [{ "timestamp", "src" }] }), whose timestamps are the default

Timestamps, in seconds (a directory needs --fps or --timestamps):
  --fps N              N images per second from 0 (30, 12.5, 30000/1001)
  --timestamps FILE    one per image, in image order:
                         .json  [0, 0.033, 0.083, ...]
                                or { "frames": [{ "timestamp": 0, "src": "000000.png" }] }
                         .csv   a header row, then one row per image; the timestamp column is
                                timestamp_ns, time_ns or nanoseconds (integer nanoseconds, as
                                Rerun logs time), timestamp_us / time_us, timestamp_ms / time_ms,
                                or timestamp, time or seconds (seconds); an optional src, file,
                                filename, image or path column names each row's image (relative
                                to <input>), otherwise row i is image i
  --start-at-zero      shift every timestamp so that the first image is at 0 (the shift is
                       printed). Without it the timestamps are kept as they are: an image at
                       12.5 s is the frame at 12.5 s, after an empty edit from 0 (as <video>,
                       ffprobe and <rerun-video> read it). Timestamps must increase; before 0
                       or more than a year in (absolute clock times) they need --start-at-zero.

Encoding:
  --codec h264|av1|vp9  h264 (default): libx264, High profile, no B-frames; av1: libsvtav1
                       (else libaom-av1); vp9: libvpx-vp9. All 8-bit 4:2:0, BT.709.
  --gop N              frames from one key frame to the next (default: about 1 s)
  --crf N              quality, lower is better (default h264 23, of 0-51; av1 35, vp9 32, of 0-63)
  --max-width N        scale down to at most N pixels wide (aspect kept, sizes even). Without
                       it, an odd width or height gets one more column or row (a copy of the
                       edge) on the right or bottom, so that pixel coordinates stay the image's.
  --fallback DIR       also write the JPEG fallback of the MP4 into DIR (rerun-video-frames)
  -h, --help           this text

The timescale is 1/1000 or 1/90000 s if it holds every timestamp exactly, else 1/1000000
(finer timestamps are rounded down to the microsecond, so each still shows its own image);
--fps N/D uses a multiple of N. ffprobe then reads every frame's timestamp back. Prints the
codec-hint and a <rerun-video> tag to paste.

Exit codes: 0 written; 1 bad arguments or input, or ffmpeg failed; 2 ffmpeg or ffprobe is not
on PATH; 3 the MP4's timestamps do not match the input (nothing is written to <out.mp4>).`;

const NAME = 'rerun-video-encode';
const CODECS = ['h264', 'av1', 'vp9'];
const DEFAULT_CRF = { h264: 23, av1: 35, vp9: 32 };
const MAX_CRF = { h264: 51, av1: 63, vp9: 63 };
const IMAGE_TYPES = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg' };
const NS_PER_S = 1_000_000_000n;
const YEAR_NS = 365n * 86_400n * NS_PER_S;
const UINT32_MAX = 0xffff_ffff;

let tempDir = null;
let keepTemp = false;
process.on('exit', () => {
  if (tempDir && !keepTemp) fs.rmSync(tempDir, { recursive: true, force: true });
});

function fail(message, code = 1) {
  process.stderr.write(`${NAME}: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const positional = [];
  const options = { codec: 'h264', fps: null, timestamps: null, gop: 0, crf: null, fallback: null,
    maxWidth: 0, startAtZero: false };
  const value = (flag, inline, i) => {
    const v = inline ?? argv[i];
    if (v === undefined || v === '') fail(`${flag} needs a value\n\n${USAGE}`);
    return v;
  };
  const whole = (flag, v, min) => {
    const n = Number(v);
    if (!Number.isInteger(n)) fail(`${flag} needs a whole number, not ${v}`);
    if (n < min) fail(`${flag} must be at least ${min}, not ${n}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    }
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg];
    const next = () => value(flag, inline, inline === undefined ? ++i : i);
    if (flag === '--fps') options.fps = parseRate(next());
    else if (flag === '--timestamps') options.timestamps = next();
    else if (flag === '--codec') {
      const codec = next().toLowerCase();
      if (!CODECS.includes(codec)) fail(`--codec must be one of ${CODECS.join(', ')}, not ${codec}`);
      options.codec = codec;
    } else if (flag === '--gop') options.gop = whole(flag, next(), 1);
    else if (flag === '--crf') options.crf = whole(flag, next(), 0);
    else if (flag === '--max-width') options.maxWidth = whole(flag, next(), 2);
    else if (flag === '--fallback') options.fallback = next();
    else if (flag === '--start-at-zero') options.startAtZero = true;
    else if (arg.startsWith('-') && arg !== '-') fail(`unknown option ${arg}\n\n${USAGE}`);
    else positional.push(arg);
  }
  if (positional.length !== 2) fail(`expected an input (directory or manifest.json) and an output file\n\n${USAGE}`);
  if (options.fps && options.timestamps) fail('give --fps or --timestamps, not both');
  if (options.crf !== null && options.crf > MAX_CRF[options.codec]) {
    fail(`--crf for ${options.codec} must be 0-${MAX_CRF[options.codec]}, not ${options.crf}`);
  }
  return { input: positional[0], output: positional[1], ...options };
}

// --- numbers -------------------------------------------------------------------------------

const gcd = (a, b) => (b === 0n ? a : gcd(b, a % b));

/** "30", "12.5", "30000/1001" -> { num, den } (BigInt, reduced, > 0). */
function parseRate(text) {
  const [a, b = '1', extra] = text.split('/');
  const num = decimalToScaled(a, 9);
  const den = decimalToScaled(b, 9);
  if (extra !== undefined || num === null || den === null || num <= 0n || den <= 0n) {
    fail(`--fps needs a positive number or N/D, not ${text}`);
  }
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

/**
 * A decimal string ("12.5", "-3", "1.5e-3") times 10^exp10 as a BigInt, rounded down (toward
 * -infinity); null if it is not a number. Exact: no floating point in between.
 */
function decimalToScaled(text, exp10) {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const digits = BigInt((m[2] || '0') + (m[3] ?? ''));
  const shift = exp10 + Number(m[4] ?? 0) - (m[3] ?? '').length;
  let value;
  if (shift >= 0) value = digits * 10n ** BigInt(shift);
  else {
    const div = 10n ** BigInt(-shift);
    value = digits / div;
    if (m[1] === '-' && digits % div !== 0n) value += 1n; // floor, not truncation, after the sign
  }
  return m[1] === '-' ? -value : value;
}

/** Seconds given as a JS number (JSON) -> nanoseconds; String() is the shortest exact decimal. */
function secondsToNs(value) {
  return typeof value === 'number' && Number.isFinite(value) ? decimalToScaled(String(value), 9) : null;
}

const nsToSeconds = (ns) => Number(ns / NS_PER_S) + Number(ns % NS_PER_S) / 1e9;

/** Nanoseconds as an exact decimal number of seconds ("1700000000.123456789"). */
function nsToDecimal(ns) {
  const sign = ns < 0n ? '-' : '';
  const abs = ns < 0n ? -ns : ns;
  const fraction = String(abs % NS_PER_S).padStart(9, '0').replace(/0+$/, '');
  return `${sign}${abs / NS_PER_S}${fraction ? `.${fraction}` : ''}`;
}

// --- input: images and timestamps ------------------------------------------------------------

/** Natural order: runs of digits compare as numbers ("2" < "10"), the rest by code point. */
function naturalCompare(a, b) {
  const ra = a.match(/\d+|\D+/g) ?? [];
  const rb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i];
    const y = rb[i];
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
      return x.length - y.length; // "01" after "1"
    }
    return x < y ? -1 : 1;
  }
  return ra.length - rb.length;
}

function readJson(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    fail(`${file} is not valid JSON: ${error.message}`);
  }
}

/** A manifest's `src` is a URL relative to the manifest, as <rerun-video> resolves it. */
function resolveSrc(src, baseFile) {
  const url = new URL(src, pathToFileURL(baseFile));
  if (url.protocol !== 'file:') fail(`${baseFile}: only local images can be encoded, not ${src}`);
  return fileURLToPath(url);
}

/** [{ ns: BigInt, src?: string }] from a timestamps file (see USAGE). */
function readTimestampFile(file) {
  if (/\.json$/i.test(file)) {
    const data = readJson(file);
    const list = Array.isArray(data) ? data.map((t) => ({ timestamp: t })) : data?.frames;
    if (!Array.isArray(list) || list.length === 0) {
      fail(`${file}: expected a non-empty array of seconds or { "frames": [{ "timestamp", "src" }] }`);
    }
    return list.map((entry, i) => {
      const ns = secondsToNs(entry?.timestamp);
      if (ns === null) fail(`${file}: entry ${i} has no numeric timestamp (seconds)`);
      return { ns, src: typeof entry.src === 'string' ? entry.src : undefined };
    });
  }
  return readCsv(file);
}

const UNIT_COLUMNS = [
  [0, ['timestamp_ns', 'time_ns', 'nanoseconds']],
  [3, ['timestamp_us', 'time_us', 'microseconds']],
  [6, ['timestamp_ms', 'time_ms', 'milliseconds']],
  [9, ['timestamp', 'time', 'seconds', 'timestamp_s', 'time_s']],
];
const NAME_COLUMNS = ['src', 'file', 'filename', 'image', 'path'];

function csvRows(text) {
  const header = text.split('\n', 1)[0];
  const delimiter = header.includes('\t') ? '\t' : header.includes(';') && !header.includes(',') ? ';' : ',';
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === delimiter) {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      if (row.some((x) => x.trim() !== '')) rows.push({ cells: row, line: rowLine });
      row = [];
      cell = '';
      rowLine = ++line;
    } else cell += c;
  }
  row.push(cell);
  if (row.some((x) => x.trim() !== '')) rows.push({ cells: row, line: rowLine });
  return rows;
}

function readCsv(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    fail(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  }
  const [header, ...rows] = csvRows(text);
  if (!header) fail(`${file} is empty`);
  const names = header.cells.map((c) => c.trim().toLowerCase());
  let column = -1;
  let exp10 = 9;
  for (const [exp, candidates] of UNIT_COLUMNS) {
    column = names.findIndex((n) => candidates.includes(n));
    if (column >= 0) {
      exp10 = exp;
      break;
    }
  }
  if (column < 0) {
    const hint = decimalToScaled(header.cells[0], 0) !== null ? ' (the first line is a number: add a header row)' : '';
    fail(`${file}: no timestamp column${hint}; name it timestamp_ns, timestamp_us, timestamp_ms or ` +
      `timestamp (seconds). Columns found: ${header.cells.join(', ')}`);
  }
  const nameColumn = names.findIndex((n) => NAME_COLUMNS.includes(n));
  if (rows.length === 0) fail(`${file} has a header but no rows`);
  return rows.map(({ cells, line }) => {
    const ns = decimalToScaled(cells[column] ?? '', exp10);
    if (ns === null) fail(`${file}:${line}: "${cells[column] ?? ''}" in column ${header.cells[column].trim()} is not a number`);
    const src = nameColumn >= 0 ? cells[nameColumn]?.trim() || undefined : undefined;
    return { ns, src };
  });
}

function listImages(dir) {
  const files = fs.readdirSync(dir, { withFileTypes: true })
    // Not dotfiles: macOS leaves ._name.png resource forks on other file systems.
    .filter((d) => (d.isFile() || d.isSymbolicLink()) && !d.name.startsWith('.') &&
      IMAGE_TYPES[path.extname(d.name).toLowerCase()])
    .map((d) => d.name)
    .sort(naturalCompare);
  if (files.length === 0) fail(`${dir} holds no .png, .jpg or .jpeg images`);
  return files.map((name) => path.join(dir, name));
}

/** The images in frame order and their timestamps: { files: string[], ns: BigInt[] | null }. */
function collectInput({ input, timestamps, fps }) {
  let stat;
  try {
    stat = fs.statSync(input);
  } catch (error) {
    fail(`cannot read ${input}: ${error.code === 'ENOENT' ? 'no such file or directory' : error.message}`);
  }
  let files;
  let ns = null;
  let baseDir;
  if (stat.isDirectory()) {
    baseDir = input;
    if (!timestamps && !fps) fail(`${input} is a directory: give its timing with --fps N or --timestamps FILE\n\n${USAGE}`);
  } else {
    // A manifest as rerun-video-frames writes it.
    if (!/\.json$/i.test(input)) fail(`${input} is neither a directory of images nor a manifest .json`);
    const manifest = readJson(input);
    const frames = manifest?.frames;
    if (!Array.isArray(frames) || frames.length === 0) fail(`${input}: expected a manifest { "frames": [{ "timestamp", "src" }] }`);
    files = frames.map((frame, i) => {
      if (typeof frame?.src !== 'string') fail(`${input}: frame ${i} has no src`);
      return resolveSrc(frame.src, input);
    });
    ns = frames.map((frame, i) => secondsToNs(frame.timestamp) ?? fail(`${input}: frame ${i} has no numeric timestamp`));
    baseDir = path.dirname(input);
  }
  if (timestamps) {
    const entries = readTimestampFile(timestamps);
    const named = entries.filter((e) => e.src !== undefined).length;
    if (named > 0 && named < entries.length) fail(`${timestamps}: some rows name an image and some do not`);
    if (named) {
      files = entries.map((e) => path.resolve(baseDir, e.src));
    } else {
      files ??= listImages(baseDir);
      if (entries.length !== files.length) {
        fail(`${timestamps} has ${entries.length} timestamps but ${input} has ${files.length} images`);
      }
    }
    ns = entries.map((e) => e.ns);
  }
  files ??= listImages(baseDir);
  return { files, ns };
}

// --- image headers ---------------------------------------------------------------------------

function readAt(fd, position, length) {
  const buffer = Buffer.alloc(length);
  const n = fs.readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, n);
}

/** { type: 'png' | 'jpeg', width, height } from the file's own header, or a reason string. */
function imageInfo(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    return error.code === 'ENOENT' ? 'no such file' : error.message;
  }
  try {
    const head = readAt(fd, 0, 32);
    if (head.length >= 24 && head.readUInt32BE(0) === 0x89504e47 && head.toString('latin1', 12, 16) === 'IHDR') {
      return { type: 'png', width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
    }
    if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8) {
      // Walk the marker segments to the frame header (SOF0..SOF15 except DHT, JPG, DAC).
      let pos = 2;
      for (;;) {
        const m = readAt(fd, pos, 9);
        if (m.length < 4 || m[0] !== 0xff) return 'a JPEG without a frame header';
        const marker = m[1];
        if (marker === 0xff) {
          pos++;
          continue;
        }
        if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
          if (m.length < 9) return 'a truncated JPEG';
          return { type: 'jpeg', width: m.readUInt16BE(7), height: m.readUInt16BE(5) };
        }
        if (marker === 0xd9 || marker === 0xda) return 'a JPEG without a frame header';
        pos += 2 + (marker >= 0xd0 && marker <= 0xd7 ? 0 : m.readUInt16BE(2));
      }
    }
    return 'neither PNG nor JPEG';
  } finally {
    fs.closeSync(fd);
  }
}

function checkImages(files) {
  let first = null;
  files.forEach((file, i) => {
    const info = imageInfo(file);
    if (typeof info === 'string') fail(`image ${i} (${file}) cannot be used: ${info}`);
    if (!info.width || !info.height) fail(`image ${i} (${file}) has no size`);
    first ??= { ...info, file };
    if (info.type !== first.type) {
      fail(`the images must all be one format: ${first.file} is ${first.type.toUpperCase()}, ` +
        `image ${i} (${file}) is ${info.type.toUpperCase()}`);
    }
    if (info.width !== first.width || info.height !== first.height) {
      fail(`the images must all be one size: ${first.file} is ${first.width}x${first.height}, ` +
        `image ${i} (${file}) is ${info.width}x${info.height}`);
    }
  });
  return first;
}

// --- timing ----------------------------------------------------------------------------------

/**
 * Integer timestamps in one timescale: { timescale, ticks: number[], lastDuration, shiftNs,
 * inputSeconds, nominalRate }. Ticks never exceed the input time (rounded down), so each input
 * timestamp shows its own image under "the last frame whose timestamp <= time".
 */
function planTiming({ count, ns, fps, startAtZero, files }) {
  if (!ns) {
    const rate = fps ?? { num: 30n, den: 1n };
    let k = 1n;
    while (rate.num * k < 10_000n) k *= 2n;
    const timescale = rate.num * k;
    const delta = rate.den * k;
    if (timescale > BigInt(UINT32_MAX) || delta > BigInt(UINT32_MAX)) fail('--fps: that rate does not fit an MP4 timescale');
    const nominal = Number(rate.num) / Number(rate.den);
    return { timescale: Number(timescale), ticks: Array.from({ length: count }, (_, i) => Number(delta) * i),
      lastDuration: Number(delta), shiftNs: 0n, nominalRate: nominal };
  }
  const seconds = nsToDecimal;
  for (let i = 1; i < ns.length; i++) {
    if (ns[i] <= ns[i - 1]) {
      fail(`timestamps must increase: image ${i} (${path.basename(files[i])}) at ${seconds(ns[i])} s ` +
        `is not later than image ${i - 1} (${path.basename(files[i - 1])}) at ${seconds(ns[i - 1])} s`);
    }
  }
  const shiftNs = startAtZero ? ns[0] : 0n;
  const times = ns.map((t) => t - shiftNs);
  if (times[0] < 0n) fail(`the first timestamp is ${seconds(times[0])} s, before 0: use --start-at-zero`);
  if (times[0] > YEAR_NS) {
    fail(`the first timestamp is ${seconds(times[0])} s, more than a year: these look like clock times; ` +
      'use --start-at-zero (the shift is printed)');
  }
  const last = times[times.length - 1];
  // The last image is shown for the interval before it (one image: 1/30 s).
  const lastNs = times.length > 1 ? last - times[times.length - 2] : NS_PER_S / 30n;
  const fits = (ts) => (last + lastNs) * ts / NS_PER_S < 2n ** 53n &&
    times.every((t, i) => i === 0 || (t - times[i - 1]) * ts / NS_PER_S <= BigInt(UINT32_MAX));
  const candidates = [1000n, 90_000n, 1_000_000n].filter(fits);
  if (candidates.length === 0) fail('the timestamps span too much time for an MP4 (a gap over 71 minutes at 1 µs)');
  const exactIn = candidates.find((ts) => [...times, lastNs].every((t) => (t * ts) % NS_PER_S === 0n));
  const timescale = exactIn ?? candidates[candidates.length - 1];
  const toTicks = (t) => t * timescale / NS_PER_S; // BigInt division rounds down for t >= 0
  const ticks = times.map(toTicks);
  for (let i = 1; i < ticks.length; i++) {
    if (ticks[i] <= ticks[i - 1]) {
      fail(`images ${i - 1} and ${i} are less than 1 µs apart (${seconds(times[i - 1])} s, ${seconds(times[i])} s)`);
    }
  }
  const span = nsToSeconds(last - times[0]);
  return { timescale: Number(timescale), ticks: ticks.map(Number), lastDuration: Math.max(1, Number(toTicks(lastNs))),
    shiftNs, inputSeconds: times.map(nsToSeconds),
    nominalRate: times.length > 1 && span > 0 ? (times.length - 1) / span : 30 };
}

// --- ffmpeg ----------------------------------------------------------------------------------

/**
 * spawnSync that outlives a Ctrl-C: the child gets the same SIGINT and stops, then this command
 * fails and its exit hook removes the temporary files. (Only while a child runs: elsewhere the
 * synchronous work would keep a listener from ever running.)
 */
function spawnChild(cmd, args, options) {
  const hold = () => {};
  process.on('SIGINT', hold);
  try {
    return spawnSync(cmd, args, options);
  } finally {
    process.off('SIGINT', hold);
  }
}

function run(tool, args, options = {}) {
  const result = spawnChild(tool, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, ...options });
  if (result.error?.code === 'ENOENT') {
    fail(`${tool} was not found on PATH. Install FFmpeg (it provides ffmpeg and ffprobe), e.g. ` +
      '`apt install ffmpeg` or `brew install ffmpeg`, and try again.', 2);
  }
  if (result.error) fail(`${tool} could not run: ${result.error.message}`);
  if (result.signal) fail(`${tool} was stopped (${result.signal})`, 130);
  return result;
}

function pickEncoder(codec) {
  const list = run('ffmpeg', ['-hide_banner', '-encoders']).stdout;
  const has = (name) => new RegExp(`^\\s*V\\S*\\s+${name}\\s`, 'm').test(list);
  const wanted = { h264: ['libx264'], av1: ['libsvtav1', 'libaom-av1'], vp9: ['libvpx-vp9'] }[codec];
  const encoder = wanted.find(has);
  if (!encoder) fail(`this ffmpeg has no ${wanted.join(' or ')} encoder for --codec ${codec}`);
  return encoder;
}

function encoderArgs(encoder, gop, crf) {
  const g = ['-g', String(gop), '-keyint_min', String(gop)];
  switch (encoder) {
    case 'libx264':
      // No B-frames: decode order = presentation order, no composition offsets (ctts).
      return ['-c:v', 'libx264', '-profile:v', 'high', '-preset', 'medium', '-crf', String(crf), '-bf', '0',
        ...g, '-sc_threshold', '0', '-x264-params', 'open-gop=0'];
    case 'libsvtav1':
      // irefresh-type=2: key frames (closed GOP), not forward key frames a decoder cannot start at.
      return ['-c:v', 'libsvtav1', '-preset', '8', '-crf', String(crf), '-g', String(gop),
        '-svtav1-params', 'irefresh-type=2'];
    case 'libaom-av1':
      return ['-c:v', 'libaom-av1', '-cpu-used', '6', '-row-mt', '1', '-crf', String(crf), '-b:v', '0', ...g];
    default:
      return ['-c:v', 'libvpx-vp9', '-deadline', 'good', '-cpu-used', '4', '-row-mt', '1', '-crf', String(crf),
        '-b:v', '0', ...g];
  }
}

/** The picture size and the filters that make it: even sizes for 4:2:0, BT.709 limited range. */
function pictureFilters({ width, height }, maxWidth) {
  const filters = [];
  let w = width;
  let h = height;
  if (maxWidth && width > maxWidth) {
    w = maxWidth - (maxWidth % 2);
    h = Math.max(2, Math.round((height * w) / width / 2) * 2);
    filters.push(`scale=${w}:${h}:flags=lanczos:out_color_matrix=bt709:out_range=tv`);
  } else {
    w += w % 2;
    h += h % 2;
    // The extra column/row copies the edge: black would bleed into the edge's shared chroma.
    if (w !== width || h !== height) {
      filters.push(`pad=${w}:${h}:0:0`, `fillborders=right=${w - width}:bottom=${h - height}:mode=smear`);
    }
    filters.push('scale=out_color_matrix=bt709:out_range=tv');
  }
  filters.push('format=yuv420p');
  return { w, h, filters };
}

function encode({ files, encoder, gop, crf, filters, rate, out }) {
  // Every image in order through the concat demuxer; each becomes frame N at a nominal
  // constant rate (the exact timestamps are written into the MP4 afterwards).
  const quote = (p) => `'${p.replace(/'/g, "'\\''")}'`;
  const list = path.join(tempDir, 'images.ffconcat');
  fs.writeFileSync(list, 'ffconcat version 1.0\n' + files.map((f) => `file ${quote(path.resolve(f))}\n`).join(''));
  const vf = [...filters, `settb=1/${rate}`, 'setpts=N'].join(',');
  const args = (fpsMode) => ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'concat', '-safe', '0', '-i', list, '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', vf, ...fpsMode, ...encoderArgs(encoder, gop, crf),
    '-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'tv',
    '-map_metadata', '-1', '-fflags', '+bitexact', '-movflags', '+faststart', '-f', 'mp4', out];
  // -fps_mode is ffmpeg >= 5.1; older ones only know -vsync.
  let result = run('ffmpeg', args(['-fps_mode', 'passthrough', '-enc_time_base', `1:${rate}`]));
  if (result.status !== 0 && /fps_mode|enc_time_base/.test(result.stderr)) result = run('ffmpeg', args(['-vsync', '0']));
  if (result.status !== 0) {
    const log = result.stderr.split('\n').filter((l) => !/^Svt\[info\]/.test(l)).join('\n').trim();
    fail(`ffmpeg failed to encode the images:\n${log}`);
  }
}

// --- MP4 boxes -------------------------------------------------------------------------------

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts']);

function boxesIn(buf, start, end) {
  const out = [];
  let pos = start;
  while (pos + 8 <= end) {
    let size = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(pos + 8));
      header = 16;
    } else if (size === 0) size = end - pos;
    if (size < header || pos + size > end) throw new Error(`damaged ${type} box`);
    out.push({ type, start: pos, body: pos + header, end: pos + size });
    pos += size;
  }
  return out;
}

const child = (buf, box, type) => boxesIn(buf, box.body, box.end).find((b) => b.type === type);

function makeBox(type, ...parts) {
  const payload = Buffer.concat(parts);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, payload]);
}

function uint(value, bytes) {
  const b = Buffer.alloc(bytes);
  if (bytes === 8) b.writeBigUInt64BE(BigInt(value));
  else if (bytes === 4) b.writeUInt32BE(value);
  else b.writeUInt16BE(value);
  return b;
}

/**
 * mvhd / mdhd (creation, modification, timescale, duration) and tkhd (creation, modification,
 * track id, reserved, duration) with a new timescale and duration; version 1 when one is > 32 bits.
 */
function timeBox(buf, box, { timescale, duration }) {
  const body = buf.subarray(box.body, box.end);
  const w = body[0] === 1 ? 8 : 4;
  const read = (p) => (w === 8 ? Number(body.readBigUInt64BE(p)) : body.readUInt32BE(p));
  const created = read(4);
  const modified = read(4 + w);
  let p = 4 + 2 * w;
  const middle = box.type === 'tkhd' ? body.subarray(p, p + 8) : null;
  if (box.type !== 'tkhd') timescale ??= body.readUInt32BE(p);
  p += box.type === 'tkhd' ? 8 : 4;
  const rest = body.subarray(p + w);
  const v = Math.max(created, modified, duration) > UINT32_MAX ? 8 : 4;
  const flags = Buffer.from(body.subarray(0, 4));
  flags[0] = v === 8 ? 1 : 0;
  return makeBox(box.type, flags, uint(created, v), uint(modified, v),
    middle ?? uint(timescale, 4), uint(duration, v), rest);
}

function elstBox(entries) {
  const v = entries.some((e) => e.duration > UINT32_MAX || e.mediaTime > 0x7fff_ffff) ? 8 : 4;
  const parts = [Buffer.from([v === 8 ? 1 : 0, 0, 0, 0]), uint(entries.length, 4)];
  for (const e of entries) {
    const mediaTime = Buffer.alloc(v);
    if (v === 8) mediaTime.writeBigInt64BE(BigInt(e.mediaTime));
    else mediaTime.writeInt32BE(e.mediaTime);
    parts.push(uint(e.duration, v), mediaTime, Buffer.from([0, 1, 0, 0])); // rate 1.0
  }
  return makeBox('edts', makeBox('elst', ...parts));
}

function sttsBox(deltas) {
  const runs = [];
  for (const d of deltas) {
    const lastRun = runs[runs.length - 1];
    if (lastRun && lastRun.delta === d) lastRun.count++;
    else runs.push({ count: 1, delta: d });
  }
  return makeBox('stts', Buffer.alloc(4), uint(runs.length, 4),
    ...runs.flatMap((r) => [uint(r.count, 4), uint(r.delta, 4)]));
}

function chunkOffsetBox(buf, box, shift) {
  const count = buf.readUInt32BE(box.body + 4);
  const wide = box.type === 'co64';
  const offsets = Array.from({ length: count }, (_, i) =>
    (wide ? Number(buf.readBigUInt64BE(box.body + 8 + 8 * i)) : buf.readUInt32BE(box.body + 8 + 4 * i)));
  const moved = offsets.map(shift);
  const needWide = wide || moved.some((o) => o > UINT32_MAX);
  return makeBox(needWide ? 'co64' : 'stco', Buffer.alloc(4), uint(count, 4), ...moved.map((o) => uint(o, needWide ? 8 : 4)));
}

function rebuild(buf, box, replace) {
  const parts = [];
  for (const c of boxesIn(buf, box.body, box.end)) {
    const replacement = replace(c);
    if (replacement !== undefined) {
      if (replacement) parts.push(replacement);
    } else if (CONTAINERS.has(c.type)) parts.push(rebuild(buf, c, replace));
    else parts.push(buf.subarray(c.start, c.end));
  }
  return makeBox(box.type, ...parts);
}

/** The file's top-level boxes, read from its headers (the file itself may be large). */
function topLevelBoxes(fd, size) {
  const boxes = [];
  let pos = 0;
  while (pos + 8 <= size) {
    const h = readAt(fd, pos, 16);
    let boxSize = h.readUInt32BE(0);
    if (boxSize === 1) boxSize = Number(h.readBigUInt64BE(8));
    else if (boxSize === 0) boxSize = size - pos;
    const type = h.toString('latin1', 4, 8);
    if (boxSize < 8 || pos + boxSize > size) throw new Error(`damaged top-level ${type} box`);
    boxes.push({ type, start: pos, end: pos + boxSize });
    pos += boxSize;
  }
  return boxes;
}

/** What the MP4 ffmpeg wrote holds: its moov and the facts the rest of the command needs. */
function readMovie(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const top = topLevelBoxes(fd, size);
    const moovAt = top.find((b) => b.type === 'moov');
    if (!moovAt) throw new Error('no moov box');
    const moov = readAt(fd, moovAt.start, moovAt.end - moovAt.start);
    const root = { type: 'moov', start: 0, body: 8, end: moov.length };
    const traks = boxesIn(moov, root.body, root.end).filter((b) => b.type === 'trak');
    if (traks.length !== 1) throw new Error(`expected one track, found ${traks.length}`);
    const trak = traks[0];
    const mdia = child(moov, trak, 'mdia');
    const stbl = child(moov, child(moov, mdia, 'minf'), 'stbl');
    const stsz = child(moov, stbl, 'stsz') ?? child(moov, stbl, 'stz2');
    const stss = child(moov, stbl, 'stss');
    const stsd = child(moov, stbl, 'stsd');
    const entry = boxesIn(moov, stsd.body + 8, stsd.end)[0];
    const keyframes = stss
      ? Array.from({ length: moov.readUInt32BE(stss.body + 4) }, (_, i) => moov.readUInt32BE(stss.body + 8 + 4 * i) - 1)
      : null;
    return { size, moovAt, moov, root, stbl, sampleCount: moov.readUInt32BE(stsz.body + 8),
      hasCtts: Boolean(child(moov, stbl, 'ctts')), keyframes, entry,
      width: moov.readUInt16BE(entry.body + 24), height: moov.readUInt16BE(entry.body + 26) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `movie` to `out` with the exact timing: stts from the ticks, one timescale for the track
 * and the movie (so the empty edit before the first frame is exact too), durations, the edit list.
 */
function writeTimedMovie(src, out, movie, timing) {
  const { moov, root, moovAt } = movie;
  const { timescale, ticks, lastDuration } = timing;
  const deltas = ticks.map((t, i) => (i + 1 < ticks.length ? ticks[i + 1] - t : lastDuration));
  const mediaDuration = deltas.reduce((a, b) => a + b, 0);
  const delay = ticks[0];
  const total = delay + mediaDuration;
  const edits = [...(delay > 0 ? [{ duration: delay, mediaTime: -1 }] : []), { duration: mediaDuration, mediaTime: 0 }];
  const build = (shift) => rebuild(moov, root, (box) => {
    switch (box.type) {
      case 'mvhd': return timeBox(moov, box, { timescale, duration: total });
      case 'tkhd': return Buffer.concat([timeBox(moov, box, { duration: total }), elstBox(edits)]);
      case 'edts': return null;
      case 'mdhd': return timeBox(moov, box, { timescale, duration: mediaDuration });
      case 'stts': return sttsBox(deltas);
      case 'stco':
      case 'co64': return chunkOffsetBox(moov, box, shift);
      default: return undefined;
    }
  });
  // Chunks after the moov move by as much as it grows; the size can change once more if an
  // offset outgrows 32 bits (stco -> co64), so settle it.
  let next = build((o) => o);
  let built;
  do {
    built = next;
    const grow = built.length - moov.length;
    next = build((o) => (o >= moovAt.end ? o + grow : o));
  } while (next.length !== built.length);
  built = next;

  const input = fs.openSync(src, 'r');
  const output = fs.openSync(out, 'w');
  try {
    const copy = (from, to) => {
      const chunk = Buffer.alloc(1 << 20);
      for (let pos = from; pos < to;) {
        const n = fs.readSync(input, chunk, 0, Math.min(chunk.length, to - pos), pos);
        if (n <= 0) throw new Error('unexpected end of file');
        fs.writeSync(output, chunk, 0, n);
        pos += n;
      }
    };
    copy(0, moovAt.start);
    fs.writeSync(output, built);
    copy(moovAt.end, movie.size);
  } finally {
    fs.closeSync(input);
    fs.closeSync(output);
  }
}

const hex2 = (n) => n.toString(16).padStart(2, '0');
const dec2 = (n) => String(n).padStart(2, '0');
const AVC_PROFILES = { 66: 'Baseline', 77: 'Main', 88: 'Extended', 100: 'High', 110: 'High 10', 122: 'High 4:2:2', 244: 'High 4:4:4' };

/** The RFC 6381 codec string WebCodecs takes, from the sample entry's configuration box. */
function codecString(movie) {
  const { moov, entry } = movie;
  const config = boxesIn(moov, entry.body + 78, entry.end);
  const find = (type) => config.find((b) => b.type === type);
  if (entry.type === 'avc1' || entry.type === 'avc3') {
    const c = find('avcC');
    if (!c) throw new Error('avc1 without avcC');
    const [profile, compat, level] = moov.subarray(c.body + 1, c.body + 4);
    return { codec: `${entry.type}.${hex2(profile)}${hex2(compat)}${hex2(level)}`,
      name: `H.264 ${AVC_PROFILES[profile] ?? `profile ${profile}`} level ${(level / 10).toFixed(1)}` };
  }
  if (entry.type === 'av01') {
    const c = find('av1C');
    if (!c) throw new Error('av01 without av1C');
    const b1 = moov[c.body + 1];
    const b2 = moov[c.body + 2];
    const profile = b1 >> 5;
    const level = b1 & 31;
    const depth = b2 & 0x40 ? (b2 & 0x20 ? 12 : 10) : 8;
    return { codec: `av01.${profile}.${dec2(level)}${b2 & 0x80 ? 'H' : 'M'}.${dec2(depth)}`,
      name: `AV1 ${['Main', 'High', 'Professional'][profile] ?? profile} level ${2 + (level >> 2)}.${level & 3}` };
  }
  if (entry.type === 'vp09') {
    const c = find('vpcC');
    if (!c) throw new Error('vp09 without vpcC');
    const profile = moov[c.body + 4];
    const level = moov[c.body + 5];
    const depth = moov[c.body + 6] >> 4;
    return { codec: `vp09.${dec2(profile)}.${dec2(level)}.${dec2(depth)}`,
      name: `VP9 profile ${profile} level ${(level / 10).toFixed(1)}` };
  }
  throw new Error(`unexpected sample entry ${entry.type}`);
}

// --- checking --------------------------------------------------------------------------------

/** ffprobe's packet timestamps (edit list applied, as <video> sees them) against the plan. */
function verify(file, timing, count) {
  const probe = run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
    'packet=pts,flags:stream=time_base', '-of', 'json', file]);
  if (probe.status !== 0) return [`ffprobe cannot read the MP4: ${probe.stderr.trim()}`];
  const { packets = [], streams = [] } = JSON.parse(probe.stdout);
  const [num, den] = String(streams[0]?.time_base ?? '').split('/').map(Number);
  if (!(num > 0 && den > 0)) return ['ffprobe reports no time base'];
  if (packets.length !== count) return [`ffprobe finds ${packets.length} frames, not ${count}`];
  const pts = packets.map((p) => p.pts).sort((a, b) => a - b);
  const tick = 1 / timing.timescale;
  const problems = [];
  let worst = 0;
  pts.forEach((p, i) => {
    const got = (p * num) / den;
    const planned = timing.ticks[i] / timing.timescale;
    const input = timing.inputSeconds?.[i] ?? planned;
    worst = Math.max(worst, Math.abs(input - got));
    // Exactly the planned tick (half a tick of slack for a time base other than ours), and
    // never after the input time, by more than float noise.
    if (!Number.isInteger(p) || Math.abs(got - planned) > tick / 2 || got - input > 1e-9) {
      problems.push(`frame ${i}: ${got.toFixed(9)} s in the MP4, ${planned.toFixed(9)} s planned, ` +
        `${input.toFixed(9)} s in the input`);
    }
  });
  if (!packets[0]?.flags?.startsWith('K')) problems.push('the first frame is not a key frame');
  return problems.length ? problems : { worst };
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  // Both tools first, so a missing one is reported before any work.
  run('ffprobe', ['-version']);
  run('ffmpeg', ['-version']);
  const encoder = pickEncoder(options.codec);

  const input = collectInput(options);
  const files = input.files;
  const ns = options.fps ? null : input.ns;
  const image = checkImages(files);
  const timing = planTiming({ count: files.length, ns, fps: options.fps, startAtZero: options.startAtZero, files });
  const rate = Math.max(1, Math.round(timing.nominalRate));
  const gop = options.gop || rate;
  const crf = options.crf ?? DEFAULT_CRF[options.codec];
  const { w, h, filters } = pictureFilters(image, options.maxWidth);

  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), `${NAME}-`));
  const encoded = path.join(tempDir, 'encoded.mp4');
  const timed = path.join(tempDir, 'timed.mp4');
  encode({ files, encoder, gop, crf, filters, rate, out: encoded });

  let movie;
  try {
    movie = readMovie(encoded);
  } catch (error) {
    fail(`cannot read the MP4 ffmpeg wrote: ${error.message}`);
  }
  if (movie.sampleCount !== files.length) {
    fail(`ffmpeg wrote ${movie.sampleCount} frames for ${files.length} images`);
  }
  if (movie.hasCtts) fail(`${encoder} reordered frames (the MP4 has composition offsets); cannot time them exactly`);
  writeTimedMovie(encoded, timed, movie, timing);

  const check = verify(timed, timing, files.length);
  if (Array.isArray(check)) {
    keepTemp = true;
    fail(`the encoded timestamps do not match the input, so ${options.output} was not written ` +
      `(the MP4 is kept at ${timed}):\n  ${check.slice(0, 10).join('\n  ')}` +
      (check.length > 10 ? `\n  ... and ${check.length - 10} more` : ''), 3);
  }
  const { codec, name } = codecString(movie);

  fs.mkdirSync(path.dirname(path.resolve(options.output)), { recursive: true });
  try {
    fs.renameSync(timed, options.output);
  } catch (error) {
    if (error.code !== 'EXDEV') fail(`cannot write ${options.output}: ${error.message}`);
    fs.copyFileSync(timed, options.output);
  }

  const say = (line) => process.stdout.write(`${line}\n`);
  const keys = movie.keyframes ? movie.keyframes.length : files.length;
  const last = timing.ticks[timing.ticks.length - 1] / timing.timescale;
  const first = timing.ticks[0] / timing.timescale;
  say(`${NAME}: ${files.length} frames, ${w}x${h}, ${name} (${encoder}), ` +
    `${+first.toFixed(6)} s to ${+last.toFixed(6)} s, ${keys} key frame${keys === 1 ? '' : 's'} (GOP ${gop}), ` +
    `${Math.round(fs.statSync(options.output).size / 1024)} KiB -> ${options.output}`);
  say(`${NAME}: timescale 1/${timing.timescale} s; ffprobe reads back every timestamp ` +
    (check.worst < 5e-10 ? 'exactly' : `at most ${(check.worst * 1e6).toFixed(3)} µs before its input time`) +
    (w !== image.width || h !== image.height ? `; images were ${image.width}x${image.height}` : ''));
  if (timing.shiftNs !== 0n) {
    const [sign, amount] = timing.shiftNs < 0n ? ['+', -timing.shiftNs] : ['-', timing.shiftNs];
    say(`${NAME}: --start-at-zero: video time = input time ${sign} ${nsToDecimal(amount)} s`);
  }

  let fallbackAttr = '';
  if (options.fallback) {
    const frames = fileURLToPath(new URL('./rerun-video-frames.mjs', import.meta.url));
    const result = spawnChild(process.execPath, [frames, options.output, options.fallback], { stdio: 'inherit' });
    if (result.signal) fail(`rerun-video-frames was stopped (${result.signal})`, 130);
    if (result.status !== 0) fail(`rerun-video-frames failed to write the fallback into ${options.fallback}`);
    fallbackAttr = ` fallback="${toUrl(path.join(options.fallback, 'manifest.json'))}"`;
  }
  say(`codec-hint="${codec}"`);
  say(`<rerun-video src="${toUrl(options.output)}" codec-hint="${codec}"${fallbackAttr}></rerun-video>`);
}

const toUrl = (p) => p.split(path.sep).map(encodeURIComponent).join('/').replace(/%40/g, '@');

main();
