/**
 * Hand-run throughput check (not a timed unit test; skipped unless asked):
 *   CALLMOS_DSP_BENCH=1 npx vitest run packages/core/test/dsp/throughput.test.ts
 * Prints how many times faster than real time 48 kHz audio goes through resampling + STFT (+ windows).
 */
import { describe, it } from 'vitest';
import { StreamingResampler } from '../../src/dsp/resampler.js';
import { StreamingStft } from '../../src/dsp/stft.js';
import { FrameWindower } from '../../src/dsp/windows.js';
import { noise } from './support.js';

const SECONDS = 60;
const CHUNK = 960; // 20 ms at 48 kHz, an Opus packet

/** Best of 3 runs after a warm-up, in CPU time (the machine may be shared: wall time would measure the neighbours). */
function timeIt(label: string, run: () => void): void {
  run(); // warm-up: let the JIT compile the hot loops
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  console.log(`${label}: ${(SECONDS / best).toFixed(0)}x real time (${((best / SECONDS) * 1000).toFixed(2)} ms CPU per audio second)`);
}

describe.runIf(process.env.CALLMOS_DSP_BENCH)('DSP throughput (hand-run)', () => {
  it('48 kHz -> 16 kHz resample + compressed STFT', () => {
    const x48 = noise(48000 * SECONDS, 1, 0.2);
    const x16 = noise(16000 * SECONDS, 2, 0.2);
    let sink = 0;
    const onFrame = (f: { peak: number }) => (sink += f.peak);
    timeIt('resample 48k->16k (medium)', () => {
      const r = new StreamingResampler(48000);
      for (let i = 0; i < x48.length; i += CHUNK) r.process(x48.subarray(i, i + CHUNK));
      r.flush();
    });
    timeIt('STFT 16k', () => {
      const stft = new StreamingStft(onFrame);
      for (let i = 0; i < x16.length; i += 320) stft.push(x16.subarray(i, i + 320));
      stft.end();
    });
    timeIt('resample 48k->16k + STFT', () => {
      const r = new StreamingResampler(48000);
      const stft = new StreamingStft(onFrame);
      for (let i = 0; i < x48.length; i += CHUNK) stft.push(r.process(x48.subarray(i, i + CHUNK)));
      stft.push(r.flush());
      stft.end();
    });
    timeIt('resample 48k->16k + STFT + windows (W 400, hop 100)', () => {
      const r = new StreamingResampler(48000);
      const windower = new FrameWindower({ windowFrames: 400, hopFrames: 100, peakNormalize: true });
      const stft = new StreamingStft((f) => {
        if (windower.push(f)) sink++;
      });
      for (let i = 0; i < x48.length; i += CHUNK) stft.push(r.process(x48.subarray(i, i + CHUNK)));
      stft.push(r.flush());
      stft.end();
    });
    if (Number.isNaN(sink)) throw new Error('unreachable: keeps the work observable');
  });
});
