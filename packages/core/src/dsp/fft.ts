/**
 * Real FFT for the STFT's frame size (320 = 2^6 * 5), run ~100 times per second per stream.
 *
 * A real transform of size N is one complex transform of size N/2 on the samples packed as
 * z[n] = x[2n] + i x[2n+1], then a split step (the standard "two real FFTs for one" identity).
 * The complex transform is a mixed-radix Stockham autosort FFT (radices 4, 2, 3, 5): every stage
 * reads one buffer and writes the other in natural order, so there is no bit-reversal pass.
 * Everything is float64 (JS arithmetic is float64 anyway; float32 would only lose accuracy in the
 * near-zero bins that the 0.3 power compression amplifies). All tables and scratch buffers are made
 * in the constructor: forward() allocates nothing.
 */

interface Stage {
  radix: number;
  /** sub-transform count (stride) when this stage runs */
  stride: number;
  /** butterflies per sub-transform: current length / radix */
  m: number;
  /** twiddles exp(-2 pi i p j / len) for p < m, j = 1..radix-1, laid out [p * (radix - 1) + (j - 1)] */
  twRe: Float64Array;
  twIm: Float64Array;
}

const SUPPORTED_RADICES = [4, 2, 3, 5] as const;

function planStages(n: number): Stage[] {
  const stages: Stage[] = [];
  let len = n;
  let stride = 1;
  while (len > 1) {
    const radix = SUPPORTED_RADICES.find((r) => len % r === 0);
    if (radix === undefined) {
      throw new RangeError(`FFT size ${n} has a prime factor other than 2, 3 or 5`);
    }
    const m = len / radix;
    const twRe = new Float64Array(m * (radix - 1));
    const twIm = new Float64Array(m * (radix - 1));
    for (let p = 0; p < m; p++) {
      for (let j = 1; j < radix; j++) {
        const angle = (-2 * Math.PI * p * j) / len;
        twRe[p * (radix - 1) + j - 1] = Math.cos(angle);
        twIm[p * (radix - 1) + j - 1] = Math.sin(angle);
      }
    }
    stages.push({ radix, stride, m, twRe, twIm });
    len = m;
    stride *= radix;
  }
  return stages;
}

// One Stockham DIF stage: for sub-transform q (< stride) and butterfly p (< m), read
// a_k = x[q + stride (p + m k)], write y[q + stride (radix p + j)] = DFT_radix(a)_j * w^(p j).

function radix2(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { stride: s, m, twRe, twIm } = st;
  for (let p = 0; p < m; p++) {
    const wr = twRe[p], wi = twIm[p];
    const in0 = s * p, in1 = s * (p + m), out0 = s * 2 * p, out1 = out0 + s;
    for (let q = 0; q < s; q++) {
      const ar = xr[in0 + q], ai = xi[in0 + q], br = xr[in1 + q], bi = xi[in1 + q];
      yr[out0 + q] = ar + br;
      yi[out0 + q] = ai + bi;
      const dr = ar - br, di = ai - bi;
      yr[out1 + q] = dr * wr - di * wi;
      yi[out1 + q] = dr * wi + di * wr;
    }
  }
}

function radix3(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { stride: s, m, twRe, twIm } = st;
  const S = Math.sin((2 * Math.PI) / 3);
  for (let p = 0; p < m; p++) {
    const w1r = twRe[2 * p], w1i = twIm[2 * p], w2r = twRe[2 * p + 1], w2i = twIm[2 * p + 1];
    const in0 = s * p, in1 = s * (p + m), in2 = s * (p + 2 * m);
    const out0 = s * 3 * p, out1 = out0 + s, out2 = out1 + s;
    for (let q = 0; q < s; q++) {
      const a0r = xr[in0 + q], a0i = xi[in0 + q];
      const tr = xr[in1 + q] + xr[in2 + q], ti = xi[in1 + q] + xi[in2 + q];
      const nr = S * (xr[in1 + q] - xr[in2 + q]), ni = S * (xi[in1 + q] - xi[in2 + q]);
      const mr = a0r - 0.5 * tr, mi = a0i - 0.5 * ti;
      yr[out0 + q] = a0r + tr;
      yi[out0 + q] = a0i + ti;
      // b1 = m - i n, b2 = m + i n
      const b1r = mr + ni, b1i = mi - nr, b2r = mr - ni, b2i = mi + nr;
      yr[out1 + q] = b1r * w1r - b1i * w1i;
      yi[out1 + q] = b1r * w1i + b1i * w1r;
      yr[out2 + q] = b2r * w2r - b2i * w2i;
      yi[out2 + q] = b2r * w2i + b2i * w2r;
    }
  }
}

function radix4(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { stride: s, m, twRe, twIm } = st;
  for (let p = 0; p < m; p++) {
    const t = 3 * p;
    const w1r = twRe[t], w1i = twIm[t], w2r = twRe[t + 1], w2i = twIm[t + 1], w3r = twRe[t + 2], w3i = twIm[t + 2];
    const in0 = s * p, in1 = s * (p + m), in2 = s * (p + 2 * m), in3 = s * (p + 3 * m);
    const out0 = s * 4 * p, out1 = out0 + s, out2 = out1 + s, out3 = out2 + s;
    for (let q = 0; q < s; q++) {
      const a0r = xr[in0 + q], a0i = xi[in0 + q], a1r = xr[in1 + q], a1i = xi[in1 + q];
      const a2r = xr[in2 + q], a2i = xi[in2 + q], a3r = xr[in3 + q], a3i = xi[in3 + q];
      const t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
      const t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
      yr[out0 + q] = t0r + t2r;
      yi[out0 + q] = t0i + t2i;
      // b1 = t1 - i t3, b2 = t0 - t2, b3 = t1 + i t3
      const b1r = t1r + t3i, b1i = t1i - t3r, b2r = t0r - t2r, b2i = t0i - t2i, b3r = t1r - t3i, b3i = t1i + t3r;
      yr[out1 + q] = b1r * w1r - b1i * w1i;
      yi[out1 + q] = b1r * w1i + b1i * w1r;
      yr[out2 + q] = b2r * w2r - b2i * w2i;
      yi[out2 + q] = b2r * w2i + b2i * w2r;
      yr[out3 + q] = b3r * w3r - b3i * w3i;
      yi[out3 + q] = b3r * w3i + b3i * w3r;
    }
  }
}

function radix5(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { stride: s, m, twRe, twIm } = st;
  const C1 = Math.cos((2 * Math.PI) / 5), C2 = Math.cos((4 * Math.PI) / 5);
  const S1 = Math.sin((2 * Math.PI) / 5), S2 = Math.sin((4 * Math.PI) / 5);
  for (let p = 0; p < m; p++) {
    const t = 4 * p;
    const w1r = twRe[t], w1i = twIm[t], w2r = twRe[t + 1], w2i = twIm[t + 1];
    const w3r = twRe[t + 2], w3i = twIm[t + 2], w4r = twRe[t + 3], w4i = twIm[t + 3];
    const in0 = s * p, in1 = s * (p + m), in2 = s * (p + 2 * m), in3 = s * (p + 3 * m), in4 = s * (p + 4 * m);
    const out0 = s * 5 * p, out1 = out0 + s, out2 = out1 + s, out3 = out2 + s, out4 = out3 + s;
    for (let q = 0; q < s; q++) {
      const a0r = xr[in0 + q], a0i = xi[in0 + q];
      const a1r = xr[in1 + q], a1i = xi[in1 + q], a4r = xr[in4 + q], a4i = xi[in4 + q];
      const a2r = xr[in2 + q], a2i = xi[in2 + q], a3r = xr[in3 + q], a3i = xi[in3 + q];
      const t1r = a1r + a4r, t1i = a1i + a4i, t3r = a1r - a4r, t3i = a1i - a4i;
      const t2r = a2r + a3r, t2i = a2i + a3i, t4r = a2r - a3r, t4i = a2i - a3i;
      const m1r = a0r + C1 * t1r + C2 * t2r, m1i = a0i + C1 * t1i + C2 * t2i;
      const m2r = a0r + C2 * t1r + C1 * t2r, m2i = a0i + C2 * t1i + C1 * t2i;
      const n1r = S1 * t3r + S2 * t4r, n1i = S1 * t3i + S2 * t4i;
      const n2r = S2 * t3r - S1 * t4r, n2i = S2 * t3i - S1 * t4i;
      yr[out0 + q] = a0r + t1r + t2r;
      yi[out0 + q] = a0i + t1i + t2i;
      // b1 = m1 - i n1, b4 = m1 + i n1, b2 = m2 - i n2, b3 = m2 + i n2
      const b1r = m1r + n1i, b1i = m1i - n1r, b4r = m1r - n1i, b4i = m1i + n1r;
      const b2r = m2r + n2i, b2i = m2i - n2r, b3r = m2r - n2i, b3i = m2i + n2r;
      yr[out1 + q] = b1r * w1r - b1i * w1i;
      yi[out1 + q] = b1r * w1i + b1i * w1r;
      yr[out2 + q] = b2r * w2r - b2i * w2i;
      yi[out2 + q] = b2r * w2i + b2i * w2r;
      yr[out3 + q] = b3r * w3r - b3i * w3i;
      yi[out3 + q] = b3r * w3i + b3i * w3r;
      yr[out4 + q] = b4r * w4r - b4i * w4i;
      yi[out4 + q] = b4r * w4i + b4i * w4r;
    }
  }
}

const BUTTERFLIES: Record<number, typeof radix2> = { 2: radix2, 3: radix3, 4: radix4, 5: radix5 };

/** Forward real FFT: X[k] = sum_n x[n] exp(-2 pi i k n / size), k = 0..size/2 (numpy.fft.rfft). */
export class RealFft {
  readonly size: number;
  /** size / 2 + 1 */
  readonly bins: number;
  private readonly half: number;
  private readonly stages: Stage[];
  private readonly butterflies: (typeof radix2)[];
  // Stockham ping-pong buffers for the half-size complex transform
  private readonly aRe: Float64Array;
  private readonly aIm: Float64Array;
  private readonly bRe: Float64Array;
  private readonly bIm: Float64Array;
  // split-step twiddles exp(-2 pi i k / size), k = 0..half
  private readonly splitRe: Float64Array;
  private readonly splitIm: Float64Array;

  constructor(size = 320) {
    if (!Number.isInteger(size) || size < 2 || size % 2 !== 0) {
      throw new RangeError(`RealFft size must be an even integer >= 2, got ${size}`);
    }
    this.size = size;
    this.half = size / 2;
    this.bins = this.half + 1;
    this.stages = planStages(this.half);
    this.butterflies = this.stages.map((s) => BUTTERFLIES[s.radix]);
    this.aRe = new Float64Array(this.half);
    this.aIm = new Float64Array(this.half);
    this.bRe = new Float64Array(this.half);
    this.bIm = new Float64Array(this.half);
    this.splitRe = new Float64Array(this.bins);
    this.splitIm = new Float64Array(this.bins);
    for (let k = 0; k < this.bins; k++) {
      this.splitRe[k] = Math.cos((-2 * Math.PI * k) / size);
      this.splitIm[k] = Math.sin((-2 * Math.PI * k) / size);
    }
  }

  /** Transforms `input` (length `size`) into `outRe`, `outIm` (length >= `bins`). Allocates nothing. */
  forward(input: Float64Array | Float32Array, outRe: Float64Array, outIm: Float64Array): void {
    const h = this.half;
    let xr = this.aRe, xi = this.aIm, yr = this.bRe, yi = this.bIm;
    for (let n = 0; n < h; n++) {
      xr[n] = input[2 * n];
      xi[n] = input[2 * n + 1];
    }
    for (let i = 0; i < this.stages.length; i++) {
      this.butterflies[i](this.stages[i], xr, xi, yr, yi);
      const tr = xr, ti = xi;
      xr = yr; xi = yi; yr = tr; yi = ti;
    }
    // Split: with Z = FFT_h(z), E[k] = (Z[k] + conj Z[h-k]) / 2 is the even samples' spectrum,
    // O[k] = (Z[k] - conj Z[h-k]) / 2i the odd samples', and X[k] = E[k] + exp(-2 pi i k / size) O[k].
    const wr = this.splitRe, wi = this.splitIm;
    outRe[0] = xr[0] + xi[0];
    outIm[0] = 0;
    outRe[h] = xr[0] - xi[0];
    outIm[h] = 0;
    for (let k = 1; k < h; k++) {
      const zr = xr[k], zi = xi[k], cr = xr[h - k], ci = xi[h - k];
      const er = 0.5 * (zr + cr), ei = 0.5 * (zi - ci);
      const or = 0.5 * (zi + ci), oi = -0.5 * (zr - cr);
      outRe[k] = er + wr[k] * or - wi[k] * oi;
      outIm[k] = ei + wr[k] * oi + wi[k] * or;
    }
  }
}
