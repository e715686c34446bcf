import { describe, expect, it } from 'vitest';
import type { InferenceSession } from 'onnxruntime-common';
import { validateCardAgainstSession, type SessionShape } from '../../src/model/contract.js';
import { ModelContractError } from '../../src/model/errors.js';
import type { ModelCard } from '../../src/model/card.js';
import { fixtureCard, fixtureSession, type FixtureGraph } from './fixtures.js';

async function problems(graph: FixtureGraph | SessionShape, card: ModelCard = fixtureCard()): Promise<string[]> {
  const session = typeof graph === 'string' ? await fixtureSession(graph) : graph;
  try {
    validateCardAgainstSession(card, session);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ModelContractError);
    expect((err as ModelContractError).message).toContain('model test-tiny@0.0.1 does not match its card');
    return [...(err as ModelContractError).problems];
  }
}

const tensor = (name: string, shape: Array<number | string>, type: InferenceSession.TensorValueMetadata['type'] = 'float32') =>
  ({ name, isTensor: true, type, shape }) as const;

describe('validateCardAgainstSession (real ONNX graphs through onnxruntime-node)', () => {
  it('accepts the graph that honours the contract', async () => {
    expect(await problems('tiny-ok')).toEqual([]);
  });

  it('names a missing input and the inputs the graph has', async () => {
    expect(await problems('wrong-input-name')).toEqual([
      'input "frames" (card.input.name) is not in the graph; its inputs are "spec"',
    ]);
  });

  it('names a bins mismatch', async () => {
    expect(await problems('wrong-bins')).toEqual(['input "frames" dim 2 (bins) is 129 in the graph, but card.input.bins is 161']);
  });

  it('names a dims-count mismatch', async () => {
    expect(await problems('wrong-dims')).toEqual([
      'output "dims" dim 1 (dims) is 4 in the graph, but card.outputs.dims.names has 6 (noisiness, coloration, discontinuity, loudness, sig, bak)',
    ]);
  });

  it('names every mismatch at once', async () => {
    const card = fixtureCard({ windowFrames: 400, hopFrames: 100 });
    card.outputs = { mos: { name: 'score', range: [1, 5] }, dims: { name: 'dims', names: ['sig', 'bak'] } };
    expect(await problems('wrong-bins', card)).toEqual([
      'output "score" (card.outputs.mos.name) is not in the graph; its outputs are "mos", "dims"',
      'input "frames" dim 2 (bins) is 129 in the graph, but card.input.bins is 161',
      'input "frames" dim 3 (frames) is 100 in the graph, but card.input.windowFrames is 400',
      'output "dims" dim 1 (dims) is 6 in the graph, but card.outputs.dims.names has 2 (sig, bak)',
    ]);
  });
});

describe('validateCardAgainstSession (hand-made session shapes)', () => {
  const ok = {
    inputNames: ['frames'],
    outputNames: ['mos', 'dims'],
    inputMetadata: [tensor('frames', ['batch', 2, 161, 100])],
    outputMetadata: [tensor('mos', ['batch']), tensor('dims', ['batch', 6])],
  };

  it('checks only names when the runtime has no metadata (onnxruntime < 1.21)', async () => {
    expect(await problems({ inputNames: ['frames'], outputNames: ['mos', 'dims'] })).toEqual([]);
    expect(await problems({ inputNames: ['frames', 'h0'], outputNames: ['mos'] })).toEqual([
      'the graph has inputs the card does not describe: "h0"',
      'output "dims" (card.outputs.dims.name) is not in the graph; its outputs are "mos"',
    ]);
  });

  it('accepts symbolic frames, -1 placeholders and a [batch, 1] mos', async () => {
    expect(
      await problems({
        ...ok,
        inputMetadata: [tensor('frames', [-1, 2, 161, 'time'])],
        outputMetadata: [tensor('mos', ['batch', 1]), tensor('dims', ['batch', 6])],
      }),
    ).toEqual([]);
  });

  it('rejects a static batch, a wrong rank and a wrong element type', async () => {
    expect(
      await problems({
        ...ok,
        inputMetadata: [tensor('frames', [1, 2, 161, 100], 'float16')],
        outputMetadata: [tensor('mos', ['batch', 2]), tensor('dims', ['batch', 6, 1])],
      }),
    ).toEqual([
      'input "frames" is float16 in the graph, expected float32',
      'input "frames" has a static batch of 1 (dim 0); it must be dynamic so windows can be batched',
      'output "mos" dim 1 (score) is 2 in the graph, but mos must be [batch] or [batch, 1]',
      'output "dims" has rank 3 [batch, 6, 1] in the graph, expected 2 [batch, 6]',
    ]);
  });
});
