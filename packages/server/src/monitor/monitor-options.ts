/** What attachQualityMonitor takes, and what it reports about the teacher it runs. */
import type { Worker } from 'mediasoup/types';
import type { DegradedForOptions, QualityAggregatorConfig, VadOptions } from '@callmos/core';
import type { JitterBufferOptions } from '../rtp/jitter-buffer.js';
import type { ExternalTeachersOptions } from '../teachers/external-teachers.js';
import type { MonitorScoring, MonitorScoringOptions, ScoringBackend } from './monitor-scoring.js';

export interface QualityMonitorOptions extends MonitorScoringOptions {
  /**
   * a scoring shared with other monitors (createMonitorScoring: one model, one batch queue, for the routers
   * of several mediasoup workers); its creator closes it. With it, the scoring options (model, provider,
   * batchSize, inferenceThread, ...) are the scoring's and may not be given here. Default: a scoring of the
   * monitor's own, made from those options and closed with it
   */
  scoring?: MonitorScoring;
  /** room name carried by participants, alerts and room$; default router.appData.room, else the router id */
  room?: string;
  jitter?: JitterBufferOptions;
  vad?: VadOptions;
  maxSilenceFillMs?: number;
  /** how far a stream's decoded audio may run ahead of the wall clock before its packets are dropped, ms; default 10000 */
  maxLeadMs?: number;
  /** EMA and band thresholds */
  quality?: QualityAggregatorConfig;
  /** alert rule; default band poor for 5 s (raise) and recovered for 5 s (clear) */
  alert?: DegradedForOptions;
  /**
   * score events refresh participants$ and room$ at most this often, ms (a change of producers, pause, alert
   * or stall publishes at once); default 250. Rebuilding every producer's state for every window of every
   * stream cost O(N^2) per second with N streams
   */
  participantsIntervalMs?: number;
  /** how often the producers' RTP stats are polled for network MOS, ms; default 1000, 0 = never */
  networkStatsIntervalMs?: number;
  /** a producer that is not paused and sends no RTP for this long is stalled, ms; default 5000, 0 = never */
  stallAfterMs?: number;
  /** external teachers (DNSMOS P.835, PLCMOS v2) by file path; their scores go into event.extra */
  teachers?: ExternalTeachersOptions;
  /**
   * the router's worker: lets the monitor tell a deliberate worker.close() (observables complete) from a
   * worker that died (they error). Without it, any worker close under the monitor is an error.
   */
  worker?: Worker;
  /** where the start-up line (model, execution provider) and faults of the monitor's own go; default console.info */
  log?: (line: string) => void;
}

/** What runs the teacher, reported at start: the scoring's backend and the monitor's external teachers. */
export interface MonitorBackend extends ScoringBackend {
  /** external teachers loaded ('dnsmos', 'plcmos') */
  teachers: string[];
}
