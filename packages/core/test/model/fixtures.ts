/**
 * Test fixtures for the model and scoring tests: the contract graphs made by
 * models/training/callmos_factory/testmodels.py (random weights, W = 100, hop 50), loaded with
 * onnxruntime-node (tests only: core itself never imports a backend), and a speech-like test signal.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-common';
import { CardError, parseModelCard, type ModelCard } from '../../src/model/card.js';
import { MosModel, type MosModelOptions } from '../../src/model/mos-model.js';
import { seededRandom } from '../dsp/support.js';

const MODELS = new URL('../fixtures/models/', import.meta.url);

export type FixtureGraph = 'tiny-ok' | 'wrong-input-name' | 'wrong-bins' | 'wrong-dims';

/** The card matching tiny-ok.onnx, as plain JSON (mutable: tests break it on purpose). */
export function fixtureCardJson(): Record<string, any> {
  return JSON.parse(readFileSync(fileURLToPath(new URL('tiny-ok.card.json', MODELS)), 'utf8'));
}

export function fixtureCard(input: Partial<ModelCard['input']> = {}): ModelCard {
  const card = parseModelCard(fixtureCardJson());
  return { ...card, input: { ...card.input, ...input } };
}

const sessions = new Map<FixtureGraph, Promise<InferenceSession>>();

/** One onnxruntime-node session per graph, shared by the tests of a file. */
export function fixtureSession(graph: FixtureGraph): Promise<InferenceSession> {
  let s = sessions.get(graph);
  if (!s) {
    s = ort.InferenceSession.create(fileURLToPath(new URL(`${graph}.onnx`, MODELS)), { intraOpNumThreads: 1 });
    sessions.set(graph, s);
  }
  return s;
}

export async function fixtureModel(input: Partial<ModelCard['input']> = {}, options: MosModelOptions = {}): Promise<MosModel> {
  return MosModel.load(fixtureCard(input), await fixtureSession('tiny-ok'), ort.Tensor, options);
}

/** Counts session.run calls (and the windows in them) on the way to a real session. */
export function countingSession(inner: InferenceSession): InferenceSession & { runs: number; windows: number } {
  const counted = Object.create(inner) as InferenceSession & { runs: number; windows: number };
  counted.runs = 0;
  counted.windows = 0;
  counted.run = ((feeds: InferenceSession.FeedsType, ...rest: unknown[]) => {
    counted.runs++;
    counted.windows += Number(Object.values(feeds)[0]!.dims[0]);
    return (inner.run as (...a: unknown[]) => Promise<InferenceSession.ReturnType>)(feeds, ...rest);
  }) as InferenceSession['run'];
  return counted;
}

/**
 * Speech-like audio: a voiced harmonic source with a wandering pitch and two formant-ish peaks, under a
 * syllabic (~4 Hz) envelope with pauses, over a -60 dBFS noise floor. Deterministic for a seed.
 */
export function speechLike(seconds: number, sampleRate: number, seed = 1): Float32Array {
  const rand = seededRandom(seed);
  const n = Math.round(seconds * sampleRate);
  const x = new Float32Array(n);
  let phase = 0;
  let syllable = 0;
  let syllableEnd = 0;
  let amp = 0;
  for (let i = 0; i < n; i++) {
    if (i >= syllableEnd) {
      const pause = rand() < 0.2 && i > 0; // 20 % pauses, never at the start
      syllable = pause ? 0 : 0.1 + 0.3 * rand();
      syllableEnd = i + Math.round((0.12 + 0.2 * rand()) * sampleRate);
    }
    amp += (syllable - amp) * (40 / sampleRate); // smooth onsets, ~25 ms
    const t = i / sampleRate;
    const f0 = 140 + 40 * Math.sin(2 * Math.PI * 0.7 * t) + 10 * Math.sin(2 * Math.PI * 3.1 * t);
    phase += (2 * Math.PI * f0) / sampleRate;
    let voiced = 0;
    for (let h = 1; h <= 20 && h * f0 < sampleRate / 2.2; h++) {
      const f = h * f0;
      const formants = 1 / (1 + ((f - 600) / 250) ** 2) + 0.5 / (1 + ((f - 1800) / 400) ** 2);
      voiced += (formants + 0.02) * Math.sin(h * phase);
    }
    x[i] = amp * voiced * 0.3 + 0.001 * (rand() - 0.5) * 2;
  }
  return x;
}

/** Zeros, or a constant low noise floor at about `db` dBFS. */
export function quiet(seconds: number, sampleRate: number, db = -Infinity, seed = 2): Float32Array {
  const x = new Float32Array(Math.round(seconds * sampleRate));
  if (db === -Infinity) return x;
  const rand = seededRandom(seed);
  const scale = Math.pow(10, db / 20) * Math.sqrt(3); // uniform [-a, a] has RMS a / sqrt(3)
  for (let i = 0; i < x.length; i++) x[i] = scale * (2 * rand() - 1);
  return x;
}

/** The problems a CardError lists for `json` (fails the test when the card parses). */
export function cardProblems(json: unknown): string[] {
  try {
    parseModelCard(json);
  } catch (err) {
    if (!(err instanceof CardError)) throw err;
    return [...err.problems];
  }
  throw new Error('expected a CardError');
}
