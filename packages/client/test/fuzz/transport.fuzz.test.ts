/**
 * Fuzzing the worklet -> worker audio path: the shared frame ring under any interleaving of writes and
 * reads (frame numbers with gaps, repeats and jumps, as large as a long-running track reaches; the ring's
 * own counters near their 32-bit wrap), and the worker's per-track pipeline fed runs in any order (late,
 * repeated, overlapping, after holes), as the messages transport can deliver them.
 */
import { describe, expect, it } from 'vitest';
import type { ScoreEvent } from '@callmos/core';
import { createFrameRing, FrameRingReader, FrameRingWriter } from '../../src/transport/frame-ring.js';
import { FRAME_SAMPLES } from '../../src/transport/frames.js';
import { TrackPipeline } from '../../src/worker/track-pipeline.js';
import { fixtureModel } from '../../../core/test/model/fixtures.js';
import { fc, fuzz, fuzzAsync } from '../../../../test/helpers/fuzz.js';

type RingOp = { kind: 'write'; step: number } | { kind: 'read' };

const ringOp: fc.Arbitrary<RingOp> = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 2 ** 40 })).map((step): RingOp => ({ kind: 'write', step })) },
  { weight: 1, arbitrary: fc.constant<RingOp>({ kind: 'read' }) },
);

/** A frame whose samples say which write it was (so a mixed-up slot shows). */
const frameOf = (n: number) => Float32Array.from({ length: FRAME_SAMPLES }, (_, i) => (n % 100_000) + i / 1000);

describe('frame ring (fuzz)', () => {
  it('hands the reader exactly the frames it accepted, in order, split at every break in the numbering', () => {
    const scenario = fc.record({
      slotsLog2: fc.integer({ min: 0, max: 6 }),
      // the ring's counters after a long time running: near the 32-bit wrap, or fresh
      counterStart: fc.oneof(fc.constant(0), fc.integer({ min: 2 ** 31 - 70, max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: -(2 ** 31) + 70 })),
      firstSeq: fc.oneof(fc.constant(0), fc.integer({ min: 2 ** 31 - 50, max: 2 ** 31 + 50 }), fc.integer({ min: 0, max: 2 ** 52 })),
      ops: fc.array(ringOp, { maxLength: 300 }),
    });
    fuzz('frame ring interleavings', 600, fc.property(scenario, ({ slotsLog2, counterStart, firstSeq, ops }) => {
      const slots = 2 ** slotsLog2;
      const ring = createFrameRing(slots);
      const header = new Int32Array(ring, 0, 4); // [written, read, dropped, -]: as a ring that has run for months
      header[0] = counterStart;
      header[1] = counterStart;
      const writer = new FrameRingWriter(ring);
      const reader = new FrameRingReader(ring);
      const pending: { seq: number; n: number }[] = [];
      let seq = firstSeq;
      let n = 0;
      let dropped = 0;
      for (const op of [...ops, { kind: 'read' } as RingOp]) {
        if (op.kind === 'write') {
          seq += op.step;
          const accepted = writer.write(seq, frameOf(n));
          expect(accepted).toBe(pending.length < slots);
          if (accepted) pending.push({ seq, n });
          else dropped++;
          n++;
          expect(reader.available).toBe(pending.length);
          continue;
        }
        const runs = reader.read();
        // runs split exactly where the numbering breaks, and hold the frames written, in order
        const got = runs.flatMap((r) => {
          expect(r.samples.length % FRAME_SAMPLES).toBe(0);
          return Array.from({ length: r.samples.length / FRAME_SAMPLES }, (_, k) => ({ seq: r.seq + k, first: r.samples[k * FRAME_SAMPLES]!, last: r.samples[(k + 1) * FRAME_SAMPLES - 1]! }));
        });
        expect(got.map((g) => g.seq)).toEqual(pending.map((p) => p.seq));
        expect(got.map((g) => [g.first, g.last])).toEqual(pending.map((p) => [frameOf(p.n)[0], frameOf(p.n)[FRAME_SAMPLES - 1]]));
        for (let i = 1; i < runs.length; i++) {
          const prev = runs[i - 1]!;
          expect(runs[i]!.seq).not.toBe(prev.seq + prev.samples.length / FRAME_SAMPLES);
        }
        pending.length = 0;
        expect(reader.available).toBe(0);
      }
      expect(writer.dropped).toBe(dropped);
      expect(reader.dropped).toBe(dropped);
    }));
  });
});

describe('regressions found by fuzzing: frame ring', () => {
  it('keeps frame numbers past 2^31 (a track running 249 days at 100 frames/s)', () => {
    const ring = createFrameRing(4);
    const writer = new FrameRingWriter(ring);
    for (const seq of [2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1]) writer.write(seq, frameOf(seq));
    expect(new FrameRingReader(ring).read().map((r) => [r.seq, r.samples.length / FRAME_SAMPLES])).toEqual([[2 ** 31 - 1, 3]]);
  });

  it('goes on when its 32-bit write counter wraps', () => {
    const ring = createFrameRing(4);
    new Int32Array(ring, 0, 2).fill(2 ** 31 - 2); // written = read, 2 frames before the counters overflow
    const writer = new FrameRingWriter(ring);
    const reader = new FrameRingReader(ring);
    for (let seq = 0; seq < 4; seq++) expect(writer.write(seq, frameOf(seq))).toBe(true);
    expect(writer.write(4, frameOf(4))).toBe(false); // full: 4 slots
    expect(reader.read().map((r) => [r.seq, r.samples.length / FRAME_SAMPLES, r.samples[3 * FRAME_SAMPLES]])).toEqual([[0, 4, 3]]);
  });

  it('asks for a power-of-two number of slots (slot = counter mod slots stays continuous across the wrap)', () => {
    expect(() => createFrameRing(400)).toThrow(RangeError);
    expect(() => new FrameRingReader(createFrameRing(512))).not.toThrow();
  });
});

describe('TrackPipeline fed runs in any order (fuzz)', () => {
  it('never throws; emits windows in time order, never overlapping in start, counting each frame once', async () => {
    const model = await fixtureModel();
    // up to 6 s of 10 ms frames, delivered as runs that may repeat, overlap, arrive late or leave holes
    const run = fc.record({ seq: fc.integer({ min: 0, max: 600 }), frames: fc.integer({ min: 1, max: 120 }) });
    await fuzzAsync('TrackPipeline runs', 60, fc.asyncProperty(fc.array(run, { minLength: 1, maxLength: 25 }), async (runs) => {
      const p = new TrackPipeline({ model, trackId: 't', streamId: 's', transport: 'messages', maxPendingWindows: 4 });
      const events: ScoreEvent[] = [];
      let newest = 0;
      let framesIn = 0;
      for (const r of runs) {
        const samples = Float32Array.from({ length: r.frames * FRAME_SAMPLES }, (_, i) => 0.3 * Math.sin(((r.seq * FRAME_SAMPLES + i) * 2 * Math.PI * 220) / 16000));
        events.push(...(await p.push({ seq: r.seq, samples })));
        // frames already taken are skipped; the rest count once
        framesIn += Math.max(0, r.seq + r.frames - Math.max(newest, r.seq));
        newest = Math.max(newest, r.seq + r.frames);
      }
      events.push(...(await p.end()));
      for (let i = 1; i < events.length; i++) expect(events[i]!.start).toBeGreaterThan(events[i - 1]!.start);
      for (const e of events) expect(e.end).toBeGreaterThan(e.start);
      expect(p.stats.audioSeconds).toBeCloseTo(framesIn / 100, 6);
      expect(p.stats.windowsScored + p.stats.windowsNotScored).toBe(events.length);
    }));
  });
});
