/**
 * RxJS operators over ScoreEvent streams (many streams interleaved, told apart by `streamId`).
 * Each keeps its per-stream state per subscription, so every subscription starts fresh and nothing is
 * shared between subscribers; none creates a Subject. A long-lived source whose streams come and go (an
 * SFU's producers) passes `forget`: each streamId it emits drops that stream's state, so the state held
 * is bounded by the streams alive rather than by every stream ever seen.
 */
import { Observable, filter, map, type MonoTypeOperatorFunction, type OperatorFunction } from 'rxjs';
import type { QualityBand, QualityCause, ScoreEvent } from '../events.js';
import {
  DEFAULT_QUALITY_CONFIG,
  QualityAggregator,
  resolveQualityConfig,
  type QualityAggregatorConfig,
} from './aggregator.js';

/** A scored window: `mos` is a number. */
export type ScoredEvent = ScoreEvent & { scored: true; mos: number };

/** How the per-stream operators learn that a stream has ended. */
export interface PerStreamOptions {
  /**
   * streamIds whose state is dropped (their stream ended): a later event of the same id starts afresh.
   * An error here errors the output; its completion changes nothing.
   */
  forget?: Observable<string>;
}

/** Runs `pipeline` on the source with a per-subscription Map of per-stream state. */
function perStream<S, I, O>(
  createState: (streamId: string) => S,
  pipeline: (stateOf: (streamId: string) => S) => OperatorFunction<I, O>,
  options: PerStreamOptions = {},
): OperatorFunction<I, O> {
  return (source) =>
    new Observable<O>((subscriber) => {
      const states = new Map<string, S>();
      const stateOf = (streamId: string): S => {
        let state = states.get(streamId);
        if (state === undefined) states.set(streamId, (state = createState(streamId)));
        return state;
      };
      const forgetting = options.forget?.subscribe({
        next: (streamId) => void states.delete(streamId),
        error: (err: unknown) => subscriber.error(err),
      });
      const output = source.pipe(pipeline(stateOf)).subscribe(subscriber);
      return () => {
        forgetting?.unsubscribe();
        output.unsubscribe();
      };
    });
}

/** Fills `emaMos` and `band` on every event, one QualityAggregator per streamId. Validates the config now. */
export function withQuality(config?: QualityAggregatorConfig, options?: PerStreamOptions): MonoTypeOperatorFunction<ScoreEvent> {
  const resolved = resolveQualityConfig(config);
  return perStream(
    () => new QualityAggregator(resolved),
    (aggregatorOf) => map((event: ScoreEvent) => aggregatorOf(event.streamId).update(event)),
    options,
  );
}

/**
 * Only the events where a stream's band differs from its previous band (its first band included).
 * Needs withQuality() upstream; events without a band are dropped.
 */
export function bandChanges(options?: PerStreamOptions): MonoTypeOperatorFunction<ScoreEvent> {
  return perStream(
    (): { band?: QualityBand } => ({}),
    (lastOf) =>
      filter((event: ScoreEvent) => {
        const last = lastOf(event.streamId);
        if (event.band === undefined || event.band === last.band) return false;
        last.band = event.band;
        return true;
      }),
    options,
  );
}

/** Only scored windows, typed so that `mos` is a number. */
export function scoredOnly(): OperatorFunction<ScoreEvent, ScoredEvent> {
  return filter((event: ScoreEvent): event is ScoredEvent => event.scored && typeof event.mos === 'number');
}

export const QUALITY_ALERT_VERSION = 1 as const;

/** A degraded-stream alert (JSON-serialisable). Times are stream time in seconds, like ScoreEvent start/end. */
export interface QualityAlert {
  v: typeof QUALITY_ALERT_VERSION;
  kind: 'raised' | 'cleared';
  streamId: string;
  /** when the degradation began (end of its first degraded window); the same in an incident's raised and cleared alerts */
  since: number;
  /** end of the window that triggered this alert */
  at: number;
  /** smoothed MOS (emaMos) at `at` */
  mos: number;
  /** band at `at` */
  band: QualityBand;
  /** human-readable cause, e.g. "band poor for 10.0 s" */
  reason: string;
  /** what is wrong (noise, network, ...), with its evidence: read when the alert was raised; a 'cleared' alert repeats its incident's */
  cause?: QualityCause;
}

export interface DegradedForOptions {
  /** how long (s of stream time) a stream must stay degraded before an alert is raised */
  seconds: number;
  /** how long it must stay recovered before the alert is cleared; default `seconds` */
  clearSeconds?: number;
  /** degraded while emaMos < threshold, recovered once emaMos >= threshold + margin. Exclusive with `band`. */
  threshold?: number;
  /** with `threshold`: how far above it the EMA must come back (default: the aggregator's hysteresis, 0.1) */
  margin?: number;
  /** degraded while the band is this or worse: 'fair' or 'poor' (the default when no threshold is given) */
  band?: Exclude<QualityBand, 'good'>;
}

const BAND_RANK: Readonly<Record<QualityBand, number>> = { good: 0, fair: 1, poor: 2 };

/** Decides, from one scored event, whether its stream counts as degraded right now. */
type DegradationTest = (event: SmoothedEvent, wasDegraded: boolean) => boolean;

interface DegradationRule {
  raiseAfter: number;
  clearAfter: number;
  isDegraded: DegradationTest;
  /** reason texts, completed with " for N s" */
  degradedReason: string;
  recoveredReason: string;
}

type SmoothedEvent = ScoreEvent & { emaMos: number; band: QualityBand };

const DEGRADED_FOR_OPTIONS: readonly string[] = ['seconds', 'clearSeconds', 'threshold', 'margin', 'band'];

function degradationRule(options: DegradedForOptions): DegradationRule {
  const given: Partial<DegradedForOptions> = options ?? {};
  const { seconds, clearSeconds = seconds, threshold, margin = DEFAULT_QUALITY_CONFIG.hysteresis, band } = given;
  const problems = Object.keys(given)
    .filter((key) => !DEGRADED_FOR_OPTIONS.includes(key))
    .map((key) => `unknown option "${key}"`);
  const check = (name: string, value: unknown, need: string, ok: (v: number) => boolean = () => true) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
      problems.push(`${name} must be ${need}, got ${String(value)}`);
    }
  };
  check('seconds', seconds, 'a finite number >= 0', (v) => v >= 0);
  check('clearSeconds', clearSeconds, 'a finite number >= 0', (v) => v >= 0);
  check('margin', margin, 'a finite number >= 0', (v) => v >= 0);
  if (threshold !== undefined) check('threshold', threshold, 'a finite number');
  if (threshold !== undefined && band !== undefined) problems.push('give threshold or band, not both');
  if (band !== undefined && band !== 'fair' && band !== 'poor') {
    problems.push(`band must be 'fair' or 'poor', got ${String(band)}`);
  }
  if (problems.length > 0) throw new RangeError(`invalid degradedFor options: ${problems.join('; ')}`);
  const timing = { raiseAfter: seconds as number, clearAfter: clearSeconds as number };

  if (threshold !== undefined) {
    const recovered = threshold + margin;
    return {
      ...timing,
      // A Schmitt trigger on the EMA: between the two lines the stream keeps its state.
      isDegraded: (e, was) => e.emaMos < (was ? recovered : threshold),
      degradedReason: `smoothed MOS below ${threshold}`,
      recoveredReason: `smoothed MOS back at or above ${recovered}`,
    };
  }
  const worstAllowed = band ?? 'poor';
  return {
    ...timing,
    // The band has its own hysteresis (QualityAggregator), so no second one here.
    isDegraded: (e) => BAND_RANK[e.band] >= BAND_RANK[worstAllowed],
    degradedReason: worstAllowed === 'poor' ? 'band poor' : 'band fair or poor',
    recoveredReason: worstAllowed === 'poor' ? 'band back above poor' : 'band back to good',
  };
}

/** Raise/clear logic for one stream: the degraded state must persist for a while before the alert flips. */
class DegradationTracker {
  private degraded = false;
  private alertSince: number | undefined;
  private alertCause: QualityCause | undefined;
  /** when the degraded state started to disagree with the alert state */
  private disagreeingSince: number | undefined;

  constructor(private readonly rule: DegradationRule) {}

  observe(event: SmoothedEvent): QualityAlert | undefined {
    const at = event.end;
    this.degraded = this.rule.isDegraded(event, this.degraded);
    const alerted = this.alertSince !== undefined;
    if (this.degraded === alerted) {
      this.disagreeingSince = undefined;
      return undefined;
    }
    // A restarted stream (time went back) starts the waiting period again.
    if (this.disagreeingSince === undefined || at < this.disagreeingSince) this.disagreeingSince = at;
    const held = at - this.disagreeingSince;
    if (held < (alerted ? this.rule.clearAfter : this.rule.raiseAfter)) return undefined;

    const since = this.alertSince ?? this.disagreeingSince;
    this.alertSince = alerted ? undefined : this.disagreeingSince;
    this.disagreeingSince = undefined;
    const cause = alerted ? this.alertCause : event.cause;
    this.alertCause = alerted ? undefined : event.cause;
    const alert: QualityAlert = {
      v: QUALITY_ALERT_VERSION,
      kind: alerted ? 'cleared' : 'raised',
      streamId: event.streamId,
      since,
      at,
      mos: event.emaMos,
      band: event.band,
      reason: `${this.degraded ? this.rule.degradedReason : this.rule.recoveredReason} for ${held.toFixed(1)} s`,
    };
    if (cause !== undefined) alert.cause = cause;
    return alert;
  }
}

/**
 * Per stream, a 'raised' alert once the stream has been degraded for `seconds` of stream time and a
 * 'cleared' alert once it has been recovered for `clearSeconds`; flapping in between raises nothing.
 * Needs withQuality() upstream (a scored event without emaMos is an error). Not-scored windows are
 * ignored: silence neither starts nor ends a degradation, but stream time keeps running across it.
 * Validates the options now. A stream forgotten (see PerStreamOptions) with an alert raised gets no
 * 'cleared' from here: whoever ends the stream says how it ended.
 */
export function degradedFor(options: DegradedForOptions, perStreamOptions?: PerStreamOptions): OperatorFunction<ScoreEvent, QualityAlert> {
  const rule = degradationRule(options);
  return perStream(
    () => new DegradationTracker(rule),
    (trackerOf) => (source) =>
      source.pipe(
        filter((event) => event.scored),
        map((event) => trackerOf(event.streamId).observe(requireSmoothed(event))),
        filter((alert): alert is QualityAlert => alert !== undefined),
      ),
    perStreamOptions,
  );
}

function requireSmoothed(event: ScoreEvent): SmoothedEvent {
  if (typeof event.emaMos !== 'number' || event.band === undefined) {
    throw new Error(
      `degradedFor needs events from withQuality(): stream "${event.streamId}" window ending ${event.end} s has no emaMos/band`,
    );
  }
  return event as SmoothedEvent;
}
