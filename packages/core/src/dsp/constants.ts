/**
 * The numbers of the student's input features. They mirror models/training/callmos_factory/features.py
 * (the reference); docs/ARCHITECTURE.md "Features" states the same contract in words.
 */

/** Feature sample rate: everything is resampled to this before the STFT. */
export const SAMPLE_RATE = 16000;
/** STFT frame length in samples (also the FFT size). */
export const N_FFT = 320;
/** STFT hop in samples (10 ms). */
export const HOP = 160;
/** Reflect padding at each end of a stream (no centring): frame i covers samples [160 i - 80, 160 i + 240). */
export const PAD = 80;
/** rfft bins per frame. */
export const N_BINS = N_FFT / 2 + 1;
/** Power-law compression exponent: c = X * max(|X|, MAG_FLOOR)^(POWER - 1). */
export const POWER = 0.3;
export const MAG_FLOOR = 1e-12;
/** Peak normalisation never amplifies by more than PEAK_FLOOR^-1 (in the waveform domain). */
export const PEAK_FLOOR = 1e-4;
/** Added to a frame's mean square before the log, so digital silence gives -120 dB, not -Infinity. */
export const ENERGY_FLOOR = 1e-12;

/** Frames a stream of `nSamples` gives once it has ended: floor(n / 160), and 0 below 160 samples. */
export function numFrames(nSamples: number): number {
  return Math.max(0, Math.floor((nSamples + 2 * PAD - N_FFT) / HOP) + 1);
}

/**
 * Spectral-domain gain that equals peak-normalising the waveform (dividing it by max(peak, PEAK_FLOOR))
 * before the compressed STFT: compression is |X|^0.3, so a waveform gain g becomes g^0.3.
 */
export function peakGain(peak: number): number {
  return Math.pow(Math.max(peak, PEAK_FLOOR), -POWER);
}
