/** Typed errors survive the worker boundary; model and asset URLs resolve as documented. */
import { CardError, ModelContractError } from '@callmos/core';
import { describe, expect, it } from 'vitest';
import { resolveAssets } from '../../src/monitor/assets.js';
import { deserializeError, ModelFetchError, ModelLoadError, serializeError } from '../../src/monitor/errors.js';
import { resolveModelUrls } from '../../src/monitor/model-source.js';

/** What postMessage does to a value: structured clone. */
const overTheWire = (err: Error) => deserializeError(structuredClone(serializeError(err)));

describe('errors across the worker boundary', () => {
  it('rebuilds ModelFetchError with URL and status', () => {
    const err = overTheWire(new ModelFetchError('https://app.example/m/model.onnx', 404, 'HTTP 404 Not Found'));
    expect(err).toBeInstanceOf(ModelFetchError);
    expect(err).toMatchObject({ url: 'https://app.example/m/model.onnx', status: 404, message: 'cannot fetch https://app.example/m/model.onnx: HTTP 404 Not Found' });
  });

  it("rebuilds core's ModelContractError and CardError with every problem, naming the file", () => {
    const contract = new ModelContractError('tiny@1.0.0', ['input "frames" dim 2 (bins) is 129 in the graph, but card.input.bins is 161']);
    Object.defineProperty(contract, 'url', { value: 'https://app.example/m/model.onnx', enumerable: true });
    const back = overTheWire(contract) as ModelContractError;
    expect(back).toBeInstanceOf(ModelContractError);
    expect(back.problems).toEqual(contract.problems);
    expect(back.message).toBe(`https://app.example/m/model.onnx: ${contract.message}`);

    const card = overTheWire(new CardError(['card.input.bins must be 161, got 129', 'card.name is missing (expected a non-empty string)']));
    expect(card).toBeInstanceOf(CardError);
    expect((card as CardError).problems).toHaveLength(2);
  });

  it('keeps name and message of anything else', () => {
    expect(overTheWire(new ModelLoadError('u', 'onnxruntime-web cannot load the graph: bad'))).toBeInstanceOf(ModelLoadError);
    const e = overTheWire(new TypeError('boom'));
    expect([e.name, e.message]).toEqual(['TypeError', 'boom']);
  });
});

describe('URLs', () => {
  it('a model directory URL means model.onnx + card.json in it', () => {
    expect(resolveModelUrls('https://app.example/models/tiny')).toEqual({
      onnxUrl: 'https://app.example/models/tiny/model.onnx',
      cardUrl: 'https://app.example/models/tiny/card.json',
    });
    expect(resolveModelUrls({ onnx: 'https://cdn.app.example/a.onnx', card: new URL('https://app.example/a.json') })).toEqual({
      onnxUrl: 'https://cdn.app.example/a.onnx',
      cardUrl: 'https://app.example/a.json',
    });
  });

  it('assets default to files beside the module, or under assetsBaseUrl', () => {
    const beside = resolveAssets();
    expect(beside.worker).toMatch(/\/inference-worker\.js$/);
    expect(beside.ortWasm).toMatch(/\/ort\/ort-wasm-simd-threaded\.wasm$/);
    expect(beside.speechDetector).toMatch(/\/vad\/silero_vad_16k_op15\.onnx$/);
    expect(resolveAssets('https://app.example/static/callmos')).toEqual({
      worker: 'https://app.example/static/callmos/inference-worker.js',
      worklet: 'https://app.example/static/callmos/tap-worklet.js',
      ortMjs: 'https://app.example/static/callmos/ort/ort-wasm-simd-threaded.mjs',
      ortWasm: 'https://app.example/static/callmos/ort/ort-wasm-simd-threaded.wasm',
      speechDetector: 'https://app.example/static/callmos/vad/silero_vad_16k_op15.onnx',
    });
  });
});
