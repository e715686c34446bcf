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
 * degradation (2423); chosen on val (87.3 % of its 63 clips): hidden 16 (ReLU), lambda 0.001, balanced false, minProbability 0.35.
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
  mean: [2.983, 2.9004, 3.4292, 3.3258, 3.2155, 28.0781, 0.1213, 0.1266, 0.0886, 7.0032, 2.9994],
  scale: [0.8701, 0.7605, 0.8981, 0.7598, 0.7725, 16.1029, 0.9413, 0.7835, 0.4085, 1.5898, 9.9181],
  hidden: [
    [0.0721, -0.1301, -0.1621, 0.0866, 0.1124, 0.0441, 0.1138, -0.0001, 0.2247, -0.0806, -0.0788, -0.0396],
    [0.2987, -0.5461, 1.3099, -0.2699, -0.1118, -0.3273, -0.0775, -0.0486, 0.2315, 0.8763, -0.4371, 0.7814],
    [0.5655, -0.7689, -0.4973, 0.4091, 0.8522, -0.0592, -0.022, -0.0004, -0.3261, -0.2884, -0.604, -0.1666],
    [-0.3023, 0.3293, -0.7049, 1.2849, -0.1213, -0.3544, -0.6471, -0.2998, -0.3458, -0.2171, -0.7127, 1.2116],
    [-0.0565, -1.254, 0.6132, 0.6014, 0.0546, 0.0972, 0.0815, -0.0996, -0.0444, 0.8055, -0.1256, 0.2097],
    [-0.7466, -0.6854, -0.5129, 0.2922, -0.4751, 0.1632, 0.1846, -0.0001, -0.0421, 0.2762, 0.0216, -1.2482],
    [0.3317, 0.5856, 0.4212, -0.1572, 0.3623, -0.4211, 0.4111, 0.4123, -0.1402, 0.1702, 1.0953, 0.551],
    [0.0568, 0.2486, -0.0541, 0.1218, 0.3736, 0.0801, -0.4758, -0.0126, 0.5303, -1.1911, 0.1739, 0.1406],
    [-0.5007, -0.0829, 0.0012, 1.394, 0.4553, 0.1564, -0.1227, -0.1338, 0.3412, -0.8755, 0.3911, -0.3379],
    [0.0165, 1.5228, -0.2538, -0.0833, -0.8954, -0.0126, -0.032, -0.0768, 0.5436, 0.0699, 0.0844, -0.1202],
    [-0.3292, 0.339, -1.3288, -0.0233, 0.5241, 0.5344, 0.2647, 0.2002, 0.8394, 0.0992, 0.0599, 0.6885],
    [-1.0303, -0.3474, -0.3536, -0.1884, -0.1091, 0.0539, -0.0727, -0.1844, -0.3769, 0.2879, -0.1089, 0.3253],
    [0.46, 0.1397, -1.4448, 0.6863, 0.0696, 0.5863, -0.0146, 0, -0.3773, 0.8141, 0.3202, -0.7429],
    [0.4064, -0.7654, -0.5169, 0.7773, -0.0593, -0.1049, 0.52, 0.0639, 0.1824, 0.4834, 0.6934, 0.1587],
    [0.8615, -0.6654, 0.2117, -0.0096, -0.8787, 0.578, -0.6307, -0.0424, -0.6453, -0.747, -0.196, 1.1374],
    [-0.5176, -0.2134, 0.3777, 0.492, 0.1855, -0.9699, 0.2393, -0.0902, -0.0375, -0.3097, 0.0845, 0.0107],
  ],
  weights: [
    [-0.2079, -0.371, -0.2072, 0.4095, 1.1041, 0.9482, -0.0657, 0.4312, -0.3868, 0.5491, -1.514, 1.0636, 1.5658, -0.2179, -1.2455, 1.0912, -0.1612],
    [-0.164, 1.4369, -0.8488, 0.3259, 0.2551, -0.901, -0.7728, 0.9856, 1.5919, -1.2934, 0.1358, -0.0692, -0.1125, 0.802, 0.9421, -0.7663, 0.147],
    [0.1973, -1.0398, 1.3288, 0.8781, -1.3048, -0.1127, -0.4697, -0.8032, -0.5932, 1.1604, 0.9277, -0.5269, -1.2341, -1.2351, 0.9462, -0.1051, 0.0807],
    [0.1982, -0.0394, -0.274, -1.6207, -0.0549, 0.0713, 1.315, -0.6144, -0.6446, -0.4096, 0.4497, -0.4727, -0.2119, 0.6384, -0.6491, -0.2168, -0.1719],
  ],
  minProbability: 0.35,
  // loss the E-model already counts as costly, or jitter beyond a typical 40-60 ms jitter buffer
  networkLossPct: 2,
  networkJitterMs: 60,
};
