/**
 * A single-producer / single-consumer ring of 10 ms frames in a SharedArrayBuffer: the AudioWorklet
 * writes, the inference worker reads, and no message crosses threads per frame. The ring has a fixed
 * number of slots; when the reader falls that far behind, the writer drops the new frame and counts it
 * (the reader sees the hole in the frame numbers), so memory never grows with a stalled reader.
 *
 * Layout: Int32 header [written, read, dropped, -] then a Float64 frame number per slot, then the samples.
 * `written` is published with Atomics.store after the slot is filled, `read` after the slot is consumed,
 * so each side only ever touches slots the other has handed over.
 *
 * Months of audio: the counters are Int32 (what Atomics takes) and wrap after 2^32 frames (497 days at
 * 100 frames/s; they go negative after 248): their difference is taken mod 2^32, and the slot count is a
 * power of two so that `counter & (slots - 1)` steps through the slots without a jump at the wrap. Frame
 * numbers are Float64, exact far beyond any track's length (an Int32 turned them negative after 248 days).
 */
import { FRAME_SAMPLES, type FrameRun } from './frames.js';

const HEADER_INTS = 4;
const WRITTEN = 0;
const READ = 1;
const DROPPED = 2;
const SEQ_BYTES = 8;
const SLOT_BYTES = SEQ_BYTES + FRAME_SAMPLES * 4;

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0 && n <= 2 ** 30;

/** Views over one ring buffer; the same buffer is wrapped on both sides. */
class RingViews {
  readonly header: Int32Array;
  readonly seqs: Float64Array;
  readonly samples: Float32Array;
  readonly slots: number;
  /** slots - 1: counter & mask is the slot */
  readonly mask: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    const slots = (buffer.byteLength - HEADER_INTS * 4) / SLOT_BYTES;
    if (!isPowerOfTwo(slots)) throw new RangeError(`not a frame ring buffer (${buffer.byteLength} bytes)`);
    this.slots = slots;
    this.mask = slots - 1;
    this.header = new Int32Array(buffer, 0, HEADER_INTS);
    this.seqs = new Float64Array(buffer, HEADER_INTS * 4, slots);
    this.samples = new Float32Array(buffer, HEADER_INTS * 4 + slots * SEQ_BYTES, slots * FRAME_SAMPLES);
  }

  /** Frames written and not yet read (counters mod 2^32). */
  unread(): number {
    return (Atomics.load(this.header, WRITTEN) - Atomics.load(this.header, READ)) | 0;
  }
}

/** Allocates a ring holding `slots` frames, a power of two (e.g. 512 = 5.12 s of audio, 332 KB). */
export function createFrameRing(slots: number): SharedArrayBuffer {
  if (!isPowerOfTwo(slots)) throw new RangeError(`slots must be a power of two (1, 2, 4, ... 2^30), got ${slots}`);
  return new SharedArrayBuffer(HEADER_INTS * 4 + slots * SLOT_BYTES);
}

export class FrameRingWriter {
  private readonly v: RingViews;

  constructor(buffer: SharedArrayBuffer) {
    this.v = new RingViews(buffer);
  }

  /** Writes one frame (160 samples); false, and counted as dropped, when the ring is full. */
  write(seq: number, frame: Float32Array): boolean {
    const { header, seqs, samples, slots, mask } = this.v;
    const written = Atomics.load(header, WRITTEN);
    if (this.v.unread() >= slots) {
      Atomics.add(header, DROPPED, 1);
      return false;
    }
    const slot = written & mask;
    samples.set(frame.subarray(0, FRAME_SAMPLES), slot * FRAME_SAMPLES);
    seqs[slot] = seq;
    Atomics.store(header, WRITTEN, (written + 1) | 0);
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
    return this.v.unread();
  }

  get dropped(): number {
    return Atomics.load(this.v.header, DROPPED);
  }

  /** Takes every frame written so far, grouped into runs of consecutive frame numbers (copies). */
  read(): FrameRun[] {
    const { header, seqs, samples, mask } = this.v;
    const read = Atomics.load(header, READ);
    const count = this.v.unread();
    // frames are numbered k = 0 .. count - 1 from `read`; their slot is (read + k) & mask
    const slotOf = (k: number) => (read + k) & mask;
    const runs: FrameRun[] = [];
    let runStart = 0;
    const flush = (end: number) => {
      if (end === runStart) return;
      const out = new Float32Array((end - runStart) * FRAME_SAMPLES);
      for (let k = runStart; k < end; k++) {
        const slot = slotOf(k);
        out.set(samples.subarray(slot * FRAME_SAMPLES, (slot + 1) * FRAME_SAMPLES), (k - runStart) * FRAME_SAMPLES);
      }
      runs.push({ seq: seqs[slotOf(runStart)]!, samples: out });
      runStart = end;
    };
    for (let k = 1; k < count; k++) {
      if (seqs[slotOf(k)] !== seqs[slotOf(k - 1)]! + 1) flush(k);
    }
    flush(count);
    Atomics.store(header, READ, (read + count) | 0);
    return runs;
  }
}
