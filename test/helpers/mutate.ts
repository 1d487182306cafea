/**
 * Seeded mutations of ISO-BMFF (MP4) files for the fuzz test (test/fuzz.test.ts).
 *
 * The box walker is our own on purpose: the element parses with mp4box, and a fuzzer that
 * found boxes through the same parser would share its blind spots. It reads only the
 * size/type headers (32-bit size, `size == 1` -> 64-bit largesize, `size == 0` -> to the end
 * of the parent, `uuid` -> 16 more header bytes) and recurses into the plain container
 * boxes listed in CONTAINERS.
 *
 * `mutate(bytes, seed)` applies exactly one mutation, chosen by the seed, and says what it
 * did in words (kind, box path, offset), so a failing case can be replayed from its seed.
 */

/** mulberry32: a tiny 32-bit PRNG, deterministic for a seed. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded random source with the few draws the fuzzer needs. */
export class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number {
    if (max < min) return min;
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** An unsigned 32-bit integer. */
  u32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty array');
    return items[Math.floor(this.next() * items.length)];
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/**
 * The seed of case `index` of a run started with `baseSeed`: a 32-bit mix of both, so
 * neighbouring cases get unrelated seeds and any one case can be replayed on its own.
 */
export function caseSeed(baseSeed: number, index: number): number {
  let h = (Math.imul(baseSeed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------
// Box walker
// ---------------------------------------------------------------------------

/** Boxes whose payload is nothing but child boxes. */
export const CONTAINERS: ReadonlySet<string> = new Set([
  'moov', 'trak', 'mdia', 'minf', 'stbl', 'moof', 'traf', 'edts', 'dinf', 'mvex',
]);

export interface Box {
  /** The fourcc as read (non-printable bytes shown as `?`). */
  type: string;
  /** Slash-separated types from the top level, `[i]` where siblings share a type: `moov/trak[1]/mdia`. */
  path: string;
  /** File offset of the box's first byte (its size field). */
  start: number;
  /** Bytes of header: 8, 16 with a largesize, +16 for `uuid`. */
  headerSize: number;
  /** The box's size as its header says (size 0 resolved to "to the end of the parent"). */
  size: number;
  /** One past the box's last byte, clamped to the parent's end. */
  end: number;
  /** Where the header said `size == 0` (to end) or `size == 1` (64-bit largesize). */
  sizeForm: 'normal' | 'to-end' | 'large';
  /** The header's size does not fit in the parent (or is smaller than the header). */
  broken: boolean;
  depth: number;
  parent: Box | null;
  children: Box[];
}

function fourcc(bytes: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = bytes[at + i];
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
  }
  return s;
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 24) & 0xff;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

function walkRange(bytes: Uint8Array, from: number, to: number, parent: Box | null, out: Box[]): Box[] {
  const siblings: Box[] = [];
  let offset = from;
  const depth = parent ? parent.depth + 1 : 0;
  while (offset + 8 <= to) {
    let size = readU32(bytes, offset);
    const type = fourcc(bytes, offset + 4);
    let headerSize = 8;
    let sizeForm: Box['sizeForm'] = 'normal';
    if (size === 1) {
      if (offset + 16 > to) break;
      size = readU32(bytes, offset + 8) * 4294967296 + readU32(bytes, offset + 12);
      headerSize = 16;
      sizeForm = 'large';
    } else if (size === 0) {
      size = to - offset;
      sizeForm = 'to-end';
    }
    if (type === 'uuid') headerSize += 16;
    const broken = size < headerSize || offset + size > to;
    const end = broken ? to : offset + size;
    const box: Box = { type, path: '', start: offset, headerSize, size, end, sizeForm, broken, depth, parent, children: [] };
    siblings.push(box);
    out.push(box);
    if (CONTAINERS.has(type) && !broken) box.children = walkRange(bytes, offset + headerSize, end, box, out);
    if (broken) break;
    offset = end;
  }
  // Names: a type alone, or type[i] when several siblings share it.
  const total = new Map<string, number>();
  for (const b of siblings) total.set(b.type, (total.get(b.type) ?? 0) + 1);
  const seen = new Map<string, number>();
  for (const b of siblings) {
    const i = seen.get(b.type) ?? 0;
    seen.set(b.type, i + 1);
    b.path = (total.get(b.type) ?? 0) > 1 ? `${b.type}[${i}]` : b.type;
  }
  return siblings;
}

/** Every box of the file in file order (parents before their children). */
export function walkBoxes(bytes: Uint8Array): Box[] {
  const all: Box[] = [];
  walkRange(bytes, 0, bytes.length, null, all);
  // walkRange left each box's own name in `path`; parents come before their children.
  for (const b of all) if (b.parent) b.path = `${b.parent.path}/${b.path}`;
  return all;
}

/** The innermost box that contains `offset`, or null. */
export function boxAt(boxes: readonly Box[], offset: number): Box | null {
  let best: Box | null = null;
  for (const b of boxes) {
    if (offset >= b.start && offset < b.end && (!best || b.depth > best.depth)) best = b;
  }
  return best;
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

export const MUTATION_KINDS = [
  'header-bitflip',
  'mdat-bitflip',
  'byte-run',
  'truncate',
  'box-size',
  'box-type',
] as const;

export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface Mutation {
  /** The mutated copy; the input is never changed. */
  bytes: Uint8Array;
  kind: MutationKind | WebmMutationKind;
  /** For failure messages: kind, box path, offset, what was written. */
  description: string;
}

/** Fourccs a corrupted box type may become: real ones (parsers act on them) and junk. */
const OTHER_TYPES = [
  'free', 'skip', 'mdat', 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'stsz', 'stco',
  'co64', 'stts', 'ctts', 'stss', 'stsc', 'elst', 'edts', 'hdlr', 'tkhd', 'mdhd', 'avcC',
  'moof', 'uuid', '\0\0\0\0',
];

const hex = (n: number) => '0x' + n.toString(16);

function pathAt(boxes: readonly Box[], offset: number): string {
  const b = boxAt(boxes, offset);
  return b ? `${b.path} (+${offset - b.start})` : 'outside any box';
}

/** Boxes under moov or moof (the header boxes), moov/moof themselves included. */
function headerRoots(boxes: readonly Box[]): Box[] {
  return boxes.filter((b) => b.depth === 0 && (b.type === 'moov' || b.type === 'moof') && b.end > b.start + 8);
}

function flipBits(rng: Rng, out: Uint8Array, from: number, to: number, count: number): number[] {
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = rng.int(from, to - 1);
    out[at] ^= 1 << rng.int(0, 7);
    offsets.push(at);
  }
  return offsets.sort((a, b) => a - b);
}

/**
 * Applies one seeded mutation to a copy of `input`. The same `input` and `seed` always give
 * the same bytes and description. A kind that does not apply to the file (no mdat, no
 * moov) falls back to a byte run anywhere.
 */
export function mutate(input: Uint8Array, seed: number): Mutation {
  const rng = new Rng(seed);
  const out = new Uint8Array(input);
  const boxes = walkBoxes(input);
  const n = out.length;
  const kind = rng.pick(MUTATION_KINDS);
  const mdats = boxes.filter((b) => b.type === 'mdat' && b.end - b.start > b.headerSize);
  const roots = headerRoots(boxes);
  const inner = boxes.filter((b) => b.depth > 0 && roots.some((r) => b.start >= r.start && b.end <= r.end));

  const byteRun = (where: 'mdat' | 'anywhere'): Mutation => {
    const zero = rng.chance(0.5);
    let from = 0;
    let to = n;
    if (where === 'mdat' && mdats.length > 0) {
      const m = rng.pick(mdats);
      from = m.start + m.headerSize;
      to = m.end;
    } else {
      where = 'anywhere';
    }
    if (to - from <= 0) return { bytes: out, kind: 'byte-run', description: 'byte-run: empty file, nothing changed' };
    const length = Math.min(to - from, rng.chance(0.7) ? rng.int(1, 64) : rng.int(65, 4096));
    const at = rng.int(from, to - length);
    for (let i = at; i < at + length; i++) out[i] = zero ? 0 : rng.int(0, 255);
    return {
      bytes: out,
      kind: 'byte-run',
      description: `byte-run: ${length} ${zero ? 'zero' : 'random'} bytes ${where === 'mdat' ? 'in mdat ' : ''}at ${hex(at)} in ${pathAt(boxes, at)}`,
    };
  };

  switch (kind) {
    case 'header-bitflip': {
      if (roots.length === 0) return byteRun('anywhere');
      const root = rng.pick(roots);
      // Mostly inside one header box (stsz, stco, avcC...): a few flips in a small window.
      const target = rng.chance(0.6) ? rng.pick(inner.filter((b) => b.start >= root.start && b.end <= root.end).concat(root)) : root;
      const count = rng.int(1, 4);
      const offsets = flipBits(rng, out, target.start, target.end, count);
      const where = offsets.map((o) => `${hex(o)} ${pathAt(boxes, o)}`).join(', ');
      return { bytes: out, kind, description: `header-bitflip: ${count} bit(s) in ${target.path} at ${where}` };
    }
    case 'mdat-bitflip': {
      if (mdats.length === 0) return byteRun('anywhere');
      const m = rng.pick(mdats);
      const from = m.start + m.headerSize;
      const at = rng.int(from, m.end - 1);
      const window = Math.min(m.end - at, rng.int(1, 64));
      const count = rng.int(1, 8);
      const offsets = flipBits(rng, out, at, at + window, count);
      return {
        bytes: out,
        kind,
        description: `mdat-bitflip: ${count} bit(s) in ${window} byte(s) at ${hex(at)} (mdat payload +${at - from}) offsets ${offsets.map(hex).join(',')}`,
      };
    }
    case 'byte-run':
      return byteRun(rng.chance(0.7) ? 'mdat' : 'anywhere');
    case 'truncate': {
      // Half the cuts land in the header boxes, where they hurt most; the rest anywhere.
      const root = roots.length > 0 && rng.chance(0.5) ? rng.pick(roots) : null;
      const at = root ? rng.int(root.start, root.end - 1) : rng.int(0, Math.max(0, n - 1));
      return {
        bytes: out.slice(0, at),
        kind,
        description: `truncate: at ${hex(at)} of ${hex(n)} (${at} of ${n} bytes) in ${pathAt(boxes, at)}`,
      };
    }
    case 'box-size': {
      if (inner.length === 0) return byteRun('anywhere');
      const box = rng.pick(inner);
      const parentSize = box.parent ? box.parent.end - box.parent.start : n;
      const variants = [
        ['random', rng.u32()],
        ['zero', 0],
        ['one (largesize)', 1],
        ['larger than parent', Math.min(0xffffffff, parentSize + rng.int(1, 1 << 16))],
        ['smaller than header', rng.int(2, 7)],
      ] as const;
      const [label, value] = rng.pick(variants);
      const old = readU32(out, box.start);
      writeU32(out, box.start, value);
      return {
        bytes: out,
        kind,
        description: `box-size: ${box.path} at ${hex(box.start)} size ${old} -> ${value} (${label})`,
      };
    }
    case 'box-type': {
      if (inner.length === 0) return byteRun('anywhere');
      const box = rng.pick(inner);
      let type = rng.chance(0.6) ? rng.pick(OTHER_TYPES) : '';
      if (type === '' || type === box.type) {
        type = '';
        for (let i = 0; i < 4; i++) type += String.fromCharCode(rng.int(0x20, 0x7e));
      }
      for (let i = 0; i < 4; i++) out[box.start + 4 + i] = type.charCodeAt(i) & 0xff;
      return {
        bytes: out,
        kind,
        description: `box-type: ${box.path} at ${hex(box.start)} '${box.type}' -> '${fourcc(out, box.start + 4)}'`,
      };
    }
  }
}

// ---------------------------------------------------------------------------
// WebM / Matroska: an EBML element walker and element-aware mutations
// ---------------------------------------------------------------------------
//
// Our own walker again, not src/webm/: it reads element headers (an ID of 1-4 bytes whose
// leading zeros give its length, a size vint of 1-8 bytes, all value bits set = unknown
// size) and recurses into the master elements listed in EBML_MASTERS. A cluster of unknown
// size ends where the next top-level element starts (as MediaRecorder writes them).

/** Master elements (payload = child elements) the walker descends into. */
const EBML_MASTERS: ReadonlyMap<number, string> = new Map([
  [0x1a45dfa3, 'EBML'],
  [0x18538067, 'Segment'],
  [0x114d9b74, 'SeekHead'],
  [0x4dbb, 'Seek'],
  [0x1549a966, 'Info'],
  [0x1654ae6b, 'Tracks'],
  [0xae, 'TrackEntry'],
  [0xe0, 'Video'],
  [0x1f43b675, 'Cluster'],
  [0xa0, 'BlockGroup'],
  [0x1c53bb6b, 'Cues'],
  [0xbb, 'CuePoint'],
  [0xb7, 'CueTrackPositions'],
]);

/** Names of the other elements the mutations aim at (and the failure messages name). */
const EBML_NAMES: ReadonlyMap<number, string> = new Map([
  ...EBML_MASTERS,
  [0x4282, 'DocType'],
  [0x42f2, 'EBMLMaxIDLength'],
  [0x42f3, 'EBMLMaxSizeLength'],
  [0x53ab, 'SeekID'],
  [0x53ac, 'SeekPosition'],
  [0x2ad7b1, 'TimestampScale'],
  [0x4489, 'Duration'],
  [0xd7, 'TrackNumber'],
  [0x83, 'TrackType'],
  [0x86, 'CodecID'],
  [0x63a2, 'CodecPrivate'],
  [0x23e383, 'DefaultDuration'],
  [0xb0, 'PixelWidth'],
  [0xba, 'PixelHeight'],
  [0xe7, 'Timestamp'],
  [0xa3, 'SimpleBlock'],
  [0xa1, 'Block'],
  [0x9b, 'BlockDuration'],
  [0xfb, 'ReferenceBlock'],
  [0x1254c367, 'Tags'],
  [0xec, 'Void'],
]);

/** Top-level (Segment children) IDs: an unknown-size Cluster ends at one of these. */
const EBML_TOP_LEVEL: ReadonlySet<number> = new Set([0x114d9b74, 0x1549a966, 0x1654ae6b, 0x1c53bb6b, 0x1f43b675, 0x1043a770, 0x1254c367, 0x1941a469]);

export interface EbmlElement {
  id: number;
  /** The element's name if the walker knows it, else its ID in hex. */
  name: string;
  /** `Segment/Cluster[3]/SimpleBlock[12]`. */
  path: string;
  /** File offset of the ID, of the size vint, of the data; one past its end (clamped to the parent). */
  start: number;
  sizeAt: number;
  dataStart: number;
  end: number;
  idLength: number;
  sizeLength: number;
  /** The size the header says; null for an unknown size. */
  size: number | null;
  depth: number;
  parent: EbmlElement | null;
}

const vintLength = (first: number) => (first === 0 ? 0 : Math.clz32(first) - 23);

/**
 * Walks the elements in [from, to) into `out`; returns where the walk stopped. Inside a
 * cluster of unknown size (`endsAtTopLevel`) it stops at the first top-level element.
 */
function walkEbmlRange(bytes: Uint8Array, from: number, to: number, parent: EbmlElement | null, out: EbmlElement[], endsAtTopLevel = false): number {
  const depth = parent ? parent.depth + 1 : 0;
  const counts = new Map<string, number>();
  let at = from;
  while (at < to) {
    const idLength = vintLength(bytes[at]);
    if (idLength === 0 || idLength > 4 || at + idLength >= to) return to;
    let id = 0;
    for (let i = 0; i < idLength; i++) id = id * 256 + bytes[at + i];
    if (endsAtTopLevel && (EBML_TOP_LEVEL.has(id) || id === 0x1a45dfa3)) return at;
    const sizeAt = at + idLength;
    const sizeLength = vintLength(bytes[sizeAt]);
    if (sizeLength === 0 || sizeAt + sizeLength > to) return to;
    let value = bytes[sizeAt] & (0xff >> sizeLength);
    let allOnes = value === 0xff >> sizeLength;
    for (let i = 1; i < sizeLength; i++) {
      allOnes &&= bytes[sizeAt + i] === 0xff;
      value = value * 256 + bytes[sizeAt + i];
    }
    const dataStart = sizeAt + sizeLength;
    const size = allOnes ? null : value;
    const base = EBML_NAMES.get(id) ?? `0x${id.toString(16)}`;
    const k = counts.get(base) ?? 0;
    counts.set(base, k + 1);
    const own = `${base}[${k}]`;
    const element: EbmlElement = {
      id,
      name: base,
      path: parent ? `${parent.path}/${own}` : own,
      start: at,
      sizeAt,
      dataStart,
      end: size === null ? to : Math.min(to, dataStart + size),
      idLength,
      sizeLength,
      size,
      depth,
      parent,
    };
    out.push(element);
    if (EBML_MASTERS.has(id)) {
      const stop = walkEbmlRange(bytes, dataStart, element.end, element, out, size === null && id === 0x1f43b675);
      if (size === null) element.end = stop;
    }
    if (element.end <= at) return at;
    at = element.end;
  }
  return at;
}

/** Every element of a WebM/Matroska file in file order (parents before their children). */
export function walkEbml(bytes: Uint8Array): EbmlElement[] {
  const all: EbmlElement[] = [];
  walkEbmlRange(bytes, 0, bytes.length, null, all);
  return all;
}

/** Whether the bytes start with the EBML magic (a WebM/Matroska file). */
export const isEbmlFile = (bytes: Uint8Array) => bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3;

export const WEBM_MUTATION_KINDS = [
  'ebml-size',
  'ebml-id',
  'vint-length',
  'block-header',
  'ebml-truncate',
  'meta-bitflip',
  'frame-bytes',
] as const;

export type WebmMutationKind = (typeof WEBM_MUTATION_KINDS)[number];

/** IDs a corrupted element ID may become: real ones of other levels (parsers act on them) and invalid ones. */
const OTHER_IDS = [0x1f43b675, 0x1a45dfa3, 0x18538067, 0x1654ae6b, 0xa3, 0xa0, 0xa1, 0xe7, 0xec, 0xae, 0x1c53bb6b, 0x1254c367, 0xd7, 0xb0];

/** Writes `value` as a size vint of exactly `length` bytes (null: the unknown size). */
function writeSizeVint(out: Uint8Array, at: number, length: number, value: number | null): void {
  const bits = 7 * length;
  const max = 2 ** bits - 1;
  const v = value === null ? max : Math.min(value, max - 1);
  for (let i = length - 1; i >= 0; i--) {
    const shift = (length - 1 - i) * 8;
    out[at + i] = Math.floor(v / 2 ** shift) % 256;
  }
  out[at] = (out[at] & (0xff >> length)) | (0x80 >> (length - 1));
}

/**
 * One seeded mutation of a WebM/Matroska file, aware of its elements: an element's size
 * (random, zero, unknown, past its parent, one less), its ID (another element's, or one whose
 * length marker is invalid), the length marker of a size vint (the header then reads a
 * different number of bytes), a block's header (track number, relative timestamp, flags:
 * key, invisible, lacing), truncation (in the header elements or in a cluster), bit flips in
 * EBML header / Info / Tracks / SeekHead / Cues, and byte runs in frame data.
 */
export function mutateWebm(input: Uint8Array, seed: number): Mutation {
  const rng = new Rng(seed);
  const out = new Uint8Array(input);
  const n = out.length;
  const all = walkEbml(input);
  const kind = rng.pick(WEBM_MUTATION_KINDS);
  const describe = (e: EbmlElement) => `${e.path} at ${hex(e.start)}`;
  const inSegment = all.filter((e) => e.depth > 0);
  const blocks = all.filter((e) => (e.id === 0xa3 || e.id === 0xa1) && e.size !== null && e.size >= 4 && e.end - e.dataStart >= 4);
  const meta = all.filter((e) => [0x1a45dfa3, 0x1549a966, 0x1654ae6b, 0x114d9b74, 0x1c53bb6b].includes(e.id) && e.end > e.dataStart);
  const result = (description: string, bytes = out): Mutation => ({ bytes, kind, description });
  const fallback = (): Mutation => {
    const at = rng.int(0, Math.max(0, n - 1));
    const length = Math.min(n - at, rng.int(1, 64));
    for (let i = at; i < at + length; i++) out[i] = rng.int(0, 255);
    return result(`${kind}: nothing to aim at; ${length} random bytes at ${hex(at)}`);
  };
  if (all.length === 0) return fallback();

  switch (kind) {
    case 'ebml-size': {
      const e = rng.pick(inSegment.length ? inSegment : all);
      const parentEnd = e.parent ? e.parent.end : n;
      const variants: Array<[string, number | null]> = [
        ['random', Math.floor(rng.float() * 2 ** Math.min(53, 7 * e.sizeLength))],
        ['zero', 0],
        ['unknown', null],
        ['past the parent', parentEnd - e.dataStart + rng.int(1, 1 << 16)],
        ['one less', Math.max(0, (e.size ?? 1) - 1)],
        ['one more', (e.size ?? 0) + 1],
      ];
      const [label, value] = rng.pick(variants);
      writeSizeVint(out, e.sizeAt, e.sizeLength, value);
      return result(`ebml-size: ${describe(e)} size ${e.size ?? 'unknown'} -> ${value ?? 'unknown'} (${label}, ${e.sizeLength}-byte vint)`);
    }
    case 'ebml-id': {
      const e = rng.pick(inSegment.length ? inSegment : all);
      if (rng.chance(0.3)) {
        // an ID whose first byte says 0 or more than 4 bytes: not EBML any more
        out[e.start] = rng.pick([0x00, 0x01, 0x02, 0x04, 0x08]);
        return result(`ebml-id: ${describe(e)} first ID byte -> ${hex(out[e.start])} (invalid length marker)`);
      }
      // another element's ID of the same length (the bytes after it stay where they are)
      const same = OTHER_IDS.filter((id) => (id < 0x100 ? 1 : id < 0x10000 ? 2 : id < 0x1000000 ? 3 : 4) === e.idLength && id !== e.id);
      const to = same.length ? rng.pick(same) : rng.int(0x81, 0xfe);
      const width = same.length ? e.idLength : 1;
      for (let i = 0; i < width; i++) out[e.start + i] = Math.floor(to / 256 ** (width - 1 - i)) & 0xff;
      return result(`ebml-id: ${describe(e)} ${e.name} -> ${EBML_NAMES.get(to) ?? hex(to)}`);
    }
    case 'vint-length': {
      const e = rng.pick(inSegment.length ? inSegment : all);
      // the size vint's length marker moved: its header now reads 1..8 bytes (or none: 0x00)
      const length = rng.int(0, 8);
      const old = out[e.sizeAt];
      out[e.sizeAt] = length === 0 ? 0 : (0x80 >> (length - 1)) | (rng.int(0, 255) & (0xff >> length));
      return result(`vint-length: ${describe(e)} size vint ${e.sizeLength} -> ${length || 'no'} bytes (byte ${hex(old)} -> ${hex(out[e.sizeAt])})`);
    }
    case 'block-header': {
      if (blocks.length === 0) return fallback();
      const b = rng.pick(blocks);
      const track = vintLength(out[b.dataStart]) || 1;
      const at = b.dataStart;
      const field = rng.pick(['track', 'timestamp', 'flags', 'lacing', 'track-vint'] as const);
      if (field === 'track') out[at] = 0x80 | rng.int(0, 0x7f);
      else if (field === 'track-vint') out[at] = rng.pick([0x00, 0x40, 0x01, 0xff]);
      else if (field === 'timestamp') {
        out[at + track] = rng.int(0, 255);
        out[at + track + 1] = rng.int(0, 255);
      } else if (field === 'flags') out[at + track + 2] ^= 1 << rng.pick([7, 3, 0, 1, 2]);
      else out[at + track + 2] = (out[at + track + 2] & ~0x06) | (rng.int(1, 3) << 1);
      return result(`block-header: ${describe(b)} ${field} (${Array.from(out.subarray(at, at + track + 3), (x) => x.toString(16)).join(' ')})`);
    }
    case 'ebml-truncate': {
      const target = rng.chance(0.5) && meta.length ? rng.pick(meta) : rng.pick(all);
      const at = rng.int(target.start, Math.max(target.start, target.end - 1));
      return result(`ebml-truncate: at ${hex(at)} of ${hex(n)} (${at} of ${n} bytes) in ${describe(target)}`, out.slice(0, at));
    }
    case 'meta-bitflip': {
      if (meta.length === 0) return fallback();
      const inner = all.filter((e) => meta.some((m) => e.start >= m.start && e.end <= m.end));
      const target = rng.pick(inner);
      const count = rng.int(1, 4);
      const offsets = flipBits(rng, out, target.start, Math.max(target.start + 1, target.end), count);
      return result(`meta-bitflip: ${count} bit(s) in ${describe(target)} at ${offsets.map(hex).join(', ')}`);
    }
    case 'frame-bytes': {
      if (blocks.length === 0) return fallback();
      const b = rng.pick(blocks);
      const from = b.dataStart + 4;
      const to = Math.max(from + 1, b.end);
      const zero = rng.chance(0.3);
      const length = Math.min(to - from, rng.int(1, 256));
      const at = rng.int(from, to - length);
      for (let i = at; i < at + length; i++) out[i] = zero ? 0 : rng.int(0, 255);
      return result(`frame-bytes: ${length} ${zero ? 'zero' : 'random'} bytes at ${hex(at)} in the frame of ${describe(b)}`);
    }
  }
}

/** A seeded mutation for either container, told apart by the bytes. */
export function mutateAny(input: Uint8Array, seed: number): Mutation {
  return isEbmlFile(input) ? mutateWebm(input, seed) : mutate(input, seed);
}
