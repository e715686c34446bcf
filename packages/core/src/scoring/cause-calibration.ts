/**
 * The cause model's numbers (see cause.ts): its features, their standardisation and the classifier's weights.
 * CAUSE_CALIBRATION is written by `node bench/causes/fit.mjs --write`, not by hand.
 */

/** A cause model: a softmax regression over standardised features, optionally over one hidden ReLU layer. */
export interface CauseCalibration {
  /** feature names, in the order of `mean`, `scale` and each weight row (see causeFeatures) */
  features: string[];
  /** features are standardised: (x - mean) / scale */
  mean: number[];
  scale: number[];
  /**
   * optional hidden layer, one row per unit: a weight per standardised feature, then the bias; its ReLU
   * outputs are then what `weights` reads (a plain softmax regression without it)
   */
  hidden?: number[][];
  /** one row per CONTENT_CAUSES entry: a weight per input (the features, or the hidden units), then the bias */
  weights: number[][];
  /** under this probability for the likeliest cause, the cause is 'unknown' */
  minProbability: number;
  /** network stats that explain dropouts: loss at or above this %, or jitter at or above this many ms */
  networkLossPct: number;
  networkJitterMs: number;
}

/**
 * Fitted by `node bench/causes/fit.mjs` on small's dims of the factory's train clips with one mapped
 * degradation (2423); chosen on val (85.7 % of its 63 clips): hidden 16 (ReLU), lambda 0.01, balanced true, minProbability 0.35.
 * The test split's table: models/REPORT.md ("Causes").
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
  mean: [2.946, 2.8656, 3.3815, 3.3089, 3.2121, 28.0781, 0.1213, 0.1266, 0.0886, 7.0032, 2.9994],
  scale: [0.8617, 0.7872, 0.9512, 0.7557, 0.7831, 16.1029, 0.9413, 0.7835, 0.4085, 1.5898, 9.9181],
  hidden: [
    [0.247, -0.0111, 0.704, -0.281, 0.3266, 0.0852, 0.2844, 0.2307, 0.107, 0.5693, 0.521, 1.0197],
    [0.1407, -0.0773, -0.1697, -0.0813, 0.2008, -0.0294, 0.0492, 0.0062, 0.0436, -0.1471, -0.0454, 0.1268],
    [-0.1476, 0.0752, 0.2155, 0.1717, 0.0203, 0.0919, -0.0567, -0.0314, 0.1606, -0.3452, 0.0109, -0.013],
    [-0.3612, -0.2867, 0.7967, -0.2054, 0.1379, -0.5109, -0.1039, -0.1044, -0.0555, -0.1485, -0.1457, 0.2831],
    [-0.1542, -0.0138, -0.0611, -0.0056, -0.0223, 0.0115, 0.0086, -0.0049, 0.0065, 0.0553, 0.02, -0.0308],
    [0.1167, 0.2682, 0.4137, 0.2413, 0.153, -0.1576, -0.0006, -0.036, -0.0477, 0.0877, -0.0354, 0.2868],
    [0.545, -0.4212, 0.2835, -0.1096, -0.2969, 0.5273, -0.1696, -0.0327, 0.1299, -0.5496, -0.2527, 1.3029],
    [-0.6727, -0.1115, -0.2995, 0.0626, -0.025, -0.3947, 0.0041, -0.0706, -0.1519, 0.1786, 0.0079, -0.0256],
    [-0.2295, 0.0273, -0.2659, 0.5288, -0.1092, -0.2134, -0.4701, -0.2847, -0.4885, -0.2867, -0.7552, 2.1642],
    [-0.0842, 0.8443, -0.1923, 0.0493, -0.2783, -0.1092, 0.1696, 0.0483, 0.2675, 0.2699, 0.1293, 0.163],
    [-0.3764, -0.0292, -0.1827, 0.0289, 0.0002, -0.1472, 0.027, -0.026, 0.0511, 0.1223, 0.0236, 0.0821],
    [0.0428, -0.6519, 0.0632, -0.0318, -0.1427, -0.0442, -0.0114, -0.0546, -0.1888, 0.8591, 0.0172, 0.3636],
    [-0.0949, 0.095, 0.3079, 0.3261, 0.0613, 0.2051, -0.0871, -0.063, 0.1521, -0.4207, -0.0108, 0.0651],
    [0.0032, -0.2658, 0.127, -0.0164, -0.165, -0.0095, -0.0375, -0.0415, -0.1739, 0.2807, -0.0443, 0.1971],
    [-0.0101, -0.0584, 0.1002, 0.2181, -0.1154, 0.0313, -0.1831, -0.1056, -0.0269, -0.0499, -0.2566, 1.0922],
    [0.0591, 0.0568, -0.095, -0.406, 0.1831, 0.0367, 0.3783, 0.2405, 0.0719, 0.191, 0.4676, 1.312],
  ],
  weights: [
    [-0.1866, -0.1384, -0.0047, 0.6492, 0.138, 0.4587, -0.8743, 0.7454, 0.4522, 0.1818, 0.3638, 0.2981, 0.0598, 0.0982, 0.0602, -0.1945, -1.0409],
    [0.2608, -0.1689, 0.4134, 0.322, -0.1075, -0.0571, 0.6616, -0.3938, 0.1574, -0.8159, -0.289, 0.6063, 0.5387, 0.3291, 0.2606, -0.3858, -0.4688],
    [-0.8688, 0.2868, -0.2635, -0.8321, -0.0381, -0.4026, 0.3511, -0.2176, 0.4852, 0.5818, -0.0377, -0.8755, -0.343, -0.3069, 0.0228, -0.1138, 1.1429],
    [0.7959, 0.0216, -0.1456, -0.139, 0.0082, 0.0002, -0.1386, -0.1344, -1.0926, 0.0524, -0.0365, -0.0289, -0.2531, -0.1199, -0.3396, 0.6951, -0.131],
  ],
  minProbability: 0.35,
  // loss the E-model already counts as costly, or jitter beyond a typical 40-60 ms jitter buffer
  networkLossPct: 2,
  networkJitterMs: 60,
};
