/**
 * @callmos/core: streaming DSP, the model contract, scoring and the telemetry types. Pure TypeScript,
 * no I/O; onnxruntime is reached only through onnxruntime-common's InferenceSession, injected by the host.
 */

// telemetry contract
export * from './events.js';

// DSP: 16 kHz resampling, compressed STFT frames, model-input windows
export * from './dsp/index.js';

// model contract
export {
  parseModelCard,
  modelId,
  CARD_VERSION,
  CARD_SAMPLE_RATE,
  CARD_CHANNELS,
  CARD_BINS,
  type ModelCard,
  type ModelCardInput,
  type ModelCardOutputs,
  type GoldenCase,
} from './model/card.js';
export { validateCardAgainstSession, type SessionShape } from './model/contract.js';
export { CardError, ModelContractError, ModelRunError, SpeechModelError } from './model/errors.js';
export { MosModel, type ModelScore, type MosModelOptions, type TensorConstructor } from './model/mos-model.js';

// scoring
export { SpeechGate, DEFAULT_VAD, type VadOptions } from './scoring/vad.js';
export { SileroVad, validateSileroSession, SILERO_FRAME, SILERO_CONTEXT, SILERO_STATE, type SileroVadOptions, type SileroStep } from './scoring/silero-vad.js';
export { SpeechDetector, DEFAULT_SPEECH_DETECTOR, type SpeechDetectorOptions, type SpeechVerdict } from './scoring/speech-detector.js';
export { WindowProducer, type WindowProducerOptions, type WindowShape, type ReadyWindow, type Audio16kSink } from './scoring/window-producer.js';
export { StreamScorer, DEFAULT_MAX_PENDING_WINDOWS, type StreamScorerOptions } from './scoring/stream-scorer.js';
export {
  windowEvent,
  scoredOutcome,
  notScoredOutcome,
  type WindowOutcome,
  type WindowEventContext,
} from './scoring/window-event.js';
export { scoreClip, type ScoreClipOptions, type ClipScore, type ClipNotScoredReason } from './scoring/score-clip.js';
export * from './scoring/aggregator.js';
export * from './scoring/operators.js';

// network MOS (E-model)
export * from './network/index.js';
