/**
 * Loads a Silero VAD graph through core's one loader: the host reads the bytes and supplies its
 * onnxruntime's session factory (node: onnxruntime-node on CPU; the browser worker: onnxruntime-web),
 * as for the students. A graph that is not a usable Silero v5+ graph fails as any model does: a
 * ModelLoadError naming the file or URL (MODEL_GRAPH_INVALID, or MODEL_CONTRACT_MISMATCH with the
 * SpeechModelError as its cause), its session released.
 */
import type { InferenceSession } from 'onnxruntime-common';
import { ModelLoadError, SpeechModelError } from '../model/errors.js';
import { openModelSession, releaseAfterFailure, type ModelFile, type SessionFactory } from '../model/loader.js';
import type { TensorConstructor } from '../model/mos-model.js';
import { SileroVad } from './silero-vad.js';

export interface LoadSileroVadOptions<S extends InferenceSession = InferenceSession> {
  model: ModelFile;
  createSession: SessionFactory<S>;
  sessionOptions?: InferenceSession.SessionOptions;
  /** the host's Tensor class; default onnxruntime-common's */
  Tensor?: TensorConstructor;
  /** names the detector in messages and stats (e.g. 'silero-vad-v6') */
  id?: string;
  /** batching of frames across streams (SileroVadOptions) */
  maxBatch?: number;
  maxWaitMs?: number;
}

export async function loadSileroVad<S extends InferenceSession>(options: LoadSileroVadOptions<S>): Promise<SileroVad> {
  const session = await openModelSession({
    model: options.model,
    createSession: options.createSession,
    sessionOptions: options.sessionOptions,
    what: 'the speech detector',
  });
  try {
    return await SileroVad.load(session, options.Tensor, { id: options.id, maxBatch: options.maxBatch, maxWaitMs: options.maxWaitMs });
  } catch (err) {
    await releaseAfterFailure(session, options.model.source);
    if (err instanceof SpeechModelError) {
      throw new ModelLoadError('MODEL_CONTRACT_MISMATCH', options.model.source, err.message, { cause: err, problems: err.problems });
    }
    throw err;
  }
}
