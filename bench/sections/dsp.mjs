/**
 * Section 1: streaming resample (48 -> 16 kHz) + compressed STFT in the TS core, in 10 ms chunks as a live
 * stream feeds it, beside the numpy/scipy reference of the same transform (features.py) in the same run.
 */
import { StreamingResampler, StreamingStft } from '@callmos/core/dsp';
import { median, pythonReference } from '../lib/common.mjs';

/** Deterministic speech-like AM noise (the DSP cost does not depend on content). */
function signal(n, rate) {
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[i] = 0.3 * (s / 4294967296 - 0.5) * (1 + Math.sin((2 * Math.PI * 4 * i) / rate));
  }
  return x;
}

function core(seconds, runs) {
  const x = signal(48000 * seconds, 48000);
  const times = [];
  for (let r = -1; r < runs; r++) { // run -1 warms the JIT up and is not counted
    const rs = new StreamingResampler(48000, 16000);
    const stft = new StreamingStft(() => {});
    const t = performance.now();
    for (let i = 0; i < x.length; i += 480) stft.push(rs.process(x.subarray(i, i + 480)));
    stft.end();
    if (r >= 0) times.push((performance.now() - t) / 1000);
  }
  const wall = median(times);
  return { audioSeconds: seconds, wallSeconds: wall, xRealTime: seconds / wall, what: '@callmos/core StreamingResampler + StreamingStft, 10 ms chunks, float32' };
}

export async function benchDsp({ dspSeconds, dspRuns }) {
  const ts = core(dspSeconds, dspRuns);
  const numpy = await pythonReference(['stft', '--seconds', String(dspSeconds), '--runs', String(dspRuns)]);
  return { core: ts, numpy, ratio: numpy.xRealTime ? ts.xRealTime / numpy.xRealTime : null };
}
