/**
 * Where in a looping clip a capture started. Chromium's fake microphone plays its WAV in a loop from
 * when capture opens, a little before the monitor's tap sees the first sample; to compare the browser
 * with the CLI on "the same clip" window by window, the CLI gets the clip rotated by that offset.
 */

/** Offset (in clip samples at `clipRate`) of the loop position where `captured16k` begins. */
export function loopOffset(captured16k: Float32Array, clip: Float32Array, clipRate: number): number {
  const ratio = clipRate / 16000;
  if (!Number.isInteger(ratio)) throw new RangeError(`clip rate must be a multiple of 16 kHz, got ${clipRate}`);
  const at = (i: number) => clip[((i % clip.length) + clip.length) % clip.length]!;
  const probe = captured16k.subarray(0, Math.min(captured16k.length, 2 * 16000));
  // coarse: 10 ms energy envelopes
  const env = (get: (i: number) => number, start: number, frames: number, step: number) =>
    Float64Array.from({ length: frames }, (_, f) => {
      let e = 0;
      for (let i = 0; i < 160; i++) e += get(start + (f * 160 + i) * step) ** 2;
      return Math.sqrt(e);
    });
  const probeEnv = env((i) => probe[i]!, 0, Math.floor(probe.length / 160), 1);
  let best = 0;
  let bestScore = -Infinity;
  const clipFrames = Math.floor(clip.length / ratio / 160);
  for (let lagFrame = 0; lagFrame < clipFrames; lagFrame++) {
    const e = env(at, lagFrame * 160 * ratio, probeEnv.length, ratio);
    let score = 0;
    for (let f = 0; f < e.length; f++) score += e[f]! * probeEnv[f]!;
    score /= Math.sqrt(e.reduce((a, v) => a + v * v, 0)) || 1;
    if (score > bestScore) [bestScore, best] = [score, lagFrame * 160 * ratio];
  }
  // fine: every clip sample within +-20 ms, correlating the waveforms (clip decimated by picking samples)
  let fine = best;
  let fineScore = -Infinity;
  const span = 320 * ratio;
  for (let lag = best - span; lag <= best + span; lag++) {
    let score = 0;
    for (let i = 0; i < probe.length; i++) score += probe[i]! * at(lag + i * ratio);
    if (score > fineScore) [fineScore, fine] = [score, lag];
  }
  return ((fine % clip.length) + clip.length) % clip.length;
}

/** The clip as the looping microphone played it from `offset`, `seconds` long. */
export function rotatedLoop(clip: Float32Array, offset: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => clip[(offset + i) % clip.length]!);
}
