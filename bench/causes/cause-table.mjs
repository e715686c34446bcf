// The cause table (issue 18): core's diagnoseCause on the students' dims against each factory clip's
// recorded degradation, on clips with one degradation (the ground truth is unambiguous there).
//   node bench/causes/clip-dims.mjs --split val && node bench/causes/clip-dims.mjs --split test
//   node bench/causes/fit.mjs                            # fits core's CAUSE_CALIBRATION (train clips, chosen on val)
//   node bench/causes/cause-table.mjs --report test      # the table with core's CAUSE_CALIBRATION -> REPORT.md
// (test grown to 1600 clips in a work folder of its own: see the REPORT text below)
// Test is only ever reported.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CAUSE_CALIBRATION, CONTENT_CAUSES } from '@callmos/core';
import { ROOT } from '../lib/common.mjs';
import { writeReportSection } from '../lib/report-section.mjs';
import { OUT } from './clip-dims.mjs';
import { confusion, labelledRows, loadDims } from './cause-data.mjs';

/** the clips of the test split that the students' own test (label, evaluate) reads: synth --test 400 */
const STUDENT_TEST_CLIPS = 400;

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
    'codecs and vocoders to coloration, an Opus call with loss to discontinuity). Its features (with or without the',
    "speech's fall, `fallDb` over the level-to-floor range), form (plain regression or one hidden layer of 16 or 32 units),",
    'L2 strength and class weighting were chosen by the mean val log-loss over seeds, then minProbability as the highest that',
    "costs no val accuracy. The table is the test split's clips (held-out speakers, noises, a room and a codec) with one",
    'degradation, whose recorded recipe is the ground truth: noise -> noise; reverb, denoiser, band limit and a codec',
    'without loss -> coloration; packet loss and a codec run with loss -> discontinuity; level and clipping -> loudness.',
    "Echo is none of these and is left out. The split is the students' 400 test clips grown to 1600 by the same recipe",
    'and seeding (clip i seeded by (test, i)) in a work folder of its own, so that the students\' test stays 400:',
    '`CALLMOS_WORK_DIR=W python -m callmos_factory.synth --train 0 --val 0 --test 1600` with W/clips/test holding links to',
    "work/clips/test's 400, then `CALLMOS_WORK_DIR=W node bench/causes/clip-dims.mjs --split test`. The clips from 400 on",
    'were made after this fit was chosen and read once: the fairest figure here. Offline clips have no network figures,',
    'so `network` is not in the table.',
    '',
  ];
  for (const [model, r] of Object.entries(results)) {
    const parts = r.subsets.map((s) => `${s.name}: ${(100 * s.accuracy).toFixed(1)} % of ${s.n}`).join('; ');
    lines.push(`**${model}**: top-1 cause accuracy **${(100 * r.accuracy).toFixed(1)} %** on ${r.n} clips (${parts}; val, where its settings were chosen: ${(100 * r.valAccuracy).toFixed(1)} %).`, '');
    lines.push('| true cause \\ diagnosed | ' + [...CONTENT_CAUSES, 'unknown'].join(' | ') + ' | recall |', '|---|' + '---|'.repeat(CONTENT_CAUSES.length + 2));
    for (const t of CONTENT_CAUSES) {
      const row = r.table[t];
      const n = Object.values(row).reduce((a, b) => a + b, 0);
      lines.push(`| ${t} | ` + [...CONTENT_CAUSES, 'unknown'].map((p) => (p === t ? `**${row[p]}**` : String(row[p]))).join(' | ') + ` | ${n ? ((100 * row[t]) / n).toFixed(0) : '-'} % |`);
    }
    lines.push('', 'Right by degradation: ' + Object.entries(r.byType).map(([t, v]) => `${t} ${v.right}/${v.n}`).join(', ') + '.', '');
  }
  const best = Math.max(...Object.values(results).map((r) => r.accuracy));
  const own = Object.values(results).map((r) => r.subsets[0]);
  lines.push(
    `The issue's goal is 80 % top-1 on such clips: ${best >= 0.8 ? 'met' : `**not met** (best ${(100 * best).toFixed(1)} %)`} on the grown test split. On the`,
    `students' own ${own[0]?.n ?? 0} test clips: ${Object.entries(results).map(([m, r]) => `${m.split('@')[0]} ${(100 * (r.subsets[0]?.accuracy ?? 0)).toFixed(1)} %`).join(', ')} (121 clips move in steps of 0.8 %; tiny's dims`,
    'there are further from the ones the fit was made on, small\'s). History of this table: the fit of 1.4.0 (one hidden',
    'layer of 16, balanced classes, chosen on val accuracy: 85.7 % there) read small 74.4 % / tiny 72.7 % on the 121 clips and',
    '75.5 % / 75.0 % on all 539 (75.8 % / 75.6 % on the clips from 400 on); choosing by log-loss prefers unweighted classes',
    'and a lighter L2. The fall was measured for this fit and did not win on val (log-loss 0.366 with it, 0.363 without): the',
    "calibration does not read it, but SignalEvidence carries it and each refit weighs it again. Before: with small 1.3's",
    'dims the plain regression read 66.9 % / 65.3 % of the 121 clips; without clipping measured, 67.8 / 62.8 %. A fit on',
    "tiny's own dims read higher on val but lower on tiny's test clips, so one calibration serves both.",
    'The hidden layer is what the cause needs where dims interact (a codec raises noisiness as noise does, but with a',
    "clean floor). Live, the demo's 30 % Opus loss (concealed by Opus: no val or test clip has it) reads, from the",
    'content alone, coloration 0.87 / discontinuity 0.08 (the 1.4.0 fit: discontinuity 0.54 / coloration 0.31): Opus',
    'concealment is heard as a changed sound; its measured loss makes either `network`, which the qoe-dashboard test holds.',
    'Packet loss concealed by repeating the',
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
    const rows = labelledRows(data.rows);
    // the students' test split is its first STUDENT_TEST_CLIPS clips; `synth --test 1600` adds more of the same recipe
    const index = (r) => Number(r.id.split('-').pop());
    const subsets = [
      { name: `clips 0-${STUDENT_TEST_CLIPS - 1} (the students' test split)`, rows: rows.filter((r) => index(r) < STUDENT_TEST_CLIPS) },
      { name: `clips ${STUDENT_TEST_CLIPS} on`, rows: rows.filter((r) => index(r) >= STUDENT_TEST_CLIPS) },
    ].filter((x) => x.rows.length > 0).map((x) => ({ name: x.name, ...confusion(x.rows) }));
    results[data.model] = { ...confusion(rows), subsets: subsets.map(({ name, accuracy, n }) => ({ name, accuracy, n })), valAccuracy: confusion(valRows).accuracy };
    console.log(`${data.model}: ${(100 * results[data.model].accuracy).toFixed(1)} % of ${results[data.model].n} (${split})`);
  }
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'cause-table.json'), JSON.stringify({ split, calibration: CAUSE_CALIBRATION, results }, null, 1));
  writeReportSection(ROOT, 'causes', render(split, results));
  console.log('wrote models/report/causes.md and its REPORT.md section');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
