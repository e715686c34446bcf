import { describe, expect, it } from 'vitest';
import { SpeechGate, DEFAULT_VAD } from '../../src/scoring/vad.js';
import { compressedStft } from '../../src/dsp/stft.js';
import { quiet, speechLike } from '../model/fixtures.js';

const ratioOf = (gate: SpeechGate, x: Float32Array) => gate.speechRatio(compressedStft(x).energiesDb);

describe('SpeechGate', () => {
  it('defaults to -50 dBFS and a 0.2 speech ratio', () => {
    const gate = new SpeechGate();
    expect([gate.thresholdDb, gate.minSpeechRatio]).toEqual([DEFAULT_VAD.thresholdDb, DEFAULT_VAD.minSpeechRatio]);
    expect([gate.thresholdDb, gate.minSpeechRatio]).toEqual([-50, 0.2]);
  });

  it('counts the fraction of frames above the threshold (strictly)', () => {
    const gate = new SpeechGate();
    expect(gate.speechRatio([-60, -50, -49.9, -10])).toBe(0.5);
    expect(gate.speechRatio([])).toBe(0);
    expect(gate.passes(0.2)).toBe(true);
    expect(gate.passes(0.19)).toBe(false);
  });

  it('finds no speech in digital silence or a -70 dBFS noise floor', () => {
    const gate = new SpeechGate();
    expect(ratioOf(gate, quiet(2, 16000))).toBe(0);
    expect(ratioOf(gate, quiet(2, 16000, -70))).toBe(0);
  });

  it('finds speech in a speech-like signal, pauses excepted', () => {
    const ratio = ratioOf(new SpeechGate(), speechLike(3, 16000));
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1);
  });

  it('takes a configurable threshold and ratio', () => {
    const noise = quiet(2, 16000, -70);
    expect(ratioOf(new SpeechGate({ thresholdDb: -80 }), noise)).toBe(1);
    const strict = new SpeechGate({ minSpeechRatio: 1 });
    expect(strict.passes(ratioOf(strict, speechLike(3, 16000)))).toBe(false);
  });

  it('rejects nonsense options', () => {
    expect(() => new SpeechGate({ minSpeechRatio: 1.5 })).toThrow('vad.minSpeechRatio must be within 0..1, got 1.5');
    expect(() => new SpeechGate({ thresholdDb: NaN })).toThrow('vad.thresholdDb must be a finite number');
  });
});
