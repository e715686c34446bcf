import { describe, expect, it } from 'vitest';
import { modelId, parseModelCard } from '../../src/model/card.js';
import { cardProblems, fixtureCardJson } from './fixtures.js';

const problemsOf = cardProblems;

describe('parseModelCard', () => {
  it('accepts the fixture card and returns it unchanged', () => {
    const json = fixtureCardJson();
    const card = parseModelCard(json);
    expect(card).toEqual(json);
    expect(modelId(card)).toBe('test-tiny@0.0.1');
  });

  it('accepts the ARCHITECTURE.md example, with optional blocks and extra golden fields', () => {
    const json = {
      ...fixtureCardJson(),
      input: { name: 'frames', kind: 'compressed-stft', channels: 2, bins: 161, windowFrames: 400, hopFrames: 100, peakNormalize: true },
      calibration: { method: 'none' },
      training: { clips: 2100 },
      accuracy: { pearson: 0.87 },
      golden: [{ file: 'fixtures/clean-tts.wav', mos: 4.01, dims: { noisiness: 4.2 }, windows: 2, tolerance: 0.01 }],
    };
    const card = parseModelCard(json);
    expect(card.golden?.[0]).toEqual(json.golden[0]);
    expect(card.input.windowFrames).toBe(400);
  });

  it('defaults shortClip, takes a card without dims outputs, null optional blocks and unknown fields', () => {
    const json = fixtureCardJson();
    delete json.shortClip;
    delete json.outputs.dims;
    json.calibration = null;
    json.license = 'MIT';
    const card = parseModelCard(json);
    expect(card.shortClip).toBe('repeat');
    expect(card.outputs.dims).toBeUndefined();
    expect('calibration' in card).toBe(false);
    expect((card as unknown as Record<string, unknown>).license).toBe('MIT');
  });

  it('names the path and the value of a bad field', () => {
    const json = fixtureCardJson();
    json.input.windowFrames = 'abc';
    expect(() => parseModelCard(json)).toThrow('card.input.windowFrames must be a positive integer, got "abc"');
  });

  it('rejects a card that is not an object', () => {
    expect(problemsOf(null)).toEqual(['card must be an object, got null']);
    expect(problemsOf([1])).toEqual(['card must be an object, got [1]']);
  });

  it('lists every problem at once', () => {
    const json = fixtureCardJson();
    json.cardVersion = 2;
    delete json.name;
    json.sampleRate = 48000;
    json.input.bins = 257;
    json.input.hopFrames = 0;
    json.input.peakNormalize = 'yes';
    json.outputs.mos.range = [5, 1];
    json.outputs.dims.names = ['sig', 'bak', 'sig'];
    const problems = problemsOf(json);
    expect(problems).toEqual([
      'card.cardVersion must be 1, got 2',
      'card.name is missing (expected a non-empty string)',
      'card.sampleRate must be 16000, got 48000',
      'card.input.bins must be 161, got 257',
      'card.input.hopFrames must be a positive integer, got 0',
      'card.input.peakNormalize must be true or false, got "yes"',
      'card.outputs.mos.range must be [low, high] with finite low < high, got [5,1]',
      'card.outputs.dims.names names "sig" twice',
    ]);
    expect(() => parseModelCard(json)).toThrow(/invalid model card:\n {2}- card.cardVersion/);
  });

  it('checks hop against window, output names, unknown input kinds and golden entries', () => {
    const json = fixtureCardJson();
    json.input.hopFrames = 150;
    json.input.kind = 'waveform';
    json.outputs.dims.name = 'mos';
    json.golden = [{ file: '', mos: 'high' }, 'x'];
    expect(problemsOf(json)).toEqual([
      'card.input.kind must be "compressed-stft", got "waveform"',
      'card.input.hopFrames must not exceed windowFrames (100), got 150',
      'card.outputs.dims.name must differ from card.outputs.mos.name, both are "mos"',
      'card.golden[0].file must be a non-empty string, got ""',
      'card.golden[0].mos must be a finite number, got "high"',
      'card.golden[1] must be an object, got "x"',
    ]);
  });

  it('reports missing blocks without cascading errors', () => {
    const json = fixtureCardJson();
    delete json.input;
    json.outputs = { dims: { name: 'dims', names: [] } };
    expect(problemsOf(json)).toEqual([
      'card.input is missing (expected an object)',
      'card.outputs.mos is missing (expected an object)',
      'card.outputs.dims.names must name at least one dimension (leave out outputs.dims instead)',
    ]);
  });
});
