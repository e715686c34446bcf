/**
 * A MOS model: a validated card plus an InferenceSession injected by the host (onnxruntime-node on the
 * server, onnxruntime-web in browsers). Core never imports a backend; it only builds onnxruntime-common
 * Tensors, with the host's Tensor class when it passes one (a bundled second copy of onnxruntime-common
 * would otherwise make `instanceof Tensor` checks in the backend fail).
 */
import { Tensor } from 'onnxruntime-common';
import type { InferenceSession } from 'onnxruntime-common';
import { modelId, parseModelCard, type ModelCard } from './card.js';
import { validateCardAgainstSession } from './contract.js';
import { ModelContractError, ModelRunError } from './errors.js';
import { StreamedFeatures, type WindowRequest } from './streamed-features.js';
import { pairNameProblems, type StreamingPairSessions } from './streaming-check.js';
import type { TensorConstructor } from './tensor.js';
import { streamingPlan } from './streaming-plan.js';
import { copyWindowRows, windowValueCount } from '../dsp/window-frames.js';

export type { TensorConstructor } from './tensor.js';

/** One window's prediction: MOS clamped to the card's range, dims keyed by the card's names. */
export interface ModelScore {
  mos: number;
  dims: Record<string, number>;
}

export interface MosModelOptions {
  /** Most windows per session.run; larger requests are split (bounds peak memory). Default 16. */
  maxBatch?: number;
  /** streamed inference: most streams whose last window's features are kept (least recent dropped). Default 1024 */
  maxStreams?: number;
}

/** The card's streaming pair, opened by the host (streaming-plan.ts): front end and back end sessions. */
export type StreamingSessions = StreamingPairSessions;

export class MosModel {
  /** `name@version`, as carried by ScoreEvents */
  readonly id: string;
  /** floats in one window: 2 * 161 * W */
  readonly windowSize: number;
  /** most windows per session.run */
  readonly maxBatch: number;
  /** Runs are serialised: onnxruntime-web rejects a run on a session that is still running one. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly streamed: { features: StreamedFeatures; back: InferenceSession } | undefined;

  private constructor(
    readonly card: ModelCard,
    private readonly session: InferenceSession,
    private readonly TensorCtor: TensorConstructor,
    options: MosModelOptions,
    streaming: StreamingSessions | undefined,
  ) {
    this.id = modelId(card);
    this.windowSize = card.input.channels * card.input.bins * card.input.windowFrames;
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 16));
    if (streaming && card.streaming) {
      const plan = streamingPlan(card.streaming, card.input);
      const maxStreams = options.maxStreams ?? 1024;
      if (!(Number.isInteger(maxStreams) && maxStreams >= 1)) throw new RangeError(`maxStreams must be an integer >= 1, got ${options.maxStreams}`);
      const names = { input: card.streaming.front.input, output: card.streaming.front.output };
      this.streamed = { features: new StreamedFeatures(this.id, plan, streaming.front, names, TensorCtor, maxStreams), back: streaming.back };
    }
  }

  /**
   * Validates the card (again: it may come from untyped JSON) and the graph against it; throws CardError
   * or ModelContractError naming every problem. Async so that a backend needing a warm-up can get one.
   */
  static async load(
    card: ModelCard,
    session: InferenceSession,
    TensorCtor: TensorConstructor = Tensor,
    options: MosModelOptions = {},
    streaming?: StreamingSessions,
  ): Promise<MosModel> {
    const parsed = parseModelCard(card);
    validateCardAgainstSession(parsed, session);
    if (streaming) {
      const problems = pairNameProblems(parsed, streaming);
      if (problems.length > 0) throw new ModelContractError(modelId(parsed), problems);
    }
    return new MosModel(parsed, session, TensorCtor, options, streaming);
  }

  /** Whether windows are scored by the streaming pair (the front end once per hop). */
  get streaming(): boolean {
    return this.streamed !== undefined;
  }

  /** Streamed inference's counts (windows assembled from a hop run vs whole-window front runs, the largest of those runs). */
  get streamingStats(): { hopRuns: number; fullRuns: number; largestWholeRun: number; streams: number } | undefined {
    const f = this.streamed?.features;
    return f && { ...f.stats, streams: f.streams };
  }

  /**
   * Scores windows of any streams (the scheduler's entry point). With the streaming pair, a window that
   * follows its stream's last scored one costs one hop of front end; otherwise, and without the pair, the
   * whole window runs. The scores are the window model's either way.
   */
  async scoreWindows(requests: readonly WindowRequest[]): Promise<ModelScore[]> {
    for (const q of requests) {
      const n = windowValueCount(q.data);
      if (n !== this.windowSize) {
        throw new RangeError(`${this.id}: a window has ${n} floats, expected ${this.windowSize} ([2, 161, ${this.card.input.windowFrames}])`);
      }
    }
    const streamed = this.streamed;
    if (!streamed) {
      // the windows copied straight into one batch (a ReadyWindow's frames are not one array)
      const { channels, bins, windowFrames } = this.card.input;
      const batch = new Float32Array(requests.length * this.windowSize);
      requests.forEach((q, b) => copyWindowRows(q.data, windowFrames, 0, channels * bins, 0, windowFrames, batch, b * this.windowSize));
      return this.run(batch, requests.length);
    }
    const { steps, featureSize } = streamed.features.plan;
    const scores: ModelScore[] = [];
    for (let first = 0; first < requests.length; first += this.maxBatch) {
      const part = requests.slice(first, first + this.maxBatch);
      scores.push(
        ...(await this.serialised(async () => {
          const features = await streamed.features.features(part);
          const feed = new this.TensorCtor('float32', features, [part.length, steps, featureSize]);
          return this.runGraph(streamed.back, this.card.streaming!.back.input, feed, part.length, first);
        })),
      );
    }
    return scores;
  }

  /**
   * The stream ended: its kept features are dropped, after any run in flight (which could keep them again).
   * Resolves true if any were kept (never without the streaming pair).
   */
  forget(streamId: string): Promise<boolean> {
    const features = this.streamed?.features;
    if (!features) return Promise.resolve(false);
    return this.serialised(async () => features.forget(streamId));
  }

  /**
   * Scores `n` windows, each Float32 [2, 161, W]: an array of windows, or one batched array of
   * n * windowSize floats. `n` defaults to all the windows given.
   */
  async run(windows: readonly Float32Array[] | Float32Array, n?: number): Promise<ModelScore[]> {
    const batch = this.toBatch(windows, n);
    const count = batch.length / this.windowSize;
    const scores: ModelScore[] = [];
    for (let first = 0; first < count; first += this.maxBatch) {
      const size = Math.min(this.maxBatch, count - first);
      const part = batch.subarray(first * this.windowSize, (first + size) * this.windowSize);
      scores.push(...(await this.serialised(() => this.runBatch(part, size, first))));
    }
    return scores;
  }

  /** Releases the sessions (the host may also do it itself; a released model cannot run). */
  release(): Promise<void> {
    const streamed = this.streamed;
    return this.serialised(async () => {
      // every session is released even when one fails to; the first failure is reported
      const results = await Promise.allSettled([this.session.release(), ...(streamed ? [streamed.features.release(), streamed.back.release()] : [])]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
  }

  private toBatch(windows: readonly Float32Array[] | Float32Array, n: number | undefined): Float32Array {
    const size = this.windowSize;
    if (windows instanceof Float32Array) {
      const count = n ?? windows.length / size;
      if (!Number.isInteger(count) || count < 0 || count * size > windows.length) {
        throw new RangeError(`${this.id}: a batch of ${n ?? '?'} windows needs a multiple of ${size} floats, got ${windows.length}`);
      }
      return windows.subarray(0, count * size);
    }
    const count = n ?? windows.length;
    if (!Number.isInteger(count) || count < 0 || count > windows.length) {
      throw new RangeError(`${this.id}: asked to score ${count} windows, got ${windows.length}`);
    }
    const batch = new Float32Array(count * size);
    for (let i = 0; i < count; i++) {
      const w = windows[i]!;
      if (w.length !== size) {
        throw new RangeError(`${this.id}: window ${i} has ${w.length} floats, expected ${size} ([2, 161, ${this.card.input.windowFrames}])`);
      }
      batch.set(w, i * size);
    }
    return batch;
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined); // the caller gets the error through `next`; the queue only waits for it
    return next;
  }

  private runBatch(batch: Float32Array, n: number, firstIndex: number): Promise<ModelScore[]> {
    const { input } = this.card;
    const feed = new this.TensorCtor('float32', batch, [n, input.channels, input.bins, input.windowFrames]);
    return this.runGraph(this.session, input.name, feed, n, firstIndex);
  }

  /** One run of the window graph or the streaming back end: both return the card's mos and dims. */
  private async runGraph(session: InferenceSession, inputName: string, feed: Tensor, n: number, firstIndex: number): Promise<ModelScore[]> {
    const { outputs } = this.card;
    const fetches = outputs.dims ? [outputs.mos.name, outputs.dims.name] : [outputs.mos.name];
    let result: InferenceSession.ReturnType;
    try {
      result = await session.run({ [inputName]: feed }, fetches);
    } catch (cause) {
      throw new ModelRunError(this.id, `inference failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    try {
      const mos = this.outputValues(result, outputs.mos.name, n);
      const dimNames = outputs.dims?.names ?? [];
      const dims = outputs.dims ? this.outputValues(result, outputs.dims.name, n * dimNames.length) : undefined;
      const [lo, hi] = outputs.mos.range;
      return Array.from({ length: n }, (_, b) => {
        const score: ModelScore = { mos: Math.min(hi, Math.max(lo, this.finite(mos[b]!, outputs.mos.name, firstIndex + b))), dims: {} };
        dimNames.forEach((name, d) => {
          score.dims[name] = this.finite(dims![b * dimNames.length + d]!, `${outputs.dims!.name}[${name}]`, firstIndex + b);
        });
        return score;
      });
    } finally {
      for (const value of Object.values(result)) (value as { dispose?: () => void }).dispose?.();
    }
  }

  private outputValues(result: InferenceSession.ReturnType, name: string, expected: number): ArrayLike<number> {
    const value = result[name];
    const data = (value as { data?: unknown } | undefined)?.data;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new ModelRunError(this.id, `output "${name}" is missing or not a float tensor`);
    }
    const values = data;
    if (values.length !== expected) {
      throw new ModelRunError(this.id, `output "${name}" has ${values.length} values, expected ${expected}`);
    }
    return values;
  }

  private finite(x: number, output: string, window: number): number {
    if (!Number.isFinite(x)) throw new ModelRunError(this.id, `returned ${x} in output "${output}" for window ${window} of the batch`);
    return x;
  }
}
