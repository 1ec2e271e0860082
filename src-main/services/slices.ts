import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** The longest stretch of a sliced job between two yields to the event loop (well under SPEC 8's 50 ms). */
export const SLICE_MS = 10;

/**
 * Runs steps (a generator that pauses with `yield` after each small piece of work, such as
 * `compilePolicySteps`) to their end, yielding to the event loop whenever a slice has run for
 * `sliceMs`: requests and timers run between the slices (SPEC 8: no task holds the loop over 50 ms).
 * `onYield` is called at each yield (tests count the slices).
 */
export async function runInSlices<T>(steps: Iterator<void, T>, sliceMs = SLICE_MS, onYield?: () => void): Promise<T> {
  let start = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - start >= sliceMs) {
      onYield?.();
      await yieldToLoop();
      start = performance.now();
    }
  }
}
