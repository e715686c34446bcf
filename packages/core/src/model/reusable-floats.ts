/**
 * One float buffer a model input is built in, run after run, instead of a fresh array per run.
 *
 * Why: a server monitoring 64 streams built ~20 MB/s of model and speech-detector inputs (the front end's
 * hop and edge frames, Silero's frames and states), and V8 counts typed arrays' memory towards the heap
 * limits that schedule its garbage collection: a full mark-compact every ~250 ms, a third of the plugin's
 * CPU. An input is only read while its run is in flight, and runs of one session go one after another.
 */
export class ReusableFloats {
  private buffer = new Float32Array(0);
  private lent = false;

  /**
   * `n` floats to fill completely (they hold the last run's values): a view of the kept buffer, grown when
   * too small, or a fresh array while the previous one is still lent out (a caller that overlaps its runs).
   */
  borrow(n: number): Float32Array {
    if (this.lent) return new Float32Array(n);
    this.lent = true;
    if (this.buffer.length < n) this.buffer = new Float32Array(n);
    return this.buffer.subarray(0, n);
  }

  /** The run that read `floats` is over: the buffer may be lent again. */
  giveBack(floats: Float32Array): void {
    if (floats.buffer === this.buffer.buffer) this.lent = false;
  }
}
