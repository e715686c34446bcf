// Fits core's cause model (CAUSE_CALIBRATION in packages/core/src/scoring/cause.ts): a softmax regression
// from the students' dims and the window's measured signal to the cause, on the factory's train clips with
// one degradation; its L2 strength and class weighting are chosen on val. Test is not read here.
//   node bench/causes/clip-dims.mjs --split train|val (small) && node bench/causes/fit.mjs [--model small]
// Prints the calibration to paste into cause.ts, and its val accuracy.
import { CAUSE_CALIBRATION, CONTENT_CAUSES } from '@callmos/core';
import { confusion, labelledRows, loadDims, featureRows } from './cause-data.mjs';

const argv = process.argv.slice(2);
const model = argv.indexOf('--model') >= 0 ? argv[argv.indexOf('--model') + 1] : 'small';
const train = featureRows(labelledRows(loadDims('train', model).rows));
const val = labelledRows(loadDims('val', model).rows);
const F = CAUSE_CALIBRATION.features.length;
const K = CONTENT_CAUSES.length;

const mean = Array.from({ length: F }, (_, k) => train.reduce((a, r) => a + r.x[k], 0) / train.length);
const scale = Array.from({ length: F }, (_, k) => Math.sqrt(train.reduce((a, r) => a + (r.x[k] - mean[k]) ** 2, 0) / train.length) || 1);
const round = (v, d = 4) => Number(v.toFixed(d));

/** Full-batch gradient descent on the (class-weighted) cross-entropy with an L2 penalty on the weights. */
function trainSoftmax(lambda, balanced) {
  const W = Array.from({ length: K }, () => new Array(F + 1).fill(0));
  const counts = CONTENT_CAUSES.map((c) => train.filter((r) => r.truth === c).length);
  const weightOf = (r) => (balanced ? train.length / (K * counts[CONTENT_CAUSES.indexOf(r.truth)]) : 1);
  const z = train.map((r) => r.x.map((v, k) => (v - mean[k]) / scale[k]));
  for (let it = 0; it < 3000; it++) {
    const grad = Array.from({ length: K }, () => new Array(F + 1).fill(0));
    train.forEach((r, i) => {
      const logits = W.map((row) => row[F] + row.slice(0, F).reduce((a, w, k) => a + w * z[i][k], 0));
      const top = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - top));
      const s = e.reduce((a, b) => a + b, 0);
      const wgt = weightOf(r);
      for (let c = 0; c < K; c++) {
        const d = wgt * (e[c] / s - (CONTENT_CAUSES[c] === r.truth ? 1 : 0));
        for (let k = 0; k < F; k++) grad[c][k] += d * z[i][k];
        grad[c][F] += d;
      }
    });
    for (let c = 0; c < K; c++) {
      for (let k = 0; k <= F; k++) W[c][k] -= 0.5 * (grad[c][k] / train.length + (k < F ? lambda * W[c][k] : 0));
    }
  }
  return W;
}

let best = null;
for (const lambda of [0.001, 0.01, 0.1]) {
  for (const balanced of [false, true]) {
    const calibration = { ...CAUSE_CALIBRATION, mean: mean.map((v) => round(v)), scale: scale.map((v) => round(v)), weights: trainSoftmax(lambda, balanced).map((row) => row.map((w) => round(w))) };
    for (const minProbability of [0, 0.35, 0.5]) {
      const c = { ...calibration, minProbability };
      const accuracy = confusion(val, c).accuracy;
      console.error(`lambda ${lambda} balanced ${balanced} minProbability ${minProbability}: val ${(100 * accuracy).toFixed(1)} %`);
      // on a tie, the higher minProbability: a cause it is unsure of is better said 'unknown'
      const better = !best || accuracy > best.accuracy || (accuracy === best.accuracy && minProbability > best.calibration.minProbability);
      if (better) best = { accuracy, lambda, balanced, calibration: c };
    }
  }
}
console.log(`chosen on val: lambda ${best.lambda}, balanced ${best.balanced}, minProbability ${best.calibration.minProbability}: val ${(100 * best.accuracy).toFixed(1)} % (${val.length} clips); train ${train.length} clips`);
console.log(JSON.stringify({ mean: best.calibration.mean, scale: best.calibration.scale, weights: best.calibration.weights, minProbability: best.calibration.minProbability }));
