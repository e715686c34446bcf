/**
 * What a window's frame energies say about its signal, measured rather than predicted: how loud the
 * speech is, how high the floor under it sits, and how often it drops to digital silence for a packet or
 * a few. The cause of a bad score reads these beside the students' dims (cause.ts): a student's loudness
 * dim hardly moves with the level, and a floor that rises in the pauses is noise whatever a codec does to
 * the dims. From the STFT's 20 ms frame energies every 10 ms (StftFrame.energyDb), computed once already
 * for the speech gate, their peaks (StftFrame.peak) for clipping, and the window's compressed spectrum (the
 * model's input) for the bandwidth a codec or a band limit left: no extra pass over the audio.
 */

import type { FrameRows } from '../dsp/window-frames.js';
import type { SignalEvidence } from '../events.js';

const SILENT_DB = -100;
const NONE_DB = -120;
const MAX_DROPOUT_FRAMES = 8;
/** active frames within this many frames on both sides make a silent run a dropout rather than a pause */
const FLANK_FRAMES = 3;
const FRAME_SECONDS = 0.01;
/** the fall is measured over this many 10 ms frames (50 ms: a dry word ending reaches the floor; a room's tail of RT60 0.5 s falls 6 dB) */
const FALL_FRAMES = 5;
/** frames within this many dB of the level are where the speech can fall from */
const FALL_FROM_DB = 15;
/** the percentile of the falls that stands for the fastest (not the maximum: one frame's glitch is not a word's end) */
const FALL_PERCENTILE = 0.95;

/**
 * The spectrum the bandwidth is read from: the model's input window, [2, bins, frames], frames fastest, or
 * (cheaper) its active frames' power per bin already summed (FrameWindow.activePower, same frames as the
 * `activeAboveDb` given to signalEvidence).
 */
export interface WindowSpectrum {
  rows: FrameRows;
  /** per bin, the sum of re^2 + im^2 over the frames louder than activeAboveDb: used instead of `rows` */
  activePower?: Float64Array;
  bins: number;
  /** the STFT's magnitude compression: stored magnitude = |X|^power */
  power: number;
  binHz: number;
}

/** Within this many dB of the strongest bin, a bin counts as carried (a narrowband codec leaves > 60 dB less above 4 kHz). */
const BANDWIDTH_DB = 55;
/** A frame whose peak reaches this fraction of the window's largest sits at the limit (codecs and resamplers ring a little over flat tops). */
const CLIPPED_AT = 0.97;

/**
 * @param peaks the frames' largest |sample| (FrameWindow.peaks), for clippedPct; without them it is 0
 */
export function signalEvidence(energiesDb: ArrayLike<number>, activeAboveDb: number, spectrum?: WindowSpectrum, peaks?: ArrayLike<number>): SignalEvidence {
  const n = energiesDb.length;
  if (n === 0) return { levelDbfs: NONE_DB, floorDbfs: NONE_DB, dropoutsPerSec: 0, bandwidthHz: 0, clippedPct: 0, fallDb: 0 };
  let power = 0;
  let active = 0;
  const sorted = new Float64Array(n);
  // which frames are active, decided once for the level, dropouts, bandwidth and clipping
  const on = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const e = energiesDb[i]!;
    sorted[i] = e;
    if (e > activeAboveDb) {
      power += 10 ** (e / 10);
      active++;
      on[i] = 1;
    }
  }
  sorted.sort();
  const floor = Math.max(NONE_DB, sorted[Math.floor(0.1 * (n - 1))]!);
  const level = active > 0 ? 10 * Math.log10(power / active) : NONE_DB;
  const isActive = (i: number) => on[i] === 1;
  let dropouts = 0;
  for (let i = 0; i < n; ) {
    // not `>= SILENT_DB`: a NaN energy (NaN samples) must advance too, or this loop never ends
    if (!(energiesDb[i]! < SILENT_DB)) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && energiesDb[j]! < SILENT_DB) j++;
    const run = j - i;
    if (run <= MAX_DROPOUT_FRAMES && flanked(isActive, i - 1, -1) && flanked(isActive, j, 1)) dropouts++;
    i = j;
  }
  const round = (x: number) => Math.round(x * 10) / 10;
  const bandwidthHz = spectrum && active > 0 ? bandwidth(spectrum, on) : 0;
  const clippedPct = peaks !== undefined && peaks.length === n && active > 0 ? clipped(peaks, on, active) : 0;
  const fallDb = active > 0 ? fastestFall(energiesDb, level - FALL_FROM_DB) : 0;
  return { levelDbfs: round(level), floorDbfs: round(floor), dropoutsPerSec: round(dropouts / (n * FRAME_SECONDS)), bandwidthHz, clippedPct: round(clippedPct), fallDb: round(fallDb) };
}

/**
 * The FALL_PERCENTILE of the energy drops over FALL_FRAMES from frames above `fromDb` (0 with fewer than
 * FALL_FRAMES + 1 such frames): how fast the speech can leave its level. Noise stops the fall at its floor
 * at once; reverberation and smearing slow it down whatever the floor.
 */
function fastestFall(energiesDb: ArrayLike<number>, fromDb: number): number {
  const all = new Float64Array(Math.max(0, energiesDb.length - FALL_FRAMES));
  let m = 0;
  for (let t = 0; t + FALL_FRAMES < energiesDb.length; t++) {
    const from = energiesDb[t]!;
    const to = energiesDb[t + FALL_FRAMES]!;
    // NaN frames (NaN samples) and -Infinity (exact zeros without an epsilon) are no fall to measure
    if (from > fromDb && Number.isFinite(from) && Number.isFinite(to)) all[m++] = from - to;
  }
  if (m <= FALL_FRAMES) return 0;
  const drops = all.subarray(0, m).sort(); // a typed array sorts numerically, unboxed
  return Math.max(0, drops[Math.floor(FALL_PERCENTILE * (m - 1))]!);
}

/**
 * % of the active frames whose peak is within CLIPPED_AT of the window's largest. Speech that is not
 * limited reaches its largest peak in a frame or a few; a signal clipped at some level (a microphone's
 * ADC, a gain stage) hits that level in most of its loud frames, wherever the level is.
 */
function clipped(peaks: ArrayLike<number>, on: Uint8Array, active: number): number {
  let top = 0;
  for (let t = 0; t < peaks.length; t++) top = Math.max(top, peaks[t]!);
  if (!(top > 0)) return 0;
  let atTop = 0;
  for (let t = 0; t < peaks.length; t++) if (on[t] === 1 && peaks[t]! >= CLIPPED_AT * top) atTop++;
  return (100 * atTop) / active;
}

/** bandwidth()'s copy of the window, grown to the largest window seen */
let scratch = new Float32Array(0);

/**
 * The highest frequency whose level over the active frames is within BANDWIDTH_DB of the strongest bin's.
 * The level is read where the model's input has it, the compressed magnitude squared (|X|^(2 power)),
 * averaged over frames: no pow() per bin and frame on this per-window path (it cost more than the tiny
 * model's inference), and a threshold of BANDWIDTH_DB on |X|^2 is BANDWIDTH_DB * power on it.
 */
function bandwidth(s: WindowSpectrum, on: Uint8Array): number {
  const { bins, power, binHz } = s;
  const mean = s.activePower ?? activePowerOf(s.rows, bins, on);
  let peak = 0;
  for (let b = 0; b < bins; b++) peak = Math.max(peak, mean[b]!);
  if (peak <= 0) return 0;
  const floor = peak * 10 ** ((-BANDWIDTH_DB * power) / 10);
  let top = 0;
  for (let b = 0; b < bins; b++) if (mean[b]! >= floor) top = b;
  return top * binHz;
}

/** Per bin, the sum of re^2 + im^2 over the frames `on` (FrameWindow.activePower when the windower has none). */
function activePowerOf(rows: FrameRows, bins: number, on: Uint8Array): Float64Array {
  const frames = rows.frameCount;
  // the window copied out once (it is not one array: window-frames.ts) into a scratch shared by every call
  // (synchronous, so never in use twice), then bins outer, frames inner: contiguous per bin
  const size = 2 * bins * frames;
  if (scratch.length < size) scratch = new Float32Array(size);
  const data = scratch;
  rows.copyRows(0, 2 * bins, 0, frames, data, 0);
  const mean = new Float64Array(bins);
  for (let b = 0; b < bins; b++) {
    const re = b * frames;
    const im = (bins + b) * frames;
    let sum = 0;
    for (let t = 0; t < frames; t++) if (on[t]) sum += data[re + t]! * data[re + t]! + data[im + t]! * data[im + t]!;
    mean[b] = sum;
  }
  return mean;
}

/** An active frame within FLANK_FRAMES of `from`, going in `step`'s direction. */
function flanked(isActive: (i: number) => boolean, from: number, step: 1 | -1): boolean {
  for (let k = 0; k < FLANK_FRAMES; k++) if (isActive(from + k * step)) return true;
  return false;
}
