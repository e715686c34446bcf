/**
 * The worker's per-track pipeline on a real model (core's contract fixture graph, W = 100 frames, hop 50,
 * run by onnxruntime-node here; onnxruntime-web in the browser): same scores as core's offline scoreClip,
 * bounded backlog, holes in the frame numbers turned into a restart and skipped windows.
 */
import { scoreClip, type ScoreEvent } from '@callmos/core';
import { describe, expect, it } from 'vitest';
import { fixtureModel, speechLike } from '../../../core/test/model/fixtures.js';
import { FRAME_SAMPLES } from '../../src/transport/frames.js';
import { TrackPipeline } from '../../src/worker/track-pipeline.js';

const RATE = 16000;

async function pipeline(maxPendingWindows = 1000, captureSeconds = 0) {
  const model = await fixtureModel();
  return new TrackPipeline({ model, trackId: 't', streamId: 's', transport: 'messages', maxPendingWindows, captureSeconds });
}

/** Feeds `audio` as runs of `framesPerRun` 10 ms frames starting at frame `firstSeq`, awaiting each. */
async function feed(p: TrackPipeline, audio: Float32Array, framesPerRun: number, firstSeq = 0): Promise<ScoreEvent[]> {
  const events: ScoreEvent[] = [];
  const frames = Math.floor(audio.length / FRAME_SAMPLES);
  for (let f = 0; f < frames; f += framesPerRun) {
    const n = Math.min(framesPerRun, frames - f);
    events.push(...(await p.push({ seq: firstSeq + f, samples: audio.slice(f * FRAME_SAMPLES, (f + n) * FRAME_SAMPLES) })));
  }
  return events;
}

describe('TrackPipeline', () => {
  it("gives the same window scores as core's offline scoreClip on the same 16 kHz audio", async () => {
    const audio = speechLike(6, RATE, 3);
    const p = await pipeline(1000, 10);
    const live = [...(await feed(p, audio, 4)), ...(await p.end())];
    const offline = await scoreClip(await fixtureModel(), audio, RATE);
    expect(live.map((e) => [e.start, e.end, e.scored])).toEqual(offline.windows.map((e) => [e.start, e.end, e.scored]));
    live.forEach((e, i) => expect(e.mos!).toBeCloseTo(offline.windows[i]!.mos!, 6));
    expect(live.every((e) => e.streamId === 's')).toBe(true);
    const stats = p.stats;
    expect(stats).toMatchObject({ trackId: 't', transport: 'messages', audioSeconds: 6, windowsScored: live.length, windowsSkipped: 0 });
    expect(stats.inferenceMs).toBeGreaterThan(0);
    expect(Array.from(p.capturedAudio()!)).toEqual(Array.from(audio));
  });

  it('skips and counts windows when inference falls behind, never queueing more than maxPendingWindows', async () => {
    const p = await pipeline(2);
    // 10 s in one run completes 18 windows at once (the 19th needs the frame after the last sample):
    // all but the first batch and the last 2 waiting are dropped
    const events = await feed(p, speechLike(10, RATE, 4), 1000);
    const skipped = events.filter((e) => e.reason === 'skipped-backlog');
    expect(events).toHaveLength(18);
    expect(skipped.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.scored).length).toBeLessThanOrEqual(2 + 1);
    expect(events[events.length - 1]!.skippedWindows).toBe(skipped.length);
    expect(p.stats.windowsSkipped).toBe(skipped.length);
  });

  it('restarts after a hole in the frame numbers: track times kept, lost windows counted, nothing spliced', async () => {
    const before = speechLike(3, RATE, 5);
    const after = speechLike(3, RATE, 6);
    const p = await pipeline();
    const first = await feed(p, before, 10);
    // 2 s of frames never arrived (dropped by the tap); the stream goes on at frame 500
    const second = await feed(p, after, 10, 500);
    expect(first.map((e) => [e.start, e.end])).toEqual([
      [0, 1],
      [0.5, 1.5],
      [1, 2],
      [1.5, 2.5],
    ]); // frame 299 would need samples after 3 s: live, no right padding is invented
    // windows restart at the first frame after the hole, in track time
    expect(second.map((e) => e.start)).toEqual([5, 5.5, 6, 6.5]);
    // the post-hole windows are exactly the windows of the post-hole audio alone
    const alone = await feed(await pipeline(), after, 10);
    second.forEach((e, i) => expect(e.mos!).toBeCloseTo(alone[i]!.mos!, 6));
    // a 200-frame hole loses the windows that would have covered any of its frames: ceil((200 + 99) / 50)
    expect(second[0]!.skippedWindows).toBe(6);
    expect(p.stats.audioSeconds).toBeCloseTo(6, 6);
  });

  it('ignores frames it already has and scores nothing after end()', async () => {
    const audio = speechLike(1.5, RATE, 7);
    const p = await pipeline();
    const events = await feed(p, audio, 50);
    expect(await p.push({ seq: 0, samples: audio.slice(0, 50 * FRAME_SAMPLES) })).toEqual([]);
    expect(events).toHaveLength(1);
    await p.end();
    expect(await p.push({ seq: 150, samples: audio.slice(0, FRAME_SAMPLES) })).toEqual([]);
  });

  it('a track shorter than one window is scored once at end(), by the short-clip rule', async () => {
    const p = await pipeline();
    expect(await feed(p, speechLike(0.6, RATE, 8), 10)).toEqual([]);
    const last = await p.end();
    expect(last).toHaveLength(1);
    expect(last[0]).toMatchObject({ start: 0, scored: true });
  });
});
