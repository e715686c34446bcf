/**
 * Why a stream sounds bad, in one word a person can act on:
 *
 * - `network`: the audio's trouble is dropouts, coloration (concealment) or nothing clear, and the network
 *   stats show loss or jitter
 * - `noise`: background noise (a fan, traffic, babble, a noisy microphone)
 * - `coloration`: the sound itself is changed: a codec, a narrow band, a room, a device, a denoiser
 * - `discontinuity`: dropouts and concealment the network stats do not explain (or there are none)
 * - `loudness`: too quiet or too loud
 * - `unknown`: no cause is likely enough
 *
 * Read from the students' diagnostic dims (NISQA's noisiness, coloration, discontinuity and loudness,
 * PLCMOS's concealment quality; 1..5, higher is better) and the window's measured signal (level, floor,
 * dropouts, bandwidth, clipping: signal-evidence.ts) by a small classifier over those features: a softmax
 * regression, optionally over one hidden ReLU layer (CAUSE_CALIBRATION in cause-calibration.ts, fitted on the
 * model factory's train clips, its form and settings chosen on val: bench/causes/fit.mjs; the test split's
 * confusion table is in models/REPORT.md). The network figures then turn discontinuity, coloration or an
 * unknown into `network`.
 */
import type { NetworkQuality, QualityCause, SignalEvidence } from '../events.js';
import { CAUSE_CALIBRATION, type CauseCalibration } from './cause-calibration.js';

export { CAUSE_CALIBRATION, type CauseCalibration };

/** The content causes the regression tells apart, in the order of its weight rows. */
export const CONTENT_CAUSES = ['noise', 'coloration', 'discontinuity', 'loudness'] as const;
export type ContentCause = (typeof CONTENT_CAUSES)[number];


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
    // a signal without this measure (an event of an older producer) reads as typical: the feature's mean
    const measured = name.startsWith('dims.') || signal === undefined ? undefined : signalFeature(name, signal);
    const value = name.startsWith('dims.') ? dims[name.slice(5)] : signal === undefined || measured === null ? calibration.mean[k] : measured;
    if (typeof value !== 'number' || !Number.isFinite(value)) return null;
    out.push(value);
  }
  return out;
}

/** A signal feature's value; null where the evidence lacks it; undefined for a name this core does not know. */
function signalFeature(name: string, s: SignalEvidence): number | null | undefined {
  switch (name) {
    case 'signal.snrDb':
      return snrDb(s);
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
    case 'signal.fallRatio': // the fastest fall over the room the floor leaves: ~1 with noise, less in a room's tail
      return s.fallDb === undefined ? null : s.fallDb / Math.max(1, snrDb(s));
    default:
      return undefined;
  }
}

/** Speech over the floor, capped: a floor at digital silence says "no noise", not "infinitely clean". */
function snrDb(s: SignalEvidence): number {
  return Math.min(60, s.levelDbfs - s.floorDbfs);
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
    const z = x.map((v, k) => (v - calibration.mean[k]!) / calibration.scale[k]!);
    const inputs = calibration.hidden === undefined ? z : calibration.hidden.map((row) => Math.max(0, affine(row, z)));
    const logits = calibration.weights.map((row) => affine(row, inputs));
    const top = Math.max(...logits);
    const exp = logits.map((l) => Math.exp(l - top));
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
    // Trouble heard as dropouts, as a changed sound or as nothing clear, with loss or jitter on the wire, is the
    // network's: concealment (Opus PLC) and a jitter buffer's time-stretching are heard as coloration as much
    // as gaps (from the content alone, the demo's 30 % loss read coloration 0.46 / discontinuity 0.27 with one
    // fit of this model, coloration 0.31 / discontinuity 0.54 with the next), and the loss is measured, not
    // guessed. Noise and loudness stay what they are: no network makes them.
    if (networkBad && (cause.kind === 'discontinuity' || cause.kind === 'coloration' || cause.kind === 'unknown')) cause.kind = 'network';
  }
  return cause;
}

/** row · x + bias, the bias being the row's last entry */
function affine(row: number[], x: number[]): number {
  let out = row[x.length]!;
  for (let k = 0; k < x.length; k++) out += row[k]! * x[k]!;
  return out;
}

function checkCalibration(c: CauseCalibration): void {
  const n = c.features.length;
  const hidden = c.hidden?.length;
  const rowsOk = (rows: number[][], width: number) => rows.every((row) => row.length === width + 1 && row.every(Number.isFinite));
  const inputs = hidden ?? n;
  const ok =
    c.mean.length === n &&
    c.scale.length === n &&
    c.scale.every((v) => Number.isFinite(v) && v > 0) &&
    (c.hidden === undefined || (hidden! > 0 && rowsOk(c.hidden, n))) &&
    c.weights.length === CONTENT_CAUSES.length &&
    rowsOk(c.weights, inputs);
  if (!ok) {
    const layer = c.hidden === undefined ? '' : `, hidden rows of ${n + 1}`;
    throw new RangeError(`cause calibration: ${n} features need ${n} means, ${n} scales > 0${layer} and ${CONTENT_CAUSES.length} weight rows of ${inputs + 1}`);
  }
}
