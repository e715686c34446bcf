import { describe, expect, it } from 'vitest';
import { compressionScale } from '../../src/dsp/compression.js';
import { seededRandom } from './support.js';

describe('compressionScale = max(|X|^2, 1e-24)^-0.35', () => {
  it('matches Math.pow to 1e-14 relative over the whole range of |X|^2', () => {
    const rand = seededRandom(3);
    let worst = 0;
    for (let i = 0; i < 200000; i++) {
      const s = Math.pow(10, -30 + 120 * rand()); // 1e-30 .. 1e90
      const exact = Math.pow(Math.max(s, 1e-24), -0.35);
      worst = Math.max(worst, Math.abs(compressionScale(s) - exact) / exact);
    }
    expect(worst).toBeLessThan(1e-14);
  });

  it('is right at powers of two and mantissa interval edges, floors tiny and zero powers, keeps NaN', () => {
    for (const s of [1, 2, 0.5, 1024, 2 ** -79, 1 + 1 / 256, 1 + 255 / 256, 2 - 2 ** -52, 1e-24, 0.1, 3]) {
      const exact = Math.pow(s, -0.35);
      expect(Math.abs(compressionScale(s) - exact) / exact, String(s)).toBeLessThan(1e-14);
    }
    const floored = compressionScale(1e-24);
    expect(compressionScale(0)).toBe(floored);
    expect(compressionScale(1e-300)).toBe(floored);
    expect(compressionScale(Infinity)).toBe(0);
    expect(compressionScale(NaN)).toBeNaN();
  });
});
