import { describe, expect, it } from 'vitest';
import { N_BINS, numFrames } from '../../src/dsp/constants.js';
import { StreamingStft, compressedStft, type CompressedStft, type StftFrame } from '../../src/dsp/stft.js';
import { concat, loadFixture, maxAbsDiff, noise, randomChunks } from './support.js';

interface StftFixture {
  signal: string;
  input: number[];
  frames: number;
  data: number[];
  peaks: number[];
  energiesDb: number[];
}

const SIGNALS = ['chirp', 'noise', 'short', 'odd'] as const;

/** Streams `chunks` through one StreamingStft and collects everything it emits, in compressedStft's layout. */
function streamChunks(chunks: Float32Array[], stft = new StreamingStft()): CompressedStft {
  const frames: { data: Float32Array; peak: number; energyDb: number }[] = [];
  const collect = (f: StftFrame) => {
    expect(f.index).toBe(frames.length);
    frames.push({ data: f.data.slice(), peak: f.peak, energyDb: f.energyDb });
  };
  for (const chunk of chunks) stft.push(chunk, collect);
  stft.end(collect);
  const n = frames.length;
  const data = new Float32Array(2 * N_BINS * n);
  frames.forEach((f, i) => f.data.forEach((v, b) => (data[b * n + i] = v)));
  return {
    data,
    frames: n,
    peaks: Float64Array.from(frames, (f) => f.peak),
    energiesDb: Float64Array.from(frames, (f) => f.energyDb),
  };
}

describe('compressedStft = features.compressed_stft (golden vectors)', () => {
  it.each(SIGNALS)('%s', (signal) => {
    const fx = loadFixture<StftFixture>(`stft-${signal}.json`);
    const out = compressedStft(Float32Array.from(fx.input));
    expect(out.frames).toBe(fx.frames);
    expect(out.frames).toBe(Math.floor(fx.input.length / 160));
    expect(maxAbsDiff(out.data, fx.data)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(out.peaks, fx.peaks)).toBeLessThanOrEqual(1e-8);
    expect(maxAbsDiff(out.energiesDb, fx.energiesDb)).toBeLessThanOrEqual(1e-5);
  });
});

describe('StreamingStft', () => {
  const x = Float32Array.from(loadFixture<StftFixture>('stft-odd.json').input);
  const whole = compressedStft(x);

  it.each([11, 12, 13])('gives bit-identical frames for random chunk sizes (seed %i)', (seed) => {
    const chunked = streamChunks(randomChunks(x, seed, 700));
    expect(chunked.frames).toBe(whole.frames);
    expect(chunked.data).toEqual(whole.data);
    expect(chunked.peaks).toEqual(whole.peaks);
    expect(chunked.energiesDb).toEqual(whole.energiesDb);
  });

  it('gives bit-identical frames one sample at a time, and for pushes larger than its buffer', () => {
    const long = concat([x, x, x, x]);
    const reference = compressedStft(long);
    const oneByOne = streamChunks(Array.from(long, (_, i) => long.subarray(i, i + 1)));
    expect(oneByOne.data).toEqual(reference.data);
    const big = streamChunks([long.subarray(0, 9000), long.subarray(9000)]);
    expect(big.data).toEqual(reference.data);
  });

  it('emits frame i as soon as sample 160 i + 239 arrives, and the frames reaching into the end padding at end()', () => {
    const stft = new StreamingStft();
    const emittedAfter: number[] = [];
    const sink = (f: StftFrame) => emittedAfter.push(f.index);
    const arrivals: number[] = [];
    for (let i = 0; i < x.length; i++) {
      if (stft.push(x.subarray(i, i + 1), sink) > 0) arrivals.push(i);
    }
    expect(arrivals).toEqual(Array.from({ length: arrivals.length }, (_, i) => 160 * i + 239));
    expect(arrivals.length).toBe(Math.floor((x.length - 240) / 160) + 1);
    expect(stft.end(sink)).toBe(numFrames(x.length) - arrivals.length);
    expect(emittedAfter).toEqual(Array.from({ length: numFrames(x.length) }, (_, i) => i));
  });

  it('starts a new stream after end(), identical to a fresh instance', () => {
    const stft = new StreamingStft();
    streamChunks([noise(5000, 1)], stft);
    expect(stft.samplesPushed).toBe(0);
    expect(stft.framesEmitted).toBe(0);
    expect(streamChunks([x], stft).data).toEqual(whole.data);
  });

  it.each([0, 1, 50, 80, 81, 100, 159])('emits no frame, without error, for a %i-sample stream', (n) => {
    expect(streamChunks([noise(n, n)]).frames).toBe(0);
    expect(compressedStft(noise(n, n)).frames).toBe(0);
  });

  it('emits exactly one frame for 160 samples and two for 320', () => {
    expect(streamChunks([noise(160, 3)]).frames).toBe(1);
    expect(streamChunks([noise(320, 3)]).frames).toBe(2);
  });

  it('reports peak (padding included) and energy of digital silence without NaN', () => {
    const out = compressedStft(new Float32Array(1600));
    expect(out.frames).toBe(10);
    expect(Array.from(out.energiesDb)).toEqual(new Array(10).fill(-120));
    expect(Array.from(out.peaks)).toEqual(new Array(10).fill(0));
    expect(out.data.every((v) => v === 0)).toBe(true);
  });

  it('uses the constructor sink when push/end get none, and refuses to run with no sink', () => {
    let count = 0;
    const stft = new StreamingStft(() => count++);
    stft.push(x);
    stft.end();
    expect(count).toBe(whole.frames);
    expect(() => new StreamingStft().push(x)).toThrow(TypeError);
  });
});
