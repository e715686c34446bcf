/**
 * One live stream scored by one model: WindowProducer windows -> WindowScheduler -> MosModel -> ScoreEvents.
 *
 * Windows are batched by the one window scheduler, FIFO, so events come out in window order. When inference
 * falls behind, the oldest waiting windows are dropped (reported as 'skipped-backlog') rather than queued
 * without bound: live, a fresh score beats a late one. Streams of one host may share a scheduler (option
 * `scheduler`: one batched model run for all of them); otherwise each scorer has its own.
 */
import type { ScoreEvent } from '../events.js';
import type { MosModel } from '../model/mos-model.js';
import type { ResamplerQuality } from '../dsp/resampler.js';
import type { VadOptions } from './vad.js';
import type { SileroVad } from './silero-vad.js';
import { SpeechDetector } from './speech-detector.js';
import { WindowProducer, type ReadyWindow } from './window-producer.js';
import { notScoredOutcome, windowEvent, type WindowOutcome } from './window-event.js';
import { WindowScheduler } from './window-scheduler.js';

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
  /**
   * a scheduler shared with other streams of `model` (their windows batched together); its per-stream
   * bound then applies instead of maxPendingWindows. Default: a scheduler of this stream's own
   */
  scheduler?: WindowScheduler;
  resamplerQuality?: ResamplerQuality;
  /** wall clock, ms since the epoch; default Date.now */
  now?: () => number;
}

export const DEFAULT_MAX_PENDING_WINDOWS = 32;

/** Scorers made so far: each has its own key in the scheduler and the model (see StreamScorer.key). */
let scorers = 0;

export class StreamScorer {
  readonly model: MosModel;
  readonly streamId: string;
  private readonly producer: WindowProducer;
  private readonly detector: SpeechDetector | undefined;
  private readonly scheduler: WindowScheduler;
  private readonly now: () => number;
  private skipped = 0;
  private failure: unknown = undefined;
  /**
   * This scorer's key in the scheduler and the model, never another's: streamed inference keeps a stream's
   * last window under it, so two scorers with one streamId (concurrent scoreClip calls, a stream restarted
   * after a gap) must not continue each other's windows. Events carry streamId.
   */
  private readonly key: string;
  /** settles once every window pushed so far has its outcome (end() forgets the key after it) */
  private settled: Promise<unknown> = Promise.resolve();

  constructor(options: StreamScorerOptions) {
    this.model = options.model;
    this.streamId = options.streamId;
    this.now = options.now ?? Date.now;
    this.key = `${options.streamId}#${++scorers}`;
    const maxPending = options.maxPendingWindows ?? DEFAULT_MAX_PENDING_WINDOWS;
    if (!(maxPending >= 1)) throw new RangeError(`maxPendingWindows must be >= 1, got ${options.maxPendingWindows}`);
    if (options.scheduler && options.scheduler.model !== options.model) throw new RangeError('the shared scheduler runs another model');
    this.scheduler = options.scheduler ?? new WindowScheduler(options.model, { maxPendingPerStream: maxPending });
    // a scorer that never drops windows (offline) never drops detector frames either: a long push is not a backlog
    const detectorOptions = maxPending === Infinity ? { maxPendingFrames: Infinity, ...options.vad?.detector } : options.vad?.detector;
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

  /**
   * Ends the stream (flush, short-clip rule); resolves with the last events once every window of the stream
   * has its outcome and the model has dropped what it kept for it.
   */
  async end(): Promise<ScoreEvent[]> {
    const last = this.schedule(this.producer.end());
    try {
      return await last;
    } finally {
      await this.settled;
      await this.scheduler.forget(this.key);
    }
  }

  /**
   * Drops the stream without its tail (no flush, no short-clip window: a stream cut by a gap, or closed):
   * resolves once the windows pushed so far have their outcomes and the model has forgotten the stream.
   */
  async abandon(): Promise<void> {
    await this.settled;
    await this.scheduler.forget(this.key);
  }

  private schedule(windows: ReadyWindow[]): Promise<ScoreEvent[]> {
    const events = this.scheduleWindows(windows);
    this.settled = Promise.allSettled([this.settled, events]);
    return events;
  }

  private scheduleWindows(windows: ReadyWindow[]): Promise<ScoreEvent[]> {
    if (!this.detector) return Promise.all(this.enqueue(windows));
    const detector = this.detector;
    // Judged together, queued together: the model then sees the same batches as without a detector.
    // Verdicts come in window order, so windows still reach the model queue in order.
    return Promise.all(windows.map((w) => detector.judge(w).catch((err: unknown) => ({ window: w, error: err })))).then((verdicts) => {
      const judged: ReadyWindow[] = [];
      const events = verdicts.map((v): ScoreEvent | number => {
        if ('error' in v) {
          this.failure = v.error;
          return this.event(v.window, notScoredOutcome('error', v.error instanceof Error ? v.error.message : String(v.error)));
        }
        if (v.skipped) {
          this.skipped++;
          return this.event(v.window, notScoredOutcome('skipped-backlog'));
        }
        return judged.push(v.window) - 1;
      });
      const queued = this.enqueue(judged);
      return Promise.all(events.map((e) => (typeof e === 'number' ? queued[e]! : e)));
    });
  }

  /** Events of `windows` in order: speech windows through the scheduler (together), the others at once. */
  private enqueue(windows: ReadyWindow[]): Promise<ScoreEvent>[] {
    const speech = windows.filter((w) => w.speech);
    // a skip is counted when it happens (skippedWindows is current once push() returns), its event later
    const skippedAt: number[] = [];
    const outcomes = this.scheduler.submitAll(this.key, speech, (i) => (skippedAt[i] = ++this.skipped));
    let next = 0;
    return windows.map((w) => {
      if (!w.speech) return Promise.resolve(this.event(w, notScoredOutcome('no-speech')));
      const i = next++;
      return outcomes[i]!.then((outcome) => {
        if (outcome.reason === 'error') this.failure = this.scheduler.lastError;
        return this.event(w, outcome, skippedAt[i] ?? this.skipped);
      });
    });
  }

  private event(w: ReadyWindow, outcome: WindowOutcome, skippedWindows = this.skipped): ScoreEvent {
    return windowEvent(w, outcome, { streamId: this.streamId, model: this.model.id, now: this.now(), skippedWindows });
  }
}
