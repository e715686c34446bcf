/**
 * Streaming compressed STFT: the student's input features (docs/ARCHITECTURE.md "Features";
 * the reference is models/training/callmos_factory/features.py `compressed_stft`).
 *
 * 16 kHz audio, reflect-padded by 80 samples at the stream start (x[80..1] reversed) and, only at
 * `end()`, 80 at its end (x[N-2..N-81]); periodic Hann frames of 320 samples, hop 160; rfft -> 161
 * bins; c = X * max(|X|, 1e-12)^(0.3 - 1). Frame i covers samples [160 i - 80, 160 i + 240), so it is
 * emitted once sample 160 i + 239 has arrived (frame 0 after 240 samples), and `end()` emits the last
 * frames that reach into the right padding: floor(N / 160) frames in all.
 * A stream that ends with fewer than 160 samples has no frame (the reference needs > 80 samples to
 * reflect-pad and then gives floor(N / 160) = 0 frames); `end()` emits nothing for it, without error.
 *
 * Per frame the consumer also gets the frame's peak (largest |sample| it covers, padding included: the
 * padding only repeats real samples) and its energy in dB, 10 log10(mean of the squares of the 320 raw,
 * unwindowed samples it covers, padding included, + 1e-12), the speech-activity gate's input.
 *
 * The STFT runs in float64 (samples are float32, held exactly) and rounds the compressed values to
 * float32 once, like the reference. Any chunking gives bit-identical frames: each frame is computed from
 * the same 320 samples by the same code, whenever they arrive.
 */
import { compressionScale } from './compression.js';
import { ENERGY_FLOOR, HOP, N_BINS, N_FFT, PAD, numFrames } from './constants.js';
import { RealFft } from './fft.js';

/**
 * One frame as handed to a FrameSink. The object and its arrays are reused for the next frame:
 * read or copy them inside the callback, do not keep references.
 */
export interface StftFrame {
  /** frame number since the stream start; frame i covers samples [160 i - 80, 160 i + 240) at 16 kHz */
  readonly index: number;
  /** `[re(161) | im(161)]`: the compressed spectrum, channel-major like the model input */
  readonly data: Float32Array;
  /** data.subarray(0, 161) */
  readonly re: Float32Array;
  /** data.subarray(161, 322) */
  readonly im: Float32Array;
  /** largest |sample| the frame covers (padding included) */
  readonly peak: number;
  /** 10 log10(mean square of the samples the frame covers + 1e-12) */
  readonly energyDb: number;
}

export type FrameSink = (frame: StftFrame) => void;

interface MutableFrame {
  index: number;
  data: Float32Array;
  re: Float32Array;
  im: Float32Array;
  peak: number;
  energyDb: number;
}

/** Sample buffer length: any value >= 320 + 80 works; larger means fewer compactions for big pushes. */
const BUFFER_SAMPLES = 4096;

function hannPeriodic(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) w[k] = 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / n);
  return w;
}

export class StreamingStft {
  private readonly fft = new RealFft(N_FFT);
  private readonly window = hannPeriodic(N_FFT);
  private readonly frameIn = new Float64Array(N_FFT);
  private readonly specRe = new Float64Array(N_BINS);
  private readonly specIm = new Float64Array(N_BINS);
  private readonly frame: MutableFrame;
  private readonly defaultSink: FrameSink | undefined;

  /** padded stream samples; buf[0] is padded index 160 * nextFrame (raw sample i is padded index i + 80) */
  private readonly buf = new Float64Array(BUFFER_SAMPLES);
  private fill = PAD; // buf[0, PAD) is the left padding, written once x[1..80] are known
  private leftPadded = false;
  private received = 0;
  private nextFrame = 0;

  /** `onFrame` is the sink used by push()/end() calls that do not pass their own. */
  constructor(onFrame?: FrameSink) {
    this.defaultSink = onFrame;
    const data = new Float32Array(2 * N_BINS);
    this.frame = { index: 0, data, re: data.subarray(0, N_BINS), im: data.subarray(N_BINS), peak: 0, energyDb: 0 };
  }

  /** Samples pushed since the stream start. */
  get samplesPushed(): number {
    return this.received;
  }

  /** Frames emitted since the stream start (= index of the next frame). */
  get framesEmitted(): number {
    return this.nextFrame;
  }

  /** Feeds 16 kHz samples; calls `onFrame` for every frame they complete. Returns that frame count. */
  push(samples: ArrayLike<number>, onFrame?: FrameSink): number {
    const sink = this.sinkOrThrow(onFrame);
    const before = this.nextFrame;
    let offset = 0;
    while (offset < samples.length) {
      const n = Math.min(samples.length - offset, BUFFER_SAMPLES - this.fill);
      const buf = this.buf;
      const start = this.fill;
      for (let i = 0; i < n; i++) buf[start + i] = samples[offset + i];
      this.fill += n;
      this.received += n;
      offset += n;
      this.emitReady(sink);
    }
    return this.nextFrame - before;
  }

  /**
   * Ends the stream: reflect-pads its end, emits the remaining frames (floor(N / 160) in all; none for a
   * stream shorter than 160 samples) and resets, so the instance can take a new stream. Returns the count.
   */
  end(onFrame?: FrameSink): number {
    const sink = this.sinkOrThrow(onFrame);
    const before = this.nextFrame;
    if (this.received > PAD) {
      // numpy 'reflect' at the end: padded N + 80 + j = x[N - 2 - j]; buf[fill] is padded N + 80
      const buf = this.buf;
      const end = this.fill;
      for (let j = 0; j < PAD; j++) buf[end + j] = buf[end - 2 - j];
      this.fill += PAD;
      this.emitReady(sink);
    }
    const emitted = this.nextFrame - before;
    this.reset();
    return emitted;
  }

  /** Forgets the stream so far; the next push() starts a new stream. */
  reset(): void {
    this.fill = PAD;
    this.leftPadded = false;
    this.received = 0;
    this.nextFrame = 0;
  }

  private sinkOrThrow(onFrame: FrameSink | undefined): FrameSink {
    const sink = onFrame ?? this.defaultSink;
    if (!sink) throw new TypeError('StreamingStft: no frame sink (pass onFrame to push/end or to the constructor)');
    return sink;
  }

  /** Emits every frame whose 320 padded samples are buffered, then drops the samples they no longer need. */
  private emitReady(sink: FrameSink): void {
    let start = 0;
    while (start + N_FFT <= this.fill) {
      if (!this.leftPadded) this.writeLeftPad();
      this.computeFrame(start);
      sink(this.frame);
      this.nextFrame++;
      start += HOP;
    }
    if (start > 0) {
      this.buf.copyWithin(0, start, this.fill);
      this.fill -= start;
    }
  }

  /** numpy 'reflect' at the start: padded p = x[80 - p]; runs before frame 0, when buf[0] is padded 0. */
  private writeLeftPad(): void {
    const buf = this.buf;
    for (let p = 0; p < PAD; p++) buf[p] = buf[2 * PAD - p];
    this.leftPadded = true;
  }

  private computeFrame(start: number): void {
    const { buf, window, frameIn, specRe, specIm, frame } = this;
    let peak = 0;
    let sumSquares = 0;
    for (let k = 0; k < N_FFT; k++) {
      const v = buf[start + k];
      const a = Math.abs(v);
      if (a > peak) peak = a;
      sumSquares += v * v;
      frameIn[k] = v * window[k];
    }
    this.fft.forward(frameIn, specRe, specIm);
    const { re, im } = frame;
    for (let b = 0; b < N_BINS; b++) {
      const r = specRe[b];
      const i = specIm[b];
      const scale = compressionScale(r * r + i * i);
      re[b] = r * scale;
      im[b] = i * scale;
    }
    frame.index = this.nextFrame;
    frame.peak = peak;
    frame.energyDb = 10 * Math.log10(sumSquares / N_FFT + ENERGY_FLOOR);
  }
}

export interface CompressedStft {
  /** [2, 161, frames], frames fastest (the model input layout) */
  data: Float32Array;
  frames: number;
  peaks: Float64Array;
  energiesDb: Float64Array;
}

/**
 * Offline compressed STFT of a whole 16 kHz clip (= features.compressed_stft), through StreamingStft so
 * offline and streaming share one DSP path. Clips shorter than 160 samples give 0 frames.
 */
export function compressedStft(x: ArrayLike<number>): CompressedStft {
  const frames = numFrames(x.length);
  const data = new Float32Array(2 * N_BINS * frames);
  const peaks = new Float64Array(frames);
  const energiesDb = new Float64Array(frames);
  const collect: FrameSink = (f) => {
    for (let b = 0; b < 2 * N_BINS; b++) data[b * frames + f.index] = f.data[b];
    peaks[f.index] = f.peak;
    energiesDb[f.index] = f.energyDb;
  };
  const stft = new StreamingStft(collect);
  stft.push(x);
  stft.end();
  return { data, frames, peaks, energiesDb };
}
