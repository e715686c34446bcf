/**
 * @callmos/core: the model contract and loader, streaming scoring, quality aggregation, network MOS and
 * the telemetry types. Pure TypeScript, no I/O; onnxruntime is reached only through onnxruntime-common's
 * InferenceSession, created by the host's session factory.
 *
 * Two documented subpaths hold the building blocks the hosts (@callmos/node, client, server) use and
 * most apps do not need:
 * - `@callmos/core/dsp`: resampler, FFT, compressed STFT, frame windows and their constants;
 * - `@callmos/core/pipeline`: the window producer, speech gate and ScoreEvent builders, for a host that
 *   batches windows of many streams through one model (as @callmos/server does) instead of StreamScorer.
 */

// telemetry contract
export {
  SCORE_EVENT_VERSION,
  type ScoreEvent,
  type QualityBand,
  type NotScoredReason,
  type NetworkQuality,
  type CauseKind,
  type QualityCause,
  type SignalEvidence,
} from './events.js';
export { CAUSE_CALIBRATION, CONTENT_CAUSES, diagnoseCause, type CauseCalibration } from './scoring/cause.js';

// errors and logging
export { CallmosError, type CallmosErrorCode, type CallmosErrorOptions } from './errors.js';
export { Logger, setLogEventListeners, setDebugNamespaces, setDebugOutput, type LogEventListeners } from './logger.js';

// model contract and loading
export { parseModelCard, modelId, CARD_VERSION, type ModelCard, type ModelCardInput, type ModelCardOutputs, type GoldenCase } from './model/card.js';
export {
  CardError,
  ModelContractError,
  ModelRunError,
  SpeechModelError,
  ModelLoadError,
  type ModelLoadErrorCode,
  type ModelLoadErrorOptions,
} from './model/errors.js';
export { MosModel, type ModelScore, type MosModelOptions, type StreamingSessions, type TensorConstructor } from './model/mos-model.js';
export type { WindowRequest } from './model/streamed-features.js';
export type { ModelCardStreaming, ModelCardStreamingGraph } from './model/streaming-plan.js';
export {
  loadMosModel,
  streamingPairNames,
  openModelSession,
  parseCardFile,
  type LoadMosModelOptions,
  type OpenModelSessionOptions,
  type ModelFile,
  type SessionFactory,
  type SessionLike,
} from './model/loader.js';

// scoring
export { StreamScorer, type StreamScorerOptions } from './scoring/stream-scorer.js';
export { WindowScheduler, type WindowSchedulerOptions, type WindowSchedulerStats, type BatchRun } from './scoring/window-scheduler.js';
export { SileroVad, type SileroVadOptions } from './scoring/silero-vad.js';
export { SpeechDetector, DEFAULT_SPEECH_DETECTOR, type SpeechDetectorOptions, type SpeechVerdict } from './scoring/speech-detector.js';
export { scoreClip, type ScoreClipOptions, type ClipScore, type ClipNotScoredReason } from './scoring/score-clip.js';
export type { VadOptions } from './scoring/vad.js';

// aggregation, quality bands and the RxJS operators over ScoreEvents
export {
  QualityAggregator,
  DEFAULT_QUALITY_CONFIG,
  resolveQualityConfig,
  type QualityAggregatorConfig,
  type ResolvedQualityConfig,
} from './scoring/aggregator.js';
export {
  withQuality,
  bandChanges,
  scoredOnly,
  degradedFor,
  QUALITY_ALERT_VERSION,
  type ScoredEvent,
  type QualityAlert,
  type DegradedForOptions,
} from './scoring/operators.js';

// network MOS (ITU-T G.107 E-model over RTP statistics)
export {
  networkQuality,
  rFactor,
  rFactorBreakdown,
  oneWayDelayMs,
  type NetworkQualityInput,
  type RFactorInput,
  type RFactorBreakdown,
  type OneWayDelayInput,
} from './network/emodel.js';
export { mosFromR } from './network/g107.js';
export { resolveCodec, CODEC_IMPAIRMENTS, type CodecImpairment, type EModelBand } from './network/codecs.js';
