/**
 * What a window's frame energies say about its signal, measured rather than predicted: how loud the
 * speech is, how high the floor under it sits, and how often it drops to digital silence for a packet or
 * a few. The cause of a bad score reads these beside the students' dims (cause.ts): a student's loudness
 * dim hardly moves with the level, and a floor that rises in the pauses is noise whatever a codec does to
 * the dims. From the STFT's 20 ms frame energies every 10 ms (StftFrame.energyDb), computed once already
 * for the speech gate: no extra pass over the audio.
 */

import type { SignalEvidence } from '../events.js';

const SILENT_DB = -100;
const NONE_DB = -120;
const MAX_DROPOUT_FRAMES = 8;
/** active frames within this many frames on both sides make a silent run a dropout rather than a pause */
const FLANK_FRAMES = 3;
const FRAME_SECONDS = 0.01;

export function signalEvidence(energiesDb: ArrayLike<number>, activeAboveDb: number): SignalEvidence {
  const n = energiesDb.length;
  if (n === 0) return { levelDbfs: NONE_DB, floorDbfs: NONE_DB, dropoutsPerSec: 0 };
  let power = 0;
  let active = 0;
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = energiesDb[i]!;
    sorted[i] = e;
    if (e > activeAboveDb) {
      power += 10 ** (e / 10);
      active++;
    }
  }
  sorted.sort();
  const floor = Math.max(NONE_DB, sorted[Math.floor(0.1 * (n - 1))]!);
  const level = active > 0 ? 10 * Math.log10(power / active) : NONE_DB;
  const isActive = (i: number) => i >= 0 && i < n && energiesDb[i]! > activeAboveDb;
  let dropouts = 0;
  for (let i = 0; i < n; ) {
    if (energiesDb[i]! >= SILENT_DB) {
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
  return { levelDbfs: round(level), floorDbfs: round(floor), dropoutsPerSec: round(dropouts / (n * FRAME_SECONDS)) };
}

/** An active frame within FLANK_FRAMES of `from`, going in `step`'s direction. */
function flanked(isActive: (i: number) => boolean, from: number, step: 1 | -1): boolean {
  for (let k = 0; k < FLANK_FRAMES; k++) if (isActive(from + k * step)) return true;
  return false;
}
