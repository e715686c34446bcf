/**
 * Loads a MosModel inside the worker: this host fetches card.json and model.onnx from the app's URLs
 * and supplies onnxruntime-web (wasm backend, SIMD); core's loader parses the card, opens the graph and
 * validates one against the other. Every failure is a ModelLoadError naming the URL: a 404 or network
 * failure (ModelFetchError), a card that is not JSON or not a card, a graph onnxruntime cannot load, a
 * graph that does not match its card (its `code` says which; node's loader fails the same way).
 */
import { loadMosModel, type ModelFile, type MosModel } from '@callmos/core';
import * as ort from 'onnxruntime-web/wasm';
import { ModelFetchError } from '../monitor/errors.js';
import type { InitRequest } from '../transport/protocol.js';

export async function loadModel(req: InitRequest): Promise<MosModel> {
  // The worker is already off the main thread: onnxruntime's own proxy worker would only add a hop.
  ort.env.wasm.proxy = false;
  ort.env.wasm.numThreads = req.numThreads;
  ort.env.wasm.wasmPaths = { mjs: req.ort.mjs, wasm: req.ort.wasm };

  const [card, model] = await Promise.all([fetchBytes(req.cardUrl), fetchBytes(req.onnxUrl)]);
  return loadMosModel({
    card,
    model,
    createSession: (bytes, options) => ort.InferenceSession.create(bytes, options),
    sessionOptions: { executionProviders: ['wasm'], graphOptimizationLevel: 'all' },
    Tensor: ort.Tensor,
    maxBatch: req.maxBatch,
  });
}

async function fetchBytes(url: string): Promise<ModelFile> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new ModelFetchError(url, 0, `network error (${(err as Error).message})`);
  }
  if (!res.ok) throw new ModelFetchError(url, res.status, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  return { source: url, data: new Uint8Array(await res.arrayBuffer()) };
}
