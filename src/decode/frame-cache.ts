/** Anything the cache holds: it is closed when evicted. */
export interface Closable {
  close(): void;
}

/** Decoded pixels the cache may hold, in bytes, before it evicts. */
export const DEFAULT_CACHE_BYTES = 160 * 1024 * 1024;

/**
 * Decoded frames around the playhead, copied out of the decoder's pool (frame-copy.ts) so
 * stepping back or returning to a frame is a paint, not a GOP re-decode. It holds as many
 * frames as fit in a byte budget and, when full, evicts the frame farthest from the
 * playhead.
 */
export class FrameCache<T extends Closable> {
  /** How many frames fit in the budget. */
  capacity = 2;
  /** The size of one cached frame, in bytes. */
  frameBytes = 0;
  /**
   * The way the playhead moves while playing (1 forwards, -1 backwards, 0 not playing):
   * frames it has passed are evicted before those it is heading for.
   */
  direction: -1 | 0 | 1 = 0;
  private readonly entries = new Map<number, T>();

  /** `frameBytes`: the size of one cached frame, until resize() says otherwise. */
  constructor(
    frameBytes: number,
    private readonly budgetBytes = DEFAULT_CACHE_BYTES,
  ) {
    this.resize(frameBytes);
  }

  /**
   * Sets the size of one cached frame (known once the first is copied: planes take less than
   * a bitmap), and so the capacity; evicts beyond it, farthest from `focus` first.
   */
  resize(frameBytes: number, focus = 0): void {
    this.frameBytes = frameBytes;
    this.capacity = Math.max(2, Math.min(1024, Math.floor(this.budgetBytes / Math.max(1, frameBytes))));
    this.evict(focus);
  }

  get size(): number {
    return this.entries.size;
  }

  get(index: number): T | undefined {
    return this.entries.get(index);
  }

  has(index: number): boolean {
    return this.entries.has(index);
  }

  /**
   * Whether a frame at `index` would stay in the cache with the playhead at `focus`: it is
   * within `capacity` frames of it, and the cache is not full or holds something farther
   * away. Lets callers skip copying frames that would soon be evicted.
   */
  wants(index: number, focus: number): boolean {
    if (this.entries.has(index) || Math.abs(index - focus) >= this.capacity) return false;
    if (this.entries.size < this.capacity) return true;
    return this.farthest(focus).distance > this.distance(index, focus);
  }

  /** Adds a frame; evicts (closes) the farthest ones from `focus` beyond capacity. */
  put(index: number, item: T, focus: number): void {
    this.entries.get(index)?.close();
    this.entries.set(index, item);
    this.evict(focus);
  }

  clear(): void {
    for (const item of this.entries.values()) item.close();
    this.entries.clear();
  }

  private evict(focus: number): void {
    while (this.entries.size > this.capacity) {
      const { index: victim } = this.farthest(focus);
      this.entries.get(victim)!.close();
      this.entries.delete(victim);
    }
  }

  /** How far `index` is from the playhead, frames behind it (in the playing direction) counting as farther than any ahead. */
  private distance(index: number, focus: number): number {
    const d = index - focus;
    return d * this.direction < 0 ? Math.abs(d) + this.capacity : Math.abs(d);
  }

  private farthest(focus: number): { index: number; distance: number } {
    let index = -1;
    let distance = -1;
    for (const key of this.entries.keys()) {
      const d = this.distance(key, focus);
      if (d > distance) {
        distance = d;
        index = key;
      }
    }
    return { index, distance };
  }
}
