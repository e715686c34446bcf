import { describe, expect, it } from 'vitest';
import { notScoredOutcome, scoredOutcome, windowEvent } from '../../src/scoring/window-event.js';
import type { ReadyWindow } from '../../src/scoring/window-producer.js';
import { arrayRows } from '../../src/dsp/window-frames.js';

const window: ReadyWindow = {
  index: 3,
  start: 3,
  end: 7,
  speechRatio: 0.75,
  speech: true,
  frames: arrayRows(new Float32Array(4), 2),
  arrivedAt: 1_000,
  signal: { levelDbfs: -26, floorDbfs: -70, dropoutsPerSec: 0, bandwidthHz: 7500, clippedPct: 0 },
  shortClip: false,
};

describe('windowEvent', () => {
  it('fills the ScoreEvent contract from a scored window', () => {
    const e = windowEvent(window, scoredOutcome({ mos: 3.5, dims: { noisiness: 4 } }), { streamId: 's', model: 'm@1', now: 1_040 });
    expect(e).toEqual({
      v: 1,
      streamId: 's',
      model: 'm@1',
      start: 3,
      end: 7,
      scored: true,
      mos: 3.5,
      dims: { noisiness: 4 },
      speechRatio: 0.75,
      signal: { levelDbfs: -26, floorDbfs: -70, dropoutsPerSec: 0, bandwidthHz: 7500, clippedPct: 0 },
      latencyMs: 40,
      timestamp: 1_040,
    });
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });

  it('says why a window was not scored and carries the skipped count only when there is one', () => {
    const skipped = windowEvent(window, notScoredOutcome('skipped-backlog'), { streamId: 's', model: 'm@1', now: 900, skippedWindows: 2 });
    expect(skipped).toMatchObject({ scored: false, reason: 'skipped-backlog', mos: null, dims: {}, skippedWindows: 2, latencyMs: 0 });
    expect('error' in skipped).toBe(false);
    const failed = windowEvent(window, notScoredOutcome('error', 'boom'), { streamId: 's', model: 'm@1', now: 1_000, skippedWindows: 0 });
    expect(failed).toMatchObject({ reason: 'error', error: 'boom' });
    expect('skippedWindows' in failed).toBe(false);
  });
});
