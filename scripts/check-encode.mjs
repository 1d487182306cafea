#!/usr/bin/env node
// Round trip of bin/rerun-video-encode.mjs: a frame-coded image sequence (the code band of
// test/fixtures/make-fixtures.sh: 16 cells in the top sixth carrying the bits of the image's
// index) with variable timestamps goes through the command for each codec; ffprobe must read
// back the input timestamps, and each decoded frame must carry its own index.
//
//   node scripts/check-encode.mjs      (needs ffmpeg with libx264, libsvtav1 or libaom, libvpx)
//
// Cases: H.264 from seconds in JSON, starting at 0.25 s (empty edit), with --fallback; VP9 from
// a CSV of nanoseconds with image names; AV1 from clock-time nanoseconds (not whole
// microseconds) with --start-at-zero, GOP 10; H.264 at --fps 30000/1001 from an odd-sized
// sequence (321x241 -> 322x242, edge copied). ~15 s on 2 cores.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENCODE = path.join(ROOT, 'bin/rerun-video-encode.mjs');
const INSPECT = path.join(ROOT, 'test/fixtures/tools/inspect-mp4.mjs');
const COUNT = 40;
const INTERVALS_MS = [33, 50, 20, 100];
const BAND = "geq=lum='if(lt(Y,H/6),255*mod(floor(N/pow(2,floor(X*16/W))),2),lum(X,Y))'" +
  ":cb='if(lt(Y,H/6),128,cb(X,Y))':cr='if(lt(Y,H/6),128,cr(X,Y))'";

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'check-encode-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
const failures = [];
const started = Date.now();

function run(cmd, args, what) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}):\n${result.stderr}${result.stdout}`);
  return result;
}

function ffmpeg(...args) {
  return run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], 'ffmpeg');
}

/** `count` frame-coded PNGs named frame_0.png ... (no zero padding: natural order matters). */
function makeImages(dir, count, size) {
  fs.mkdirSync(dir);
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=30', '-frames:v', String(count),
    '-vf', `format=yuv420p,${BAND},scale=${size}:flags=bicubic,format=rgb24`, '-start_number', '0',
    path.join(dir, 'frame_%d.png'));
  return Array.from({ length: count }, (_, i) => `frame_${i}.png`);
}

/** Frame timestamps (seconds, from pts x time base), presentation order, as ffprobe decodes them. */
function probeTimestamps(file) {
  const out = run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
    'frame=pts:stream=time_base', '-of', 'json', file], 'ffprobe').stdout;
  const { frames, streams } = JSON.parse(out);
  const [num, den] = streams[0].time_base.split('/').map(Number);
  return frames.map((f) => (f.pts * num) / den).sort((a, b) => a - b);
}

function keyFrames(file) {
  const out = run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=flags',
    '-of', 'csv=p=0', file], 'ffprobe').stdout.trim().split('\n');
  return out.flatMap((flags, i) => (flags.startsWith('K') ? [i] : []));
}

/** The code in each decoded frame: the band averaged down to 16 gray pixels, one per cell. */
function decodeCodes(file, width, height) {
  const band = Math.floor(height / 6);
  const cells = Math.floor(width / 16) * 16;
  const raw = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-fps_mode', 'passthrough', '-enc_time_base', '-1',
    '-vf', `crop=${cells}:${band}:0:0,scale=16:1:flags=area`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
  { maxBuffer: 64 * 1024 * 1024 });
  if (raw.status !== 0) throw new Error(`ffmpeg decode failed: ${raw.stderr}`);
  const codes = [];
  for (let f = 0; f + 16 <= raw.stdout.length; f += 16) {
    let code = 0;
    for (let i = 0; i < 16; i++) if (raw.stdout[f + i] > 128) code |= 1 << i;
    codes.push(code);
  }
  return codes;
}

function check(name, condition, detail) {
  if (!condition) failures.push(`${name}: ${detail}`);
  return condition;
}

/**
 * Runs the command and checks the result: frame count, timestamps (within `tolerance` s, never
 * after the input time), codes, codec string against mp4box's, key frames.
 */
function roundTrip({ name, args, expected, tolerance = 1e-9, size = [320, 240], gop, codecPrefix }) {
  const t0 = Date.now();
  const out = path.join(work, `${name}.mp4`);
  const result = spawnSync(process.execPath, [ENCODE, ...args(out)], { encoding: 'utf8' });
  if (!check(name, result.status === 0, `exit ${result.status}\n${result.stderr}${result.stdout}`)) return null;
  const hint = /^codec-hint="([^"]+)"$/m.exec(result.stdout)?.[1];
  check(name, /^<rerun-video src="[^"]+" codec-hint="[^"]+"( fallback="[^"]+")?><\/rerun-video>$/m.test(result.stdout),
    `no <rerun-video> tag in:\n${result.stdout}`);

  const ts = probeTimestamps(out);
  if (check(name, ts.length === expected.length, `${ts.length} frames, expected ${expected.length}`)) {
    const bad = ts.map((t, i) => [i, t, expected[i]]).filter(([, t, e]) => !(t <= e + 1e-9 && e - t <= tolerance));
    check(name, bad.length === 0, `timestamps differ: ${bad.slice(0, 5).map(([i, t, e]) => `#${i} ${t} vs ${e}`).join(', ')}`);
  }
  const codes = decodeCodes(out, ...size);
  const wrong = codes.flatMap((c, i) => (c === i ? [] : [`frame ${i} shows ${c}`]));
  check(name, codes.length === expected.length && wrong.length === 0,
    `${codes.length} frames decoded; ${wrong.slice(0, 5).join(', ')}`);

  const inspected = JSON.parse(run(process.execPath, [INSPECT, out], 'inspect-mp4').stdout);
  const track = inspected.tracks[0];
  check(name, hint === track.codec && hint.startsWith(codecPrefix), `codec-hint ${hint}, mp4box says ${track.codec}`);
  check(name, [track.width, track.height].join('x') === size.join('x'), `size ${track.width}x${track.height}`);
  check(name, !track.hasCtsOffsets, 'composition offsets (frames reordered)');
  if (gop) {
    const keys = keyFrames(out);
    const want = expected.map((_, i) => i).filter((i) => i % gop === 0);
    check(name, keys.join() === want.join(), `key frames ${keys.join()}, expected ${want.join()}`);
  }
  const kib = Math.round(fs.statSync(out).size / 1024);
  console.log(`  ${failures.some((f) => f.startsWith(`${name}:`)) ? 'FAIL' : 'ok  '} ${name}: ${expected.length} frames, ` +
    `${hint}, ${kib} KiB, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { out, stdout: result.stdout };
}

// Input: 40 images; timestamps from 0.25 s with intervals cycling 33, 50, 20, 100 ms.
const images = path.join(work, 'images');
const names = makeImages(images, COUNT, '320:240');
const ms = [250];
while (ms.length < COUNT) ms.push(ms[ms.length - 1] + INTERVALS_MS[(ms.length - 1) % INTERVALS_MS.length]);
const seconds = ms.map((m) => m / 1000);
fs.writeFileSync(path.join(work, 'seconds.json'), JSON.stringify(seconds));
// The CSV names each row's image, so the directory's order is not what pairs them.
fs.writeFileSync(path.join(work, 'ns.csv'), 'index,src,timestamp_ns\n' +
  names.map((n, i) => `${i},${n},${BigInt(ms[i]) * 1_000_000n}`).join('\n') + '\n');
// Clock times in nanoseconds, not whole microseconds: rounded down to the microsecond.
const clock = ms.map((m, i) => 1_700_000_000_000_000_000n + BigInt(m) * 1_000_000n + BigInt((i * 337) % 1000));
fs.writeFileSync(path.join(work, 'clock.csv'), 'timestamp_ns\n' + clock.join('\n') + '\n');
const fromZero = clock.map((t) => Number(t - clock[0]) / 1e9);

const h264 = roundTrip({
  name: 'h264 (JSON seconds from 0.25 s, fallback)', codecPrefix: 'avc1.64',
  args: (out) => [images, out, '--timestamps', path.join(work, 'seconds.json'), '--fallback', path.join(work, 'fallback')],
  expected: seconds,
});
if (h264) {
  const manifest = JSON.parse(fs.readFileSync(path.join(work, 'fallback/manifest.json'), 'utf8'));
  const got = manifest.frames.map((f) => f.timestamp);
  check('fallback', got.length === COUNT && got.every((t, i) => Math.abs(t - seconds[i]) < 1e-9),
    `manifest timestamps ${got.slice(0, 4).join()}...`);
  check('fallback', /fallback="[^"]+manifest\.json"/.test(h264.stdout), 'no fallback attribute in the tag');
}
roundTrip({
  name: 'vp9 (CSV nanoseconds with names)', codecPrefix: 'vp09.',
  args: (out) => [images, out, '--timestamps', path.join(work, 'ns.csv'), '--codec', 'vp9'],
  expected: seconds,
});
roundTrip({
  name: 'av1 (clock-time ns, --start-at-zero, GOP 10)', codecPrefix: 'av01.', gop: 10, tolerance: 1e-6,
  args: (out) => [images, out, '--timestamps', path.join(work, 'clock.csv'), '--start-at-zero', '--codec', 'av1', '--gop', '10'],
  expected: fromZero,
});

// Odd size: padded to even by copying the edge, so the last real column keeps its colour.
const odd = path.join(work, 'odd');
makeImages(odd, 6, '321:241');
const ntsc = Array.from({ length: 6 }, (_, i) => (i * 1001) / 30000);
const oddResult = roundTrip({
  name: 'h264 (--fps 30000/1001, 321x241)', codecPrefix: 'avc1.64', size: [322, 242],
  args: (out) => [odd, out, '--fps', '30000/1001'], expected: ntsc,
});
if (oddResult) {
  const rgb = spawnSync('ffmpeg', ['-v', 'error', '-i', oddResult.out, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 16 * 1024 * 1024 }).stdout;
  const source = spawnSync('ffmpeg', ['-v', 'error', '-i', path.join(odd, 'frame_0.png'), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 16 * 1024 * 1024 }).stdout;
  // Right edge, mid height: the padded column equals the image's last one, which keeps its colour.
  const at = (buf, w, x, y) => [...buf.subarray((y * w + x) * 3, (y * w + x) * 3 + 3)];
  const y = 150;
  const [edge, pad, orig] = [at(rgb, 322, 320, y), at(rgb, 322, 321, y), at(source, 321, 320, y)];
  const close = (a, b) => a.every((v, i) => Math.abs(v - b[i]) <= 24);
  check('odd size', close(edge, orig) && close(pad, orig), `edge ${edge}, pad ${pad}, image ${orig}`);
}

const total = ((Date.now() - started) / 1000).toFixed(1);
if (failures.length) {
  console.error(`check-encode: ${failures.length} failed (${total} s)\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-encode: all round trips exact (${total} s)`);
