/**
 * Section 2: inference cost per second of audio (real-time factor), one thread, of every shipped model in
 * onnxruntime-node and in onnxruntime-web (wasm backend, in Node), beside two references in the same run:
 * the Distill-MOS v7 size of the same architecture in PyTorch (Python, bench_reference v7) and DNSMOS
 * P.835 from ../shared (onnxruntime-node, through the server's adapter).
 * RTF = compute time of one window / the hop: streaming runs one window per hop.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MosModel, parseModelCard } from '@callmos/core';
import { loadModel } from '@callmos/node';
import { shippedModels } from '@callmos/models';
import { DnsmosP835, DNSMOS_WINDOW } from '@callmos/server/teachers';
import { benchStreaming } from './streaming.mjs';
import { ROOT, SHARED, exists, hopSeconds, pythonReference, readCard, syntheticWindow, timeMs, windowSeconds } from '../lib/common.mjs';

export const DNSMOS_PATH = path.join(SHARED, 'teachers', 'dnsmos', 'sig_bak_ovr.onnx');
/** The published DNSMOS scorer slides its 9.01 s window by 1 s. */
const DNSMOS_HOP_SECONDS = 1;

function row(model, runtime, card, t) {
  const hop = hopSeconds(card);
  return { model, runtime, params: card.params, windowSeconds: windowSeconds(card), hopSeconds: hop, perWindowMs: t.medianMs, firstWindowMs: t.firstMs, rtf: t.medianMs / 1000 / hop };
}

async function onnxruntimeNode(name, runs) {
  const model = await loadModel(name, { provider: 'cpu', intraOpThreads: 1 });
  const w = syntheticWindow(model.windowSize);
  const t = await timeMs(() => model.run([w]), runs);
  await model.release();
  return row(name, 'onnxruntime-node (CPU EP, 1 thread)', model.card, t);
}

async function onnxruntimeWeb(name, runs, warmup) {
  // the package the browser client ships; in Node it runs the same wasm (SIMD) kernels, without a worker
  const ort = await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const card = parseModelCard(readCard(name));
  const session = await ort.InferenceSession.create(readFileSync(path.join(ROOT, 'models', name, 'model.onnx')), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const model = await MosModel.load(card, session, ort.Tensor);
  const w = syntheticWindow(model.windowSize);
  // V8 compiles wasm with its baseline tier first and optimises hot functions later: the first windows
  // run up to 10x slower, so warm up longer than native (a live stream is past this after seconds)
  const t = await timeMs(() => model.run([w]), runs, warmup);
  await model.release();
  return { ...row(name, `onnxruntime-web ${ort.env.versions.web} (wasm, 1 thread, in Node)`, card, t) };
}

async function dnsmos(runs) {
  if (!exists(DNSMOS_PATH)) return { model: 'DNSMOS P.835', skipped: `${DNSMOS_PATH} is absent (../shared not beside the repo)` };
  const teacher = await DnsmosP835.load(DNSMOS_PATH, { provider: 'cpu', intraOpThreads: 1 });
  const audio = syntheticWindow(DNSMOS_WINDOW).map((v) => v * 0.2);
  const t = await timeMs(() => teacher.score(audio), runs);
  await teacher.release();
  return {
    model: 'DNSMOS P.835', runtime: 'onnxruntime-node (CPU EP, 1 thread)', params: null, windowSeconds: DNSMOS_WINDOW / 16000,
    hopSeconds: DNSMOS_HOP_SECONDS, perWindowMs: t.medianMs, rtf: t.medianMs / 1000 / DNSMOS_HOP_SECONDS,
  };
}

export async function benchModels({ modelRuns, webRuns, webWarmup, refRuns, models = shippedModels }) {
  const rows = [];
  for (const name of models) {
    for (const run of [onnxruntimeNode, onnxruntimeWeb]) {
      try {
        rows.push(await (run === onnxruntimeWeb ? run(name, webRuns, webWarmup) : run(name, modelRuns)));
      } catch (err) {
        rows.push({ model: name, runtime: run.name, error: err.message });
      }
    }
  }
  const references = [];
  if (refRuns > 0) {
    const v7 = await pythonReference(['v7', '--runs', String(refRuns)]);
    references.push(v7.error ? { model: 'Distill-MOS v7 size', error: v7.error } : { ...v7, runtime: `PyTorch ${v7.torch} CPU, 1 thread` });
    try {
      references.push(await dnsmos(refRuns));
    } catch (err) {
      references.push({ model: 'DNSMOS P.835', error: err.message });
    }
  } else {
    references.push({ model: 'Distill-MOS v7 size', skipped: 'not run in this mode' }, { model: 'DNSMOS P.835', skipped: 'not run in this mode' });
  }
  const streaming = await benchStreaming({ modelRuns, webRuns, webWarmup, models });
  return { rows, references, streaming };
}
