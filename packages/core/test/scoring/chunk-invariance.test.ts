/**
 * Streaming = offline (ARCHITECTURE.md): the same audio fed in random chunk sizes, tiny and empty ones
 * included, gives the same windows and the same scores (to 1e-4) as feeding it whole.
 */
import { describe, expect, it } from 'vitest';
import type { ScoreEvent } from '../../src/events.js';
import { StreamScorer } from '../../src/scoring/stream-scorer.js';
import { WindowProducer } from '../../src/scoring/window-producer.js';
import { fixtureModel, speechLike } from '../model/fixtures.js';
import { maxAbsDiff, randomChunks, seededRandom } from '../dsp/support.js';

/** Random chunk sizes from 0 up to ~0.3 s, with runs of 1..7-sample chunks, seeded. */
function chunked(x: Float32Array, seed: number): Float32Array[] {
  const rand = seededRandom(seed);
  const chunks: Float32Array[] = [];
  for (const chunk of randomChunks(x, seed, 5000)) {
    if (rand() < 0.05) {
      // split this chunk into tiny pieces
      for (let at = 0; at < chunk.length; ) {
        const size = 1 + Math.floor(rand() * 7);
        chunks.push(chunk.subarray(at, at + size));
        at += size;
      }
    } else chunks.push(chunk);
  }
  return chunks;
}

async function scoreInChunks(scorer: StreamScorer, chunks: Float32Array[]): Promise<ScoreEvent[]> {
  const events: ScoreEvent[] = [];
  for (const c of chunks) events.push(...(await scorer.push(c)));
  events.push(...(await scorer.end()));
  return events;
}

function expectSameScores(chunkedEvents: ScoreEvent[], whole: ScoreEvent[]): void {
  expect(chunkedEvents.map((e) => [e.start, e.end, e.scored])).toEqual(whole.map((e) => [e.start, e.end, e.scored]));
  chunkedEvents.forEach((e, i) => {
    const w = whole[i]!;
    expect(Math.abs(e.mos! - w.mos!)).toBeLessThanOrEqual(1e-4);
    expect(Object.keys(e.dims)).toEqual(Object.keys(w.dims));
    for (const name of Object.keys(w.dims)) expect(Math.abs(e.dims[name]! - w.dims[name]!)).toBeLessThanOrEqual(1e-4);
    expect(e.speechRatio).toBe(w.speechRatio);
  });
}

describe.each([
  { rate: 48000, peakNormalize: false },
  { rate: 16000, peakNormalize: false },
  { rate: 48000, peakNormalize: true },
])('chunk invariance at $rate Hz (peakNormalize $peakNormalize)', ({ rate, peakNormalize }) => {
  const x = speechLike(4.3, rate, 11);

  it('produces bit-identical windows whatever the chunking', () => {
    const shape = { windowFrames: 100, hopFrames: 50, peakNormalize };
    const whole = new WindowProducer({ ...shape, inputRate: rate });
    const reference = [...whole.push(x), ...whole.end()];
    expect(reference).toHaveLength(7);
    for (const seed of [1, 2]) {
      const p = new WindowProducer({ ...shape, inputRate: rate });
      const windows = [...chunked(x, seed).flatMap((c) => p.push(c)), ...p.end()];
      expect(windows.map((w) => [w.index, w.start, w.end])).toEqual(reference.map((w) => [w.index, w.start, w.end]));
      windows.forEach((w, k) => expect(maxAbsDiff(w.frames.toArray(), reference[k]!.frames.toArray())).toBe(0));
    }
  });

  it('scores every window the same (<= 1e-4) as the whole clip', async () => {
    const model = await fixtureModel({ peakNormalize });
    const whole = await scoreInChunks(new StreamScorer({ model, streamId: 'whole', inputRate: rate }), [x]);
    expect(whole.filter((e) => e.scored).length).toBeGreaterThanOrEqual(6);
    for (const seed of [3, 4]) {
      const events = await scoreInChunks(new StreamScorer({ model, streamId: 'chunked', inputRate: rate }), chunked(x, seed));
      expectSameScores(events, whole);
    }
  });
});

it('chunk invariance holds for a short clip too', async () => {
  const model = await fixtureModel();
  const x = speechLike(0.7, 48000, 12);
  const whole = await scoreInChunks(new StreamScorer({ model, streamId: 'a', inputRate: 48000 }), [x]);
  const parts = await scoreInChunks(new StreamScorer({ model, streamId: 'b', inputRate: 48000 }), chunked(x, 5));
  expect(whole).toHaveLength(1);
  expectSameScores(parts, whole);
});
