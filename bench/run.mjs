#!/usr/bin/env node
// npm run bench: speed measured side by side, written to bench/RESULTS.md and bench/results.json.
// Part 1: streaming resample (48 -> 16 kHz) + compressed STFT in the TS core, beside numpy's reference of
// the same transform (models/training/callmos_factory/features.py) in the same run.
// Part 2: inference real-time factor of every shipped model in onnxruntime-node, one thread.
// Run `npm run build` first (the bench imports the built packages). `--smoke` runs a few-second version.
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { StreamingResampler, StreamingStft } from '@callmos/core';
import { loadModel } from '@callmos/node';
import { shippedModels } from '@callmos/models';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const smoke = process.argv.includes('--smoke');
const outDir = path.join(root, smoke ? 'bench/out' : 'bench');
mkdirSync(outDir, { recursive: true });

/** Deterministic test signal: speech-like AM noise (the DSP cost does not depend on content). */
function signal(n, rate) {
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[i] = 0.3 * ((s / 4294967296) - 0.5) * (1 + Math.sin((2 * Math.PI * 4 * i) / rate));
  }
  return x;
}

function median(a) { const s = [...a].sort((p, q) => p - q); return s[Math.floor(s.length / 2)]; }

function benchDsp(seconds) {
  const x = signal(48000 * seconds, 48000);
  const runs = [];
  for (let r = -1; r < (smoke ? 1 : 5); r++) { // run -1 warms the JIT up and is not counted
    const rs = new StreamingResampler(48000, 16000);
    let frames = 0;
    const stft = new StreamingStft(() => { frames++; });
    const t = performance.now();
    for (let i = 0; i < x.length; i += 480) stft.push(rs.process(x.subarray(i, i + 480))); // 10 ms chunks
    stft.end();
    if (r >= 0) runs.push((performance.now() - t) / 1000);
  }
  return { audioSeconds: seconds, wallSeconds: median(runs), xRealTime: seconds / median(runs) };
}

function benchNumpy(seconds) {
  const script = `
import time, numpy as np, sys
sys.path.insert(0, ${JSON.stringify(path.join(root, 'models/training'))})
from callmos_factory.features import compressed_stft
from scipy.signal import resample_poly
x = (np.random.default_rng(1).random(48000 * ${seconds}) - 0.5).astype(np.float32) * 0.3
ts = []
for _ in range(${smoke ? 1 : 5}):
    t = time.perf_counter(); y = resample_poly(x, 1, 3).astype(np.float32); f = compressed_stft(y); ts.append(time.perf_counter() - t)
print(sorted(ts)[len(ts) // 2])`;
  try {
    const wall = Number(execFileSync('python3', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim());
    return { audioSeconds: seconds, wallSeconds: wall, xRealTime: seconds / wall, note: 'scipy resample_poly + numpy STFT, whole clip (not streaming)' };
  } catch (e) {
    return { error: `numpy reference unavailable: ${String(e.message).split('\n')[0]}` };
  }
}

async function benchModel(name) {
  const model = await loadModel(name, { intraOpThreads: 1, provider: 'cpu' });
  const { windowFrames, hopFrames } = model.card.input;
  const win = new Float32Array(model.windowSize);
  for (let i = 0; i < win.length; i++) win[i] = Math.sin(i * 0.37) * 0.5;
  await model.run([win]); // warm-up
  const n = smoke ? 3 : 20;
  const t = performance.now();
  for (let i = 0; i < n; i++) await model.run([win]);
  const perWindowMs = (performance.now() - t) / n;
  // streaming cost: one window per hop, so compute per second of audio = per-window time / hop seconds
  const hopSeconds = (hopFrames * 160) / 16000;
  const rtf = perWindowMs / 1000 / hopSeconds;
  await model.release();
  return { model: name, params: model.card.params, windowSeconds: (windowFrames * 160) / 16000, hopSeconds, perWindowMs, rtf };
}

const results = { date: new Date().toISOString(), machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version }, smoke };
const secs = smoke ? 5 : 120;
results.dsp = { core: benchDsp(secs), numpy: benchNumpy(secs) };
results.models = [];
for (const name of shippedModels) {
  try { results.models.push(await benchModel(name)); } catch (e) { results.models.push({ model: name, error: e.message }); }
}
writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 1));

const f = (v, d = 1) => (typeof v === 'number' ? v.toFixed(d) : 'n/a');
const md = `# callmos benchmarks

Machine: ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}; run ${results.date}${smoke ? ' (smoke run)' : ''}.
Regenerate with \`npm run build && npm run bench\`.

## 1. Resample 48 -> 16 kHz + compressed STFT (x real time; higher is better)
Streaming in 10 ms chunks through the TS core, against the numpy/scipy reference of the same transform
on the whole clip (the factory's features.py), both on ${secs} s of audio, one thread.

| implementation | x real time |
| --- | --- |
| @callmos/core (streaming, 10 ms chunks) | ${f(results.dsp.core.xRealTime)} |
| numpy + scipy reference (whole clip) | ${results.dsp.numpy.error ? results.dsp.numpy.error : f(results.dsp.numpy.xRealTime)} |

## 2. Model inference, onnxruntime-node, 1 thread
Real-time factor = compute time per second of streamed audio (one window per hop); 0.01 means 1 % of one core.

| model | params | window s | hop s | ms per window | RTF |
| --- | --- | --- | --- | --- | --- |
${results.models.map((m) => (m.error ? `| ${m.model} | error: ${m.error} | | | | |` : `| ${m.model} | ${m.params} | ${m.windowSeconds} | ${m.hopSeconds} | ${f(m.perWindowMs, 2)} | ${f(m.rtf, 4)} |`)).join('\n')}
`;
writeFileSync(path.join(outDir, 'RESULTS.md'), md);
process.stdout.write(md);
