// Puts the calibration fit.mjs chose (bench/out/cause-calibration-MODEL.json) into core's cause-calibration.ts.
//   node bench/causes/write-calibration.mjs [--model small]
import { readFileSync, writeFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const model = argv.indexOf('--model') >= 0 ? argv[argv.indexOf('--model') + 1] : 'small';
const fitted = JSON.parse(readFileSync(new URL(`../out/cause-calibration-${model}.json`, import.meta.url), 'utf8'));
const c = fitted.calibration;
const file = new URL('../../packages/core/src/scoring/cause-calibration.ts', import.meta.url);
const src = readFileSync(file, 'utf8');
const start = src.indexOf('export const CAUSE_CALIBRATION');
const rows = (m) => `[\n${m.map((row) => `    [${row.join(', ')}],`).join('\n')}\n  ]`;
const body = [
  'export const CAUSE_CALIBRATION: CauseCalibration = {',
  `  features: [\n${c.features.map((f) => `    '${f}',`).join('\n')}\n  ],`,
  `  mean: [${c.mean.join(', ')}],`,
  `  scale: [${c.scale.join(', ')}],`,
  ...(c.hidden ? [`  hidden: ${rows(c.hidden)},`] : []),
  `  weights: ${rows(c.weights)},`,
  `  minProbability: ${c.minProbability},`,
  '  // loss the E-model already counts as costly, or jitter beyond a typical 40-60 ms jitter buffer',
  `  networkLossPct: ${c.networkLossPct},`,
  `  networkJitterMs: ${c.networkJitterMs},`,
  '};',
  '',
].join('\n');
const doc = [
  '/**',
  ` * Fitted by \`node bench/causes/fit.mjs\` on ${fitted.model}'s dims of the factory's train clips with one mapped`,
  ` * degradation (${fitted.trainClips}); chosen on val (${(100 * fitted.valAccuracy).toFixed(1)} % of its ${fitted.valClips} clips): ${fitted.chosen}.`,
  ' * The test split\'s table: models/REPORT.md ("Causes").',
  ' */',
  '',
].join('\n');
writeFileSync(file, src.slice(0, src.lastIndexOf('/**', start)) + doc + body);
console.log(`written: ${file.pathname} (${fitted.chosen})`);
