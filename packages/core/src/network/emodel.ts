/**
 * Network MOS from RTP statistics with the ITU-T E-model: G.107 for narrowband codecs, G.107.1 (wideband,
 * R up to 129) for wideband codecs such as Opus. It rates what the network and codec do to a call
 * (delay, loss, codec distortion), independently of the content-based MOS the model predicts.
 *
 * Mouth-to-ear one-way delay, Ta (ms), from what a receiver knows:
 *   Ta = RTT / 2                  network, assuming a symmetric path
 *      + jitter buffer            measured when the host has it (WebRTC: jitterBufferDelay /
 *                                 jitterBufferEmittedCount), else assumed 2 x interarrival jitter
 *      + codec delay              one packet of frames + encoder look-ahead (see codecs.ts)
 * Audio device buffers (capture and playout, often 10-40 ms) are not in the stats and are left out, so Ta
 * and Idd err low; below Ta = 100 ms Idd is 0 anyway.
 */
import type { NetworkQuality } from '../events.js';
import { resolveCodec, type CodecImpairment, type EModelBand } from './codecs.js';
import {
  BASIC_SIGNAL_TO_NOISE,
  delayImpairment,
  effectiveEquipmentImpairment,
  mosFromR,
  simultaneousImpairment,
  type DelayImpairment,
} from './g107.js';
import { WIDEBAND_R_MAX, WIDEBAND_SCALE, widebandDelayImpairment } from './g107-wideband.js';
import { requireFiniteInRange } from './validate.js';

export interface RFactorInput {
  /** equipment impairment: Ie for narrowband, Ie,WB for wideband */
  ie: number;
  /** packet-loss robustness factor */
  bpl: number;
  /** packet loss, percent (0..100), including packets the jitter buffer discarded as late */
  lossPct: number;
  /** G.107 BurstR: 1 for random loss (default), > 1 for bursty loss */
  burstRatio?: number;
  /** mouth-to-ear one-way delay Ta, ms */
  oneWayDelayMs: number;
  /** which E-model; default 'narrowband' */
  band?: EModelBand;
}

export interface RFactorBreakdown extends DelayImpairment {
  band: EModelBand;
  /** basic signal-to-noise ratio Ro (129 on the wideband scale) */
  ro: number;
  /** simultaneous impairment Is (0 on the wideband scale) */
  is: number;
  /** effective equipment impairment Ie,eff */
  ieEff: number;
  /** R = Ro - Is - Id - Ie,eff on the band's own scale (narrowband <= ~93.2, wideband <= 129); may be < 0 */
  r: number;
  /** R on the 0..100 narrowband scale: r for narrowband, r / 1.29 for wideband (G.107.1 Annex A) */
  rNarrowbandScale: number;
  /** MOS_CQE (narrowband) or MOS_CQEW (wideband), 1..4.5 */
  mos: number;
}

/** Every term of the E-model for one operating point. Throws a RangeError on a bad input. */
export function rFactorBreakdown(input: RFactorInput): RFactorBreakdown {
  const { ie, bpl, lossPct, burstRatio = 1, oneWayDelayMs: taMs, band = 'narrowband' } = input;
  requireFiniteInRange('oneWayDelayMs', taMs, { min: 0 });
  const ieEff = effectiveEquipmentImpairment(ie, bpl, lossPct, burstRatio);
  if (band === 'wideband') {
    const delay = widebandDelayImpairment(taMs);
    const r = WIDEBAND_R_MAX - delay.id - ieEff;
    const rNarrowbandScale = r / WIDEBAND_SCALE;
    return { band, ro: WIDEBAND_R_MAX, is: 0, ...delay, ieEff, r, rNarrowbandScale, mos: mosFromR(rNarrowbandScale) };
  }
  if (band !== 'narrowband') throw new RangeError(`band must be 'narrowband' or 'wideband', got ${String(band)}`);
  const delay = delayImpairment(taMs);
  // G.107: the echo-path delay T (= Ta here, see delayImpairment) also enters Is through STMRo.
  const is = simultaneousImpairment(taMs);
  const r = BASIC_SIGNAL_TO_NOISE - is - delay.id - ieEff;
  return { band, ro: BASIC_SIGNAL_TO_NOISE, is, ...delay, ieEff, r, rNarrowbandScale: r, mos: mosFromR(r) };
}

/** The transmission rating R on the band's own scale (see `RFactorBreakdown.r`). */
export function rFactor(input: RFactorInput): number {
  return rFactorBreakdown(input).r;
}

export interface OneWayDelayInput {
  rttMs: number;
  jitterMs: number;
  /** measured jitter-buffer delay; default 2 x jitterMs */
  jitterBufferMs?: number;
  codecDelayMs: number;
}

/** Mouth-to-ear delay estimate Ta, ms (see the file comment for what it includes). */
export function oneWayDelayMs({ rttMs, jitterMs, jitterBufferMs, codecDelayMs }: OneWayDelayInput): number {
  requireFiniteInRange('rttMs', rttMs, { min: 0 });
  requireFiniteInRange('jitterMs', jitterMs, { min: 0 });
  requireFiniteInRange('codecDelayMs', codecDelayMs, { min: 0 });
  const buffer =
    jitterBufferMs === undefined ? 2 * jitterMs : requireFiniteInRange('jitterBufferMs', jitterBufferMs, { min: 0 });
  return rttMs / 2 + buffer + codecDelayMs;
}

export interface NetworkQualityInput {
  /** packet loss, percent 0..100 (lost + discarded late) */
  lossPct: number;
  /** interarrival jitter, ms (RFC 3550; WebRTC reports seconds) */
  jitterMs: number;
  /** round-trip time, ms */
  rttMs: number;
  /** 'opus', 'PCMU', 'audio/G722', ... or a custom CodecImpairment */
  codec: string | CodecImpairment;
  /** G.107 BurstR: 1 random loss (default), > 1 bursty */
  burstRatio?: number;
  /** measured jitter-buffer delay, ms; default 2 x jitterMs */
  jitterBufferMs?: number;
}

/**
 * Network MOS for the telemetry contract. `r` is on the 0..100 narrowband scale for every codec (a
 * wideband R divided by 1.29, clamped) so that `mos` = G.107 Annex B of `r`. Wideband codecs therefore
 * top out at 4.5 (clean wideband) and narrowband ones at 4.41 (clean G.711), each on its own standard
 * listening-context scale. Throws a RangeError on negative, NaN or out-of-range input and unknown codecs.
 */
export function networkQuality(input: NetworkQualityInput): NetworkQuality {
  const { lossPct, jitterMs, rttMs, burstRatio, jitterBufferMs } = input;
  requireFiniteInRange('lossPct', lossPct, { min: 0, max: 100 });
  const codec = resolveCodec(input.codec);
  const taMs = oneWayDelayMs({ rttMs, jitterMs, jitterBufferMs, codecDelayMs: codec.codecDelayMs });
  const rating = rFactorBreakdown({
    ie: codec.ie,
    bpl: codec.bpl,
    lossPct,
    burstRatio,
    oneWayDelayMs: taMs,
    band: codec.band,
  });
  const r = Math.min(100, Math.max(0, rating.rNarrowbandScale));
  return { mos: rating.mos, r, lossPct, jitterMs, rttMs, codec: codec.name };
}
