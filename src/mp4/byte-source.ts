import { MissingBytesError, RerunVideoError, abortError, isAbortError } from '../errors.js';

/**
 * The bytes of one file, read by range: the MP4 parser reads the boxes that describe the
 * file, the decoder reads samples. Implemented by a streamed download (servers without
 * ranges), by HTTP range requests, and by `Blob` slices.
 */
export interface ByteSource {
  /** Total size in bytes, when known. */
  readonly size: number | null;
  /**
   * Resolves with `[offset, offset + length)`, a copy the caller may keep. Past the end of
   * the file it rejects with a MissingBytesError; a failed fetch is a `network` error.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Says that `[offset, offset + length)` will be read soon (a GOP about to be decoded), so a
   * source that fetches by range gets it in one request. Optional; never fails.
   */
  prefetch?(offset: number, length: number): void;
  /**
   * Reads `[offset, offset + length)` once, exactly, without keeping it (a box header, a
   * fragment's `moof`): a source that fetches by range asks for just these bytes, never
   * whole cache blocks. Optional: `read` does the same job otherwise.
   */
  peek?(offset: number, length: number): Promise<Uint8Array>;
  /** Whether `[offset, offset + length)` is in memory now (what `buffered` reports). */
  has(offset: number, length: number): boolean;
  /** Stops all fetching and drops what is held. */
  close(): void;
}

/** Sample bytes kept by the range and Blob sources, unless `cache-size` says otherwise. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

function truncated(offset: number, end: number, size: number): MissingBytesError {
  return new MissingBytesError(`The file ends at byte ${size}, before the sample at bytes ${offset}..${end}: it is truncated.`);
}

/**
 * The bytes of one file as they arrive from a single streaming GET (a server without range
 * support, `data:` URLs). Readers wait until the download has reached their range, so
 * decoding starts while the rest of the file is still coming in. It holds the whole file.
 */
export class StreamedBytes implements ByteSource {
  private buffer: Uint8Array;
  private length = 0;
  private done = false;
  private failure: unknown = null;
  private waiters: Array<() => void> = [];

  constructor(private readonly expectedSize: number | null, private readonly cancel: () => void = () => {}) {
    this.buffer = new Uint8Array(expectedSize && expectedSize > 0 ? expectedSize : 1 << 20);
  }

  get size(): number | null {
    return this.done ? this.length : this.expectedSize;
  }

  append(chunk: Uint8Array): void {
    const needed = this.length + chunk.byteLength;
    if (needed > this.buffer.byteLength) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.byteLength * 2));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length = needed;
    this.wake();
  }

  finish(): void {
    this.done = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.failure ??= error;
    this.wake();
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = offset + length;
    while (this.length < end) {
      if (this.failure) throw this.failure;
      if (this.done) throw truncated(offset, end, this.length);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.buffer.slice(offset, end);
  }

  has(offset: number, length: number): boolean {
    return offset >= 0 && offset + length <= this.length;
  }

  close(): void {
    this.fail(abortError('The file was closed'));
    this.cancel();
    this.buffer = new Uint8Array(0);
    this.length = 0;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Fetches `[start, end)` of the file, exactly. `onBytes`, when given, hears of the bytes as they
 * arrive: the buffer the result will be, and how much of it is filled.
 */
export type RangeReader = (
  start: number,
  end: number,
  signal: AbortSignal,
  onBytes?: (buffer: Uint8Array, received: number) => void,
) => Promise<Uint8Array>;

/** Block size of the cache: reads are rounded out to whole blocks. */
const BLOCK = 64 * 1024;
/** A miss fetches at least this much (in blocks) in one request: samples are read in order. */
const READ_AHEAD_BLOCKS = 2;
/** A prefetch larger than this is not worth holding in the cache at once. */
const MAX_PREFETCH = 16 * 1024 * 1024;

/**
 * A file read in byte ranges (HTTP range requests, Blob slices) through a cache of blocks
 * with a byte budget, least recently used evicted first. Reads of neighbouring samples share
 * blocks, and a miss fetches a few blocks ahead in one request, so a GOP costs a handful of
 * requests, not one per sample. Memory stays within the budget whatever the file's length
 * (plus the blocks of reads in flight).
 */
export class CachedSource implements ByteSource {
  /** Size of the first read when a file is opened: whole blocks, which the probe fills. */
  static readonly PROBE_BYTES = 4 * BLOCK;

  private readonly blocks = new Map<number, Uint8Array>();
  /** Blocks being fetched: the request each comes in, whose bytes are served as they arrive. */
  private readonly arriving = new Map<number, Arrival>();
  private held = 0;
  private readonly abort = new AbortController();

  constructor(
    readonly size: number,
    private readonly fetchRange: RangeReader,
    private readonly budget = DEFAULT_CACHE_BYTES,
  ) {}

  /**
   * Takes the first `length` bytes of the file from a response already on its way (the probe):
   * its whole blocks (the last one too when it ends the file) are served as they arrive, as a
   * request of the cache's own would be, so the first box is read before the probe is done.
   */
  adopt(length: number, read: (wanted: number, onBytes: (buffer: Uint8Array, received: number) => void) => Promise<Uint8Array>): void {
    const end = length >= this.size ? this.size : Math.floor(length / BLOCK) * BLOCK;
    if (end === 0) read(0, () => {}).catch(() => {}); // no whole block: let the response go
    else this.fetchBlocks(0, Math.ceil(end / BLOCK) - 1, (start, stop, _signal, onBytes) => read(stop - start, onBytes!));
  }

  /** Bytes held in the cache now. */
  get cachedBytes(): number {
    return this.held;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = offset + length;
    if (offset < 0 || length < 0) throw new RangeError(`Bad range ${offset}+${length}`);
    if (end > this.size) throw truncated(offset, end, this.size);
    const out = new Uint8Array(length);
    const first = Math.floor(offset / BLOCK);
    const last = Math.floor((end - 1) / BLOCK);
    // Every block is asked for before any is waited for: the missing ones in one request (or one
    // per run), at once, even when blocks before them are still on their way (the probe's, for a
    // moov that goes past it). Each comes as its bytes, whatever the cache lets go of meanwhile.
    // A block on its way serves the bytes wanted of it as soon as they are in, not once it is
    // whole: over a slow link a sample is decoded when its last byte comes.
    const parts: Array<Uint8Array | Promise<Uint8Array>> = [];
    for (let b = first; b <= last && length > 0; b++) {
      const from = Math.max(offset, b * BLOCK);
      const to = Math.min(end, (b + 1) * BLOCK);
      const cached = this.blocks.get(b);
      if (cached) {
        // Touch: the most recently used block goes last in the map's order.
        this.blocks.delete(b);
        this.blocks.set(b, cached);
        parts.push(cached.subarray(from - b * BLOCK, to - b * BLOCK));
        continue;
      }
      parts.push((this.arriving.get(b) ?? this.load(b, last)).bytes(from, to));
    }
    for (let k = 0, at = 0; k < parts.length; k++) {
      const part = parts[k];
      const bytes = part instanceof Uint8Array ? part : await part; // no microtask for a cached block
      out.set(bytes, at);
      at += bytes.byteLength;
    }
    return out;
  }

  async peek(offset: number, length: number): Promise<Uint8Array> {
    const end = offset + length;
    if (offset < 0 || length < 0) throw new RangeError(`Bad range ${offset}+${length}`);
    if (end > this.size) throw truncated(offset, end, this.size);
    if (length === 0 || this.has(offset, length)) return this.read(offset, length);
    // Bytes a request under way is about to bring (the probe's, to a walk of its boxes) are
    // waited for; bytes far behind its front are asked for by themselves.
    if (this.arriving.get(Math.floor(offset / BLOCK))?.soon(end)) return this.read(offset, length);
    if (this.abort.signal.aborted) throw abortError('The file was closed');
    const bytes = await this.fetchRange(offset, end, this.abort.signal);
    if (bytes.byteLength !== length) {
      throw new RerunVideoError('network', `Asked for bytes ${offset}..${end} and got ${bytes.byteLength} bytes.`);
    }
    return bytes;
  }

  has(offset: number, length: number): boolean {
    if (offset < 0 || offset + length > this.size) return false;
    const last = Math.floor((offset + Math.max(1, length) - 1) / BLOCK);
    for (let b = Math.floor(offset / BLOCK); b <= last; b++) if (!this.blocks.has(b)) return false;
    return true;
  }

  prefetch(offset: number, length: number): void {
    const end = Math.min(this.size, offset + Math.min(length, MAX_PREFETCH, this.budget / 2));
    if (offset < 0 || end <= offset) return;
    const last = Math.floor((end - 1) / BLOCK);
    for (let b = Math.floor(offset / BLOCK); b <= last; b++) {
      if (this.blocks.has(b) || this.arriving.has(b)) continue;
      const end = this.missingRun(b, last);
      this.fetchBlocks(b, end); // a read of these bytes reports a failure
      b = end;
    }
  }

  close(): void {
    this.abort.abort();
    this.blocks.clear();
    this.held = 0;
  }

  /** The last block of the run of missing blocks from `b` to at most `last`. */
  private missingRun(b: number, last: number): number {
    let end = b;
    while (end + 1 <= last && !this.blocks.has(end + 1) && !this.arriving.has(end + 1)) end++;
    return end;
  }

  /** Loads block `b` (with the missing blocks after it, up to `last` or the read-ahead). */
  private load(b: number, last: number): Arrival {
    const lastBlock = Math.floor((this.size - 1) / BLOCK);
    return this.fetchBlocks(b, this.missingRun(b, Math.min(lastBlock, Math.max(last, b + READ_AHEAD_BLOCKS - 1))));
  }

  /**
   * Fetches blocks `b..end` in one request into the cache. Each block is stored as soon as its
   * bytes are in, and reads of its parts are served from the request before that (Arrival): a
   * seek's key frame is decoded while the rest of its GOP is still on the way. Returns the
   * request's Arrival.
   */
  private fetchBlocks(b: number, end: number, fetchRange: RangeReader = this.fetchRange): Arrival {
    const start = b * BLOCK;
    const stop = Math.min(this.size, (end + 1) * BLOCK);
    const arrival = new Arrival(start);
    for (let k = b; k <= end; k++) this.arriving.set(k, arrival);
    let next = b;
    const publish = (buffer: Uint8Array, received: number) => {
      for (; next <= end && received >= Math.min(stop, (next + 1) * BLOCK) - start; next++) {
        this.store(next, buffer.slice((next - b) * BLOCK, Math.min(stop, (next + 1) * BLOCK) - start));
        this.arriving.delete(next);
      }
      arrival.update(buffer, received);
    };
    void (async () => {
      try {
        if (this.abort.signal.aborted) throw abortError('The file was closed');
        const bytes = await fetchRange(start, stop, this.abort.signal, publish);
        if (bytes.byteLength !== stop - start) {
          throw new RerunVideoError('network', `Asked for bytes ${start}..${stop} and got ${bytes.byteLength} bytes.`);
        }
        publish(bytes, bytes.byteLength);
      } catch (error) {
        for (let k = next; k <= end; k++) this.arriving.delete(k);
        arrival.fail(error); // its readers hear of it; a block nobody reads fails unheard
      }
    })();
    return arrival;
  }

  private store(b: number, block: Uint8Array): void {
    if (this.abort.signal.aborted) return;
    const old = this.blocks.get(b);
    if (old) this.held -= old.byteLength;
    this.blocks.set(b, block);
    this.held += block.byteLength;
    for (const [victim, bytes] of this.blocks) {
      if (this.held <= this.budget || victim === b) break;
      this.blocks.delete(victim);
      this.held -= bytes.byteLength;
    }
  }
}

/** One request's bytes as they arrive, for reads of parts of its blocks. */
class Arrival {
  private buffer: Uint8Array | null = null;
  private received = 0;
  private waiters: Array<{ from: number; to: number; resolve(bytes: Uint8Array): void; reject(error: unknown): void }> = [];

  /** `start`: the file offset of the request's first byte. */
  constructor(private readonly start: number) {}

  /** A copy of the file's `[from, to)`, once the request has brought it. */
  bytes(from: number, to: number): Uint8Array | Promise<Uint8Array> {
    if (this.buffer && to - this.start <= this.received) return this.buffer.slice(from - this.start, to - this.start);
    const bytes = new Promise<Uint8Array>((resolve, reject) => this.waiters.push({ from, to, resolve, reject }));
    bytes.catch(() => {}); // a read waiting on an earlier part hears of it when it gets here
    return bytes;
  }

  /** Whether the file's bytes up to `end` are at most a block past what has come. */
  soon(end: number): boolean {
    return end - this.start - this.received <= BLOCK;
  }

  update(buffer: Uint8Array, received: number): void {
    this.buffer = buffer;
    this.received = received;
    if (!this.waiters.length) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (w.to - this.start <= received) w.resolve(buffer.slice(w.from - this.start, w.to - this.start));
      else this.waiters.push(w);
    }
  }

  fail(error: unknown): void {
    for (const w of this.waiters) w.reject(error);
    this.waiters = [];
    this.buffer = null;
  }
}

/** Reads `Blob` slices (a `File` the user dropped: nothing is uploaded). */
export function blobReader(blob: Blob): RangeReader {
  return async (start, end, signal) => {
    if (signal.aborted) throw abortError('The file was closed');
    try {
      return new Uint8Array(await blob.slice(start, end).arrayBuffer());
    } catch (error) {
      throw new RerunVideoError('network', `Could not read the file: ${(error as Error).message}`);
    }
  };
}

/** Parses `Content-Range: bytes a-b/total`. */
export function parseContentRange(header: string | null): { start: number; end: number; total: number | null } | null {
  const match = header ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/i.exec(header.trim()) : null;
  if (!match) return null;
  return { start: Number(match[1]), end: Number(match[2]) + 1, total: match[3] === '*' ? null : Number(match[3]) };
}

/** Reads byte ranges of `url` with `Range` requests; each must come back as that 206. */
export function httpRangeReader(url: string, label: string, credentials: RequestCredentials): RangeReader {
  return async (start, end, signal, onBytes) => {
    let response: Response;
    try {
      response = await fetch(url, { signal, credentials, headers: { Range: `bytes=${start}-${end - 1}` } });
    } catch (error) {
      if (isAbortError(error)) throw error;
      throw new RerunVideoError('network', `Could not fetch bytes ${start}..${end} of ${label}: ${(error as Error).message}`);
    }
    const range = parseContentRange(response.headers.get('content-range'));
    if (response.status !== 206 || !range || range.start !== start || range.end !== end) {
      response.body?.cancel().catch(() => {});
      throw new RerunVideoError(
        'network',
        `Asked ${label} for bytes ${start}..${end} and got HTTP ${response.status}` +
          (range ? ` with bytes ${range.start}..${range.end}` : '') +
          ': the server does not serve byte ranges consistently.',
      );
    }
    return readBody(response, end - start, onBytes, `bytes ${start}..${end} of ${label}`);
  };
}

/**
 * The first `length` bytes of a response's body (fewer if it ends before; the rest is not
 * read), told to `onBytes` as they arrive so the first can be used before the last are in.
 */
export async function readBody(
  response: Response,
  length: number,
  onBytes: ((buffer: Uint8Array, received: number) => void) | undefined,
  what: string,
): Promise<Uint8Array> {
  try {
    if (!onBytes || !response.body) return new Uint8Array(await response.arrayBuffer());
    const reader = response.body.getReader();
    const buffer = new Uint8Array(length);
    let received = 0;
    while (received < length) {
      const { done, value } = await reader.read();
      if (done) break;
      const part = value.subarray(0, length - received);
      buffer.set(part, received);
      received += part.byteLength;
      onBytes(buffer, received);
    }
    if (received === length) reader.cancel().catch(() => {}); // anything after it is not wanted
    return received === length ? buffer : buffer.subarray(0, received);
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new RerunVideoError('network', `The download of ${what} failed: ${(error as Error).message}`);
  }
}
