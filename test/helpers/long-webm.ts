/**
 * A long WebM made in the page from a short one with known sizes (FFmpeg's layout, as
 * webm-vp9.webm): its clusters written `times` times, each pass's cluster Timestamps moved on
 * by `span` (TimestampScale units), in a Segment of unknown size without the SeekHead and Cues
 * (their positions would be wrong), and the Info's Duration set to the whole. Frame k of the
 * result shows the code of frame k mod the short file's frame count.
 */
import { ID, children, parseHeader, readUint, type Child } from '../../src/webm/ebml.js';

const UNKNOWN_SIZE = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

function idBytes(id: number): number[] {
  const bytes: number[] = [];
  for (let value = id; value > 0; value = Math.floor(value / 256)) bytes.unshift(value & 0xff);
  return bytes;
}

/** An element with an 8-byte size. */
function element(id: number, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const size = [0x01, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 7, value = payload.byteLength; i > 0; i--, value = Math.floor(value / 256)) size[i] = value & 0xff;
  return concat([Uint8Array.from([...idBytes(id), ...size]), payload]);
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

export function repeatWebm(bytes: Uint8Array, times: number, span: number): Uint8Array<ArrayBuffer> {
  const raw = (kid: Child) => bytes.subarray(kid.header.start, kid.header.dataStart + kid.header.size!);
  const ebml = parseHeader(bytes, 0, 0)!;
  const segmentAt = ebml.dataStart + ebml.size!;
  const segment = parseHeader(bytes, segmentAt, segmentAt)!;
  if (segment.id !== ID.Segment || segment.size === null) throw new Error('repeatWebm: a Segment of known size is wanted');
  const top = children(bytes.subarray(segment.dataStart, segment.dataStart + segment.size), segment.dataStart);
  const parts = [bytes.subarray(0, segmentAt), Uint8Array.from([...idBytes(ID.Segment), ...UNKNOWN_SIZE])];
  for (const kid of top) {
    if (kid.header.id === ID.Tracks) parts.push(raw(kid));
    if (kid.header.id !== ID.Info) continue;
    const fields = children(kid.data, kid.header.dataStart).filter((field) => field.header.id !== ID.Duration);
    const duration = new Uint8Array(8);
    new DataView(duration.buffer).setFloat64(0, times * span);
    parts.push(element(ID.Info, concat([...fields.map(raw), element(ID.Duration, duration)])));
  }
  const clusters = top.filter((kid) => kid.header.id === ID.Cluster);
  for (let pass = 0; pass < times; pass++) {
    for (const cluster of clusters) {
      const body = children(cluster.data, cluster.header.dataStart).map((kid) => {
        if (kid.header.id !== ID.Timestamp) return raw(kid);
        const time = new Uint8Array(8);
        new DataView(time.buffer).setBigUint64(0, BigInt(readUint(kid.data) + pass * span));
        return element(ID.Timestamp, time);
      });
      parts.push(element(ID.Cluster, concat(body)));
    }
  }
  return concat(parts);
}
