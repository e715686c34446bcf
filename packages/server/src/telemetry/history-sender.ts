/**
 * Which history messages a client gets, and when: each room it follows, once when it connects and again
 * on a filter change, but at most once per RESEND_MS (a filter message costs no more than that, however
 * often it comes); each sized to a share of the client's send budget, so that a history never makes a
 * reader look slow; serialised here, where a cycle in an alert's appData is caught and reported.
 */
import type { WebSocket } from 'ws';
import type { TelemetryHistory } from './room-history.js';
import type { TelemetryMessage } from './source.js';
import type { ClientFilter } from './upgrade-request.js';

const RESEND_MS = 2000;

export class HistorySender {
  private readonly sentAt = new WeakMap<WebSocket, number>();

  constructor(
    private readonly history: TelemetryHistory,
    private readonly rooms: readonly string[],
    /** bytes a client's histories may take together */
    private readonly budgetBytes: number,
    private readonly onUnserializable: (err: Error) => void,
  ) {}

  /** The JSON messages to send `ws` now (none when it asked too recently, or has no history type). */
  messages(ws: WebSocket, filter: ClientFilter, now = Date.now()): string[] {
    if (!filter.types.has('history') || !this.history.enabled) return [];
    if (now - (this.sentAt.get(ws) ?? Number.NEGATIVE_INFINITY) < RESEND_MS) return [];
    this.sentAt.set(ws, now);
    const rooms = this.rooms.filter((room) => !filter.rooms || filter.rooms.has(room));
    const out: string[] = [];
    for (const room of rooms) {
      const data = this.history.snapshot(room, filter.producers ?? undefined, this.budgetBytes / Math.max(1, rooms.length));
      if (!data) continue;
      try {
        out.push(JSON.stringify({ type: 'history', room, data } satisfies TelemetryMessage));
      } catch (err) {
        this.onUnserializable(err as Error);
      }
    }
    return out;
  }
}
