// The cause table (issue 18): core's diagnoseCause on the students' dims against each factory clip's
// recorded degradation, on clips with one degradation (the ground truth is unambiguous there).
//   node bench/causes/clip-dims.mjs --split val && node bench/causes/clip-dims.mjs --split test
//   node bench/causes/fit.mjs                            # fits core's CAUSE_CALIBRATION (train clips, chosen on val)
//   node bench/causes/cause-table.mjs --report test      # the table with core's CAUSE_CALIBRATION -> REPORT.md
// Test is only ever reported.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CAUSE_CALIBRATION, CONTENT_CAUSES } from '@callmos/core';
import { ROOT } from '../lib/common.mjs';
import { writeReportSection } from '../lib/report-section.mjs';
import { OUT } from './clip-dims.mjs';
import { confusion, labelledRows, loadDims } from './cause-data.mjs';

function render(split, results) {
  const form = CAUSE_CALIBRATION.hidden
    ? `a classifier with one hidden ReLU layer (${CAUSE_CALIBRATION.hidden.length} units) and a softmax`
    : 'a softmax regression';
  const lines = [
    '## Causes (issue 18)',
    '',
    `Made by \`node bench/causes/cause-table.mjs --report ${split}\` (after \`clip-dims.mjs\` on the factory's clips). An alert and every`,
    `event under the 'good' band carry a cause: core's \`diagnoseCause\`, ${form} over the students' smoothed`,
    "dims and the window's measured level, floor (SNR), dropouts, bandwidth and clipping (and, live, the network figures:",
    'loss or jitter turn dropouts, coloration or an unknown into `network`). `CAUSE_CALIBRATION` was fitted on the train clips',
    "(`node bench/causes/fit.mjs`, small's dims; the train-only processing maps too: denoisers, devices, band switches, tandem",
    'codecs and vocoders to coloration, an Opus call with loss to discontinuity), its form (plain regression or one hidden',
    "layer of 16 or 32 units), L2 strength, class weighting and minProbability chosen on val; the table is the test split's",
    'clips (held-out speakers, noises, a room and a codec) with one degradation, whose recorded recipe is the ground truth:',
    'noise -> noise; reverb, denoiser, band limit and a codec without loss -> coloration; packet loss and a codec run with',
    'loss -> discontinuity; level and clipping -> loudness. Echo is none of these and is left out. Offline clips have no',
    'network figures, so `network` is not in the table.',
    '',
  ];
  for (const [model, r] of Object.entries(results)) {
    lines.push(`**${model}**: top-1 cause accuracy **${(100 * r.accuracy).toFixed(1)} %** on ${r.n} clips (val, where its settings were chosen: ${(100 * r.valAccuracy).toFixed(1)} %).`, '');
    lines.push('| true cause \\ diagnosed | ' + [...CONTENT_CAUSES, 'unknown'].join(' | ') + ' | recall |', '|---|' + '---|'.repeat(CONTENT_CAUSES.length + 2));
    for (const t of CONTENT_CAUSES) {
      const row = r.table[t];
      const n = Object.values(row).reduce((a, b) => a + b, 0);
      lines.push(`| ${t} | ` + [...CONTENT_CAUSES, 'unknown'].map((p) => (p === t ? `**${row[p]}**` : String(row[p]))).join(' | ') + ` | ${n ? ((100 * row[t]) / n).toFixed(0) : '-'} % |`);
    }
    lines.push('', 'Right by degradation: ' + Object.entries(r.byType).map(([t, v]) => `${t} ${v.right}/${v.n}`).join(', ') + '.', '');
  }
  const best = Math.max(...Object.values(results).map((r) => r.accuracy));
  lines.push(
    `The issue's goal is 80 % top-1 on such clips: ${best >= 0.8 ? 'met' : `**not met** (best ${(100 * best).toFixed(1)} %)`}. The test split holds`,
    'conditions training never had (speex, unseen noise files and a room), and val, where the settings were chosen, reads',
    "higher: the cause model carries to new conditions as the students' dims do. History of this table (same clips):",
    'with small 1.3 and a fit on its dims, the plain regression over the same features read small 66.9 % / tiny 65.3 %',
    '(val 81.0 %) and the hidden layer 78.5 / 72.7 % (val 87.3 %); without clipping measured, 67.8 / 62.8 %. A fit on',
    "tiny's own dims read higher on val (88.9 %) but lower on tiny's test clips (71.1 %), so one calibration serves both.",
    'The hidden layer is what the cause needs where dims interact (a codec raises noisiness as noise does, but with a',
    'clean floor). Live, the demo\'s 30 % Opus loss (concealed by Opus: no val or test clip has it) reads, from the',
    'content alone, discontinuity 0.54 / coloration 0.31 (the fit on small 1.3: coloration 0.46 / discontinuity 0.27);',
    'its measured loss makes either `network`, which the qoe-dashboard test holds. Packet loss concealed by repeating the',
    'last packet leaves no digital silence to count.',
    '',
  );
  return lines.join('\n');
}

async function main() {
  const argv = process.argv.slice(2);
  const option = (name, dflt) => (argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
  const models = option('models', 'small,tiny').split(',');
  const split = option('report', 'test');
  const results = {};
  for (const m of models) {
    const data = loadDims(split, m);
    const valRows = labelledRows(loadDims('val', m).rows);
    results[data.model] = { ...confusion(labelledRows(data.rows)), valAccuracy: confusion(valRows).accuracy };
    console.log(`${data.model}: ${(100 * results[data.model].accuracy).toFixed(1)} % of ${results[data.model].n} (${split})`);
  }
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'cause-table.json'), JSON.stringify({ split, calibration: CAUSE_CALIBRATION, results }, null, 1));
  writeReportSection(ROOT, 'causes', render(split, results));
  console.log('wrote models/report/causes.md and its REPORT.md section');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
