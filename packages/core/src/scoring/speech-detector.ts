/**
 * One stream's speech detector: its 16 kHz audio cut into Silero frames (512 new samples + 64 of context,
 * on a grid fixed at the stream's first sample), the recurrent state, a hysteresis with hangover turning
 * frame probabilities into speech / non-speech, and the verdict on each window: speech when the energy
 * gate passes AND at least `minSpeechRatio` of the detector frames inside the window are speech.
 *
 * Why a model and not only the energy gate: a hum, a tone, pink noise or hold music carries energy in
 * every frame, so the gate lets it through and the MOS model rates it as (bad) speech. Silence and a
 * muted track are still not bad quality; neither is a fan.
 *
 * Streaming = offline: a frame's decision depends only on the audio before its end, and a window counts
 * the frames that lie wholly inside it, which have all arrived when the window is ready. So the verdicts
 * do not depend on how the audio was chunked. Frames wait for inference in a bounded queue: when the
 * detector falls behind (it costs a fraction of the MOS model, so only on a starved machine) the oldest
 * waiting frames are skipped and the windows holding them are reported as skipped, not guessed.
 */
import { SAMPLE_RATE } from '../dsp/constants.js';
import { SILERO_CONTEXT, SILERO_FRAME, SileroVad } from './silero-vad.js';
import type { ReadyWindow } from './window-producer.js';

export interface SpeechDetectorOptions {
  /** a frame starts speech at this probability or above; default 0.7 */
  threshold?: number;
  /** speech goes on until the probability stays below this for `hangoverMs`; default threshold - 0.15 */
  negThreshold?: number;
  /** how long speech lasts after the probability drops (pauses between words), ms; default 400 */
  hangoverMs?: number;
  /** a window is speech when at least this fraction of its detector frames are; default 0.35 */
  minSpeechRatio?: number;
  /** most frames waiting for inference before the oldest are skipped; default 320 (~10 s); Infinity never skips (offline) */
  maxPendingFrames?: number;
  /**
   * a frame whose new samples' level is under this (dBFS) is silence without running the model (a muted
   * microphone, DTX, a listener's turn: most of a call for most participants); default -60. -Infinity runs
   * the model on every frame
   */
  silenceDbfs?: number;
}

/**
 * Chosen by bench/speech/detector-table.mjs --tune on its tune split (speakers, noise files and synthesis
 * seeds disjoint from the split the table in models/REPORT.md is measured on): the threshold and hangover
 * with the widest gap between speech windows' ratios (1st percentile) and non-speech windows' (maximum),
 * minSpeechRatio in the middle of that gap.
 */
export const DEFAULT_SPEECH_DETECTOR: Readonly<Required<Omit<SpeechDetectorOptions, 'negThreshold'>>> = Object.freeze({
  threshold: 0.7,
  hangoverMs: 400,
  minSpeechRatio: 0.35,
  maxPendingFrames: 320,
  silenceDbfs: -60,
});

/** frame arrays a detector keeps for reuse (a live stream has one or two frames in flight) */
const MAX_SPARE_FRAMES = 4;

/** After this many silent frames (~0.5 s) the recurrent state restarts: the next speech is an onset, as at a stream's start. */
const SILENT_RUN_RESET = 16;

/** A window with the detector's verdict: `speechRatio` is the fraction of its frames judged speech. */
export interface SpeechVerdict {
  window: ReadyWindow;
  /** frames of this window were skipped because the detector fell behind: it has no verdict */
  skipped: boolean;
}

const FRAME_SECONDS = SILERO_FRAME / SAMPLE_RATE;

enum Decision {
  Pending,
  Speech,
  Silence,
  Skipped,
  Failed,
}

interface Waiter {
  window: ReadyWindow;
  first: number;
  /** frames [first, last) are the window's */
  last: number;
  resolve: (verdict: SpeechVerdict) => void;
  reject: (err: unknown) => void;
}

export class SpeechDetector {
  readonly vad: SileroVad;
  readonly threshold: number;
  readonly negThreshold: number;
  readonly hangoverFrames: number;
  readonly minSpeechRatio: number;
  readonly maxPendingFrames: number;
  /** mean square of a frame's new samples under which it is silence without a model run */
  private readonly silencePower: number;
  /** context + new samples of the frame being filled */
  private readonly frame = new Float32Array(SILERO_CONTEXT + SILERO_FRAME);
  private fill = 0;
  private framesMade = 0;
  /** samples pushed in all; the last, zero-padded frame of an ended stream ends here */
  private samples = 0;
  private ended = false;
  /** frames waiting for the model, with when their audio arrived (performance.now()) */
  private readonly todo: Array<{ index: number; input: Float32Array | null; at: number }> = [];
  /** frame arrays whose runs are over, for the next frames */
  private readonly spare: Float32Array[] = [];
  private silentRun = 0;
  private silent = 0;
  /** decisions of frames [base, base + decisions.length) */
  private decisions: Decision[] = [];
  private base = 0;
  private waiters: Waiter[] = [];
  private state = SileroVad.initialState();
  private triggered = false;
  private below = 0;
  /** bumped when skipped frames restart the recurrent state, so a run in flight does not bring it back */
  private generation = 0;
  private running = false;
  private failure: unknown = undefined;
  private skipped = 0;

  constructor(vad: SileroVad, options: SpeechDetectorOptions = {}) {
    this.vad = vad;
    this.threshold = options.threshold ?? DEFAULT_SPEECH_DETECTOR.threshold;
    this.negThreshold = options.negThreshold ?? Math.max(0, this.threshold - 0.15);
    const hangoverMs = options.hangoverMs ?? DEFAULT_SPEECH_DETECTOR.hangoverMs;
    this.minSpeechRatio = options.minSpeechRatio ?? DEFAULT_SPEECH_DETECTOR.minSpeechRatio;
    this.maxPendingFrames = options.maxPendingFrames ?? DEFAULT_SPEECH_DETECTOR.maxPendingFrames;
    const silenceDbfs = options.silenceDbfs ?? DEFAULT_SPEECH_DETECTOR.silenceDbfs;
    if (Number.isNaN(silenceDbfs) || silenceDbfs > 0) throw new RangeError(`vad.detector.silenceDbfs must be <= 0 (or -Infinity), got ${silenceDbfs}`);
    this.silencePower = 10 ** (silenceDbfs / 10);
    if (!(this.threshold > 0 && this.threshold <= 1)) throw new RangeError(`vad.detector.threshold must be within (0, 1], got ${this.threshold}`);
    if (!(this.negThreshold >= 0 && this.negThreshold <= this.threshold)) {
      throw new RangeError(`vad.detector.negThreshold must be within 0..threshold (${this.threshold}), got ${this.negThreshold}`);
    }
    if (!(hangoverMs >= 0 && Number.isFinite(hangoverMs))) throw new RangeError(`vad.detector.hangoverMs must be a finite number >= 0, got ${hangoverMs}`);
    if (!(this.minSpeechRatio >= 0 && this.minSpeechRatio <= 1)) {
      throw new RangeError(`vad.detector.minSpeechRatio must be within 0..1, got ${this.minSpeechRatio}`);
    }
    if (!((Number.isInteger(this.maxPendingFrames) || this.maxPendingFrames === Infinity) && this.maxPendingFrames >= 1)) {
      throw new RangeError(`vad.detector.maxPendingFrames must be an integer >= 1, got ${this.maxPendingFrames}`);
    }
    this.hangoverFrames = Math.round(hangoverMs / 1000 / FRAME_SECONDS);
  }

  /** Frames skipped so far because inference fell behind. */
  get skippedFrames(): number {
    return this.skipped;
  }

  /** Frames judged silence by their level alone, without a model run. */
  get silentFrames(): number {
    return this.silent;
  }

  /** The last inference error (windows holding the failed frame reject with it). */
  get lastError(): unknown {
    return this.failure;
  }

  /** 16 kHz audio, any chunk size (WindowProducer feeds it the audio its windows are cut from). */
  push(samples: Float32Array): void {
    if (this.ended) throw new Error('SpeechDetector: push() after end()');
    this.samples += samples.length;
    for (let at = 0; at < samples.length; ) {
      const n = Math.min(SILERO_FRAME - this.fill, samples.length - at);
      this.frame.set(samples.subarray(at, at + n), SILERO_CONTEXT + this.fill);
      this.fill += n;
      at += n;
      if (this.fill === SILERO_FRAME) this.enqueueFrame();
    }
    void this.process();
  }

  /** The stream ended: its last partial frame is zero-padded and judged too. */
  end(): void {
    if (this.ended) return;
    if (this.fill > 0) {
      this.frame.fill(0, SILERO_CONTEXT + this.fill);
      this.enqueueFrame();
    }
    this.ended = true;
    this.settle();
    void this.process();
  }

  /**
   * The verdict on a window of the stream this detector is fed: resolves once the frames inside it are
   * judged (they have all been pushed by the time the window is ready); rejects with the inference
   * error when one of them failed. Windows must be judged in stream order.
   */
  judge(window: ReadyWindow): Promise<SpeechVerdict> {
    const [first, last] = this.framesOf(window);
    return new Promise<SpeechVerdict>((resolve, reject) => {
      this.waiters.push({ window, first, last, resolve, reject });
      this.settle();
    });
  }

  /** Frames [first, last) lie wholly inside the window (a short clip's window is the whole stream). */
  private framesOf(window: ReadyWindow): [number, number] {
    if (window.shortClip) return [0, Infinity];
    const start = Math.round(window.start * SAMPLE_RATE);
    const end = Math.round(window.end * SAMPLE_RATE);
    const first = Math.ceil(start / SILERO_FRAME);
    let last = Math.floor(end / SILERO_FRAME);
    // the zero-padded last frame of an ended stream ends with its real samples
    if (this.ended && this.framesMade > last && end >= this.samples) last = this.framesMade;
    return [first, Math.max(first, last)];
  }

  private enqueueFrame(): void {
    const index = this.framesMade++;
    this.decisions.push(Decision.Pending);
    let power = 0;
    for (let i = SILERO_CONTEXT; i < this.frame.length; i++) power += this.frame[i]! * this.frame[i]!;
    // a silent frame keeps its place in the queue (decisions follow frame order) but carries no input
    this.todo.push({ index, input: power / SILERO_FRAME < this.silencePower ? null : this.copyOfFrame(), at: performance.now() });
    this.frame.copyWithin(0, SILERO_FRAME, SILERO_FRAME + SILERO_CONTEXT);
    this.fill = 0;
    while (this.todo.length > this.maxPendingFrames) {
      const oldest = this.todo.shift()!;
      this.recycle(oldest.input);
      this.skipped++;
      this.decide(oldest.index, Decision.Skipped);
      // the frames after a hole are a new stream to the recurrent model
      this.state = SileroVad.initialState();
      this.triggered = false;
      this.below = 0;
      this.generation++;
    }
  }

  /**
   * The frame being filled, copied for the queue into a spare array where there is one: a fresh 2.3 KB array
   * per 32 ms frame and stream was a fifth of a 64-stream monitor's typed-array churn (see ReusableFloats).
   */
  private copyOfFrame(): Float32Array {
    const copy = this.spare.pop() ?? new Float32Array(this.frame.length);
    copy.set(this.frame);
    return copy;
  }

  private recycle(input: Float32Array | null): void {
    if (input !== null && this.spare.length < MAX_SPARE_FRAMES) this.spare.push(input);
  }

  private async process(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.todo.length > 0) {
        const { index, input, at } = this.todo.shift()!;
        let decision: Decision;
        const generation = this.generation;
        if (input === null) {
          this.silent++;
          if (++this.silentRun === SILENT_RUN_RESET) this.state = SileroVad.initialState();
          this.decide(index, this.hysteresis(0));
          continue;
        }
        this.silentRun = 0;
        try {
          const step = await this.vad.run(input, this.state, at);
          if (generation === this.generation) this.state = step.state;
          decision = this.hysteresis(step.probability);
        } catch (err) {
          this.failure = err;
          decision = Decision.Failed;
        }
        this.recycle(input); // its run is over: SileroVad copied it into the batch
        this.decide(index, decision);
      }
    } finally {
      this.running = false;
    }
  }

  /** Speech starts at `threshold` and ends after `hangoverFrames` frames below `negThreshold`. */
  private hysteresis(p: number): Decision {
    if (p >= this.threshold) {
      this.triggered = true;
      this.below = 0;
      return Decision.Speech;
    }
    if (!this.triggered) return Decision.Silence;
    if (p >= this.negThreshold) {
      this.below = 0;
      return Decision.Speech;
    }
    if (++this.below > this.hangoverFrames) {
      this.triggered = false;
      this.below = 0;
      return Decision.Silence;
    }
    return Decision.Speech;
  }

  private decide(index: number, decision: Decision): void {
    const at = index - this.base;
    if (at >= 0 && at < this.decisions.length) this.decisions[at] = decision;
    this.settle();
  }

  /** Resolves the waiting windows whose frames are all judged, in order, and forgets frames no window needs. */
  private settle(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0]!;
      const last = Math.min(w.last, this.framesMade);
      if (w.last > this.framesMade && !this.ended) return; // cannot happen for a ready window; wait for audio
      let speech = 0;
      let skipped = false;
      let failed = false;
      for (let f = Math.max(w.first, this.base); f < last; f++) {
        const d = this.decisions[f - this.base]!;
        if (d === Decision.Pending) return;
        if (d === Decision.Speech) speech++;
        else if (d === Decision.Skipped) skipped = true;
        else if (d === Decision.Failed) failed = true;
      }
      this.waiters.shift();
      this.forgetBefore(w.first === 0 && w.last === Infinity ? 0 : w.first);
      if (failed) {
        w.reject(this.failure);
        continue;
      }
      const frames = Math.max(0, last - w.first);
      const speechRatio = frames === 0 ? 0 : speech / frames;
      const isSpeech = !skipped && w.window.speech && frames > 0 && speechRatio >= this.minSpeechRatio;
      w.resolve({ window: { ...w.window, speechRatio, speech: isSpeech }, skipped });
    }
  }

  /** Later windows start no earlier, so frames before `frame` are no longer needed. */
  private forgetBefore(frame: number): void {
    const drop = Math.min(frame - this.base, this.decisions.length);
    if (drop <= 0) return;
    this.decisions.splice(0, drop);
    this.base += drop;
  }
}
