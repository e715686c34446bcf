/**
 * Speech-activity gate (ARCHITECTURE.md): a window is scored only when enough of its frames carry
 * energy. Silence or a muted track is not bad quality, so it must not drag a call's MOS down.
 * Frame energies come with the STFT frames (StftFrame.energyDb), computed once per frame.
 * Energy cannot tell speech from a hum, a tone or music: hosts that can run a model add the
 * SpeechDetector (speech-detector.ts), and a window is scored only when both find speech.
 */
import type { SpeechDetectorOptions } from './speech-detector.js';

export interface VadOptions {
  /** a frame is active when its energy (dBFS, mean square of the raw samples it covers) exceeds this; default -50 */
  thresholdDb?: number;
  /** a window is scored when its fraction of active frames is at least this; default 0.2 */
  minSpeechRatio?: number;
  /** the speech detector's thresholds, where the host runs one */
  detector?: SpeechDetectorOptions;
}

export const DEFAULT_VAD: Readonly<Required<Omit<VadOptions, 'detector'>>> = Object.freeze({ thresholdDb: -50, minSpeechRatio: 0.2 });

export class SpeechGate {
  readonly thresholdDb: number;
  readonly minSpeechRatio: number;

  constructor(options: VadOptions = {}) {
    this.thresholdDb = options.thresholdDb ?? DEFAULT_VAD.thresholdDb;
    this.minSpeechRatio = options.minSpeechRatio ?? DEFAULT_VAD.minSpeechRatio;
    if (!Number.isFinite(this.thresholdDb)) throw new RangeError(`vad.thresholdDb must be a finite number, got ${this.thresholdDb}`);
    if (!(this.minSpeechRatio >= 0 && this.minSpeechRatio <= 1)) {
      throw new RangeError(`vad.minSpeechRatio must be within 0..1, got ${this.minSpeechRatio}`);
    }
  }

  isActive(frameEnergyDb: number): boolean {
    return frameEnergyDb > this.thresholdDb;
  }

  /** Fraction of active frames among `energiesDb` (0 for no frames). */
  speechRatio(energiesDb: ArrayLike<number>): number {
    let active = 0;
    for (let i = 0; i < energiesDb.length; i++) if (this.isActive(energiesDb[i]!)) active++;
    return energiesDb.length === 0 ? 0 : active / energiesDb.length;
  }

  passes(speechRatio: number): boolean {
    return speechRatio >= this.minSpeechRatio;
  }
}
