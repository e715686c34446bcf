/** The card's `streaming` block (streaming-plan.ts): parsed strictly, its geometry checked against the window. */
import { describe, expect, it } from 'vitest';
import { parseModelCard } from '../../src/model/card.js';
import { streamingPlan } from '../../src/model/streaming-plan.js';
import { cardProblems, fixtureCardJson } from './fixtures.js';

/** tiny 1.4's block, as the factory writes it (W 400, hop 100). */
function card(streaming: Record<string, unknown>, input: Record<string, unknown> = {}): Record<string, any> {
  const json = fixtureCardJson();
  json.input = { ...json.input, windowFrames: 400, hopFrames: 100, peakNormalize: false, ...input };
  json.streaming = {
    front: { file: 'front.onnx', input: 'frames', output: 'features' },
    back: { file: 'back.onnx', input: 'features' },
    featureSize: 64, stride: 4, receptiveFrames: 10, contextFrames: 24, edgeSteps: 4, edgeFrames: 30,
    check: { windows: 29, maxDiff: 2.38e-7 },
    ...streaming,
  };
  return json;
}

const problemsOf = cardProblems;

describe('card.streaming', () => {
  it('parses the factory block, keeps its extra fields and derives where each step comes from', () => {
    const parsed = parseModelCard(card({}));
    expect(parsed.streaming?.check).toEqual({ windows: 29, maxDiff: 2.38e-7 });
    const plan = streamingPlan(parsed.streaming!, parsed.input);
    // 100 steps of 4 frames; the hop run covers frames 276..400 and is taken from step 69 + ceil(10 / 4) = 72
    expect(plan).toMatchObject({ steps: 100, hopSteps: 25, hopRunStart: 276, hopRunFrames: 124, exactFromStep: 72, edgeSteps: 4 });
  });

  it('is optional: a card without it scores windows whole', () => {
    const json = card({});
    delete json.streaming;
    expect(parseModelCard(json).streaming).toBeUndefined();
  });

  it('refuses geometry that cannot reproduce the window model, naming each problem', () => {
    const problems = problemsOf(card({ stride: 8, contextFrames: 12, edgeFrames: 20 }, { hopFrames: 100, peakNormalize: true }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/peak-normalised window .* cannot be streamed/),
        expect.stringMatching(/input.hopFrames \(100\) must be a multiple of stride \(8\)/),
        expect.stringMatching(/contextFrames \(12\) must be a multiple of stride/),
        expect.stringMatching(/contextFrames \(12\) must be at least 2 x receptiveFrames \(10\)/),
        expect.stringMatching(/edgeFrames \(20\) must hold edgeSteps. whole receptive field: at least 35 frames/),
      ]),
    );
    expect(problemsOf(card({ contextFrames: 320 }))).toEqual([expect.stringMatching(/a hop run .* must fit in a window of 400 frames/)]);
  });

  it("refuses edge runs that do not cover the steps the window's left padding reaches", () => {
    // tiny: receptiveFrames 10, stride 4 -> the first 3 steps see the padding; the 4th edge step needs 3 x 4 + 10 + 1 frames
    expect(problemsOf(card({ edgeSteps: 2 }))).toEqual([expect.stringMatching(/edgeSteps \(2\) must cover the 3 steps/)]);
    expect(problemsOf(card({ edgeFrames: 22 }))).toEqual([expect.stringMatching(/edgeFrames \(22\) must hold .* at least 23 frames/)]);
    expect(parseModelCard(card({ edgeFrames: 23 })).streaming?.edgeFrames).toBe(23);
  });

  it('refuses a graph file that is a path, and missing or mistyped fields', () => {
    for (const file of ['..', '.', '.onnx', 'front', 'a/front.onnx']) {
      expect(problemsOf(card({ back: { file, input: 'features' } })), file).toEqual([expect.stringMatching(/card.streaming.back.file must be an .onnx file name/)]);
    }
    const problems = problemsOf(card({ front: { file: '../../etc/passwd', input: 'frames' }, back: { input: 'x' }, featureSize: 0 }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/card.streaming.front.file must be an .onnx file name beside card.json/),
        expect.stringMatching(/card.streaming.front.output/),
        expect.stringMatching(/card.streaming.back.file/),
        expect.stringMatching(/card.streaming.featureSize/),
      ]),
    );
  });
});
