/**
 * A student's streaming split (issue 17), as its card's `streaming` block describes it: the front end
 * (conv stack + per-step projection) runs once per new hop of frames and its features are kept; the back
 * end (sequence model, pooling, heads) runs on every window. The model factory writes the block
 * (models/training/callmos_factory/streaming.py `export`, which checks the pair against the window model);
 * this file parses it strictly and derives where each of a window's feature steps comes from.
 *
 * A window of W frames has W / stride feature steps. Given the previous window's features (one hop earlier):
 * - steps [0, edgeSteps) see the window's left zero padding: one small front run over its first edgeFrames;
 * - steps from `exactFromStep` on come from one front run over the window's last hop + contextFrames frames
 *   (its first steps see that run's own padding and are not taken; its last ones see the window's right
 *   padding, exactly as the window model does);
 * - the steps between are the stream's, computed by earlier hops: the previous window's, shifted one hop.
 */
import type { CardField, CardReader } from './card-reader.js';

export interface ModelCardStreamingGraph {
  /** the graph's file, beside card.json */
  file: string;
  /** its input name */
  input: string;
  /** the front's output (features); the back's outputs are the card's `outputs` names */
  output?: string;
}

export interface ModelCardStreaming {
  front: ModelCardStreamingGraph & { output: string };
  back: ModelCardStreamingGraph;
  /** floats per feature step (the back's input is [batch, W / stride, featureSize]) */
  featureSize: number;
  /** input frames per feature step */
  stride: number;
  /** input frames on each side one feature step depends on */
  receptiveFrames: number;
  /** frames of the past a hop run starts with */
  contextFrames: number;
  /** a window's first steps, which see its left zero padding */
  edgeSteps: number;
  /** frames the left-edge run takes */
  edgeFrames: number;
  /** further fields the factory adds (e.g. its `check`) are kept */
  readonly [extra: string]: unknown;
}

/** The numbers a streamed window is assembled by, derived once from the card. */
export interface StreamingPlan {
  readonly windowFrames: number;
  readonly hopFrames: number;
  readonly channels: number;
  readonly bins: number;
  readonly featureSize: number;
  readonly stride: number;
  /** feature steps per window */
  readonly steps: number;
  /** feature steps per hop */
  readonly hopSteps: number;
  /** first frame of a window's hop run (windowFrames - hopFrames - contextFrames) */
  readonly hopRunStart: number;
  /** frames in a hop run */
  readonly hopRunFrames: number;
  /** first window step taken from the hop run */
  readonly exactFromStep: number;
  readonly edgeSteps: number;
  readonly edgeFrames: number;
}

/** Parses the card's `streaming` block against the card's window shape; every problem goes to `r`. */
export function readStreaming(
  r: CardReader,
  f: CardField,
  input: { windowFrames?: number; hopFrames?: number; peakNormalize?: boolean } | undefined,
): ModelCardStreaming {
  const o = r.object(f);
  if (o === undefined) return undefined as never;
  const at = (key: string) => r.child(o, f.path, key);
  const graph = (key: 'front' | 'back'): ModelCardStreamingGraph => {
    const g = r.object(at(key));
    if (g === undefined) return undefined as never;
    const gat = (k: string) => r.child(g, `${f.path}.${key}`, k);
    const out: ModelCardStreamingGraph = { ...g, file: fileName(r, gat('file')), input: r.nonEmptyString(gat('input')) };
    if (key === 'front') out.output = r.nonEmptyString(gat('output'));
    return out;
  };
  const block = {
    ...o,
    front: graph('front') as ModelCardStreaming['front'],
    back: graph('back'),
    featureSize: r.integer(at('featureSize'), 1),
    stride: r.integer(at('stride'), 1),
    receptiveFrames: r.integer(at('receptiveFrames'), 0),
    contextFrames: r.integer(at('contextFrames'), 0),
    edgeSteps: r.integer(at('edgeSteps'), 0),
    edgeFrames: r.integer(at('edgeFrames'), 1),
  } as ModelCardStreaming;
  if (input?.windowFrames !== undefined && input.hopFrames !== undefined && Object.values(block).every((v) => v !== undefined)) {
    for (const problem of geometryProblems(block, input.windowFrames, input.hopFrames, input.peakNormalize === true)) r.problem(`${f.path}: ${problem}`);
  }
  return block;
}

/** The derived numbers of a parsed block (the card's input gives the window shape). */
export function streamingPlan(block: ModelCardStreaming, input: { windowFrames: number; hopFrames: number; channels: number; bins: number }): StreamingPlan {
  const { stride, contextFrames, receptiveFrames, edgeSteps, edgeFrames, featureSize } = block;
  const hopRunStart = input.windowFrames - input.hopFrames - contextFrames;
  return {
    windowFrames: input.windowFrames,
    hopFrames: input.hopFrames,
    channels: input.channels,
    bins: input.bins,
    featureSize,
    stride,
    steps: input.windowFrames / stride,
    hopSteps: input.hopFrames / stride,
    hopRunStart,
    hopRunFrames: input.windowFrames - hopRunStart,
    exactFromStep: hopRunStart / stride + Math.ceil(receptiveFrames / stride),
    edgeSteps,
    edgeFrames,
  };
}

/** Why a block cannot stream this card's windows exactly (empty: it can). */
function geometryProblems(b: ModelCardStreaming, windowFrames: number, hopFrames: number, peakNormalize: boolean): string[] {
  const problems: string[] = [];
  const s = b.stride;
  if (peakNormalize) problems.push('a peak-normalised window (input.peakNormalize) is scaled as a whole and cannot be streamed');
  for (const [what, n] of [['input.windowFrames', windowFrames], ['input.hopFrames', hopFrames], ['contextFrames', b.contextFrames]] as const) {
    if (n % s !== 0) problems.push(`${what} (${n}) must be a multiple of stride (${s})`);
  }
  if (hopFrames + b.contextFrames > windowFrames) {
    problems.push(`a hop run (hopFrames ${hopFrames} + contextFrames ${b.contextFrames}) must fit in a window of ${windowFrames} frames`);
  }
  // the hop run's first exact step must come no later than the first step the previous window got wrong
  if (b.contextFrames < 2 * b.receptiveFrames) {
    problems.push(`contextFrames (${b.contextFrames}) must be at least 2 x receptiveFrames (${b.receptiveFrames})`);
  }
  if (b.edgeFrames > windowFrames) problems.push(`edgeFrames (${b.edgeFrames}) must not exceed the window's ${windowFrames}`);
  // the steps whose receptive field reaches before the window's first frame see its zero padding: all of them
  // must come from the edge run, and the edge run must see each of them whole
  const padded = Math.ceil(b.receptiveFrames / s);
  if (b.edgeSteps < padded) problems.push(`edgeSteps (${b.edgeSteps}) must cover the ${padded} steps that see the window's left padding (ceil(receptiveFrames / stride))`);
  const needed = Math.max(0, b.edgeSteps - 1) * s + b.receptiveFrames + 1;
  if (b.edgeFrames < needed) problems.push(`edgeFrames (${b.edgeFrames}) must hold edgeSteps' whole receptive field: at least ${needed} frames`);
  if (b.edgeSteps > (windowFrames - hopFrames) / s) problems.push(`edgeSteps (${b.edgeSteps}) must not reach the window's newest hop`);
  return problems;
}

/** A graph beside card.json: a plain .onnx file name, never a path (no separators, no `.` or `..`). */
function fileName(r: CardReader, f: CardField): string {
  const name = r.nonEmptyString(f);
  if (typeof name === 'string' && !/^(?!\.)[\w.-]+\.onnx$/.test(name)) {
    r.problem(`${f.path} must be an .onnx file name beside card.json, got ${JSON.stringify(name)}`);
  }
  return name;
}
