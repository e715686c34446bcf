/** `@callmos/core/dsp`: resampling to 16 kHz, compressed STFT frames, model-input windows (the DSP half of core). */
export {
  SAMPLE_RATE,
  N_FFT,
  HOP,
  PAD,
  N_BINS,
  POWER,
  MAG_FLOOR,
  PEAK_FLOOR,
  ENERGY_FLOOR,
  numFrames,
  peakGain,
} from './constants.js';
export { RealFft } from './fft.js';
export {
  StreamingResampler,
  designResamplerFilter,
  type ResamplerQuality,
  type ResamplerOptions,
  type ResamplerFilter,
} from './resampler.js';
export { StreamingStft, compressedStft, type StftFrame, type FrameSink, type CompressedStft } from './stft.js';
export {
  FrameWindower,
  type FrameWindowerOptions,
  type WindowerFrame,
  type FrameWindow,
} from './windows.js';
export { arrayRows, type FrameRows, type WindowValues } from './window-frames.js';
