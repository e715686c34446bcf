#!/usr/bin/env node
// What the speech detector costs one stream: CPU ms per second of audio (60 s of speech through a
// SpeechDetector, median of 5 after a warm-up), the delay from the push that completes a window to its
// verdict at real-time pace, and the MOS model's ms per window beside it. A benchmark, not a test: no
// target is asserted. detector-table.mjs runs it too.
//   node bench/speech/cost.mjs        (after npm run build)
import * as ort from 'onnxruntime-node';
import { DEFAULT_SPEECH_DETECTOR, SileroVad, SpeechDetector } from '@callmos/core';
import { WindowProducer } from '@callmos/core/pipeline';
import { defaultModel, loadModel, speechDetectorFile } from '@callmos/node';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { CLASSES, SR, makeClip } from './labelled-clips.mjs';

async function detectorMs(vad, params, audio) {
  const d = new SpeechDetector(vad, { ...params, maxPendingFrames: Infinity });
  const t = performance.now();
  d.push(audio);
  d.end();
  await d.judge({ index: 0, start: 0, end: audio.length / SR, speechRatio: 1, speech: true, data: new Float32Array(0), arrivedAt: 0, shortClip: true });
  return performance.now() - t;
}

/** 20 s pushed 20 ms at a time at real-time pace; ms from the push that completes a window to its verdict. */
async function verdictLatency(vad, params, card, audio) {
  const detector = new SpeechDetector(vad, params);
  const producer = new WindowProducer({ card, inputRate: SR, detector });
  const latencies = [];
  const pending = [];
  const started = performance.now();
  for (let at = 0, k = 0; at < audio.length; at += 320, k++) {
    const due = started + k * 20;
    if (performance.now() < due) await new Promise((r) => setTimeout(r, due - performance.now()));
    const t = performance.now();
    for (const w of producer.push(audio.subarray(at, at + 320))) pending.push(detector.judge(w).then(() => latencies.push(performance.now() - t)));
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return { medianMs: latencies[Math.floor(latencies.length / 2)], maxMs: latencies[latencies.length - 1], windows: latencies.length };
}

/** vads: [{ name, vad }]; model: a MosModel. */
export async function measureCost(vads, model, params) {
  const long = (await makeClip('report', CLASSES[0], 99, 60)).samples;
  const cost = {};
  for (const v of vads) {
    await detectorMs(v.vad, params, long);
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await detectorMs(v.vad, params, long));
    runs.sort((a, b) => a - b);
    cost[v.name] = { msPerAudioSecond: runs[2] / 60, minMsPerAudioSecond: runs[0] / 60, runs: 5, verdictLatency: await verdictLatency(v.vad, params, model.card, long.subarray(0, 20 * SR)) };
  }
  const producer = new WindowProducer({ card: model.card, inputRate: SR });
  const windows = [...producer.push(long), ...producer.end()];
  await model.run(windows.slice(0, 4).map((x) => x.frames.toArray())); // warm-up
  const t = performance.now();
  await model.run(windows.map((x) => x.frames.toArray()));
  cost[model.id] = { msPerWindow: (performance.now() - t) / windows.length, note: 'one window per second of audio at hop 1 s' };
  return cost;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = speechDetectorFile();
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const name = path.basename(file, '.onnx');
  const vad = await SileroVad.load(session, ort.Tensor, { id: name });
  const model = await loadModel(defaultModel, { provider: 'cpu', intraOpThreads: 1 });
  const params = { threshold: DEFAULT_SPEECH_DETECTOR.threshold, hangoverMs: DEFAULT_SPEECH_DETECTOR.hangoverMs, minSpeechRatio: DEFAULT_SPEECH_DETECTOR.minSpeechRatio };
  process.stdout.write(`${JSON.stringify(await measureCost([{ name, vad }], model, params), null, 1)}\n`);
  await vad.release();
  await model.release();
}
