/**
 * Loads a MosModel inside the worker: this host fetches card.json and model.onnx from the app's URLs
 * and supplies onnxruntime-web (wasm backend, SIMD); core's loader parses the card, opens the graph and
 * validates one against the other. Every failure is a ModelLoadError naming the URL: a 404 or network
 * failure (ModelFetchError), a card that is not JSON or not a card, a graph onnxruntime cannot load, a
 * graph that does not match its card (its `code` says which; node's loader fails the same way). The
 * speech detector (Silero VAD) loads the same way, through core's loader too.
 */
import { Logger, loadMosModel, streamingPairNames, type ModelFile, type MosModel } from '@callmos/core';
import type { SileroVad } from '@callmos/core';
import { loadSileroVad } from '@callmos/core/pipeline';
import * as ort from 'onnxruntime-web/wasm';
import { ModelFetchError } from '../monitor/errors.js';
import type { InitRequest } from '../transport/protocol.js';

const logger = new Logger('client:load-model');

/**
 * Pool threads sleep between runs instead of spinning for the next parallel section: a window comes every
 * second, and spinning wasm threads would keep the user's cores busy in the gaps (onnxruntime-node's
 * threads, same engine, burned 63 CPU ms per 21 ms run of tiny that way; 23 not spinning).
 */
const SESSION_OPTIONS = {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
} as const;

function configureOrt(req: InitRequest): void {
  // The worker is already off the main thread: onnxruntime's own proxy worker would only add a hop.
  ort.env.wasm.proxy = false;
  ort.env.wasm.numThreads = req.numThreads;
  ort.env.wasm.wasmPaths = { mjs: req.ort.mjs, wasm: req.ort.wasm };
}

export async function loadModel(req: InitRequest): Promise<MosModel> {
  configureOrt(req);
  const [card, model] = await Promise.all([fetchBytes(req.cardUrl), fetchBytes(req.onnxUrl)]);
  return loadMosModel({
    card,
    model,
    createSession: (bytes, options) => ort.InferenceSession.create(bytes, options),
    sessionOptions: { ...SESSION_OPTIONS, executionProviders: [...SESSION_OPTIONS.executionProviders] },
    Tensor: ort.Tensor,
    maxBatch: req.maxBatch,
    // a page monitors a few tracks; a track closed without end() is forgotten when its windows settle anyway
    maxStreams: MAX_KEPT_TRACKS,
    // core's loader leaves out a pair that does not open or does not match model.onnx, with a warning
    streaming: await streamingPair(card, req),
  });
}

/** Tracks whose last window's features the worker keeps at most (least recently scored dropped first). */
const MAX_KEPT_TRACKS = 32;

/**
 * The card's streaming pair (front end once per hop: the same scores for less than half the inference),
 * fetched beside card.json or from the URLs the app gave. Absent or unreachable (an app that hosts only
 * model.onnx and card.json), the window model scores alone: a warning, not a failure.
 */
async function streamingPair(card: ModelFile, req: InitRequest): Promise<{ front: ModelFile; back: ModelFile } | undefined> {
  if (req.streaming === 'none') return undefined;
  const names = streamingPairNames(card);
  if (!names) return undefined;
  const urls =
    req.streaming === 'beside-card'
      ? { frontUrl: new URL(names.front, req.cardUrl).href, backUrl: new URL(names.back, req.cardUrl).href }
      : req.streaming;
  try {
    const [front, back] = await Promise.all([fetchBytes(urls.frontUrl), fetchBytes(urls.backUrl)]);
    return { front, back };
  } catch (err) {
    logger.warn(`${(err as Error).message}: the streaming pair did not load; windows are scored whole`);
    return undefined;
  }
}

/** The Silero speech detector at `url`: one 32 ms frame per run, so one wasm thread is plenty. */
export async function loadSpeechDetector(req: InitRequest, url: string): Promise<SileroVad> {
  configureOrt(req);
  return loadSileroVad({
    model: await fetchBytes(url),
    createSession: (bytes, options) => ort.InferenceSession.create(bytes, options),
    sessionOptions: { ...SESSION_OPTIONS, executionProviders: [...SESSION_OPTIONS.executionProviders] },
    Tensor: ort.Tensor,
    id: 'silero-vad-v6',
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
