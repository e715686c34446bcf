/**
 * Streaming band-limited resampler (any rational ratio; built for "any common rate -> 16 kHz").
 *
 * Method: output sample n is the continuous-time interpolation of the input at time t = n * down / up
 * (in input samples, up/down = outRate/inRate reduced):
 *
 *     y[n] = sum_k x[k] h(t - k),   h(tau) = 2 fc sinc(2 fc tau) kaiser(tau / halfWidth)
 *
 * h is symmetric around 0, so the resampler has zero group delay: output n corresponds to input time
 * n / outRate exactly. It is causal only in the sense that output n is emitted once input sample
 * floor(t) + lookahead has arrived; `flush()` supplies zeros past the end of the stream and emits the
 * rest, ceil(N * up / down) outputs in all (the outputs whose time lies inside the input). Samples before
 * the stream start are zeros too (same as scipy.signal.resample_poly's default padding).
 *
 * Polyphase: t = q + p / up with integer q and phase p < up, so each output uses one of `up`
 * precomputed rows of taps (see TapLayout); the hot loop is one dot product per output, no allocation.
 * Coefficients and samples are stored as float32 (samples are float32 already; float32 coefficients put
 * a noise floor near -140 dB, far below the stop band) to halve the memory traffic; products and sums
 * are float64 and the output is rounded to float32 once.
 * Every output is computed from the same samples in the same order whatever the chunking, so
 * process() over any chunking + flush() equals process(whole) + flush() bit for bit.
 *
 * Filter design (Kaiser's formulas): pass band up to `passband` * the lower Nyquist, stop band from the
 * lower Nyquist itself, so nothing above the new Nyquist aliases (or, upsampling, images) by more than
 * the stop-band attenuation. The reference copy of this design is in
 * models/training/callmos_factory/golden.py, which makes the test fixtures with scipy.
 */

export type ResamplerQuality = 'low' | 'medium' | 'high';

export interface ResamplerOptions {
  /** Filter preset; default 'medium' (80 dB stop band, flat to 7 kHz when the output is 16 kHz). */
  quality?: ResamplerQuality;
}

interface QualityPreset {
  /** stop-band attenuation target, dB */
  stopbandDb: number;
  /** pass-band edge as a fraction of the lower of the two Nyquist frequencies */
  passband: number;
}

const QUALITY_PRESETS: Record<ResamplerQuality, QualityPreset> = {
  low: { stopbandDb: 65, passband: 0.8 },
  medium: { stopbandDb: 80, passband: 0.875 },
  high: { stopbandDb: 100, passband: 0.91 },
};

/**
 * Polyphase tables above this many entries (4 MB) mean a ratio like 16000/44101: refuse rather than eat
 * memory. The common rates need at most 640 rows x 144 taps (11025 Hz, 'high').
 */
const MAX_TABLE_ENTRIES = 1 << 20;

/** What the resampler's anti-aliasing filter is, for documentation, latency budgets and tests. */
export interface ResamplerFilter {
  /** outRate / inRate = up / down, reduced */
  up: number;
  down: number;
  quality: ResamplerQuality;
  stopbandDb: number;
  passbandHz: number;
  stopbandHz: number;
  /** -6 dB cutoff in cycles per input sample */
  cutoff: number;
  kaiserBeta: number;
  /** kernel half width in input samples (the Kaiser window is zero beyond it) */
  halfWidth: number;
  /** input samples after t = n * down / up that output n needs: its latency in input samples */
  lookahead: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for beta <= 15). */
function besselI0(x: number): number {
  const halfSq = (x / 2) * (x / 2);
  let term = 1;
  let sum = 1;
  for (let k = 1; term > sum * 1e-17; k++) {
    term *= halfSq / (k * k);
    sum += term;
  }
  return sum;
}

function kaiserBeta(attenuationDb: number): number {
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7);
  if (attenuationDb >= 21) return 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21);
  return 0;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** The anti-aliasing filter StreamingResampler uses for inRate -> outRate (pure; no tables built). */
export function designResamplerFilter(inRate: number, outRate: number, quality: ResamplerQuality = 'medium'): ResamplerFilter {
  const preset = QUALITY_PRESETS[quality];
  if (!preset) throw new RangeError(`unknown resampler quality '${quality}'`);
  const g = gcd(inRate, outRate);
  const nyquist = Math.min(inRate, outRate) / 2;
  const passbandHz = preset.passband * nyquist;
  const stopbandHz = nyquist;
  const transition = (stopbandHz - passbandHz) / inRate; // cycles per input sample
  // Kaiser: filter order = (A - 7.95) / (2.285 * transition in rad/sample)
  const order = (preset.stopbandDb - 7.95) / (2.285 * 2 * Math.PI * transition);
  const halfWidth = order / 2;
  return {
    up: outRate / g,
    down: inRate / g,
    quality,
    stopbandDb: preset.stopbandDb,
    passbandHz,
    stopbandHz,
    cutoff: (passbandHz + stopbandHz) / 2 / inRate,
    kaiserBeta: kaiserBeta(preset.stopbandDb),
    halfWidth,
    lookahead: Math.ceil(halfWidth),
  };
}

/**
 * The filter's taps as the hot loop reads them. Two layouts:
 * - polyphase: `up` rows of `taps` values, row p = h(p / up + history - j) for the input q - history + j.
 *   Rows are the 2 * lookahead inputs around t plus leading zeros up to a multiple of 4, so the dot
 *   product runs 4 independent float64 accumulators (one accumulator is bound by the add latency: 2x
 *   slower). The padding taps have |tau| >= lookahead, outside the kernel: they are 0.
 * - symmetric, when up = 1 (integer decimation, e.g. 48k and 32k): every output sits on an input
 *   sample, so the single row is symmetric and is folded, h(m) (x[q - m] + x[q + m]), halving the
 *   multiplies for the most common server rate. The table holds h(0 .. lookahead - 1) (h(lookahead) = 0).
 */
interface TapLayout {
  symmetric: boolean;
  table: Float32Array;
  /** row length (polyphase) or folded half length (symmetric) */
  taps: number;
  /** inputs before q = floor(t) that an output reads */
  history: number;
}

function tapLayout(f: ResamplerFilter): TapLayout {
  const i0Beta = besselI0(f.kaiserBeta);
  const h = (tau: number): number => {
    const r = tau / f.halfWidth;
    if (Math.abs(r) >= 1) return 0;
    return 2 * f.cutoff * sinc(2 * f.cutoff * tau) * (besselI0(f.kaiserBeta * Math.sqrt(1 - r * r)) / i0Beta);
  };
  if (f.up === 1) {
    return { symmetric: true, table: Float32Array.from({ length: f.lookahead }, (_, m) => h(m)), taps: f.lookahead, history: f.lookahead - 1 };
  }
  const taps = 4 * Math.ceil((2 * f.lookahead) / 4);
  const history = taps - f.lookahead - 1;
  if (f.up * taps > MAX_TABLE_ENTRIES) {
    throw new RangeError(
      `resampling ratio ${f.up}/${f.down} needs a ${f.up} x ${taps} polyphase table; use rates with a larger common divisor`,
    );
  }
  const table = new Float32Array(f.up * taps);
  for (let p = 0; p < f.up; p++) {
    for (let j = 0; j < taps; j++) table[p * taps + j] = h(p / f.up + history - j);
  }
  return { symmetric: false, table, taps, history };
}

/** sum_j row[j] x[first + j], j < taps (a multiple of 4). */
function polyphaseDot(table: Float32Array, row: number, taps: number, buf: Float32Array, first: number): number {
  let acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
  for (let j = 0; j < taps; j += 4) {
    acc0 += table[row + j] * buf[first + j];
    acc1 += table[row + j + 1] * buf[first + j + 1];
    acc2 += table[row + j + 2] * buf[first + j + 2];
    acc3 += table[row + j + 3] * buf[first + j + 3];
  }
  return acc0 + acc1 + (acc2 + acc3);
}

/** h(0) x[c] + sum_m h(m) (x[c - m] + x[c + m]), 0 < m < half. */
function symmetricDot(half: Float32Array, n: number, buf: Float32Array, c: number): number {
  let acc0 = half[0] * buf[c], acc1 = 0, acc2 = 0, acc3 = 0;
  let m = 1;
  for (; m + 3 < n; m += 4) {
    acc0 += half[m] * (buf[c - m] + buf[c + m]);
    acc1 += half[m + 1] * (buf[c - m - 1] + buf[c + m + 1]);
    acc2 += half[m + 2] * (buf[c - m - 2] + buf[c + m + 2]);
    acc3 += half[m + 3] * (buf[c - m - 3] + buf[c + m + 3]);
  }
  for (; m < n; m++) acc0 += half[m] * (buf[c - m] + buf[c + m]);
  return acc0 + acc1 + (acc2 + acc3);
}

export class StreamingResampler {
  readonly inRate: number;
  readonly outRate: number;
  /** null when inRate === outRate: then process() returns a copy of its input and flush() nothing */
  readonly filter: ResamplerFilter | null;

  private readonly symmetric: boolean;
  private readonly table: Float32Array;
  private readonly taps: number;
  private readonly history: number;
  private readonly qStep: number;
  private readonly pStep: number;
  /** input samples, absolute indices [bufBase, bufBase + fill) */
  private buf: Float32Array;
  private fill = 0;
  private bufBase = 0;
  private received = 0;
  /** next output n = q + p / up in input samples */
  private q = 0;
  private p = 0;
  private out: Float32Array;

  constructor(inRate: number, outRate = 16000, opts: ResamplerOptions = {}) {
    for (const [name, rate] of [['inRate', inRate], ['outRate', outRate]] as const) {
      if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`${name} must be a positive integer (Hz), got ${rate}`);
    }
    this.inRate = inRate;
    this.outRate = outRate;
    this.filter = inRate === outRate ? null : designResamplerFilter(inRate, outRate, opts.quality ?? 'medium');
    const f = this.filter;
    const layout = f ? tapLayout(f) : { symmetric: false, table: new Float32Array(0), taps: 0, history: 0 };
    this.symmetric = layout.symmetric;
    this.table = layout.table;
    this.taps = layout.taps;
    this.history = layout.history;
    this.qStep = f ? Math.floor(f.down / f.up) : 1;
    this.pStep = f ? f.down % f.up : 0;
    this.buf = new Float32Array(Math.max(1024, 2 * this.taps));
    this.out = new Float32Array(1024);
    this.reset();
  }

  /** Input samples held back: output n is emitted once input floor(n * inRate / outRate) + lookahead has arrived. */
  get lookahead(): number {
    return this.filter ? this.filter.lookahead : 0;
  }

  /**
   * Resamples the next chunk of the stream; returns the outputs it completed: a fresh array, or at equal rates
   * the chunk itself when it is a Float32Array (nothing to resample; the server decodes Opus at the model's
   * rate, and a copy per packet of every stream only fed the garbage collector). Read it before the caller's
   * next write to the chunk.
   */
  process(chunk: ArrayLike<number>): Float32Array {
    if (!this.filter) return chunk instanceof Float32Array ? chunk : Float32Array.from(chunk);
    this.append(chunk, chunk.length);
    this.received += chunk.length;
    return this.produce(this.received - this.filter.lookahead);
  }

  /** Ends the stream: emits the remaining outputs (zeros after the end) and resets for a new stream. */
  flush(): Float32Array {
    if (!this.filter) return new Float32Array(0);
    this.append(null, this.filter.lookahead);
    // outputs whose time n / outRate lies inside the input: floor(n * down / up) < received
    const tail = this.produce(this.received);
    this.reset();
    return tail;
  }

  /** Forgets the stream so far (no output for it); the next process() starts a new stream at time 0. */
  reset(): void {
    // the first output (q = 0) reads inputs from -history: zeros before the stream start
    this.buf.fill(0, 0, this.history);
    this.fill = this.history;
    this.bufBase = -this.history;
    this.received = 0;
    this.q = 0;
    this.p = 0;
  }

  /** Appends `count` samples of `chunk`, or zeros when chunk is null. */
  private append(chunk: ArrayLike<number> | null, count: number): void {
    if (this.fill + count > this.buf.length) {
      const grown = new Float32Array(Math.max(2 * this.buf.length, this.fill + count));
      grown.set(this.buf.subarray(0, this.fill));
      this.buf = grown;
    }
    const buf = this.buf;
    const start = this.fill;
    if (chunk) for (let i = 0; i < count; i++) buf[start + i] = chunk[i];
    else buf.fill(0, start, start + count);
    this.fill += count;
  }

  /** Emits every output with q < qEnd, then drops the inputs no later output needs. */
  private produce(qEnd: number): Float32Array {
    const { symmetric, table, taps, history, buf, qStep, pStep } = this;
    const up = this.filter!.up;
    let { q, p } = this;
    let out = this.out;
    let count = 0;
    while (q < qEnd) {
      if (count === out.length) {
        const grown = new Float32Array(2 * out.length);
        grown.set(out);
        out = this.out = grown;
      }
      const at = q - this.bufBase; // buffer index of input q
      out[count++] = symmetric ? symmetricDot(table, taps, buf, at) : polyphaseDot(table, p * taps, taps, buf, at - history);
      q += qStep;
      p += pStep;
      if (p >= up) {
        p -= up;
        q += 1;
      }
    }
    this.q = q;
    this.p = p;
    const drop = Math.min(q - history - this.bufBase, this.fill);
    if (drop > 0) {
      buf.copyWithin(0, drop, this.fill);
      this.fill -= drop;
      this.bufBase += drop;
    }
    return out.slice(0, count);
  }
}
