/**
 * Offline scoring of a whole clip. It is the streaming path (a StreamScorer fed the clip, then end()),
 * so offline and live scores cannot drift apart; the clip is fed in pieces only to bound memory.
 */
import type { ScoreEvent } from '../events.js';
import type { MosModel } from '../model/mos-model.js';
import type { ResamplerQuality } from '../dsp/resampler.js';
import type { VadOptions } from './vad.js';
import type { SileroVad } from './silero-vad.js';
import { StreamScorer } from './stream-scorer.js';

export interface ScoreClipOptions {
  vad?: VadOptions;
  /** the speech detector's model: windows it finds no speech in are not scored (see StreamScorerOptions) */
  speech?: SileroVad;
  /** streamId of the window events; default 'clip' */
  streamId?: string;
  resamplerQuality?: ResamplerQuality;
  /** seconds of audio per push; any value gives the same scores, it only bounds memory. Default 10 */
  chunkSeconds?: number;
  /**
   * Called with each window's event, in order, as soon as it is known (before the clip is done): lets a
   * caller stream per-window output or show progress on a long clip. The same events are in the result.
   */
  onWindow?: (event: ScoreEvent) => void;
}

/** Why a clip has no MOS. */
export type ClipNotScoredReason = 'no-speech' | 'empty';

export interface ClipScore {
  /** mean MOS over the scored windows; null when none was scored (see `reason`) */
  mos: number | null;
  /** mean of each dim over the scored windows ({} when none) */
  dims: Record<string, number>;
  reason?: ClipNotScoredReason;
  /** every window's event, scored or not, in order */
  windows: ScoreEvent[];
  /** seconds */
  duration: number;
}

/**
 * Scores a clip at `sampleRate` (resampled to 16 kHz). Windows without speech are reported and left out
 * of the mean; a clip shorter than one window is scored once, repeated (the short-clip rule).
 * Rejects when the model fails on any window (offline, a partial mean would be a wrong answer).
 */
export async function scoreClip(
  model: MosModel,
  samples: ArrayLike<number>,
  sampleRate: number,
  options: ScoreClipOptions = {},
): Promise<ClipScore> {
  const scorer = new StreamScorer({
    model,
    streamId: options.streamId ?? 'clip',
    inputRate: sampleRate,
    vad: options.vad,
    speech: options.speech,
    resamplerQuality: options.resamplerQuality,
    maxPendingWindows: Infinity, // offline: never drop a window
  });
  const chunk = Math.max(1, Math.round((options.chunkSeconds ?? 10) * sampleRate));
  const windows: ScoreEvent[] = [];
  const collect = (events: ScoreEvent[]) => {
    for (const event of events) {
      windows.push(event);
      options.onWindow?.(event);
    }
  };
  for (let at = 0; at < samples.length; at += chunk) {
    collect(await scorer.push(slice(samples, at, Math.min(samples.length, at + chunk))));
  }
  collect(await scorer.end());
  if (windows.some((w) => w.reason === 'error')) throw scorer.lastError;
  return summarise(windows, samples.length / sampleRate);
}

function summarise(windows: ScoreEvent[], duration: number): ClipScore {
  const scored = windows.filter((w) => w.scored);
  if (scored.length === 0) return { mos: null, dims: {}, reason: windows.length === 0 ? 'empty' : 'no-speech', windows, duration };
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const dims: Record<string, number> = {};
  for (const name of Object.keys(scored[0]!.dims)) dims[name] = mean(scored.map((w) => w.dims[name]!));
  return { mos: mean(scored.map((w) => w.mos!)), dims, windows, duration };
}

function slice(samples: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  if (ArrayBuffer.isView(samples)) return (samples as unknown as Float32Array).subarray(from, to);
  return Array.prototype.slice.call(samples, from, to) as number[];
}
