/**
 * Keeps the first N samples of the 16 kHz audio a track pipeline scored, so a score seen in the browser
 * can be reproduced offline (e.g. with `callmos score`) on exactly the same samples. Bounded; off by default.
 */
export class AudioCapture {
  private readonly buffer: Float32Array;
  private fill = 0;

  constructor(capacity: number) {
    this.buffer = new Float32Array(capacity);
  }

  append(samples: Float32Array): void {
    const n = Math.min(samples.length, this.buffer.length - this.fill);
    if (n <= 0) return;
    this.buffer.set(samples.subarray(0, n), this.fill);
    this.fill += n;
  }

  samples(): Float32Array {
    return this.buffer.slice(0, this.fill);
  }
}
