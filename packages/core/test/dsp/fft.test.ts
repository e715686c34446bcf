import { describe, expect, it } from 'vitest';
import { RealFft } from '../../src/dsp/fft.js';
import { seededRandom } from './support.js';

/** O(n^2) float64 DFT: the definition RealFft must match (numpy.fft.rfft). */
function naiveRealDft(x: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  const bins = n / 2 + 1;
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  for (let k = 0; k < bins; k++) {
    for (let t = 0; t < n; t++) {
      const angle = (-2 * Math.PI * ((k * t) % n)) / n;
      re[k] += x[t] * Math.cos(angle);
      im[k] += x[t] * Math.sin(angle);
    }
  }
  return { re, im };
}

function randomSignal(n: number, seed: number): Float64Array {
  const rand = seededRandom(seed);
  return Float64Array.from({ length: n }, () => 2 * rand() - 1);
}

function maxError(fft: RealFft, x: Float64Array | Float32Array): number {
  const re = new Float64Array(fft.bins);
  const im = new Float64Array(fft.bins);
  fft.forward(x, re, im);
  const ref = naiveRealDft(x);
  let err = 0;
  for (let k = 0; k < fft.bins; k++) err = Math.max(err, Math.abs(re[k] - ref.re[k]), Math.abs(im[k] - ref.im[k]));
  return err;
}

describe('RealFft', () => {
  it('size 320 (the STFT size: 2^6 * 5) matches a naive DFT', () => {
    const fft = new RealFft(320);
    expect(fft.bins).toBe(161);
    for (const seed of [1, 2, 3]) expect(maxError(fft, randomSignal(320, seed))).toBeLessThan(1e-11);
  });

  it.each([2, 4, 6, 10, 12, 16, 18, 30, 50, 90, 160, 240, 480, 1000])('size %i (radices 2, 3, 4, 5) matches a naive DFT', (n) => {
    expect(maxError(new RealFft(n), randomSignal(n, n))).toBeLessThan(1e-10);
  });

  it('takes float32 input', () => {
    expect(maxError(new RealFft(320), Float32Array.from(randomSignal(320, 9)))).toBeLessThan(1e-11);
  });

  it('puts a pure tone in its bin, with exact real DC and Nyquist bins', () => {
    const fft = new RealFft(320);
    const x = Float64Array.from({ length: 320 }, (_, t) => Math.cos((2 * Math.PI * 7 * t) / 320) + 0.25);
    const re = new Float64Array(161);
    const im = new Float64Array(161);
    fft.forward(x, re, im);
    expect(re[0]).toBeCloseTo(80, 10);
    expect(re[7]).toBeCloseTo(160, 10);
    expect(im[0]).toBe(0);
    expect(im[160]).toBe(0);
    for (let k = 1; k < 161; k++) if (k !== 7) expect(Math.hypot(re[k], im[k])).toBeLessThan(1e-10);
  });

  it('is reusable: repeated calls give identical results', () => {
    const fft = new RealFft(320);
    const x = randomSignal(320, 4);
    const a = [new Float64Array(161), new Float64Array(161)] as const;
    const b = [new Float64Array(161), new Float64Array(161)] as const;
    fft.forward(x, a[0], a[1]);
    fft.forward(randomSignal(320, 5), b[0], b[1]);
    fft.forward(x, b[0], b[1]);
    expect(b[0]).toEqual(a[0]);
    expect(b[1]).toEqual(a[1]);
  });

  it('rejects odd sizes and prime factors other than 2, 3, 5', () => {
    expect(() => new RealFft(321)).toThrow(RangeError);
    expect(() => new RealFft(14)).toThrow(/prime factor/);
  });
});
