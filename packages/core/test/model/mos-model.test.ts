import { describe, expect, it } from 'vitest';
import { Tensor, type InferenceSession } from 'onnxruntime-common';
import { MosModel } from '../../src/model/mos-model.js';
import { CardError, ModelContractError, ModelRunError } from '../../src/model/errors.js';
import { fixtureCard, fixtureModel, fixtureSession } from './fixtures.js';
import { seededRandom } from '../dsp/support.js';

const WINDOW = 2 * 161 * 100;

function randomWindows(n: number, seed: number): Float32Array[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: WINDOW }, () => 2 * rand() - 1));
}

/** A stand-in session whose outputs the test chooses; records what it was fed. */
function fakeSession(outputs: (n: number) => { mos: number[]; dims: number[] }, delayMs = 0) {
  const session = {
    inputNames: ['frames'],
    outputNames: ['mos', 'dims'],
    inflight: 0,
    maxInflight: 0,
    feeds: [] as InferenceSession.FeedsType[],
    async run(feeds: InferenceSession.FeedsType): Promise<InferenceSession.ReturnType> {
      session.feeds.push(feeds);
      session.maxInflight = Math.max(session.maxInflight, ++session.inflight);
      await new Promise((r) => setTimeout(r, delayMs));
      session.inflight--;
      const n = Number(feeds.frames!.dims[0]);
      const { mos, dims } = outputs(n);
      return { mos: new Tensor('float32', Float32Array.from(mos), [n]), dims: new Tensor('float32', Float32Array.from(dims), [n, dims.length / n]) };
    },
    async release() {},
  };
  return session;
}
const asSession = (s: object) => s as unknown as InferenceSession;

describe('MosModel', () => {
  it('scores windows on a real graph: array of windows = one batched array, any batch split', async () => {
    const model = await fixtureModel();
    expect(model.id).toBe('test-tiny@0.0.1');
    expect(model.windowSize).toBe(WINDOW);
    const windows = randomWindows(5, 7);
    const scores = await model.run(windows);
    expect(scores).toHaveLength(5);
    for (const s of scores) {
      expect(s.mos).toBeGreaterThanOrEqual(1);
      expect(s.mos).toBeLessThanOrEqual(5);
      expect(Object.keys(s.dims)).toEqual(['noisiness', 'coloration', 'discontinuity', 'loudness', 'sig', 'bak']);
    }
    const batched = new Float32Array(5 * WINDOW);
    windows.forEach((w, i) => batched.set(w, i * WINDOW));
    const small = await fixtureModel({}, { maxBatch: 2 });
    for (const other of [await model.run(batched, 5), await small.run(windows)]) {
      other.forEach((s, i) => {
        expect(s.mos).toBeCloseTo(scores[i]!.mos, 5);
        for (const k of Object.keys(s.dims)) expect(s.dims[k]).toBeCloseTo(scores[i]!.dims[k]!, 5);
      });
    }
    expect(await model.run(batched, 2)).toHaveLength(2);
    expect(await model.run([])).toEqual([]);
  });

  it('splits large requests into maxBatch runs', async () => {
    const session = fakeSession((n) => ({ mos: Array(n).fill(3), dims: Array(6 * n).fill(2) }));
    const model = await MosModel.load(fixtureCard(), asSession(session), Tensor, { maxBatch: 4 });
    await model.run(randomWindows(10, 1));
    expect(session.feeds.map((f) => f.frames!.dims)).toEqual([
      [4, 2, 161, 100],
      [4, 2, 161, 100],
      [2, 2, 161, 100],
    ]);
  });

  it('clamps MOS to the card range and keeps dims in card order', async () => {
    const session = fakeSession(() => ({ mos: [7, -2], dims: [1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1] }));
    const model = await MosModel.load(fixtureCard(), asSession(session));
    const [a, b] = await model.run(randomWindows(2, 2));
    expect(a!.mos).toBe(5);
    expect(b!.mos).toBe(1);
    expect(a!.dims).toEqual({ noisiness: 1, coloration: 2, discontinuity: 3, loudness: 4, sig: 5, bak: 6 });
    expect(b!.dims.bak).toBe(1);
  });

  it('fails on NaN output with an error naming the model', async () => {
    const session = fakeSession((n) => ({ mos: Array(n).fill(NaN), dims: Array(6 * n).fill(3) }));
    const model = await MosModel.load(fixtureCard(), asSession(session));
    const run = model.run(randomWindows(1, 3));
    await expect(run).rejects.toBeInstanceOf(ModelRunError);
    await expect(run).rejects.toThrow('model test-tiny@0.0.1: returned NaN in output "mos" for window 0 of the batch');
  });

  it('reports a failing session and a wrong output size as ModelRunError', async () => {
    const failing = fakeSession(() => {
      throw new Error('out of memory');
    });
    const model = await MosModel.load(fixtureCard(), asSession(failing));
    await expect(model.run(randomWindows(1, 4))).rejects.toThrow('model test-tiny@0.0.1: inference failed: out of memory');
    const short = await MosModel.load(fixtureCard(), asSession(fakeSession(() => ({ mos: [3], dims: [3, 3, 3] }))));
    await expect(short.run(randomWindows(1, 4))).rejects.toThrow('output "dims" has 3 values, expected 6');
  });

  it('rejects windows of the wrong size', async () => {
    const model = await fixtureModel();
    await expect(model.run([new Float32Array(10)])).rejects.toThrow('window 0 has 10 floats, expected 32200 ([2, 161, 100])');
    await expect(model.run(new Float32Array(WINDOW + 1))).rejects.toThrow(RangeError);
  });

  it('serialises runs on one session (onnxruntime-web allows one at a time)', async () => {
    const session = fakeSession((n) => ({ mos: Array(n).fill(3), dims: Array(6 * n).fill(3) }), 5);
    const model = await MosModel.load(fixtureCard(), asSession(session));
    await Promise.all([model.run(randomWindows(1, 5)), model.run(randomWindows(1, 6)), model.run(randomWindows(1, 7))]);
    expect(session.feeds).toHaveLength(3);
    expect(session.maxInflight).toBe(1);
  });

  it('builds inputs with the Tensor class the host passes', async () => {
    const made: string[] = [];
    // a constructor returning an object: `new HostTensor(...)` yields that object
    // biome-ignore lint/complexity/useArrowFunction: called with `new`, which an arrow function cannot be
    const HostTensor = function (...args: unknown[]) {
      const t = new (Tensor as unknown as new (...a: unknown[]) => Tensor)(...args);
      made.push(t.type);
      return t;
    } as unknown as typeof Tensor;
    const model = await MosModel.load(fixtureCard(), await fixtureSession('tiny-ok'), HostTensor);
    await model.run(randomWindows(1, 8));
    expect(made).toEqual(['float32']);
  });

  it('validates card and graph at load', async () => {
    const card = fixtureCard();
    await expect(MosModel.load({ ...card, name: '' }, await fixtureSession('tiny-ok'))).rejects.toBeInstanceOf(CardError);
    await expect(MosModel.load(card, await fixtureSession('wrong-bins'))).rejects.toBeInstanceOf(ModelContractError);
  });
});
