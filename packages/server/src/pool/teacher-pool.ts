/**
 * The teacher pool: windows from every monitored stream go into one queue and are scored in batches by
 * one MosModel, so N streams cost one model execution per batch instead of N. A batch runs when
 * `batchSize` windows wait or when the oldest has waited `maxWaitMs`, whichever comes first; one batch
 * runs at a time (the next one fills meanwhile).
 *
 * Bounded: each stream has at most `maxPendingPerStream` windows waiting. When inference falls behind,
 * a stream's oldest waiting window is skipped ('skipped-backlog') rather than queued without bound; live,
 * a fresh score beats a late one, and one busy stream cannot starve the others' share of the queue.
 */
import type { MosModel } from '@callmos/core';
import { notScoredOutcome, scoredOutcome, type ReadyWindow, type WindowOutcome } from '@callmos/core/pipeline';
import { Subject, type Observable } from 'rxjs';

export interface TeacherPoolOptions {
  /** most windows per model execution; default 16 */
  batchSize?: number;
  /** longest a window waits for its batch to fill, ms; default 50 */
  maxWaitMs?: number;
  /** most windows one stream may have waiting; default 8 */
  maxPendingPerStream?: number;
}

/** One model execution, for metrics and benchmarks. */
export interface BatchRun {
  size: number;
  /** distinct streams in the batch */
  streams: number;
  durationMs: number;
  error?: string;
}

export interface TeacherPoolStats {
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
}

export class TeacherPool {
  readonly batchSize: number;
  readonly maxWaitMs: number;
  readonly maxPendingPerStream: number;
  readonly stats: TeacherPoolStats = { batches: 0, windows: 0, skipped: 0, errors: 0 };
  private readonly queue: Pending[] = [];
  private readonly pendingPerStream = new Map<string, number>();
  private readonly runsSubject = new Subject<BatchRun>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private closed = false;

  constructor(
    readonly model: MosModel,
    options: TeacherPoolOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 16;
    this.maxWaitMs = options.maxWaitMs ?? 50;
    this.maxPendingPerStream = options.maxPendingPerStream ?? 8;
    if (!(Number.isInteger(this.batchSize) && this.batchSize >= 1)) throw new RangeError(`batchSize must be an integer >= 1, got ${options.batchSize}`);
    if (!(this.maxWaitMs >= 0 && Number.isFinite(this.maxWaitMs))) throw new RangeError(`maxWaitMs must be a finite number >= 0, got ${options.maxWaitMs}`);
    if (!(Number.isInteger(this.maxPendingPerStream) && this.maxPendingPerStream >= 1)) {
      throw new RangeError(`maxPendingPerStream must be an integer >= 1, got ${options.maxPendingPerStream}`);
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

  /** Queues a window of `streamId`; resolves with its outcome (scored, skipped or error). Never rejects. */
  submit(streamId: string, window: ReadyWindow): Promise<WindowOutcome> {
    if (this.closed) return Promise.resolve(notScoredOutcome('error', 'teacher pool closed'));
    return new Promise<WindowOutcome>((resolve) => {
      this.queue.push({ streamId, window, queuedAt: performance.now(), resolve });
      const pending = (this.pendingPerStream.get(streamId) ?? 0) + 1;
      this.pendingPerStream.set(streamId, pending);
      if (pending > this.maxPendingPerStream) this.skipOldestOf(streamId);
      this.schedule();
    });
  }

  /** Resolves every waiting window with an error outcome and takes no more. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    for (const p of this.queue.splice(0)) p.resolve(notScoredOutcome('error', 'teacher pool closed'));
    this.pendingPerStream.clear();
    this.runsSubject.complete();
  }

  private skipOldestOf(streamId: string): void {
    const i = this.queue.findIndex((p) => p.streamId === streamId);
    const [oldest] = this.queue.splice(i, 1);
    this.countDone(streamId);
    this.stats.skipped++;
    oldest!.resolve(notScoredOutcome('skipped-backlog'));
  }

  private countDone(streamId: string): void {
    const left = (this.pendingPerStream.get(streamId) ?? 1) - 1;
    if (left > 0) this.pendingPerStream.set(streamId, left);
    else this.pendingPerStream.delete(streamId);
  }

  private schedule(): void {
    if (this.running || this.closed || this.queue.length === 0) return;
    const waited = performance.now() - this.queue[0]!.queuedAt;
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
    const started = performance.now();
    let error: string | undefined;
    try {
      const scores = await this.model.run(batch.map((p) => p.window.data));
      batch.forEach((p, i) => p.resolve(scoredOutcome(scores[i]!)));
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      // One bad window must not cost the other streams their scores: retry the batch window by window.
      await this.runOneByOne(batch);
    }
    const run: BatchRun = {
      size: batch.length,
      streams: new Set(batch.map((p) => p.streamId)).size,
      durationMs: performance.now() - started,
      ...(error !== undefined ? { error } : {}),
    };
    this.stats.batches++;
    this.stats.windows += batch.length;
    this.running = false;
    if (!this.closed) this.runsSubject.next(run);
    this.schedule();
  }

  private async runOneByOne(batch: Pending[]): Promise<void> {
    for (const p of batch) {
      try {
        const [score] = await this.model.run([p.window.data]);
        p.resolve(scoredOutcome(score!));
      } catch (err) {
        this.stats.errors++;
        p.resolve(notScoredOutcome('error', err instanceof Error ? err.message : String(err)));
      }
    }
  }
}
