/**
 * One live stream scored by one model: WindowProducer windows -> MosModel -> ScoreEvents.
 *
 * Windows wait in a FIFO and are run in batches, one batch at a time, so events come out in window
 * order. When inference falls behind, the oldest waiting windows are dropped (reported as
 * 'skipped-backlog') rather than queued without bound: live, a fresh score beats a late one.
 */
import type { NotScoredReason, ScoreEvent } from '../events.js';
import type { MosModel, ModelScore } from '../model/mos-model.js';
import type { ResamplerQuality } from '../dsp/resampler.js';
import type { VadOptions } from './vad.js';
import type { SileroVad } from './silero-vad.js';
import { SpeechDetector } from './speech-detector.js';
import { WindowProducer, type ReadyWindow } from './window-producer.js';
import { notScoredOutcome, scoredOutcome, windowEvent, type WindowOutcome } from './window-event.js';

export interface StreamScorerOptions {
  model: MosModel;
  streamId: string;
  /** sample rate of the pushed audio, Hz */
  inputRate: number;
  vad?: VadOptions;
  /**
   * the speech detector's model (shared by any number of streams): a window is scored only when the
   * energy gate and the detector both find speech in it. Without it, the energy gate alone decides.
   */
  speech?: SileroVad;
  /** most windows waiting for inference before the oldest are skipped; default 32, Infinity never skips */
  maxPendingWindows?: number;
  resamplerQuality?: ResamplerQuality;
  /** wall clock, ms since the epoch; default Date.now */
  now?: () => number;
}

export const DEFAULT_MAX_PENDING_WINDOWS = 32;

interface PendingWindow {
  window: ReadyWindow;
  resolve: (event: ScoreEvent) => void;
}

export class StreamScorer {
  readonly model: MosModel;
  readonly streamId: string;
  private readonly producer: WindowProducer;
  private readonly detector: SpeechDetector | undefined;
  private readonly maxPending: number;
  private readonly now: () => number;
  private readonly waiting: PendingWindow[] = [];
  private draining = false;
  private skipped = 0;
  private failure: unknown = undefined;

  constructor(options: StreamScorerOptions) {
    this.model = options.model;
    this.streamId = options.streamId;
    this.now = options.now ?? Date.now;
    this.maxPending = options.maxPendingWindows ?? DEFAULT_MAX_PENDING_WINDOWS;
    if (!(this.maxPending >= 1)) throw new RangeError(`maxPendingWindows must be >= 1, got ${options.maxPendingWindows}`);
    // a scorer that never drops windows (offline) never drops detector frames either: a long push is not a backlog
    const detectorOptions = this.maxPending === Infinity ? { maxPendingFrames: Infinity, ...options.vad?.detector } : options.vad?.detector;
    this.detector = options.speech ? new SpeechDetector(options.speech, detectorOptions) : undefined;
    this.producer = new WindowProducer({
      card: options.model.card,
      inputRate: options.inputRate,
      vad: options.vad,
      detector: this.detector,
      resamplerQuality: options.resamplerQuality,
      now: this.now,
    });
  }

  /** Windows dropped so far because inference fell behind. */
  get skippedWindows(): number {
    return this.skipped;
  }

  /** The last inference error (its events carry only the message), for callers that must fail on it. */
  get lastError(): unknown {
    return this.failure;
  }

  /** Stream time pushed so far, seconds. */
  get duration(): number {
    return this.producer.duration;
  }

  /** Feeds audio (any chunk size); resolves with the events of the windows it completed, in order. */
  push(samples: ArrayLike<number>): Promise<ScoreEvent[]> {
    let windows: ReadyWindow[];
    try {
      windows = this.producer.push(samples);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.schedule(windows);
  }

  /** Ends the stream (flush, short-clip rule); resolves with the last events. */
  end(): Promise<ScoreEvent[]> {
    return this.schedule(this.producer.end());
  }

  private schedule(windows: ReadyWindow[]): Promise<ScoreEvent[]> {
    if (!this.detector) return this.enqueueAll(windows);
    const detector = this.detector;
    // Judged together, queued together: the model then sees the same batches as without a detector.
    // Verdicts come in window order, so windows still reach the model queue in order.
    return Promise.all(windows.map((w) => detector.judge(w).catch((err: unknown) => ({ window: w, error: err })))).then((verdicts) => {
      const events = verdicts.map((v): Promise<ScoreEvent> => {
        if ('error' in v) {
          this.failure = v.error;
          return Promise.resolve(this.notScored(v.window, 'error', v.error instanceof Error ? v.error.message : String(v.error)));
        }
        if (v.skipped) {
          this.skipped++;
          return Promise.resolve(this.notScored(v.window, 'skipped-backlog'));
        }
        return this.enqueue(v.window);
      });
      this.startDrain();
      return Promise.all(events);
    });
  }

  private enqueueAll(windows: ReadyWindow[]): Promise<ScoreEvent[]> {
    const events = windows.map((window) => this.enqueue(window));
    this.startDrain();
    return Promise.all(events);
  }

  private enqueue(window: ReadyWindow): Promise<ScoreEvent> {
    return window.speech
      ? new Promise<ScoreEvent>((resolve) => this.waiting.push({ window, resolve }))
      : Promise.resolve(this.notScored(window, 'no-speech'));
  }

  private startDrain(): void {
    this.dropBacklog();
    if (!this.draining) void this.drain();
  }

  private dropBacklog(): void {
    while (this.waiting.length > this.maxPending) {
      const oldest = this.waiting.shift()!;
      this.skipped++;
      oldest.resolve(this.notScored(oldest.window, 'skipped-backlog'));
    }
  }

  /** Runs waiting windows batch by batch until none are left; never rejects (failures become events). */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.model.maxBatch);
        let scores: ModelScore[];
        try {
          scores = await this.model.run(batch.map((p) => p.window.data));
        } catch (err) {
          this.failure = err;
          const message = err instanceof Error ? err.message : String(err);
          for (const p of batch) p.resolve(this.notScored(p.window, 'error', message));
          continue;
        }
        batch.forEach((p, i) => p.resolve(this.scored(p.window, scores[i]!)));
      }
    } finally {
      this.draining = false;
    }
  }

  private scored(w: ReadyWindow, score: ModelScore): ScoreEvent {
    return this.event(w, scoredOutcome(score));
  }

  private notScored(w: ReadyWindow, reason: NotScoredReason, error?: string): ScoreEvent {
    return this.event(w, notScoredOutcome(reason, error));
  }

  private event(w: ReadyWindow, outcome: WindowOutcome): ScoreEvent {
    return windowEvent(w, outcome, { streamId: this.streamId, model: this.model.id, now: this.now(), skippedWindows: this.skipped });
  }
}
