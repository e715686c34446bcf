/**
 * Where in a looping clip a capture started. Chromium's fake microphone plays its WAV in a loop from
 * when capture opens, a little before the monitor's tap sees the first sample; to compare the browser
 * with the CLI on "the same clip" window by window, the CLI gets the clip rotated by that offset.
 */

/**
 * Offset (in clip samples) of the loop position where `captured16k` begins. `clip16k` is the clip at
 * 16 kHz (any resampler: it only locates), `clip` the clip at `clipRate`, where the offset is refined.
 */
export function loopOffset(captured16k: Float32Array, clip16k: Float32Array, clip: Float32Array, clipRate: number): number {
  const wrap = (x: Float32Array, i: number) => x[((i % x.length) + x.length) % x.length]!;
  const probe = captured16k.subarray(0, Math.min(captured16k.length, 2 * 16000));
  // 16 kHz: every lag, on 10 ms energy envelopes first, then on the waveform around the best
  const env = (get: (i: number) => number, start: number, frames: number) =>
    Float64Array.from({ length: frames }, (_, f) => {
      let e = 0;
      for (let i = 0; i < 160; i++) e += get(start + f * 160 + i) ** 2;
      return Math.sqrt(e);
    });
  const probeEnv = env((i) => probe[i]!, 0, Math.floor(probe.length / 160));
  let coarse = 0;
  let best = -Infinity;
  for (let lag = 0; lag < clip16k.length; lag += 160) {
    const e = env((i) => wrap(clip16k, i), lag, probeEnv.length);
    let score = 0;
    for (let f = 0; f < e.length; f++) score += e[f]! * probeEnv[f]!;
    score /= Math.sqrt(e.reduce((a, v) => a + v * v, 0)) || 1;
    if (score > best) [best, coarse] = [score, lag];
  }
  const correlate = (at: (i: number) => number) => {
    let score = 0;
    for (let i = 0; i < probe.length; i++) score += probe[i]! * at(i);
    return score;
  };
  let lag16 = coarse;
  best = -Infinity;
  for (let lag = coarse - 320; lag <= coarse + 320; lag++) {
    const score = correlate((i) => wrap(clip16k, lag + i));
    if (score > best) [best, lag16] = [score, lag];
  }
  // clip rate: integer offsets around it, the clip read at the capture's sample times (linear interpolation)
  const step = clipRate / 16000;
  const around = Math.round(lag16 * step);
  let offset = around;
  best = -Infinity;
  for (let lag = around - Math.ceil(2 * step); lag <= around + Math.ceil(2 * step); lag++) {
    const score = correlate((i) => {
      const t = lag + i * step;
      const k = Math.floor(t);
      return wrap(clip, k) + (t - k) * (wrap(clip, k + 1) - wrap(clip, k));
    });
    if (score > best) [best, offset] = [score, lag];
  }
  return ((offset % clip.length) + clip.length) % clip.length;
}

/** The clip as the looping microphone played it from `offset`, `length` samples long. */
export function rotatedLoop(clip: Float32Array, offset: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => clip[(offset + i) % clip.length]!);
}
