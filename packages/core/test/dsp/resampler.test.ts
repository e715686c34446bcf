import { describe, expect, it } from 'vitest';
import { StreamingResampler, type ResamplerQuality } from '../../src/dsp/resampler.js';
import { concat, db, loadFixture, maxAbsDiff, noise, randomChunks, rms, sine, toneAmplitude } from './support.js';

interface ResampleFixture {
  inRate: number;
  outRate: number;
  input: number[];
  designs: Record<ResamplerQuality, { up: number; down: number; cutoff: number; kaiserBeta: number; halfWidth: number; lookahead: number }>;
  outputs: Record<ResamplerQuality, number[]>;
}

const FIXTURE_RATES = [8000, 11025, 22050, 24000, 32000, 44100, 48000];
const QUALITIES: ResamplerQuality[] = ['low', 'medium', 'high'];
const DOWNSAMPLING_RATES = [22050, 24000, 32000, 44100, 48000];

function resampleWhole(x: Float32Array, inRate: number, quality: ResamplerQuality = 'medium'): Float32Array {
  const r = new StreamingResampler(inRate, 16000, { quality });
  return concat([r.process(x), r.flush()]);
}

describe('StreamingResampler = scipy resample_poly with the same Kaiser windowed-sinc (golden vectors)', () => {
  for (const rate of FIXTURE_RATES) {
    it.each(QUALITIES)(`${rate} Hz -> 16 kHz, quality %s`, (quality) => {
      const fx = loadFixture<ResampleFixture>(`resample-${rate}.json`);
      const r = new StreamingResampler(rate, 16000, { quality });
      const design = fx.designs[quality];
      expect(r.filter).toMatchObject({ up: design.up, down: design.down, lookahead: design.lookahead });
      expect(r.filter!.cutoff).toBeCloseTo(design.cutoff, 12);
      expect(r.filter!.kaiserBeta).toBeCloseTo(design.kaiserBeta, 12);
      expect(r.filter!.halfWidth).toBeCloseTo(design.halfWidth, 9);
      const y = concat([r.process(Float32Array.from(fx.input)), r.flush()]);
      expect(y.length).toBe(Math.ceil((fx.input.length * 16000) / rate));
      expect(maxAbsDiff(y, fx.outputs[quality])).toBeLessThanOrEqual(1e-6);
    });
  }
});

describe('StreamingResampler filter', () => {
  // Each tone above the new Nyquist must come out (aliased) at least 60 dB down. Nothing else is in the
  // output, so its whole RMS (edges excluded) is the alias level.
  for (const rate of DOWNSAMPLING_RATES) {
    it.each(QUALITIES)(`${rate} Hz: tones above 8 kHz alias at <= -60 dB (quality %s)`, (quality) => {
      for (const freq of [8050, 8500, 9000, 12000, rate / 2 - 200]) {
        const y = resampleWhole(sine(rate / 2, freq, rate, 0.5), rate, quality);
        const level = db(rms(y, 500, y.length - 500) / (0.5 / Math.SQRT2));
        expect(level, `${freq} Hz`).toBeLessThanOrEqual(quality === 'low' ? -60 : quality === 'medium' ? -75 : -95);
      }
    });
  }

  it.each([8000, 11025])('%i Hz upsampling: the image of an in-band tone is <= -60 dB', (rate) => {
    for (const quality of QUALITIES) {
      const freq = 0.35 * rate; // in the pass band (0.7 of the input Nyquist); image at rate - freq
      const y = resampleWhole(sine(rate, freq, rate, 0.5), rate, quality);
      const tone = toneAmplitude(y, freq, 16000, 1000, y.length - 1000);
      const image = toneAmplitude(y, rate - freq, 16000, 1000, y.length - 1000);
      expect(db(image / tone), quality).toBeLessThanOrEqual(-60);
    }
  });

  it('48 kHz -> 16 kHz (medium) is flat to 7 kHz within 0.01 dB', () => {
    for (const freq of [50, 300, 1000, 3000, 5000, 6500, 7000]) {
      const y = resampleWhole(sine(48000, freq, 48000, 0.5), 48000);
      const gainDb = db(toneAmplitude(y, freq, 16000, 1000, y.length - 1000) / 0.5);
      expect(Math.abs(gainDb), `${freq} Hz`).toBeLessThan(0.01);
    }
  });

  it.each(FIXTURE_RATES)('%i Hz: zero group delay, output n is the input at time n / 16000', (rate) => {
    // a 1 kHz tone resampled must equal the same tone sampled at 16 kHz with the same phase
    const phase = 0.7;
    const y = resampleWhole(sine(rate, 1000, rate, 0.5, phase), rate);
    const ideal = sine(y.length, 1000, 16000, 0.5, phase);
    const margin = 400; // the stream edges see zeros before and after the stream
    expect(maxAbsDiff(y.subarray(margin, y.length - margin), ideal.subarray(margin, y.length - margin))).toBeLessThan(1e-4);
  });
});

describe('StreamingResampler streaming', () => {
  for (const rate of [8000, 11025, 22050, 24000, 32000, 44100, 48000]) {
    it(`${rate} Hz: any chunking + flush() equals process(whole) + flush() bit for bit`, () => {
      const x = noise(rate / 4 + 13, rate, 0.3);
      const whole = resampleWhole(x, rate);
      for (const seed of [1, 2]) {
        const r = new StreamingResampler(rate);
        const parts = randomChunks(x, seed * rate, 900).map((c) => r.process(c));
        const chunked = concat([...parts, r.flush()]);
        expect(chunked).toEqual(whole);
      }
    });
  }

  it('emits output n once input floor(n * inRate / 16000) + lookahead has arrived', () => {
    const r = new StreamingResampler(44100);
    const lookahead = r.lookahead;
    let emitted = 0;
    for (let received = 1; received <= 3000; received++) {
      emitted += r.process(new Float32Array(1)).length;
      // outputs n with floor(n * 441 / 160) <= received - 1 - lookahead
      const expected = received - lookahead <= 0 ? 0 : Math.ceil(((received - lookahead) * 160) / 441);
      expect(emitted).toBe(expected);
    }
  });

  it('flush() resets: the next stream is resampled like by a fresh instance', () => {
    const r = new StreamingResampler(48000);
    r.process(noise(5000, 1));
    r.flush();
    const x = noise(4000, 2);
    expect(concat([r.process(x), r.flush()])).toEqual(resampleWhole(x, 48000));
    r.process(noise(3000, 3));
    r.reset();
    expect(concat([r.process(x), r.flush()])).toEqual(resampleWhole(x, 48000));
  });

  it('16 kHz -> 16 kHz is a pass-through: a Float32Array chunk as it is (no copy per packet), anything else as a Float32Array', () => {
    const r = new StreamingResampler(16000);
    expect(r.filter).toBeNull();
    const x = noise(1000, 5);
    expect(r.process(x)).toBe(x);
    const list = Array.from(x);
    const y = r.process(list);
    expect(y).toBeInstanceOf(Float32Array);
    expect(y).toEqual(x);
    expect(r.flush().length).toBe(0);
  });

  it('handles an empty stream and rejects bad rates', () => {
    const r = new StreamingResampler(48000);
    expect(r.process(new Float32Array(0)).length).toBe(0);
    expect(r.flush().length).toBe(0);
    expect(() => new StreamingResampler(0)).toThrow(RangeError);
    expect(() => new StreamingResampler(44100.5)).toThrow(RangeError);
    expect(() => new StreamingResampler(44101)).toThrow(/polyphase table/);
  });

  it('resamples other rational ratios (16 kHz -> 48 kHz) with the same guarantees', () => {
    const x = noise(3001, 9);
    const r = new StreamingResampler(16000, 48000);
    const whole = concat([r.process(x), r.flush()]);
    expect(whole.length).toBe(9003);
    const parts = randomChunks(x, 4, 300).map((c) => r.process(c));
    expect(concat([...parts, r.flush()])).toEqual(whole);
    const y = concat([r.process(sine(16000, 1000, 16000, 0.5)), r.flush()]);
    expect(maxAbsDiff(y.subarray(1000, 47000), sine(48000, 1000, 48000, 0.5).subarray(1000, 47000))).toBeLessThan(1e-4);
  });
});
