/** withQuality, bandChanges, scoredOnly, degradedFor over plain `from([...])` sources. */
import { from, lastValueFrom, Subject, toArray, type Observable, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ScoreEvent } from '../../src/events.js';
import { QualityAggregator } from '../../src/scoring/aggregator.js';
import {
  bandChanges,
  degradedFor,
  scoredOnly,
  withQuality,
  type QualityAlert,
  type ScoredEvent,
} from '../../src/scoring/operators.js';

/** A window of `streamId` ending at `end` s: scored with `mos`, or not scored ('no-speech') when mos is null. */
function window(streamId: string, end: number, mos: number | null): ScoreEvent {
  return {
    v: 1,
    streamId,
    model: 'tiny@1.0.0',
    start: Math.max(0, end - 7.68),
    end,
    scored: mos !== null,
    ...(mos === null ? { reason: 'no-speech' as const } : {}),
    mos,
    dims: {},
    speechRatio: mos === null ? 0 : 0.9,
    latencyMs: 12,
    timestamp: 1_700_000_000_000 + end * 1000,
  };
}

/** Windows 1 s apart from `firstEnd`, one per MOS value (null = not scored). */
function series(streamId: string, mosValues: readonly (number | null)[], firstEnd = 10): ScoreEvent[] {
  return mosValues.map((mos, i) => window(streamId, firstEnd + i, mos));
}

const collect = <T>(source: Observable<T>): Promise<T[]> => lastValueFrom(source.pipe(toArray()));

/** No smoothing, so the band follows each MOS (with the band hysteresis) and tests can place it exactly. */
const direct = { timeConstantSec: 0 };

describe('withQuality', () => {
  it('smooths each stream on its own, as a QualityAggregator per streamId would', async () => {
    const alice = series('alice', [4.2, 4.0, null, 3.1, 2.5]);
    const bob = series('bob', [2.0, 2.2, 2.4, 3.9, 4.1]);
    const interleaved = alice.flatMap((a, i) => [a, bob[i]]);

    const out = await collect(from(interleaved).pipe(withQuality()));

    const expected = (events: ScoreEvent[]) => {
      const agg = new QualityAggregator();
      return events.map((e) => agg.update(e));
    };
    expect(out.filter((e) => e.streamId === 'alice')).toEqual(expected(alice));
    expect(out.filter((e) => e.streamId === 'bob')).toEqual(expected(bob));
  });

  it('keeps no state between subscriptions and does not touch its input', async () => {
    const input = series('alice', [4.2, 2.0, 2.0]).map((e) => Object.freeze(e));
    const smoothed = from(input).pipe(withQuality());
    const first = await collect(smoothed);
    const second = await collect(smoothed);
    expect(second).toEqual(first);
    expect(input[0]).not.toHaveProperty('emaMos');
  });

  it('validates its config when the operator is created', () => {
    expect(() => withQuality({ timeConstantSec: -1 })).toThrow(/timeConstantSec must be >= 0/);
  });
});

describe('bandChanges', () => {
  it("emits a stream's first band and then only its changes", async () => {
    const events = [
      window('alice', 10, null), // no band yet: skipped
      ...series('alice', [4.0, 3.9, 3.2, 3.1, 2.0, 2.1, 3.8], 11),
      ...series('bob', [2.0, 2.0], 11),
    ];
    const out = await collect(from(events).pipe(withQuality(direct), bandChanges()));
    expect(out.map((e) => `${e.streamId}@${e.end}:${e.band}`)).toEqual([
      'alice@11:good',
      'alice@13:fair',
      'alice@15:poor',
      'alice@17:good',
      'bob@11:poor',
    ]);
  });
});

describe('scoredOnly', () => {
  it('drops not-scored windows and types mos as a number', async () => {
    const out: ScoredEvent[] = await collect(from(series('alice', [3.0, null, 4.0, null])).pipe(scoredOnly()));
    expect(out.map((e) => e.mos.toFixed(1))).toEqual(['3.0', '4.0']);
  });
});

describe('degradedFor', () => {
  const alertsFor = (events: ScoreEvent[], options: Parameters<typeof degradedFor>[0]): Promise<QualityAlert[]> =>
    collect(from(events).pipe(withQuality(direct), degradedFor(options)));

  it('raises after the band has been poor for `seconds` and clears after as long recovered', async () => {
    // poor from t = 12 to 19, back to fair at 20, recovered for 3 s at 23.
    const events = series('alice', [4, 4, 2, 2, 2, 2, 2, 2, 2, 2, 3.2, 3.2, 3.2, 3.2, 3.2]);
    const alerts = await alertsFor(events, { seconds: 3 });
    expect(alerts).toEqual([
      { v: 1, kind: 'raised', streamId: 'alice', since: 12, at: 15, mos: 2, band: 'poor', reason: 'band poor for 3.0 s' },
      { v: 1, kind: 'cleared', streamId: 'alice', since: 12, at: 23, mos: 3.2, band: 'fair', reason: 'band back above poor for 3.0 s' },
    ]);
    expect(JSON.parse(JSON.stringify(alerts))).toEqual(alerts);
  });

  it('carries the cause read when the alert was raised, and repeats it when the alert clears', async () => {
    const clean = { noisiness: 3.6, coloration: 3.8, discontinuity: 4.2, loudness: 4.0, plc: 4.0 };
    const noisy = { ...clean, noisiness: 1.4, coloration: 3.0 };
    const events = series('alice', [4, 4, 2, 2, 2, 2, 3.8, 3.8, 3.8, 3.8]).map((e) => ({
      ...e,
      dims: e.mos! < 3 ? noisy : clean,
      signal: { levelDbfs: -26, floorDbfs: e.mos! < 3 ? -30 : -80, dropoutsPerSec: 0, bandwidthHz: 7500, clippedPct: 0 },
    }));
    const [raised, cleared] = await alertsFor(events, { seconds: 2 });
    expect(raised).toMatchObject({ kind: 'raised', cause: { kind: 'noise', dims: noisy } });
    expect(cleared).toMatchObject({ kind: 'cleared', cause: raised!.cause });
  });

  it('raises nothing for a degradation shorter than `seconds`, and a dip restarts the clock', async () => {
    const short = series('alice', [4, 2, 2, 4, 2, 2, 4]);
    expect(await alertsFor(short, { seconds: 3 })).toEqual([]);
  });

  it('uses clearSeconds for recovery', async () => {
    const events = series('alice', [2, 2, 3.2, 3.2, 3.2, 3.2, 3.2, 3.2]);
    const alerts = await alertsFor(events, { seconds: 1, clearSeconds: 5 });
    expect(alerts.map((a) => `${a.kind}@${a.at}`)).toEqual(['raised@11', 'cleared@17']);
  });

  it("with band 'fair' counts fair and poor as degraded", async () => {
    const events = series('alice', [4, 3.2, 2.0, 3.2, 4, 4, 4]);
    const alerts = await alertsFor(events, { seconds: 2, clearSeconds: 1, band: 'fair' });
    expect(alerts.map((a) => `${a.kind}@${a.at}:${a.reason}`)).toEqual([
      'raised@13:band fair or poor for 2.0 s',
      'cleared@15:band back to good for 1.0 s',
    ]);
  });

  it('with a threshold applies its own hysteresis margin on the smoothed MOS', async () => {
    // below 3.0 from t = 11; 3.05 is inside the margin (still degraded); 3.1 >= 3 + 0.1 recovers.
    const events = series('alice', [3.5, 2.9, 2.9, 3.05, 3.05, 3.1, 3.1, 3.1]);
    const alerts = await alertsFor(events, { seconds: 2, clearSeconds: 1, threshold: 3 });
    expect(alerts.map((a) => `${a.kind}@${a.at}:${a.reason}`)).toEqual([
      'raised@13:smoothed MOS below 3 for 2.0 s',
      'cleared@16:smoothed MOS back at or above 3.1 for 1.0 s',
    ]);
  });

  it('ignores not-scored windows, while stream time runs on across them', async () => {
    const events = [window('alice', 10, 2), ...series('alice', [null, null, null], 11), window('alice', 14, 2)];
    const alerts = await alertsFor(events, { seconds: 4 });
    expect(alerts).toMatchObject([{ kind: 'raised', since: 10, at: 14 }]);
  });

  it('tracks streams independently', async () => {
    const alice = series('alice', [2, 2, 2, 2]);
    const bob = series('bob', [4, 4, 2, 2]);
    const alerts = await alertsFor(alice.flatMap((a, i) => [a, bob[i]]), { seconds: 1 });
    expect(alerts.map((a) => `${a.streamId}:${a.kind}@${a.at}`)).toEqual(['alice:raised@11', 'bob:raised@13']);
  });

  it('raises on the first degraded window when seconds is 0', async () => {
    const alerts = await alertsFor(series('alice', [4, 2]), { seconds: 0 });
    expect(alerts).toMatchObject([{ kind: 'raised', since: 11, at: 11 }]);
  });

  it('errors when the events were not smoothed by withQuality()', async () => {
    await expect(collect(from(series('alice', [2])).pipe(degradedFor({ seconds: 1 })))).rejects.toThrow(
      /degradedFor needs events from withQuality\(\): stream "alice"/,
    );
  });

  it.each([
    [{ seconds: -1 }, /seconds must be a finite number >= 0, got -1/],
    [{ seconds: Number.NaN }, /seconds must be a finite number >= 0, got NaN/],
    [{}, /seconds must be a finite number >= 0, got undefined/],
    [{ seconds: 5, clearSeconds: -2 }, /clearSeconds must be/],
    [{ seconds: 5, threshold: 3, band: 'poor' }, /give threshold or band, not both/],
    [{ seconds: 5, band: 'good' }, /band must be 'fair' or 'poor', got good/],
    [{ seconds: 5, threshold: Number.NaN }, /threshold must be a finite number/],
    [{ seconds: 5, treshold: 3 }, /unknown option "treshold"/],
  ])('rejects options %o when the operator is created', (options, message) => {
    expect(() => degradedFor(options as never)).toThrow(RangeError);
    expect(() => degradedFor(options as never)).toThrow(message);
  });
});

describe('forget (per-stream state of ended streams)', () => {
  /** Plays `steps` in order: an event goes to the source, a string is a streamId forgotten. */
  async function play<T>(steps: (ScoreEvent | string)[], operator: (forget: Subject<string>) => OperatorFunction<ScoreEvent, T>): Promise<T[]> {
    const source = new Subject<ScoreEvent>();
    const forget = new Subject<string>();
    const out = collect(source.pipe(operator(forget)));
    for (const step of steps) typeof step === 'string' ? forget.next(step) : source.next(step);
    source.complete();
    return out;
  }

  it('withQuality starts a forgotten stream afresh; the other streams keep their smoothing', async () => {
    const steps = [...series('alice', [4, 4]), ...series('bob', [4]), 'alice', ...series('alice', [2], 12), ...series('bob', [2], 11)];
    const out = await play(steps, (forget) => withQuality(undefined, { forget }));
    const alice = out.filter((e) => e.streamId === 'alice');
    expect(alice.at(-1)!.emaMos).toBe(2); // a fresh aggregator takes the first MOS as it is
    expect(out.filter((e) => e.streamId === 'bob').at(-1)!.emaMos).toBeGreaterThan(2); // smoothed with bob's 4
    // without forgetting, alice's 2 would have been smoothed with her 4s
    const kept = await play(steps.filter((s) => s !== 'alice'), () => withQuality());
    expect(kept.filter((e) => e.streamId === 'alice').at(-1)!.emaMos).toBeGreaterThan(2);
  });

  it('degradedFor and bandChanges forget a stream: its next degradation is a new incident, its first band is new again', async () => {
    const degraded = series('alice', [2, 2, 2]);
    const again = series('alice', [2, 2, 2], 20);
    const alerts = await play([...degraded, 'alice', ...again], (forget) => (source) => source.pipe(withQuality(direct), degradedFor({ seconds: 1 }, { forget })));
    expect(alerts.map((a) => `${a.kind}@${a.at}`)).toEqual(['raised@11', 'raised@21']);
    const bands = await play([...degraded, 'alice', ...again], (forget) => (source) => source.pipe(withQuality(direct), bandChanges({ forget })));
    expect(bands.map((e) => `${e.band}@${e.end}`)).toEqual(['poor@10', 'poor@20']);
  });

  it('errors the output when the forget notifier errors', async () => {
    const forget = new Subject<string>();
    const out = collect(new Subject<ScoreEvent>().pipe(withQuality(undefined, { forget })));
    forget.error(new Error('notifier broke'));
    await expect(out).rejects.toThrow('notifier broke');
  });
});
