/**
 * Cuts a 16 kHz sample stream (the resampler's output, any chunk size) into numbered 10 ms frames.
 * Allocation-free per call: it runs in the audio thread, where garbage-collection pauses cause glitches.
 */
import { FRAME_SAMPLES } from './frames.js';

export type FrameSink = (seq: number, frame: Float32Array) => void;

export class FramePacker {
  private readonly frame = new Float32Array(FRAME_SAMPLES);
  private fill = 0;
  private nextSeq = 0;

  /** Frames completed so far (= the number the next frame will get). */
  get framesOut(): number {
    return this.nextSeq;
  }

  /** Appends samples; calls `sink` with each completed frame (the array is reused: copy it there). */
  push(samples: Float32Array, sink: FrameSink): void {
    let at = 0;
    while (at < samples.length) {
      const n = Math.min(FRAME_SAMPLES - this.fill, samples.length - at);
      this.frame.set(samples.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
      if (this.fill === FRAME_SAMPLES) {
        sink(this.nextSeq++, this.frame);
        this.fill = 0;
      }
    }
  }
}
