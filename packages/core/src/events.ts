/**
 * The telemetry contract: what every callmos observable emits, in the browser and on the server.
 * JSON-serialisable (no Maps, no typed arrays, no undefined-only fields). Bump SCORE_EVENT_VERSION on any
 * breaking change; consumers check `v`.
 */
export const SCORE_EVENT_VERSION = 1 as const;

export type QualityBand = 'good' | 'fair' | 'poor';

/** Why a window produced no score. */
export type NotScoredReason =
  | 'no-speech' // no speech in the window (silence, a muted track, a fan, a tone, music): not bad quality
  | 'skipped-backlog' // inference fell behind; the window was dropped instead of queued without bound
  | 'error'; // the model failed on this window; `error` says why

export interface NetworkQuality {
  /** E-model (ITU-T G.107) MOS from network stats, 1..4.5 */
  mos: number;
  /** E-model transmission rating R, 0..100 */
  r: number;
  lossPct: number;
  jitterMs: number;
  rttMs: number;
  codec: string;
}

export interface ScoreEvent {
  v: typeof SCORE_EVENT_VERSION;
  streamId: string;
  /** `name@version` of the model card */
  model: string;
  /** window position in stream time, seconds from the first sample of the stream */
  start: number;
  end: number;
  /** false when the window was not scored; `reason` says why and `mos` is null */
  scored: boolean;
  reason?: NotScoredReason;
  error?: string;
  /** predicted MOS 1..5, null when not scored */
  mos: number | null;
  /** diagnostic dimensions named by the model card (e.g. noisiness), each on a 1..5 scale */
  dims: Record<string, number>;
  /** fraction of the window's frames with speech activity, 0..1: the speech detector's frames where the host runs one, else the energy gate's */
  speechRatio: number;
  /** wall-clock ms from the window's last sample arriving to this event */
  latencyMs: number;
  /** wall-clock time of emission, ms since the epoch */
  timestamp: number;
  /** windows dropped so far on this stream because inference fell behind */
  skippedWindows?: number;
  /** smoothed MOS and band, filled by the aggregator */
  emaMos?: number;
  band?: QualityBand;
  /** network MOS beside content MOS, when the host knows network stats */
  network?: NetworkQuality;
  /** extra scores from external teachers (server), e.g. { dnsmos_ovrl: 3.1 } */
  extra?: Record<string, number>;
}
