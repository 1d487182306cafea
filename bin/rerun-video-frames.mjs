#!/usr/bin/env node
// rerun-video-frames: turns an MP4 into the JPEG image sequence + manifest.json that
// <rerun-video fallback="..."> shows where the browser cannot decode the video's codec.
// Plain Node (>= 18), no dependencies; needs ffmpeg and ffprobe on PATH.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const USAGE = `Usage: rerun-video-frames <input.mp4> <out-dir> [--quality 1-100] [--max-width N]

Writes <out-dir>/000000.jpg, 000001.jpg, ... (one per video frame, in presentation order)
and <out-dir>/manifest.json: { width, height, frames: [{ timestamp, src }] }, whose
timestamps are the video's own frame timestamps (as ffprobe reports them), so a time shows
the same frame from the video and from the images.

  --quality 1-100   JPEG quality (default 80; maps to ffmpeg -q:v 31..2)
  --max-width N     scale images down to at most N pixels wide (aspect ratio kept)
  -h, --help        this text

Needs ffmpeg and ffprobe on PATH.`;

const DEFAULT_QUALITY = 80;

function fail(message, code = 1) {
  process.stderr.write(`rerun-video-frames: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const positional = [];
  const options = { quality: DEFAULT_QUALITY, maxWidth: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    }
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg];
    if (flag === '--quality' || flag === '--max-width') {
      const value = inline ?? argv[++i];
      const n = Number(value);
      if (value === undefined || !Number.isInteger(n)) fail(`${flag} needs a whole number\n\n${USAGE}`);
      if (flag === '--quality') {
        if (n < 1 || n > 100) fail(`--quality must be 1-100, not ${n}`);
        options.quality = n;
      } else {
        if (n < 2) fail(`--max-width must be at least 2, not ${n}`);
        options.maxWidth = n;
      }
    } else if (arg.startsWith('-') && arg !== '-') {
      fail(`unknown option ${arg}\n\n${USAGE}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 2) fail(`expected an input file and an output directory\n\n${USAGE}`);
  return { input: positional[0], outDir: positional[1], ...options };
}

/** ffmpeg's JPEG -q:v runs from 2 (best) to 31 (worst). */
export function qscale(quality) {
  return Math.round(31 - ((quality - 1) * 29) / 99);
}

function run(tool, args) {
  const result = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error?.code === 'ENOENT') {
    fail(`${tool} was not found on PATH. Install FFmpeg (it provides ffmpeg and ffprobe), e.g. ` +
      '`apt install ffmpeg` or `brew install ffmpeg`, and try again.', 2);
  }
  if (result.error) fail(`${tool} could not run: ${result.error.message}`);
  return result;
}

function main() {
  const { input, outDir, quality, maxWidth } = parseArgs(process.argv.slice(2));
  // Both tools first, so a missing one is reported before any work.
  run('ffprobe', ['-version']);
  run('ffmpeg', ['-version']);

  try {
    fs.accessSync(input, fs.constants.R_OK);
    if (!fs.statSync(input).isFile()) throw new Error('not a file');
  } catch (error) {
    fail(`cannot read ${input}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  }

  // The frames' presentation timestamps as ffprobe (and <video>) sees them: edit lists applied.
  // pts_time is printed to the microsecond; pts x time_base is the exact value the element
  // computes for the video, so a time right at a frame boundary picks the same frame in both.
  const probe = run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
    'frame=pts,pts_time:stream=time_base', '-of', 'json', input]);
  if (probe.status !== 0) fail(`ffprobe cannot read ${input}:\n${probe.stderr.trim()}`);
  const { frames = [], streams = [] } = JSON.parse(probe.stdout);
  const [num, den] = String(streams[0]?.time_base ?? '').split('/').map(Number);
  const timestamps = frames.map((frame) =>
    Number.isInteger(frame.pts) && num > 0 && den > 0 ? (frame.pts * num) / den : Number(frame.pts_time ?? NaN));
  if (timestamps.length === 0) fail(`${input} has no video frames (ffprobe found none)`);
  if (timestamps.some((t) => !Number.isFinite(t))) fail(`ffprobe gave frames without a timestamp in ${input}`);
  timestamps.sort((a, b) => a - b);

  fs.mkdirSync(outDir, { recursive: true });
  for (const name of fs.readdirSync(outDir)) {
    if (/^\d{6}\.jpg$/.test(name)) fs.rmSync(path.join(outDir, name));
  }
  // Autorotation is on by default, so the images are upright as <video> shows them.
  const filters = [];
  if (maxWidth) filters.push(`scale='min(iw,${maxWidth})':-2:flags=lanczos`);
  // Frame i is written as image i: renumbering the timestamps keeps ffmpeg from dropping or
  // refusing frames closer together than the rate it guessed (variable frame rate).
  filters.push('settb=1/30', 'setpts=N', 'format=yuvj420p');
  const encode = (fpsMode) => run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-i', input,
    '-map', '0:v:0', ...fpsMode, '-vf', filters.join(','), '-q:v', String(qscale(quality)),
    '-start_number', '0', path.join(outDir, '%06d.jpg')]);
  // One JPEG per frame, never duplicated or dropped to a constant rate. -fps_mode is
  // ffmpeg >= 5.1; older ones only know -vsync.
  let result = encode(['-fps_mode', 'passthrough', '-enc_time_base', '1:30']);
  if (result.status !== 0 && /fps_mode|enc_time_base/.test(result.stderr)) result = encode(['-vsync', '0']);
  if (result.status !== 0) fail(`ffmpeg failed on ${input}:\n${result.stderr.trim()}`);

  const images = fs.readdirSync(outDir).filter((name) => /^\d{6}\.jpg$/.test(name)).sort();
  if (images.length !== timestamps.length) {
    fail(`ffmpeg wrote ${images.length} images but ffprobe reports ${timestamps.length} frames in ${input}`);
  }
  const size = run('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'json',
    path.join(outDir, images[0])]);
  const { width, height } = JSON.parse(size.stdout).streams?.[0] ?? {};
  if (!width || !height) fail(`cannot read the size of ${images[0]}`);

  const manifest = { width, height, frames: timestamps.map((timestamp, i) => ({ timestamp, src: images[i] })) };
  fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest) + '\n');
  const bytes = images.reduce((sum, name) => sum + fs.statSync(path.join(outDir, name)).size, 0);
  process.stdout.write(`rerun-video-frames: ${images.length} frames, ${width}x${height}, ` +
    `${Math.round(bytes / 1024)} KiB of JPEG in ${outDir}\n`);
}

main();
