/**
 * DNSMOS P.835 (sig_bak_ovr.onnx) as an external teacher: 9.01 s of raw 16 kHz waveform in, raw SIG,
 * BAK, OVRL out, mapped by the published polynomials (facts in ../shared/teachers/dnsmos/README.md).
 */
import * as ort from 'onnxruntime-node';
import type { OrtBackendOptions } from '@callmos/node';
import { openTeacher } from './onnx-teacher.js';

export const DNSMOS_WINDOW = 144160; // 9.01 s at 16 kHz

export interface DnsmosScore {
  sig: number;
  bak: number;
  ovrl: number;
}

const poly = (c2: number, c1: number, c0: number) => (x: number) => c2 * x * x + c1 * x + c0;
const SIG = poly(-0.08397278, 1.22083953, 0.0052439);
const BAK = poly(-0.13166888, 1.60915514, -0.39604546);
const OVRL = poly(-0.06766283, 1.11546468, 0.04602535);

export class DnsmosP835 {
  readonly name = 'dnsmos';

  private constructor(private readonly session: ort.InferenceSession) {}

  static async load(path: string, backend: OrtBackendOptions = {}): Promise<DnsmosP835> {
    return new DnsmosP835(await openTeacher(path, 'DNSMOS P.835', ['input_1'], ['Identity:0'], backend));
  }

  /** Scores one 9.01 s window (16 kHz, [-1, 1]); shorter audio is repeated to fill it, as the reference does. */
  async score(audio16k: Float32Array): Promise<DnsmosScore> {
    if (audio16k.length === 0) throw new RangeError('DNSMOS needs audio');
    const window = new Float32Array(DNSMOS_WINDOW);
    for (let at = 0; at < DNSMOS_WINDOW; at += audio16k.length) {
      window.set(audio16k.subarray(0, Math.min(audio16k.length, DNSMOS_WINDOW - at)), at);
    }
    const out = await this.session.run({ input_1: new ort.Tensor('float32', window, [1, DNSMOS_WINDOW]) });
    const raw = out['Identity:0']!.data as Float32Array;
    return { sig: SIG(raw[0]!), bak: BAK(raw[1]!), ovrl: OVRL(raw[2]!) };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
