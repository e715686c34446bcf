/** The audio path between the worklet tap and the worker: 10 ms frames, the shared ring, back-pressure. */
import { describe, expect, it } from 'vitest';
import { FramePacker } from '../../src/transport/frame-packer.js';
import { createFrameRing, FrameRingReader, FrameRingWriter } from '../../src/transport/frame-ring.js';
import { FRAME_SAMPLES, type FrameRun } from '../../src/transport/frames.js';
import { downmixInto } from '../../src/worklet/downmix.js';

const ramp = (n: number, from = 0) => Float32Array.from({ length: n }, (_, i) => from + i);

describe('FramePacker', () => {
  it('cuts any chunking into the same numbered 160-sample frames, keeping the remainder', () => {
    const whole = ramp(1000);
    for (const chunk of [1, 42, 43, 128, 160, 333, 1000]) {
      const packer = new FramePacker();
      const frames: [number, number[]][] = [];
      for (let at = 0; at < whole.length; at += chunk) {
        packer.push(whole.subarray(at, at + chunk), (seq, f) => frames.push([seq, Array.from(f)]));
      }
      expect(frames.map(([seq]) => seq)).toEqual([0, 1, 2, 3, 4, 5]);
      frames.forEach(([seq, f]) => expect(f).toEqual(Array.from(whole.subarray(seq * 160, seq * 160 + 160))));
      expect(packer.framesOut).toBe(6);
    }
  });
});

describe('frame ring (SharedArrayBuffer)', () => {
  it('passes frames in order as runs of consecutive numbers', () => {
    const ring = createFrameRing(8);
    const writer = new FrameRingWriter(ring);
    const reader = new FrameRingReader(ring);
    for (let seq = 0; seq < 5; seq++) expect(writer.write(seq, ramp(FRAME_SAMPLES, seq * 1000))).toBe(true);
    expect(reader.available).toBe(5);
    const runs = reader.read();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.seq).toBe(0);
    expect(runs[0]!.samples.length).toBe(5 * FRAME_SAMPLES);
    expect(runs[0]!.samples[3 * FRAME_SAMPLES + 7]).toBe(3007);
    expect(reader.read()).toEqual([]);
  });

  it('drops and counts frames when the reader is a full ring behind; the hole shows in the numbers', () => {
    const ring = createFrameRing(4);
    const writer = new FrameRingWriter(ring);
    const reader = new FrameRingReader(ring);
    const accepted = Array.from({ length: 7 }, (_, seq) => writer.write(seq, ramp(FRAME_SAMPLES, seq)));
    expect(accepted).toEqual([true, true, true, true, false, false, false]);
    expect(writer.dropped).toBe(3);
    expect(reader.dropped).toBe(3);
    expect(reader.read().map((r) => [r.seq, r.samples.length / FRAME_SAMPLES])).toEqual([[0, 4]]);
    // the writer goes on after the hole: frames 7, 8 wrap around the ring
    writer.write(7, ramp(FRAME_SAMPLES, 7));
    writer.write(8, ramp(FRAME_SAMPLES, 8));
    const runs: FrameRun[] = reader.read();
    expect(runs.map((r) => r.seq)).toEqual([7]);
    expect(runs[0]!.samples[FRAME_SAMPLES]).toBe(8);
  });

  it('splits a read into runs at each gap', () => {
    const ring = createFrameRing(16);
    const writer = new FrameRingWriter(ring);
    for (const seq of [0, 1, 5, 6, 7, 9]) writer.write(seq, ramp(FRAME_SAMPLES));
    expect(new FrameRingReader(ring).read().map((r) => [r.seq, r.samples.length / FRAME_SAMPLES])).toEqual([
      [0, 2],
      [5, 3],
      [9, 1],
    ]);
  });

  it('rejects a buffer that is not a ring', () => {
    expect(() => new FrameRingReader(new SharedArrayBuffer(100))).toThrow(/not a frame ring/);
    expect(() => createFrameRing(0)).toThrow(RangeError);
  });
});

describe('downmix', () => {
  it('averages channels (as @callmos/node does for files) and passes mono through', () => {
    const out = new Float32Array(128);
    expect(Array.from(downmixInto([Float32Array.of(1, 0.5)], out))).toEqual([1, 0.5]);
    expect(Array.from(downmixInto([Float32Array.of(1, 0.5), Float32Array.of(0, -0.5)], out))).toEqual([0.5, 0]);
  });
});
