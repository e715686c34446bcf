/**
 * Per-stream smoothing of window scores into what a badge or dashboard shows: an exponential moving
 * average of MOS and a good / fair / poor band with hysteresis, so one odd window neither swings the
 * number nor makes the badge flicker between bands.
 */
import type { QualityBand, QualityCause, ScoreEvent } from '../events.js';
import { diagnoseCause } from './cause.js';

export interface QualityAggregatorConfig {
  /**
   * EMA time constant in seconds of stream time (default 5). Each scored window moves the EMA by
   * 1 - exp(-dt / timeConstantSec) of the way to its MOS, dt being the stream time since the previous
   * scored window, so the smoothing is the same whatever the model's window hop. 0 disables smoothing.
   */
  timeConstantSec?: number;
  /** EMA at or above this is 'good' (default 3.4, see DEFAULT_QUALITY_CONFIG) */
  goodAtLeast?: number;
  /** EMA below this is 'poor' (default 2.5) */
  poorBelow?: number;
  /** to cross a threshold the EMA must pass it by this much (default 0.1) */
  hysteresis?: number;
}

export type ResolvedQualityConfig = Readonly<Required<QualityAggregatorConfig>>;

/**
 * Bands on the scale of the shipped models, i.e. of their teacher ensemble (mean of NISQA MOS and DNSMOS
 * P.808), which rates even studio speech well below 5. Measured on the factory's 832 undegraded LibriSpeech
 * clips: ensemble median 3.95, 10th percentile 3.41; on clips with noise at 0-3 dB SNR: median 1.98, 75th
 * percentile 2.34. So 'good' starts at 3.4 (nine in ten clean recordings are good) and 'poor' under 2.5
 * (the ACR midpoint between "poor" and "fair"; three in four 0-3 dB clips are poor). With hysteresis 0.1 a
 * stream enters 'good' at 3.5 and leaves it under 3.3, enters 'poor' under 2.4 and leaves it at 2.6.
 */
export const DEFAULT_QUALITY_CONFIG: ResolvedQualityConfig = Object.freeze({
  timeConstantSec: 5,
  goodAtLeast: 3.4,
  poorBelow: 2.5,
  hysteresis: 0.1,
});

/** Defaults filled in and every problem of the config reported in one RangeError. */
export function resolveQualityConfig(config: QualityAggregatorConfig = {}): ResolvedQualityConfig {
  const problems: string[] = [];
  for (const key of Object.keys(config)) {
    if (!(key in DEFAULT_QUALITY_CONFIG)) problems.push(`unknown option "${key}"`);
  }
  const resolved = { ...DEFAULT_QUALITY_CONFIG, ...definedOnly(config) };
  const { timeConstantSec, goodAtLeast, poorBelow, hysteresis } = resolved;
  for (const [key, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(`${key} must be a finite number, got ${String(value)}`);
    }
  }
  if (problems.length === 0) {
    if (timeConstantSec < 0) problems.push(`timeConstantSec must be >= 0, got ${timeConstantSec}`);
    if (hysteresis < 0) problems.push(`hysteresis must be >= 0, got ${hysteresis}`);
    if (goodAtLeast <= poorBelow) problems.push(`goodAtLeast (${goodAtLeast}) must be above poorBelow (${poorBelow})`);
    // Otherwise an EMA could be held in 'good' and in 'poor' at once by the two hystereses.
    else if (goodAtLeast - hysteresis < poorBelow + hysteresis) {
      problems.push(
        `hysteresis ${hysteresis} is too wide: the fair band (${poorBelow}..${goodAtLeast}) must be at least 2 x hysteresis wide`,
      );
    }
  }
  if (problems.length > 0) throw new RangeError(`invalid quality aggregator config: ${problems.join('; ')}`);
  return Object.freeze(resolved);
}

function definedOnly(config: QualityAggregatorConfig): QualityAggregatorConfig {
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
}

/** A threshold with hysteresis: flips above only at threshold + margin, below only under threshold - margin. */
class SchmittTrigger {
  private above: boolean;

  constructor(
    private readonly threshold: number,
    private readonly margin: number,
    initial: number,
  ) {
    this.above = initial >= threshold;
  }

  update(value: number): boolean {
    if (this.above ? value < this.threshold - this.margin : value >= this.threshold + this.margin) {
      this.above = !this.above;
    }
    return this.above;
  }
}

/** The aggregator's running state, updated in place (it never leaves the class). */
interface SmoothedState {
  ema: number;
  /** each dim smoothed like the MOS: the cause is read from these, not from one window's */
  emaDims: Record<string, number>;
  /** the cause read at the last scored window (a window not scored, a pause, carries it on like the band) */
  cause?: QualityCause;
  /** stream time of the last scored window's end, s */
  at: number;
  band: QualityBand;
  good: SchmittTrigger;
  notPoor: SchmittTrigger;
}

/**
 * EMA + band for ONE stream. `update` returns a new event with `emaMos` and `band` (the input is not
 * touched). Not-scored windows (silence, skipped, errors) leave EMA and band as they are and carry them
 * on; before the first scored window an event has neither. If stream time goes backwards the stream is
 * taken to have restarted under the same id and smoothing starts afresh.
 */
export class QualityAggregator {
  private readonly config: ResolvedQualityConfig;
  private streamId: string | undefined;
  private state: SmoothedState | undefined;

  constructor(config?: QualityAggregatorConfig) {
    this.config = resolveQualityConfig(config);
  }

  /** current smoothed MOS; undefined before the first scored window */
  get emaMos(): number | undefined {
    return this.state?.ema;
  }

  /** current band; undefined before the first scored window */
  get band(): QualityBand | undefined {
    return this.state?.band;
  }

  update(event: ScoreEvent): ScoreEvent {
    this.bindStream(event.streamId);
    if (event.scored) this.observe(event);
    // Never pass on an emaMos/band this aggregator did not compute.
    const { emaMos: _staleEma, band: _staleBand, cause: _staleCause, ...rest } = event;
    if (this.state === undefined) return rest;
    const smoothed: ScoreEvent = { ...rest, emaMos: this.state.ema, band: this.state.band };
    // why it sounds as it does, once it is not good: from the smoothed dims, the scored window's measured
    // signal and its network figures (a model without dims gives no cause)
    if (this.state.band === 'good' || Object.keys(this.state.emaDims).length === 0) this.state.cause = undefined;
    else if (event.scored) this.state.cause = diagnoseCause({ ...this.state.emaDims }, event.network, event.signal);
    if (this.state.cause !== undefined) smoothed.cause = this.state.cause;
    return smoothed;
  }

  private bindStream(streamId: string): void {
    this.streamId ??= streamId;
    if (streamId !== this.streamId) {
      throw new Error(
        `QualityAggregator is per stream: it follows "${this.streamId}" and got an event of "${streamId}"` +
          ' (use withQuality() for many streams)',
      );
    }
  }

  private observe({ mos, end, start, dims }: ScoreEvent): void {
    if (typeof mos !== 'number' || !Number.isFinite(mos) || !Number.isFinite(end)) {
      throw new RangeError(
        `stream "${this.streamId}": scored window ${start}..${end} s needs a finite mos and end, got mos ${String(mos)}`,
      );
    }
    const state = this.state;
    if (state === undefined || end < state.at) {
      this.state = this.initialState(mos, end, dims);
      return;
    }
    const { timeConstantSec } = this.config;
    const weight = timeConstantSec === 0 ? 1 : 1 - Math.exp(-(end - state.at) / timeConstantSec);
    state.ema += weight * (mos - state.ema);
    for (const [name, value] of Object.entries(dims)) {
      if (!Number.isFinite(value)) continue;
      const last = state.emaDims[name];
      state.emaDims[name] = last === undefined ? value : last + weight * (value - last);
    }
    state.at = end;
    state.band = bandOf(state.good.update(state.ema), state.notPoor.update(state.ema));
  }

  private initialState(mos: number, at: number, dims: Record<string, number>): SmoothedState {
    const { goodAtLeast, poorBelow, hysteresis } = this.config;
    const good = new SchmittTrigger(goodAtLeast, hysteresis, mos);
    const notPoor = new SchmittTrigger(poorBelow, hysteresis, mos);
    const emaDims = Object.fromEntries(Object.entries(dims).filter(([, v]) => Number.isFinite(v)));
    return { ema: mos, emaDims, at, good, notPoor, band: bandOf(good.update(mos), notPoor.update(mos)) };
  }
}

function bandOf(good: boolean, notPoor: boolean): QualityBand {
  return good ? 'good' : notPoor ? 'fair' : 'poor';
}
