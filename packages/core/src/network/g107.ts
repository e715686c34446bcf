/**
 * ITU-T G.107 (06/2015) narrowband E-model, clause 7, evaluated at the Table 3 default parameters.
 *
 *   R = Ro - Is - Id - Ie,eff + A        (eq. 7-1; A = 0: fixed-line expectation, no advantage)
 *
 * Why compute Ro and Is instead of storing 93.2: the Recommendation's well-known "R = 93.2 at default
 * values" is the *result* of eqs. 7-2..7-17 (Ro ~ 94.77, Is ~ 1.41, Idle ~ 0.15); computing it keeps the
 * test against 93.2 meaningful and keeps the delay terms (which share No and Ro) consistent with it.
 *
 * The terminal/loop parameters (loudness ratings, sidetone, echo losses, noise) are not observable from
 * RTP statistics, so they stay at the G.107 defaults. Only the delay, the codec (Ie, Bpl) and the packet
 * loss (Ppl, BurstR) vary. Delays are in milliseconds as in the Recommendation.
 */
import { requireFiniteInRange } from './validate.js';

/** G.107 Table 3 default values for the parameters this module does not expose. */
export const G107_DEFAULTS = Object.freeze({
  /** send / receive loudness ratings, dB */
  slr: 8,
  rlr: 2,
  /** sidetone masking rating and listener sidetone rating, dB (LSTR = STMR + Dr, Dr = 3) */
  stmr: 15,
  lstr: 18,
  /** D-value of the telephone, send side */
  ds: 3,
  /** talker echo loudness rating, dB */
  telr: 65,
  /** weighted echo path loss, dB */
  wepl: 110,
  /** quantizing distortion units */
  qdu: 1,
  /** circuit noise dBm0p, noise floor at the receive side dBmp */
  nc: -70,
  nfor: -64,
  /** room noise at the send / receive side, dB(A) */
  ps: 35,
  pr: 35,
} as const);

const P = G107_DEFAULTS;
const log10 = Math.log10;

/** Total noise power No, dBm0p (eqs. 7-3..7-7): circuit noise + room noise at both ends + noise floor. */
function totalNoise(): number {
  const olr = P.slr + P.rlr;
  const nos = P.ps - P.slr - P.ds - 100 + 0.004 * (P.ps - olr - P.ds - 14) ** 2;
  const pre = P.pr + 10 * log10(1 + 10 ** ((10 - P.lstr) / 10));
  const nor = P.rlr - 121 + pre + 0.008 * (pre - 35) ** 2;
  const nfo = P.nfor + P.rlr;
  return 10 * log10(10 ** (P.nc / 10) + 10 ** (nos / 10) + 10 ** (nor / 10) + 10 ** (nfo / 10));
}

const NO = totalNoise();

/** Basic signal-to-noise ratio Ro (eq. 7-2); ~94.77 at the defaults. */
export const BASIC_SIGNAL_TO_NOISE = 15 - 1.5 * (P.slr + NO);

/** Is = Iolr + Ist + Iq (eqs. 7-8..7-17). Ist depends on the echo-path delay T (ms) through STMRo. */
export function simultaneousImpairment(tMs: number): number {
  requireFiniteInRange('T (echo path delay, ms)', tMs, { min: 0 });
  const olr = P.slr + P.rlr;
  const xolr = olr + 0.2 * (64 + NO - P.rlr);
  const iolr = 20 * ((1 + (xolr / 8) ** 8) ** (1 / 8) - xolr / 8);

  const stmro = -10 * log10(10 ** (-P.stmr / 10) + Math.exp(-tMs / 4) * 10 ** (-P.telr / 10));
  const ist =
    12 * (1 + ((stmro - 13) / 6) ** 8) ** (1 / 8) -
    28 * (1 + ((stmro + 1) / 19.4) ** 35) ** (1 / 35) -
    13 * (1 + ((stmro - 3) / 33) ** 13) ** (1 / 13) +
    29;

  const q = 37 - 15 * log10(P.qdu);
  const g = 1.07 + 0.258 * q + 0.0602 * q * q;
  const y = (BASIC_SIGNAL_TO_NOISE - 100) / 15 + 46 / 8.4 - g / 9;
  const z = 46 / 30 - g / 40;
  const iq = 15 * log10(1 + 10 ** y + 10 ** z);
  return iolr + ist + iq;
}

/** Talker echo impairment Idte (eqs. 7-19..7-23) for mean one-way echo path delay T (ms). */
export function talkerEchoImpairment(tMs: number): number {
  requireFiniteInRange('T (echo path delay, ms)', tMs, { min: 0 });
  if (tMs === 0) return 0; // an echo with no delay is sidetone (and the formula would give -0)
  const terv = P.telr - 40 * log10((1 + tMs / 10) / (1 + tMs / 150)) + 6 * Math.exp(-0.3 * tMs * tMs);
  const roe = -1.5 * (NO - P.rlr);
  const re = 80 + 2.5 * (terv - 14);
  const d = roe - re;
  // (1 - e^-T): echo arriving within ~1 ms is heard as sidetone, not echo.
  return (d / 2 + Math.sqrt((d * d) / 4 + 100) - 1) * (1 - Math.exp(-tMs));
}

/** Listener echo impairment Idle (eqs. 7-24, 7-25) for round-trip delay Tr (ms) in the 4-wire loop. */
export function listenerEchoImpairment(trMs: number, ro: number = BASIC_SIGNAL_TO_NOISE): number {
  requireFiniteInRange('Tr (round-trip delay, ms)', trMs, { min: 0 });
  const rle = 10.5 * (P.wepl + 7) * (trMs + 1) ** -0.25;
  const d = ro - rle;
  return d / 2 + Math.sqrt((d * d) / 4 + 169);
}

/**
 * Absolute delay impairment Idd (eqs. 7-26, 7-27) for one-way mouth-to-ear delay Ta (ms):
 * 0 up to 100 ms, then 25{(1 + X^6)^(1/6) - 3(1 + (X/3)^6)^(1/6) + 2} with X = log10(Ta/100)/log10(2).
 * (G.107 (06/2015) writes it with mT = 100 ms and sT = 1, their defaults; this is that case.)
 */
export function absoluteDelayImpairment(taMs: number): number {
  requireFiniteInRange('Ta (one-way delay, ms)', taMs, { min: 0 });
  if (taMs <= 100) return 0;
  const x = log10(taMs / 100) / log10(2);
  return 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2);
}

export interface DelayImpairment {
  /** talker echo */
  idte: number;
  /** listener echo */
  idle: number;
  /** absolute delay */
  idd: number;
  /** Id = Idte + Idle + Idd */
  id: number;
}

/**
 * Id = Idte + Idle + Idd for a connection whose only known delay is the one-way mouth-to-ear delay Ta.
 * Assumption (no echo-path measurements exist in RTP stats): the echo path is the transmission path,
 * T = Ta and Tr = 2 Ta, with the default echo losses TELR = 65 dB and WEPL = 110 dB (an echo-cancelled
 * terminal, which is what WebRTC's AEC aims for).
 */
export function delayImpairment(taMs: number): DelayImpairment {
  const idte = talkerEchoImpairment(taMs);
  const idle = listenerEchoImpairment(2 * taMs);
  const idd = absoluteDelayImpairment(taMs);
  return { idte, idle, idd, id: idte + idle + idd };
}

/**
 * Effective equipment impairment Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl/BurstR + Bpl) (eq. 7-29).
 * Ppl is the packet loss in percent; BurstR = 1 for random loss, > 1 for bursty loss (worse).
 * G.107.1 (eq. 7-15) keeps the same 95 on the wideband scale, so this serves both.
 */
export function effectiveEquipmentImpairment(ie: number, bpl: number, lossPct: number, burstRatio = 1): number {
  requireFiniteInRange('Ie', ie, { min: 0, max: 95 });
  requireFiniteInRange('Bpl', bpl, { above: 0 });
  requireFiniteInRange('lossPct', lossPct, { min: 0, max: 100 });
  requireFiniteInRange('burstRatio', burstRatio, { min: 1 });
  return ie + ((95 - ie) * lossPct) / (lossPct / burstRatio + bpl);
}

/**
 * MOS (conversational quality, MOS_CQE) from R, G.107 Annex B eq. B-4:
 * 1 for R < 0, 1 + 0.035R + R(R-60)(100-R)7e-6 for 0 < R < 100, 4.5 for R > 100.
 */
export function mosFromR(r: number): number {
  requireFiniteInRange('R', r);
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}
