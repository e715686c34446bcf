/** Typed errors survive the worker boundary; model and asset URLs resolve as documented. */
import { CallmosError, CardError, ModelContractError, ModelLoadError, ModelRunError } from '@callmos/core';
import { describe, expect, it } from 'vitest';
import { resolveAssets } from '../../src/monitor/assets.js';
import { deserializeError, ModelFetchError, MonitorSetupError, serializeError, TrackMonitorError } from '../../src/monitor/errors.js';
import { resolveModelUrls } from '../../src/monitor/model-source.js';

/** What postMessage does to a value: structured clone. */
const overTheWire = (err: Error) => deserializeError(structuredClone(serializeError(err)));

describe('errors across the worker boundary', () => {
  it('rebuilds ModelFetchError with URL, status and code: a ModelLoadError like any other load failure', () => {
    const err = overTheWire(new ModelFetchError('https://app.example/m/model.onnx', 404, 'HTTP 404 Not Found'));
    expect(err).toBeInstanceOf(ModelFetchError);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(err).toMatchObject({
      name: 'ModelFetchError',
      code: 'MODEL_NOT_FOUND',
      source: 'https://app.example/m/model.onnx',
      status: 404,
      message: 'https://app.example/m/model.onnx: HTTP 404 Not Found',
    });
    expect(overTheWire(new ModelFetchError('https://app.example/m/card.json', 0, 'network error (Failed to fetch)'))).toMatchObject({ code: 'MODEL_UNREADABLE', status: 0 });
  });

  it("rebuilds core's ModelLoadError with its code, source, every problem and its cause", () => {
    const contract = new ModelContractError('tiny@1.0.0', ['input "frames" dim 2 (bins) is 129 in the graph, but card.input.bins is 161']);
    const err = new ModelLoadError('MODEL_CONTRACT_MISMATCH', 'https://app.example/m/model.onnx', `does not match https://app.example/m/card.json: ${contract.problems[0]}`, { cause: contract });
    const back = overTheWire(err) as ModelLoadError;
    expect(back).toBeInstanceOf(ModelLoadError);
    expect(back).toMatchObject({ code: 'MODEL_CONTRACT_MISMATCH', source: err.source, problem: err.problem, message: err.message, problems: contract.problems });
    expect(back.cause).toBeInstanceOf(ModelContractError);
    expect((back.cause as ModelContractError).problems).toEqual(contract.problems);

    const card = overTheWire(new CardError(['card.input.bins must be 161, got 129', 'card.name is missing (expected a non-empty string)']));
    expect(card).toBeInstanceOf(CardError);
    expect((card as CardError).problems).toHaveLength(2);
    expect(overTheWire(new ModelRunError('tiny@1', 'inference failed: x'))).toMatchObject({ name: 'ModelRunError', code: 'MODEL_RUN_FAILED', message: 'model tiny@1: inference failed: x' });
  });

  it("the client's own errors are CallmosErrors with codes", () => {
    expect(new MonitorSetupError('no AudioWorklet')).toMatchObject({ name: 'MonitorSetupError', code: 'MONITOR_SETUP_FAILED' });
    expect(new TrackMonitorError('t1', 'worker failed')).toMatchObject({ name: 'TrackMonitorError', code: 'TRACK_FAILED', message: 'track t1: worker failed' });
    for (const err of [new MonitorSetupError('x'), new TrackMonitorError('t', 'x'), new ModelFetchError('u', 500, 'HTTP 500')]) expect(err).toBeInstanceOf(CallmosError);
  });

  it('keeps name and message of anything else', () => {
    const e = overTheWire(new TypeError('boom'));
    expect([e.name, e.message]).toEqual(['TypeError', 'boom']);
  });
});

describe('URLs', () => {
  it('a model directory URL means model.onnx + card.json in it, and the streaming pair the card names beside it', () => {
    expect(resolveModelUrls('https://app.example/models/tiny')).toEqual({
      onnxUrl: 'https://app.example/models/tiny/model.onnx',
      cardUrl: 'https://app.example/models/tiny/card.json',
      streaming: 'beside-card',
    });
    // separate (e.g. a bundler's hashed) URLs: the pair only when given, both or neither
    expect(resolveModelUrls({ onnx: 'https://cdn.app.example/a.onnx', card: new URL('https://app.example/a.json') })).toEqual({
      onnxUrl: 'https://cdn.app.example/a.onnx',
      cardUrl: 'https://app.example/a.json',
      streaming: 'none',
    });
    expect(resolveModelUrls({ onnx: 'https://app.example/a.onnx', card: 'https://app.example/a.json', front: 'https://app.example/f-1.onnx', back: 'https://app.example/b-2.onnx' }).streaming).toEqual({
      frontUrl: 'https://app.example/f-1.onnx',
      backUrl: 'https://app.example/b-2.onnx',
    });
    expect(() => resolveModelUrls({ onnx: '/a.onnx', card: '/a.json', front: '/f.onnx' })).toThrow(/both front and back/);
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
