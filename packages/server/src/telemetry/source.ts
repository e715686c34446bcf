/**
 * What the WebSocket feed and the metrics read from a monitor: its room name and its four observables.
 * QualityMonitor is one; anything shaped like it (several monitors merged, a replay) can be served too.
 */
import type { Observable } from 'rxjs';
import type { ScoreEvent } from '@callmos/core';
import type { MonitorAlert, ParticipantState, RoomQuality } from '../monitor/types.js';
import type { RoomHistorySnapshot } from './room-history.js';

export interface TelemetrySource {
  readonly room: string;
  readonly scores$: Observable<ScoreEvent>;
  readonly alerts$: Observable<MonitorAlert>;
  readonly participants$: Observable<ParticipantState[]>;
  readonly room$: Observable<RoomQuality>;
}

/**
 * A monitor stopped: 'down' when its observables errored (the mediasoup worker died), 'closed' when they
 * completed (close(), the router closed). Nothing more comes for its room.
 */
export interface MonitorStatus {
  state: 'down' | 'closed';
  /** the error's message, or why it closed */
  reason: string;
  /** ms since the epoch */
  at: number;
}

/** One outgoing telemetry message (what ws clients receive, one JSON object per message). */
export type TelemetryMessage =
  | { type: 'score'; room: string; data: ScoreEvent }
  | { type: 'alert'; room: string; data: MonitorAlert }
  | { type: 'participants'; room: string; data: ParticipantState[] }
  | { type: 'room'; room: string; data: RoomQuality }
  | { type: 'monitor'; room: string; data: MonitorStatus }
  /** sent once to a client when it connects (and when it changes its filter), never broadcast */
  | { type: 'history'; room: string; data: RoomHistorySnapshot };

export type TelemetryType = TelemetryMessage['type'];
export const TELEMETRY_TYPES: readonly TelemetryType[] = ['score', 'alert', 'participants', 'room', 'monitor', 'history'];
