/**
 * Why a stream sounds bad, in one word a person can act on:
 *
 * - `network`: the audio's trouble is dropouts (or nothing clear) and the network stats show loss or jitter
 * - `noise`: background noise (a fan, traffic, babble, a noisy microphone)
 * - `coloration`: the sound itself is changed: a codec, a narrow band, a room, a device, a denoiser
 * - `discontinuity`: dropouts and concealment the network stats do not explain (or there are none)
 * - `loudness`: too quiet or too loud
 * - `unknown`: no cause is likely enough
 *
 * Read from the students' diagnostic dims (NISQA's noisiness, coloration, discontinuity and loudness,
 * PLCMOS's concealment quality; 1..5, higher is better) and the window's measured signal (level, floor,
 * dropouts, bandwidth, clipping: signal-evidence.ts) by a softmax regression over those features (CAUSE_CALIBRATION, fitted on
 * the model factory's train clips, its settings chosen on val: bench/causes/fit.mjs; the test split's
 * confusion table is in models/REPORT.md). The network figures then decide between `network` and
 * `discontinuity`.
 */
import type { NetworkQuality, QualityCause, SignalEvidence } from '../events.js';

/** The content causes the regression tells apart, in the order of its weight rows. */
export const CONTENT_CAUSES = ['noise', 'coloration', 'discontinuity', 'loudness'] as const;
export type ContentCause = (typeof CONTENT_CAUSES)[number];

export interface CauseCalibration {
  /** feature names, in the order of `mean`, `scale` and each weight row (see causeFeatures) */
  features: string[];
  /** features are standardised: (x - mean) / scale */
  mean: number[];
  scale: number[];
  /** one row per CONTENT_CAUSES entry: a weight per feature, then the bias */
  weights: number[][];
  /** under this probability for the likeliest cause, the cause is 'unknown' */
  minProbability: number;
  /** network stats that explain dropouts: loss at or above this %, or jitter at or above this many ms */
  networkLossPct: number;
  networkJitterMs: number;
}

/**
 * The regression's inputs for one window (or a stream's smoothed dims): null when a dim it needs is
 * missing (a model without dims). Without signal evidence, the signal features sit at their means.
 */
export function causeFeatures(dims: Record<string, number>, signal: SignalEvidence | undefined, calibration: CauseCalibration): number[] | null {
  // a window without one active frame (a pause) has no level to speak of: its signal says nothing
  if (signal !== undefined && !(signal.levelDbfs > -119)) signal = undefined;
  const out: number[] = [];
  for (let k = 0; k < calibration.features.length; k++) {
    const name = calibration.features[k]!;
    const value = name.startsWith('dims.') ? dims[name.slice(5)] : signal === undefined ? calibration.mean[k] : signalFeature(name, signal);
    if (typeof value !== 'number' || !Number.isFinite(value)) return null;
    out.push(value);
  }
  return out;
}

function signalFeature(name: string, s: SignalEvidence): number | undefined {
  switch (name) {
    case 'signal.snrDb': // speech over the floor, capped: a floor at digital silence says "no noise", not "infinitely clean"
      return Math.min(60, s.levelDbfs - s.floorDbfs);
    case 'signal.quietDb': // how far under a comfortable speech level
      return Math.max(0, -35 - s.levelDbfs);
    case 'signal.loudDb': // how far over it
      return Math.max(0, s.levelDbfs + 16);
    case 'signal.dropoutsPerSec':
      return s.dropoutsPerSec;
    case 'signal.bandwidthKhz':
      return s.bandwidthHz / 1000;
    case 'signal.clippedPct': // an event from an older producer has none: read as not clipped
      return s.clippedPct ?? 0;
    default:
      return undefined;
  }
}

/** The likeliest cause behind dims (+ the measured signal, + the network figures where the host has them). */
export function diagnoseCause(
  dims: Record<string, number>,
  network?: NetworkQuality,
  signal?: SignalEvidence,
  calibration: CauseCalibration = CAUSE_CALIBRATION,
): QualityCause {
  if (calibration !== CAUSE_CALIBRATION) checkCalibration(calibration);
  const cause: QualityCause = { kind: 'unknown', dims, likelihood: {} };
  if (signal !== undefined) cause.signal = signal;
  const x = causeFeatures(dims, signal, calibration);
  if (x !== null) {
    const logits = calibration.weights.map((row) => {
      let z = row[x.length]!;
      for (let k = 0; k < x.length; k++) z += row[k]! * ((x[k]! - calibration.mean[k]!) / calibration.scale[k]!);
      return z;
    });
    const top = Math.max(...logits);
    const exp = logits.map((z) => Math.exp(z - top));
    const sum = exp.reduce((a, b) => a + b, 0);
    let best = 0;
    CONTENT_CAUSES.forEach((c, i) => {
      const p = exp[i]! / sum;
      cause.likelihood[c] = Math.round(p * 1000) / 1000;
      if (p > exp[best]! / sum) best = i;
    });
    if (exp[best]! / sum >= calibration.minProbability) cause.kind = CONTENT_CAUSES[best]!;
  }
  if (network !== undefined) {
    cause.network = { mos: network.mos, lossPct: network.lossPct, jitterMs: network.jitterMs, rttMs: network.rttMs };
    const networkBad = network.lossPct >= calibration.networkLossPct || network.jitterMs >= calibration.networkJitterMs;
    // trouble heard as dropouts (or nothing clear) with loss or jitter on the wire is the network's; noise or
    // coloration stay what they are
    if (networkBad && (cause.kind === 'discontinuity' || cause.kind === 'unknown')) cause.kind = 'network';
  }
  return cause;
}

function checkCalibration(c: CauseCalibration): void {
  const n = c.features.length;
  const ok =
    c.mean.length === n &&
    c.scale.length === n &&
    c.scale.every((v) => Number.isFinite(v) && v > 0) &&
    c.weights.length === CONTENT_CAUSES.length &&
    c.weights.every((row) => row.length === n + 1 && row.every(Number.isFinite));
  if (!ok) throw new RangeError(`cause calibration: ${n} features need ${n} means, ${n} scales > 0 and ${CONTENT_CAUSES.length} weight rows of ${n + 1}`);
}

/**
 * Fitted by `node bench/causes/fit.mjs` on small@1.3.0's dims of the factory's first 1500 train clips (505
 * with one degradation); L2 0.001, unweighted classes and minProbability 0.35 chosen on val (82.5 % of its
 * 63 clips). The test split's table: models/REPORT.md.
 */
export const CAUSE_CALIBRATION: CauseCalibration = {
  features: [
    'dims.noisiness',
    'dims.coloration',
    'dims.discontinuity',
    'dims.loudness',
    'dims.plc',
    'signal.snrDb',
    'signal.quietDb',
    'signal.loudDb',
    'signal.dropoutsPerSec',
    'signal.bandwidthKhz',
    'signal.clippedPct',
  ],
  mean: [2.983, 2.9004, 3.4292, 3.3258, 3.2155, 28.0781, 0.1213, 0.1266, 0.0886, 7.0032, 2.9994],
  scale: [0.8701, 0.7605, 0.8981, 0.7598, 0.7725, 16.1029, 0.9413, 0.7835, 0.4085, 1.5898, 9.9181],
  weights: [
    [-1.0775, 0.4682, -0.5135, 0.3169, 0.162, -1.2266, -0.3746, -0.4477, -0.8322, 0.5368, -0.1778, -0.2324],
    [0.4526, -0.9573, 1.188, 0.2461, -0.4905, 0.6791, -0.6425, -0.4244, 0.1511, -0.6943, -0.3305, 2.2392],
    [0.347, 0.1727, -1.0283, 0.2781, -0.24, 0.2067, -0.202, -0.0761, 0.1066, -1.0835, -1.1788, 0.2602],
    [0.2779, 0.3164, 0.3539, -0.8412, 0.5685, 0.3408, 1.2191, 0.9482, 0.5745, 1.2409, 1.6872, -2.2669],
  ],
  minProbability: 0.35,
  // loss the E-model already counts as costly, or jitter beyond a typical 40-60 ms jitter buffer
  networkLossPct: 2,
  networkJitterMs: 60,
};
