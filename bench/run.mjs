#!/usr/bin/env node
// npm run bench: speed, cost and scale measured side by side with their references, in one run.
// Writes results.json, RESULTS.md and PNG plots (bench/ for the full run, bench/out/ for --quick, --out DIR).
//   node bench/run.mjs            full run (~22 min on the 2-core dev machine with four models)
//   node bench/run.mjs --quick    a minute or two, for development (bench/out/)
//   node bench/run.mjs --smoke --out DIR   seconds; what `npm test` runs to check the runner itself
//   --only dsp,models,floor,stages,scale,gpu   a subset (floor needs models)
// Needs `npm run build` first (the bench imports the built packages) and python3 with
// models/training/requirements.txt for the references and the plots.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { shippedModels } from '@callmos/models';
import { ROOT, machine, pythonReference } from './lib/common.mjs';
import { benchDsp } from './sections/dsp.mjs';
import { benchModels } from './sections/models.mjs';
import { benchFloor } from './sections/floor.mjs';
import { benchScale } from './sections/scale.mjs';
import { benchStages } from './sections/stages.mjs';
import { benchGpu } from './sections/gpu.mjs';
import { renderResults } from './report.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => (argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const mode = flag('smoke') ? 'smoke' : flag('quick') ? 'quick' : 'full';
const outDir = path.resolve(option('out') ?? path.join(ROOT, mode === 'full' ? 'bench' : 'bench/out'));
const only = option('only')?.split(',');
// the GPU section measures the largest model (base, the server's GPU default); the all-cores CPU curve
// `small`, the model issue 17's 40-streams-per-core target names (the server's CPU default was small until the
// one-core curve measured base holding 64: packages/server/src/monitor/model-choice.ts)
const largest = shippedModels[shippedModels.length - 1];
const cpuDefault = shippedModels.includes('small') ? 'small' : largest;

/** How much each section measures, per mode. */
const SIZES = {
  full: {
    dspSeconds: 120, dspRuns: 5, modelRuns: 30, webRuns: 10, webWarmup: 12, refRuns: 5, sgemmN: 2048, models: shippedModels,
    stagesSeconds: 24, stagesRepeat: 3,
    scaleStreams: [4, 16, 32, 48, 56, 64, 72, 80, 96, 104, 112, 128, 160, 200], scaleSeconds: 24, scaleBatches: [16], scaleModels: shippedModels, scaleAllCoresModels: [cpuDefault], gpuBatches: [1, 16, 64, 256], gpuRuns: 20,
  },
  quick: {
    dspSeconds: 20, dspRuns: 2, modelRuns: 5, webRuns: 3, webWarmup: 6, refRuns: 1, sgemmN: 1024, models: shippedModels,
    stagesSeconds: 12, stagesRepeat: 2,
    scaleStreams: [4, 16], scaleSeconds: 10, scaleBatches: [16], scaleModels: shippedModels, scaleAllCoresModels: ['tiny'], gpuBatches: [1, 16], gpuRuns: 5,
  },
  smoke: {
    dspSeconds: 2, dspRuns: 1, modelRuns: 2, webRuns: 1, webWarmup: 1, refRuns: 0, sgemmN: 256, models: ['tiny'],
    stagesSeconds: 4, stagesRepeat: 1,
    scaleStreams: [1], scaleSeconds: 8, scaleBatches: [16], scaleModels: ['tiny'], gpuBatches: [1], gpuRuns: 1,
  },
}[mode];
const sizes = { ...SIZES, largest };

mkdirSync(outDir, { recursive: true });
const started = Date.now();
const results = { mode, date: new Date().toISOString(), machineAtStart: machine(), sizes };
const log = (line) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0)} s] ${line}\n`);
const wanted = (name) => !only || only.includes(name);

async function section(name, fn) {
  if (!wanted(name)) return;
  log(`${name} ...`);
  try {
    results[name] = await fn();
  } catch (err) {
    results[name] = { error: err.stack ?? String(err) };
  }
}

await section('dsp', () => benchDsp(sizes));
await section('models', () => benchModels(sizes));
if (results.models) await section('floor', () => benchFloor(sizes, results.models));
await section('stages', () => benchStages(sizes));
await section('scale', () => benchScale(sizes, results.stages));
await section('gpu', () => benchGpu(sizes));
results.machineAtEnd = machine();
results.seconds = (Date.now() - started) / 1000;

const jsonPath = path.join(outDir, 'results.json');
writeFileSync(jsonPath, JSON.stringify(results, null, 1));
log('plots ...');
results.plots = await pythonReference(['plots', '--results', jsonPath, '--out', outDir]);
writeFileSync(jsonPath, JSON.stringify(results, null, 1));
writeFileSync(path.join(outDir, 'RESULTS.md'), renderResults(results));
log(`done in ${results.seconds.toFixed(0)} s: ${path.join(outDir, 'RESULTS.md')}`);
