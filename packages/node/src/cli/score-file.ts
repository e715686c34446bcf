import { DEFAULT_QUALITY_CONFIG, diagnoseCause, scoreClip, type MosModel, type ScoreEvent } from '@callmos/core';
import type { SileroVad } from '@callmos/core';
import type { FileScore, WindowScore } from './file-score.js';
import { readInput } from './read-input.js';

export interface ScoreFileHooks {
  /** each window as soon as it is scored, in order (streamed per-window output) */
  onWindow?: (window: WindowScore) => void;
  /** seconds scored so far and the file's duration (progress on long files) */
  onProgress?: (scoredS: number, durationS: number) => void;
  /** the speech detector: windows it finds no speech in are not scored (default: the energy gate alone) */
  speech?: SileroVad;
}

/**
 * Decode one file (or `-`, stdin) and score it with core's offline path (which applies the short-clip
 * rule, so a clip shorter than the model window is scored, repeated, rather than failing). With
 * `hooks.speech`, windows the speech detector finds no speech in are not scored.
 */
export async function scoreFile(model: MosModel, file: string, hooks: ScoreFileHooks = {}): Promise<FileScore> {
  const clip = await readInput(file);
  const result = await scoreClip(model, clip.samples, clip.sampleRate, {
    streamId: file,
    speech: hooks.speech,
    onWindow: (event) => {
      hooks.onWindow?.(toWindowScore(event));
      hooks.onProgress?.(Math.min(event.end, clip.duration), clip.duration);
    },
  });
  return {
    file,
    mos: result.mos,
    dims: result.dims,
    windows: result.windows.filter((w) => w.scored).length,
    durationS: clip.duration,
    windowScores: result.windows.map(toWindowScore),
  };
}

/**
 * Keep what describes the audio; drop what describes the run (latency, wall clock, stream and model ids).
 * A window under the 'good' band gets its cause, read from its own dims (a file has no network figures).
 */
function toWindowScore(event: ScoreEvent): WindowScore {
  const below = event.scored && event.mos !== null && event.mos < DEFAULT_QUALITY_CONFIG.goodAtLeast;
  return {
    start: event.start,
    end: event.end,
    scored: event.scored,
    ...(event.reason !== undefined ? { reason: event.reason } : {}),
    mos: event.mos,
    dims: event.dims,
    speechRatio: event.speechRatio,
    ...(below ? { cause: diagnoseCause(event.dims, undefined, event.signal).kind } : {}),
  };
}
