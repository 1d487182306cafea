/**
 * Seek planning over a sample table: which frame a time shows, where decoding must start,
 * and whether a running decode can simply go on. Pure functions, no WebCodecs.
 */

/**
 * The frame whose presentation interval contains `time`: the last timestamp <= `time`.
 * Before the first frame it is the first frame; past the end, the last.
 */
export function frameForTime(timestamps: ArrayLike<number>, time: number): number {
  let low = 0;
  let high = timestamps.length - 1;
  if (high < 0) return -1;
  if (!(time >= timestamps[0])) return 0;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (timestamps[mid] <= time) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The key sample at or before `sample` in decode order (`keys[i]` truthy for a key sample). */
export function keySampleFor(keys: ArrayLike<number>, sample: number): number {
  for (let i = sample; i > 0; i--) if (keys[i]) return i;
  return 0;
}

/**
 * For every sample (decode order; `keys[i]` truthy for a key sample), the key sample of its GOP: the latest key sample at or
 * before it; -1 for samples before the first key (they cannot be decoded).
 */
export function gopStarts(keys: ArrayLike<number>): Int32Array {
  const starts = new Int32Array(keys.length);
  let key = -1;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i]) key = i;
    starts[i] = key;
  }
  return starts;
}

/** Where a running decode stands. */
export interface RunState {
  /** Key sample the run started from; -1 when the decoder needs a key chunk next. */
  start: number;
  /** Next sample to feed, in decode order. */
  next: number;
  /** Frames that came out of the decoder, or were skipped, during this run: they will not come out again. */
  emitted: ReadonlySet<number>;
}

export type SeekPlan =
  /** Keep feeding from `next`: the target is still ahead in this run. */
  | { kind: 'continue' }
  /** Skip ahead to a later key sample without a reset: the decoder needs nothing behind it. */
  | { kind: 'jump'; from: number }
  /** Reset the decoder and start over at a key sample. */
  | { kind: 'restart'; from: number };

/**
 * Decides how to reach frame `targetFrame`, whose GOP starts at key sample `key`, from the
 * current run. Going on is cheapest while the key lies within `maxLead` samples of where the
 * run is; a target in a later GOP is reached by jumping straight to its key sample; anything
 * behind the run (or already output and gone) needs a restart.
 */
export function planSeek(run: RunState, targetFrame: number, key: number, maxLead: number): SeekPlan {
  if (run.start < 0 || key < run.start || run.emitted.has(targetFrame)) {
    return { kind: 'restart', from: key };
  }
  if (key > run.next && key - run.next > maxLead) return { kind: 'jump', from: key };
  return { kind: 'continue' };
}
