/** Shared helpers for the DSP tests: golden fixtures, a seeded RNG, random chunking, comparisons. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = new URL('../fixtures/dsp/', import.meta.url);

/** Reads a fixture written by models/training/callmos_factory/golden.py. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fileURLToPath(new URL(name, FIXTURES)), 'utf8')) as T;
}

/** mulberry32: a small deterministic PRNG in [0, 1), so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian-ish noise (sum of uniforms) of standard deviation ~`scale`. */
export function noise(n: number, seed: number, scale = 0.1): Float32Array {
  const rand = seededRandom(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = scale * (rand() + rand() + rand() - 1.5) * 2;
  return x;
}

/** Splits `x` into consecutive chunks of random sizes in [0, maxChunk] (empty and 1-sample chunks included). */
export function randomChunks(x: Float32Array, seed: number, maxChunk: number): Float32Array[] {
  const rand = seededRandom(seed);
  const chunks: Float32Array[] = [];
  for (let i = 0; i < x.length; ) {
    const r = rand();
    const size = r < 0.1 ? 0 : r < 0.3 ? 1 : Math.floor(rand() * (maxChunk + 1));
    chunks.push(x.subarray(i, Math.min(x.length, i + size)));
    i += size;
  }
  return chunks;
}

// joining chunks back together: the examples' helper, which the client tests use too
export { concat } from '../../../../examples/lib/audio.mjs';

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

export function sine(n: number, freq: number, rate: number, amplitude = 0.5, phase = 0): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate + phase);
  return x;
}

/** Amplitude of the `freq` component of y[from, to) (Hann-weighted projection: leakage from far tones is negligible). */
export function toneAmplitude(y: ArrayLike<number>, freq: number, rate: number, from: number, to: number): number {
  let re = 0;
  let im = 0;
  let weight = 0;
  const n = to - from;
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n);
    const angle = (2 * Math.PI * freq * (from + i)) / rate;
    re += w * y[from + i] * Math.cos(angle);
    im -= w * y[from + i] * Math.sin(angle);
    weight += w;
  }
  return (2 * Math.hypot(re, im)) / weight;
}

export function rms(y: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += y[i] * y[i];
  return Math.sqrt(sum / (to - from));
}

export const db = (ratio: number): number => 20 * Math.log10(ratio);
