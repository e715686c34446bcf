/**
 * The model card (models/<name>/card.json, cardVersion 1): what a shipped ONNX model expects and returns.
 * Parsed strictly because a wrong window size or output order silently yields plausible-looking but
 * wrong scores; every problem is reported with its JSON path.
 */
import { CardReader, type CardField } from './card-reader.js';
import { readStreaming, type ModelCardStreaming } from './streaming-plan.js';

export { CardError } from './errors.js';
export { validateCardAgainstSession } from './contract.js';

export const CARD_VERSION = 1 as const;

/** The feature definition core computes (ARCHITECTURE.md "Features"); a card must ask for exactly it. */
export const CARD_SAMPLE_RATE = 16000;
export const CARD_CHANNELS = 2;
export const CARD_BINS = 161;

export interface ModelCardInput {
  /** name of the ONNX graph input, e.g. "frames" */
  name: string;
  kind: 'compressed-stft';
  channels: typeof CARD_CHANNELS;
  bins: typeof CARD_BINS;
  /** W: frames per model window (100 frames = 1 s) */
  windowFrames: number;
  /** frames between the starts of consecutive windows */
  hopFrames: number;
  /** multiply each window by max(peak, 1e-4)^-0.3 before inference */
  peakNormalize: boolean;
}

export interface ModelCardOutputs {
  mos: { name: string; range: [number, number] };
  /** optional diagnostic outputs [batch, names.length], in `names` order */
  dims?: { name: string; names: string[] };
}

/** A reference clip and the score the model gave it when the card was made (checked by the node tests). */
export interface GoldenCase {
  file: string;
  /** null when no window of the clip passed the speech gate (e.g. a silent clip) */
  mos: number | null;
  dims?: Record<string, number>;
  windows?: number;
  /** further fields the factory may add are kept as they are */
  readonly [extra: string]: unknown;
}

export interface ModelCard {
  cardVersion: typeof CARD_VERSION;
  name: string;
  version: string;
  params: number;
  description?: string;
  /** what the model is for (browser default, server on CPU, server on a GPU, ...) */
  use?: string;
  sampleRate: typeof CARD_SAMPLE_RATE;
  input: ModelCardInput;
  outputs: ModelCardOutputs;
  /** how a stream shorter than one window is scored: its audio is repeated to fill a window */
  shortClip: 'repeat';
  /** free-form documentation blocks written by the model factory */
  calibration?: Record<string, unknown>;
  training?: Record<string, unknown>;
  accuracy?: Record<string, unknown>;
  /** how the shipped graph was quantised (`shipped`: e.g. 'int8-dynamic' or 'fp32') */
  quantization?: Record<string, unknown>;
  golden?: GoldenCase[];
  /** the student's streaming split (front end once per hop, back end per window): streaming-plan.ts */
  streaming?: ModelCardStreaming;
}

/** `name@version`, the model id carried by every ScoreEvent. */
export function modelId(card: Pick<ModelCard, 'name' | 'version'>): string {
  return `${card.name}@${card.version}`;
}

/** Validate a parsed card.json. Throws one CardError listing every problem found. */
export function parseModelCard(json: unknown): ModelCard {
  const r = new CardReader();
  const root = r.object({ value: json, path: 'card' });
  if (root === undefined) r.throwIfAny();
  const at = (key: string) => r.child(root!, 'card', key);
  const card: ModelCard = {
    ...root, // fields a later factory adds are kept (cards are forward-compatible within cardVersion 1)
    cardVersion: r.literal(at('cardVersion'), [CARD_VERSION]),
    name: r.nonEmptyString(at('name')),
    version: r.nonEmptyString(at('version')),
    params: r.integer(at('params'), 0),
    description: r.optional(at('description'), (f) => r.string(f)),
    use: r.optional(at('use'), (f) => r.string(f)),
    sampleRate: r.literal(at('sampleRate'), [CARD_SAMPLE_RATE]),
    input: readInput(r, at('input')),
    outputs: readOutputs(r, at('outputs')),
    // Optional because there is one rule today; present it must name that rule.
    shortClip: r.optional(at('shortClip'), (f) => r.literal(f, ['repeat'])) ?? 'repeat',
    calibration: r.optional(at('calibration'), (f) => r.object(f)),
    training: r.optional(at('training'), (f) => r.object(f)),
    accuracy: r.optional(at('accuracy'), (f) => r.object(f)),
    golden: r.optional(at('golden'), (f) => r.array(f, (item) => readGolden(r, item))),
  };
  card.streaming = r.optional(at('streaming'), (f) => readStreaming(r, f, card.input));
  r.throwIfAny();
  return withoutUndefined(card);
}

function readInput(r: CardReader, f: CardField): ModelCardInput {
  const o = r.object(f);
  if (o === undefined) return undefined as never;
  const at = (key: string) => r.child(o, f.path, key);
  const input: ModelCardInput = {
    ...o, // like the card's own fields, fields a later factory adds here are kept
    name: r.nonEmptyString(at('name')),
    kind: r.literal(at('kind'), ['compressed-stft']),
    channels: r.literal(at('channels'), [CARD_CHANNELS]),
    bins: r.literal(at('bins'), [CARD_BINS]),
    windowFrames: r.integer(at('windowFrames'), 1),
    hopFrames: r.integer(at('hopFrames'), 1),
    peakNormalize: r.boolean(at('peakNormalize')),
  };
  if (input.windowFrames !== undefined && input.hopFrames > input.windowFrames) {
    r.problem(`${f.path}.hopFrames must not exceed windowFrames (${input.windowFrames}), got ${input.hopFrames}`);
  }
  return input;
}

function readOutputs(r: CardReader, f: CardField): ModelCardOutputs {
  const o = r.object(f);
  if (o === undefined) return undefined as never;
  const mos = readMosOutput(r, r.child(o, f.path, 'mos'));
  const dims = r.optional(r.child(o, f.path, 'dims'), (df) => readDimsOutput(r, df));
  if (dims !== undefined && mos?.name !== undefined && mos.name === dims.name) {
    r.problem(`${f.path}.dims.name must differ from ${f.path}.mos.name, both are "${dims.name}"`);
  }
  return withoutUndefined({ ...o, mos, dims });
}

function readMosOutput(r: CardReader, f: CardField): ModelCardOutputs['mos'] {
  const o = r.object(f);
  if (o === undefined) return undefined as never;
  return { ...o, name: r.nonEmptyString(r.child(o, f.path, 'name')), range: readRange(r, r.child(o, f.path, 'range')) };
}

function readDimsOutput(r: CardReader, f: CardField): ModelCardOutputs['dims'] {
  const o = r.object(f);
  if (o === undefined) return undefined;
  // (e.g. the factory's `meaning` of each dimension)
  return { ...o, name: r.nonEmptyString(r.child(o, f.path, 'name')), names: readDimNames(r, r.child(o, f.path, 'names')) };
}

function readRange(r: CardReader, f: CardField): [number, number] {
  if (Array.isArray(f.value) && f.value.length === 2 && f.value.every(Number.isFinite) && f.value[0] < f.value[1]) {
    return [f.value[0], f.value[1]];
  }
  r.problem(`${f.path} must be [low, high] with finite low < high, got ${CardReader.show(f.value)}`);
  return undefined as never;
}

function readDimNames(r: CardReader, f: CardField): string[] {
  const names = r.array(f, (item) => r.nonEmptyString(item));
  if (names === undefined) return names;
  if (names.length === 0) r.problem(`${f.path} must name at least one dimension (leave out outputs.dims instead)`);
  const dup = names.find((n, i) => n !== undefined && names.indexOf(n) !== i);
  if (dup !== undefined) r.problem(`${f.path} names "${dup}" twice`);
  return names;
}

function readGolden(r: CardReader, f: CardField): GoldenCase {
  const o = r.object(f);
  if (o === undefined) return undefined as never;
  const at = (key: string) => r.child(o, f.path, key);
  // Fields the factory adds beyond these are kept untouched.
  return withoutUndefined({
    ...o,
    file: r.nonEmptyString(at('file')),
    mos: o.mos === null ? null : r.finite(at('mos')),
    dims: r.optional(at('dims'), (df) => r.numberRecord(df)),
    windows: r.optional(at('windows'), (wf) => r.integer(wf, 0)),
  });
}

/** Optional fields that were absent stay absent (the card round-trips through JSON unchanged). */
function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
