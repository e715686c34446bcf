/**
 * The unit of audio between the AudioWorklet tap and the inference worker: 10 ms frames of 16 kHz mono
 * (160 samples, one STFT hop), each numbered from 0 at the start of the track. The numbers let the worker
 * see exactly where audio was dropped under back-pressure instead of silently splicing across a gap.
 */
export const FRAME_SAMPLES = 160;
export const FRAME_RATE = 16000;
export const FRAME_SECONDS = FRAME_SAMPLES / FRAME_RATE;

/** A run of consecutive frames: frame `seq` starts at samples[0], frame seq + 1 at samples[160], ... */
export interface FrameRun {
  seq: number;
  /** a multiple of 160 samples */
  samples: Float32Array;
}
