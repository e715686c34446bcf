/** What attachQualityMonitor takes, and what it reports about the teacher it runs. */
import type { Worker } from 'mediasoup/types';
import type { DegradedForOptions, QualityAggregatorConfig, VadOptions } from '@callmos/core';
import type { ExecutionProviderName, ProviderPreference } from '@callmos/node';
import type { TeacherPoolOptions } from '../pool/teacher-pool.js';
import type { JitterBufferOptions } from '../rtp/jitter-buffer.js';
import type { ExternalTeachersOptions } from '../teachers/external-teachers.js';

export interface QualityMonitorOptions extends TeacherPoolOptions {
  /** shipped model name or model path; default the largest shipped model */
  model?: string;
  modelsDir?: string;
  /** execution provider: 'auto' (CUDA when usable, else CPU), 'cpu' or 'cuda'; default 'auto' */
  provider?: ProviderPreference;
  intraOpThreads?: number;
  /**
   * run the model and the speech detector on a worker thread of their own (InferenceThread): onnxruntime's
   * runs block the thread they run on, and on the monitor's thread they stall RTP receive and decoding of
   * every stream for the length of each batch. Default false
   */
  inferenceThread?: boolean;
  /** room name carried by participants, alerts and room$; default router.appData.room, else the router id */
  room?: string;
  jitter?: JitterBufferOptions;
  vad?: VadOptions;
  /**
   * 'silero' (default): a window is scored only when the energy gate and the Silero speech detector both
   * find speech in it (a fan, a tone or hold music is not bad quality); 'energy': the energy gate alone
   */
  speechDetector?: 'silero' | 'energy';
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

/** What runs the teacher, reported at start. */
export interface MonitorBackend {
  model: string;
  modelPath: string;
  provider: ExecutionProviderName;
  fallbackReason?: string;
  batchSize: number;
  maxWaitMs: number;
  /** external teachers loaded ('dnsmos', 'plcmos') */
  teachers: string[];
  /** the speech detector's id, or 'energy gate' when windows are gated by energy alone */
  speechDetector: string;
  /** whether the model and the speech detector run on a worker thread (the inferenceThread option) */
  inferenceThread: boolean;
}
