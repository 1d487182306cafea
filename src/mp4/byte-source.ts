import { MissingBytesError } from '../errors.js';

/**
 * The bytes of one file as they arrive from a single streaming GET. Readers ask for a byte
 * range and wait until the download has reached it, so decoding starts while the rest of
 * the file is still coming in.
 */
export class StreamedBytes {
  private buffer: Uint8Array;
  private length = 0;
  private done = false;
  private failure: unknown = null;
  private waiters: Array<() => void> = [];

  constructor(expectedSize: number | null) {
    this.buffer = new Uint8Array(expectedSize && expectedSize > 0 ? expectedSize : 1 << 20);
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
    this.failure = error;
    this.wake();
  }

  /** Resolves with a copy of `[offset, offset + size)` once the download has reached it. */
  async read(offset: number, size: number): Promise<Uint8Array> {
    const end = offset + size;
    while (this.length < end) {
      if (this.failure) throw this.failure;
      if (this.done) {
        throw new MissingBytesError(
          `The file ends at byte ${this.length}, before the sample at bytes ${offset}..${end}: it is truncated.`,
        );
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.buffer.slice(offset, end);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
