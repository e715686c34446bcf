/**
 * How much made-up audio a stream may add: silence for a timestamp gap (DTX), concealment for lost
 * packets. Both are claims of the sender (its timestamps, its sequence numbers), so both are bounded by
 * the wall clock: a budget of samples that refills at the real-time rate, up to `capacity`. A sender
 * whose timestamps advance 1.9 s per packet sent every 20 ms gets 20 ms of silence per packet, not 1.9 s;
 * a stream never does more than real time's work in made-up audio (plus `capacity`, once).
 */
export class SyntheticBudget {
  private available: number;
  private lastRefill: number | undefined;

  /** `capacity` and the budget in samples at `rate` Hz; `now` in ms */
  constructor(
    private readonly capacity: number,
    private readonly rate: number,
    private readonly now: () => number,
  ) {
    this.available = capacity;
  }

  /** Up to `wanted` samples, as many as the budget allows now; what is granted is spent. */
  take(wanted: number): number {
    const t = this.now();
    if (this.lastRefill !== undefined) this.available = Math.min(this.capacity, this.available + ((t - this.lastRefill) * this.rate) / 1000);
    this.lastRefill = t;
    const granted = Math.max(0, Math.min(wanted, Math.floor(this.available)));
    this.available -= granted;
    return granted;
  }
}
