/**
 * A budget of samples refilled by the wall clock at the real-time rate, up to `capacity`: what bounds
 * the work a sender can make a stream do. Silence for timestamp gaps and concealment for lost packets
 * are claims of the sender (its timestamps, its sequence numbers), and so is the pace of its packets;
 * with a budget each, a sender whose timestamps advance 1.9 s per 20 ms packet gets 20 ms of silence
 * per packet, not 1.9 s, and one sending ten times faster than real time is decoded at real time (plus
 * `capacity`, once, for bursts).
 */
export class WallClockBudget {
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
    this.refill();
    const granted = Math.max(0, Math.min(wanted, Math.floor(this.available)));
    this.available -= granted;
    return granted;
  }

  /** All of `wanted` or nothing: true (and spent) when the budget holds it. */
  takeAll(wanted: number): boolean {
    this.refill();
    if (this.available < wanted) return false;
    this.available -= wanted;
    return true;
  }

  private refill(): void {
    const t = this.now();
    if (this.lastRefill !== undefined) this.available = Math.min(this.capacity, this.available + ((t - this.lastRefill) * this.rate) / 1000);
    this.lastRefill = t;
  }
}
