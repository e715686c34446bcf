// The cause model's data: the factory's clips with one degradation, the cause their recipe implies, and the
// model's features for each (core's causeFeatures: the students' dims + the measured signal).
import { existsSync, readFileSync } from 'node:fs';
import { CAUSE_CALIBRATION, CONTENT_CAUSES, diagnoseCause } from '@callmos/core';
import { causeFeatures } from '@callmos/core/pipeline';
import { dimsFile } from './clip-dims.mjs';

/**
 * What a clip's one degradation is, as a cause (fixed before any fit): the classes. Echo is none of
 * them (left out); a codec run with packet loss is a discontinuity; clipping is a level problem. The
 * train-only processing (models/training/callmos_factory/processing.py) maps the same way: denoisers,
 * devices, band switches, tandem codecs and vocoders change the sound (coloration), an Opus call with loss
 * is a discontinuity; dynamics (compressors, normalisers) are left out, being both level and colour.
 */
export function truthOf(degradation) {
  switch (degradation.type) {
    case 'noise':
      return 'noise';
    case 'reverb':
    case 'denoiser':
    case 'band_limit':
    case 'ffmpeg_denoise':
    case 'device':
    case 'bandwidth_switch':
    case 'vocoder':
      return 'coloration';
    case 'tandem':
      return (degradation.opus?.loss_pct ?? 0) > 0 ? 'discontinuity' : 'coloration';
    case 'codec':
    case 'opus_call':
      return (degradation.loss_pct ?? 0) > 0 ? 'discontinuity' : 'coloration';
    case 'packet_loss':
      return 'discontinuity';
    case 'level':
    case 'clipping':
      return 'loudness';
    default:
      return null;
  }
}

export function loadDims(split, model) {
  const file = dimsFile(split, model);
  if (!existsSync(file)) throw new Error(`${file} not found: node bench/causes/clip-dims.mjs --split ${split} --models ${model}`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Scored clips with exactly one degradation that maps to a cause. */
export function labelledRows(rows) {
  return rows
    .filter((r) => r.mos !== null && r.degradations.length === 1 && truthOf(r.degradations[0]) !== null)
    .map((r) => ({ ...r, truth: truthOf(r.degradations[0]), type: r.degradations[0].type }));
}

export function featureRows(rows, calibration = CAUSE_CALIBRATION) {
  return rows.map((r) => ({ ...r, x: causeFeatures(r.dims, r.signal, calibration) })).filter((r) => r.x !== null);
}

export function confusion(rows, calibration = CAUSE_CALIBRATION) {
  const kinds = [...CONTENT_CAUSES, 'unknown'];
  const table = Object.fromEntries(CONTENT_CAUSES.map((t) => [t, Object.fromEntries(kinds.map((p) => [p, 0]))]));
  const byType = {};
  let right = 0;
  for (const r of rows) {
    const kind = diagnoseCause(r.dims, undefined, r.signal, calibration).kind;
    table[r.truth][kind] += 1;
    right += kind === r.truth ? 1 : 0;
    byType[r.type] ??= { n: 0, right: 0 };
    byType[r.type].n += 1;
    byType[r.type].right += kind === r.truth ? 1 : 0;
  }
  return { table, byType, accuracy: rows.length ? right / rows.length : 0, n: rows.length };
}
