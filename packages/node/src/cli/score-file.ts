import { scoreClip, type MosModel, type ScoreEvent, type SileroVad } from '@callmos/core';
import { readAudioFile } from '../audio-file.js';
import type { FileScore, WindowScore } from './file-score.js';

/**
 * Decode one file and score it with core's offline path (which applies the short-clip rule, so a clip
 * shorter than the model window is scored, repeated, rather than failing). With `speech`, windows the
 * speech detector finds no speech in are not scored.
 */
export async function scoreFile(model: MosModel, file: string, speech?: SileroVad): Promise<FileScore> {
  const clip = await readAudioFile(file);
  const result = await scoreClip(model, clip.samples, clip.sampleRate, { streamId: file, speech });
  return {
    file,
    mos: result.mos,
    dims: result.dims,
    windows: result.windows.filter((w) => w.scored).length,
    durationS: clip.duration,
    windowScores: result.windows.map(toWindowScore),
  };
}

/** Keep what describes the audio; drop what describes the run (latency, wall clock, stream and model ids). */
function toWindowScore(event: ScoreEvent): WindowScore {
  return {
    start: event.start,
    end: event.end,
    scored: event.scored,
    ...(event.reason !== undefined ? { reason: event.reason } : {}),
    mos: event.mos,
    dims: event.dims,
    speechRatio: event.speechRatio,
  };
}
