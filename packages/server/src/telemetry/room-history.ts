/**
 * What a dashboard that connects late has missed: per room, the last `seconds` of each producer's smoothed
 * MOS (one point per scored window, with its band, cause and network MOS), the last alerts, and the latest
 * participants and room state. serveTelemetry sends it as one {type:'history'} message when a client
 * connects, so a chart opened mid-call is full at once instead of empty until new windows arrive.
 *
 * Bounded: points older than `seconds` by the history's clock (the time they arrived, never a timestamp
 * from the source: one from the future must not blank the room) are dropped, each producer keeps at most
 * `seconds / 0.5` points (windows come every 1 s hop), a producer not heard from for `seconds` is
 * forgotten, a room keeps at most `maxProducers` producers (the least recently heard go first) and
 * `maxAlerts` alerts. A point is 7 numbers and a short string (~100 bytes in V8), so the default 10
 * minutes is ~60 KB per producer heard from in the last 10 minutes: 6 MB for 100.
 *
 * A snapshot is sized for the wire: past `maxBytes` (serveTelemetry passes half the client's send
 * budget) every producer's points are thinned evenly, so a room of many producers still fits.
 */
import type { CauseKind, QualityBand, ScoreEvent } from '@callmos/core';
import type { MonitorAlert, ParticipantState, RoomQuality } from '../monitor/types.js';
import type { TelemetryMessage } from './source.js';

export interface HistoryOptions {
  /** how far back, seconds; default 600 (10 minutes); 0 turns history off */
  seconds?: number;
  /** producers kept per room; default 500 */
  maxProducers?: number;
  /** alerts kept per room; default 100 */
  maxAlerts?: number;
  /** ms since the epoch; default Date.now (tests and replays inject their own) */
  clock?: () => number;
}

/** JSON bytes of one point, about (for sizing a snapshot before it is built) */
const POINT_BYTES = 140;

/** One scored window of one producer, as the history keeps it. */
export interface HistoryPoint {
  /** when the history received it, ms since the epoch (the event's own timestamp where that is not later) */
  t: number;
  /** stream time of the window's end, s */
  end: number;
  mos: number;
  emaMos: number | null;
  band: QualityBand | null;
  cause: CauseKind | null;
  /** E-model MOS from the network stats at that window, when known */
  networkMos: number | null;
}

/** The {type:'history'} message's data. */
export interface RoomHistorySnapshot {
  seconds: number;
  /** producerId -> its points, oldest first */
  streams: Record<string, HistoryPoint[]>;
  /** oldest first */
  alerts: MonitorAlert[];
  participants: ParticipantState[] | null;
  room: RoomQuality | null;
}

interface RoomState {
  streams: Map<string, HistoryPoint[]>;
  alerts: MonitorAlert[];
  participants: ParticipantState[] | null;
  room: RoomQuality | null;
}

export class TelemetryHistory {
  readonly seconds: number;
  private readonly maxPoints: number;
  private readonly maxProducers: number;
  private readonly maxAlerts: number;
  private readonly clock: () => number;
  private readonly rooms = new Map<string, RoomState>();

  constructor(options: HistoryOptions = {}) {
    const { seconds = 600, maxProducers = 500, maxAlerts = 100 } = options;
    this.clock = options.clock ?? Date.now;
    for (const [name, v] of Object.entries({ seconds, maxProducers, maxAlerts })) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`history.${name} must be a finite number >= 0, got ${String(v)}`);
    }
    this.seconds = seconds;
    this.maxPoints = Math.ceil(seconds / 0.5);
    this.maxProducers = maxProducers;
    this.maxAlerts = maxAlerts;
  }

  get enabled(): boolean {
    return this.seconds > 0;
  }

  add(m: TelemetryMessage): void {
    if (!this.enabled || m.type === 'monitor' || m.type === 'history') return;
    let room = this.rooms.get(m.room);
    if (!room) this.rooms.set(m.room, (room = { streams: new Map(), alerts: [], participants: null, room: null }));
    if (m.type === 'score') this.addScore(room, m.data);
    else if (m.type === 'alert') {
      room.alerts.push(m.data);
      if (room.alerts.length > this.maxAlerts) room.alerts.splice(0, room.alerts.length - this.maxAlerts);
    } else if (m.type === 'participants') room.participants = m.data;
    else room.room = m.data;
  }

  private addScore(room: RoomState, e: ScoreEvent): void {
    if (!e.scored || typeof e.mos !== 'number' || !Number.isFinite(e.mos)) return;
    const now = this.clock();
    const point: HistoryPoint = {
      t: Number.isFinite(e.timestamp) && e.timestamp <= now ? e.timestamp : now,
      end: e.end,
      mos: e.mos,
      emaMos: e.emaMos ?? null,
      band: e.band ?? null,
      cause: e.cause?.kind ?? null,
      networkMos: e.network?.mos ?? null,
    };
    let points = room.streams.get(e.streamId);
    if (points) room.streams.delete(e.streamId); // re-inserted last: the Map's order is least recently heard first
    else points = [];
    room.streams.set(e.streamId, points);
    points.push(point);
    const oldest = now - this.seconds * 1000;
    let drop = 0;
    while (drop < points.length && (points[drop]!.t < oldest || points.length - drop > this.maxPoints)) drop++;
    if (drop > 0) points.splice(0, drop);
    // producers gone quiet for the whole window are forgotten (least recently heard first in the Map)
    for (const [id, older] of room.streams) {
      const last = older.at(-1);
      if (last !== undefined && last.t >= oldest) break;
      room.streams.delete(id);
    }
    while (room.streams.size > this.maxProducers) room.streams.delete(room.streams.keys().next().value!);
  }

  /**
   * What a client following `room` (and, if given, only `producers`) gets when it connects; null while
   * the room has no scored window or alert for it (nothing to draw: the live feed says the rest).
   */
  snapshot(roomName: string, producers?: ReadonlySet<string>, maxBytes = Number.POSITIVE_INFINITY): RoomHistorySnapshot | null {
    const room = this.rooms.get(roomName);
    if (!this.enabled || !room) return null;
    const oldest = this.clock() - this.seconds * 1000;
    const chosen = [...room.streams].filter(([id]) => !producers || producers.has(id));
    const total = chosen.reduce((n, [, points]) => n + points.length, 0);
    // every k-th point of each producer (its newest kept) when all of them would not fit
    const stride = Math.max(1, Math.ceil((total * POINT_BYTES) / Math.max(1, maxBytes)));
    const streams: Record<string, HistoryPoint[]> = {};
    for (const [id, points] of chosen) {
      const recent: HistoryPoint[] = [];
      for (let i = points.length - 1; i >= 0; i -= stride) if (points[i]!.t >= oldest) recent.push(points[i]!);
      if (recent.length > 0) streams[id] = recent.reverse();
    }
    const alerts = room.alerts.filter((a) => !producers || producers.has(a.producerId));
    if (Object.keys(streams).length === 0 && alerts.length === 0) return null;
    return {
      seconds: this.seconds,
      streams,
      alerts,
      participants: room.participants && producers ? room.participants.filter((p) => producers.has(p.producerId)) : room.participants,
      room: room.room,
    };
  }
}
