/**
 * ITU-T G.107.1 (06/2015) wideband E-model (50-7000 Hz), as far as a receiver of RTP statistics can use it.
 *
 * The wideband R scale runs to 129 instead of 100: a clean wideband channel has Ro,WB = 129 and
 * Is,WB = 0 (G.107.1 clauses 7.2, 7.3, defaults of 7.7). Ie,eff,WB is the narrowband eq. 7-29 with
 * Ie,WB (G.107.1 eq. 7-15 keeps the constant 95), see `effectiveEquipmentImpairment`.
 *
 * Delay, Id,WB: G.107.1 scales the absolute-delay term by the scale ratio, Idd,WB = 1.29 Idd. Its echo
 * terms use wideband-specific echo-loss corrections that need terminal data we do not have, so here
 * ALL of Id is the narrowband G.107 value at its defaults times 1.29 — exact for Idd, and an
 * approximation for the small echo terms that errs on the pessimistic side (at Ta = 150 ms it charges
 * ~3 R_WB points more than G.107.1's own echo terms would at default echo losses).
 *
 * MOS: G.107.1 Annex A maps a wideband R to MOS with the G.107 Annex B polynomial applied to R_WB / 1.29,
 * so a clean wideband channel scores 4.5. That MOS is on the wideband listening-context scale; the
 * narrowband model's 4.41 ceiling for G.711 is on the narrowband one.
 */
import { delayImpairment, mosFromR, type DelayImpairment } from './g107.js';
import { requireFiniteInRange } from './validate.js';

/** Ro,WB - Is,WB at the G.107.1 defaults: the best wideband rating. */
export const WIDEBAND_R_MAX = 129;

/** R_WB / WIDEBAND_SCALE is the narrowband-equivalent rating fed to the Annex B polynomial (Annex A). */
export const WIDEBAND_SCALE = 1.29;

/** Id,WB for one-way delay Ta (ms): the narrowband terms scaled to the 129 scale (see the file comment). */
export function widebandDelayImpairment(taMs: number): DelayImpairment {
  const nb = delayImpairment(taMs);
  return {
    idte: nb.idte * WIDEBAND_SCALE,
    idle: nb.idle * WIDEBAND_SCALE,
    idd: nb.idd * WIDEBAND_SCALE,
    id: nb.id * WIDEBAND_SCALE,
  };
}

/** MOS from a wideband R (0..129), G.107.1 Annex A: Annex B polynomial of R_WB / 1.29, clamped to 1..4.5. */
export function mosFromWidebandR(rWideband: number): number {
  requireFiniteInRange('R_WB', rWideband);
  return mosFromR(rWideband / WIDEBAND_SCALE);
}
