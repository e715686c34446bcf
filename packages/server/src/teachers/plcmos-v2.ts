/**
 * PLCMOS v2 (plcmos_v2.onnx) as an external teacher: how well packet loss was concealed, from a clip of
 * 16 kHz audio. Features and the rater embeddings follow ../shared/teachers/plcmos/README.md; the score
 * is the mean over `rounds` rater embeddings (the reference uses 15).
 */
import * as ort from 'onnxruntime-node';
import type { OrtBackendOptions } from '@callmos/node';
import { openTeacher } from './onnx-teacher.js';
import { PLCMOS_RATER_EMBEDDINGS } from './plcmos-embeddings.js';

const N_FFT = 512;
const HOP = 256;
const BINS = 257;
const LOG10_E = Math.log10(Math.E);

/** np.hamming(513)[:-1] */
const WINDOW = Float64Array.from({ length: N_FFT }, (_, n) => 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / N_FFT));

/** Direct real DFT of one 512-point frame as power; O(N^2) per frame with precomputed twiddles. */
const COS = Float64Array.from({ length: N_FFT }, (_, k) => Math.cos((2 * Math.PI * k) / N_FFT));
const SIN = Float64Array.from({ length: N_FFT }, (_, k) => Math.sin((2 * Math.PI * k) / N_FFT));

function powerSpectrum(frame: Float64Array, out: Float64Array): void {
  for (let k = 0; k < BINS; k++) {
    let re = 0;
    let im = 0;
    for (let n = 0, idx = 0; n < N_FFT; n++, idx = (idx + k) & (N_FFT - 1)) {
      re += frame[n]! * COS[idx]!;
      im -= frame[n]! * SIN[idx]!;
    }
    out[k] = re * re + im * im;
  }
}

/** Log-power features [frames, 257] per the reference (left pad 256, hop 256, Hamming 512, floored log / 20). */
export function plcmosFeatures(audio16k: Float32Array): { data: Float32Array; frames: number } {
  const frames = Math.ceil((audio16k.length + HOP) / HOP);
  const padded = new Float64Array((frames - 1) * HOP + N_FFT);
  padded.set(audio16k, HOP);
  const power = new Float64Array(frames * BINS);
  const frame = new Float64Array(N_FFT);
  const spec = new Float64Array(BINS);
  let minPositive = Infinity;
  for (let f = 0; f < frames; f++) {
    for (let n = 0; n < N_FFT; n++) frame[n] = padded[f * HOP + n]! * WINDOW[n]!;
    powerSpectrum(frame, spec);
    for (let k = 0; k < BINS; k++) {
      const p = spec[k]!;
      power[f * BINS + k] = p;
      if (p > 0 && p < minPositive) minPositive = p;
    }
  }
  const floor = minPositive === Infinity ? -80 / 10 / LOG10_E : Math.log(minPositive) + -120 / 10 / LOG10_E;
  const data = new Float32Array(frames * BINS);
  for (let i = 0; i < data.length; i++) {
    const p = power[i]!;
    data[i] = (minPositive === Infinity ? floor : p > 0 ? Math.log(p) : floor) / 20;
  }
  return { data, frames };
}

export class PlcmosV2 {
  readonly name = 'plcmos';

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly rounds: number,
  ) {}

  static async load(path: string, options: OrtBackendOptions & { rounds?: number } = {}): Promise<PlcmosV2> {
    const rounds = options.rounds ?? 15;
    if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= PLCMOS_RATER_EMBEDDINGS.length)) {
      throw new RangeError(`PLCMOS rounds must be an integer 1..${PLCMOS_RATER_EMBEDDINGS.length}, got ${options.rounds}`);
    }
    return new PlcmosV2(await openTeacher(path, 'PLCMOS v2', ['degraded_audio', 'rater_embed'], ['plcmos'], options), rounds);
  }

  /** PLCMOS of a clip of 16 kHz audio: the mean over `rounds` rater embeddings. */
  async score(audio16k: Float32Array): Promise<number> {
    const { data, frames } = plcmosFeatures(audio16k);
    const audio = new ort.Tensor('float32', data, [1, 1, frames, BINS]);
    let sum = 0;
    for (let r = 0; r < this.rounds; r++) {
      const embed = new ort.Tensor('float32', Float32Array.from(PLCMOS_RATER_EMBEDDINGS[r]!), [1, 64]);
      const out = await this.session.run({ degraded_audio: audio, rater_embed: embed });
      sum += (out.plcmos!.data as Float32Array)[0]!;
    }
    return sum / this.rounds;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
