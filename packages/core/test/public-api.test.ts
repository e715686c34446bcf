/**
 * The public surface of @callmos/core and its documented subpaths `@callmos/core/dsp` and
 * `@callmos/core/pipeline` (package.json exports, tsup entries), pinned: adding or removing an export is
 * a conscious change made here too. Internals stay importable by core's own tests through source paths.
 */
import { describe, expect, it } from 'vitest';
import { publicExports } from '../../../test/helpers/public-exports.js';

describe('public exports', () => {
  it('packages/core/src/index.ts', () => {
    expect(publicExports('packages/core/src/index.ts')).toEqual([
      'type BatchRun', 'type CallmosErrorCode', 'type CallmosErrorOptions', 'type CauseCalibration', 'type CauseKind', 'type ClipNotScoredReason', 'type ClipScore',
      'type CodecImpairment', 'type DegradedForOptions', 'type EModelBand', 'type GoldenCase',
      'type LoadMosModelOptions', 'type LogEventListeners', 'type ModelCard', 'type ModelCardInput',
      'type ModelCardOutputs', 'type ModelCardStreaming', 'type ModelCardStreamingGraph', 'type ModelFile', 'type ModelLoadErrorCode', 'type ModelLoadErrorOptions',
      'type ModelScore', 'type MosModelOptions', 'type NetworkQuality', 'type NetworkQualityInput',
      'type NotScoredReason', 'type OneWayDelayInput', 'type OpenModelSessionOptions', 'type QualityAggregatorConfig',
      'type QualityAlert', 'type QualityBand', 'type QualityCause', 'type RFactorBreakdown', 'type RFactorInput',
      'type ResolvedQualityConfig', 'type ScoreClipOptions', 'type ScoreEvent', 'type ScoredEvent',
      'type SessionFactory', 'type SessionLike', 'type SignalEvidence', 'type SileroVadOptions', 'type SpeechDetectorOptions',
      'type SpeechVerdict', 'type StreamScorerOptions', 'type StreamingSessions', 'type TensorConstructor', 'type VadOptions',
      'type WindowRequest',
      'type WindowSchedulerOptions', 'type WindowSchedulerStats',
      'value CARD_VERSION', 'value CAUSE_CALIBRATION', 'value CODEC_IMPAIRMENTS', 'value CONTENT_CAUSES', 'value CallmosError', 'value CardError',
      'value DEFAULT_QUALITY_CONFIG', 'value DEFAULT_SPEECH_DETECTOR', 'value Logger', 'value ModelContractError',
      'value ModelLoadError', 'value ModelRunError', 'value MosModel', 'value QUALITY_ALERT_VERSION',
      'value QualityAggregator', 'value SCORE_EVENT_VERSION', 'value SileroVad', 'value SpeechDetector',
      'value SpeechModelError', 'value StreamScorer', 'value WindowScheduler', 'value bandChanges', 'value degradedFor', 'value diagnoseCause', 'value loadMosModel',
      'value modelId', 'value mosFromR', 'value networkQuality', 'value oneWayDelayMs', 'value openModelSession',
      'value parseCardFile', 'value parseModelCard', 'value rFactor', 'value rFactorBreakdown', 'value resolveCodec',
      'value resolveQualityConfig', 'value scoreClip', 'value scoredOnly', 'value setDebugNamespaces',
      'value setDebugOutput', 'value setLogEventListeners', 'value streamingPairNames', 'value withQuality',
    ]);
  }, 60_000);

  it('packages/core/src/dsp/index.ts', () => {
    expect(publicExports('packages/core/src/dsp/index.ts')).toEqual([
      'type CompressedStft', 'type FrameRows', 'type FrameSink', 'type FrameWindow', 'type FrameWindowerOptions', 'type ResamplerFilter',
      'type ResamplerOptions', 'type ResamplerQuality', 'type StftFrame', 'type WindowValues', 'type WindowerFrame', 'value ENERGY_FLOOR',
      'value FrameWindower', 'value HOP', 'value MAG_FLOOR', 'value N_BINS', 'value N_FFT', 'value PAD',
      'value PEAK_FLOOR', 'value POWER', 'value RealFft', 'value SAMPLE_RATE', 'value StreamingResampler',
      'value StreamingStft', 'value arrayRows', 'value compressedStft', 'value designResamplerFilter', 'value numFrames', 'value peakGain',
    ]);
  }, 60_000);

  it('packages/core/src/pipeline.ts', () => {
    expect(publicExports('packages/core/src/pipeline.ts')).toEqual([
      'type Audio16kSink', 'type LoadSileroVadOptions', 'type ReadyWindow', 'type SessionShape', 'type SileroStep',
      'type VadOptions', 'type WindowEventContext', 'type WindowOutcome', 'type WindowProducerOptions',
      'type WindowShape', 'value CARD_BINS', 'value CARD_CHANNELS', 'value CARD_SAMPLE_RATE',
      'value DEFAULT_MAX_PENDING_WINDOWS', 'value DEFAULT_VAD', 'value SILERO_CONTEXT', 'value SILERO_FRAME',
      'value SILERO_STATE', 'value SpeechGate', 'value WindowProducer', 'value causeFeatures', 'value loadSileroVad',
      'value notScoredOutcome', 'value scoredOutcome', 'value signalEvidence', 'value validateCardAgainstSession',
      'value validateSileroSession', 'value windowEvent',
    ]);
  }, 60_000);
});
