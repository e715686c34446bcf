/**
 * Audio in, model-input windows out: StreamingResampler -> StreamingStft -> FrameWindower, plus the
 * speech-activity gate and the short-clip rule. Synchronous and inference-free, so one consumer (a
 * StreamScorer, or the server's batched teacher pool) can gather windows from many producers.
 */
import type { ModelCard } from '../model/card.js';
import { FrameWindower, type FrameWindow, type FrameWindowerOptions } from '../dsp/windows.js';
import type { FrameRows } from '../dsp/window-frames.js';
import { StreamingStft, type StftFrame } from '../dsp/stft.js';
import { StreamingResampler, type ResamplerQuality } from '../dsp/resampler.js';
import { HOP, N_BINS, N_FFT, POWER, SAMPLE_RATE } from '../dsp/constants.js';
import { SpeechGate, type VadOptions } from './vad.js';
import { signalEvidence } from './signal-evidence.js';
import type { SignalEvidence } from '../events.js';

/** Takes the stream's 16 kHz audio as the windows are cut from it (a SpeechDetector). */
export interface Audio16kSink {
  push(samples: Float32Array): void;
  end(): void;
}

/** How windows are cut: the card's `input` block or the same three numbers given directly. */
export type WindowShape = FrameWindowerOptions;

export type WindowProducerOptions = ({ card: ModelCard } | WindowShape) & {
  /** sample rate of the pushed audio, Hz; resampled to 16 kHz */
  inputRate: number;
  vad?: VadOptions;
  /**
   * fed the same 16 kHz audio the windows are cut from (and ended with the stream); the consumer asks it
   * for each window's verdict (SpeechDetector.judge), since that needs inference
   */
  detector?: Audio16kSink;
  resamplerQuality?: ResamplerQuality;
  /** wall clock for `arrivedAt`, ms; default Date.now */
  now?: () => number;
};

/** A window ready for the model, with what the scorer needs to report on it. */
export interface ReadyWindow {
  /** k: window number in the stream (0 for a short clip's single window) */
  index: number;
  /** position in stream time, seconds: frames [k * hop, k * hop + W) at 10 ms each; a short clip spans the whole stream */
  start: number;
  end: number;
  /** fraction of the window's frames whose energy passes the gate's threshold (after SpeechDetector.judge: its frames judged speech) */
  speechRatio: number;
  /** speechRatio passes the gate: the window should be scored (after SpeechDetector.judge: the gate and the detector agree) */
  speech: boolean;
  /**
   * the window's values [2, 161, W], peak-normalised when the card asks: copied out by range (copyRows:
   * streamed inference reads one hop of each window) or as one array (toArray(), made on first use)
   */
  frames: FrameRows;
  /** wall-clock ms when the push (or end) that completed the window arrived */
  arrivedAt: number;
  /** true for the one window made by repeating a stream shorter than a window */
  shortClip: boolean;
  /** level, floor and dropouts from the frame energies */
  signal: SignalEvidence;
}

const FRAME_SECONDS = HOP / SAMPLE_RATE;

export class WindowProducer {
  readonly shape: WindowShape;
  readonly inputRate: number;
  readonly gate: SpeechGate;
  readonly detector: Audio16kSink | undefined;
  private readonly resampler: StreamingResampler;
  private readonly stft = new StreamingStft();
  private readonly windower: FrameWindower;
  private readonly now: () => number;
  /** the stream's 16 kHz audio, kept only until its first window fills (the short-clip rule needs it) */
  private shortClip: ShortClipBuffer | null;
  private produced = 0;
  private samplesIn = 0;
  private ended = false;

  constructor(options: WindowProducerOptions) {
    const { windowFrames, hopFrames, peakNormalize } = 'card' in options ? options.card.input : options;
    this.gate = new SpeechGate(options.vad);
    // the gate's active frames are the bandwidth estimate's: their power is summed as frames arrive
    this.shape = { windowFrames, hopFrames, peakNormalize, activeAboveDb: this.gate.thresholdDb };
    this.windower = new FrameWindower(this.shape);
    this.inputRate = options.inputRate;
    this.resampler = new StreamingResampler(options.inputRate, SAMPLE_RATE, { quality: options.resamplerQuality });
    this.detector = options.detector;
    this.now = options.now ?? Date.now;
    this.shortClip = new ShortClipBuffer(ShortClipBuffer.targetLength(windowFrames));
  }

  /** Windows produced so far. */
  get windowsProduced(): number {
    return this.produced;
  }

  /** Stream time pushed so far, seconds. */
  get duration(): number {
    return this.samplesIn / this.inputRate;
  }

  /** Feeds audio at `inputRate`, any chunk size; returns the windows it completed, in order. */
  push(samples: ArrayLike<number>): ReadyWindow[] {
    if (this.ended) throw new Error('WindowProducer: push() after end()');
    const arrivedAt = this.now();
    this.samplesIn += samples.length;
    const out: ReadyWindow[] = [];
    this.feed16k(this.resampler.process(samples), arrivedAt, out);
    return out;
  }

  /**
   * Ends the stream: flushes the resampler and the STFT's right padding (the last frames can complete a
   * window) and, when no window ever filled, scores the stream's audio repeated to one window. Returns
   * those windows; the producer takes no more audio.
   */
  end(): ReadyWindow[] {
    if (this.ended) return [];
    this.ended = true;
    const arrivedAt = this.now();
    const out: ReadyWindow[] = [];
    this.feed16k(this.resampler.flush(), arrivedAt, out);
    this.detector?.end(); // before the padded tail's windows: the detector's last frame is in them
    this.stft.end((frame) => this.onFrame(frame, arrivedAt, out));
    const clip = this.shortClip;
    this.shortClip = null;
    if (this.produced === 0 && clip !== null && clip.length > 0) out.push(this.shortClipWindow(clip, arrivedAt));
    return out;
  }

  private feed16k(samples: Float32Array, arrivedAt: number, out: ReadyWindow[]): void {
    if (samples.length === 0) return;
    this.shortClip?.append(samples);
    this.detector?.push(samples);
    this.stft.push(samples, (frame) => this.onFrame(frame, arrivedAt, out));
  }

  private onFrame(frame: StftFrame, arrivedAt: number, out: ReadyWindow[]): void {
    const w = this.windower.push(frame);
    if (w === null) return;
    this.produced++;
    this.shortClip = null; // a window filled: the short-clip rule can no longer apply
    out.push(this.ready(w, w.startFrame * FRAME_SECONDS, w.endFrame * FRAME_SECONDS, arrivedAt, false));
  }

  /** The short-clip rule (DNSMOS does the same): the audio repeated to fill one window, scored once. */
  private shortClipWindow(clip: ShortClipBuffer, arrivedAt: number): ReadyWindow {
    const windower = new FrameWindower(this.shape);
    let first: FrameWindow | null = null;
    const take = (frame: StftFrame) => {
      first ??= windower.push(frame);
    };
    const stft = new StreamingStft();
    stft.push(clip.repeated(), take);
    stft.end(take);
    if (first === null) throw new Error('WindowProducer: repeated short clip did not fill a window'); // cannot happen: W + 1 frames
    this.produced++;
    return this.ready(first, 0, this.duration, arrivedAt, true);
  }

  private ready(w: FrameWindow, start: number, end: number, arrivedAt: number, shortClip: boolean): ReadyWindow {
    const speechRatio = this.gate.speechRatio(w.energiesDb);
    const spectrum = { rows: w.frames, ...(w.activePower ? { activePower: w.activePower } : {}), bins: N_BINS, power: POWER, binHz: SAMPLE_RATE / N_FFT };
    const signal = signalEvidence(w.energiesDb, this.gate.thresholdDb, spectrum, w.peaks);
    return { index: w.index, start, end, speechRatio, speech: this.gate.passes(speechRatio), frames: w.frames, arrivedAt, shortClip, signal };
  }
}

/**
 * The first samples of a stream, up to the length a repeated short clip needs. Bounded, so a long
 * stream costs nothing extra; dropped as soon as the stream fills a window.
 */
class ShortClipBuffer {
  private readonly samples: Float32Array;
  private fill = 0;

  /**
   * W * 160 + 160 samples give W + 1 frames, so window 0 fills without touching the right padding.
   * Window 0 is then the same whether the audio is tiled (here) or doubled until long enough (DNSMOS):
   * both are prefixes of the clip repeated forever.
   */
  static targetLength(windowFrames: number): number {
    return windowFrames * HOP + HOP;
  }

  constructor(capacity: number) {
    this.samples = new Float32Array(capacity);
  }

  get length(): number {
    return this.fill;
  }

  append(x: Float32Array): void {
    const n = Math.min(x.length, this.samples.length - this.fill);
    this.samples.set(x.subarray(0, n), this.fill);
    this.fill += n;
  }

  /** The buffered audio tiled to the capacity. */
  repeated(): Float32Array {
    const out = new Float32Array(this.samples.length);
    for (let at = 0; at < out.length; at += this.fill) {
      out.set(this.samples.subarray(0, Math.min(this.fill, out.length - at)), at);
    }
    return out;
  }
}
