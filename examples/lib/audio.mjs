/**
 * Plain sample arithmetic for making test and demo audio: deterministic white noise, mixing at an SNR,
 * joining clips, silence, and writing WAV files (16-bit PCM, what ffmpeg and Chromium's fake microphone
 * read, or float32).
 */
import { writeFileSync } from 'node:fs';

/**
 * Deterministic white noise (xorshift32), uniform in [-1, 1): the same seed gives the same noise.
 * @param {number} n samples @param {number} [seed] @returns {Float32Array}
 */
export function whiteNoise(n, seed = 1) {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 0x80000000 - 1;
  }
  return out;
}

/** @param {Float32Array} x @returns {number} */
export function rms(x) {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / Math.max(1, x.length));
}

/**
 * speech + white noise at `snrDb` (power ratio over the whole clip), scaled down if needed to stay within
 * [-1, 1] (clipping would be another degradation).
 * @param {Float32Array} speech @param {number} snrDb @param {number} [seed] @returns {Float32Array}
 */
export function mixAtSnr(speech, snrDb, seed = 7) {
  const noise = whiteNoise(speech.length, seed);
  const gain = rms(speech) / (rms(noise) * 10 ** (snrDb / 20));
  const out = new Float32Array(speech.length);
  let peak = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = speech[i] + gain * noise[i];
    peak = Math.max(peak, Math.abs(out[i]));
  }
  if (peak > 0.99) for (let i = 0; i < out.length; i++) out[i] /= peak / 0.99;
  return out;
}

/** @param {Float32Array[]} parts @returns {Float32Array} the parts back to back */
export function concat(parts) {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Mono WAV file.
 * @param {string} path @param {Float32Array} samples in [-1, 1] @param {number} sampleRate
 * @param {'pcm16' | 'float32'} [encoding] default 16-bit PCM
 */
export function writeWav(path, samples, sampleRate, encoding = 'pcm16') {
  const bytesPerSample = encoding === 'pcm16' ? 2 : 4;
  const data = Buffer.alloc(samples.length * bytesPerSample);
  for (let i = 0; i < samples.length; i++) {
    if (encoding === 'pcm16') data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), i * 2);
    else data.writeFloatLE(samples[i], i * 4);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(encoding === 'pcm16' ? 1 : 3, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * bytesPerSample, 28);
  header.writeUInt16LE(bytesPerSample, 32);
  header.writeUInt16LE(bytesPerSample * 8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}
