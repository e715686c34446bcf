/** The monitor's public shapes: what participants$, room$ and alerts$ emit (all JSON-serialisable). */
import type { AppData } from 'mediasoup/types';
import type { NetworkQuality, QualityAlert, QualityBand, ScoreEvent } from '@callmos/core';
import type { AudioStreamStats } from '../audio/audio-stream.js';

export interface ParticipantState {
  producerId: string;
  transportId: string;
  /** the room this monitor watches (see QualityMonitorOptions.room) */
  room: string;
  appData: AppData;
  paused: boolean;
  /** the monitor's consumer is up (RTP sent before that is not scored) */
  consuming: boolean;
  /** the producer is gone: its last state, emitted once with closed: true after its last score event (final counters) */
  closed: boolean;
  /** latest event, if any */
  last?: ScoreEvent;
  emaMos?: number;
  band?: QualityBand;
  network?: NetworkQuality;
  /** an alert is raised and not yet cleared */
  alerting: boolean;
  /**
   * no RTP has reached the monitor for stallAfterMs while the producer is not paused: the sender stopped,
   * or its packets no longer match the producer (mediasoup drops RTP of an SSRC it was not told about)
   */
  stalled: boolean;
  /** when the last RTP packet reached the monitor, ms since the epoch; absent before the first */
  lastRtpAt?: number;
  /** times this producer stalled */
  stalls: number;
  stats: AudioStreamStats;
}

export interface RoomQuality {
  room: string;
  /** open audio producers */
  count: number;
  /** of them, with a smoothed MOS */
  scored: number;
  /** lowest smoothed MOS and whose */
  worst: { producerId: string; emaMos: number } | null;
  /** mean smoothed MOS over the scored ones; null when none */
  meanMos: number | null;
  /** producers in band poor, with a raised alert, or stalled */
  degraded: number;
  /** producers stalled (no RTP while not paused) */
  stalled: number;
  timestamp: number;
}

/** A core QualityAlert with the producer and room it concerns. */
export interface MonitorAlert extends QualityAlert {
  producerId: string;
  room: string;
  appData: AppData;
}
