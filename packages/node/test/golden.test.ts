/**
 * Each installed shipped model reproduces the golden scores its card records (models/<name>/card.json
 * `golden`: clips under the models package, with the MOS the model factory computed in Python). This is
 * the check that the TypeScript front end (decode, resample, STFT, windows) feeds the model what it was
 * trained on. Skipped, saying so, for models not installed yet or cards without golden cases.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { scoreClip } from '@callmos/core';
import { modelsDir, shippedModels } from '@callmos/models';
import { describe, expect, it } from 'vitest';
import { readAudioFile } from '../src/audio-file.js';
import { loadModel } from '../src/models.js';
import { loadSpeechDetector } from '../src/speech-detector.js';

/** MOS and dims agree this closely between the Python reference and this pipeline (cards keep 5 decimals). */
const TOLERANCE = 1e-3;

const installed = shippedModels.filter((name) => existsSync(join(modelsDir, name, 'model.onnx')));
const missing = shippedModels.filter((name) => !installed.includes(name));
if (missing.length > 0) console.warn(`golden.test.ts: ${missing.join(', ')} not installed in ${modelsDir}, not checked`);

describe.each(installed.length > 0 ? installed : ['(none installed)'])('golden scores of %s', (name) => {
  it.skipIf(installed.length === 0)('match the card', async () => {
    const model = await loadModel(name, { provider: 'cpu' });
    const golden = model.card.golden ?? [];
    if (golden.length === 0) console.warn(`golden.test.ts: ${name}'s card has no golden cases`);
    for (const expected of golden) {
      const clip = await readAudioFile(join(modelsDir, expected.file));
      const result = await scoreClip(model, clip.samples, clip.sampleRate);
      const where = `${name} on ${expected.file}`;
      // `windows` counts the scored windows: a no-speech case records mos null and windows 0
      const scoredWindows = result.windows.filter((w) => w.scored).length;
      if (expected.windows !== undefined) expect(scoredWindows, `${where}: scored windows`).toBe(expected.windows);
      if (expected.mos === null) {
        expect(result.mos, `${where}: mos`).toBeNull();
        continue;
      }
      expect(result.mos, where).not.toBeNull();
      expect(Math.abs(result.mos! - expected.mos), `${where}: mos ${result.mos} vs ${expected.mos}`).toBeLessThanOrEqual(TOLERANCE);
      for (const [dim, value] of Object.entries(expected.dims ?? {})) {
        expect(Math.abs(result.dims[dim] - value), `${where}: ${dim} ${result.dims[dim]} vs ${value}`).toBeLessThanOrEqual(TOLERANCE);
      }
    }
  });

  // The goldens are the model's (the factory has no speech detector); the CLI and the hosts add Silero.
  // On these speech clips it must keep every window, so the served scores are the golden ones.
  it.skipIf(installed.length === 0)('are kept whole by the speech detector the CLI and the hosts run', async () => {
    const model = await loadModel(name, { provider: 'cpu' });
    const speech = await loadSpeechDetector();
    for (const expected of model.card.golden ?? []) {
      const clip = await readAudioFile(join(modelsDir, expected.file));
      const gated = await scoreClip(model, clip.samples, clip.sampleRate);
      const detected = await scoreClip(model, clip.samples, clip.sampleRate, { speech });
      const where = `${name} on ${expected.file}`;
      expect(detected.windows.map((w) => w.scored), where).toEqual(gated.windows.map((w) => w.scored));
      expect(detected.mos, where).toBe(gated.mos);
    }
    await speech.release();
  });
});
