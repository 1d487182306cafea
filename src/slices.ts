/**
 * Long main-thread computations (an hour's sample table, a WebM's block index) cut into tasks
 * so the page stays responsive: no task of theirs over ~40 ms, a long task being 50.
 */

type Scheduler = { yield?: () => Promise<void> };

/**
 * Lets the page run (input, paint, network) between slices of a long computation: a task of its
 * own, queued without the 4 ms that nested `setTimeout(0)`s are held back by (`scheduler.yield()`
 * where there is one, which also resumes ahead of other tasks).
 */
function yieldToPage(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Scheduler }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * Main-thread work after which a pass yields (a long task is one over 50 ms): with one pass over
 * an hour's samples taking up to ~25 ms cold (before the JIT has compiled it), a task stays
 * under 40.
 */
const SLICE_MS = 10;

/**
 * One long computation cut into tasks by the clock: `pause()` yields to the page once the
 * current task has run SLICE_MS, and otherwise costs nothing, so a short table (or a fast
 * machine) is built in one go and an hour of video on a slow one never holds the page 50 ms.
 */
export class Slices {
  private start = performance.now();

  async pause(): Promise<void> {
    if (performance.now() - this.start < SLICE_MS) return;
    await yieldToPage();
    this.start = performance.now();
  }
}
