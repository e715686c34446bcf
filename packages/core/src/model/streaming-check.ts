/**
 * Whether a streaming pair may stand in for its window model: the names the card gives them, and one
 * window scored both ways (model.onnx, and the pair's whole-window path: front over the window, then back).
 * A pair from another training run, a stale cached copy or a featureSize the card gets wrong fails here,
 * at load, instead of scoring another network's numbers or failing every window at run time.
 */
import type { InferenceSession } from 'onnxruntime-common';
import type { ModelCard } from './card.js';
import type { TensorConstructor } from './tensor.js';

/** How far the pair's score may be from the window model's (fp32 kernels on different shapes agree to ~1e-6). */
export const PAIR_TOLERANCE = 1e-3;

export interface StreamingPairSessions {
  front: InferenceSession;
  back: InferenceSession;
}

/** Every name the card gives the pair that its graphs lack (empty: they all match). */
export function pairNameProblems(card: ModelCard, pair: StreamingPairSessions): string[] {
  const block = card.streaming;
  if (!block) return ['streaming sessions were given, but the card has no streaming block'];
  const problems: string[] = [];
  const need = (what: string, names: readonly string[], name: string, kind: string) => {
    if (!names.includes(name)) problems.push(`${what} has no ${kind} "${name}"; it has ${names.map((n) => `"${n}"`).join(', ') || '(none)'}`);
  };
  need('the streaming front end', pair.front.inputNames, block.front.input, 'input');
  need('the streaming front end', pair.front.outputNames, block.front.output, 'output');
  need('the streaming back end', pair.back.inputNames, block.back.input, 'input');
  need('the streaming back end', pair.back.outputNames, card.outputs.mos.name, 'output');
  if (card.outputs.dims) need('the streaming back end', pair.back.outputNames, card.outputs.dims.name, 'output');
  return problems;
}

/**
 * Scores one fixed window with the window model and with the pair; returns the problems (empty: they agree to
 * PAIR_TOLERANCE). Never throws: a run that fails is a problem too.
 */
export async function pairAgreementProblems(
  card: ModelCard,
  window: InferenceSession,
  pair: StreamingPairSessions,
  TensorCtor: TensorConstructor,
): Promise<string[]> {
  const names = pairNameProblems(card, pair);
  if (names.length > 0) return names;
  const block = card.streaming!;
  const { channels, bins, windowFrames } = card.input;
  const frames = probeWindow(channels * bins * windowFrames);
  const shape = [1, channels, bins, windowFrames];
  const disposeAll = (r: InferenceSession.ReturnType | undefined) => {
    for (const v of Object.values(r ?? {})) (v as { dispose?: () => void }).dispose?.();
  };
  let want: InferenceSession.ReturnType | undefined;
  let features: InferenceSession.ReturnType | undefined;
  let got: InferenceSession.ReturnType | undefined;
  try {
    want = await window.run({ [card.input.name]: new TensorCtor('float32', frames, shape) }, [card.outputs.mos.name]);
    features = await pair.front.run({ [block.front.input]: new TensorCtor('float32', frames, shape) }, [block.front.output]);
    const f = features[block.front.output] as { data?: unknown; dims?: readonly number[] };
    const expected = [1, windowFrames / block.stride, block.featureSize];
    if (!(f.data instanceof Float32Array) || f.data.length !== expected[1]! * expected[2]!) {
      return [`the streaming front end returns ${f.dims ? `[${f.dims.join(', ')}]` : 'no tensor'} for one window; the card's block says [${expected.join(', ')}]`];
    }
    got = await pair.back.run({ [block.back.input]: new TensorCtor('float32', f.data, expected) }, [card.outputs.mos.name]);
    const a = (want[card.outputs.mos.name] as { data?: ArrayLike<number> }).data?.[0];
    const b = (got[card.outputs.mos.name] as { data?: ArrayLike<number> }).data?.[0];
    if (!(typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= PAIR_TOLERANCE)) {
      return [`the streaming pair scores a probe window ${b} where the window model scores ${a}: it is not this model's split`];
    }
    return [];
  } catch (err) {
    return [`the streaming pair does not run on a window: ${err instanceof Error ? err.message : String(err)}`];
  } finally {
    for (const r of [want, features, got]) disposeAll(r);
  }
}

/** A fixed, deterministic window of feature-like values (compressed magnitudes lie around 0..1). */
function probeWindow(size: number): Float32Array {
  const x = new Float32Array(size);
  let s = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    x[i] = (s / 2 ** 32) ** 2 - 0.25;
  }
  return x;
}
