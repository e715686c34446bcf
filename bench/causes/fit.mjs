// Fits core's cause model (CAUSE_CALIBRATION, packages/core/src/scoring/cause-calibration.ts): from the
// students' dims and the window's measured signal to the cause, on the factory's train clips with one
// degradation. Its form (a softmax regression, or one over a hidden ReLU layer), L2 strength, class weighting
// and minProbability are chosen on val. Test is not read here.
//   node bench/causes/clip-dims.mjs --split train|val (small) && node bench/causes/fit.mjs [--model small]
// Writes the chosen calibration to bench/out/cause-calibration-MODEL.json (then `node bench/causes/write-calibration.mjs`
// puts it into core) and prints every candidate's val accuracy.
import { writeFileSync } from 'node:fs';
import { CAUSE_CALIBRATION, CONTENT_CAUSES } from '@callmos/core';
import { confusion, labelledRows, loadDims, featureRows } from './cause-data.mjs';
import { trainCauseModel } from './train-cause-model.mjs';

const argv = process.argv.slice(2);
const model = argv.indexOf('--model') >= 0 ? argv[argv.indexOf('--model') + 1] : 'small';
const train = featureRows(labelledRows(loadDims('train', model).rows));
const val = labelledRows(loadDims('val', model).rows);
const F = CAUSE_CALIBRATION.features.length;

const mean = Array.from({ length: F }, (_, k) => train.reduce((a, r) => a + r.x[k], 0) / train.length);
const scale = Array.from({ length: F }, (_, k) => Math.sqrt(train.reduce((a, r) => a + (r.x[k] - mean[k]) ** 2, 0) / train.length) || 1);
const round = (v, d = 4) => Number(v.toFixed(d));
const z = train.map((r) => r.x.map((v, k) => (v - mean[k]) / scale[k]));
const y = train.map((r) => CONTENT_CAUSES.indexOf(r.truth));

// Candidates: the regression (as before) and one hidden layer of 16 or 32 units; for the hidden layer, the
// mean val accuracy over three seeds decides (one seed's luck on 63 clips is not a choice), then the best
// seed of the chosen setting ships.
const candidates = [];
for (const hidden of [0, 16, 32]) {
  for (const lambda of hidden === 0 ? [0.001, 0.01, 0.1] : [0.001, 0.01]) {
    for (const balanced of [false, true]) {
      const seeds = hidden === 0 ? [1] : [1, 2, 3];
      const fits = seeds.map((seed) => {
        const { hidden: h, weights } = trainCauseModel(z, y, { classes: CONTENT_CAUSES.length, hidden, lambda, balanced, seed });
        const calibration = { ...CAUSE_CALIBRATION, mean: mean.map((v) => round(v)), scale: scale.map((v) => round(v)), weights: weights.map((row) => row.map((w) => round(w))) };
        if (h) calibration.hidden = h.map((row) => row.map((w) => round(w)));
        else delete calibration.hidden;
        return calibration;
      });
      for (const minProbability of [0, 0.35, 0.5]) {
        const accuracies = fits.map((c) => confusion(val, { ...c, minProbability }).accuracy);
        const meanAccuracy = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
        const bestSeed = accuracies.indexOf(Math.max(...accuracies));
        console.error(`hidden ${hidden} lambda ${lambda} balanced ${balanced} minProbability ${minProbability}: val ${accuracies.map((a) => (100 * a).toFixed(1)).join(' / ')} %`);
        candidates.push({ hidden, lambda, balanced, minProbability, meanAccuracy, accuracy: accuracies[bestSeed], calibration: { ...fits[bestSeed], minProbability } });
      }
    }
  }
}
// the best mean val accuracy; on a tie the simpler form, then the higher minProbability (a cause it is unsure
// of is better said 'unknown')
candidates.sort((a, b) => b.meanAccuracy - a.meanAccuracy || a.hidden - b.hidden || b.minProbability - a.minProbability);
const best = candidates[0];
const regression = candidates.filter((c) => c.hidden === 0)[0];
const summary = `hidden ${best.hidden} (${best.hidden ? 'ReLU' : 'none'}), lambda ${best.lambda}, balanced ${best.balanced}, minProbability ${best.minProbability}`;
console.log(`chosen on val: ${summary}: val ${(100 * best.accuracy).toFixed(1)} % (mean over seeds ${(100 * best.meanAccuracy).toFixed(1)} %; ${val.length} clips); train ${train.length} clips`);
console.log(`best plain regression on val: ${(100 * regression.accuracy).toFixed(1)} %`);
const out = { model, lambda: best.lambda, trainClips: train.length, valClips: val.length, valAccuracy: round(best.accuracy, 3), chosen: summary, calibration: best.calibration };
writeFileSync(new URL(`../out/cause-calibration-${model}.json`, import.meta.url), JSON.stringify(out, null, 1));
