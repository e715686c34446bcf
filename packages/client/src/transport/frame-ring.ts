/**
 * A single-producer / single-consumer ring of 10 ms frames in a SharedArrayBuffer: the AudioWorklet
 * writes, the inference worker reads, and no message crosses threads per frame. The ring has a fixed
 * number of slots; when the reader falls that far behind, the writer drops the new frame and counts it
 * (the reader sees the hole in the frame numbers), so memory never grows with a stalled reader.
 *
 * Layout: Int32 header [written, read, dropped, -] then an Int32 frame number per slot, then the samples.
 * `written` is published with Atomics.store after the slot is filled, `read` after the slot is consumed,
 * so each side only ever touches slots the other has handed over.
 */
import { FRAME_SAMPLES, type FrameRun } from './frames.js';

const HEADER_INTS = 4;
const WRITTEN = 0;
const READ = 1;
const DROPPED = 2;

/** Views over one ring buffer; the same buffer is wrapped on both sides. */
class RingViews {
  readonly header: Int32Array;
  readonly seqs: Int32Array;
  readonly samples: Float32Array;
  readonly slots: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    const slots = (buffer.byteLength - HEADER_INTS * 4) / (4 + FRAME_SAMPLES * 4);
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`not a frame ring buffer (${buffer.byteLength} bytes)`);
    this.slots = slots;
    this.header = new Int32Array(buffer, 0, HEADER_INTS);
    this.seqs = new Int32Array(buffer, HEADER_INTS * 4, slots);
    this.samples = new Float32Array(buffer, HEADER_INTS * 4 + slots * 4, slots * FRAME_SAMPLES);
  }
}

/** Allocates a ring holding `slots` frames (e.g. 400 = 4 s of audio, 258 KB). */
export function createFrameRing(slots: number): SharedArrayBuffer {
  if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a positive integer, got ${slots}`);
  return new SharedArrayBuffer(HEADER_INTS * 4 + slots * (4 + FRAME_SAMPLES * 4));
}

export class FrameRingWriter {
  private readonly v: RingViews;

  constructor(buffer: SharedArrayBuffer) {
    this.v = new RingViews(buffer);
  }

  /** Writes one frame (160 samples); false, and counted as dropped, when the ring is full. */
  write(seq: number, frame: Float32Array): boolean {
    const { header, seqs, samples, slots } = this.v;
    const written = Atomics.load(header, WRITTEN);
    if (written - Atomics.load(header, READ) >= slots) {
      Atomics.add(header, DROPPED, 1);
      return false;
    }
    const slot = written % slots;
    samples.set(frame.subarray(0, FRAME_SAMPLES), slot * FRAME_SAMPLES);
    seqs[slot] = seq;
    Atomics.store(header, WRITTEN, written + 1);
    return true;
  }

  /** Frames dropped so far because the ring was full. */
  get dropped(): number {
    return Atomics.load(this.v.header, DROPPED);
  }
}

export class FrameRingReader {
  private readonly v: RingViews;

  constructor(buffer: SharedArrayBuffer) {
    this.v = new RingViews(buffer);
  }

  get capacity(): number {
    return this.v.slots;
  }

  /** Frames written and not yet read. */
  get available(): number {
    return Atomics.load(this.v.header, WRITTEN) - Atomics.load(this.v.header, READ);
  }

  get dropped(): number {
    return Atomics.load(this.v.header, DROPPED);
  }

  /** Takes every frame written so far, grouped into runs of consecutive frame numbers (copies). */
  read(): FrameRun[] {
    const { header, seqs, samples, slots } = this.v;
    const read = Atomics.load(header, READ);
    const written = Atomics.load(header, WRITTEN);
    const runs: FrameRun[] = [];
    let runStart = read;
    const flush = (end: number) => {
      if (end === runStart) return;
      const out = new Float32Array((end - runStart) * FRAME_SAMPLES);
      for (let i = runStart; i < end; i++) {
        const slot = i % slots;
        out.set(samples.subarray(slot * FRAME_SAMPLES, (slot + 1) * FRAME_SAMPLES), (i - runStart) * FRAME_SAMPLES);
      }
      runs.push({ seq: seqs[runStart % slots]!, samples: out });
      runStart = end;
    };
    for (let i = read + 1; i < written; i++) {
      if (seqs[i % slots] !== seqs[(i - 1) % slots]! + 1) flush(i);
    }
    flush(written);
    Atomics.store(header, READ, written);
    return runs;
  }
}
