/** A telemetry source the test feeds by hand (what a QualityMonitor gives serveTelemetry and metricsHandler). */
import { BehaviorSubject, Subject } from 'rxjs';
import type { ScoreEvent } from '@callmos/core';
import { roomQuality } from '../../src/monitor/room-quality.js';
import type { MonitorAlert, ParticipantState, RoomQuality } from '../../src/monitor/types.js';

export function handFedSource(room = 'r1') {
  return {
    room,
    scores$: new Subject<ScoreEvent>(),
    alerts$: new Subject<MonitorAlert>(),
    participants$: new BehaviorSubject<ParticipantState[]>([]),
    room$: new BehaviorSubject<RoomQuality>(roomQuality(room, [], 0)),
  };
}
