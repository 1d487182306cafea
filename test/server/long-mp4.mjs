// Long recordings made from short fixtures, for the tests of a long file's first frame
// (issue 9): `repeatMp4(file, times)` returns an MP4 whose video track is the fixture's
// samples `times` over, one after the other in time, every copy pointing at the same bytes of
// the fixture's `mdat` (a sample table may point several samples at one byte range), so an
// hour of samples costs its table, not its media. Layout: ftyp, the fixture's mdat, then the
// new moov (a moov at the end, found by walking the box headers). Frame k of copy r shows the
// fixture's frame k: its code is the frame index modulo the fixture's frame count.
//
// Served by rangeMiddleware as /generated/<fixture>-x<times>.mp4 (see generatedFile).
//
// Only what the fixtures need: one video track (other tracks are dropped), 32-bit chunk
// offsets, version 0 mvhd/tkhd/mdhd, one edit.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CONTAINERS = new Set(['moov', 'trak', 'edts', 'mdia', 'minf', 'stbl', 'dinf']);

function boxes(buf, start, end) {
  const out = [];
  for (let at = start; at + 8 <= end; ) {
    let size = buf.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header || at + size > end) throw new Error(`box at ${at} does not fit`);
    out.push({ type: buf.toString('latin1', at + 4, at + 8), start: at, payload: at + header, end: at + size });
    at += size;
  }
  return out;
}

function box(type, ...parts) {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

function u32s(values) {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

const full = (version, flags = 0) => u32s([((version << 24) | flags) >>> 0]);

/** The fixture's video sample table, one entry per sample. */
function readTable(buf, stbl) {
  const kids = new Map(boxes(buf, stbl.payload, stbl.end).map((b) => [b.type, b]));
  const entries = (b, width) => {
    const n = buf.readUInt32BE(b.payload + 4);
    return Array.from({ length: n }, (_, i) => Array.from({ length: width }, (_, k) => buf.readUInt32BE(b.payload + 8 + 4 * (width * i + k))));
  };
  const stsz = kids.get('stsz');
  const count = buf.readUInt32BE(stsz.payload + 8);
  const fixed = buf.readUInt32BE(stsz.payload + 4);
  const sizes = Array.from({ length: count }, (_, i) => fixed || buf.readUInt32BE(stsz.payload + 12 + 4 * i));
  const chunks = entries(kids.get('stco'), 1).map(([o]) => o);
  const stsc = entries(kids.get('stsc'), 3);
  const offsets = [];
  for (let e = 0; e < stsc.length; e++) {
    const last = e + 1 < stsc.length ? stsc[e + 1][0] - 1 : chunks.length;
    for (let c = stsc[e][0] - 1; c < last; c++) {
      let at = chunks[c];
      for (let j = 0; j < stsc[e][1] && offsets.length < count; j++) {
        offsets.push(at);
        at += sizes[offsets.length - 1];
      }
    }
  }
  const stts = entries(kids.get('stts'), 2);
  const ctts = kids.has('ctts') ? { version: buf[kids.get('ctts').payload], runs: entries(kids.get('ctts'), 2) } : null;
  const keys = kids.has('stss') ? entries(kids.get('stss'), 1).map(([k]) => k) : null;
  return { kids, count, sizes, offsets, stts, ctts, keys };
}

/** The fixture at `file`, its video samples `times` over (see the header). */
export function repeatMp4(file, times) {
  const buf = fs.readFileSync(file);
  const top = boxes(buf, 0, buf.length);
  const ftyp = top.find((b) => b.type === 'ftyp');
  const mdat = top.find((b) => b.type === 'mdat');
  const moov = top.find((b) => b.type === 'moov');
  const isVideo = (trak) => {
    const find = (b, type) => boxes(buf, b.payload, b.end).find((c) => c.type === type);
    const hdlr = find(find(trak, 'mdia'), 'hdlr');
    return buf.toString('latin1', hdlr.payload + 8, hdlr.payload + 12) === 'vide';
  };
  const trak = boxes(buf, moov.payload, moov.end).find((b) => b.type === 'trak' && isVideo(b));
  const stbl = [['mdia'], ['minf'], ['stbl']].reduce((b, [type]) => boxes(buf, b.payload, b.end).find((c) => c.type === type), trak);
  const table = readTable(buf, stbl);
  const n = table.count * times;
  const shift = buf.slice(ftyp.start, ftyp.end).length - mdat.start; // the mdat moves to just after ftyp
  const repeat = (list) => Array.from({ length: times }, () => list).flat();

  const stbls = {
    stts: () => box('stts', full(0), u32s([table.stts.length * times]), u32s(repeat(table.stts).flat())),
    ctts: () => table.ctts && box('ctts', full(table.ctts.version), u32s([table.ctts.runs.length * times]), u32s(repeat(table.ctts.runs).flat())),
    stss: () =>
      table.keys && box('stss', full(0), u32s([table.keys.length * times]), u32s(Array.from({ length: times }, (_, r) => table.keys.map((k) => k + r * table.count)).flat())),
    stsc: () => box('stsc', full(0), u32s([1, 1, 1, 1])),
    stsz: () => box('stsz', full(0), u32s([0, n]), u32s(repeat(table.sizes))),
    stco: () => box('stco', full(0), u32s([n]), u32s(repeat(table.offsets.map((o) => o + shift)))),
  };
  const scaled = (b, at) => {
    const copy = Buffer.from(buf.slice(b.payload, b.end));
    if (copy[0] !== 0) throw new Error(`${b.type} version ${copy[0]}: only version 0 is written`);
    copy.writeUInt32BE(copy.readUInt32BE(at) * times, at);
    return box(b.type, copy);
  };
  const rewrite = (b) => {
    if (b.type in stbls) return stbls[b.type]() ?? Buffer.alloc(0);
    if (b.type === 'mvhd') return scaled(b, 16);
    if (b.type === 'tkhd') return scaled(b, 20);
    if (b.type === 'mdhd') return scaled(b, 16);
    if (b.type === 'elst') {
      const copy = Buffer.from(buf.slice(b.payload, b.end));
      if (copy[0] !== 0 || copy.readUInt32BE(4) !== 1) throw new Error('only one version-0 edit is written');
      copy.writeUInt32BE(copy.readUInt32BE(8) * times, 8);
      return box('elst', copy);
    }
    if (b.type === 'trak' && b.start !== trak.start) return Buffer.alloc(0);
    if (CONTAINERS.has(b.type)) return box(b.type, ...boxes(buf, b.payload, b.end).map(rewrite));
    return buf.slice(b.start, b.end);
  };
  return Buffer.concat([buf.slice(ftyp.start, ftyp.end), buf.slice(mdat.start, mdat.end), rewrite(moov)]);
}

const DIR = path.join(os.tmpdir(), 'rerun-video-generated');

/**
 * The file /generated/<name> stands for, written on first use: `<fixture>-x<times>.mp4` is
 * test/fixtures/media/<fixture>.mp4 repeated (times up to 5,000). Undefined for other names.
 */
export function generatedFile(fixtures, name) {
  const m = /^([a-z0-9-]+)-x(\d{1,4})\.mp4$/.exec(name);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 5000) return undefined;
  const source = path.join(fixtures, `${m[1]}.mp4`);
  if (!fs.existsSync(source)) return undefined;
  const out = path.join(DIR, name);
  if (!fs.existsSync(out)) {
    fs.mkdirSync(DIR, { recursive: true });
    const temp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(temp, repeatMp4(source, Number(m[2])));
    fs.renameSync(temp, out);
  }
  return out;
}
