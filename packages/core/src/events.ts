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

/** What a window's frame energies say about its signal (scoring/signal-evidence.ts), measured, not predicted. */
export interface SignalEvidence {
  /** active speech level: the power mean of the frames above the speech gate's threshold, dBFS (-120 with none) */
  levelDbfs: number;
  /** the floor: the 10th percentile of the window's 20 ms frame energies, dBFS */
  floorDbfs: number;
  /** runs of 10-80 ms of digital silence between active frames, per second: lost packets filled with zeros */
  dropoutsPerSec: number;
  /** the highest frequency the speech still carries (within 55 dB of its strongest band), Hz: ~3400-4000 through a narrowband codec */
  bandwidthHz: number;
  /**
   * % of the active frames whose peak is within 3 % of the window's largest: the flat tops of a signal that
   * hit a limit (a clipping microphone or gain stage). Natural speech peaks in a few frames (median 0.4 %,
   * 90th percentile 1 % on the factory's unclipped clips); clipped speech in 6-100 %.
   */
  clippedPct: number;
  /**
   * How far the speech falls within 50 ms at its fastest (the 95th percentile over frames within 15 dB of
   * the level), dB: dry speech falls to its floor between words, so with noise this is about the level
   * over the floor, while a room's tail (reverberation) or smeared coding slows the fall to a fraction of
   * it. Absent from events of older producers (the cause model then reads it as typical).
   */
  fallDb?: number;
}

/**
 * What makes a stream sound as it does (scoring/cause.ts):
 * `network` (dropouts or nothing clear in the audio, loss or jitter on the wire), `noise` (background noise), `coloration` (codec,
 * bandwidth, room, device, denoiser), `discontinuity` (dropouts with a clean network, or none known), `loudness`
 * (too quiet, too loud, clipping), `unknown` (no dim stands out).
 */
export type CauseKind = 'network' | 'noise' | 'coloration' | 'discontinuity' | 'loudness' | 'unknown';

export interface QualityCause {
  kind: CauseKind;
  /** the dims the cause was read from (the stream's smoothed dims, where the aggregator gives them) */
  dims: Record<string, number>;
  /** each content cause's probability under the cause model (scoring/cause.ts); empty when the dims it needs are missing */
  likelihood: Partial<Record<'noise' | 'coloration' | 'discontinuity' | 'loudness', number>>;
  /** the measured signal it was read from, where the host gives it */
  signal?: SignalEvidence;
  /** the network figures behind a `network` verdict, when the host has them */
  network?: Pick<NetworkQuality, 'mos' | 'lossPct' | 'jitterMs' | 'rttMs'>;
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
  /** the window's measured level, floor and dropouts (every window, scored or not) */
  signal?: SignalEvidence;
  /** wall-clock ms from the window's last sample arriving to this event */
  latencyMs: number;
  /** wall-clock time of emission, ms since the epoch */
  timestamp: number;
  /** windows dropped so far on this stream because inference fell behind */
  skippedWindows?: number;
  /** smoothed MOS and band, filled by the aggregator */
  emaMos?: number;
  band?: QualityBand;
  /** why the stream sounds as it does, from its smoothed dims and the network: filled by the aggregator while the band is fair or poor */
  cause?: QualityCause;
  /** network MOS beside content MOS, when the host knows network stats */
  network?: NetworkQuality;
  /** extra scores from external teachers (server), e.g. { dnsmos_ovrl: 3.1 } */
  extra?: Record<string, number>;
}
