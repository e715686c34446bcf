/**
 * `@callmos/core/pipeline`: the pieces StreamScorer is made of, for a host that scores windows its own
 * way, e.g. @callmos/server gathering the windows of every stream into one batched model run. Audio in,
 * ReadyWindows out (WindowProducer, with the speech gate); a window and its outcome in, a ScoreEvent out
 * (windowEvent). Batching windows of many streams through one model is `WindowScheduler` (the root entry). Apps scoring one stream use StreamScorer from `@callmos/core` instead.
 */
export { WindowProducer, type WindowProducerOptions, type WindowShape, type ReadyWindow } from './scoring/window-producer.js';
export { SpeechGate, DEFAULT_VAD, type VadOptions } from './scoring/vad.js';
export { DEFAULT_MAX_PENDING_WINDOWS } from './scoring/stream-scorer.js';
export {
  windowEvent,
  scoredOutcome,
  notScoredOutcome,
  type WindowOutcome,
  type WindowEventContext,
} from './scoring/window-event.js';
export { validateCardAgainstSession, type SessionShape } from './model/contract.js';
export { CARD_SAMPLE_RATE, CARD_CHANNELS, CARD_BINS } from './model/card.js';
export { validateSileroSession, SILERO_FRAME, SILERO_CONTEXT, SILERO_STATE, type SileroStep } from './scoring/silero-vad.js';
export type { Audio16kSink } from './scoring/window-producer.js';
export { loadSileroVad, type LoadSileroVadOptions } from './scoring/load-silero-vad.js';
export { causeFeatures } from './scoring/cause.js';
export { signalEvidence } from './scoring/signal-evidence.js';
