/** The badge's words: tooltip content and the band-change announcement. */
import { SCORE_EVENT_VERSION, type ScoreEvent } from '@callmos/core';
import { describe, expect, it } from 'vitest';
import { bandAnnouncement, tooltipText } from '../../src/badge/format.js';

const event = (over: Partial<ScoreEvent> = {}): ScoreEvent => ({
  v: SCORE_EVENT_VERSION,
  streamId: 'mic',
  model: 'tiny@1.0.0',
  start: 0,
  end: 4,
  scored: true,
  mos: 3.9,
  dims: { noisiness: 4.1, coloration: 3.2 },
  speechRatio: 0.8,
  latencyMs: 12,
  timestamp: 0,
  emaMos: 3.84,
  band: 'good',
  ...over,
});

describe('badge text', () => {
  it('tooltip: smoothed MOS, every dim, network MOS', () => {
    const text = tooltipText(event({ network: { mos: 4.2, r: 85, lossPct: 1.5, jitterMs: 8, rttMs: 60, codec: 'opus' } }), 'Your microphone');
    expect(text.split('\n')).toEqual([
      'Your microphone',
      'Speech quality (MOS): 3.84 / 5',
      '  noisiness: 4.10',
      '  coloration: 3.20',
      'Network (MOS): 4.20 / 4.5 — loss 1.5 %, jitter 8 ms, RTT 60 ms, opus',
    ]);
  });

  it('tooltip says why a window was not scored, and before any score that it is measuring', () => {
    expect(tooltipText(event({ scored: false, reason: 'no-speech', mos: null, dims: {} }))).toMatch(/No speech in the last window/);
    expect(tooltipText(undefined, 'Bob')).toBe('Bob\nMeasuring call quality…');
  });

  it('announcement names the band', () => {
    expect(bandAnnouncement('poor', 'Bob')).toBe('Bob: call quality poor');
  });
});
