/**
 * The one window scheduler: windows of any number of streams wait in one FIFO and are scored in batches by
 * one MosModel, one batch at a time (the next fills meanwhile). Used by StreamScorer (one stream, or a
 * scheduler shared by the streams of a browser worker), and by @callmos/server's monitor (every forwarded
 * stream through one model): N streams cost one model execution per batch instead of N.
 *
 * A batch runs when `batchSize` windows wait or the oldest has waited `maxWaitMs` (0: as soon as the model
 * is free, taking whatever waits by then). Bounded: each stream has at most `maxPendingPerStream` windows
 * waiting; beyond that its oldest waiting window is skipped ('skipped-backlog'). Live, a fresh score beats a
 * late one, and one busy stream cannot starve the others' share of the queue. A batch that fails is retried
 * window by window, so one bad window costs only its own score.
 */
import { Subject, type Observable } from 'rxjs';
import type { ModelScore, MosModel } from '../model/mos-model.js';
import type { WindowRequest } from '../model/streamed-features.js';
import { notScoredOutcome, scoredOutcome, type WindowOutcome } from './window-event.js';
import type { ReadyWindow } from './window-producer.js';

export interface WindowSchedulerOptions {
  /** most windows per model execution; default the model's maxBatch */
  batchSize?: number;
  /** longest a window waits for its batch to fill, ms; default 0 (run as soon as the model is free) */
  maxWaitMs?: number;
  /** most windows one stream may have waiting; default 32. Infinity never skips (offline scoring) */
  maxPendingPerStream?: number;
  /** monotonic ms clock for the waits; default performance.now */
  clock?: () => number;
}

/** One model execution, for metrics and benchmarks. */
export interface BatchRun {
  size: number;
  /** distinct streams in the batch */
  streams: number;
  durationMs: number;
  error?: string;
}

export interface WindowSchedulerStats {
  batches: number;
  windows: number;
  skipped: number;
  errors: number;
}

interface Pending {
  streamId: string;
  window: ReadyWindow;
  queuedAt: number;
  resolve: (outcome: WindowOutcome) => void;
  onSkipped: (() => void) | undefined;
}

export class WindowScheduler {
  readonly batchSize: number;
  readonly maxWaitMs: number;
  readonly maxPendingPerStream: number;
  readonly stats: WindowSchedulerStats = { batches: 0, windows: 0, skipped: 0, errors: 0 };
  private readonly clock: () => number;
  private readonly queue: Pending[] = [];
  private readonly pendingPerStream = new Map<string, number>();
  private readonly runsSubject = new Subject<BatchRun>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private closed = false;
  private failure: unknown = undefined;

  constructor(
    readonly model: MosModel,
    options: WindowSchedulerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? model.maxBatch;
    this.maxWaitMs = options.maxWaitMs ?? 0;
    this.maxPendingPerStream = options.maxPendingPerStream ?? 32;
    this.clock = options.clock ?? (() => performance.now());
    if (!(Number.isInteger(this.batchSize) && this.batchSize >= 1)) throw new RangeError(`batchSize must be an integer >= 1, got ${options.batchSize}`);
    if (!(this.maxWaitMs >= 0 && Number.isFinite(this.maxWaitMs))) throw new RangeError(`maxWaitMs must be a finite number >= 0, got ${options.maxWaitMs}`);
    const bound = this.maxPendingPerStream;
    if (!((Number.isInteger(bound) || bound === Infinity) && bound >= 1)) {
      throw new RangeError(`maxPendingPerStream must be an integer >= 1 or Infinity, got ${options.maxPendingPerStream}`);
    }
  }

  /** Every model execution, as it finishes. */
  get runs$(): Observable<BatchRun> {
    return this.runsSubject.asObservable();
  }

  /** Windows waiting now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** The last inference error (outcomes carry only its message), for callers that must fail on it. */
  get lastError(): unknown {
    return this.failure;
  }

  /**
   * Queues a window of `streamId`; resolves with its outcome (scored, skipped or error). Never rejects.
   * `onSkipped` runs synchronously when the window is dropped for a newer one (a stream's skip count is then
   * current as soon as the push that caused it returns).
   */
  submit(streamId: string, window: ReadyWindow, onSkipped?: () => void): Promise<WindowOutcome> {
    const outcome = this.enqueue(streamId, window, onSkipped);
    this.schedule();
    return outcome;
  }

  /**
   * Queues windows of one stream together (a push that completed several): they can share a batch even when
   * the model is free now. Outcomes in the windows' order; `onSkipped(i)` as in submit.
   */
  submitAll(streamId: string, windows: readonly ReadyWindow[], onSkipped?: (index: number) => void): Promise<WindowOutcome>[] {
    const outcomes = windows.map((w, i) => this.enqueue(streamId, w, onSkipped && (() => onSkipped(i))));
    this.schedule();
    return outcomes;
  }

  private enqueue(streamId: string, window: ReadyWindow, onSkipped: (() => void) | undefined): Promise<WindowOutcome> {
    if (this.closed) return Promise.resolve(notScoredOutcome('error', 'window scheduler closed'));
    return new Promise<WindowOutcome>((resolve) => {
      this.queue.push({ streamId, window, queuedAt: this.clock(), resolve, onSkipped });
      const pending = (this.pendingPerStream.get(streamId) ?? 0) + 1;
      this.pendingPerStream.set(streamId, pending);
      if (pending > this.maxPendingPerStream) this.skipOldestOf(streamId);
    });
  }

  /**
   * A stream ended: the model drops what it kept for it (streamed inference). Call after its last window's
   * outcome; a later window of the same id is scored whole.
   */
  forget(streamId: string): Promise<boolean> {
    return this.model.forget(streamId);
  }

  /** Resolves every waiting window with an error outcome and takes no more. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    for (const p of this.queue.splice(0)) p.resolve(notScoredOutcome('error', 'window scheduler closed'));
    this.pendingPerStream.clear();
    this.runsSubject.complete();
  }

  private skipOldestOf(streamId: string): void {
    const i = this.queue.findIndex((p) => p.streamId === streamId);
    const [oldest] = this.queue.splice(i, 1);
    this.countDone(streamId);
    this.stats.skipped++;
    oldest!.onSkipped?.();
    oldest!.resolve(notScoredOutcome('skipped-backlog'));
  }

  private countDone(streamId: string): void {
    const left = (this.pendingPerStream.get(streamId) ?? 1) - 1;
    if (left > 0) this.pendingPerStream.set(streamId, left);
    else this.pendingPerStream.delete(streamId);
  }

  private schedule(): void {
    if (this.running || this.closed || this.queue.length === 0) return;
    const waited = this.clock() - this.queue[0]!.queuedAt;
    if (this.queue.length >= this.batchSize || waited >= this.maxWaitMs) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.runBatch();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, this.maxWaitMs - waited);
    }
  }

  private async runBatch(): Promise<void> {
    this.running = true;
    const batch = this.queue.splice(0, this.batchSize);
    for (const p of batch) this.countDone(p.streamId);
    const started = this.clock();
    let error: string | undefined;
    try {
      const scores: ModelScore[] = await this.model.scoreWindows(batch.map(request));
      batch.forEach((p, i) => p.resolve(scoredOutcome(scores[i]!)));
    } catch (err) {
      this.failure = err;
      error = err instanceof Error ? err.message : String(err);
      // one bad window must not cost the other windows of its batch their scores
      await (batch.length > 1 ? this.runOneByOne(batch) : this.fail(batch[0]!, err));
    }
    this.stats.batches++;
    this.stats.windows += batch.length;
    this.running = false;
    if (!this.closed) {
      const streams = new Set(batch.map((p) => p.streamId)).size;
      this.runsSubject.next({ size: batch.length, streams, durationMs: this.clock() - started, ...(error !== undefined ? { error } : {}) });
    }
    this.schedule();
  }

  private async runOneByOne(batch: Pending[]): Promise<void> {
    for (const p of batch) {
      try {
        const [score] = await this.model.scoreWindows([request(p)]);
        p.resolve(scoredOutcome(score!));
      } catch (err) {
        this.fail(p, err);
      }
    }
  }

  private fail(p: Pending, err: unknown): void {
    this.failure = err;
    this.stats.errors++;
    p.resolve(notScoredOutcome('error', err instanceof Error ? err.message : String(err)));
  }
}

function request(p: Pending): WindowRequest {
  return { streamId: p.streamId, index: p.window.index, data: p.window.frames, shortClip: p.window.shortClip };
}
