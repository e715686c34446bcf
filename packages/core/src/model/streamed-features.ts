/**
 * The front half of streamed inference (streaming-plan.ts): each window's feature steps, with the conv
 * front end run once per new hop instead of over the whole window. Per stream it keeps the last window's
 * features; a window whose predecessor (index - 1 of the same stream) is not kept, e.g. after a no-speech
 * gap, a skipped window, a short clip or an evicted stream, gets one front run over the whole window, which
 * is what the window model computes. Every window's features are therefore the window model's, whatever
 * arrives: the cache only ever saves work.
 *
 * A batch's front runs are batched by kind: one run for the hop inputs, one for the left edges, and whole
 * windows in runs of at most MAX_WHOLE_WINDOWS_PER_RUN. The cache is bounded (least recently used streams are
 * dropped) and a host forgets a stream when it ends.
 */
import type { InferenceSession } from 'onnxruntime-common';
import type { TensorConstructor } from './tensor.js';
import { ModelRunError } from './errors.js';
import { ReusableFloats } from './reusable-floats.js';
import type { StreamingPlan } from './streaming-plan.js';
import { copyWindowRows, type WindowValues } from '../dsp/window-frames.js';

/**
 * Whole windows per front-end run. onnxruntime's CPU arena keeps the activations of the largest run a session
 * has made, for good: whole-window runs come in bursts (streams starting together, speech resuming after a
 * gap), and a burst of 16 tiny windows grew the process by ~190 MB (2 windows: ~23 MB). In runs of two, the
 * full bench's resident memory per added stream fell from 3.1-3.7 to 1.8-2.5 MB (bench/RESULTS.md) for +2-6 %
 * on those runs, under 1 % of the plugin's CPU (whole-window runs are ~9 % of windows there). Measured on
 * CPU; on CUDA, where batches are nearly free, the same cap costs a few more runs at stream starts.
 */
export const MAX_WHOLE_WINDOWS_PER_RUN = 2;

/** One window to score and the stream it comes from. */
export interface WindowRequest {
  /** the stream the window belongs to: consecutive windows of one stream share front-end work */
  streamId: string;
  /** the window's number in its stream (ReadyWindow.index) */
  index: number;
  /** the window's values [channels, bins, W]: one array, or rows to copy from (a ReadyWindow's frames) */
  data: WindowValues;
  /** the one window of a repeated short clip: scored whole, never kept */
  shortClip?: boolean;
}

export interface StreamedFeatureStats {
  /** windows assembled from the previous window's features and one hop run */
  hopRuns: number;
  /** windows whose front end ran over the whole window */
  fullRuns: number;
  /** the most windows one whole-window front run took (at most MAX_WHOLE_WINDOWS_PER_RUN) */
  largestWholeRun: number;
}

interface Kept {
  index: number;
  features: Float32Array;
}

export class StreamedFeatures {
  readonly stats: StreamedFeatureStats = { hopRuns: 0, fullRuns: 0, largestWholeRun: 0 };
  private readonly kept = new Map<string, Kept>();
  /** the front end's input, built in place run after run */
  private readonly frontInput = new ReusableFloats();

  constructor(
    private readonly modelId: string,
    readonly plan: StreamingPlan,
    private readonly front: InferenceSession,
    private readonly names: { input: string; output: string },
    private readonly TensorCtor: TensorConstructor,
    /** most streams whose last window is kept; beyond it the least recently scored is dropped */
    readonly maxStreams: number,
  ) {}

  /** Streams whose last window's features are kept now. */
  get streams(): number {
    return this.kept.size;
  }

  /** Releases the front end's session. */
  release(): Promise<void> {
    this.kept.clear();
    return this.front.release();
  }

  /** Drops a stream's kept features (its stream ended); its next window, if any, runs whole. True if any were kept. */
  forget(streamId: string): boolean {
    return this.kept.delete(streamId);
  }

  /** Features [n, steps, featureSize] of the windows, in order; the kept features advance with them. */
  async features(requests: readonly WindowRequest[]): Promise<Float32Array> {
    const p = this.plan;
    const stepFloats = p.steps * p.featureSize;
    // what each window follows: its stream's kept window, an earlier window of this batch, or nothing
    const last = new Map<string, { index: number; at: number | Float32Array }>();
    const previous = requests.map((q, i): number | Float32Array | null => {
      const kept = this.kept.get(q.streamId);
      const before = last.get(q.streamId) ?? (kept && { index: kept.index, at: kept.features });
      last.set(q.streamId, { index: q.shortClip ? Number.NaN : q.index, at: i });
      return !q.shortClip && before?.index === q.index - 1 ? before.at : null;
    });
    const hop = requests.filter((_, i) => previous[i] !== null);
    const full = requests.filter((_, i) => previous[i] === null);
    // one run at a time: a session may reject a run while another is in flight (onnxruntime-web's JSEP does)
    const hopOut = hop.length > 0 ? await this.runFront(hop, p.hopRunStart, p.hopRunFrames) : undefined;
    const edgeOut = hop.length > 0 ? await this.runFront(hop, 0, p.edgeFrames) : undefined;
    const fullOut = full.length > 0 ? await this.runWholeWindows(full) : undefined;
    const out = new Float32Array(requests.length * stepFloats);
    let h = 0;
    let f = 0;
    requests.forEach((q, i) => {
      const features = out.subarray(i * stepFloats, (i + 1) * stepFloats);
      const before = previous[i] ?? null;
      if (before !== null) {
        const prior = typeof before === 'number' ? out.subarray(before * stepFloats, (before + 1) * stepFloats) : before;
        this.assemble(features, prior, hopOut!, edgeOut!, h++);
        this.stats.hopRuns++;
      } else {
        features.set(fullOut!.subarray(f * stepFloats, ++f * stepFloats));
        this.stats.fullRuns++;
      }
      if (!q.shortClip) this.keep(q.streamId, q.index, features);
    });
    return out;
  }

  /** One window from the previous window's features and item `k` of the batch's hop and edge runs. */
  private assemble(into: Float32Array, previous: Float32Array, hopOut: Float32Array, edgeOut: Float32Array, k: number): void {
    const p = this.plan;
    const d = p.featureSize;
    into.set(previous.subarray(p.hopSteps * d, p.steps * d), 0); // the stream's steps, one hop earlier
    const runSteps = p.hopRunFrames / p.stride;
    const skip = p.exactFromStep - p.hopRunStart / p.stride; // the run's first steps saw its own padding
    into.set(hopOut.subarray((k * runSteps + skip) * d, (k + 1) * runSteps * d), p.exactFromStep * d);
    const edgeRunSteps = Math.ceil(p.edgeFrames / p.stride);
    into.set(edgeOut.subarray(k * edgeRunSteps * d, (k * edgeRunSteps + p.edgeSteps) * d), 0);
  }

  private keep(streamId: string, index: number, features: Float32Array): void {
    const kept = this.kept.get(streamId);
    this.kept.delete(streamId); // re-inserted last: Map order is the recency order
    // the stream's buffer is overwritten in place (its old features were read by the assembly already)
    if (kept) {
      kept.index = index;
      kept.features.set(features);
      this.kept.set(streamId, kept);
    } else this.kept.set(streamId, { index, features: features.slice() });
    if (this.kept.size > this.maxStreams) this.kept.delete(this.kept.keys().next().value!);
  }

  /** The front end over each whole window, MAX_WHOLE_WINDOWS_PER_RUN at a time, one after another: [n, steps, d]. */
  private async runWholeWindows(requests: readonly WindowRequest[]): Promise<Float32Array> {
    const p = this.plan;
    const stepFloats = p.steps * p.featureSize;
    const out = new Float32Array(requests.length * stepFloats);
    for (let at = 0; at < requests.length; at += MAX_WHOLE_WINDOWS_PER_RUN) {
      const part = requests.slice(at, at + MAX_WHOLE_WINDOWS_PER_RUN);
      out.set(await this.runFront(part, 0, p.windowFrames), at * stepFloats);
      this.stats.largestWholeRun = Math.max(this.stats.largestWholeRun, part.length);
    }
    return out;
  }

  /** The front end over frames [from, from + frames) of each window, batched: [n, ceil(frames / stride), d]. */
  private async runFront(requests: readonly WindowRequest[], from: number, frames: number): Promise<Float32Array> {
    const p = this.plan;
    const rows = p.channels * p.bins;
    const batch = this.frontInput.borrow(requests.length * rows * frames);
    let result: InferenceSession.ReturnType;
    try {
      requests.forEach((q, b) => copyWindowRows(q.data, p.windowFrames, 0, rows, from, frames, batch, b * rows * frames));
      const feed = new this.TensorCtor('float32', batch, [requests.length, p.channels, p.bins, frames]);
      try {
        result = await this.front.run({ [this.names.input]: feed }, [this.names.output]);
      } catch (cause) {
        throw new ModelRunError(this.modelId, `front end failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
      }
    } finally {
      this.frontInput.giveBack(batch);
    }
    try {
      const data = (result[this.names.output] as { data?: unknown } | undefined)?.data;
      const expected = requests.length * Math.ceil(frames / p.stride) * p.featureSize;
      if (!(data instanceof Float32Array) || data.length !== expected) {
        const got = data instanceof Float32Array ? `${data.length} floats` : 'no float32 tensor';
        throw new ModelRunError(this.modelId, `front end output "${this.names.output}" has ${got}, expected ${expected}`);
      }
      return data.slice();
    } finally {
      for (const value of Object.values(result)) (value as { dispose?: () => void }).dispose?.();
    }
  }
}
