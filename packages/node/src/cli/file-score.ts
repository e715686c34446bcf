import type { CauseKind } from '@callmos/core';

/** One window of a scored file, as the JSON output carries it (a ScoreEvent without the live-only fields). */
export interface WindowScore {
  start: number;
  end: number;
  scored: boolean;
  reason?: string;
  mos: number | null;
  dims: Record<string, number>;
  speechRatio: number;
  /** what makes a window under the 'good' band sound as it does (core's diagnoseCause on its dims) */
  cause?: CauseKind;
}

/** One row of `callmos score` output. */
export interface FileScore {
  file: string;
  /** clip MOS, null when no window had speech */
  mos: number | null;
  /** clip dims in the card's order, absent when no window had speech */
  dims: Record<string, number>;
  /** windows that were scored (with speech) */
  windows: number;
  durationS: number;
  windowScores: WindowScore[];
}
