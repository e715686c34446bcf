// The cause model's trainer: a softmax classifier over standardised features, optionally over one hidden
// ReLU layer, fitted by full-batch Adam on the (class-weighted) cross-entropy with an L2 penalty on the
// weights (not the biases). Seeded: the same data and options give the same weights.
import { rng } from '../lib/common.mjs';

/**
 * z: rows of standardised features; y: class index per row. Returns { hidden?, weights } in the layout of
 * core's CauseCalibration (each row: a weight per input, then the bias).
 */
export function trainCauseModel(z, y, { classes, hidden = 0, lambda = 0.01, balanced = false, seed = 1, iterations = 1500, lr = 0.02 }) {
  const n = z.length;
  const F = z[0].length;
  const K = classes;
  const H = hidden;
  const rand = rng(seed).next;
  const counts = Array.from({ length: K }, (_, c) => y.filter((v) => v === c).length);
  const sampleWeight = y.map((c) => (balanced ? n / (K * counts[c]) : 1));
  const init = (rows, width, gain) => Array.from({ length: rows }, () => {
    const row = new Float64Array(width + 1);
    const bound = gain * Math.sqrt(6 / (width + rows));
    for (let k = 0; k < width; k++) row[k] = (2 * rand() - 1) * bound;
    return row;
  });
  const layers = H > 0 ? [init(H, F, Math.SQRT2), init(K, H, 1)] : [init(K, F, 1)];
  // Adam state per layer
  const m = layers.map((L) => L.map((row) => new Float64Array(row.length)));
  const v = layers.map((L) => L.map((row) => new Float64Array(row.length)));
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const act = new Float64Array(Math.max(H, 1));
  const logits = new Float64Array(K);
  for (let it = 1; it <= iterations; it++) {
    const grads = layers.map((L) => L.map((row) => new Float64Array(row.length)));
    for (let i = 0; i < n; i++) {
      const x = z[i];
      let input = x;
      if (H > 0) {
        for (let h = 0; h < H; h++) {
          const row = layers[0][h];
          let s = row[F];
          for (let k = 0; k < F; k++) s += row[k] * x[k];
          act[h] = Math.max(0, s);
        }
        input = act;
      }
      const out = layers[layers.length - 1];
      const width = H > 0 ? H : F;
      let top = -Infinity;
      for (let c = 0; c < K; c++) {
        let s = out[c][width];
        for (let k = 0; k < width; k++) s += out[c][k] * input[k];
        logits[c] = s;
        if (s > top) top = s;
      }
      let sum = 0;
      for (let c = 0; c < K; c++) sum += (logits[c] = Math.exp(logits[c] - top));
      const gOut = grads[grads.length - 1];
      const dHidden = H > 0 ? new Float64Array(H) : null;
      for (let c = 0; c < K; c++) {
        const d = (sampleWeight[i] * (logits[c] / sum - (y[i] === c ? 1 : 0))) / n;
        for (let k = 0; k < width; k++) {
          gOut[c][k] += d * input[k];
          if (dHidden && input[k] > 0) dHidden[k] += d * out[c][k];
        }
        gOut[c][width] += d;
      }
      if (dHidden) {
        for (let h = 0; h < H; h++) {
          if (dHidden[h] === 0) continue;
          const g = grads[0][h];
          for (let k = 0; k < F; k++) g[k] += dHidden[h] * x[k];
          g[F] += dHidden[h];
        }
      }
    }
    layers.forEach((L, l) => {
      L.forEach((row, r) => {
        const width = row.length - 1;
        for (let k = 0; k <= width; k++) {
          const g = grads[l][r][k] + (k < width ? lambda * row[k] : 0);
          m[l][r][k] = b1 * m[l][r][k] + (1 - b1) * g;
          v[l][r][k] = b2 * v[l][r][k] + (1 - b2) * g * g;
          const mh = m[l][r][k] / (1 - b1 ** it);
          const vh = v[l][r][k] / (1 - b2 ** it);
          row[k] -= (lr * mh) / (Math.sqrt(vh) + eps);
        }
      });
    });
  }
  const plain = (L) => L.map((row) => Array.from(row));
  return H > 0 ? { hidden: plain(layers[0]), weights: plain(layers[1]) } : { weights: plain(layers[0]) };
}
