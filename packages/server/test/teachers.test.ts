/**
 * The external teacher adapters against the reference scores published beside the models in
 * ../shared/teachers (skipped when ../shared is absent: the models are not ours to ship).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readAudioFile } from '@callmos/node';
import { DnsmosP835 } from '../src/teachers/dnsmos-p835.js';
import { PlcmosV2 } from '../src/teachers/plcmos-v2.js';
import { ModelLoadError } from '@callmos/core';

const TEACHERS = fileURLToPath(new URL('../../../../shared/teachers/', import.meta.url));
const DNSMOS = `${TEACHERS}dnsmos/sig_bak_ovr.onnx`;
const PLCMOS = `${TEACHERS}plcmos/plcmos_v2.onnx`;
const CLIPS = `${TEACHERS}plcmos/example_wavs/`;
const missing = existsSync(DNSMOS) && existsSync(PLCMOS) ? null : '../shared/teachers is absent';
if (missing) console.warn(`external teacher tests skipped: ${missing}`);

describe.skipIf(missing !== null)('external teachers (reference scores from ../shared/teachers)', () => {
  it('DNSMOS P.835 matches the published SIG/BAK/OVRL to 1e-3', async () => {
    const d = await DnsmosP835.load(DNSMOS, { provider: 'cpu', intraOpThreads: 1 });
    const want = { 'clean.wav': [3.6127, 4.2259, 3.3994], 'plc_poor.wav': [3.3141, 4.1279, 3.0565] };
    for (const [clip, [sig, bak, ovrl]] of Object.entries(want)) {
      const { samples } = await readAudioFile(CLIPS + clip);
      const s = await d.score(samples.subarray(0, 144160));
      expect(s.sig).toBeCloseTo(sig!, 3);
      expect(s.bak).toBeCloseTo(bak!, 3);
      expect(s.ovrl).toBeCloseTo(ovrl!, 3);
    }
    await d.release();
  });

  it('PLCMOS v2 matches the published scores to 1e-3 with the reference 15 rounds', async () => {
    const p = await PlcmosV2.load(PLCMOS, { provider: 'cpu', intraOpThreads: 1 });
    for (const [clip, want] of Object.entries({ 'clean.wav': 4.4978, 'plc_poor.wav': 2.7408 })) {
      const { samples } = await readAudioFile(CLIPS + clip);
      expect(await p.score(samples)).toBeCloseTo(want, 3);
    }
    await p.release();
  });

  it('refuses a missing file or a model that is not the teacher named', async () => {
    // the same errors and codes as the callmos model: they go through the same loader
    await expect(DnsmosP835.load('/nonexistent/sig_bak_ovr.onnx')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringMatching(/no such file/) });
    await expect(DnsmosP835.load(PLCMOS, { provider: 'cpu' })).rejects.toThrow(ModelLoadError);
    await expect(PlcmosV2.load(DNSMOS, { provider: 'cpu' })).rejects.toMatchObject({
      name: 'ModelLoadError',
      code: 'MODEL_CONTRACT_MISMATCH',
      source: DNSMOS,
      message: expect.stringMatching(/not PLCMOS v2: missing input "degraded_audio"/),
    });
  });
});
