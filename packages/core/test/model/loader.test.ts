/**
 * Core's one model loader, as every host drives it: bytes (or text, or parsed JSON) of a card and a
 * graph, plus a session factory (onnxruntime-node here, as the node host and the server's teachers use
 * it; the browser worker passes onnxruntime-web's). Each failure is a ModelLoadError with its code and
 * the source at fault, and the session of a graph that fails its contract is released.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-common';
import { afterEach, describe, expect, it } from 'vitest';
import { CallmosError } from '../../src/errors.js';
import { setLogEventListeners } from '../../src/logger.js';
import { CardError, ModelContractError, ModelLoadError } from '../../src/model/errors.js';
import { loadMosModel, openModelSession, parseCardFile, type SessionFactory } from '../../src/model/loader.js';
import { fixtureCardJson, type FixtureGraph } from './fixtures.js';

const MODELS = new URL('../fixtures/models/', import.meta.url);
const graphBytes = (graph: FixtureGraph) => readFileSync(fileURLToPath(new URL(`${graph}.onnx`, MODELS)));
const cardText = () => JSON.stringify(fixtureCardJson());

/** onnxruntime-node's create, recording each session so a test can see whether it was released. */
function recordingFactory(): SessionFactory & { sessions: Array<InferenceSession & { released: boolean }> } {
  const sessions: Array<InferenceSession & { released: boolean }> = [];
  const factory = async (bytes: Uint8Array, options?: InferenceSession.SessionOptions) => {
    const inner = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, ...options });
    const s = Object.create(inner) as InferenceSession & { released: boolean };
    s.released = false;
    s.release = async () => {
      s.released = true;
      await inner.release();
    };
    sessions.push(s);
    return s;
  };
  return Object.assign(factory, { sessions });
}

async function loadError(promise: Promise<unknown>): Promise<ModelLoadError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelLoadError);
  expect(err).toBeInstanceOf(CallmosError);
  return err as ModelLoadError;
}

afterEach(() => setLogEventListeners());

describe('loadMosModel', () => {
  it('loads a card given as bytes, text or JSON and a graph given as bytes, and the model runs', async () => {
    for (const data of [new TextEncoder().encode(cardText()), cardText(), fixtureCardJson()]) {
      const model = await loadMosModel({
        card: { source: 'mem/card.json', data },
        model: { source: 'mem/model.onnx', data: graphBytes('tiny-ok') },
        createSession: recordingFactory(),
        Tensor: ort.Tensor,
        maxBatch: 2,
      });
      expect(model.id).toBe('test-tiny@0.0.1');
      expect(model.maxBatch).toBe(2);
      const [score] = await model.run([new Float32Array(model.windowSize)]);
      expect(score!.mos).toBeGreaterThanOrEqual(1);
      await model.release();
    }
  });

  it('passes sessionOptions to the factory untouched', async () => {
    const seen: Array<InferenceSession.SessionOptions | undefined> = [];
    const factory = recordingFactory();
    const sessionOptions = { graphOptimizationLevel: 'basic' as const };
    const model = await loadMosModel({
      card: { source: 'c', data: cardText() },
      model: { source: 'm', data: graphBytes('tiny-ok') },
      createSession: (bytes, options) => (seen.push(options), factory(bytes, options)),
      sessionOptions,
    });
    expect(seen).toEqual([sessionOptions]);
    await model.release();
  });

  it('a card that is not JSON: MODEL_CARD_INVALID naming the card, and no session is opened', async () => {
    const factory = recordingFactory();
    const err = await loadError(
      loadMosModel({ card: { source: 'https://x/card.json', data: '{ "cardVersion": 1,' }, model: { source: 'm', data: graphBytes('tiny-ok') }, createSession: factory }),
    );
    expect(err).toMatchObject({ code: 'MODEL_CARD_INVALID', source: 'https://x/card.json' });
    expect(err.message).toMatch(/^https:\/\/x\/card\.json: not valid JSON: /);
    expect(factory.sessions).toHaveLength(0);
  });

  it('a card that breaks the schema: MODEL_CARD_INVALID with every problem and the CardError as cause', async () => {
    const json = fixtureCardJson();
    json.input.bins = 257;
    delete json.name;
    const err = await loadError(loadMosModel({ card: { source: 'card.json', data: json }, model: { source: 'm', data: graphBytes('tiny-ok') }, createSession: recordingFactory() }));
    expect(err.code).toBe('MODEL_CARD_INVALID');
    expect(err.cause).toBeInstanceOf(CardError);
    expect(err.problems).toHaveLength(2);
    expect(err.message).toContain('card.json: invalid model card');
  });

  it('bytes onnxruntime cannot load: MODEL_GRAPH_INVALID naming the graph, with the runtime error as cause', async () => {
    const err = await loadError(
      loadMosModel({ card: { source: 'c', data: cardText() }, model: { source: 'dir/model.onnx', data: new TextEncoder().encode('not a protobuf') }, createSession: recordingFactory() }),
    );
    expect(err).toMatchObject({ code: 'MODEL_GRAPH_INVALID', source: 'dir/model.onnx' });
    expect(err.message).toMatch(/^dir\/model\.onnx: cannot load the ONNX model: /);
    expect(err.cause).toBeInstanceOf(Error);
  });

  it.each([
    ['wrong-bins', /card\.input\.bins/],
    ['wrong-dims', /card\.outputs\.dims/],
    ['wrong-input-name', /card\.input\.name/],
  ] as const)('a graph that does not match its card (%s): MODEL_CONTRACT_MISMATCH, session released', async (graph, problem) => {
    const factory = recordingFactory();
    const err = await loadError(loadMosModel({ card: { source: 'd/card.json', data: cardText() }, model: { source: 'd/model.onnx', data: graphBytes(graph) }, createSession: factory }));
    expect(err).toMatchObject({ code: 'MODEL_CONTRACT_MISMATCH', source: 'd/model.onnx' });
    expect(err.message).toContain('does not match d/card.json');
    expect(err.cause).toBeInstanceOf(ModelContractError);
    expect(err.problems.join('\n')).toMatch(problem);
    expect(factory.sessions.map((s) => s.released)).toEqual([true]);
  });

  it('a release that fails after a failed load is logged, and the load error still surfaces', async () => {
    const warnings: string[] = [];
    setLogEventListeners({ onwarn: (namespace, log) => warnings.push(`${namespace} ${log}`) });
    const factory = recordingFactory();
    const err = await loadError(
      loadMosModel({
        card: { source: 'c', data: cardText() },
        model: { source: 'd/model.onnx', data: graphBytes('wrong-bins') },
        createSession: async (bytes) => {
          const s = await factory(bytes);
          s.release = () => Promise.reject(new Error('release broke'));
          return s;
        },
      }),
    );
    expect(err.code).toBe('MODEL_CONTRACT_MISMATCH');
    expect(warnings).toEqual([expect.stringMatching(/^callmos:core:model-loader d\/model\.onnx: releasing the session .*release broke/)]);
  });
});

describe('openModelSession', () => {
  it('opens a graph that has the inputs and outputs asked for', async () => {
    const session = await openModelSession({ model: { source: 'm', data: graphBytes('tiny-ok') }, createSession: recordingFactory(), inputs: ['frames'], outputs: ['mos'] });
    expect(session.inputNames).toContain('frames');
    await session.release();
  });

  it('refuses a graph lacking one (MODEL_CONTRACT_MISMATCH, every name missing listed) and releases it', async () => {
    const factory = recordingFactory();
    const err = await loadError(
      openModelSession({ model: { source: 't.onnx', data: graphBytes('tiny-ok') }, createSession: factory, what: 'DNSMOS P.835', inputs: ['input_1'], outputs: ['Identity:0'] }),
    );
    expect(err).toMatchObject({ code: 'MODEL_CONTRACT_MISMATCH', source: 't.onnx', problems: ['missing input "input_1"', 'missing output "Identity:0"'] });
    expect(err.message).toMatch(/^t\.onnx: not DNSMOS P\.835: missing input "input_1", output "Identity:0" \(has inputs frames; outputs /);
    expect(factory.sessions.map((s) => s.released)).toEqual([true]);
  });
});

describe('parseCardFile', () => {
  it('parses the card a host read', () => {
    expect(parseCardFile({ source: 'c', data: cardText() }).name).toBe('test-tiny');
  });
});
