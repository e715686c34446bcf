/**
 * Silero VAD (v5 and later graphs: one recurrent `state`, 512-sample frames at 16 kHz with 64 samples of
 * the previous frame as context) on an InferenceSession injected by the host, like MosModel: core never
 * imports a backend. This class only runs frames; SpeechDetector keeps a stream's framing, state and
 * decisions.
 *
 * One SileroVad serves every stream of a host, and frames that arrive while a run is in flight go into the
 * next run together, one batch (the graph takes [B, 576] frames and a [2, B, 128] state; each row is
 * computed as if alone). A stream waits for each frame's state before its next frame, so a batch holds at
 * most one frame per stream and streams stay in order. On 2 cores a frame costs ~300 us alone and ~90 us in
 * a batch of 32: with N streams the detector's cost per stream falls ~3x.
 */
import { Tensor } from 'onnxruntime-common';
import type { InferenceSession } from 'onnxruntime-common';
import { ModelRunError, SpeechModelError } from '../model/errors.js';
import type { SessionShape } from '../model/contract.js';
import type { TensorConstructor } from '../model/mos-model.js';
import { ReusableFloats } from '../model/reusable-floats.js';

/** New samples per frame at 16 kHz (32 ms). */
export const SILERO_FRAME = 512;
/** Samples of the previous frame prepended to each frame (silero-vad's OnnxWrapper does the same). */
export const SILERO_CONTEXT = 64;
/** Floats in one stream's recurrent state, [2, 1, 128]. */
export const SILERO_STATE = 2 * 128;

const INPUTS = { audio: 'input', state: 'state', rate: 'sr' } as const;
const OUTPUTS = { probability: 'output', state: 'stateN' } as const;

export interface SileroVadOptions {
  /** how errors and telemetry name it; default 'silero-vad' */
  id?: string;
  /** most frames per run (frames of different streams batched together); default 64 */
  maxBatch?: number;
  /**
   * how long a frame may wait for frames of other streams to join its run, ms; default 0 (run as soon as the
   * session is free). Live streams' frames arrive spread over time, so without a wait a run holds one or two;
   * a host of many streams (the server's monitor: 10) trades that much verdict latency for ~3x cheaper frames.
   * A stream's frames run one after another (each needs the state of the one before), so offline scoring of
   * one file wants 0. The wait counts from when a frame's audio arrived (run's `arrivedAt`): a stream that
   * is behind, whose next frame has waited already, never waits again per frame (it would then fall further
   * behind at every frame and never catch up)
   */
  maxWaitMs?: number;
}

interface PendingFrame {
  at: number;
  input: Float32Array;
  state: Float32Array;
  resolve: (step: SileroStep) => void;
  reject: (err: unknown) => void;
}

export interface SileroStep {
  /** speech probability of the frame, 0..1 */
  probability: number;
  /** the state to feed with the next frame */
  state: Float32Array;
}

export class SileroVad {
  readonly id: string;
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  private readonly hasRate: boolean;
  private readonly rate: Tensor;
  private readonly pending: PendingFrame[] = [];
  private readonly inputs = new ReusableFloats();
  private readonly states = new ReusableFloats();
  /** the run in flight (onnxruntime-web rejects a run on a session that is still running one) */
  private running: Promise<void> | undefined;
  private released = false;

  private constructor(
    private readonly session: InferenceSession,
    private readonly TensorCtor: TensorConstructor,
    id: string,
    maxBatch: number,
    maxWaitMs: number,
  ) {
    this.id = id;
    this.maxBatch = maxBatch;
    this.maxWaitMs = maxWaitMs;
    this.hasRate = session.inputNames.includes(INPUTS.rate);
    this.rate = new TensorCtor('int64', BigInt64Array.from([16000n]), []);
  }

  /** Checks the graph's inputs and outputs; throws SpeechModelError naming every problem. */
  static async load(session: InferenceSession, TensorCtor: TensorConstructor = Tensor, options: SileroVadOptions = {}): Promise<SileroVad> {
    const id = options.id ?? 'silero-vad';
    const maxBatch = options.maxBatch ?? 64;
    const maxWaitMs = options.maxWaitMs ?? 0;
    if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) throw new RangeError(`${id}: maxBatch must be an integer >= 1, got ${options.maxBatch}`);
    if (!(maxWaitMs >= 0 && Number.isFinite(maxWaitMs))) throw new RangeError(`${id}: maxWaitMs must be a finite number >= 0, got ${options.maxWaitMs}`);
    validateSileroSession(id, session);
    return new SileroVad(session, TensorCtor, id, maxBatch, maxWaitMs);
  }

  /** A zeroed state for a new stream. */
  static initialState(): Float32Array {
    return new Float32Array(SILERO_STATE);
  }

  /**
   * One frame: SILERO_CONTEXT + SILERO_FRAME samples at 16 kHz, and the state left by the previous frame.
   * `arrivedAt` (performance.now() time) is when the frame's audio arrived; default now.
   */
  run(input: Float32Array, state: Float32Array, arrivedAt: number = performance.now()): Promise<SileroStep> {
    if (input.length !== SILERO_CONTEXT + SILERO_FRAME) {
      return Promise.reject(new RangeError(`${this.id}: a frame is ${SILERO_CONTEXT + SILERO_FRAME} samples, got ${input.length}`));
    }
    if (state.length !== SILERO_STATE) return Promise.reject(new RangeError(`${this.id}: the state is ${SILERO_STATE} floats, got ${state.length}`));
    if (this.released) return Promise.reject(new ModelRunError(this.id, 'the speech detector was released'));
    return new Promise<SileroStep>((resolve, reject) => {
      this.pending.push({ at: arrivedAt, input, state, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Releases the session once the frames already asked for have run. */
  async release(): Promise<void> {
    this.released = true;
    await this.running;
    await this.session.release();
  }

  /** Runs waiting frames batch by batch until none wait; never rejects (a failed batch rejects its frames). */
  private async drain(): Promise<void> {
    try {
      await Promise.resolve(); // frames asked for in this task join the first batch
      while (this.pending.length > 0) {
        // from the oldest arrival among the waiting frames (not the first queued: a late stream's frame arrived earlier)
        let oldest = Infinity;
        for (const f of this.pending) oldest = Math.min(oldest, f.at);
        const wait = this.maxWaitMs - (performance.now() - oldest);
        if (this.pending.length < this.maxBatch && wait > 0) await new Promise((r) => setTimeout(r, wait));
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const steps = await this.runBatch(batch);
          batch.forEach((f, i) => f.resolve(steps[i]!));
        } catch (err) {
          for (const f of batch) f.reject(err);
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private async runBatch(batch: PendingFrame[]): Promise<SileroStep[]> {
    const b = batch.length;
    const width = SILERO_CONTEXT + SILERO_FRAME;
    // built in place run after run (runs of the session go one at a time: drain() awaits each)
    const input = this.inputs.borrow(b * width);
    // the state is [2, B, 128]: layer-major, so frame i's two halves go to rows i and B + i
    const state = this.states.borrow(2 * b * 128);
    let result: InferenceSession.ReturnType;
    try {
      batch.forEach((f, i) => {
        input.set(f.input, i * width);
        state.set(f.state.subarray(0, 128), i * 128);
        state.set(f.state.subarray(128), (b + i) * 128);
      });
      const feeds: InferenceSession.FeedsType = {
        [INPUTS.audio]: new this.TensorCtor('float32', input, [b, width]),
        [INPUTS.state]: new this.TensorCtor('float32', state, [2, b, 128]),
        ...(this.hasRate ? { [INPUTS.rate]: this.rate } : {}),
      };
      try {
        result = await this.session.run(feeds, [OUTPUTS.probability, OUTPUTS.state]);
      } catch (cause) {
        throw new ModelRunError(this.id, `inference failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
      }
    } finally {
      this.inputs.giveBack(input);
      this.states.giveBack(state);
    }
    try {
      const p = (result[OUTPUTS.probability] as { data?: unknown } | undefined)?.data;
      const s = (result[OUTPUTS.state] as { data?: unknown } | undefined)?.data;
      if (!(p instanceof Float32Array) || p.length !== b || !p.every(Number.isFinite)) {
        throw new ModelRunError(this.id, `output "${OUTPUTS.probability}" is not ${b} finite float${b === 1 ? '' : 's'}`);
      }
      if (!(s instanceof Float32Array) || s.length !== b * SILERO_STATE) {
        throw new ModelRunError(this.id, `output "${OUTPUTS.state}" is not ${b} x ${SILERO_STATE} floats`);
      }
      return batch.map((_, i) => {
        const next = new Float32Array(SILERO_STATE);
        next.set(s.subarray(i * 128, (i + 1) * 128), 0);
        next.set(s.subarray((b + i) * 128, (b + i + 1) * 128), 128);
        return { probability: Math.min(1, Math.max(0, p[i]!)), state: next };
      });
    } finally {
      for (const value of Object.values(result)) (value as { dispose?: () => void }).dispose?.();
    }
  }
}

/** Names every way `session` differs from a Silero v5+ graph (v4's h/c state is called out by name). */
export function validateSileroSession(id: string, session: SessionShape): void {
  const problems: string[] = [];
  const inputs = [...session.inputNames];
  const outputs = [...session.outputNames];
  if (inputs.includes('h') && inputs.includes('c')) {
    problems.push('this is a Silero v4 ("legacy") graph with h/c state; use a v5 or later graph (one "state" input)');
  } else {
    for (const name of [INPUTS.audio, INPUTS.state]) if (!inputs.includes(name)) problems.push(`input "${name}" is not in the graph; its inputs are ${list(inputs)}`);
    const extra = inputs.filter((n) => !Object.values(INPUTS).includes(n as never));
    if (extra.length > 0) problems.push(`the graph has inputs a Silero VAD does not: ${list(extra)}`);
    for (const name of Object.values(OUTPUTS)) if (!outputs.includes(name)) problems.push(`output "${name}" is not in the graph; its outputs are ${list(outputs)}`);
  }
  if (problems.length > 0) throw new SpeechModelError(id, problems);
}

function list(names: string[]): string {
  return names.length === 0 ? '(none)' : names.map((n) => `"${n}"`).join(', ');
}
