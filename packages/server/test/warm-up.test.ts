/**
 * The scoring's warm-up (monitor/warm-up.ts): one run of the largest batch each session will see, so
 * onnxruntime's arena has its working size before the first stream, and nothing of it stays behind.
 */
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { SileroVad } from '@callmos/core';
import { createOrtSession, loadModel, speechDetectorFile } from '@callmos/node';
import { warmUpScoring } from '../src/monitor/warm-up.js';

describe('warmUpScoring', () => {
  it('runs the model on batchSize whole windows and the detector on a full batch of frames, and keeps nothing', async () => {
    const model = await loadModel('tiny', { provider: 'cpu', intraOpThreads: 1, maxBatch: 6 });
    // the detector's session, recording the batch sizes it is run with
    const { session } = await createOrtSession(readFileSync(speechDetectorFile()), { provider: 'cpu', intraOpThreads: 1 });
    const batches: number[] = [];
    const recording = new Proxy(session, {
      get(target, key, receiver) {
        if (key !== 'run') return Reflect.get(target, key, receiver);
        return (feeds: Record<string, ort.Tensor>, ...rest: unknown[]) => {
          batches.push(feeds.input!.dims[0]!);
          return (target.run as (...a: unknown[]) => unknown).call(target, feeds, ...rest);
        };
      },
    });
    const speech = await SileroVad.load(recording, ort.Tensor, { maxBatch: 48, maxWaitMs: 0 });
    try {
      await warmUpScoring(model, speech, 6);
      expect(model.streaming).toBe(true);
      // 6 windows run whole (a streamed model's front end over whole windows: its largest input), none kept
      expect(model.streamingStats).toEqual({ hopRuns: 0, fullRuns: 6, streams: 0 });
      expect(batches).toEqual([48]);
    } finally {
      await speech.release();
      await model.release();
    }
  });
});
