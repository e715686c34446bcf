/**
 * The power-law compression factor max(|X|, 1e-12)^(0.3 - 1), computed from |X|^2 as
 * max(|X|^2, 1e-24)^(-0.35), without Math.pow.
 *
 * Why: the STFT needs 161 of these per frame, and V8's Math.pow costs ~70 ns (exp(log) ~35 ns): more
 * than the FFT itself. Here s = 2^e * m (m in [1, 2)) is split off its float64 bits, so
 * s^a = (2^a)^e * c^a * (1 + d)^a, with c the centre of m's 1/256 mantissa interval (tabled), and
 * d = m / c - 1 (|d| < 2^-9) handled by 4 Taylor terms (truncation ~5e-15). The result is within
 * ~1e-15 relative of the exact power: well below the float32 rounding of the features.
 */
import { MAG_FLOOR, POWER } from './constants.js';

/** max(powerSquared, 1e-24)^(-0.35) = max(|X|, 1e-12)^(0.3 - 1) for powerSquared = |X|^2. */
export const compressionScale: (powerSquared: number) => number = makeCompressionScale();

function makeCompressionScale(): (powerSquared: number) => number {
  // The tables and constants live in this factory, not at module level: bundlers (esbuild, so tsup) turn a
  // module's top-level `const` into `var`, and V8 then reads these doubles from mutable slots and boxes a
  // number per call: 161 heap numbers (2.6 KB) per STFT frame and 2.7x the time (a monitor of 64 streams
  // made half its garbage here). Function-local `const`s are folded into the code again.
  const EXPONENT = (POWER - 1) / 2;
  const FLOOR_SQ = MAG_FLOOR * MAG_FLOOR;
  const MANTISSA_BITS = 8;
  const INTERVALS = 1 << MANTISSA_BITS;

  const scratch = new Float64Array(1);
  const words = new Uint32Array(scratch.buffer);
  /** index of the word that holds sign, exponent and the top 20 mantissa bits */
  const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

  /** (2^EXPONENT)^e for the normal binary exponents, indexed by the biased exponent e + 1023 (1 .. 2046) */
  const POW_OF_TWO = Float64Array.from({ length: 2047 }, (_, i) => Math.pow(2, EXPONENT * (i - 1023)));
  /** c^EXPONENT and 1 / c for the centre c of each mantissa interval */
  const CENTRE_POW = new Float64Array(INTERVALS);
  const CENTRE_INV = new Float64Array(INTERVALS);
  for (let i = 0; i < INTERVALS; i++) {
    const centre = 1 + (i + 0.5) / INTERVALS;
    CENTRE_POW[i] = Math.pow(centre, EXPONENT);
    CENTRE_INV[i] = 1 / centre;
  }
  // Taylor coefficients of (1 + d)^a
  const T1 = EXPONENT;
  const T2 = (T1 * (EXPONENT - 1)) / 2;
  const T3 = (T2 * (EXPONENT - 2)) / 3;
  const T4 = (T3 * (EXPONENT - 3)) / 4;

  function compressionScale(powerSquared: number): number {
    // biome-ignore lint/complexity/useMathMinMax: a compare on the per-bin hot path, cheaper than a call
    const s = powerSquared < FLOOR_SQ ? FLOOR_SQ : powerSquared; // NaN stays NaN (and takes the Math.pow path)
    scratch[0] = s;
    const hi = words[HI];
    const biased = hi >>> 20;
    if (biased === 0 || biased === 2047) return Math.pow(s, EXPONENT); // subnormal (not >= 1e-24), NaN, Infinity
    const interval = (hi >>> (20 - MANTISSA_BITS)) & (INTERVALS - 1);
    words[HI] = (hi & 0x000fffff) | 0x3ff00000; // same mantissa, exponent 0: m in [1, 2)
    const d = scratch[0] * CENTRE_INV[interval] - 1;
    const series = 1 + d * (T1 + d * (T2 + d * (T3 + d * T4)));
    return POW_OF_TWO[biased] * CENTRE_POW[interval] * series;
  }
  return compressionScale;
}
