/**
 * Where in a looping clip a capture started. Chromium's fake microphone plays its WAV in a loop from
 * when capture opens, a little before the monitor's tap sees the first sample; to compare the browser
 * with the CLI on "the same clip" window by window, the CLI gets the clip rotated by that offset.
 */

/**
 * Offset (in clip samples) of the loop position where `captured16k` begins. `clip16k` is the clip at
 * 16 kHz (any resampler: it only locates), `clip` the clip at `clipRate`, where the offset is refined.
 */
export function loopOffset(
  captured16k: Float32Array,
  clip16k: Float32Array,
  clip: Float32Array,
  clipRate: number,
): number {
  const probe = captured16k.subarray(0, Math.min(captured16k.length, 2 * 16000, clip16k.length));
  const mod = (i: number, n: number) => ((i % n) + n) % n;
  // the loop unrolled once, so that any lag in [0, length) reads probe.length samples straight on
  const loop16 = new Float32Array(clip16k.length + probe.length + 1);
  for (let i = 0; i < loop16.length; i++) loop16[i] = clip16k[i % clip16k.length]!;
  const energy = new Float64Array(loop16.length + 1); // running sum of squares: any 10 ms frame's energy in O(1)
  for (let i = 0; i < loop16.length; i++) energy[i + 1] = energy[i]! + loop16[i]! ** 2;
  const frames = Math.floor(probe.length / 160);
  const probeEnv = Float64Array.from({ length: frames }, (_, f) => {
    let e = 0;
    for (let i = 0; i < 160; i++) e += probe[f * 160 + i]! ** 2;
    return Math.sqrt(e);
  });
  // 16 kHz: lags 10 ms apart on 10 ms energy envelopes first, then every lag around the best on the waveform
  let coarse = 0;
  let best = -Infinity;
  for (let lag = 0; lag < clip16k.length; lag += 160) {
    const at = mod(lag, clip16k.length);
    let score = 0;
    let norm = 0;
    for (let f = 0; f < frames; f++) {
      const e = Math.sqrt(energy[at + f * 160 + 160]! - energy[at + f * 160]!);
      score += e * probeEnv[f]!;
      norm += e * e;
    }
    score /= Math.sqrt(norm) || 1;
    if (score > best) [best, coarse] = [score, lag];
  }
  let lag16 = coarse;
  best = -Infinity;
  for (let lag = coarse - 320; lag <= coarse + 320; lag++) {
    const at = mod(lag, clip16k.length);
    let score = 0;
    for (let i = 0; i < probe.length; i++) score += probe[i]! * loop16[at + i]!;
    if (score > best) [best, lag16] = [score, lag];
  }
  // clip rate: integer offsets around it, the clip read at the capture's sample times (linear interpolation)
  const step = clipRate / 16000;
  const around = Math.round(lag16 * step);
  let offset = around;
  best = -Infinity;
  for (let lag = around - Math.ceil(2 * step); lag <= around + Math.ceil(2 * step); lag++) {
    const read = readAt16k(clip, clipRate, lag, probe.length);
    let score = 0;
    for (let i = 0; i < probe.length; i++) score += probe[i]! * read[i]!;
    if (score > best) [best, offset] = [score, lag];
  }
  return mod(offset, clip.length);
}

/** The clip as the looping microphone played it from `offset`, `length` samples long. */
export function rotatedLoop(clip: Float32Array, offset: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => clip[(offset + i) % clip.length]!);
}

/**
 * A window of the capture holds the clip "as played" when the clip explains it to within this residual.
 * Browser runs read 30-36 dB in most windows (Chromium's resampler and the tap's differ near 8 kHz); a
 * window holding a dropped or repeated 10 ms buffer 0.1 s or more from its edges reads under 17. The four
 * windows holding the clean clip's last second read 23-25 dB in every 24 s run (a CI run and here alike: the
 * loop's end is not played as the decoded clip has it), and one of them scored 0.093 MOS off the CLI's clip
 * (the others of that run: 0.005 on average): not the same audio at the precision compared, so left out.
 */
export const FAITHFUL_CAPTURE_SNR_DB = 26;

/** The clip read at 16 kHz sample times from `offset` (clip samples), by linear interpolation at `clipRate`. */
function readAt16k(clip: Float32Array, clipRate: number, offset: number, length: number): Float64Array {
  const step = clipRate / 16000;
  const wrap = (i: number) => clip[((i % clip.length) + clip.length) % clip.length]!;
  return Float64Array.from({ length }, (_, i) => {
    const t = offset + i * step;
    const k = Math.floor(t);
    return wrap(k) + (t - k) * (wrap(k + 1) - wrap(k));
  });
}

/**
 * One scored window of the capture located in the looping clip on its own, and how faithfully it holds the
 * clip there: the capture is not sample-exact under CPU load (Chromium's fake microphone can drop or repeat
 * a buffer), and after such a glitch the loop offset found at the capture's start no longer holds. `snrDb`
 * is the clip's energy over the residual after the best gain: a window that straddles a glitch has no
 * offset that fits all of it and reads low. (`snrDb`: the capture's energy over the residual.)
 */
export function windowAlignment(
  captured16k: Float32Array,
  clip16k: Float32Array,
  clip: Float32Array,
  clipRate: number,
  start: number,
  length: number,
): { offset: number; snrDb: number } {
  const win = captured16k.subarray(start, start + length);
  // Searched over the whole loop, not near where an unbroken capture would be: under CPU load Chromium's
  // fake microphone drops whole runs of late buffers (it keeps to the wall clock), so the capture can run
  // ahead of where its start says by more than any fixed radius, and a window that holds no glitch must still be
  // found. (A 4 s envelope matches one place in the loop; a wrong match reads a low SNR and is left out.)
  const offset = loopOffset(win, clip16k, clip, clipRate);
  const ref = readAt16k(clip, clipRate, offset, win.length);
  let cr = 0;
  let rr = 0;
  let cc = 0;
  for (let i = 0; i < win.length; i++) {
    cr += win[i]! * ref[i]!;
    rr += ref[i]! * ref[i]!;
    cc += win[i]! * win[i]!;
  }
  const gain = rr > 0 ? cr / rr : 0;
  let residual = 0;
  for (let i = 0; i < win.length; i++) residual += (win[i]! - gain * ref[i]!) ** 2;
  return { offset, snrDb: 10 * Math.log10(cc / Math.max(residual, 1e-20)) };
}
