#!/usr/bin/env node
// The speech-detector table (issue 15): the energy gate alone vs the energy gate + Silero VAD on labelled
// clips (labelled-clips.mjs), over 4 s windows with a 1 s hop as served, with the shipped default model.
//   node bench/speech/detector-table.mjs [--clips 12] [--seconds 12] [--vad a.onnx,b.onnx] [--tune] [--out DIR]
// --tune also searches the detector's thresholds on the tune split (the report split is never used to
// choose them). Writes DIR/speech-detector.json and DIR/speech-detector.md (default bench/out/);
// `node bench/speech/render.mjs --json DIR/speech-detector.json --report` puts it in models/REPORT.md.
// Needs `npm run build` first (it imports the built packages) and ../shared/corpora.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { DEFAULT_SPEECH_DETECTOR, SileroVad, scoreClip } from '@callmos/core';
import { SILERO_CONTEXT, SILERO_FRAME, WindowProducer } from '@callmos/core/pipeline';
import { defaultModel, loadModel, speechDetectorFile } from '@callmos/node';
import { ROOT } from '../lib/common.mjs';
import { CLASSES, SR, makeClip } from './labelled-clips.mjs';
import { renderTable } from './render.mjs';
import { measureCost } from './cost.mjs';

const argv = process.argv.slice(2);
const option = (name, dflt) => (argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const CLIPS = Number(option('clips', 12));
const SECONDS = Number(option('seconds', 12));
const OUT = path.resolve(option('out', path.join(ROOT, 'bench', 'out')));
const VADS = option('vad', speechDetectorFile()).split(',');
const TUNE = argv.includes('--tune');
const POOR_BELOW = 2.5;
const log = (line) => process.stderr.write(`[speech-detector] ${line}\n`);

const model = await loadModel(defaultModel, { provider: 'cpu', intraOpThreads: 1 });
const vads = await Promise.all(
  VADS.map(async (file) => {
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
    return { name: path.basename(file, '.onnx'), file, vad: await SileroVad.load(session, ort.Tensor, { id: path.basename(file, '.onnx') }) };
  }),
);

/** Every frame's speech probability, framed as SpeechDetector frames it (context, zero-padded last frame). */
async function probabilities(vad, x) {
  const probs = [];
  let state = SileroVad.initialState();
  const input = new Float32Array(SILERO_CONTEXT + SILERO_FRAME);
  for (let at = 0; at < x.length; at += SILERO_FRAME) {
    input.fill(0, SILERO_CONTEXT);
    input.set(x.subarray(at, Math.min(x.length, at + SILERO_FRAME)), SILERO_CONTEXT);
    const step = await vad.run(input, state);
    state = step.state;
    probs.push(step.probability);
    input.copyWithin(0, SILERO_FRAME);
  }
  return probs;
}

/** SpeechDetector's hysteresis and window rule, replayed on stored probabilities (the grid search needs it fast). */
function replay(probs, windows, p, asRatios = false) {
  const hang = Math.round(p.hangoverMs / 1000 / (SILERO_FRAME / SR));
  const neg = p.negThreshold ?? Math.max(0, p.threshold - 0.15);
  const speech = new Uint8Array(probs.length);
  let on = false;
  let below = 0;
  probs.forEach((q, i) => {
    if (q >= p.threshold) { on = true; below = 0; }
    else if (on && q < neg) { if (++below > hang) { on = false; below = 0; } }
    else if (on) below = 0;
    speech[i] = on ? 1 : 0;
  });
  const total = probs.length;
  return windows.map((w) => {
    const first = Math.ceil(Math.round(w.start * SR) / SILERO_FRAME);
    const endSample = Math.round(w.end * SR);
    let last = Math.floor(endSample / SILERO_FRAME);
    if (w.padded && total > last) last = total;
    let s = 0;
    for (let f = first; f < last; f++) s += speech[f];
    const frames = last - first;
    if (asRatios) return frames > 0 ? s / frames : 0;
    return w.energy && frames > 0 && s / frames >= p.minSpeechRatio;
  });
}

async function measureClip(split, cls, index) {
  const { samples, detail } = await makeClip(split, cls, index, SECONDS);
  const producer = new WindowProducer({ card: model.card, inputRate: SR });
  const ready = [...producer.push(samples), ...producer.end()];
  const mos = (await model.run(ready.map((w) => w.data))).map((s) => s.mos);
  const windows = ready.map((w, k) => ({ start: w.start, end: w.end, energy: w.speech, padded: Math.round(w.end * SR) >= samples.length, mos: mos[k] }));
  const probs = {};
  for (const v of vads) probs[v.name] = await probabilities(v.vad, samples);
  return { split, cls: cls.name, label: cls.speech, index, detail, samples, windows, probs };
}

const clips = [];
const t0 = performance.now();
for (const split of TUNE ? ['tune', 'report'] : ['report']) {
  for (const cls of CLASSES) {
    for (let i = 0; i < CLIPS; i++) clips.push(await measureClip(split, cls, i));
    log(`${split} ${cls.name}: ${CLIPS} clips (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
}

/** Per class: windows judged speech, and non-speech windows that would be scored 'poor'. */
function table(split, judge) {
  return CLASSES.map((cls) => {
    const mine = clips.filter((c) => c.split === split && c.cls === cls.name);
    let n = 0, speech = 0, poor = 0;
    for (const c of mine) {
      judge(c).forEach((isSpeech, k) => {
        n++;
        if (isSpeech) speech++;
        if (isSpeech && c.windows[k].mos < POOR_BELOW) poor++;
      });
    }
    return { cls: cls.name, label: cls.speech, windows: n, speechPct: (100 * speech) / n, poorPct: (100 * poor) / n };
  });
}
const energyJudge = (c) => c.windows.map((w) => w.energy);
const detectorJudge = (name, p) => (c) => replay(c.probs[name], c.windows, p);

function summary(rows) {
  const pick = (f) => rows.filter(f);
  const pct = (rs, key) => rs.reduce((a, r) => a + r[key] * r.windows, 0) / Math.max(1, rs.reduce((a, r) => a + r.windows, 0));
  // the goal is speech at >= 0 dB SNR; -5 dB and quiet speech (the energy gate's floor) are reported only
  const speech = pick((r) => r.label === true && !CLASSES.find((c) => c.name === r.cls).beyondGoal);
  const non = pick((r) => r.label === false);
  return { speechRecallPct: pct(speech, 'speechPct'), minSpeechRecallPct: Math.min(...speech.map((r) => r.speechPct)), nonSpeechAcceptPct: pct(non, 'speechPct'), nonSpeechPoorPct: pct(non, 'poorPct'), maxNonSpeechPoorPct: Math.max(...non.map((r) => r.poorPct)) };
}

const results = { clipsPerClass: CLIPS, seconds: SECONDS, model: model.id, vads: vads.map((v) => v.name), defaults: DEFAULT_SPEECH_DETECTOR, tune: {}, report: {} };

/** Each window's detector ratio (frames judged speech / frames), for windows the energy gate passes. */
function ratios(name, p, filter) {
  const out = [];
  for (const c of clips.filter(filter)) {
    const all = replay(c.probs[name], c.windows.map((w) => ({ ...w, energy: true })), { ...p, minSpeechRatio: 0 }, true);
    all.forEach((r, k) => c.windows[k].energy && out.push(r));
  }
  return out.sort((a, b) => a - b);
}
const goalSpeech = (split) => (c) => c.split === split && c.label === true && !CLASSES.find((k) => k.name === c.cls).beyondGoal;
const nonSpeech = (split) => (c) => c.split === split && c.label === false;

let params = { threshold: DEFAULT_SPEECH_DETECTOR.threshold, hangoverMs: DEFAULT_SPEECH_DETECTOR.hangoverMs, minSpeechRatio: DEFAULT_SPEECH_DETECTOR.minSpeechRatio };
if (TUNE) {
  // The rule, on the tune split only: for each threshold and hangover, the gap between the 1st percentile
  // of the speech windows' ratios and the highest non-speech window's ratio; the widest gap wins (ties:
  // the threshold nearest Silero's own 0.5, then the shorter hangover), and minSpeechRatio goes in the
  // middle of that gap, so that both sides keep the same margin on unseen audio.
  for (const v of vads) {
    const grid = [];
    for (const threshold of [0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
      for (const hangoverMs of [0, 100, 200, 400]) {
        const sp = ratios(v.name, { threshold, hangoverMs }, goalSpeech('tune'));
        const ns = ratios(v.name, { threshold, hangoverMs }, nonSpeech('tune'));
        const speechP1 = sp[Math.floor(0.01 * sp.length)];
        const nonSpeechMax = ns.length ? ns[ns.length - 1] : 0;
        grid.push({ threshold, hangoverMs, speechP1, speechMin: sp[0], nonSpeechMax, gap: speechP1 - nonSpeechMax });
      }
    grid.sort((a, b) => b.gap - a.gap || Math.abs(a.threshold - 0.5) - Math.abs(b.threshold - 0.5) || a.hangoverMs - b.hangoverMs);
    const best = grid[0];
    const chosen = { threshold: best.threshold, hangoverMs: best.hangoverMs, minSpeechRatio: Math.round(((best.speechP1 + best.nonSpeechMax) / 2) * 20) / 20 };
    results.tune[v.name] = { grid, chosen, tuneSummary: summary(table('tune', detectorJudge(v.name, chosen))) };
    log(`tune ${v.name}: chosen ${JSON.stringify(chosen)} (gap ${best.gap.toFixed(3)}: speech p1 ${best.speechP1.toFixed(3)}, non-speech max ${best.nonSpeechMax.toFixed(3)})`);
  }
  params = results.tune[vads[0].name].chosen;
  const shipped = { threshold: DEFAULT_SPEECH_DETECTOR.threshold, hangoverMs: DEFAULT_SPEECH_DETECTOR.hangoverMs, minSpeechRatio: DEFAULT_SPEECH_DETECTOR.minSpeechRatio };
  results.shippedDefaultsMatchTune = JSON.stringify(params) === JSON.stringify(shipped);
  if (!results.shippedDefaultsMatchTune) log(`NOTE: the shipped defaults ${JSON.stringify(shipped)} differ from the tuned ${JSON.stringify(params)}; the report uses the tuned ones`);
}
results.params = params;

// for comparison: untuned settings (Silero's usual 0.5 threshold, a short hangover, a quarter of the window)
const UNTUNED = { threshold: 0.5, hangoverMs: 200, minSpeechRatio: 0.25 };
results.untuned = { params: UNTUNED };
for (const v of vads) {
  results.untuned[v.name] = table('report', detectorJudge(v.name, UNTUNED));
  results.untuned[`${v.name}Summary`] = summary(results.untuned[v.name]);
}
results.report.energy = table('report', energyJudge);
results.report.energySummary = summary(results.report.energy);
for (const v of vads) {
  results.report[v.name] = table('report', detectorJudge(v.name, params));
  results.report[`${v.name}Summary`] = summary(results.report[v.name]);
}

// The served path (scoreClip with the detector) must make the same decisions as the replay above.
const served = vads[0];
let mismatches = 0;
let checked = 0;
for (const c of clips.filter((x) => x.split === 'report')) {
  const result = await scoreClip(model, c.samples, SR, { speech: served.vad, vad: { detector: params } });
  const replayed = replay(c.probs[served.name], c.windows, params);
  result.windows.forEach((e, k) => {
    checked++;
    if (e.scored !== replayed[k]) mismatches++;
  });
}
results.servedCheck = { vad: served.name, windows: checked, mismatches };
log(`served path vs replay: ${mismatches} of ${checked} windows differ`);

// Cost: one stream's detector, and the MOS model for comparison (cost.mjs).
results.cost = await measureCost(vads, model, params);

mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, 'speech-detector.json'), JSON.stringify(results, null, 1));
const md = [renderTable(results)];
md.push('', `detector settings: threshold ${params.threshold} (off below ${Math.max(0, params.threshold - 0.15).toFixed(2)}), hangover ${params.hangoverMs} ms, minSpeechRatio ${params.minSpeechRatio}${TUNE ? ' (chosen on the tune split)' : ' (the shipped defaults)'}`);
md.push('', `served path (scoreClip + ${served.name}) vs replayed decisions: ${mismatches} of ${checked} windows differ`);
md.push('', `cost (1 thread, median of 5; min): ${vads.map((v) => { const c = results.cost[v.name]; return `${v.name} ${c.msPerAudioSecond.toFixed(2)} ms per second of audio (min ${c.minMsPerAudioSecond.toFixed(2)}), verdict ${c.verdictLatency.medianMs.toFixed(2)} ms after the window's last 20 ms push (max ${c.verdictLatency.maxMs.toFixed(2)}, real-time pace)`; }).join(', ')}; ${model.id} ${results.cost[model.id].msPerWindow.toFixed(2)} ms per window (one window per second)`);
writeFileSync(path.join(OUT, 'speech-detector.md'), md.join('\n') + '\n');
process.stdout.write(md.join('\n') + '\n');
for (const v of vads) await v.vad.release();
await model.release();
