/**
 * Silero VAD (v5 and later graphs: one recurrent `state`, 512-sample frames at 16 kHz with 64 samples of
 * the previous frame as context) on an InferenceSession injected by the host, like MosModel: core never
 * imports a backend. This class only runs frames; SpeechDetector keeps a stream's framing, state and
 * decisions.
 */
import { Tensor } from 'onnxruntime-common';
import type { InferenceSession } from 'onnxruntime-common';
import { ModelRunError, SpeechModelError } from '../model/errors.js';
import type { SessionShape } from '../model/contract.js';
import type { TensorConstructor } from '../model/mos-model.js';

/** New samples per frame at 16 kHz (32 ms). */
export const SILERO_FRAME = 512;
/** Samples of the previous frame prepended to each frame (silero-vad's OnnxWrapper does the same). */
export const SILERO_CONTEXT = 64;
/** Floats in the recurrent state, [2, 1, 128]. */
export const SILERO_STATE = 2 * 128;

const INPUTS = { audio: 'input', state: 'state', rate: 'sr' } as const;
const OUTPUTS = { probability: 'output', state: 'stateN' } as const;

export interface SileroVadOptions {
  /** how errors and telemetry name it; default 'silero-vad' */
  id?: string;
}

export interface SileroStep {
  /** speech probability of the frame, 0..1 */
  probability: number;
  /** the state to feed with the next frame */
  state: Float32Array;
}

export class SileroVad {
  readonly id: string;
  private readonly hasRate: boolean;
  private readonly rate: Tensor;
  /** Runs are serialised: onnxruntime-web rejects a run on a session that is still running one. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly session: InferenceSession,
    private readonly TensorCtor: TensorConstructor,
    id: string,
  ) {
    this.id = id;
    this.hasRate = session.inputNames.includes(INPUTS.rate);
    this.rate = new TensorCtor('int64', BigInt64Array.from([16000n]), []);
  }

  /** Checks the graph's inputs and outputs; throws SpeechModelError naming every problem. */
  static async load(session: InferenceSession, TensorCtor: TensorConstructor = Tensor, options: SileroVadOptions = {}): Promise<SileroVad> {
    const id = options.id ?? 'silero-vad';
    validateSileroSession(id, session);
    return new SileroVad(session, TensorCtor, id);
  }

  /** A zeroed state for a new stream. */
  static initialState(): Float32Array {
    return new Float32Array(SILERO_STATE);
  }

  /** One frame: SILERO_CONTEXT + SILERO_FRAME samples at 16 kHz, and the state left by the previous frame. */
  run(input: Float32Array, state: Float32Array): Promise<SileroStep> {
    if (input.length !== SILERO_CONTEXT + SILERO_FRAME) {
      return Promise.reject(new RangeError(`${this.id}: a frame is ${SILERO_CONTEXT + SILERO_FRAME} samples, got ${input.length}`));
    }
    if (state.length !== SILERO_STATE) return Promise.reject(new RangeError(`${this.id}: the state is ${SILERO_STATE} floats, got ${state.length}`));
    return this.serialised(() => this.runFrame(input, state));
  }

  release(): Promise<void> {
    return this.serialised(() => this.session.release());
  }

  private async runFrame(input: Float32Array, state: Float32Array): Promise<SileroStep> {
    const feeds: InferenceSession.FeedsType = {
      [INPUTS.audio]: new this.TensorCtor('float32', input, [1, input.length]),
      [INPUTS.state]: new this.TensorCtor('float32', state, [2, 1, 128]),
      ...(this.hasRate ? { [INPUTS.rate]: this.rate } : {}),
    };
    let result: InferenceSession.ReturnType;
    try {
      result = await this.session.run(feeds, [OUTPUTS.probability, OUTPUTS.state]);
    } catch (cause) {
      throw new ModelRunError(this.id, `inference failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    try {
      const p = (result[OUTPUTS.probability] as { data?: unknown } | undefined)?.data;
      const s = (result[OUTPUTS.state] as { data?: unknown } | undefined)?.data;
      if (!(p instanceof Float32Array) || p.length !== 1 || !Number.isFinite(p[0]!)) {
        throw new ModelRunError(this.id, `output "${OUTPUTS.probability}" is not one finite float`);
      }
      if (!(s instanceof Float32Array) || s.length !== SILERO_STATE) {
        throw new ModelRunError(this.id, `output "${OUTPUTS.state}" is not ${SILERO_STATE} floats`);
      }
      return { probability: Math.min(1, Math.max(0, p[0]!)), state: s.slice() };
    } finally {
      for (const value of Object.values(result)) (value as { dispose?: () => void }).dispose?.();
    }
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
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
