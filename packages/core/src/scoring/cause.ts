/**
 * Why a stream sounds bad, in one word a person can act on:
 *
 * - `network`: packets lost or late: the audio shows dropouts AND the network stats explain them
 * - `noise`: background noise (a fan, traffic, babble, a noisy microphone)
 * - `coloration`: the sound itself is changed: a codec, a narrow band, a room, a device, a denoiser
 * - `discontinuity`: dropouts and concealment the network stats do not explain (or there are none)
 * - `loudness`: too quiet or too loud
 * - `unknown`: no cause is likely enough
 *
 * Read from the students' diagnostic dims (NISQA's noisiness, coloration, discontinuity and loudness,
 * PLCMOS's concealment quality; 1..5, higher is better) and the window's measured signal (level, floor,
 * dropouts: signal-evidence.ts) by a softmax regression over those features (CAUSE_CALIBRATION, fitted on
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
    // dropouts the network explains are the network's; noise or coloration stay what they are
    if (networkBad && (cause.kind === 'discontinuity' || cause.kind === 'unknown')) cause.kind = 'network';
  }
  return cause;
}

/**
 * Fitted by `node bench/causes/fit.mjs` on small@1.3.0's dims of the factory's first 728 train clips (251
 * with one degradation); L2 0.001, unweighted classes and minProbability 0.35 chosen on val (84.1 % of its
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
  ],
  mean: [2.9236, 2.9443, 3.4415, 3.3032, 3.1451, 27.2386, 0.2183, 0.1633, 0.0853],
  scale: [0.9031, 0.792, 0.9198, 0.8046, 0.7926, 15.9935, 1.2652, 0.8862, 0.3422],
  weights: [
    [-1.6026, -0.2483, -0.8425, 1.5236, 0.4834, -1.6303, -0.0175, -1.0911, -0.4114, -0.4169],
    [0.5984, -1.3769, 1.719, -0.0949, -0.1678, 1.3526, -1.1617, -1.0957, 0.2965, 1.4035],
    [-0.3443, 1.1119, -1.3619, -0.094, -0.1549, 0.632, -0.2184, -0.2468, 0.236, -0.2938],
    [1.3485, 0.5134, 0.4853, -1.3347, -0.1607, -0.3543, 1.3975, 2.4336, -0.1211, -0.6927],
  ],
  minProbability: 0.35,
  // loss the E-model already counts as costly, or jitter beyond a typical 40-60 ms jitter buffer
  networkLossPct: 2,
  networkJitterMs: 60,
};
