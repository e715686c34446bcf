/**
 * ReadyWindow + outcome -> ScoreEvent. The one place that fills the telemetry contract from a window, so
 * that every scorer (StreamScorer here, the server's batched teacher pool that runs windows of many
 * streams through one model) emits the same events.
 */
import { SCORE_EVENT_VERSION, type NotScoredReason, type ScoreEvent } from '../events.js';
import type { ModelScore } from '../model/mos-model.js';
import type { ReadyWindow } from './window-producer.js';

/** What happened to one window: scored by the model, or not (and why). */
export type WindowOutcome = Pick<ScoreEvent, 'scored' | 'reason' | 'error' | 'mos' | 'dims'>;

export function scoredOutcome(score: ModelScore): WindowOutcome {
  return { scored: true, mos: score.mos, dims: score.dims };
}

export function notScoredOutcome(reason: NotScoredReason, error?: string): WindowOutcome {
  return { scored: false, reason, ...(error !== undefined ? { error } : {}), mos: null, dims: {} };
}

export interface WindowEventContext {
  streamId: string;
  /** `name@version` of the model card */
  model: string;
  /** wall-clock ms of emission */
  now: number;
  /** windows dropped so far on the stream; carried only when > 0 */
  skippedWindows?: number;
}

export function windowEvent(window: ReadyWindow, outcome: WindowOutcome, context: WindowEventContext): ScoreEvent {
  const { streamId, model, now, skippedWindows = 0 } = context;
  return {
    v: SCORE_EVENT_VERSION,
    streamId,
    model,
    start: window.start,
    end: window.end,
    ...outcome,
    speechRatio: window.speechRatio,
    signal: window.signal,
    latencyMs: Math.max(0, now - window.arrivedAt),
    timestamp: now,
    ...(skippedWindows > 0 ? { skippedWindows } : {}),
  };
}
