/**
 * Loads a MosModel inside the worker: card.json and model.onnx fetched from the app's URLs, the graph
 * compiled by onnxruntime-web (wasm backend, SIMD), validated against the card by core. Each failure is
 * its own typed error naming the URL: a 404, a card that is not JSON or not a card, a graph onnxruntime
 * cannot load, a graph that does not match its card.
 */
import { CardError, ModelContractError, MosModel, parseModelCard, type ModelCard } from '@callmos/core';
import * as ort from 'onnxruntime-web/wasm';
import { ModelFetchError, ModelLoadError } from '../monitor/errors.js';
import type { InitRequest } from '../transport/protocol.js';

export async function loadModel(req: InitRequest): Promise<MosModel> {
  // The worker is already off the main thread: onnxruntime's own proxy worker would only add a hop.
  ort.env.wasm.proxy = false;
  ort.env.wasm.numThreads = req.numThreads;
  ort.env.wasm.wasmPaths = { mjs: req.ort.mjs, wasm: req.ort.wasm };

  const [cardBytes, onnxBytes] = await Promise.all([fetchBytes(req.cardUrl), fetchBytes(req.onnxUrl)]);
  const card = parseCard(req.cardUrl, cardBytes);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnxBytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (err) {
    throw new ModelLoadError(req.onnxUrl, `onnxruntime-web cannot load the graph: ${(err as Error).message ?? String(err)}`);
  }
  try {
    return await MosModel.load(card, session, ort.Tensor, { maxBatch: req.maxBatch });
  } catch (err) {
    await session.release().catch(() => undefined);
    if (err instanceof ModelContractError) Object.defineProperty(err, 'url', { value: req.onnxUrl, enumerable: true });
    throw err;
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new ModelFetchError(url, 0, `network error (${(err as Error).message})`);
  }
  if (!res.ok) throw new ModelFetchError(url, res.status, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  return new Uint8Array(await res.arrayBuffer());
}

function parseCard(url: string, bytes: Uint8Array): ModelCard {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new ModelLoadError(url, `not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseModelCard(json);
  } catch (err) {
    if (err instanceof CardError) Object.defineProperty(err, 'url', { value: url, enumerable: true });
    throw err;
  }
}
