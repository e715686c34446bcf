#!/usr/bin/env node
// Renders the speech-detector bench's JSON as markdown (the table and its summary), and with --report
// writes it as the "speech-detector" section of models/REPORT.md (models/report/speech-detector.md,
// spliced between the markers the model factory's report_sections.py keeps).
//   node bench/speech/render.mjs --json bench/out/speech-detector.json [--report]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReportSection } from '../lib/report-section.mjs';
import { CLASSES } from './labelled-clips.mjs';

const f1 = (x) => x.toFixed(1);
const beyondGoal = (name) => CLASSES.find((c) => c.name === name)?.beyondGoal === true;

/** The per-class table and the summary lines. */
export function renderTable(results) {
  const vads = results.vads;
  const md = [];
  md.push(`| class | windows | energy gate: judged speech % | energy gate: false 'poor' % | ${vads.map((v) => `+ ${v}: judged speech % | + ${v}: false 'poor' %`).join(' | ')} |`);
  md.push(`| --- | ---: | ---: | ---: | ${vads.map(() => '---: | ---:').join(' | ')} |`);
  results.report.energy.forEach((r, i) => {
    const kind = r.label === true ? (beyondGoal(r.cls) ? ' (speech, beyond the goal)' : ' (speech)') : r.label === 'babble' ? ' (speech-like)' : '';
    const cells = vads.map((v) => {
      const d = results.report[v][i];
      return `${f1(d.speechPct)} | ${r.label === false ? f1(d.poorPct) : '-'}`;
    });
    md.push(`| ${r.cls}${kind} | ${r.windows} | ${f1(r.speechPct)} | ${r.label === false ? f1(r.poorPct) : '-'} | ${cells.join(' | ')} |`);
  });
  md.push('');
  for (const key of ['energy', ...vads]) {
    const s = results.report[`${key}Summary`];
    const name = key === 'energy' ? 'energy gate alone' : `energy gate + ${key}`;
    md.push(`- ${name}: speech recall at >= 0 dB SNR ${f1(s.speechRecallPct)} % of windows (lowest class ${f1(s.minSpeechRecallPct)} %); non-speech judged speech ${f1(s.nonSpeechAcceptPct)} %; false 'poor' on non-speech ${f1(s.nonSpeechPoorPct)} % of windows (worst class ${f1(s.maxNonSpeechPoorPct)} %)`);
  }
  return md.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const json = argv[argv.indexOf('--json') + 1];
  const results = JSON.parse(readFileSync(json, 'utf8'));
  const table = renderTable(results);
  if (!argv.includes('--report')) process.stdout.write(`${table}\n`);
  else {
    const root = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
    const intro = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'report-intro.md'), 'utf8');
    const vad = results.vads[0];
    const minus5 = results.report[vad].find((r) => r.cls === 'speech SNR -5 dB');
    const u = results.untuned?.[`${vad}Summary`];
    const uMinus5 = results.untuned?.[vad]?.find((r) => r.cls === 'speech SNR -5 dB');
    const c = results.cost[vad];
    const body = intro
      .replace('{{minus5}}', minus5 ? f1(minus5.speechPct) : '?')
      .replace('{{untuned}}', u ? `speech recall ${f1(u.speechRecallPct)} % at >= 0 dB SNR, ${f1(uMinus5.speechPct)} % at -5 dB, non-speech let through ${f1(u.nonSpeechAcceptPct)} %, false 'poor' ${f1(u.nonSpeechPoorPct)} %` : '(not measured)')
      .replace('{{cost}}', `${c.msPerAudioSecond.toFixed(2)} ms of one CPU thread per second of audio (median of ${c.runs}, min ${c.minMsPerAudioSecond.toFixed(2)}; onnxruntime-node, one 32 ms frame per run, on the shared 2-core dev machine), verdict ${c.verdictLatency.medianMs.toFixed(2)} ms after the push that completes a window (max ${c.verdictLatency.maxMs.toFixed(2)} ms over ${c.verdictLatency.windows} windows; 20 ms pushes at real-time pace)`)
      .replaceAll('{{modelMs}}', results.cost[results.model].msPerWindow.toFixed(0))
      .replace('{{ratio}}', ((100 * c.msPerAudioSecond) / results.cost[results.model].msPerWindow).toFixed(0))
      .replaceAll('{{clips}}', String(results.clipsPerClass))
      .replaceAll('{{seconds}}', String(results.seconds))
      .replaceAll('{{model}}', results.model)
      .replace('{{table}}', table)
      .replace('{{params}}', JSON.stringify(results.params))
      .replace('{{served}}', `${results.servedCheck.mismatches} of ${results.servedCheck.windows}`);
    writeReportSection(root, 'speech-detector', body);
    process.stdout.write(`wrote models/report/speech-detector.md and its section of models/REPORT.md\n`);
  }
}
