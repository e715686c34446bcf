/**
 * Loads a MosModel inside the worker: card.json and model.onnx fetched from the app's URLs, the graph
 * compiled by onnxruntime-web (wasm backend, SIMD), validated against the card by core. Each failure is
 * its own typed error naming the URL: a 404, a card that is not JSON or not a card, a graph onnxruntime
 * cannot load, a graph that does not match its card. The speech detector (Silero VAD) loads the same way.
 */
import { CardError, ModelContractError, MosModel, parseModelCard, SileroVad, SpeechModelError, type ModelCard } from '@callmos/core';
import * as ort from 'onnxruntime-web/wasm';
import { ModelFetchError, ModelLoadError } from '../monitor/errors.js';
import type { InitRequest } from '../transport/protocol.js';

function configureOrt(req: InitRequest): void {
  // The worker is already off the main thread: onnxruntime's own proxy worker would only add a hop.
  ort.env.wasm.proxy = false;
  ort.env.wasm.numThreads = req.numThreads;
  ort.env.wasm.wasmPaths = { mjs: req.ort.mjs, wasm: req.ort.wasm };
}

export async function loadModel(req: InitRequest): Promise<MosModel> {
  configureOrt(req);
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

/** The Silero speech detector at `url`: one 32 ms frame per run, so one wasm thread is plenty. */
export async function loadSpeechDetector(req: InitRequest, url: string): Promise<SileroVad> {
  configureOrt(req);
  const bytes = await fetchBytes(url);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (err) {
    throw new ModelLoadError(url, `onnxruntime-web cannot load the speech detector: ${(err as Error).message ?? String(err)}`);
  }
  try {
    return await SileroVad.load(session, ort.Tensor, { id: 'silero-vad-v6' });
  } catch (err) {
    await session.release().catch(() => undefined);
    if (err instanceof SpeechModelError) throw new ModelLoadError(url, err.message);
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
