/**
 * Part of section 2 (models.streaming): what one hop of streamed inference costs beside one window of the
 * window model, same run, one thread, in onnxruntime-node and onnxruntime-web (wasm, in Node). Streamed:
 * every timed call scores the window after the one before it on the same stream (the live steady state:
 * one hop run of the front end, the left-edge run and the back end); window: model.onnx on the same window.
 * Batch 1 is a browser's one track; batch 16 the server's batches of 16 streams.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MosModel, parseModelCard } from '@callmos/core';
import { loadModel } from '@callmos/node';
import { ROOT, readCard, syntheticWindow, timeMs } from '../lib/common.mjs';

/** `batch` streams, each given its next window on every call. */
function steadyStreams(model, batch) {
  const data = Array.from({ length: batch }, (_, b) => syntheticWindow(model.windowSize).map((v) => v * (1 + b / 100)));
  let index = 0;
  return () => {
    const k = index++;
    return model.scoreWindows(data.map((d, b) => ({ streamId: `s${b}`, index: k, data: d })));
  };
}

async function pairFor(runtime, name) {
  const card = parseModelCard(readCard(name));
  if (!card.streaming) return { card, skipped: `${name}'s card has no streaming pair` };
  if (runtime === 'node') {
    const [window, streamed] = [await loadModel(name, { provider: 'cpu', intraOpThreads: 1, streaming: false }), await loadModel(name, { provider: 'cpu', intraOpThreads: 1 })];
    return { card, window, streamed, label: 'onnxruntime-node (CPU EP, 1 thread)' };
  }
  const ort = await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const open = (file) => ort.InferenceSession.create(readFileSync(path.join(ROOT, 'models', name, file)), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const window = await MosModel.load(card, await open('model.onnx'), ort.Tensor);
  const streamed = await MosModel.load(card, await open('model.onnx'), ort.Tensor, {}, { front: await open(card.streaming.front.file), back: await open(card.streaming.back.file) });
  return { card, window, streamed, label: `onnxruntime-web ${ort.env.versions.web} (wasm, 1 thread, in Node)` };
}

export async function benchStreaming({ modelRuns, webRuns, webWarmup, models }) {
  const rows = [];
  for (const name of models) {
    for (const runtime of ['node', 'web']) {
      try {
        const pair = await pairFor(runtime, name);
        if (pair.skipped) {
          rows.push({ model: name, runtime, skipped: pair.skipped });
          continue;
        }
        const runs = runtime === 'web' ? webRuns : modelRuns;
        const warmup = runtime === 'web' ? webWarmup : 3;
        for (const batch of [1, 16]) {
          const window = await timeMs(steadyStreams(pair.window, batch), runs, warmup);
          const hop = await timeMs(steadyStreams(pair.streamed, batch), runs, warmup);
          const stats = pair.streamed.streamingStats;
          rows.push({
            model: name, runtime: pair.label, batch, windowMs: window.medianMs / batch, perHopMs: hop.medianMs / batch,
            ratio: hop.medianMs / window.medianMs, hopRuns: stats.hopRuns, fullRuns: stats.fullRuns,
          });
        }
        await Promise.all([pair.window.release(), pair.streamed.release()]);
      } catch (err) {
        rows.push({ model: name, runtime, error: err.message });
      }
    }
  }
  return rows;
}
