/**
 * Checks an ONNX graph (through the host's InferenceSession) against its card at load, so that a card
 * and a model that drifted apart fail loudly instead of scoring garbage.
 */
import type { InferenceSession } from 'onnxruntime-common';
import type { ModelCard } from './card.js';
import { modelId } from './card.js';
import { ModelContractError } from './errors.js';

/** What validation reads from a session. Metadata is optional: onnxruntime < 1.21 does not expose it. */
export type SessionShape = Pick<InferenceSession, 'inputNames' | 'outputNames'> & {
  readonly inputMetadata?: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata?: readonly InferenceSession.ValueMetadata[];
};

type Dim = number | string;

/** A dim the card requires, or 'dynamic' for the batch axis; `source` says where the card says so. */
interface ExpectedDim {
  what: string;
  size: number | 'dynamic';
  source?: string;
}

/**
 * Throws a ModelContractError naming every mismatch between the card and the graph: input/output names,
 * element type, rank, static dims (channels, bins, window frames, dims count) and a dynamic batch axis.
 * Symbolic or unknown dims other than batch are accepted (the graph then takes any size there).
 */
export function validateCardAgainstSession(card: ModelCard, session: SessionShape): void {
  const problems: string[] = [];
  const { input, outputs } = card;

  const graphInputs = [...session.inputNames];
  if (!graphInputs.includes(input.name)) {
    problems.push(`input "${input.name}" (card.input.name) is not in the graph; its inputs are ${list(graphInputs)}`);
  }
  const unfed = graphInputs.filter((n) => n !== input.name);
  if (unfed.length > 0 && graphInputs.includes(input.name)) {
    problems.push(`the graph has inputs the card does not describe: ${list(unfed)}`);
  }
  const graphOutputs = [...session.outputNames];
  const wanted: Array<[string, string]> = [[outputs.mos.name, 'card.outputs.mos.name']];
  if (outputs.dims) wanted.push([outputs.dims.name, 'card.outputs.dims.name']);
  for (const [name, path] of wanted) {
    if (!graphOutputs.includes(name)) {
      problems.push(`output "${name}" (${path}) is not in the graph; its outputs are ${list(graphOutputs)}`);
    }
  }

  const inMeta = metadataByName(session, 'inputMetadata');
  const outMeta = metadataByName(session, 'outputMetadata');
  checkTensor(problems, 'input', input.name, inMeta, [
    { what: 'batch', size: 'dynamic' },
    { what: 'channels', size: input.channels, source: `card.input.channels is ${input.channels}` },
    { what: 'bins', size: input.bins, source: `card.input.bins is ${input.bins}` },
    { what: 'frames', size: input.windowFrames, source: `card.input.windowFrames is ${input.windowFrames}` },
  ]);
  checkMosOutput(problems, outputs.mos.name, outMeta);
  if (outputs.dims) {
    checkTensor(problems, 'output', outputs.dims.name, outMeta, [
      { what: 'batch', size: 'dynamic' },
      {
        what: 'dims',
        size: outputs.dims.names.length,
        source: `card.outputs.dims.names has ${outputs.dims.names.length} (${outputs.dims.names.join(', ')})`,
      },
    ]);
  }

  if (problems.length > 0) throw new ModelContractError(modelId(card), problems);
}

/** mos is [batch]; [batch, 1] is accepted too since it carries the same numbers in the same order. */
function checkMosOutput(problems: string[], name: string, meta: Map<string, InferenceSession.ValueMetadata>): void {
  const m = meta.get(name);
  const batch: ExpectedDim = { what: 'batch', size: 'dynamic' };
  if (m?.isTensor && m.shape.length === 2) {
    checkTensor(problems, 'output', name, meta, [batch, { what: 'score', size: 1, source: 'mos must be [batch] or [batch, 1]' }]);
  } else {
    checkTensor(problems, 'output', name, meta, [batch]);
  }
}

function checkTensor(
  problems: string[],
  kind: 'input' | 'output',
  name: string,
  meta: Map<string, InferenceSession.ValueMetadata>,
  expected: ExpectedDim[],
): void {
  const m = meta.get(name);
  if (m === undefined) return; // absent from the graph (reported above) or the runtime has no metadata
  const label = `${kind} "${name}"`;
  if (!m.isTensor) {
    problems.push(`${label} is not a tensor in the graph`);
    return;
  }
  if (m.type !== 'float32') problems.push(`${label} is ${m.type} in the graph, expected float32`);
  if (m.shape.length === 0) return; // shape not recorded in the graph: nothing more to check
  const shape = `[${expected.map((e) => (e.size === 'dynamic' ? e.what : e.size)).join(', ')}]`;
  if (m.shape.length !== expected.length) {
    problems.push(`${label} has rank ${m.shape.length} ${showShape(m.shape)} in the graph, expected ${expected.length} ${shape}`);
    return;
  }
  expected.forEach((e, axis) => {
    const got = m.shape[axis]!;
    if (e.size === 'dynamic') {
      if (isStatic(got)) problems.push(`${label} has a static ${e.what} of ${got} (dim ${axis}); it must be dynamic so windows can be batched`);
    } else if (isStatic(got) && got !== e.size) {
      problems.push(`${label} dim ${axis} (${e.what}) is ${got} in the graph, but ${e.source ?? `${e.size} is expected`}`);
    }
  });
}

function metadataByName(session: SessionShape, key: 'inputMetadata' | 'outputMetadata'): Map<string, InferenceSession.ValueMetadata> {
  let meta: unknown;
  try {
    meta = session[key];
  } catch {
    meta = undefined; // some runtimes implement it as a getter that throws when unsupported
  }
  const entries = Array.isArray(meta) ? (meta as InferenceSession.ValueMetadata[]) : [];
  return new Map(entries.filter((m) => m && typeof m.name === 'string').map((m) => [m.name, m]));
}

/** A concrete size; symbolic names and non-positive placeholders (-1, 0) mean dynamic. */
function isStatic(d: Dim): d is number {
  return typeof d === 'number' && d > 0;
}

function showShape(shape: readonly Dim[]): string {
  return `[${shape.join(', ')}]`;
}

function list(names: string[]): string {
  return names.length === 0 ? '(none)' : names.map((n) => `"${n}"`).join(', ');
}
