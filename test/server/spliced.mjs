// Fixtures kept as another fixture plus a box, to keep the committed fixtures small: for
// `<name>.mp4` with a `<name>.splice.json` beside it, { base, after, insert, sha256 }, the file
// is `base` with the box `insert` (base64) placed after its top-level box `after`, and must
// hash to `sha256`. test/fixtures/make-fixtures.sh writes such a manifest for frag-sidx.mp4
// (ffmpeg's +global_sidx output is frag-plain.mp4 with a sidx after the moov, byte for byte;
// the script checks that) and the server builds the file once, in the temp directory.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DIR = path.join(os.tmpdir(), 'rerun-video-spliced');

/** The end of top-level box `type` in `buf`, or -1. */
function endOf(buf, type) {
  for (let at = 0; at + 8 <= buf.length; ) {
    let size = buf.readUInt32BE(at);
    if (size === 1) size = Number(buf.readBigUInt64BE(at + 8));
    else if (size === 0) size = buf.length - at;
    if (size < 8) return -1;
    if (buf.toString('latin1', at + 4, at + 8) === type) return at + size;
    at += size;
  }
  return -1;
}

/** The spliced file for `filePath` (a path under the fixtures), or undefined when it has no manifest. */
export function splicedFile(filePath) {
  if (!filePath.endsWith('.mp4')) return undefined;
  const manifestPath = `${filePath.slice(0, -'.mp4'.length)}.splice.json`;
  if (!fs.existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const out = path.join(DIR, `${manifest.sha256}.mp4`);
  if (fs.existsSync(out)) return out;
  const base = fs.readFileSync(path.join(path.dirname(filePath), manifest.base));
  const at = endOf(base, manifest.after);
  if (at < 0) throw new Error(`${manifestPath}: ${manifest.base} has no top-level ${manifest.after}`);
  const bytes = Buffer.concat([base.subarray(0, at), Buffer.from(manifest.insert, 'base64'), base.subarray(at)]);
  const hash = crypto.createHash('sha256').update(bytes).digest('hex');
  if (hash !== manifest.sha256) throw new Error(`${manifestPath}: the spliced file hashes to ${hash}, not ${manifest.sha256}`);
  fs.mkdirSync(DIR, { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(temp, bytes);
  fs.renameSync(temp, out);
  return out;
}
