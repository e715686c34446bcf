/**
 * Latencies (ms) counted in 1 ms bins up to a minute (the last bin holds anything longer): quantiles to
 * the millisecond in fixed memory, however many windows an hour-long soak scores.
 */
const BINS = 60_001;

export class LatencyHistogram {
  constructor() {
    this.bins = new Uint32Array(BINS);
    this.count = 0;
    /** @type {number | null} */
    this.max = null;
  }

  /** @param {number} ms */
  add(ms) {
    if (!Number.isFinite(ms)) return;
    this.bins[Math.min(BINS - 1, Math.max(0, Math.round(ms)))]++;
    this.count++;
    this.max = this.max === null ? ms : Math.max(this.max, ms);
  }

  /** The q-quantile in ms (the same rank rule as lib/common.mjs quantile), or null when empty. */
  quantile(q) {
    if (this.count === 0) return null;
    const rank = Math.min(this.count - 1, Math.floor(q * this.count));
    let seen = 0;
    for (let ms = 0; ms < BINS; ms++) {
      seen += this.bins[ms];
      if (seen > rank) return ms;
    }
    return BINS - 1;
  }
}
