/**
 * A monitor's participants$ and room$: every producer's state and the room's aggregate. A structural change
 * (a producer joins, closes, pauses, alerts or stalls) publishes at once; score events publish at most every
 * `intervalMs`, the trailing one included, so the latest score is always published. Rebuilding every
 * producer's state for every window of every stream cost O(N^2) per second with N streams.
 */
import { BehaviorSubject } from 'rxjs';
import { roomQuality } from './room-quality.js';
import type { ParticipantState, RoomQuality } from './types.js';

/** `T`: what the monitor hands to `now` as producers that just closed (its taps). */
export class ParticipantsPublisher<T> {
  readonly participants = new BehaviorSubject<ParticipantState[]>([]);
  readonly room: BehaviorSubject<RoomQuality>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastAt = -Infinity;

  constructor(
    private readonly roomName: string,
    private readonly intervalMs: number,
    /** every producer's state now (and those of `alsoClosed`, once) */
    private readonly snapshot: (alsoClosed: readonly T[]) => ParticipantState[],
  ) {
    this.room = new BehaviorSubject(roomQuality(roomName, [], Date.now()));
  }

  /** Publishes now (a structural change; `alsoClosed` appear once more, closed). */
  now(alsoClosed: readonly T[] = []): void {
    this.cancel();
    this.lastAt = performance.now();
    const states = this.snapshot(alsoClosed);
    this.participants.next(states);
    this.room.next(roomQuality(this.roomName, states, Date.now()));
  }

  /** A score changed: publishes now if the last publication is older than the interval, else once it is. */
  soon(): void {
    if (this.timer !== undefined) return;
    const wait = this.lastAt + this.intervalMs - performance.now();
    if (wait <= 0) this.now();
    else this.timer = setTimeout(() => this.now(), wait);
  }

  /** Drops a pending publication (the monitor is closing). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
