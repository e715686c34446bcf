/**
 * The monitor's counters over every producer it has watched, open and closed: what it dropped of its
 * input and why, the stream anomalies it worked around, and its own faults. The reason sets are fixed
 * (they are metrics labels), so a hostile sender cannot grow them.
 */
import type { AudioStreamStats } from '../audio/audio-stream.js';

/** Input counted and dropped ('over-rate': packets of a sender faster than real time, beyond maxLeadMs). */
export type DroppedInput = 'malformed-rtp' | 'foreign-payload-type' | 'late' | 'duplicate' | 'corrupt-opus' | 'over-rate';
export const DROPPED_INPUTS: readonly DroppedInput[] = ['malformed-rtp', 'foreign-payload-type', 'late', 'duplicate', 'corrupt-opus', 'over-rate'];

/** Input the monitor worked around: unfilled timestamp jumps, gaps filled only as far as the wall clock allows, restarted numbering, producers silent on the wire. */
export type StreamAnomaly = 'timestamp-jump' | 'fill-throttled' | 'stream-reset' | 'stall';
export const STREAM_ANOMALIES: readonly StreamAnomaly[] = ['timestamp-jump', 'fill-throttled', 'stream-reset', 'stall'];

/** The monitor's own failures: a producer it could not consume, a stats poll or decoder reset that failed, an RTP handler that threw. */
export type MonitorFault = 'tap-failed' | 'stats-poll' | 'decoder-reset' | 'rtp-handler';
export const MONITOR_FAULTS: readonly MonitorFault[] = ['tap-failed', 'stats-poll', 'decoder-reset', 'rtp-handler'];

export interface MonitorStats {
  /** Opus producers monitored since the attach */
  producers: number;
  /** producers stalled now (no RTP for stallAfterMs while not paused) */
  stalled: number;
  /** RTP packets that reached the monitor's consumers */
  rtpPackets: number;
  dropped: Record<DroppedInput, number>;
  anomalies: Record<StreamAnomaly, number>;
  faults: Record<MonitorFault, number>;
}

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export function emptyMonitorStats(): MonitorStats {
  return { producers: 0, stalled: 0, rtpPackets: 0, dropped: zeros(DROPPED_INPUTS), anomalies: zeros(STREAM_ANOMALIES), faults: zeros(MONITOR_FAULTS) };
}

export function copyMonitorStats(s: MonitorStats): MonitorStats {
  return { ...s, dropped: { ...s.dropped }, anomalies: { ...s.anomalies }, faults: { ...s.faults } };
}

/** Adds one stream's counters into `into`. */
export function addStreamStats(into: MonitorStats, s: AudioStreamStats): void {
  into.rtpPackets += s.rtpPackets;
  into.dropped['malformed-rtp'] += s.malformed;
  into.dropped['foreign-payload-type'] += s.foreign;
  into.dropped.late += s.jitter.late;
  into.dropped.duplicate += s.jitter.duplicates;
  into.dropped['corrupt-opus'] += s.opus.corrupt;
  into.dropped['over-rate'] += s.overRate;
  into.anomalies['timestamp-jump'] += s.timestampJumps;
  into.anomalies['fill-throttled'] += s.fillThrottled;
  into.anomalies['stream-reset'] += s.jitter.resets;
  into.faults['decoder-reset'] += s.decoderErrors;
}
